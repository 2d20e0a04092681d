"""Reasons that are true of the plan, short, and end with what to change (issue 14, item 7).

Reported: a merged plan's uncovered reasons said "the solver stopped before proving the plan
best; try a longer --time-limit" (merge has no solver) in 789-character cells; on a tight data
set different rows said "so 29 / 30 / 31 / 32 stay uncovered" while 39 were; the 说明 sheet
listed H5 as a soft rule ("已证明最优 否") when H5 was hard.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import openpyxl
from conftest import cadre, dorm, klass, make_dataset, scn, solve_and_check

from planner import api
from planner.io.generate.files import write_tables
from planner.io.generate.tables import generate_tables
from planner.io.readers import read_dataset
from planner.report.workbook import write_workbook
from planner.scenario import Scenario
from planner.workflow.merge import PartPlan, merge_parts
from planner.workflow.parts import replan_part
from planner.workflow.pins import parse_pins

LONGEST = 320
"""Characters a reason may take (a workbook cell one can read)."""


def _merged_with_a_released_class():
    """The SAO's central part moves the school leader off class K1; college C1's part, adjusted
    against the proposal, keeps P2 on a dorm: K1 is uncovered in the merged plan although P2
    could hold it."""
    ds = make_dataset(
        cadres=[
            cadre("L1", "school_leader"),
            cadre("P1", "professor", "C1"),
            cadre("P2", "professor", "C1"),
        ],
        classes=[klass("K1", "C1"), klass("K2", "C1")],
        dorms=[dorm("D1", "C1"), dorm("D2", "C1")],
        previous=[("L1", "class", "K1")],
    )
    proposal = solve_and_check(ds)
    a = proposal.assignments
    held = dict(zip(a["cadre_id"], a["target_id"], strict=True))
    assert held["L1"] == "K1"
    pins = parse_pins(ds, ["L1:dorm:D2"], [])
    central = replan_part(ds, Scenario(), proposal, "central", pins=pins, deterministic=True)
    part = PartPlan("central", central.plan.assignments, "central", central.base_hash, pins=pins)
    return merge_parts(ds, Scenario(), proposal, [part]).plan, held["L1"]


def test_a_merged_plans_reason_does_not_blame_a_solver() -> None:
    plan, released = _merged_with_a_released_class()
    rows = plan.uncovered[plan.uncovered["target_id"] == released]
    (text,) = rows["reason"]
    assert "time-limit" not in text and "solver" not in text
    assert text.startswith("kept by a hard rule: cadres who may hold it hold targets that count")
    assert text.endswith(
        "the merged plan keeps each part as its office adjusted it; to cover it, re-plan the "
        "part (C1) against the proposal"
    )
    assert len(text) <= LONGEST


def test_the_counts_of_one_competition_agree_and_add_up(tmp_path: Path) -> None:
    """Every reason of one competition gives the same count, and that count is how many of
    the plan's uncovered targets it explains."""
    tables = generate_tables("demo", seed=4, scale=1.0)
    cadres = tables["cadres"]
    cadres.loc[np.random.default_rng(0).random(len(cadres)) < 0.75, "available"] = "no"
    tables["pins"] = tables["pins"].iloc[0:0]
    write_tables(tables, tmp_path)
    plan = api.solve(read_dataset(tmp_path), deterministic=True, campus="hard")
    reasons = plan.uncovered["reason"]
    assert len(reasons) > 20
    said = 0
    for text, rows in reasons.groupby(reasons):
        found = re.search(r"so (\d+) of them stays? uncovered", str(text))
        assert found, text
        assert int(found[1]) == len(rows), text
        said += len(rows)
    assert said == len(plan.uncovered)
    assert reasons.str.len().max() <= LONGEST
    assert reasons.str.contains("To cover it").all()


def test_every_reason_says_what_to_change() -> None:
    ds = make_dataset(
        cadres=[cadre("P1", "professor", "C1"), cadre("Q1", "professor", "C2", available=False)],
        classes=[klass("K1", "C1"), klass("K2", "C1"), klass("K9", "C2")],
    )
    plan = solve_and_check(ds)
    assert len(plan.uncovered) == 2
    assert plan.uncovered["reason"].str.contains("[Tt]o cover it").all()


def test_the_readme_sheet_lists_only_the_terms_the_plan_counts(tmp_path: Path) -> None:
    ds = make_dataset(cadres=[cadre("P1", "professor", "C1")], classes=[klass("K1", "C1")])
    plan = solve_and_check(ds)
    terms = _readme_terms(plan, tmp_path / "a.xlsx")
    assert not any(rule.startswith("H5") for rule in terms)  # H5 is hard: no term
    assert not any(rule.startswith("S6") for rule in terms)  # S6 counts only in a part
    assert terms["S1 覆盖"][2] == "是"
    soft = solve_and_check(ds, scn(dorm_gender="soft"))
    assert "H5 宿舍性别（本情景中为柔性规则）" in _readme_terms(soft, tmp_path / "b.xlsx")
    merged, _released = _merged_with_a_released_class()
    merged_terms = _readme_terms(merged, tmp_path / "c.xlsx")
    assert {row[2] for row in merged_terms.values()} == {"不适用（合并方案，未求解）"}


def _readme_terms(plan, path: Path) -> dict[str, tuple]:
    """The rules of the 说明 sheet, by their name (S1 覆盖, …)."""
    write_workbook(plan, path, "zh")
    rows = list(openpyxl.load_workbook(path)["说明"].iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == "规则（按优先级）") + 2
    out = {}
    for row in rows[start:]:
        if not row or row[0] is None:
            break
        out[row[0]] = row
    return out
