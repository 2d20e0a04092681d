"""The command line's exit codes (data contract §2), run in-process with click's CliRunner.

==== ==========================================================================================
code meaning (and the case tested here)
==== ==========================================================================================
0    a plan was written: ``tests/data/tiny``; the folder holds the contract's files and
     ``planner check`` passes it (a tampered copy fails, exit 1)
2    bad input or usage: a broken data set, a misspelt scenario key, a bad ``--scope``
3    the hard rules cannot all hold: a college whose cadre has no target
4    no plan in time: the demo data under hard class coverage with a duty of one or two
     targets (every cadre and class is then its own variable: CP-SAT's presolve alone takes
     seconds), with ``--time-limit 0.01``; and the same exit simulated in-process on tiny data
==== ==========================================================================================

No traceback ever reaches the user, and nothing is written when the exit code is not 0.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner, Result
from ortools.sat.python import cp_model

import planner.solver.stages
from planner.cli import cli

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data" / "tiny"
DEMO = ROOT / "data" / "demo"
BROKEN = ROOT / "tests" / "data" / "broken"
DEFAULT = ROOT / "scenarios" / "default.yaml"


def run(*args: str | Path) -> Result:
    """``planner ARGS`` in-process; stdout and stderr kept apart."""
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr
    return result


def plan(data: Path, out: Path, *extra: str | Path) -> Result:
    """``planner plan`` quietly, with the default scenario unless ``extra`` gives one."""
    scenario = () if "--scenario" in extra else ("--scenario", DEFAULT)
    return run("plan", "--data", data, "--out", out, "--quiet", *scenario, *extra)


@pytest.fixture(scope="module")
def tiny_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plan folder for ``tests/data/tiny`` (planned once for the module)."""
    out = tmp_path_factory.mktemp("cli") / "plan"
    result = run("plan", "--data", TINY, "--out", out, "--scenario", DEFAULT, "--deterministic")
    assert result.exit_code == 0, result.stderr
    assert "Wrote" in result.stdout and "Status: OPTIMAL" in result.stdout
    return out


def test_quiet_says_nothing_but_errors(tmp_path: Path) -> None:
    """Issue 14, item 10: --quiet still printed the warnings and the summary."""
    data = tmp_path / "data"
    shutil.copytree(TINY, data)
    with (data / "previous.csv").open("a", encoding="utf-8") as f:
        f.write("T404,class,CL01\n")  # a cadre who left: a warning
    loud = run("plan", "--data", data, "--out", tmp_path / "a")
    assert "warning: previous.csv" in loud.stderr and "Wrote" in loud.stdout
    quiet = run("plan", "--data", data, "--out", tmp_path / "b", "--quiet")
    assert quiet.exit_code == 0
    assert quiet.stdout == "" and quiet.stderr == ""
    assert (tmp_path / "b" / "plan.json").is_file()


def test_a_shipped_scenario_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 14, item 10: ``--scenario default`` said "no such scenario file" though the help
    shows [default] and the API takes names."""
    monkeypatch.chdir(tmp_path)
    for name in ("default", "strict-campus"):
        result = plan(TINY, tmp_path / name, "--scenario", name)
        assert result.exit_code == 0, result.stderr
        doc = json.loads((tmp_path / name / "plan.json").read_text(encoding="utf-8"))
        assert doc["scenario"]["name"] == name
    missing = plan(TINY, tmp_path / "x", "--scenario", "nope.yaml")
    assert missing.exit_code == 2 and "nope.yaml: no such scenario file" in missing.stderr


# --- exit 0 ----------------------------------------------------------------------------------


def test_plan_writes_the_contract_files(tiny_plan: Path) -> None:
    names = {p.name for p in tiny_plan.iterdir()}
    assert {"assignments.csv", "assignments.xlsx", "uncovered.csv", "plan.json"} <= names
    assert "coverage_college_kind.png" in names
    assert all(
        (tiny_plan / n).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        for n in names
        if n.endswith(".png")
    )

    raw = (tiny_plan / "assignments.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    assignments = pd.read_csv(tiny_plan / "assignments.csv", dtype=str, encoding="utf-8-sig")
    assert list(assignments.columns[:3]) == ["cadre_id", "kind", "target_id"]
    assert set(assignments["kind"]) <= {"class", "dorm", "society", "branch"}
    # Every available cadre of tiny holds one target; T006 is on leave.
    assert sorted(assignments["cadre_id"]) == [
        "T001",
        "T002",
        "T003",
        "T004",
        "T005",
        "T007",
        "T008",
    ]
    assert ("T008", "class", "CL04") in set(
        zip(assignments["cadre_id"], assignments["kind"], assignments["target_id"], strict=True)
    )  # the require pin

    assert (tiny_plan / "uncovered.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    uncovered = pd.read_csv(tiny_plan / "uncovered.csv", dtype=str, encoding="utf-8-sig")
    assert list(uncovered.columns[:3]) == ["kind", "target_id", "reason"]
    assert uncovered["reason"].str.len().min() > 0

    meta = json.loads((tiny_plan / "plan.json").read_text(encoding="utf-8"))
    for key in ("status", "objective", "bound", "gap", "solve_seconds", "scenario", "inputs"):
        assert key in meta, key
    assert meta["status"] == "OPTIMAL" and meta["gap"] == 0
    assert {"planner", "ortools"} <= set(meta["versions"])
    for table, source in meta["inputs"].items():
        digest = hashlib.sha256((TINY / f"{table}.csv").read_bytes()).hexdigest()
        assert source["sha256"] == digest, table

    book = openpyxl.load_workbook(tiny_plan / "assignments.xlsx", read_only=True)
    assert len(book.sheetnames) >= 4  # all, uncovered, changes, one per college


def test_check_passes_the_plan(tiny_plan: Path) -> None:
    result = run("check", "--data", TINY, tiny_plan)
    assert result.exit_code == 0, result.stderr
    assert "OK" in result.stdout


def test_check_fails_a_tampered_plan(tiny_plan: Path, tmp_path: Path) -> None:
    # T005 (professor of C01) now holds C02's class CL03: H3, and CL03 has two cadres.
    bad = tmp_path / "bad"
    shutil.copytree(tiny_plan, bad)
    frame = pd.read_csv(
        bad / "assignments.csv", dtype=str, encoding="utf-8-sig", keep_default_na=False
    )
    row = frame.index[frame["cadre_id"] == "T005"][0]
    frame.loc[row, ["kind", "target_id"]] = ["class", "CL03"]
    frame.to_csv(bad / "assignments.csv", index=False, encoding="utf-8-sig")
    result = run("check", "--data", TINY, bad)
    assert result.exit_code == 1
    assert "H3 Department of origin" in result.stderr and "T005" in result.stderr
    assert "H2" in result.stderr

    # A plan.json that claims a better coverage than the assignments give.
    claims = tmp_path / "claims"
    shutil.copytree(tiny_plan, claims)
    meta = json.loads((claims / "plan.json").read_text(encoding="utf-8"))
    meta["terms"]["coverage"]["value"] += 1
    (claims / "plan.json").write_text(json.dumps(meta), encoding="utf-8")
    result = run("check", "--data", TINY, claims)
    assert result.exit_code == 1
    assert "coverage" in result.stderr


def test_validate_good_data() -> None:
    result = run("validate", "--data", TINY)
    assert result.exit_code == 0, result.stderr


# --- exit 2 ----------------------------------------------------------------------------------


def test_bad_data_exit_2(tmp_path: Path) -> None:
    out = tmp_path / "plan"
    result = plan(BROKEN / "unknown_college", out)
    assert result.exit_code == 2
    assert "nothing was written" in result.stderr
    # Located as FILE:ROW:COLUMN: message.
    assert any(line.count(":") >= 3 and ".csv:" in line for line in result.stderr.splitlines())
    assert not out.exists()
    assert run("validate", "--data", BROKEN / "unknown_college").exit_code == 2


def test_missing_data_folder_exit_2(tmp_path: Path) -> None:
    result = plan(tmp_path / "nowhere", tmp_path / "plan")
    assert result.exit_code == 2
    assert "nowhere" in result.stderr


@pytest.mark.parametrize(
    ("yaml_text", "key_path"),
    [
        ("kinds:\n  class: {capp: 2}\n", "kinds.class.capp"),
        ("campus: sometimes\n", "campus"),
        ("solver: {time_limit: -1}\n", "solver.time_limit"),
        ("duties:\n  dean: {total: 1}\n", "duties"),
    ],
)
def test_bad_scenario_key_exit_2(tmp_path: Path, yaml_text: str, key_path: str) -> None:
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(yaml_text, encoding="utf-8")
    out = tmp_path / "plan"
    result = plan(TINY, out, "--scenario", scenario)
    assert result.exit_code == 2
    assert key_path in result.stderr
    assert "bad.yaml" in result.stderr
    assert not out.exists()


def test_bad_scope_exit_2(tmp_path: Path) -> None:
    result = plan(TINY, tmp_path / "plan", "--scope", "everywhere")
    assert result.exit_code == 2
    assert "scope" in result.stderr


def test_an_unknown_college_exits_2_naming_the_known_ones(tmp_path: Path) -> None:
    """Issue 14, item 5: ``--scope college=C99`` planned nothing and said "OPTIMAL … Wrote 8
    files"; a lower-case id or the college's name did the same."""
    result = plan(TINY, tmp_path / "plan", "--scope", "college=C99")
    assert result.exit_code == 2
    assert "no college 'C99' in the data (known: C01 " in result.stderr
    assert "C02 " in result.stderr
    assert not (tmp_path / "plan").exists()
    name = pd.read_csv(TINY / "colleges.csv", dtype=str).set_index("id").loc["C01", "name"]
    for written in ("c01", name):
        out = tmp_path / written
        result = plan(TINY, out, "--scope", f"college={written}")
        assert result.exit_code == 0, result.stderr
        assert json.loads((out / "plan.json").read_text(encoding="utf-8"))["scope"] == (
            "college=C01"
        )


# --- exit 3 ----------------------------------------------------------------------------------


def test_infeasible_exit_3(tmp_path: Path) -> None:
    # A new college C03 with one available professor and no class, dorm, society or branch;
    # on campus 番禺 the professor may not hold the university-level society S02 (石牌) either.
    data = tmp_path / "data"
    shutil.copytree(TINY, data)
    with (data / "colleges.csv").open("a", encoding="utf-8") as f:
        f.write("C03,历史学院,番禺\n")
    with (data / "cadres.csv").open("a", encoding="utf-8") as f:
        f.write("T009,孙丽,F,professor,C03,番禺,yes\n")
    out = tmp_path / "plan"
    result = plan(data, out)
    assert result.exit_code == 3, result.stderr
    assert "No plan can satisfy every hard rule" in result.stderr
    assert "C03" in result.stderr and "T009" in result.stderr
    assert "H1" in result.stderr
    assert not out.exists()


# --- exit 4 ----------------------------------------------------------------------------------


def test_no_plan_in_time_exit_4(tmp_path: Path) -> None:
    scenario = tmp_path / "hard.yaml"
    scenario.write_text(
        "name: hard\nduties:\n  default: {total: [1, 2]}\n"
        "kinds:\n  class: {coverage: hard, cap: 2}\n",
        encoding="utf-8",
    )
    out = tmp_path / "plan"
    result = plan(DEMO, out, "--scenario", scenario, "--time-limit", "0.01")
    assert result.exit_code == 4, result.stderr
    assert "time limit" in result.stderr
    assert not out.exists()


def test_no_plan_in_time_exit_4_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # CP-SAT stopped by its limit before any solution: status UNKNOWN. A duty range (one or
    # two targets) keeps the network-flow fast path out, so the CP-SAT answer is the only one.
    monkeypatch.setattr(
        planner.solver.stages, "run_in_thread", lambda solver, model, callback: cp_model.UNKNOWN
    )
    scenario = tmp_path / "ranges.yaml"
    scenario.write_text("name: ranges\nduties:\n  default: {total: [1, 2]}\n", encoding="utf-8")
    out = tmp_path / "plan"
    result = plan(TINY, out, "--scenario", scenario)
    assert result.exit_code == 4, result.stderr
    assert "time limit" in result.stderr
    assert not out.exists()


# --- lazy loading ---------------------------------------------------------------------------


def loaded_after(args: list[str], prefixes: tuple[str, ...], cwd: Path) -> list[str]:
    """The modules starting with one of ``prefixes`` loaded by ``planner ARGS`` (a fresh
    interpreter, run outside the project so that only the installed package is seen)."""
    code = (
        "import sys\n"
        "from planner.cli import cli\n"
        f"try:\n    cli.main({args!r}, standalone_mode=False)\n"
        "except SystemExit:\n    pass\n"
        f"print(sorted(m for m in sys.modules if m.startswith({prefixes!r})))\n"
    )
    env = {**os.environ, "PLANNER_HELPER": "0"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, env=env
    )
    assert done.returncode == 0, done.stderr
    return ast.literal_eval(done.stdout.strip().splitlines()[-1])


def test_help_loads_no_pandas(tmp_path: Path) -> None:
    heavy = ("pandas", "numpy", "ortools", "matplotlib", "openpyxl", "pydantic")
    heavy += ("sqlalchemy", "fastapi", "uvicorn", "jinja2")  # the service's commands are listed
    assert loaded_after(["--help"], heavy, tmp_path) == []


def test_validate_loads_no_cp_sat(tmp_path: Path) -> None:
    heavy = ("ortools", "matplotlib", "openpyxl", "PIL", "sqlalchemy", "fastapi")
    assert loaded_after(["validate", "--data", str(TINY)], heavy, tmp_path) == []


def test_plan_settled_by_the_flow_loads_no_cp_sat(tmp_path: Path) -> None:
    # One college: no central cadre, so the network flow settles every term (S5 is empty).
    args = ["plan", "--data", str(TINY), "--scope", "college=C01", "--quiet"]
    args += ["--scenario", str(DEFAULT), "--out", str(tmp_path / "plan")]
    assert loaded_after(args, ("ortools.sat", "matplotlib"), tmp_path) == []


# --- the data a plan was made from (issue 14, item 2) -----------------------------------------


def test_no_data_outside_the_project_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``planner plan`` without ``--data`` planned the fictitious demo university, silently,
    wherever it ran."""
    monkeypatch.chdir(tmp_path)
    for args in (["plan", "--out", "p", "--quiet"], ["validate"]):
        result = run(*args)
        assert result.exit_code == 2, result.stdout
        assert "no --data given: give --data" in result.stderr
    assert not (tmp_path / "p").exists()


def test_in_the_project_folder_no_data_is_the_demo_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    result = run("validate")
    assert result.exit_code == 0, result.stderr
    assert "note: no --data given: using data/demo, the fictitious demo university" in (
        result.stderr
    )


def test_commands_on_a_plan_use_its_own_data_and_refuse_other_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``check``, ``explain``, ``approve`` and ``merge`` on a real plan without ``--data`` read
    the demo data and reported hundreds of "unknown cadre" violations."""
    data = tmp_path / "rosters"
    shutil.copytree(TINY, data)
    out = tmp_path / "plan"
    assert plan(data, out, "--deterministic").exit_code == 0
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert doc["data"] == {"path": str(data.resolve())}
    monkeypatch.chdir(tmp_path)  # nothing to fall back to here
    assert run("check", out).exit_code == 0
    cadre = pd.read_csv(out / "assignments.csv", dtype=str)["cadre_id"].iloc[0]
    explained = run("explain", out, "--cadre", cadre, "--alternatives", "0")
    assert explained.exit_code == 0, explained.stderr
    other = run("check", "--data", DEMO, out)
    assert other.exit_code == 2
    lines = other.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert f"{out} was made from other data than {DEMO}" in lines[0]
    assert "cadres.csv" in lines[0] and f"give --data {data.resolve()}" in lines[0]
    # The data it records changed since: refused too, before anything is approved.
    with (data / "classes.csv").open("a", encoding="utf-8") as f:
        f.write("K99,新班,C01,2026,石牌,30,\n")
    changed = run("approve", out, "--by", "X")
    assert changed.exit_code == 2 and "classes.csv" in changed.stderr
    assert not (out / "approval.json").exists()
