"""Bad input, faults and privacy: nothing crashes, nothing is lost, nothing leaks.

What the planner guarantees (the README section of that name), each checked here end to end:

- every table missing, empty or with a repeated id is a located problem (exit 2);
- a huge cell, very long names and ids, ids stored as numbers in Excel survive or are located;
- a process killed (SIGKILL) while writing leaves no half-written plan folder;
- Ctrl-C during a solve stops at once with exit 130 and writes nothing;
- a time limit that runs out gives the best plan found (``FEASIBLE`` with its gap) or exit 4;
- a full disk, a read-only disk or a file in the way is reported in plain words;
- an approved plan is never touched;
- extra personal columns (phone numbers, ID-card numbers) never reach an output or the log.

Subprocess tests run ``python -m planner`` from the repository root, as a user would.
"""

from __future__ import annotations

import errno
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner, Result

from planner.check.checker import check_plan_dir
from planner.cli import cli
from planner.contract import TABLES
from planner.errors import InputError, OutputError
from planner.io.generate.files import write_tables
from planner.io.generate.tables import generate_tables
from planner.io.readers import CELL_LIMIT, read_dataset
from planner.plan import ASSIGNMENT_COLUMNS, CHANGE_COLUMNS, UNCOVERED_COLUMNS, Plan
from planner.planning import make_plan
from planner.report import render, write
from planner.report.write import COVERAGE_COLUMNS, write_plan
from planner.scenario import TERM_SENSE, scenario_from_dict
from planner.solver.problem import Problem

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"
TINY = DATA / "tiny"
TRICKY = DATA / "tricky"

REQUIRED = [name for name, table in TABLES.items() if table.required]
WITH_IDS = [name for name, table in TABLES.items() if any(c.name == "id" for c in table.columns)]


def copy_of(source: Path, tmp_path: Path, name: str = "data") -> Path:
    folder = tmp_path / name
    shutil.copytree(source, folder)
    return folder


def problems(path: Path) -> list[tuple[str, int, str, str]]:
    with pytest.raises(InputError) as info:
        read_dataset(path)
    return [(p.file, p.row, p.column, p.message) for p in info.value.problems]


def run_plan(*args: str) -> Result:
    """``planner plan ARGS --quiet`` in this process."""
    return CliRunner().invoke(cli, ["plan", *args, "--quiet"])


def planner_process(*args: str, **kwargs: object) -> subprocess.Popen[str]:
    """``python -m planner ARGS`` as a separate process, from the repository root."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("PLANNER_DEBUG", None)
    return subprocess.Popen(  # type: ignore[call-overload]
        [sys.executable, "-m", "planner", *args],
        cwd=REPO,
        env=env,
        text=True,
        **kwargs,
    )


def hidden(folder: Path) -> list[str]:
    """Hidden temporary or set-aside folders in ``folder``."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def assert_complete_plan(data: Path, out: Path) -> None:
    """``out`` is a whole plan: every file plan.json lists exists, and it passes the checker."""
    assert (out / "plan.json").is_file(), sorted(p.name for p in out.iterdir())
    listed = json.loads((out / "plan.json").read_text(encoding="utf-8"))["files"]
    assert set(listed) == {p.name for p in out.iterdir()}
    with zipfile.ZipFile(out / "assignments.xlsx") as book:
        assert book.testzip() is None
    report = check_plan_dir(read_dataset(data), out)
    assert report.ok, report.violations


@pytest.fixture
def no_plots(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip the heatmaps (a second of drawing per plan) where a test is not about them."""
    monkeypatch.setattr(render, "render_heatmaps", lambda *args, **kwargs: {})


@pytest.fixture(scope="module")
def tiny_plan() -> Plan:
    return make_plan(read_dataset(TINY), scenario_from_dict({}))


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file's bytes and modification time."""
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("table", REQUIRED)
def test_every_required_table_missing_is_located(tmp_path: Path, table: str) -> None:
    folder = copy_of(TINY, tmp_path)
    (folder / f"{table}.csv").unlink()
    found = problems(folder)
    assert [(f, r, c) for f, r, c, _ in found] == [("data", 0, "")]
    assert f"missing table '{table}' ({TABLES[table].alias})" in found[0][3]


@pytest.mark.parametrize("table", list(TABLES))
def test_every_table_empty_is_located(tmp_path: Path, table: str) -> None:
    folder = copy_of(TINY, tmp_path)
    (folder / f"{table}.csv").write_bytes(b"")
    assert [(f, r, c) for f, r, c, _ in problems(folder)] == [(f"{table}.csv", 0, "")]


@pytest.mark.parametrize("table", WITH_IDS)
def test_every_repeated_id_is_located(tmp_path: Path, table: str) -> None:
    folder = copy_of(TINY, tmp_path)
    lines = (folder / f"{table}.csv").read_text(encoding="utf-8").splitlines()
    last = len(lines) + 1  # the spreadsheet row of the copy
    (folder / f"{table}.csv").write_text("\n".join([*lines, lines[1]]) + "\n", encoding="utf-8")
    found = problems(folder)
    assert [(f, r, c) for f, r, c, _ in found] == [(f"{table}.csv", last, "id")]
    assert "row 2 already has it" in found[0][3]


@pytest.mark.parametrize("table", [n for n in TABLES if n != "colleges"])
def test_every_wrong_number_or_word_is_located(tmp_path: Path, table: str) -> None:
    """Each table's typed columns (words, numbers) with a wrong value in row 2."""
    typed = [c.name for c in TABLES[table].columns if c.type not in ("text", "id")]
    folder = copy_of(TINY, tmp_path)
    frame = pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)
    for column in typed:
        frame.loc[0, column] = "??"
    frame.to_csv(folder / f"{table}.csv", index=False)
    found = problems(folder)
    assert sorted(c for f, r, c, _ in found if (f, r) == (f"{table}.csv", 2)) == sorted(typed)


def test_huge_cell_is_located_not_crashed(tmp_path: Path) -> None:
    """A cell longer than a spreadsheet can hold (from a tool, not from Excel)."""
    folder = copy_of(TINY, tmp_path)
    huge = "长" * (CELL_LIMIT + 1)
    text = (folder / "classes.csv").read_text(encoding="utf-8")
    (folder / "classes.csv").write_text(text.replace("计算机2025级1班", huge), encoding="utf-8")
    [(file, row, column, message)] = problems(folder)
    assert (file, row, column) == ("classes.csv", 4, "name")
    assert message.startswith("this cell holds 32,768 characters")
    assert len(message) < 200


def test_a_long_cell_within_the_limit_is_data(tmp_path: Path) -> None:
    folder = copy_of(TINY, tmp_path)
    long = "长" * CELL_LIMIT
    text = (folder / "classes.csv").read_text(encoding="utf-8")
    (folder / "classes.csv").write_text(text.replace("计算机2025级1班", long), encoding="utf-8")
    assert long in set(read_dataset(folder).classes["name"])


def test_long_names_and_ids_go_through_a_whole_plan(tmp_path: Path) -> None:
    """Names of a thousand characters and ids of hundreds reach every output intact."""
    folder = copy_of(TINY, tmp_path)
    college_name = "文" * 1000
    cadre_name = "刘" * 500
    class_id = "CL" + "0" * 300 + "1"

    def edit(file: str, old: str, new: str) -> None:
        path = folder / file
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")

    edit("colleges.csv", "C01,文学院", f"C01,{college_name}")
    edit("cadres.csv", "T005,刘洋", f"T005,{cadre_name}")
    edit("classes.csv", "CL01", class_id)
    edit("previous.csv", "CL01", class_id)
    out = tmp_path / "plan"
    result = run_plan("--data", str(folder), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert_complete_plan(folder, out)
    assignments = pd.read_csv(out / "assignments.csv", dtype=str, keep_default_na=False)
    assert class_id in set(assignments["target_id"])
    assert cadre_name in set(assignments["cadre_name"])
    coverage = pd.read_csv(out / "coverage.csv", dtype=str, keep_default_na=False)
    assert college_name in set(coverage["college_name"])
    book = openpyxl.load_workbook(out / "assignments.xlsx", read_only=True)
    assert all(len(name) <= 31 for name in book.sheetnames)
    book.close()


@pytest.mark.usefixtures("no_plots")
def test_ids_stored_as_numbers_come_out_as_text(tmp_path: Path) -> None:
    """A workbook whose ids are numbers (some formatted ``000``), another whose numbers are
    floats: the plan shows ``007`` and ``2025020101``, never ``7`` or ``2025020101.0``."""
    plain = read_dataset(TRICKY / "plain")
    expected = {*plain.cadres["id"], *plain.targets()["id"]}
    floats = read_dataset(TRICKY / "xlsx_floats")  # the same data, every number a float
    assert {*floats.cadres["id"], *floats.targets()["id"]} == expected
    data = TRICKY / "workbook" / "book.xlsx"
    out = tmp_path / "plan"
    result = run_plan("--data", str(data), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert_complete_plan(data, out)
    frame = pd.read_csv(out / "assignments.csv", dtype=str, keep_default_na=False)
    ids = set(frame["cadre_id"]) | set(frame["target_id"])
    assert ids <= expected, ids - expected
    assert {"007", "2025020101"} <= ids
    assert not any(i.endswith(".0") for i in ids)
    book = openpyxl.load_workbook(out / "assignments.xlsx", read_only=True)
    cells = {c for row in book.worksheets[0].iter_rows(min_row=2, values_only=True) for c in row}
    book.close()
    assert {"007", "2025020101"} <= cells  # text cells, not the numbers 7 and 2025020101


# --------------------------------------------------------------------------- privacy

PHONE = "13987654321"
ID_CARD = "44010219900307123X"
EMAIL = "wang.private@example.com"


def test_extra_personal_columns_never_reach_outputs_or_logs(tmp_path: Path) -> None:
    folder = copy_of(TINY, tmp_path)
    cadres = pd.read_csv(folder / "cadres.csv", dtype=str, keep_default_na=False)
    cadres["手机号"] = [f"{PHONE[:-4]}{i:04d}" for i in range(len(cadres))]
    cadres["身份证号"] = [f"{ID_CARD[:-5]}{i:04d}X" for i in range(len(cadres))]
    cadres["email"] = EMAIL
    cadres.to_csv(folder / "cadres.csv", index=False)
    classes = pd.read_csv(folder / "classes.csv", dtype=str, keep_default_na=False)
    classes["班主任电话"] = PHONE
    classes.to_csv(folder / "classes.csv", index=False)
    secrets = {PHONE, EMAIL, *cadres["手机号"], *cadres["身份证号"]}

    out = tmp_path / "plan"
    result = CliRunner().invoke(cli, ["plan", "--data", str(folder), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert_complete_plan(folder, out)
    assert "手机号" in result.stderr  # the user is told the column is ignored
    texts = {"stdout": result.stdout, "stderr": result.stderr}
    for path in out.iterdir():
        texts[path.name] = _all_text(path)
    for name, text in texts.items():
        leaked = [s for s in secrets if s in text]
        assert not leaked, (name, leaked[:3])
        assert PHONE[:7] not in text and ID_CARD[:10] not in text, name

    expected = {
        "assignments.csv": ASSIGNMENT_COLUMNS,
        "uncovered.csv": UNCOVERED_COLUMNS,
        "changes.csv": CHANGE_COLUMNS,
        "coverage.csv": [*COVERAGE_COLUMNS, "share"],
    }
    for name, columns in expected.items():
        header = pd.read_csv(out / name, nrows=0, encoding="utf-8-sig").columns.tolist()
        assert header == columns, name


def _all_text(path: Path) -> str:
    """Everything readable in a file: a workbook's XML parts, a PNG's bytes as Latin-1."""
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as book:
            return "\n".join(book.read(n).decode("utf-8") for n in book.namelist())
    raw = path.read_bytes()
    if path.suffix == ".png":
        return raw.decode("latin-1")
    return raw.decode("utf-8-sig")


# --------------------------------------------------------------------------- faults: output


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (errno.ENOSPC, "the disk is full"),
        (errno.EROFS, "the disk is read-only"),
    ],
)
def test_write_failures_are_plain_words_and_leave_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, words: str
) -> None:
    """The disk fills up (or turns out read-only) while the workbook is being written."""

    real_write_file = write.write_file

    def fail(path: Path, data: bytes) -> None:
        if path.name != write.WORKBOOK:
            real_write_file(path, data)
            return
        path.write_bytes(b"PK half a workbook")
        raise OSError(code, os.strerror(code), str(path))

    monkeypatch.setattr(write, "write_file", fail)
    out = tmp_path / "plans" / "autumn"
    result = run_plan("--data", str(TINY), "--out", str(out))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == f"error: cannot write the plan to {out}: {words}"
    assert "Traceback" not in result.output
    assert not (tmp_path / "plans").exists()


def test_out_inside_a_file_is_plain_words(tmp_path: Path) -> None:
    """--out names a folder inside a regular file (a read-only place even for root)."""
    blocker = tmp_path / "report.txt"
    blocker.write_text("not a folder", encoding="utf-8")
    result = run_plan("--data", str(TINY), "--out", str(blocker / "plan"))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"error: cannot write the plan to {blocker / 'plan'}: "
        "a part of the path is a file, not a folder"
    )
    assert blocker.read_text(encoding="utf-8") == "not a folder"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.txt"]


def test_out_is_a_file(tmp_path: Path) -> None:
    out = tmp_path / "plan"
    out.write_text("mine", encoding="utf-8")
    result = run_plan("--data", str(TINY), "--out", str(out))
    assert result.exit_code == 1
    assert "is a file, not a folder; choose another --out" in result.stderr
    assert out.read_text(encoding="utf-8") == "mine"


@pytest.mark.usefixtures("no_plots")
def test_an_approved_plan_is_never_touched(tmp_path: Path) -> None:
    out = tmp_path / "plan"
    assert run_plan("--data", str(TINY), "--out", str(out)).exit_code == 0
    approval = {"approved_by": "学生处 王老师", "approved_at": "2026-09-01"}
    (out / "approval.json").write_text(json.dumps(approval, ensure_ascii=False), "utf-8")
    before = snapshot(out)
    for args in ([], ["--time-limit", "0"], ["--deterministic"]):
        result = CliRunner().invoke(cli, ["plan", "--data", str(TINY), "--out", str(out), *args])
        assert result.exit_code == 1
        assert "approved plan (approved by 学生处 王老师 on 2026-09-01)" in result.stderr
        assert "solving" not in result.stderr  # refused before any work
    assert snapshot(out) == before
    assert hidden(tmp_path) == []


# --------------------------------------------------------------------------- faults: solving


def test_no_plan_in_time_is_exit_4_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the time limit runs out before any plan satisfies the hard rules."""
    from planner.explain import diagnose
    from planner.solver.solution import Solution, no_plan

    def out_of_time(problem: Problem, **kwargs: object) -> Solution:
        return no_plan(problem, "UNKNOWN", 0.0)

    monkeypatch.setattr(diagnose, "solve", out_of_time)
    out = tmp_path / "plan"
    result = run_plan("--data", str(TINY), "--out", str(out), "--time-limit", "0.01")
    assert result.exit_code == 4
    assert "the time limit (0.01 s) ran out" in result.stderr
    assert "try a longer --time-limit" in result.stderr
    assert not out.exists() and hidden(tmp_path) == []


@pytest.mark.usefixtures("no_plots")
def test_a_time_limit_that_runs_out_gives_the_best_plan_and_its_gap(tmp_path: Path) -> None:
    """No time at all: the first plan found (by the network flow, which keeps every hard rule
    here) is written as FEASIBLE, with its gap, and passes the independent checker."""
    out = tmp_path / "plan"
    result = run_plan("--data", str(TINY), "--out", str(out), "--time-limit", "0")
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert doc["status"] == "FEASIBLE"
    assert isinstance(doc["gap"], float) and doc["gap"] >= 0
    assert result.stdout == ""  # --quiet
    assert_complete_plan(TINY, out)


def test_no_time_left_never_passes_off_a_plan_that_breaks_a_hard_rule(tmp_path: Path) -> None:
    """Regression: with the time limit spent, the network flow's hint (which broke H4: four
    school leaders, two colleges) was returned as the plan; the command's own check caught it
    and reported an internal error (exit 1). Now CP-SAT gets its last moment: exit 3 (it
    proves the rules contradict each other) or 4 (no plan in time), nothing written."""
    folder = copy_of(TINY, tmp_path)
    with (folder / "cadres.csv").open("a", encoding="utf-8") as f:
        for i in (9, 10, 11):
            f.write(f"T0{i:02d},校领导{i},M,school_leader,校长办公室,石牌,yes\n")
    out = tmp_path / "plan"
    result = run_plan("--data", str(folder), "--out", str(out), "--time-limit", "0")
    assert result.exit_code in (3, 4), result.output
    assert "internal error" not in result.stderr
    assert not out.exists()


@pytest.fixture(scope="module")
def university(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Half a university (19 colleges, 1,500 cadres, 4,250 dorm rooms)."""
    folder = tmp_path_factory.mktemp("university") / "data"
    write_tables(generate_tables("university", seed=3, scale=0.5), folder)
    return folder


SLOW_SCENARIO = """\
name: slow
priorities: weighted
kinds: {dorm: {coverage: soft, min: 1, cap: 1, weight: 1}}
dorm_gender: soft
weights: {coverage: 1000, continuity: 10, campus: 3, dorm_gender: 7, dorm_priority: 1,
          central_spread: 5}
"""
"""A scenario whose CP-SAT search on that data takes a few seconds."""


def test_ctrl_c_during_a_solve_stops_at_once_and_writes_nothing(
    tmp_path: Path, university: Path
) -> None:
    scenario = tmp_path / "slow.yaml"
    scenario.write_text(SLOW_SCENARIO, encoding="utf-8")
    out = tmp_path / "plans" / "slow"
    proc = planner_process(
        "plan",
        "--data",
        str(university),
        "--scenario",
        str(scenario),
        "--out",
        str(out),
        "--time-limit",
        "600",
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert proc.stderr is not None
        lines = []
        for line in proc.stderr:  # wait until CP-SAT is searching
            lines.append(line)
            if line.startswith("solving: weighted"):
                break
        else:
            pytest.fail("the solve never started: " + "".join(lines[-5:]))
        time.sleep(0.3)
        assert proc.poll() is None, "the solve ended before it could be interrupted"
        proc.send_signal(signal.SIGINT)
        sent = time.perf_counter()
        stdout, stderr = proc.communicate(timeout=60)
        stopped = time.perf_counter() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, stderr
    assert stderr.rstrip().splitlines()[-1] == "Interrupted; nothing was written."
    assert "Traceback" not in stderr and stdout == ""
    # Liveness, not speed: the search stops within about a second; 5 s allows a busy machine.
    assert stopped < 5, f"took {stopped:.1f} s to stop"
    assert not out.exists()
    assert not (tmp_path / "plans").exists() or hidden(tmp_path / "plans") == []


def test_a_second_run_into_the_same_folder_stops_with_a_message(
    tmp_path: Path, university: Path
) -> None:
    """Issue 14, item 8: two ``planner plan`` runs into one ``--out`` both said "Wrote 9
    files"; the later silently replaced the first. The second now stops at once, and a run
    killed outright holds the folder no longer."""
    scenario = tmp_path / "slow.yaml"
    scenario.write_text(SLOW_SCENARIO, encoding="utf-8")
    out = tmp_path / "plans" / "slow"
    proc = planner_process(
        "plan", "--data", str(university), "--scenario", str(scenario), "--out", str(out),
        "--time-limit", "600", stderr=subprocess.PIPE, stdout=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert proc.stderr is not None
        for line in proc.stderr:  # wait until the first run is solving
            if line.startswith("solving:"):
                break
        second = run_plan("--data", str(TINY), "--out", str(out))
        assert second.exit_code == 1, second.stdout
        assert (
            f"another planner run is writing the plan to {out}; wait until it has finished, "
            "or choose another --out"
        ) in second.stderr
        assert "Wrote" not in second.stdout
        assert proc.poll() is None  # the first run goes on
    finally:
        proc.kill()
        proc.wait()
    third = run_plan("--data", str(TINY), "--out", str(out))
    assert third.exit_code == 0, third.stderr
    assert hidden(tmp_path / "plans") == []


@pytest.mark.usefixtures("no_plots")
def test_killed_while_writing_leaves_a_whole_plan_or_none(tmp_path: Path) -> None:
    """SIGKILL at random moments while plans are written: a new plan folder, a plan replacing
    a previous one. Afterwards each --out is the previous plan (untouched), the new one
    (complete), or absent, never half a plan; the next run clears what the killed one left."""
    previous = tmp_path / "previous"
    assert run_plan("--data", str(TINY), "--out", str(previous), "--seed", "1").exit_code == 0
    before = snapshot(previous)
    rng = random.Random(8)
    runs = []
    # The write takes a few hundredths of a second (the helper makes the workbook and the
    # heatmaps meanwhile), so the kills come within that, on four runs.
    for i, replace in enumerate([False, True, False, True]):
        out = tmp_path / f"plan{i}"
        if replace:
            shutil.copytree(previous, out)
        proc = planner_process(
            "plan",
            "--data",
            str(TINY),
            "--out",
            str(out),
            "--quiet",
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        runs.append((proc, out, replace, rng.uniform(0.0, 0.03)))
    killed_mid_write = 0
    try:
        pending = list(runs)
        deadline = time.monotonic() + 120
        while pending and time.monotonic() < deadline:
            for run in list(pending):
                proc, out, _, delay = run
                if proc.poll() is not None:
                    pending.remove(run)
                    continue
                temps = [n for n in hidden(tmp_path) if n.startswith(f".{out.name}.")]
                if temps:
                    time.sleep(delay)
                    proc.send_signal(signal.SIGKILL)
                    proc.wait()
                    killed_mid_write += proc.returncode == -signal.SIGKILL
                    pending.remove(run)
            time.sleep(0.002)
    finally:
        for proc, *_ in runs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert killed_mid_write >= 1

    for _, out, replace, _ in runs:
        if replace and snapshot(out) == before:
            continue  # killed before the swap: the previous plan, untouched
        if out.exists():
            assert_complete_plan(TINY, out)
    visible = {p.name for p in tmp_path.iterdir() if not p.name.startswith(".")}
    assert visible <= {"previous", *(out.name for _, out, _, _ in runs)}

    # The next run for an --out clears the hidden folders a killed run left next to it.
    for _, out, _, _ in runs:
        if any(n.startswith(f".{out.name}.") for n in hidden(tmp_path)):
            assert run_plan("--data", str(TINY), "--out", str(out)).exit_code == 0
            assert_complete_plan(TINY, out)
    assert hidden(tmp_path) == []


@pytest.mark.usefixtures("no_plots")
def test_a_plan_cut_short_still_reports_its_objective(tmp_path: Path) -> None:
    """Regression: a weighted plan cut short before its stage reported objective 0."""
    scenario = tmp_path / "weighted.yaml"
    scenario.write_text(
        "name: weighted\npriorities: weighted\nweights: {coverage: 100, continuity: 10}\n",
        encoding="utf-8",
    )
    out = tmp_path / "plan"
    result = run_plan(
        "--data", str(TINY), "--scenario", str(scenario), "--out", str(out), "--time-limit", "0"
    )
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert doc["status"] == "FEASIBLE"
    weights = {"coverage": 100, "continuity": 10}
    expected = sum(TERM_SENSE[t] * w * doc["terms"][t]["value"] for t, w in weights.items())
    assert doc["objective"] == expected


# --------------------------------------------------------------------------- leftovers


def _dead_pid() -> int:
    """The id of a process that has ended."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.mark.usefixtures("no_plots")
def test_the_next_write_clears_what_a_killed_run_left(tmp_path: Path, tiny_plan: Plan) -> None:
    out = tmp_path / "plan"
    dead, alive = _dead_pid(), os.getppid()
    abandoned = tmp_path / f".plan.{dead}.0badf00d"
    old_aside = tmp_path / f".plan.old.{dead}.0badf00d"
    running = tmp_path / f".plan.{alive}.1badf00d"
    ancient = tmp_path / f".plan.{alive}.2badf00d"
    strangers = [tmp_path / ".plan.notes", tmp_path / ".plan2.123.0badf00d", tmp_path / ".git"]
    for folder in (abandoned, old_aside, running, ancient, *strangers):
        folder.mkdir()
        (folder / "assignments.csv").write_text("half", encoding="utf-8")
    os.utime(ancient, (time.time() - write.STALE_SECONDS - 60,) * 2)

    write_plan(tiny_plan, out)
    assert_complete_plan(TINY, out)
    assert hidden(tmp_path) == sorted(p.name for p in [running, *strangers])


@pytest.mark.usefixtures("no_plots")
def test_a_plan_set_aside_by_a_killed_run_is_put_back(
    tmp_path: Path, tiny_plan: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed between setting the previous plan aside and moving the new one in: the next run
    puts the previous plan back first, so it survives even when that run fails too."""
    out = tmp_path / "plan"
    write_plan(tiny_plan, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    out.rename(tmp_path / f".plan.old.{_dead_pid()}.0badf00d")

    def disk_full(path: Path, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(write, "write_file", disk_full)
    with pytest.raises(OutputError, match="the disk is full"):
        write_plan(tiny_plan, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert hidden(tmp_path) == []
