"""``planner pack`` and ``planner letters``: the printable documents of a plan folder.

The approval pack (审批表; a college's 备案 copy with ``--college``) and the letters to each
cadre (联系通知书, one PDF per college and a mail-merge sheet), in the command's language
(``--lang``, else the locale). They are written beside the plan folder, never into it.
"""

from __future__ import annotations

from pathlib import Path

import click

from planner.cli.app import cli
from planner.cli.common import handle_errors, plan_data, plan_data_option
from planner.i18n import current_language
from planner.i18n import gettext as _


@cli.command()
@click.argument("plan_dir", type=click.Path(exists=True, file_okay=False))
@plan_data_option
@click.option("--college", default=None, help="The 备案 copy of this college (its id).")
@click.option("--semester", default=None, help="e.g. 2026—2027学年第一学期 [from the plan's date].")
@click.option("--out", "out_file", default=None, help="PDF file [beside the plan folder].")
@handle_errors
def pack(
    plan_dir: str,
    data_path: str | None,
    college: str | None,
    semester: str | None,
    out_file: str | None,
) -> None:
    """Print the approval pack (审批表) of a plan folder as a PDF to sign."""
    from planner.report.pack import PackOptions
    from planner.workflow.documents import write_pack

    dataset, _data = plan_data(data_path, plan_dir)
    options = PackOptions(language=current_language(), college=college, semester=semester)
    written = write_pack(Path(plan_dir), dataset, Path(out_file) if out_file else None, options)
    click.echo(_("Wrote {file}").format(file=written))


@cli.command()
@click.argument("plan_dir", type=click.Path(exists=True, file_okay=False))
@plan_data_option
@click.option(
    "--college",
    "colleges",
    multiple=True,
    help="Only the letters of this college (its id, or central); repeatable [all].",
)
@click.option("--semester", default=None, help="e.g. 2026—2027学年第一学期 [from today].")
@click.option("--out", "out_dir", default=None, help="Folder [PLAN_DIR-letters beside it].")
@handle_errors
def letters(
    plan_dir: str,
    data_path: str | None,
    colleges: tuple[str, ...],
    semester: str | None,
    out_dir: str | None,
) -> None:
    """Print the letters to each cadre (联系通知书): one PDF per college and a mail-merge
    sheet."""
    from planner.ledger.letters import LetterOptions
    from planner.workflow.documents import write_letters_of_folder

    dataset, _data = plan_data(data_path, plan_dir)
    options = LetterOptions(
        language=current_language(), semester=semester, bundles=colleges or None
    )
    written = write_letters_of_folder(
        Path(plan_dir), dataset, Path(out_dir) if out_dir else None, options
    )
    folder = written[0].parent if written else Path(out_dir or plan_dir)
    click.echo(_("Wrote {n} files to {folder}").format(n=len(written), folder=f"{folder}/"))
