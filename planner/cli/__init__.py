"""The ``planner`` command line (entry point :func:`main`).

:mod:`planner.cli.app` holds the click group; each command family registers itself with it
in its own module, imported here (the way frictionless-py's console package registers its
commands): :mod:`~planner.cli.data` (validate, generate), :mod:`~planner.cli.plan` (plan,
check), :mod:`~planner.cli.workflow` (merge, approve, verify), :mod:`~planner.cli.explain`
and :mod:`~planner.cli.compare`; the printable documents (:mod:`~planner.cli.documents`:
pack, letters); the planning service's ``serve`` and ``users``
(:mod:`~planner.cli.service`). :mod:`planner.cli.common` holds the error handling and the
options they share. Nothing here loads pandas or OR-Tools: each command imports what it needs
when it runs.
"""

from planner.cli import compare, data, documents, explain, plan, service, workflow
from planner.cli.app import cli, main

__all__ = [
    "cli",
    "compare",
    "data",
    "documents",
    "explain",
    "main",
    "plan",
    "service",
    "workflow",
]
