"""What every command of the ``planner`` command line shares: error handling, defaults, options.

:func:`handle_errors` is the one place where a :class:`~planner.errors.PlannerError` becomes a
plain message on stderr and its exit code; any other exception is a bug and is reported as
such, without a traceback unless ``PLANNER_DEBUG=1``. Nothing here imports pandas: ``planner
--help`` stays quick.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from planner.errors import InfeasibleError, InputError, PlannerError

F = TypeVar("F", bound=Callable[..., Any])

PROJECT_ROOT = Path(__file__).resolve().parents[2]
"""The project folder holding the package and the shipped ``data/`` and ``scenarios/``."""

DEFAULT_DATA = "data/demo"
DEFAULT_SCENARIO = "scenarios/default.yaml"

WARNINGS_SHOWN = 3
"""Warnings of one kind shown in full before the rest are counted (SAO staff read them)."""

data_option = click.option(
    "--data", "data_path", default=None, help="Data folder or workbook [data/demo]."
)
"""``--data``: the data set a command reads (default :func:`default_data`)."""


def echo_err(message: str) -> None:
    """One line on stderr."""
    click.echo(message, err=True)


def handle_errors(func: F) -> F:
    """Run a command, turning planner errors into messages and exit codes."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            n = len(exc.problems)
            echo_err(f"The input has {n} problem{'s' if n != 1 else ''}; nothing was written.")
            for problem in exc.problems:
                echo_err(str(problem))
            sys.exit(exc.exit_code)
        except InfeasibleError as exc:
            echo_err("No plan can satisfy every hard rule; nothing was written.")
            for reason in exc.reasons:
                echo_err(f"- {reason}")
            sys.exit(exc.exit_code)
        except PlannerError as exc:
            echo_err(f"error: {exc}")
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            echo_err("Interrupted; nothing was written.")
            sys.exit(130)
        except BrokenPipeError:
            # The reader went away (e.g. `planner validate | head`): nothing to report.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(0)
        except Exception as exc:  # a traceback is a bug: say so plainly
            if os.environ.get("PLANNER_DEBUG"):
                raise
            echo_err(
                f"internal error (this is a bug in planner, please report it): "
                f"{type(exc).__name__}: {exc}"
            )
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def default_data() -> str:
    """The demo data set: ``data/demo`` in the working folder, else the shipped copy."""
    if Path(DEFAULT_DATA).exists():
        return DEFAULT_DATA
    return str(PROJECT_ROOT / DEFAULT_DATA)


def data_path_or_default(data_path: str | None) -> Path:
    """The ``--data`` a command was given, or :func:`default_data`."""
    return Path(data_path or default_data())


def default_scenario() -> Path:
    """``scenarios/default.yaml`` in the working folder, else the shipped copy."""
    here = Path(DEFAULT_SCENARIO)
    if here.exists():
        return here
    return PROJECT_ROOT / DEFAULT_SCENARIO


def print_warnings(warnings: list[str]) -> None:
    """Warnings on stderr, grouped: the first few of each kind, then a count of the rest."""
    groups: dict[str, list[str]] = {}
    for warning in warnings:
        # Same message but for quoted values and row numbers = same kind of warning.
        shape = re.sub(r"'[^']*'|:\d+:|\d+", "#", warning)
        groups.setdefault(shape, []).append(warning)
    for items in groups.values():
        for warning in items[:WARNINGS_SHOWN]:
            echo_err(f"warning: {warning}")
        if len(items) > WARNINGS_SHOWN:
            echo_err(f"warning: ... and {len(items) - WARNINGS_SHOWN} more like the above")


def coverage_lines(kpis: dict[str, Any]) -> list[str]:
    """Per kind, how many targets hold a cadre, from a plan's :meth:`~planner.plan.Plan.kpis`."""
    lines = []
    for kind in ("class", "branch", "society", "dorm"):
        total = kpis[f"{kind}_targets"]
        if total:
            covered = kpis[f"{kind}_covered"]
            lines.append(
                f"  {kind:<8} {covered:>6,} of {total:>6,} hold a cadre ({covered / total:.1%})"
            )
    return lines
