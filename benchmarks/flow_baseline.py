"""Baseline: a min-cost-flow relaxation of the same rules, end to end.

Reads the data with :func:`planner.io.readers.read_dataset`, builds one arc per eligible
cadre–target pair (:func:`planner.solver.reference.eligible_pairs`: H3, H5, the hard campus rule and
``forbid`` pins), and solves one OR-Tools ``SimpleMinCostFlow``:

    cadre (supply 1) --pair arc, cap 1--> target --cap of its kind--> sink

H1 (exactly one target each) is the supply, H2 the target caps, ``require`` pins keep only the
pinned arc. The soft terms coverage, continuity, campus (when soft), dorm gender (when soft) and
dorm priority are one lexicographic integer cost per arc (each term's multiplier exceeds all
that lower terms can add up to). **H4 (school-leader spread) and S5 (central spread) are
dropped**: this is a relaxation, its plan may break H4 (``planner check`` says so). Writes
``assignments.csv`` and a ``plan.json`` (the scenario as applied, so ``planner check`` can
re-check it) and prints one JSON line with its timings.

    .venv/bin/python benchmarks/flow_baseline.py --data DIR --out DIR
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

STARTED = time.perf_counter()

INT_LIMIT = 2**62
"""Largest cost × node count the flow may see (int64 arithmetic inside OR-Tools)."""

LINEAR_TERMS = ("coverage", "continuity", "campus", "dorm_gender", "dorm_priority")


def main(argv: list[str] | None = None) -> int:
    """Run the relaxation; exit 0 with a plan, 2 on a scenario it cannot express, 3 no flow."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="data folder or workbook")
    parser.add_argument("--scenario", default="scenarios/default.yaml", help="scenario YAML")
    parser.add_argument("--scope", default=None, help="university, central or college=ID")
    parser.add_argument("--out", required=True, help="plan folder to write")
    args = parser.parse_args(argv)

    import numpy as np
    from ortools.graph.python import min_cost_flow

    from planner.contract import KINDS, Kind
    from planner.io.readers import read_dataset
    from planner.scenario import TERM_SENSE, load_scenario
    from planner.solver.reference import eligible_pairs, pair_codes

    scenario = load_scenario(Path(args.scenario))
    if args.scope:
        scenario = scenario.with_changes(scope=args.scope)
    dataset = read_dataset(Path(args.data))
    read_seconds = time.perf_counter() - STARTED

    t0 = time.perf_counter()
    cadres, targets, pairs = eligible_pairs(dataset, scenario)
    for role in set(cadres["role"]):
        duty = scenario.duty(role)
        total = duty.total_range()
        if (total.min, total.max) != (1, 1) or any(duty.kind_range(k).min for k in KINDS):
            print(f"role {role}: the flow relaxation needs exactly one target per cadre")
            return 2
    if any(r.min != 1 or r.coverage == "hard" for r in scenario.kinds.values()):
        print("the flow relaxation needs coverage minimums of 1 and no hard coverage")
        return 2
    if scenario.continuity == "hard":
        print("the flow relaxation cannot keep hard continuity")
        return 2

    n_cadres, n_targets = len(cadres), len(targets)
    tails = pairs["cidx"].to_numpy(np.int64)
    heads = pairs["tidx"].to_numpy(np.int64)

    # Require pins: the pinned cadre keeps only its pinned arc; no one else takes the target.
    pins = dataset.pins[dataset.pins["rule"] == "require"]
    keep = np.ones(len(pairs), dtype=bool)
    for code in pair_codes(cadres, targets, pins["cadre"], pins["kind"], pins["target"]):
        c, t = divmod(int(code), n_targets)
        keep &= (tails == c) == (heads == t)
    pairs, tails, heads = pairs[keep].reset_index(drop=True), tails[keep], heads[keep]

    # Soft terms as per-arc coefficients (maximised terms get a negative cost).
    counted = {k.value: r.coverage != "off" and r.weight > 0 for k, r in scenario.kinds.items()}
    weight = {k.value: r.weight if counted[k.value] else 0 for k, r in scenario.kinds.items()}
    target_kind = targets["kind"].to_numpy(object)
    target_weight = np.array([weight[k] for k in target_kind], dtype=np.int64)
    target_rank = np.where(target_kind == Kind.DORM.value, targets["rank"], 0).astype(np.int64)
    prev = dataset.previous
    kept = pair_codes(cadres, targets, prev["cadre"], prev["kind"], prev["target"])
    coef = {
        "coverage": target_weight[heads],
        "continuity": np.isin(tails * n_targets + heads, kept).astype(np.int64),
        "campus": pairs["cross_campus"].to_numpy(np.int64),
        "dorm_gender": pairs["gender_mismatch"].to_numpy(np.int64),
        "dorm_priority": target_rank[heads],
    }
    active = {
        "coverage": any(counted.values()),
        "continuity": scenario.continuity == "soft",
        "campus": scenario.campus == "soft",
        "dorm_gender": scenario.dorm_gender == "soft",
        "dorm_priority": True,
    }
    terms = [t for t in scenario.order if t in LINEAR_TERMS and active[t]]
    n_nodes = n_cadres + n_targets + 1
    if scenario.priorities == "weighted":
        cost = sum(
            (-TERM_SENSE[t] * scenario.weight(t) * coef[t] for t in terms),
            np.zeros(len(pairs), dtype=np.int64),
        )
    else:
        # Exact multipliers: drop the lowest terms while the composite cost could overflow.
        while True:
            multiplier, below = {}, 0
            for term in reversed(terms):
                multiplier[term] = below + 1
                below += multiplier[term] * n_cadres * int(np.abs(coef[term]).max(initial=0))
            if (below + 1) * n_nodes < INT_LIMIT or not terms:
                break
            terms = terms[:-1]
        cost = sum(
            (-TERM_SENSE[t] * multiplier[t] * coef[t] for t in terms),
            np.zeros(len(pairs), dtype=np.int64),
        )
    caps = targets["kind"].map(lambda k: scenario.kinds[Kind(k)].cap).to_numpy(np.int64)
    sink = n_cadres + n_targets
    all_tails = np.concatenate([tails, n_cadres + np.arange(n_targets)])
    all_heads = np.concatenate([n_cadres + heads, np.full(n_targets, sink)])
    all_caps = np.concatenate([np.ones(len(tails), dtype=np.int64), caps])
    all_costs = np.concatenate([cost, np.zeros(n_targets, dtype=np.int64)])
    supplies = np.zeros(n_nodes, dtype=np.int64)
    supplies[:n_cadres] = 1
    supplies[sink] = -n_cadres
    build_seconds = time.perf_counter() - t0

    t0 = time.perf_counter()
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        all_tails.astype(np.int32), all_heads.astype(np.int32), all_caps, all_costs
    )
    flow.set_nodes_supplies(np.arange(n_nodes, dtype=np.int32), supplies)
    status = flow.solve()
    solve_seconds = time.perf_counter() - t0
    if status != flow.OPTIMAL:
        print(json.dumps({"status": f"no flow (OR-Tools status {status})"}))
        return 3
    amounts = flow.flows(np.arange(len(tails), dtype=np.int32))
    chosen = pairs.loc[amounts > 0, ["cadre_id", "kind", "target_id"]]

    t0 = time.perf_counter()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    chosen.to_csv(out / "assignments.csv", index=False, encoding="utf-8-sig")
    values = {t: int(coef[t][amounts > 0].sum()) for t in terms}
    summary = {
        "status": "OPTIMAL",
        "relaxation": "H4 and S5 dropped",
        "terms_optimised": terms,
        "values": values,
        "arcs": len(pairs),
        "read_seconds": round(read_seconds, 3),
        "build_seconds": round(build_seconds, 3),
        "solve_seconds": round(solve_seconds, 3),
    }
    meta = {**summary, "scenario": scenario.as_dict(), "held": []}
    (out / "plan.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False), "utf-8")
    summary["write_seconds"] = round(time.perf_counter() - t0, 3)
    summary["total_seconds"] = round(time.perf_counter() - STARTED, 3)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
