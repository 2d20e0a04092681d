"""How fast "no plan" is explained, and what the staged protocol costs, at university size.

    .venv/bin/python benchmarks/diagnosis.py   # prints a table, writes results/diagnosis.txt

Diagnosis (issue 14, item 9): university-size data sets made infeasible in ways users meet,
each timed for the counting checks (``precheck``), the solve, and the exact diagnosis with the
counting checks bypassed (CP-SAT's core and its deletion filter, given the run's 60 s):

- ``leaders``: 45 available school leaders, 38 colleges (H4: one each), 3 university societies;
- ``kinds``: full engagement (a college leader holds one target of each kind) in a university
  where college C01 has no party branch;
- ``continuity_pin``: continuity hard and a pin on a class another cadre keeps.

Staged protocol (issue 14, item 1): the whole-university proposal, the central part and every
college's part re-planned against it without pins, and the merge, in one process.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from planner.dataset import Dataset
from planner.errors import InfeasibleError
from planner.explain import diagnose as diagnosis
from planner.explain.precheck import precheck
from planner.io.generate.files import write_tables
from planner.io.generate.tables import generate_tables
from planner.io.readers import read_dataset
from planner.planning import make_plan
from planner.scenario import Scenario, load_scenario
from planner.solver.problem import build_problem
from planner.solver.solve import solve
from planner.workflow.merge import PartPlan, merge_parts
from planner.workflow.parts import replan_part

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "results" / "diagnosis.txt"


def leaders(t: dict[str, pd.DataFrame]) -> Scenario:
    """45 available school leaders for 38 colleges and 3 university-level societies."""
    c = t["cadres"]
    central = c[c["role"].isin(["office_leader", "sao_cadre"]) & (c["available"] == "yes")]
    have = int(((c["role"] == "school_leader") & (c["available"] == "yes")).sum())
    c.loc[central.index[: 45 - have], "role"] = "school_leader"
    s = t["societies"]
    t["societies"] = s.drop(s[s["college"] == ""].index[3:])
    keep = set(t["societies"]["id"])
    p = t["previous"]
    t["previous"] = p[(p["kind"] != "society") | p["target"].isin(keep)]
    t["pins"] = t["pins"].iloc[0:0]
    return Scenario()


def kinds(t: dict[str, pd.DataFrame]) -> Scenario:
    """Full engagement where college C01 has no party branch for its college leaders."""
    b = t["branches"]
    t["branches"] = b[b["college"] != "C01"]
    gone = set(b["id"]) - set(t["branches"]["id"])
    p = t["previous"]
    t["previous"] = p[(p["kind"] != "branch") | ~p["target"].isin(gone)]
    t["pins"] = t["pins"].iloc[0:0]
    return load_scenario(ROOT / "scenarios" / "full-engagement.yaml")


def continuity_pin(t: dict[str, pd.DataFrame]) -> Scenario:
    """Continuity hard, and a pin gives a kept class to another cadre of the college."""
    c, prev = t["cadres"], t["previous"]
    ready = set(c.loc[(c["available"] == "yes") & (c["role"] == "professor"), "id"])
    row = prev[(prev["kind"] == "class") & prev["cadre"].isin(ready)].iloc[0]
    unit = c.set_index("id").loc[row["cadre"], "unit"]
    other = c[(c["unit"] == unit) & (c["role"] == "young_teacher") & (c["available"] == "yes")]
    pin = {"cadre": other.iloc[0]["id"], "kind": "class", "target": row["target"]}
    t["pins"] = pd.DataFrame([{**pin, "rule": "require"}])
    return Scenario().with_changes(continuity="hard")


CASES: dict[str, Callable[[dict[str, pd.DataFrame]], Scenario]] = {
    "leaders": leaders,
    "kinds": kinds,
    "continuity_pin": continuity_pin,
}


def timed(func: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = func()
    return time.perf_counter() - started, result


def diagnosis_rows(work: Path) -> list[str]:
    rows = ["case | precheck s | finds | solve s | exact diagnosis s (no precheck) | lines"]
    for name, make in CASES.items():
        tables = generate_tables("university", seed=1)
        scenario = make(tables)
        write_tables(tables, work / name)
        problem = build_problem(read_dataset(work / name), scenario)
        pre_s, found = timed(lambda p=problem: precheck(p))
        solve_s, solution = timed(lambda p=problem: solve(p, deterministic=True))
        real = diagnosis.precheck
        diagnosis.precheck = lambda p: []  # the CP-SAT core alone
        try:
            core_s, lines = timed(lambda p=problem: diagnosis.diagnose(p, time_limit=60.0))
        finally:
            diagnosis.precheck = real
        status = getattr(solution, "status", "?")
        rows.append(
            f"{name} | {pre_s:.3f} | {'yes' if found else 'no'} | {solve_s:.1f} ({status}) | "
            f"{core_s:.1f} | {len(lines)}"  # type: ignore[arg-type]
        )
    return rows


def staged_rows(work: Path) -> list[str]:
    rows = ["size | proposal s | parts s (central + colleges) | merge s | equal terms"]
    for preset in ("demo", "university"):
        write_tables(generate_tables(preset, seed=1), work / preset)
        rows.append(_staged(read_dataset(work / preset), preset))
    return rows


def _staged(ds: Dataset, preset: str) -> str:
    """One row: the proposal, every part re-planned without pins, the merge."""
    scenario = Scenario()
    started = time.perf_counter()
    proposal = make_plan(ds, scenario, deterministic=True)
    plan_s = time.perf_counter() - started
    scopes = ["central", *(f"college={c}" for c in sorted(ds.colleges["id"]))]
    started = time.perf_counter()
    parts = []
    for scope in scopes:
        r = replan_part(ds, scenario, proposal, scope, deterministic=True)
        parts.append(PartPlan(scope, r.plan.assignments, scope, r.base_hash))
    parts_s = time.perf_counter() - started
    started = time.perf_counter()
    merged = merge_parts(ds, scenario, proposal, parts).plan
    merge_s = time.perf_counter() - started
    equal = {k: t.value for k, t in merged.terms.items()} == {
        k: t.value for k, t in proposal.terms.items()
    }
    return (
        f"{preset} ({len(scopes)} parts) | {plan_s:.1f} | {parts_s:.1f} | {merge_s:.1f} | {equal}"
    )


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        lines = [f"(2 cores shared; load average before: {load})", ""]
        lines += ["# Diagnosis at university size", *diagnosis_rows(work), ""]
        lines += ["# The staged protocol, no pins", *staged_rows(work)]
    text = "\n".join(lines) + "\n"
    print(text)
    OUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except InfeasibleError as exc:  # a case meant to be infeasible escaped into a solve
        print("\n".join(exc.reasons))
        sys.exit(1)
