"""``planner validate`` and ``planner generate``: the data set, read and checked or made up."""

from __future__ import annotations

from pathlib import Path

import click

from planner.cli.app import cli
from planner.cli.common import data_option, data_path_or_default, handle_errors, print_warnings
from planner.i18n import gettext as _


@cli.command()
@data_option
@handle_errors
def validate(data_path: str | None) -> None:
    """Read and check a data set; print a summary (exit 0) or every problem (exit 2)."""
    from planner.io.readers import read_dataset
    from planner.report.summary import summarize

    dataset = read_dataset(data_path_or_default(data_path))
    print_warnings(dataset.warnings)
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
    from planner.io.generate.files import write_tables
    from planner.io.generate.tables import generate_tables

    tables = generate_tables(preset, seed=seed, scale=scale)
    written = write_tables(tables, Path(out_dir), fmt=fmt, headers=headers)
    counts = ", ".join(f"{name} {len(frame)}" for name, frame in tables.items())
    click.echo(
        _("Wrote {n} file(s) to {folder}: {counts}").format(
            n=len(written), folder=out_dir, counts=counts
        )
    )
