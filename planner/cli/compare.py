"""``planner compare PLAN_DIR... --out DIR``: plans side by side.

Reads plan folders (as ``planner plan`` writes them), prints their KPIs side by side and
writes ``kpis.csv``, ``kpis.xlsx``, ``coverage.csv`` and ``coverage_compare.png`` into
``--out`` (see :func:`planner.analysis.compare.write_comparison`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from planner.cli.app import cli
from planner.cli.common import handle_errors
from planner.i18n import gettext as _

DEFAULT_OUT = "out/compare"


def plan_labels(plan_dirs: Sequence[Path]) -> list[str]:
    """A short, unique label per plan folder: its name, or ``parent/name`` when names repeat."""
    from planner.analysis.compare import unique_label

    names = [p.name or str(p) for p in plan_dirs]
    labels = [
        name if names.count(name) == 1 else f"{p.parent.name}/{name}"
        for p, name in zip(plan_dirs, names, strict=True)
    ]
    out: list[str] = []
    for label in labels:
        out.append(unique_label(label, out))
    return out


def data_differences(plans: dict[str, Any]) -> list[str]:
    """Warnings for input tables whose file differs between plans (``plan.json`` hashes)."""
    seen: dict[str, dict[str, list[str]]] = {}
    for label, plan in plans.items():
        for table, source in (plan.inputs or {}).items():
            sha = source.get("sha256") if isinstance(source, dict) else None
            if sha:
                seen.setdefault(table, {}).setdefault(sha, []).append(label)
    warnings = []
    for table, by_hash in seen.items():
        if len(by_hash) > 1:
            groups = " vs ".join(", ".join(labels) for labels in by_hash.values())
            warnings.append(
                _(
                    "the plans were made from different {table} files ({groups}): "
                    "differences may come from the data, not only the scenario"
                ).format(table=table, groups=groups)
            )
    return warnings


@cli.command()
@click.argument("plan_dirs", nargs=-1, required=True, type=click.Path(file_okay=False))
@click.option(
    "--out",
    "out_dir",
    default=DEFAULT_OUT,
    show_default=True,
    help="Folder for kpis.csv, kpis.xlsx, coverage.csv and coverage_compare.png.",
)
@click.option(
    "--labels",
    type=click.Choice(["auto", "names", "codes"]),
    default="auto",
    show_default=True,
    help="Chart labels: Chinese college names (auto, names) or codes.",
)
@handle_errors
def compare(plan_dirs: tuple[str, ...], out_dir: str, labels: str) -> None:
    """Compare plan folders: KPIs side by side and their coverage heatmaps.

    Example: planner compare out/default out/strict-campus --out out/compare
    """
    import pandas as pd

    from planner.analysis.compare import compare as kpi_table
    from planner.analysis.compare import format_kpis, write_comparison
    from planner.errors import InputError, Problem
    from planner.io.plan_folder import read_plan

    paths = [Path(p) for p in plan_dirs]
    problems: list[Problem] = []
    plans = {}
    for label, path in zip(plan_labels(paths), paths, strict=True):
        try:
            plans[label] = read_plan(path)
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    for warning in data_differences(plans):
        click.echo(_("warning: {message}").format(message=warning), err=True)
    table = kpi_table(plans)
    written = write_comparison(table, plans, Path(out_dir), labels=labels)
    with pd.option_context("display.unicode.east_asian_width", True):  # align Chinese text
        click.echo(format_kpis(table).to_string())
    click.echo(
        _("Wrote {n} files to {folder}").format(n=len(written), folder=f"{out_dir}/")
        + ": "
        + ", ".join(p.name for p in written)
    )
