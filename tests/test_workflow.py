"""The semester workflow: the staged protocol, approval, merge, fixed contacts, pins.

The module fixture runs two whole semesters through the command line on generated data
(3 colleges): the proposal (the whole-university plan) → approve → the central part and each
college's part re-planned against it → merge → approve; then the next semester, with
graduated classes, new classes and cadres on leave, continuing from the approved university
plan. Every plan folder is re-checked with ``planner check``. The coverage heatmaps are
switched off except for the merged plans (they take seconds each and are tested in
``test_plot.py``).
"""

from __future__ import annotations

import functools
import json
import shutil
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result
from conftest import cadre, check_plan, dorm, klass, make_dataset, scn, solve_and_check

from planner.check.checker import check_assignments, check_plan_dir
from planner.cli import cli
from planner.dataset import Dataset
from planner.errors import UsageError
from planner.io.generate.files import write_tables
from planner.io.generate.tables import generate_tables
from planner.io.plan_folder import PINS_KEY, PREVIOUS_KEY, as_planned
from planner.io.readers import read_dataset
from planner.plan import Plan
from planner.planning import make_plan
from planner.report import render
from planner.scenario import Scenario
from planner.workflow.approval import verify_plan
from planner.workflow.carry import read_previous_table
from planner.workflow.inputs import plan_inputs
from planner.workflow.pins import parse_pins

COLLEGES = ("C01", "C02", "C03")
ON_LEAVE = 8
"""College cadres who hold a class in semester 1 and go on leave in semester 2."""


@functools.cache
def data_of(path: Path) -> Dataset:
    """The data set in ``path``, read once (tests do not change it)."""
    return read_dataset(path)


def run(*args: str | Path) -> Result:
    """Run ``planner ARGS`` in-process; stdout and stderr stay apart."""
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in result.output + result.stderr
    assert "internal error" not in result.stderr, result.stderr
    return result


def ok(*args: str | Path) -> Result:
    """Run ``planner ARGS`` and require exit code 0."""
    result = run(*args)
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    return result


def triples(folder: Path) -> set[tuple[str, str, str]]:
    """The ``(cadre_id, kind, target_id)`` of a plan folder's ``assignments.csv``."""
    a = pd.read_csv(folder / "assignments.csv", dtype=str, encoding="utf-8-sig")
    return set(zip(a["cadre_id"], a["kind"], a["target_id"], strict=True))


def plan_json(folder: Path) -> dict:
    return json.loads((folder / "plan.json").read_text(encoding="utf-8"))


@dataclass
class Semester:
    """One semester's data folder and plan folders."""

    data: Path
    proposal: Path
    merged: Path
    parts: dict[str, Path] = field(default_factory=dict)
    """Per scope (``central``, ``college=C01`` …), the part re-planned against the proposal."""
    logs: dict[str, Result] = field(default_factory=dict)


@dataclass
class Cycle:
    """Two semesters run through the workflow."""

    root: Path
    first: Semester
    second: Semester
    on_leave: list[str]
    graduated: list[str]
    new_classes: list[str]


def _second_semester(
    tables: dict[str, pd.DataFrame], merged: Path
) -> tuple[dict, list, list, list]:
    """Next semester's tables: the oldest classes graduate, new classes arrive, cadres go on
    leave; the stale ``previous`` table of the generator stays (``--previous`` replaces it)."""
    t = {name: frame.copy() for name, frame in tables.items()}
    classes = t["classes"]
    oldest, newest = int(classes["grade"].min()), int(classes["grade"].max())
    graduated = classes.loc[classes["grade"] == oldest, "id"].tolist()
    fresh = classes[classes["grade"] == newest].groupby("college").head(2).copy()
    fresh["grade"] = newest + 1
    fresh["id"] = [f"{newest + 1}N{i:03d}" for i in range(len(fresh))]
    t["classes"] = pd.concat([classes[classes["grade"] != oldest], fresh], ignore_index=True)
    held = pd.read_csv(merged / "assignments.csv", dtype=str, encoding="utf-8-sig")
    class_holders = held[(held["kind"] == "class") & ~held["role"].isin(["school_leader"])]
    class_holders = class_holders[~class_holders["target_id"].isin(graduated)]
    leave = class_holders["cadre_id"].head(ON_LEAVE).tolist()
    cadres = t["cadres"]
    cadres.loc[cadres["id"].isin(leave), "available"] = "no"
    joined = cadres[(cadres["role"] == "young_teacher") & (cadres["available"] == "yes")]
    joined = joined.groupby("unit").head(1).copy()
    joined["id"] = [f"NEW{i:03d}" for i in range(len(joined))]
    t["cadres"] = pd.concat([cadres, joined], ignore_index=True)
    pins = t["pins"]
    t["pins"] = pins[~pins["target"].isin(graduated) & ~pins["cadre"].isin(leave)]
    return t, graduated, fresh["id"].tolist(), leave


SCOPES = ("central", *(f"college={c}" for c in COLLEGES))


def _semester(root: Path, name: str, data: Path, previous: Path | None) -> Semester:
    """Proposal → approve → every part re-planned against it, all by the command line."""
    here = root / name
    sem = Semester(data=data, proposal=here / "proposal", merged=here / "university")
    extra: list[str | Path] = ["--previous", previous] if previous else []
    sem.logs["proposal"] = ok(
        "plan", "--data", data, "--out", sem.proposal, "--deterministic", "--quiet", *extra
    )
    ok("approve", sem.proposal, "--by", "学生处 王老师", "--data", data)
    for scope in SCOPES:
        out = here / scope.replace("college=", "")
        sem.logs[scope] = ok(
            "plan", "--data", data, "--scope", scope, "--held", sem.proposal, "--out", out,
            "--deterministic",
        )  # fmt: skip
        sem.parts[scope] = out
    return sem


def _merge(sem: Semester) -> None:
    sem.logs["merge"] = ok(
        "merge", sem.proposal, *sem.parts.values(), "--data", sem.data, "--out", sem.merged
    )
    ok("approve", sem.merged, "--by", "学生处 李处长", "--data", sem.data)


def no_heatmaps(mp: pytest.MonkeyPatch) -> None:
    """Plan folders without heatmaps (seconds each; ``test_plot.py`` tests them)."""
    mp.setattr(render, "render_heatmaps", lambda plan, targets, **_: {})


@pytest.fixture(scope="module")
def cycle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cycle]:
    root = tmp_path_factory.mktemp("semesters")
    tables = generate_tables("demo", seed=7, scale=0.5)
    assert sorted(tables["colleges"]["id"]) == list(COLLEGES)
    write_tables(tables, root / "data1")
    with pytest.MonkeyPatch.context() as mp:
        real_heatmaps = render.render_heatmaps
        no_heatmaps(mp)
        first = _semester(root, "s1", root / "data1", None)
        mp.setattr(render, "render_heatmaps", real_heatmaps)
        _merge(first)
        no_heatmaps(mp)
        t2, graduated, fresh, leave = _second_semester(tables, first.merged)
        write_tables(t2, root / "data2")
        second = _semester(root, "s2", root / "data2", first.merged)
        _merge(second)
        yield Cycle(root, first, second, leave, graduated, fresh)


# --------------------------------------------------------------------------------------------
# The whole cycle


def test_every_plan_of_both_semesters_passes_planner_check(cycle: Cycle) -> None:
    for sem in (cycle.first, cycle.second):
        result = ok("check", "--data", sem.data, sem.merged)
        assert "OK:" in result.stdout
        data = data_of(sem.data)  # what planner check does, without reading it again
        for folder in [sem.proposal, *sem.parts.values()]:
            report = check_plan_dir(data, folder)
            assert report.ok, (folder, report.violations)
            assert report.claimed == report.terms
        assert ok("verify", sem.proposal).stdout.startswith("OK:")
        assert ok("verify", sem.merged).stdout.startswith("OK:")


def test_parts_without_pins_reproduce_the_proposal(cycle: Cycle) -> None:
    """Issue 14, item 1: the staged flow lost coverage and fixed contacts. Re-planned without
    pins, every part stays with the proposal (S6), so the merged plan is the proposal: every
    term, every pair."""
    for sem in (cycle.first, cycle.second):
        proposal, merged = plan_json(sem.proposal), plan_json(sem.merged)
        assert triples(sem.merged) == triples(sem.proposal)
        for name, term in proposal["terms"].items():
            assert merged["terms"][name]["value"] == term["value"], name
        parts = [triples(p) for p in sem.parts.values()]
        assert sum(len(p) for p in parts) == len(set().union(*parts))  # no pair in two parts
        assert set().union(*parts) == triples(sem.proposal)  # every cadre is in one part
        for scope, folder in sem.parts.items():
            doc = plan_json(folder)
            assert doc["terms"]["stay"]["value"] == len(triples(folder)), scope
            assert doc["base_plan"]["folder"] == str(sem.proposal)


def test_the_merged_plan_records_the_proposal_and_its_parts(cycle: Cycle) -> None:
    sem = cycle.first
    names = {p.name for p in sem.merged.iterdir()}
    assert {
        "assignments.csv", "assignments.xlsx", "uncovered.csv", "changes.csv", "coverage.csv",
        "plan.json", "approval.json", "coverage_college_kind.png",
    } <= names  # fmt: skip
    doc = plan_json(sem.merged)
    assert doc["scope"] == "university" and doc["status"] == "MERGED"
    merged_from = doc["merged_from"]
    assert merged_from["proposal"]["folder"] == str(sem.proposal)
    assert {p["scope"] for p in merged_from["parts"]} == set(SCOPES)
    assert merged_from["unchanged"] == []
    data = data_of(sem.data)
    cadres = {c for c, _, _ in triples(sem.merged)}
    assert cadres == set(data.cadres.loc[data.cadres["available"], "id"])


def test_a_part_leaves_alone_what_the_proposal_gives_outside_it(cycle: Cycle) -> None:
    sem = cycle.first
    data = data_of(sem.data)
    central_ids = set(data.cadres.loc[data.cadres["central"], "id"])
    proposal = triples(sem.proposal)
    for college in COLLEGES:
        folder = sem.parts[f"college={college}"]
        held = {tuple(h) for h in plan_json(folder)["held"]}
        by_central = {(k, t) for c, k, t in proposal if c in central_ids}
        own = set(zip(*(data.targets()[x] for x in ("kind", "id")), strict=True))
        mine_by_central = {
            (k, t)
            for (k, t) in by_central
            if data.targets().set_index(["kind", "id"]).loc[(k, t), "college"] == college
        }
        assert mine_by_central <= held
        assert held <= own
        assert "held outside it" in sem.logs[f"college={college}"].stdout
    central_held = {tuple(h) for h in plan_json(sem.parts["central"])["held"]}
    assert central_held == {(k, t) for c, k, t in proposal if c not in central_ids}


def test_next_semester_keeps_every_contact_the_rules_allow(cycle: Cycle) -> None:
    sem = cycle.second
    data = data_of(sem.data)
    previous = triples(cycle.first.merged)
    available = set(data.cadres.loc[data.cadres["available"], "id"])
    targets = data.targets()
    existing = set(zip(targets["kind"], targets["id"], strict=True))
    forbidden = {
        (c, k, t)
        for c, k, t, r in zip(
            *(data.pins[x] for x in ("cadre", "kind", "target", "rule")), strict=True
        )
        if r == "forbid"
    }
    # Cadres keep their unit, dorms their gender: a contact may continue iff its cadre is at
    # work, its target still exists and no pin forbids it.
    eligible = {
        (c, k, t)
        for c, k, t in previous
        if c in available and (k, t) in existing and (c, k, t) not in forbidden
    }
    assert len(eligible) < len(previous)  # graduations and leave ended some contacts
    now = triples(sem.merged)
    kept = now & previous
    assert kept <= eligible
    assert plan_json(sem.merged)["terms"]["continuity"]["value"] == len(kept)
    # Coverage comes first: an allowed contact ends only to cover a target that would stay
    # uncovered otherwise, and the changes sheet says so.
    dropped = eligible - kept
    changes = pd.read_csv(sem.merged / "changes.csv", dtype=str, encoding="utf-8-sig")
    ended = changes[changes["status"] == "ended"].set_index(["cadre_id", "kind", "target_id"])
    for key in dropped:
        assert ended.loc[key, "reason"].startswith("coverage gain"), ended.loc[key, "reason"]
    # With continuity made hard, the plan keeps every allowed contact (the checker holds it to
    # that) and covers exactly one target less per contact dropped above.
    hard = Scenario().with_changes(continuity="hard")
    inputs = plan_inputs(data, hard, previous=cycle.first.merged)
    plan = make_plan(inputs.dataset, hard, deterministic=True)
    assert check_assignments(inputs.dataset, hard, plan.assignments).ok
    assert {t for t in _pairs(plan) if t in previous} == eligible
    gained = plan_json(sem.merged)["terms"]["coverage"]["value"] - plan.terms["coverage"].value
    assert gained == len(dropped)
    # Every new class and every class of a cadre on leave holds a cadre again.
    classes_now = {t for _, k, t in now if k == "class"}
    assert set(cycle.new_classes) <= classes_now
    left = {t for c, k, t in previous if k == "class" and c in cycle.on_leave}
    assert left <= classes_now


def _pairs(plan: Plan) -> set[tuple[str, str, str]]:
    a = plan.assignments
    return set(zip(a["cadre_id"], a["kind"], a["target_id"], strict=True))


def test_the_changes_sheet_gives_each_change_its_reason(cycle: Cycle) -> None:
    sem = cycle.second
    changes = pd.read_csv(sem.merged / "changes.csv", dtype=str, encoding="utf-8-sig")
    status = changes["status"].value_counts()
    assert status["kept"] == plan_json(sem.merged)["terms"]["continuity"]["value"]
    assert {"kept", "moved", "new", "ended"} <= set(status.index)
    joined = changes[changes["cadre_id"].str.startswith("NEW")]
    assert joined["status"].tolist() == ["new"] * len(COLLEGES)
    assert set(joined["reason"]) == {"no contact last semester"}
    ended = changes[changes["status"] == "ended"]
    graduated = ended[ended["target_id"].isin(cycle.graduated)]
    assert len(graduated) and graduated["reason"].str.contains("class graduated").all()
    leave = ended[ended["cadre_id"].isin(cycle.on_leave)]
    assert len(leave) == ON_LEAVE
    assert leave["reason"].str.contains("on leave").all()
    # A college's part lists its own cadres only.
    data = data_of(sem.data)
    unit = dict(zip(data.cadres["id"], data.cadres["unit"], strict=True))
    c01 = pd.read_csv(sem.parts["college=C01"] / "changes.csv", dtype=str, encoding="utf-8-sig")
    assert len(c01) and {unit.get(c, "C01") for c in c01["cadre_id"]} == {"C01"}
    assert not c01["reason"].str.contains("outside this plan's scope").any()


def test_a_part_continues_from_the_proposals_previous(cycle: Cycle) -> None:
    sem = cycle.second
    doc = plan_json(sem.parts["college=C02"])
    record = doc[PREVIOUS_KEY]
    assert record == plan_json(sem.proposal)[PREVIOUS_KEY]
    assert record["folder"] == str(cycle.first.merged)
    assert record["approved_by"] == "学生处 李处长"
    assert {tuple(r) for r in record["rows"]} == triples(cycle.first.merged)
    # planner check re-checks against the recorded contacts, not the data set's stale table.
    data = data_of(sem.data)
    planned = as_planned(data, doc)
    assert len(planned.previous) == len(record["rows"]) != len(data.previous)
    assert check_plan_dir(data, sem.parts["college=C02"]).ok
    # The same contacts, given as a table file, read the same.
    a = pd.read_csv(cycle.first.merged / "assignments.csv", dtype=str, encoding="utf-8-sig")
    table = cycle.root / "previous.csv"
    a.rename(columns={"cadre_id": "工号", "kind": "类型", "target_id": "对象编号"})[
        ["工号", "类型", "对象编号"]
    ].to_csv(table, index=False, encoding="utf-8-sig")
    frame, source = read_previous_table(table)
    assert set(zip(frame["cadre"], frame["kind"], frame["target"], strict=True)) == triples(
        cycle.first.merged
    )
    assert source.display == "previous.csv"


# --------------------------------------------------------------------------------------------
# Approval


def _copy(folder: Path, to: Path) -> Path:
    """A writable copy of a plan folder."""
    shutil.copytree(folder, to)
    for f in to.iterdir():
        f.chmod(f.stat().st_mode | stat.S_IWUSR)
    return to


def test_an_approved_plan_is_frozen(cycle: Cycle) -> None:
    folder = cycle.first.proposal
    before = {f.name: f.read_bytes() for f in folder.iterdir()}
    assert not (folder / "assignments.csv").stat().st_mode & stat.S_IWUSR  # read-only
    again = run("approve", folder, "--by", "someone else", "--data", cycle.first.data)
    assert again.exit_code == 1 and "already approved by 学生处 王老师" in again.stderr
    over = run("plan", "--data", cycle.first.data, "--out", folder)
    assert over.exit_code == 1 and "approved plan" in over.stderr
    assert "Status" not in over.stdout  # refused before solving
    merged = run("merge", folder, "--data", cycle.first.data, "--out", folder)
    assert merged.exit_code == 1 and "approved plan" in merged.stderr
    assert {f.name: f.read_bytes() for f in folder.iterdir()} == before
    assert verify_plan(folder).ok


def test_verify_detects_tampering(cycle: Cycle, tmp_path: Path) -> None:
    copy = _copy(cycle.first.merged, tmp_path / "merged")
    assert ok("verify", copy).stdout.startswith("OK:")
    (copy / "~$assignments.xlsx").write_bytes(b"lock")  # Excel has it open: not a change
    assert ok("verify", copy).exit_code == 0
    text = (copy / "assignments.csv").read_text(encoding="utf-8-sig")
    (copy / "assignments.csv").write_text(
        text.replace(",class,", ",dorm,", 1), encoding="utf-8-sig"
    )
    (copy / "uncovered.csv").unlink()
    (copy / "notes.txt").write_text("mine")
    result = run("verify", copy)
    assert result.exit_code == 1
    assert "assignments.csv was changed after approval" in result.stderr
    assert "uncovered.csv was deleted after approval" in result.stderr
    assert "notes.txt was added after approval" in result.stderr
    assert "NOT as approved" in result.stderr
    # Editing the approval record itself is detected too.
    copy2 = _copy(cycle.first.proposal, tmp_path / "proposal")
    record = json.loads((copy2 / "approval.json").read_text(encoding="utf-8"))
    record["approved_by"] = "someone else"
    (copy2 / "approval.json").write_text(json.dumps(record), encoding="utf-8")
    result = run("verify", copy2)
    assert result.exit_code == 1 and "approval.json was edited" in result.stderr
    # A tampered plan is refused as --held and as --previous.
    for option, scope in (("--held", "college=C01"), ("--previous", "university")):
        used = run(
            "plan", "--data", cycle.first.data, "--scope", scope, option, copy2,
            "--out", tmp_path / "x",
        )  # fmt: skip
        assert used.exit_code == 2, used.stderr
        assert f"{option} {copy2}: the plan was changed after it was approved" in used.stderr
        assert not (tmp_path / "x").exists()


def test_only_an_approved_proposal_is_held(cycle: Cycle, tmp_path: Path) -> None:
    part = cycle.first.parts["college=C01"]
    out = tmp_path / "x"
    args: list[str | Path] = ["plan", "--data", cycle.first.data, "--out", out]
    unapproved = run(*args, "--scope", "college=C02", "--held", part)
    assert unapproved.exit_code == 2 and "is not approved" in unapproved.stderr
    assert "planner approve" in unapproved.stderr
    copy = _copy(part, tmp_path / "c01")
    ok("approve", copy, "--by", "X", "--data", cycle.first.data)
    not_university = run(*args, "--scope", "college=C02", "--held", copy)
    assert not_university.exit_code == 2
    assert "give the approved proposal (a whole-university plan" in not_university.stderr
    whole = run(*args, "--held", cycle.first.proposal)
    assert whole.exit_code == 2 and "give --scope central or --scope college=ID" in whole.stderr
    prev = run(
        *args, "--scope", "central", "--held", cycle.first.proposal, "--previous",
        cycle.first.proposal,
    )  # fmt: skip
    assert prev.exit_code == 2 and "leave out --previous" in prev.stderr
    other = run(
        *args, "--scope", "central", "--held", cycle.first.proposal, "--scenario",
        Path(__file__).parents[1] / "scenarios" / "strict-campus.yaml",
    )  # fmt: skip
    assert other.exit_code == 2 and "under the proposal's rules" in other.stderr
    assert not out.exists()
    assert run("verify", part).exit_code == 1  # not approved: nothing to verify


def test_approval_refuses_a_plan_that_breaks_a_rule(cycle: Cycle, tmp_path: Path) -> None:
    copy = _copy(cycle.first.parts["college=C03"], tmp_path / "c03")
    a = pd.read_csv(copy / "assignments.csv", dtype=str, encoding="utf-8-sig")
    a.loc[1, ["kind", "target_id"]] = a.loc[0, ["kind", "target_id"]].to_numpy()
    a.to_csv(copy / "assignments.csv", index=False, encoding="utf-8-sig")
    result = run("approve", copy, "--by", "X", "--data", cycle.first.data)
    assert result.exit_code == 1 and "breaks the rules" in result.stderr
    assert "H2" in result.stderr
    assert not (copy / "approval.json").exists()


# --------------------------------------------------------------------------------------------
# Merge conflicts


def _merge_err(sem: Semester, *folders: Path, out: Path) -> str:
    result = run("merge", sem.proposal, *folders, "--data", sem.data, "--out", out)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert not out.exists()
    return result.stderr


def test_merge_takes_parts_not_given_from_the_proposal(cycle: Cycle, tmp_path: Path) -> None:
    sem = cycle.first
    result = ok(
        "merge", sem.proposal, sem.parts["college=C01"], "--data", sem.data,
        "--out", tmp_path / "m",
    )  # fmt: skip
    assert "Parts taken from the proposal unchanged: central, C02, C03" in result.stdout
    assert triples(tmp_path / "m") == triples(sem.proposal)


def test_merge_says_once_that_a_folder_is_given_twice(cycle: Cycle, tmp_path: Path) -> None:
    """Issue 14, item 6: a folder given twice crashed ("The truth value of a DataFrame is
    ambiguous"); two folders for one college gave ~320 redundant lines after the right one."""
    sem = cycle.first
    c01 = sem.parts["college=C01"]
    err = _merge_err(sem, c01, c01, out=tmp_path / "m")
    assert err.count("is given twice") == 1 and "internal error" not in err
    assert len(err.strip().splitlines()) == 3
    other = _copy(c01, tmp_path / "c01-again")
    err = _merge_err(sem, c01, other, out=tmp_path / "m")
    lines = err.strip().splitlines()
    assert lines[0] == "The plans cannot be merged: 1 conflict; nothing was written."
    assert "2 plans were given for the part of" in lines[2] and str(other) in lines[2]
    assert len(lines) == 3


def test_merge_refuses_a_part_not_made_against_this_proposal(cycle: Cycle, tmp_path: Path) -> None:
    sem = cycle.first
    with pytest.MonkeyPatch.context() as mp:
        no_heatmaps(mp)
        alone = tmp_path / "c02"
        planned = ok(
            "plan", "--data", sem.data, "--scope", "college=C02", "--out", alone,
            "--deterministic",
        )  # fmt: skip
    assert "not re-planned against a proposal (no --held)" in planned.stderr
    err = _merge_err(sem, alone, out=tmp_path / "m")
    assert "was not re-planned against a proposal" in err
    other = cycle.second.parts["college=C02"]
    err = _merge_err(sem, other, out=tmp_path / "m")
    assert "was re-planned against another proposal" in err


def test_merge_refuses_a_tampered_part_and_wants_one_proposal(cycle: Cycle, tmp_path: Path) -> None:
    sem = cycle.first
    part = _copy(sem.parts["central"], tmp_path / "central")
    ok("approve", part, "--by", "X", "--data", sem.data)
    for f in part.iterdir():
        f.chmod(f.stat().st_mode | stat.S_IWUSR)
    with (part / "coverage.csv").open("a", encoding="utf-8") as f:
        f.write("\n")
    err = _merge_err(sem, part, out=tmp_path / "m")
    assert "coverage.csv was changed after approval" in err
    two = run("merge", sem.proposal, sem.merged, "--data", sem.data, "--out", tmp_path / "m")
    assert two.exit_code == 2 and "give one proposal" in two.stderr
    none = run("merge", part, "--data", sem.data, "--out", tmp_path / "m")
    assert none.exit_code == 2 and "give the approved proposal" in none.stderr


# --------------------------------------------------------------------------------------------
# Pins from the command line


def test_command_line_pins_are_validated_like_data_pins(cycle: Cycle) -> None:
    data = data_of(cycle.first.data)
    cid = str(data.cadres["id"].iloc[0])
    klass_id = str(data.classes["id"].iloc[0])
    pins = parse_pins(data, [f"{cid}:班级:{klass_id}"], [f" {cid} : class : {klass_id} "])
    assert pins[["cadre", "kind", "target", "rule"]].values.tolist() == [
        [cid, "class", klass_id, "require"],
        [cid, "class", klass_id, "forbid"],
    ]
    assert pins["row"].min() > data.pins["row"].max()
    with pytest.raises(UsageError) as err:
        parse_pins(data, ["nope:class:x", f"{cid}:room:{klass_id}"], ["just-one-part"])
    lines = str(err.value).splitlines()
    assert lines == [
        "--require nope:class:x: unknown cadre 'nope': not in cadres.csv",
        "--require nope:class:x: unknown class 'x': not in classes.csv",
        f"--require {cid}:room:{klass_id}: unknown kind 'room' (use class, dorm, society or "
        "branch; 班级, 宿舍, 社团 or 党支部)",
        "--forbid just-one-part: write CADRE:KIND:TARGET, e.g. --forbid 044156:class:2026C0101 "
        "(kind: class, dorm, society or branch)",
    ]
    result = run("plan", "--data", cycle.first.data, "--require", "nope:class:x", "--out", "x")
    assert result.exit_code == 2 and "--require nope:class:x" in result.stderr


def test_command_line_pins_hold_and_are_recorded(cycle: Cycle, tmp_path: Path) -> None:
    """C01's part again, with one cadre moved by --require and one contact dropped by
    --forbid: the plan obeys both, moves nothing else it need not, and planner check re-checks
    them (and S6) from plan.json."""
    sem = cycle.second
    data = data_of(sem.data)
    before = pd.read_csv(
        sem.parts["college=C01"] / "assignments.csv", dtype=str, encoding="utf-8-sig"
    )
    kept = before[before["kept"] == "True"]
    forbid = kept.iloc[0]
    mover = kept[(kept["kind"] == "dorm") & (kept["cadre_id"] != forbid["cadre_id"])].iloc[0]
    target = before.loc[
        (before["kind"] == "class") & (before["cadre_id"] != forbid["cadre_id"]), "target_id"
    ].iloc[0]
    require = f"{mover['cadre_id']}:class:{target}"
    forbidden = f"{forbid['cadre_id']}:{forbid['kind']}:{forbid['target_id']}"
    with pytest.MonkeyPatch.context() as mp:
        no_heatmaps(mp)
        out = tmp_path / "c01"
        ok(
            "plan", "--data", sem.data, "--scope", "college=C01", "--held", sem.proposal,
            "--require", require, "--forbid", forbidden, "--out", out, "--deterministic",
            "--quiet",
        )  # fmt: skip
    now = triples(out)
    assert (mover["cadre_id"], "class", target) in now
    assert (forbid["cadre_id"], forbid["kind"], forbid["target_id"]) not in now
    # The pins move the two cadres they name and at most the one holding the pinned class.
    moved = {c for c, _, _ in now - triples(sem.parts["college=C01"])}
    assert {mover["cadre_id"], forbid["cadre_id"]} <= moved and len(moved) <= 3
    doc = plan_json(out)
    mine = [
        [mover["cadre_id"], "class", target, "require"],
        [forbid["cadre_id"], forbid["kind"], forbid["target_id"], "forbid"],
    ]
    assert doc[PINS_KEY][-2:] == mine and doc["base_plan"]["pins"] == mine
    assert ok("check", "--data", sem.data, out).exit_code == 0
    changes = pd.read_csv(out / "changes.csv", dtype=str, encoding="utf-8-sig")
    row = changes[(changes["cadre_id"] == forbid["cadre_id"]) & (changes["status"] == "ended")]
    assert row["reason"].tolist() == ["forbidden by a pin"]
    # The merged plan carries the pins; merged and checked, it is a university plan.
    merged = tmp_path / "merged"
    ok("merge", sem.proposal, out, "--data", sem.data, "--out", merged)
    assert plan_json(merged)[PINS_KEY][-2:] == mine
    assert triples(merged) == (triples(sem.proposal) - triples(sem.parts["college=C01"])) | now
    # The checker holds the plan to the recorded pins: drop the required pair and it fails.
    a = pd.read_csv(out / "assignments.csv", dtype=str, encoding="utf-8-sig")
    a = a[~((a["cadre_id"] == mover["cadre_id"]) & (a["target_id"] == target))]
    a.to_csv(out / "assignments.csv", index=False, encoding="utf-8-sig")
    report = check_plan_dir(data, out)
    assert any("H6 Pins: required pin" in v for v in report.violations)


def test_a_pin_outside_the_parts_authority_is_refused(cycle: Cycle, tmp_path: Path) -> None:
    """Issue 14, item 1: a pin on a target a college may not place was "outside this plan's
    scope" and silently ignored; now it is refused, saying why (exit 2)."""
    sem = cycle.first
    data = data_of(sem.data)
    proposal = pd.read_csv(sem.proposal / "assignments.csv", dtype=str, encoding="utf-8-sig")
    c01 = data.cadres[(data.cadres["unit"] == "C01") & data.cadres["available"]].iloc[0]["id"]
    c02 = data.cadres[(data.cadres["unit"] == "C02") & data.cadres["available"]].iloc[0]["id"]
    by_central = proposal[proposal["role"].isin(["school_leader", "office_leader"])]
    by_central = by_central[by_central["target_college"] == "C01"].iloc[0]
    c02_class = data.classes[data.classes["college"] == "C02"].iloc[0]["id"]
    result = run(
        "plan", "--data", sem.data, "--scope", "college=C01", "--held", sem.proposal,
        "--require", f"{c01}:{by_central['kind']}:{by_central['target_id']}",
        "--require", f"{c02}:class:{c02_class}", "--forbid", f"{c01}:class:{c02_class}",
        "--out", tmp_path / "x",
    )  # fmt: skip
    assert result.exit_code == 2, result.stderr
    err = result.stderr
    assert err.count("outside the authority of the part of") == 3
    assert f"the proposal gives {by_central['kind']} {by_central['target_id']} to cadre" in err
    assert "ask the Student Affairs Office to adjust the central part" in err
    assert f"cadre {c02} is placed by" in err and "(C02)" in err
    assert f"class {c02_class} belongs to" in err
    assert not (tmp_path / "x").exists()


def test_contradicting_command_line_pins_exit_3(cycle: Cycle, tmp_path: Path) -> None:
    data = data_of(cycle.first.data)
    c = data.cadres[(data.cadres["unit"] == "C01") & data.cadres["available"]].iloc[0]
    k = data.classes[data.classes["college"] == "C01"].iloc[0]
    pin = f"{c['id']}:class:{k['id']}"
    result = run(
        "plan", "--data", cycle.first.data, "--scope", "college=C01", "--require", pin,
        "--forbid", pin, "--out", tmp_path / "x", "--quiet",
    )  # fmt: skip
    assert result.exit_code == 3, result.stderr
    assert "H6 Pins" in result.stderr
    assert not (tmp_path / "x").exists()


# --------------------------------------------------------------------------------------------
# Small cases: reasons for ended contacts, hard continuity, the checker's scope


def test_changes_give_rule_change_and_coverage_gain_reasons() -> None:
    ds = make_dataset(
        cadres=[cadre("P1", "professor", "C1"), cadre("P2", "professor", "C1", campus="B")],
        classes=[klass("K1", "C1", campus="B"), klass("K2", "C1")],
        previous=[("P1", "class", "K1")],
    )
    plan = solve_and_check(ds, scn(campus="hard"))
    ended = plan.changes[plan.changes["status"] == "ended"]
    assert ended["reason"].tolist() == [
        "rule change: S3 Same campus (hard in this scenario): the cadre is on A, the class on B"
    ]
    # Keeping P1 at K1 would leave K2 without a cadre (P2 may not hold it): P1 moves.
    ds = make_dataset(
        cadres=[cadre("P1", "professor", "C1"), cadre("P2", "professor", "C1")],
        classes=[klass("K1", "C1"), klass("K2", "C1")],
        dorms=[dorm("D1", "C1")],
        previous=[("P1", "class", "K1")],
        pins=[("P2", "class", "K2", "forbid")],
    )
    plan = solve_and_check(ds, Scenario())
    ended = plan.changes[plan.changes["status"] == "ended"]
    assert ended["reason"].str.startswith("coverage gain").tolist() == [True]
    assert set(plan.changes["status"]) == {"moved", "new", "ended"}


def test_continuity_can_be_made_hard() -> None:
    """With ``continuity: hard`` every contact the rules allow is kept even at a cost in
    coverage, and the checker holds the plan to it."""
    ds = make_dataset(
        cadres=[cadre("P1", "professor", "C1"), cadre("P2", "professor", "C1")],
        classes=[klass("K1", "C1"), klass("K2", "C1")],
        dorms=[dorm("D1", "C1")],
        previous=[("P1", "class", "K1")],
        pins=[("P2", "class", "K2", "forbid")],
    )
    plan = make_plan(ds, scn(continuity="hard"), deterministic=True)
    soft = make_plan(ds, scn(continuity="soft"), deterministic=True)
    assert plan.terms["continuity"].value == 1 > soft.terms["continuity"].value
    assert plan.terms["coverage"].value == 1 < soft.terms["coverage"].value
    assert check_plan(ds, scn(continuity="hard"), plan).ok
    assert not check_plan(ds, scn(continuity="hard"), soft).ok


def test_the_checker_keeps_a_part_off_the_targets_held_outside_it() -> None:
    ds = make_dataset(
        cadres=[cadre("L1", "school_leader"), cadre("P1", "professor", "C1")],
        classes=[klass("K1", "C1"), klass("K2", "C1")],
        previous=[("P1", "class", "K1")],
    )
    plan = pd.DataFrame({"cadre_id": ["L1"], "kind": ["class"], "target_id": ["K1"]})
    held = frozenset({("class", "K1")})
    report = check_assignments(ds, scn(scope="central"), plan, held=held)
    assert report.violations == [
        "scope central: class K1 is held outside this part (plan.json lists it under held)"
    ]
    assert check_assignments(ds, scn(scope="central"), plan).ok
    assert check_assignments(ds, scn(), plan.assign(cadre_id="P1"), held=held).violations == [
        "H1 One target per cadre: cadre L1 (school_leader) holds 0 targets; a school_leader holds "
        "exactly 1"
    ]


def test_the_staged_commands_use_the_proposals_data(
    cycle: Cycle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14, item 2: without --data, merge read the demo data and labelled a real college
    with a demo college's name. A part and the merge now use the proposal's data; other data
    is refused."""
    sem = cycle.first
    monkeypatch.chdir(tmp_path)  # no demo data to fall back to
    with pytest.MonkeyPatch.context() as mp:
        no_heatmaps(mp)
        ok("plan", "--scope", "college=C01", "--held", sem.proposal, "--out", "c01", "--quiet")
    merged = ok("merge", sem.proposal, "c01", "--out", "m")
    assert "Merged 1 adjusted part(s)" in merged.stdout
    assert plan_json(tmp_path / "m")["data"]["path"] == str(sem.data.resolve())
    other = run("plan", "--data", cycle.second.data, "--scope", "college=C01", "--held",
                sem.proposal, "--out", "x")  # fmt: skip
    assert other.exit_code == 2 and "was made from other data than" in other.stderr
    refused = run("merge", sem.proposal, "c01", "--data", cycle.second.data, "--out", "y")
    assert refused.exit_code == 2 and "was made from other data than" in refused.stderr
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()
