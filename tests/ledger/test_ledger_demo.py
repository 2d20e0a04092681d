"""The demo ledger: deterministic, consistent with the plan and the reader, and its gaps show
up in the duty figures."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from planner import api
from planner.ledger.demo import DEMO_AUTUMN, demo_ledger
from planner.ledger.duties import duties_kept, summarise
from planner.ledger.records import read_ledger, reference_issues
from planner.ledger.template import write_ledger_workbook
from planner.plan import Plan


@pytest.fixture(scope="module")
def plan() -> Plan:
    """The demo university's plan (checked by the independent checker inside api.solve)."""
    return api.solve(api.load_data(), "default")


def test_the_same_seed_gives_the_same_ledger_and_another_seed_another(plan: Plan) -> None:
    one, two = demo_ledger(plan.assignments, seed=7), demo_ledger(plan.assignments, seed=7)
    pd.testing.assert_frame_equal(one.records, two.records)
    pd.testing.assert_frame_equal(one.leaves, two.leaves)
    assert one.cases == two.cases and one.diligence == two.diligence
    other = demo_ledger(plan.assignments, seed=8)
    assert not one.records.equals(other.records)


def test_every_record_fits_the_plan_and_the_semester(plan: Plan) -> None:
    demo = demo_ledger(plan.assignments)
    issues = reference_issues(demo.records, demo.contacts, DEMO_AUTUMN)
    assert [i for i in issues if not i.warning] == []
    assert demo.records["record_id"].is_unique
    assert set(demo.contacts["cadre_id"]) == set(plan.assignments["cadre_id"])
    assert (demo.records["activity"] == "online").sum() > 100, "some contacts are online"
    assert not demo.leaves.empty, "a few cadres take leave"


def test_the_gaps_show_up_in_the_duty_figures(plan: Plan) -> None:
    demo = demo_ledger(plan.assignments)
    kept = duties_kept(DEMO_AUTUMN, demo.contacts, demo.records, leaves=demo.leaves)
    cadres = summarise(kept, ["cadre_id"])
    cadres["kind"] = cadres["cadre_id"].map(demo.diligence)
    rate = cadres.groupby("kind")["kept_rate"].mean()
    assert rate["steady"] > 0.9
    assert rate["behind"] < 0.4
    assert rate["steady"] > rate["irregular"] > rate["behind"]
    whole = summarise(kept).iloc[0]
    assert 0.75 < whole["kept_rate"] < 0.95 and whole["due"] == 0
    # Cadres made to fall behind are on the overdue list (a few may have been lucky with one
    # or two duties), and the college made to lag has the lowest kept rate.
    late = set(kept.loc[kept["status"] == "overdue", "cadre_id"])
    assert len(demo.behind & late) >= 0.8 * len(demo.behind)
    colleges = summarise(kept, ["college"]).dropna(subset=["college"])
    colleges = colleges[colleges["owed"] >= 100].sort_values("kept_rate")
    assert colleges["college"].iloc[0] == demo.lagging_college
    assert colleges["kept_rate"].iloc[0] < 0.75


def test_some_problems_stay_open(plan: Plan) -> None:
    demo = demo_ledger(plan.assignments)
    statuses = [c.status for c in demo.cases]
    assert statuses.count("fed_back") > len(statuses) / 3
    assert {"raised", "with_sao", "passed", "answered"} <= set(statuses)
    assert all(c.text for c in demo.cases)


def test_half_a_semester_stops_on_the_day(plan: Plan) -> None:
    day = DEMO_AUTUMN.start + (DEMO_AUTUMN.end - DEMO_AUTUMN.start) / 2
    demo = demo_ledger(plan.assignments, as_of=day)
    assert max(demo.records["date"]) < day
    assert all(step.on < day for case in demo.cases for step in case.steps)
    kept = duties_kept(DEMO_AUTUMN, demo.contacts, demo.records, leaves=demo.leaves, as_of=day)
    assert {"met", "due", "overdue", "upcoming"} <= set(kept["status"])


def test_the_demo_ledger_written_as_a_workbook_reads_back(plan: Plan, tmp_path: Path) -> None:
    demo = demo_ledger(plan.assignments)
    path = write_ledger_workbook(tmp_path / "台账.xlsx", demo.contacts, DEMO_AUTUMN, demo.records)
    back = read_ledger(path, demo.contacts, DEMO_AUTUMN).records
    columns = ["record_id", "cadre_id", "kind", "target_id", "date", "activity", "students"]
    pd.testing.assert_frame_equal(back[columns], demo.records[columns])
