"""Baseline: the straightforward formulation (:mod:`planner.solver.reference`) as a command.

Reads a data set, plans it with one CP-SAT Boolean per eligible cadre–target pair under a time
limit, and writes a plan folder that ``planner check`` reads (``assignments.csv`` and a
``plan.json`` with the scenario, the status, every stage and the term values of the stages
proven optimal). Prints one JSON line with what it achieved.

    .venv/bin/python benchmarks/reference_baseline.py --data DIR --out DIR [--time-limit 120]

The time limit covers the solve stages; building the model comes on top (``build_seconds``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

STARTED = time.perf_counter()


def main(argv: list[str] | None = None) -> int:
    """Run the baseline; exit 0 when a plan was written, 3 infeasible, 4 no plan in time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="data folder or workbook")
    parser.add_argument("--scenario", default="scenarios/default.yaml", help="scenario YAML")
    parser.add_argument("--scope", default=None, help="university, central or college=ID")
    parser.add_argument("--out", required=True, help="plan folder to write")
    parser.add_argument("--time-limit", type=float, default=120.0, help="seconds for the solve")
    parser.add_argument("--workers", type=int, default=1, help="CP-SAT threads")
    args = parser.parse_args(argv)

    from planner.io.readers import read_dataset
    from planner.scenario import load_scenario
    from planner.solver.reference import reference_plan

    scenario = load_scenario(Path(args.scenario))
    if args.scope:
        scenario = scenario.with_changes(scope=args.scope)
    dataset = read_dataset(Path(args.data))
    read_seconds = time.perf_counter() - STARTED
    result = reference_plan(dataset, scenario, time_limit=args.time_limit, workers=args.workers)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    result.assignments.to_csv(out / "assignments.csv", index=False, encoding="utf-8-sig")
    strict = scenario.priorities == "strict"
    proven_terms = {
        s.term: {"value": s.value} for s in result.stages if strict and s.status == "OPTIMAL"
    }
    summary = {
        "status": result.status,
        "stages": [s.as_dict() for s in result.stages],
        "read_seconds": round(read_seconds, 3),
        "build_seconds": round(result.build_seconds, 3),
        "reference_seconds": round(result.seconds, 3),
        "pairs": result.pairs,
        "variables": result.variables,
        "time_limit": args.time_limit,
        "workers": args.workers,
    }
    meta = {**summary, "scenario": scenario.as_dict(), "terms": proven_terms, "held": []}
    (out / "plan.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False), "utf-8")
    summary["total_seconds"] = round(time.perf_counter() - STARTED, 3)
    print(json.dumps(summary))
    if result.status == "INFEASIBLE":
        return 3
    return 0 if result.status in ("OPTIMAL", "FEASIBLE") else 4


if __name__ == "__main__":
    sys.exit(main())
