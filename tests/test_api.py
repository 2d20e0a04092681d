"""The notebook-facing API (``planner.api``), comparisons and sweeps
(``planner.analysis``) and ``planner compare``.

Every plan solved here is re-checked by the independent checker (``check_plan`` of conftest
or ``api.check_plan``), besides the check ``api.solve`` and the sweeps run themselves.
"""

from __future__ import annotations

import dataclasses
import math
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import cadre, check_plan, klass, make_dataset, pairs
from matplotlib.figure import Figure

from planner import api
from planner.analysis.compare import Failure, format_kpis
from planner.check.checker import check_plan_dir
from planner.cli import cli
from planner.cli.compare import data_differences, plan_labels
from planner.contract import Kind
from planner.dataset import Dataset
from planner.errors import InfeasibleError, InputError, UsageError
from planner.io.readers import read_dataset
from planner.plan import KPI_COLUMNS, Plan
from planner.scenario import Scenario

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "data" / "tiny"
EVIL = '=HYPERLINK("http://example.com","点我")'


@pytest.fixture(scope="module")
def no_continuity(tiny: Dataset) -> Plan:
    """The tiny data planned without keeping last semester's contacts (a different plan)."""
    plan = api.solve(tiny, continuity="off", deterministic=True)
    assert api.check_plan(plan, tiny).ok
    assert plan.kpis()["kept_from_previous"] < 3
    return plan


@pytest.fixture(scope="module")
def plan_dirs(
    tmp_path_factory: pytest.TempPathFactory, tiny_plan: Plan, no_continuity: Plan
) -> dict[str, Path]:
    """The two tiny plans written as plan folders ``default`` and ``no-continuity``."""
    root = tmp_path_factory.mktemp("plans")
    api.write_plan(tiny_plan, root / "default")
    api.write_plan(no_continuity, root / "no-continuity")
    return {"default": root / "default", "no-continuity": root / "no-continuity"}


def one_cadre_two_campuses() -> Dataset:
    """P1 on campus A held class K2 on campus B last semester; class K1 is on campus A."""
    return make_dataset(
        cadres=[cadre("P1", "professor", "C1", campus="A")],
        classes=[klass("K1", "C1", campus="A"), klass("K2", "C1", campus="B")],
        previous=[("P1", "class", "K2")],
    )


# --- loading ---------------------------------------------------------------------------------


def test_load_data_reads_the_shipped_demo_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # a notebook runs from notebooks/, not the project folder
    data = api.load_data()
    expected = read_dataset(ROOT / "data" / "demo")
    assert api.DEMO_DATA == ROOT / "data" / "demo"
    assert len(data.cadres) == len(expected.cadres) > 0
    assert list(data.classes["id"]) == list(expected.classes["id"])


def test_load_data_names_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such folder"):
        api.load_data(tmp_path / "nope")


def test_load_scenario_by_shipped_name() -> None:
    default = api.load_scenario()
    assert default.name == "default"
    # default.yaml spells out the defaults: the same rules as an empty scenario
    skip = ("name", "description", "duties")
    plain = {k: v for k, v in Scenario().as_dict().items() if k not in skip}
    assert {k: v for k, v in default.as_dict().items() if k in plain} == plain
    assert default.duty("professor").total_range() == Scenario().duty("professor").total_range()
    assert api.load_scenario("strict-campus").campus == "hard"
    engaged = api.load_scenario("full-engagement")
    assert engaged.duty("school_leader").kind_range(Kind.DORM).min == 1
    assert set(api.SCENARIOS) == {p.stem for p in (ROOT / "scenarios").glob("*.yaml")}


def test_load_scenario_from_a_path_with_changes(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("campus: 'off'\n", encoding="utf-8")
    scenario = api.load_scenario(path, school_leader_spread=2)
    assert (scenario.name, scenario.campus, scenario.school_leader_spread) == ("mine", "off", 2)


def test_load_scenario_refuses_an_unknown_name() -> None:
    with pytest.raises(UsageError, match="default, strict-campus, full-engagement"):
        api.load_scenario("strict")


def test_nested_changes_keep_their_siblings() -> None:
    base = Scenario()
    changed = api.change_scenario(
        base, {"kinds.class.coverage": "hard", "weights__campus": 7, "campus": "off"}
    )
    assert changed.kinds[Kind.CLASS].coverage == "hard"
    assert changed.kinds[Kind.CLASS].cap == base.kinds[Kind.CLASS].cap
    assert changed.kinds[Kind.BRANCH] == base.kinds[Kind.BRANCH]
    assert changed.weights["campus"] == 7
    assert changed.weights["coverage"] == base.weights["coverage"]
    assert changed.campus == "off"
    assert base.kinds[Kind.CLASS].coverage == "soft"  # the base is not modified


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kinds.klass.coverage": "hard"}, "unknown kind 'klass'"),
        ({"campus.weight": 3}, "'campus' is a single value"),
        ({"campus": "sometimes"}, "campus"),
        ({"kinds..coverage": "hard"}, "empty part"),
    ],
)
def test_bad_changes_name_the_key(changes: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        api.change_scenario(Scenario(), changes)


# --- solving ---------------------------------------------------------------------------------


def test_solve_applies_the_changes() -> None:
    data = one_cadre_two_campuses()
    kept = api.solve(data, deterministic=True)
    assert check_plan(data, Scenario(), kept).ok
    assert pairs(kept) == {("P1", "class", "K2")}  # continuity before campus

    hard = api.solve(data, "default", campus="hard", deterministic=True)
    assert check_plan(data, api.load_scenario(campus="hard"), hard).ok
    assert pairs(hard) == {("P1", "class", "K1")}
    assert hard.scenario["campus"] == "hard"
    assert hard.kpis()["cross_campus"] == 0


def test_solve_in_a_college_scope(tiny: Dataset) -> None:
    plan = api.solve(tiny, scope="college=C01", deterministic=True)
    assert api.check_plan(plan, tiny).ok
    assert plan.scope == "college=C01"
    # Its own targets, and the university-level society S02 on its cadres' campus (H3).
    assert set(plan.assignments["target_college"]) <= {"C01", None}
    assert set(plan.coverage["college"]) == {"C01", "(university)"}


def test_a_college_is_named_by_id_in_any_case_or_by_name(tiny: Dataset) -> None:
    """Issue 14, item 5: ``college=c01`` or the college's name planned an empty scope."""
    for written in ("c01", "C01", tiny.colleges.set_index("id").loc["C01", "name"]):
        plan = api.solve(tiny, scope=f"college={written}", deterministic=True)
        assert plan.scope == "college=C01"
    with pytest.raises(UsageError, match=r"no college 'C99' in the data \(known: C01 "):
        api.solve(tiny, scope="college=C99")


def test_solve_says_why_the_hard_rules_cannot_hold() -> None:
    data = make_dataset(
        cadres=[cadre("P1", "professor", "C1", campus="A")],
        classes=[klass("K1", "C1", campus="B")],
    )
    with pytest.raises(InfeasibleError) as caught:
        api.solve(data, campus="hard")
    assert caught.value.reasons


def test_solve_accepts_a_data_path(tiny_plan: Plan) -> None:
    plan = api.solve(TINY, deterministic=True)
    assert api.check_plan(plan, api.load_data(TINY)).ok
    assert pairs(plan) == pairs(tiny_plan)


# --- reading a plan folder back --------------------------------------------------------------


def test_read_plan_gives_back_the_written_plan(
    tmp_path: Path, tiny: Dataset, tiny_plan: Plan
) -> None:
    assignments = tiny_plan.assignments.copy()
    assignments.loc[0, "target_name"] = EVIL  # formula-like text survives the round trip
    plan = dataclasses.replace(tiny_plan, assignments=assignments)
    written = api.write_plan(plan, tmp_path / "p")  # no data: only the college heatmap
    assert "coverage_campus_kind.png" not in {p.name for p in written}
    back = api.read_plan(tmp_path / "p")

    for name in ("assignments", "uncovered", "changes", "coverage"):
        pd.testing.assert_frame_equal(
            getattr(back, name).reset_index(drop=True),
            getattr(plan, name).reset_index(drop=True),
            check_dtype=False,
            obj=name,
        )
    assert back.assignments.loc[0, "target_name"] == EVIL
    assert back.assignments["kept"].dtype == bool
    assert back.kpis() == plan.kpis()
    assert back.terms == plan.terms
    assert (back.status, back.scope, back.scenario) == (plan.status, plan.scope, plan.scenario)
    assert back.held == plan.held and back.stages == plan.stages
    assert api.check_plan(back, tiny).ok
    assert check_plan_dir(tiny, tmp_path / "p").ok


def test_read_plan_names_what_is_missing(tmp_path: Path, plan_dirs: dict[str, Path]) -> None:
    with pytest.raises(InputError, match="not a plan folder"):
        api.read_plan(tmp_path)
    with pytest.raises(InputError, match="no such plan folder"):
        api.read_plan(tmp_path / "nope")
    shutil.copytree(plan_dirs["default"], tmp_path / "p")
    (tmp_path / "p" / "coverage.csv").unlink()
    with pytest.raises(InputError) as caught:
        api.read_plan(tmp_path / "p")
    assert [p.file for p in caught.value.problems] == [str(tmp_path / "p" / "coverage.csv")]


# --- comparing -------------------------------------------------------------------------------


def test_compare_gives_one_kpi_row_per_plan(tiny_plan: Plan, no_continuity: Plan) -> None:
    table = api.compare({"default": tiny_plan, "no continuity": no_continuity})
    assert list(table.index) == ["default", "no continuity"]
    assert table.index.name == "plan"
    assert list(table.columns) == list(KPI_COLUMNS)
    for label, plan in (("default", tiny_plan), ("no continuity", no_continuity)):
        kpis = plan.kpis()
        row = table.loc[label]
        assert row["status"] == plan.status
        for key in (
            "uncovered",
            "kept_from_previous",
            "cross_campus",
            "assignments",
            "class_coverage",
            "branch_coverage",
            "society_coverage",
            "dorm_coverage",
            "gap",
        ):
            assert row[key] == kpis[key], key
        assert row["central_spread"] == plan.terms["central_spread"].value
        assert row["note"] == ""
    assert (
        table.loc["no continuity", "kept_from_previous"]
        < table.loc["default", "kept_from_previous"]
    )


def test_compare_labels_a_list_by_scenario_name_and_keeps_failures(tiny_plan: Plan) -> None:
    failed = Failure("INFEASIBLE", "H1: P1 must hold a target", "strict", "university")
    table = api.compare([tiny_plan, tiny_plan, failed])
    assert list(table.index) == ["default", "default #2", "strict"]
    row = table.loc["strict"]
    assert row["status"] == "INFEASIBLE" and row["note"] == "H1: P1 must hold a target"
    assert pd.isna(row["kept_from_previous"]) and math.isnan(row["class_coverage"])
    text = format_kpis(table)
    assert text.loc["班级覆盖率 class coverage", "strict"] == "-"
    share = tiny_plan.kpis()["class_coverage"]
    assert text.loc["班级覆盖率 class coverage", "default"] == f"{share:.1%}"
    assert "说明 note" in text.index


def test_vary_sets_one_key_per_scenario() -> None:
    base = api.load_scenario(priorities="weighted")
    scenarios = api.vary("weights.campus", [0, 500], base=base)
    assert list(scenarios) == ["weights.campus=0", "weights.campus=500"]
    assert [s.weights["campus"] for s in scenarios.values()] == [0, 500]
    assert all(s.priorities == "weighted" for s in scenarios.values())
    spread = api.vary("school_leader_spread", [None, 2])
    assert list(spread) == ["school_leader_spread=null", "school_leader_spread=2"]
    assert [s.school_leader_spread for s in spread.values()] == [None, 2]


def test_sweep_in_processes_equals_the_sweep_in_process(tiny: Dataset) -> None:
    default = Scenario()
    scenarios = {
        "default": default,
        "no continuity": api.change_scenario(default, {"continuity": "off"}),
        "five each": api.change_scenario(default, {"duties": {"default": {"total": 5}}}),
    }
    here = api.sweep_plans(tiny, scenarios, processes=1, progress=False)
    there = api.sweep_plans(tiny, scenarios, processes=2, progress=False)
    assert list(here) == list(there) == list(scenarios)
    for label, scenario in scenarios.items():
        a, b = here[label], there[label]
        if isinstance(a, Failure):
            assert a == b
            continue
        assert isinstance(b, Plan)
        assert check_plan(tiny, scenario, a).ok and check_plan(tiny, scenario, b).ok
        assert pairs(a) == pairs(b)  # deterministic solves
    failed = here["five each"]
    assert isinstance(failed, Failure) and failed.status == "INFEASIBLE"
    assert "five each" not in failed.note and failed.note  # the diagnosis, not the label
    table = api.compare(here).drop(columns="solve_seconds")
    pd.testing.assert_frame_equal(table, api.compare(there).drop(columns="solve_seconds"))
    assert list(table["status"]) == ["OPTIMAL", "OPTIMAL", "INFEASIBLE"]


def test_sweep_returns_the_kpi_table(tiny: Dataset) -> None:
    five = api.change_scenario(Scenario(), {"duties": {"default": {"total": 5}}})
    table = api.sweep(tiny, {"five each": five}, progress=False)  # infeasible: no plan to check
    assert list(table.index) == ["five each"]
    assert table.loc["five each", "status"] == "INFEASIBLE"
    assert table.loc["five each", "note"]


def test_sweep_shows_its_progress(tiny: Dataset, capsys: pytest.CaptureFixture[str]) -> None:
    five = api.change_scenario(Scenario(), {"duties": {"default": {"total": 5}}})
    api.sweep_plans(tiny, {"five each": five}, processes=1, progress=True)
    err = capsys.readouterr().err
    assert "five each: infeasible" in err
    assert "1/1 scenarios" in err


def test_sweep_refuses_what_is_not_a_scenario(tiny: Dataset) -> None:
    with pytest.raises(UsageError, match="expected a Scenario"):
        api.sweep(tiny, {"x": {"campus": "hard"}}, progress=False)  # type: ignore[dict-item]


# --- charts ----------------------------------------------------------------------------------


def _drew_heatmap(fig: Figure) -> bool:
    return any(ax.images for ax in fig.axes)


def test_plot_helpers_draw_on_a_new_figure_or_the_given_axes(
    tiny: Dataset, tiny_plan: Plan
) -> None:
    helpers = [
        lambda ax: api.plot_coverage(tiny_plan, ax, labels="codes"),
        lambda ax: api.plot_campus_coverage(tiny_plan, tiny, ax, labels="codes"),
        lambda ax: api.plot_dorm_coverage(tiny_plan, tiny, ax, labels="codes"),
    ]
    for helper in helpers:
        assert _drew_heatmap(helper(None))
        fig = Figure()
        ax = fig.add_subplot()
        assert helper(ax) is fig
        assert ax.images


def test_plot_compare_draws_one_panel_per_plan(tiny_plan: Plan, no_continuity: Plan) -> None:
    failed = Failure("INFEASIBLE", "no", "x", "university")
    fig = api.plot_compare({"a": tiny_plan, "b": no_continuity, "x": failed}, labels="codes")
    panels = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in panels] == ["a", "b"]
    with pytest.raises(UsageError, match="no plan"):
        api.plot_compare({"x": failed})


def test_plot_tradeoff_plots_the_table(tiny_plan: Plan, no_continuity: Plan) -> None:
    table = api.compare({"default": tiny_plan, "no continuity": no_continuity, "same": tiny_plan})
    fig = api.plot_tradeoff(table, "cross_campus", "kept_from_previous", labels="codes")
    (line,) = fig.axes[0].get_lines()
    assert list(line.get_xdata()) == list(table["cross_campus"])
    assert list(line.get_ydata()) == list(table["kept_from_previous"])
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert "default, same" in texts  # plans on one point share a label
    assert fig.axes[0].get_xlabel() == "cross campus"
    with pytest.raises(UsageError, match="not a column"):
        api.plot_tradeoff(table, "coverage", "kept_from_previous")


# --- writing and the command line ------------------------------------------------------------


def test_write_comparison_writes_csv_xlsx_png(
    tmp_path: Path, tiny_plan: Plan, no_continuity: Plan
) -> None:
    plans = {EVIL: tiny_plan, "no continuity": no_continuity}
    table = api.compare(plans)
    written = api.write_comparison(table, plans, tmp_path / "cmp", labels="codes")
    assert sorted(p.name for p in written) == sorted(
        ["kpis.csv", "kpis.xlsx", "coverage.csv", "coverage_compare.png"]
    )
    assert sorted(p.name for p in (tmp_path / "cmp").iterdir()) == sorted(p.name for p in written)
    csv = pd.read_csv(tmp_path / "cmp" / "kpis.csv", encoding="utf-8-sig", dtype={"plan": str})
    assert list(csv["plan"]) == ["'" + EVIL, "no continuity"]  # inert in a spreadsheet
    assert list(csv["kept_from_previous"]) == list(table["kept_from_previous"])
    coverage = pd.read_csv(tmp_path / "cmp" / "coverage.csv", encoding="utf-8-sig")
    assert len(coverage) == len(tiny_plan.coverage) + len(no_continuity.coverage)
    book = openpyxl.load_workbook(tmp_path / "cmp" / "kpis.xlsx")
    sheet = book.worksheets[0]
    assert sheet["A2"].value == EVIL and sheet["A2"].data_type == "s"
    assert sheet["A1"].value == "方案 plan"
    assert (tmp_path / "cmp" / "coverage_compare.png").stat().st_size > 1000


def test_cli_compare(
    tmp_path: Path, plan_dirs: dict[str, Path], tiny_plan: Plan, no_continuity: Plan
) -> None:
    out = tmp_path / "cmp"
    args = ["compare", str(plan_dirs["default"]), str(plan_dirs["no-continuity"])]
    result = CliRunner().invoke(cli, [*args, "--out", str(out), "--labels", "codes"])
    assert result.exit_code == 0, result.output
    assert "kept from last semester" in result.output
    assert "default" in result.output and "no-continuity" in result.output
    table = pd.read_csv(out / "kpis.csv", encoding="utf-8-sig")
    assert list(table["plan"]) == ["default", "no-continuity"]
    assert list(table["cross_campus"]) == [
        tiny_plan.kpis()["cross_campus"],
        no_continuity.kpis()["cross_campus"],
    ]


def test_cli_compare_refuses_a_folder_that_is_not_a_plan(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["compare", str(tmp_path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "not a plan folder" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_plan_labels_are_unique() -> None:
    dirs = [Path("out/a/default"), Path("out/b/default"), Path("out/strict")]
    assert plan_labels(dirs) == ["a/default", "b/default", "strict"]


def test_compare_warns_when_plans_come_from_different_data(tiny_plan: Plan) -> None:
    other_inputs = {**tiny_plan.inputs, "cadres": {"file": "cadres.csv", "sha256": "f00"}}
    other = dataclasses.replace(tiny_plan, inputs=other_inputs)
    assert data_differences({"a": tiny_plan, "b": tiny_plan}) == []
    (warning,) = data_differences({"a": tiny_plan, "b": other})
    assert "different cadres files" in warning and "a vs b" in warning
