"""The independent checker: every rule and every term of a plan recomputed from the data and
the scenario alone. It imports the vocabulary, the data types and :mod:`planner.io` only, never
the solver (an import-linter contract in ``pyproject.toml`` keeps it so)."""
