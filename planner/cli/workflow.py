"""``planner merge``, ``planner approve`` and ``planner verify``: the semester workflow.

See :mod:`planner.workflow` and the README section "A semester, step by step".
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from planner.cli.app import cli
from planner.cli.common import (
    coverage_lines,
    handle_errors,
    plan_data,
    plan_data_option,
)
from planner.i18n import gettext as _


@cli.command()
@click.argument("plan_dirs", nargs=-1, required=True, type=click.Path(file_okay=False))
@plan_data_option
@click.option("--out", "out_dir", required=True, help="Folder of the merged university plan.")
@handle_errors
def merge(plan_dirs: tuple[str, ...], data_path: str | None, out_dir: str) -> None:
    """Merge the parts adjusted against the proposal back into one university plan.

    PLAN_DIRS are the approved proposal (the whole-university plan) and the folders of the
    parts re-planned against it (--scope central or college=ID with --held). Each part replaces
    its part of the proposal; a part not given stays as the proposal has it. Every rule is
    checked on the merged plan; conflicts are listed by college (exit 2) and nothing is
    written.
    """
    from planner.report.write import check_destination, out_lock

    out = Path(out_dir)
    with out_lock(out):
        check_destination(out)
        _merge_into(out, [Path(p) for p in plan_dirs], data_path)


def _merge_into(out: Path, folders: list[Path], data_path: str | None) -> None:
    """``planner merge`` once ``out`` is locked: merge, write, and say what it holds."""
    from planner.report.write import write_plan
    from planner.workflow.merge import MergeConflictError
    from planner.workflow.merge_folders import merge_folders, proposal_folder
    from planner.workflow.provenance import DATA_KEY, data_record

    dataset, data = plan_data(data_path, proposal_folder(folders) or folders[0])
    try:
        result = merge_folders(dataset, folders)
    except MergeConflictError as exc:
        for line in exc.lines():
            click.echo(line, err=True)
        sys.exit(exc.exit_code)
    plan = result.merged.plan
    extra = {**result.extra_json, DATA_KEY: data_record(data)}
    written = write_plan(plan, out, targets=dataset.targets(), extra_json=extra)
    kpis = plan.kpis()
    n = len(result.merged.parts)
    click.echo(
        _("Merged {n} adjusted part(s) into the proposal {folder}:").format(
            n=n, folder=result.proposal.folder
        )
    )
    for note in result.notes:
        click.echo(f"  {note}")
    for line in coverage_lines(kpis):
        click.echo(line)
    click.echo("  " + _("kept from last semester: {n}").format(n=f"{kpis['kept_from_previous']:,}"))
    click.echo(
        "  "
        + _("uncovered classes, branches and societies: {n}").format(n=f"{kpis['uncovered']:,}")
    )
    click.echo(_("Wrote {n} files to {folder}").format(n=len(written), folder=f"{out}/"))


@cli.command()
@click.argument("plan_dir", type=click.Path(file_okay=False))
@click.option("--by", "by", required=True, help="Name of the person who approves the plan.")
@plan_data_option
@handle_errors
def approve(plan_dir: str, by: str, data_path: str | None) -> None:
    """Approve a plan: check it, record who and when, and freeze its files.

    The plan must pass planner check against the data. After approval no command changes the
    folder; planner verify confirms that nothing changed.
    """
    from planner.workflow.approval import approve_plan

    dataset, data = plan_data(data_path, plan_dir)
    record = approve_plan(Path(plan_dir), by, dataset=dataset, data_label=str(data))
    click.echo(
        _("Approved {folder} (scope {scope}) by {who} on {when}: {n} files frozen.").format(
            folder=plan_dir,
            scope=record["scope"],
            who=record["approved_by"],
            when=when(record["approved_at"]),
            n=len(record["files"]),
        )
    )


@cli.command()
@click.argument("plan_dir", type=click.Path(file_okay=False))
@handle_errors
def verify(plan_dir: str) -> None:
    """Confirm that an approved plan is unchanged since approval (exit 0), or list what
    changed (exit 1)."""
    from planner.workflow.approval import verify_plan

    report = verify_plan(Path(plan_dir))
    if not report.ok:
        for line in report.lines():
            click.echo(
                _("changed: {what}").format(what=line) if report.approval else line, err=True
            )
        if report.approval is not None:
            click.echo(
                _("{folder} is NOT as approved ({who}, {when}).").format(
                    folder=plan_dir,
                    who=report.approval.get("approved_by"),
                    when=when(report.approval.get("approved_at")),
                ),
                err=True,
            )
        sys.exit(1)
    approval = report.approval or {}
    click.echo(
        _("OK: {folder} is unchanged since it was approved by {who} on {when} ({n} files).").format(
            folder=plan_dir,
            who=approval.get("approved_by"),
            when=when(approval.get("approved_at")),
            n=len(approval.get("files", {})),
        )
    )


def when(stamp: object) -> str:
    """An ISO time stamp of ``plan.json`` as people read it: 2026年12月3日 16:05 (local time)."""
    from datetime import datetime

    from planner.report.printing import local_datetime

    try:
        return local_datetime(datetime.fromisoformat(str(stamp)))
    except ValueError:
        return str(stamp)
