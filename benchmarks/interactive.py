"""Where a person waits: reading a workbook, re-planning after a pin, explaining a target.

Each measurement runs in a fresh process of its own (``python benchmarks/interactive.py PART
...``) and prints one JSON line; :mod:`benchmarks.run` (``make bench``, parts ``read``,
``replan`` and ``explain``) runs them and writes the figures into ``benchmarks/README.md``.
Times are wall-clock seconds of the call itself, after the libraries are imported: what a
long-lived worker (the planning service's job worker) or a notebook waits for; ``cpu_seconds``
is the process's CPU time for the same call (the solver's thread included), which is what an
idle machine would roughly give when other work shares the cores.

- ``read``: :func:`planner.io.readers.read_dataset` on the university workbook (read and
  validate every sheet), alternated with a bare ``pandas.read_excel(..., engine="calamine")``
  of all its sheets as the reference; medians of ``--repeats`` each.
- ``replan``: a warm plan of the university (:func:`planner.workflow.replan.warm_plan`), then
  re-plans each after one require pin (a college's young teacher moved to a class of that
  college held by someone else), each plan re-checked, the first plan's time as the
  reference (``runs_with_cpsat``: how many of them CP-SAT solved S5 for, not the flows);
  and a college's part re-planned against that plan (the proposal) after one pin, as the
  service's adjust step does: :func:`planner.workflow.parts.replan_part` with the
  proposal kept warm (:class:`~planner.workflow.parts.WarmParts`), the same call without it
  (cold) as the reference.
- ``explain``: :func:`planner.explain.why.explanation.explain_target` of sampled targets of a
  university plan folder, the data loaded once. The process keeps the plan indexed after the
  first target (as the service's job worker does), so the median is what each further target
  costs; ``first_seconds`` is the first one, which also reads and indexes the plan.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any


def _cpu() -> float:
    """CPU seconds of this process and of its children that have ended (an explanation solves
    its alternatives in forked processes)."""
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 3)


def read(workbook: Path, repeats: int) -> dict[str, Any]:
    """Read and validate the workbook, alternated with a bare ``read_excel`` of it."""
    import pandas as pd

    from planner.io.readers import read_dataset

    ours, bare, cpu = [], [], []
    for _ in range(repeats):
        started, used = time.perf_counter(), time.process_time()
        read_dataset(workbook)
        ours.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
        started = time.perf_counter()
        pd.read_excel(workbook, sheet_name=None, engine="calamine", dtype=str)
        bare.append(time.perf_counter() - started)
    return {
        "seconds": _median(ours),
        "cpu_seconds": _median(cpu),
        "reference_seconds": _median(bare),
        "runs": [round(r, 3) for r in ours],
    }


def _moves(plan: Any, count: int) -> list[tuple[str, str, str]]:
    """Pins that move a college's young teacher to a class of that college held by another
    cadre: the i-th teacher to the i-th class, college after college."""
    a = plan.assignments
    teachers = a[(a["role"] == "young_teacher") & (a["kind"] == "dorm")]
    classes = a[a["kind"] == "class"]
    moves = []
    for i in range(count):
        for college in sorted(set(teachers["cadre_college"].dropna())):
            mine = teachers[teachers["cadre_college"] == college]
            theirs = classes[classes["target_college"] == college]
            if i < min(len(mine), len(theirs)):
                pin = (str(mine.iloc[i]["cadre_id"]), "class", str(theirs.iloc[i]["target_id"]))
                moves.append(pin)
            if len(moves) == count:
                return moves
    return moves


def replan(data: Path, repeats: int, college: str) -> dict[str, Any]:
    """A warm university plan re-planned after one pin, ``repeats`` times; and one college's
    part re-planned against that plan (the proposal) after one pin, ``repeats`` times, warm
    (the proposal kept in the worker) and, as the reference, cold (the same call without it),
    alternated."""
    from planner import api
    from planner.workflow.parts import WarmParts, replan_part
    from planner.workflow.pins import parse_pins
    from planner.workflow.replan import warm_plan

    dataset = api.load_data(data)
    scenario = api.load_scenario("default")
    started, used = time.perf_counter(), time.process_time()
    warm = warm_plan(dataset, scenario)
    cold, cold_cpu = time.perf_counter() - started, time.process_time() - used
    runs, cpu, solved = [], [], 0
    for pin in _moves(warm.plan, repeats):
        started, used = time.perf_counter(), time.process_time()
        again = warm.replan(require=[pin])
        runs.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
        solved += _cpsat_solved(again)
    scope = f"college={college}"
    started = time.perf_counter()
    parts = WarmParts(dataset, scenario, warm.plan)
    parts.part(scope)
    part_seconds = time.perf_counter() - started
    a = warm.plan.assignments
    mine = _Assignments(a[a["cadre_unit"] == college])
    part_runs, part_cpu, cold_runs = [], [], []
    for pin in _moves(mine, repeats):
        pins = parse_pins(dataset, [":".join(pin)], [])
        started, used = time.perf_counter(), time.process_time()
        replan_part(dataset, scenario, warm.plan, scope, pins=pins, warm=parts)
        part_runs.append(time.perf_counter() - started)
        part_cpu.append(time.process_time() - used)
        started = time.perf_counter()
        replan_part(dataset, scenario, warm.plan, scope, pins=pins)
        cold_runs.append(time.perf_counter() - started)
    return {
        "cold_seconds": round(cold, 3),
        "cold_cpu_seconds": round(cold_cpu, 3),
        "seconds": _median(runs),
        "cpu_seconds": _median(cpu),
        "max_seconds": round(max(runs), 3),
        "runs": [round(r, 3) for r in runs],
        "runs_with_cpsat": solved,
        "college": college,
        "part_seconds": round(part_seconds, 3),
        "college_seconds": _median(part_runs) if part_runs else None,
        "college_p95": _p95(part_runs) if part_runs else None,
        "college_cpu_seconds": _median(part_cpu) if part_cpu else None,
        "college_runs": [round(r, 3) for r in part_runs],
        "college_cold_seconds": _median(cold_runs) if cold_runs else None,
        "college_cold_runs": [round(r, 3) for r in cold_runs],
    }


def _cpsat_solved(plan: Any) -> bool:
    """Whether CP-SAT solved the S5 (central spread) stage of the plan: a stage the flows
    settle takes 0 s."""
    return any(s["term"] == "central_spread" and s["seconds"] > 0 for s in plan.stages)


class _Assignments:
    """A plan's assignments, for :func:`_moves`."""

    def __init__(self, assignments: Any) -> None:
        self.assignments = assignments


def explain(data: Path, plan_dir: Path, samples: int) -> dict[str, Any]:
    """``explain_target`` of ``samples`` targets of the plan (every fifth class, branch and
    society, and dorms), the data loaded once."""
    import pandas as pd

    from planner import api
    from planner.explain.why.explanation import explain_target

    dataset = api.load_data(data)
    a = pd.read_csv(plan_dir / "assignments.csv", dtype=str, encoding="utf-8-sig")
    picked = a.iloc[:: max(1, len(a) // samples)].head(samples)
    runs, cpu = [], []
    for kind, target in zip(picked["kind"], picked["target_id"], strict=True):
        started, used = time.perf_counter(), _cpu()
        explain_target(dataset, plan_dir, target, kind)
        runs.append(time.perf_counter() - started)
        cpu.append(_cpu() - used)
    return {
        "seconds": _median(runs),
        "cpu_seconds": _median(cpu),
        "max_seconds": round(max(runs), 3),
        "first_seconds": round(runs[0], 3),
        "first_cpu_seconds": round(cpu[0], 3),
        "runs": [round(r, 3) for r in runs],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=["read", "replan", "explain"])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--plan", type=Path, help="plan folder (explain)")
    parser.add_argument("--college", default="C08", help="college of the part re-planned")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    if args.part == "read":
        result = read(args.data, args.repeats)
    elif args.part == "replan":
        result = replan(args.data, args.repeats, args.college)
    else:
        result = explain(args.data, args.plan, args.repeats)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
