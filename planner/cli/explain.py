"""``planner explain``: why a plan gives a cadre its target, and the best alternatives.

See :mod:`planner.explain.why`.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from planner.cli.app import cli
from planner.cli.common import handle_errors, plan_data, plan_data_option, print_warnings
from planner.contract import KIND_ALIASES
from planner.i18n import gettext as _


@cli.command()
@click.argument("plan_dir", type=click.Path(file_okay=False))
@plan_data_option
@click.option("--cadre", "cadre_id", default=None, help="A cadre's id (工号).")
@click.option(
    "--target", "target_id", default=None, help="A target's id (班级/宿舍/社团/支部编号)."
)
@click.option(
    "--kind",
    default=None,
    help="The target's kind when its id is used by several kinds (class, dorm, society, branch).",
)
@click.option(
    "--alternatives",
    "n_alternatives",
    type=click.IntRange(0, 20),
    default=3,
    show_default=True,
    help="How many alternatives to re-plan and compare.",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    help="Seconds per re-plan.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (for notebooks and scripts).")
@handle_errors
def explain(
    plan_dir: str,
    data_path: str | None,
    cadre_id: str | None,
    target_id: str | None,
    kind: str | None,
    n_alternatives: int,
    time_limit: float,
    as_json: bool,
) -> None:
    """Explain a plan: why a cadre holds its target, or a target its cadre, and what the best
    alternatives would cost (e.g. "moving 张伟 to class 2025C0703 would leave branch B12
    uncovered").

    Give exactly one of --cadre ID or --target ID. The data set must be the one the plan was
    made from.
    """
    from planner.errors import UsageError
    from planner.explain.why.explanation import explain_cadre, explain_target

    if (cadre_id is None) == (target_id is None):
        raise UsageError(_("give exactly one of --cadre ID or --target ID"))
    kind_word = None
    if kind is not None:
        if kind.strip() not in KIND_ALIASES:
            raise UsageError(
                _("--kind '{kind}': use class, dorm, society or branch").format(kind=kind)
            )
        kind_word = KIND_ALIASES[kind.strip()].value
    dataset, _data = plan_data(data_path, plan_dir)
    if not as_json:
        print_warnings(dataset.warnings)
    if cadre_id is not None:
        result = explain_cadre(
            dataset,
            Path(plan_dir),
            cadre_id,
            alternatives=n_alternatives,
            time_limit=time_limit,
        )
    else:
        assert target_id is not None
        result = explain_target(
            dataset,
            Path(plan_dir),
            target_id,
            kind_word,
            alternatives=n_alternatives,
            time_limit=time_limit,
        )
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(result.text())
