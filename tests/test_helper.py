"""The helper process of ``planner plan`` (:mod:`planner.helper`, :mod:`planner.render`).

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

from planner import api, plot, render
from planner.dataset import Dataset, targets_in_scope
from planner.helper import ENV_SWITCH, Helper, HelperLost, enabled, run_forked
from planner.plan import Plan

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


@needs_fork
def test_the_helper_runs_one_job_and_ends() -> None:
    helper = _started()
    assert helper.submit(divmod, 17, 5)
    assert helper.result() == (3, 2)
    helper.close()
    assert not helper.alive
    with pytest.raises(RuntimeError, match="one job"):
        helper.submit(divmod, 1, 1)


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
    here = os.getpid()
    assert run_forked([os.getpid, os.getpid]) == [here, here]


@needs_fork
def test_run_forked_runs_the_later_calls_in_children() -> None:
    here = os.getpid()
    first, second, third = run_forked([os.getpid, os.getpid, os.getpid])
    assert first == here
    assert len({here, second, third}) == 3


@needs_fork
def test_run_forked_runs_a_failed_call_again_here() -> None:
    here = os.getpid()

    def only_here() -> str:
        if os.getpid() != here:
            raise RuntimeError("fails in a child")
        return "done here"

    assert run_forked([lambda: 1, only_here]) == [1, "done here"]

    def always_fails() -> None:
        raise ValueError("a real error")

    with pytest.raises(ValueError, match="a real error"):  # raised here, not swallowed
        run_forked([lambda: 1, always_fails])


# --- the plan files it makes -------------------------------------------------------------


@needs_fork
def test_files_made_by_the_helper_are_the_same(tiny: Dataset, tiny_plan: Plan) -> None:
    targets = tiny.targets()
    here = render.render_files(tiny_plan, targets)
    helper = Helper.start(warm_up=render.warm_up)
    assert helper is not None
    with helper:
        made = render.Rendering(tiny_plan, targets, helper).files()
    assert list(made) == list(here) == [render.WORKBOOK, *plot.HEATMAP_FILES]
    for name in plot.HEATMAP_FILES:
        assert made[name] == here[name], name
    assert _workbook_values(made[render.WORKBOOK]) == _workbook_values(here[render.WORKBOOK])


@needs_fork
def test_files_are_made_here_when_the_helper_is_lost(tiny: Dataset, tiny_plan: Plan) -> None:
    targets = tiny.targets()
    with _started() as helper:
        os.kill(helper.pid, 9)
        made = render.Rendering(tiny_plan, targets, helper).files()
    here = render.render_files(tiny_plan, targets)
    assert [made[name] for name in plot.HEATMAP_FILES] == [
        here[name] for name in plot.HEATMAP_FILES
    ]


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
