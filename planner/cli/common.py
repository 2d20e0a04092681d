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
from typing import TYPE_CHECKING, Any, TypeVar

import click

from planner.errors import InfeasibleError, InputError, PlannerError, UsageError
from planner.i18n import current_language, ngettext, use_language
from planner.i18n import gettext as _
from planner.words import chinese, kind_word

if TYPE_CHECKING:
    from planner.dataset import Dataset

F = TypeVar("F", bound=Callable[..., Any])

PROJECT_ROOT = Path(__file__).resolve().parents[2]
"""The project folder holding the package and the shipped ``data/`` and ``scenarios/``."""

DEFAULT_DATA = "data/demo"

WARNINGS_SHOWN = 3
"""Warnings of one kind shown in full before the rest are counted (SAO staff read them)."""

data_option = click.option(
    "--data",
    "data_path",
    default=None,
    help="Data folder or workbook [in the project folder: data/demo, the demo university].",
)
"""``--data``: the data set a command reads (default :func:`default_data`)."""

plan_data_option = click.option(
    "--data",
    "data_path",
    default=None,
    help="Data folder or workbook [the data the plan was made from, as plan.json records].",
)
"""``--data`` of a command that reads a plan folder (default: the plan's own data, see
:func:`plan_data`)."""


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
            echo_err(
                ngettext(
                    "The input has {n} problem; nothing was written.",
                    "The input has {n} problems; nothing was written.",
                    n,
                ).format(n=n)
            )
            for problem in exc.problems:
                echo_err(str(problem))
            sys.exit(exc.exit_code)
        except InfeasibleError as exc:
            echo_err(_("No plan can satisfy every hard rule; nothing was written."))
            for reason in exc.reasons:
                echo_err(f"- {reason}")
            sys.exit(exc.exit_code)
        except PlannerError as exc:
            echo_err(_("error: {message}").format(message=exc))
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            echo_err(_("Interrupted; nothing was written."))
            sys.exit(130)
        except BrokenPipeError:
            # The reader went away (e.g. `planner validate | head`): nothing to report.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(0)
        except Exception as exc:  # a traceback is a bug: say so plainly
            if os.environ.get("PLANNER_DEBUG"):
                raise
            echo_err(
                _("internal error (this is a bug in planner, please report it): {error}").format(
                    error=f"{type(exc).__name__}: {exc}"
                )
            )
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def default_data() -> Path:
    """The demo data ``data/demo``, only when the command runs in the project folder (the data
    contract's default), and said so on stderr; anywhere else a :class:`UsageError` (exit 2)
    asking for ``--data``: a command never plans the fictitious demo university silently."""
    here = Path(DEFAULT_DATA)
    shipped = PROJECT_ROOT / DEFAULT_DATA
    if here.is_dir() and shipped.is_dir() and here.resolve() == shipped.resolve():
        echo_err(
            _("note: no --data given: using {data}, the fictitious demo university").format(
                data=DEFAULT_DATA
            )
        )
        return here
    raise UsageError(
        _(
            "no --data given: give --data and the folder or workbook of your rosters (only "
            "in the planner's own project folder does it default to the demo data)"
        )
    )


def data_path_or_default(data_path: str | None) -> Path:
    """The ``--data`` a command was given, or :func:`default_data`."""
    return Path(data_path) if data_path else default_data()


def plan_data(data_path: str | None, plan_dir: str | Path) -> tuple[Dataset, Path]:
    """The data set of the plan in ``plan_dir``: ``--data`` if given, else the data its
    ``plan.json`` records; refused (exit 2) unless it is the data the plan was made from."""
    from planner.io.readers import read_dataset
    from planner.workflow.provenance import data_of_plan

    return data_of_plan(Path(plan_dir), Path(data_path) if data_path else None, read_dataset)


SHIPPED_SCENARIOS: tuple[str, ...] = ("default", "strict-campus", "full-engagement")
"""Scenario names ``--scenario`` takes besides a path (``scenarios/NAME.yaml``), as
:data:`planner.api.SCENARIOS`."""


def scenario_file(value: str | None) -> Path:
    """The file of ``--scenario``: a path, or a shipped scenario's name (``default``,
    ``strict-campus``, ``full-engagement``: ``scenarios/NAME.yaml`` in the working folder,
    else the shipped copy); ``None`` is ``default``."""
    name = "default" if value is None else value
    if value is not None and (Path(value).exists() or name not in SHIPPED_SCENARIOS):
        return Path(value)
    here = Path("scenarios") / f"{name}.yaml"
    return here if here.exists() else PROJECT_ROOT / "scenarios" / f"{name}.yaml"


def print_warnings(warnings: list[str]) -> None:
    """Warnings on stderr, grouped: the first few of each kind, then a count of the rest."""
    groups: dict[str, list[str]] = {}
    for warning in warnings:
        # Same message but for quoted values and row numbers = same kind of warning.
        shape = re.sub(r"'[^']*'|“[^”]*”|:\d+:|\d+", "#", warning)
        groups.setdefault(shape, []).append(warning)
    for items in groups.values():
        for warning in items[:WARNINGS_SHOWN]:
            echo_err(_("warning: {message}").format(message=warning))
        if len(items) > WARNINGS_SHOWN:
            echo_err(
                _("warning: {message}").format(
                    message=_("... and {n} more like the above").format(
                        n=len(items) - WARNINGS_SHOWN
                    )
                )
            )


def coverage_lines(kpis: dict[str, Any]) -> list[str]:
    """Per kind, how many targets hold a cadre, from a plan's :meth:`~planner.plan.Plan.kpis`."""
    lines = []
    for kind in ("class", "branch", "society", "dorm"):
        total = kpis[f"{kind}_targets"]
        if total:
            covered = kpis[f"{kind}_covered"]
            lines.append(
                "  "
                + _("{kind} {covered} of {total} hold a cadre ({share})").format(
                    kind=pad(kind_word(kind, short=True) if chinese() else kind, 8),
                    covered=f"{covered:>6,}",
                    total=f"{total:>6,}",
                    share=f"{covered / total:.1%}",
                )
            )
    return lines


def pad(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns (a Chinese character takes two)."""
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - used)


_FLOW = re.compile(r"^solving: network flow over .* in ([0-9.]+) s")
_STAGE = re.compile(r"^solving: (\w+) \(")
_TICK = re.compile(r"^  (\w+)\s*:\s+([0-9.]+) s  best")
_DONE = re.compile(r"^  (\w+)\s+(\w+): .* in ([0-9.]+) s$")


def progress_printer() -> Callable[[str], None]:
    """The solver's progress on stderr, in the language of this context (the solver reports
    from its own threads); in Chinese, without its internals (counts of model variables,
    objective values), naming the rule each stage works on."""
    language = current_language()

    def progress_line(message: str) -> None:
        if language != "zh":
            echo_err(message)
            return
        with use_language(language):
            echo_err(_chinese_progress(message))

    return progress_line


def _rule_name(term: str) -> str:
    from planner.policy import TERM_RULES, term_name

    if term in TERM_RULES:
        return term_name(term)
    return _("the hard rules") if term == "feasibility" else _("all priorities together")


def _chinese_progress(message: str) -> str:
    if match := _FLOW.match(message):
        return _("solving: a first plan found in {seconds} s").format(seconds=match[1])
    if match := _STAGE.match(message):
        return _("solving: {rule}").format(rule=_rule_name(match[1]))
    if match := _TICK.match(message):
        return "  " + _("{rule}: {seconds} s").format(rule=_rule_name(match[1]), seconds=match[2])
    if match := _DONE.match(message):
        done = (
            _("{rule}: proven best in {seconds} s")
            if match[2] == "optimal"
            else _("{rule}: best found in {seconds} s (not proven)")
        )
        return "  " + done.format(rule=_rule_name(match[1]), seconds=match[3])
    return message
