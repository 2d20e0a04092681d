"""Form problems shown beside their fields, all at once."""

from __future__ import annotations


class FormError(Exception):
    """Bad form input: ``problems`` maps a field name to its (translated) message."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
