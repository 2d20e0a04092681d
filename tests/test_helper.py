"""The helper process of ``planner plan`` (:mod:`planner.report.helper`, ``render``).

The helper must change nothing but the time taken: the same files, byte for byte where the
format allows, the same errors, and a plan still written when the helper is lost.
"""

from __future__ import annotations

import errno
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
from conftest import TINY

from planner import api
from planner.dataset import Dataset, targets_in_scope
from planner.io.plan_folder import HEATMAP_FILES, WORKBOOK
from planner.plan import Plan
from planner.report import render
from planner.report.helper import Helper, HelperLost
from planner.solver.forking import ENV_SWITCH, enabled

needs_fork = pytest.mark.skipif(not enabled(), reason="the helper needs fork (Linux)")


def _disk_full() -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def _started() -> Helper:
    helper = Helper.start()
    assert helper is not None
    return helper


def _workbook_values(data: bytes) -> dict[str, list[tuple[object, ...]]]:
    """Every sheet's cell values, without the line that says when the workbook was made."""
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return {
        sheet.title: [
            row
            for row in sheet.iter_rows(values_only=True)
            if not (row and isinstance(row[0], str) and row[0].startswith("生成时间"))
        ]
        for sheet in book.worksheets
    }


# --- the helper process ------------------------------------------------------------------


_READY: list[str] = []
"""Set by :func:`_get_ready` in whichever process runs it."""


def _get_ready() -> None:
    _READY.append("ready")


def _is_ready() -> tuple[list[str], int]:
    return _READY, os.getpid()


@needs_fork
def test_the_helper_runs_its_jobs_in_turn_and_gets_ready_between_them() -> None:
    helper = _started()
    assert helper.submit(divmod, 17, 5, then=_get_ready)
    assert helper.result() == (3, 2)
    assert helper.submit(_is_ready)
    assert helper.result() == (["ready"], helper.pid)  # `then` ran there, after the answer
    assert _READY == []  # and not here
    assert helper.submit(divmod, 1, 1)
    with pytest.raises(RuntimeError, match="no result yet"):
        helper.submit(divmod, 1, 1)
    assert helper.result() == (1, 0)
    helper.close()
    assert not helper.alive


@needs_fork
def test_the_jobs_error_is_raised_in_the_main_process() -> None:
    with _started() as helper:
        assert helper.submit(_disk_full)
        with pytest.raises(OSError) as caught:
            helper.result()
    assert caught.value.errno == errno.ENOSPC  # so the writer can say "the disk is full"


@needs_fork
def test_a_lost_helper_is_reported_not_waited_for() -> None:
    with _started() as helper:
        os.kill(helper.pid, 9)
        assert helper.submit(divmod, 1, 1)  # sent by a thread: it does not block either
        with pytest.raises(HelperLost):
            helper.result()


@needs_fork
def test_an_unpicklable_job_stays_in_the_main_process() -> None:
    with _started() as helper:
        assert not helper.submit(lambda: 1)


@needs_fork
def test_a_helper_without_a_job_is_stopped_at_once() -> None:
    helper = _started()
    started = time.monotonic()
    helper.close()
    assert not helper.alive
    assert time.monotonic() - started < 2.0


def test_switched_off_by_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_SWITCH, "0")
    assert not enabled()
    assert Helper.start() is None


# --- the plan files it makes -------------------------------------------------------------


@needs_fork
def test_files_made_by_the_helper_are_the_same(tiny: Dataset, tiny_plan: Plan) -> None:
    targets = tiny.targets()
    here = render.render_files(tiny_plan, targets)
    helper = Helper.start(warm_up=render.warm_up)
    assert helper is not None
    with helper:
        made = render.Rendering(tiny_plan, targets, helper).files()
    assert list(made) == list(here) == [WORKBOOK, *HEATMAP_FILES]
    for name in HEATMAP_FILES:
        assert made[name] == here[name], name
    assert _workbook_values(made[WORKBOOK]) == _workbook_values(here[WORKBOOK])


@needs_fork
def test_files_are_made_here_when_the_helper_is_lost(tiny: Dataset, tiny_plan: Plan) -> None:
    targets = tiny.targets()
    with _started() as helper:
        os.kill(helper.pid, 9)
        made = render.Rendering(tiny_plan, targets, helper).files()
    here = render.render_files(tiny_plan, targets)
    assert list(made) == list(here)
    assert _workbook_values(made[WORKBOOK]) == _workbook_values(here[WORKBOOK])


def test_a_college_plan_charts_only_its_own_targets(tiny: Dataset) -> None:
    plan = api.solve(tiny, scope="college=C02", deterministic=True)
    assert api.check_plan(plan, tiny).ok
    own = tiny.targets()[tiny.targets()["college"] == "C02"]
    assert targets_in_scope(tiny.targets(), plan.scope, plan.held).equals(
        own.reset_index(drop=True)
    )
    figure = api.plot_campus_coverage(plan, tiny, labels="codes")
    shown = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert len(shown) == own["campus"].nunique()  # not every campus of the university


def test_targets_in_scope_leaves_held_targets_out(tiny: Dataset) -> None:
    targets = tiny.targets()
    first = targets.iloc[0]
    held = [(str(first["kind"]), str(first["id"]))]
    assert len(targets_in_scope(targets, "central", held)) == len(targets) - 1
    assert len(targets_in_scope(targets, "university", held)) == len(targets)


# --- the command ---------------------------------------------------------------------------


def _run(*args: str | Path, helper: bool) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, ENV_SWITCH: "1" if helper else "0"}
    command = [sys.executable, "-m", "planner", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)


@needs_fork
def test_planner_plan_writes_the_same_plan_with_and_without_the_helper(tmp_path: Path) -> None:
    folders = {}
    for helper in (True, False):
        out = tmp_path / f"helper-{helper}"
        done = _run("plan", "--data", TINY, "--out", out, "--deterministic", helper=helper)
        assert done.returncode == 0, done.stderr
        assert done.stdout.rstrip().endswith(f"Wrote 9 files to {out}/")  # flushed before exit
        folders[helper] = out
    names = sorted(p.name for p in folders[True].iterdir())
    assert names == sorted(p.name for p in folders[False].iterdir())
    for name in names:
        if name.endswith((".csv", ".png")):
            assert (folders[True] / name).read_bytes() == (folders[False] / name).read_bytes()
    check = _run("check", "--data", TINY, folders[True], helper=True)
    assert check.returncode == 0, check.stderr


def test_the_command_keeps_its_exit_code_and_messages(tmp_path: Path) -> None:
    """``main`` ends the process at once; the status and the last words still come out."""
    done = _run("validate", "--data", tmp_path / "nothing-here", helper=True)
    assert done.returncode == 2
    assert "nothing-here" in done.stderr
    assert _run("--help", helper=True).returncode == 0
