"""The ``planner`` command line.

Every command turns a :class:`~planner.errors.PlannerError` into a plain message on stderr and
its exit code; any other exception is a bug and is reported as such, without a traceback unless
``PLANNER_DEBUG=1``.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from planner.errors import InfeasibleError, InputError, PlannerError

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_DATA = "data/demo"


def _echo_err(message: str) -> None:
    click.echo(message, err=True)


def handle_errors(func: F) -> F:
    """Run a command, turning planner errors into messages and exit codes."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            n = len(exc.problems)
            _echo_err(f"The input has {n} problem{'s' if n != 1 else ''}; nothing was written.")
            for problem in exc.problems:
                _echo_err(str(problem))
            sys.exit(exc.exit_code)
        except InfeasibleError as exc:
            _echo_err("No plan can satisfy every hard rule; nothing was written.")
            for reason in exc.reasons:
                _echo_err(f"- {reason}")
            sys.exit(exc.exit_code)
        except PlannerError as exc:
            _echo_err(f"error: {exc}")
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            _echo_err("Interrupted; nothing was written.")
            sys.exit(130)
        except Exception as exc:  # a traceback is a bug: say so plainly
            if os.environ.get("PLANNER_DEBUG"):
                raise
            _echo_err(
                f"internal error (this is a bug in planner, please report it): "
                f"{type(exc).__name__}: {exc}"
            )
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def default_data() -> str:
    """The demo data set: ``data/demo`` in the working folder, else the shipped copy."""
    if Path(DEFAULT_DATA).exists():
        return DEFAULT_DATA
    shipped = Path(__file__).resolve().parent.parent / DEFAULT_DATA
    return str(shipped)


def _print_warnings(warnings: list[str]) -> None:
    for warning in warnings:
        _echo_err(f"warning: {warning}")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="planner")
def cli() -> None:
    """Plan which cadre keeps in touch with which class, dorm, society or party branch."""


@cli.command()
@click.option("--data", "data_path", default=None, help="Data folder or workbook [data/demo].")
@handle_errors
def validate(data_path: str | None) -> None:
    """Read and check a data set; print a summary (exit 0) or every problem (exit 2)."""
    from planner.readers import read_dataset
    from planner.summary import summarize

    dataset = read_dataset(Path(data_path or default_data()))
    _print_warnings(dataset.warnings)
    click.echo(summarize(dataset))


@cli.command()
@click.option(
    "--preset",
    type=click.Choice(["demo", "university", "large"]),
    default="demo",
    show_default=True,
)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--scale", type=float, default=1.0, show_default=True, help="Size multiplier.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "csv-gb18030", "xlsx", "workbook"]),
    default="csv",
    show_default=True,
)
@click.option("--headers", type=click.Choice(["en", "zh"]), default="en", show_default=True)
@handle_errors
def generate(preset: str, seed: int, scale: float, out_dir: str, fmt: str, headers: str) -> None:
    """Write a realistic synthetic data set (Chinese names, colleges, campuses)."""
    from planner.generate import generate_tables, write_tables

    tables = generate_tables(preset, seed=seed, scale=scale)
    written = write_tables(tables, Path(out_dir), fmt=fmt, headers=headers)
    counts = ", ".join(f"{name} {len(frame)}" for name, frame in tables.items())
    click.echo(f"Wrote {len(written)} file(s) to {out_dir}: {counts}")


def main() -> None:
    """Entry point of the ``planner`` console command."""
    cli()
