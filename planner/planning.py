"""From a data set and a scenario to a :class:`~planner.plan.Plan`: the main job.

``make_plan`` = build the indexed problem → solve → hand out concrete pairs → describe the plan
(assignments, uncovered targets with reasons, changes against last semester, coverage by
college × kind, every objective term recomputed from the pairs, not from the solver).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.dataset import Dataset, Pair
from planner.explain.capacity import capacity_notes, central_available, college_capacity
from planner.explain.diagnose import solve_explained
from planner.explain.reasons import uncovered_targets
from planner.plan import (
    CHANGE_COLUMNS,
    MERGED_STATUS,
    Plan,
    TermValue,
)
from planner.scenario import TERM_LABELS, TERM_SENSE, TERMS, Scenario
from planner.solver.decompose import decompose
from planner.solver.eligibility import pair_frame, why_not
from planner.solver.pairs import assignment_table, covered_mask, term_values
from planner.solver.problem import Problem, build_problem
from planner.solver.solve import Progress, Solution


def make_plan(
    dataset: Dataset,
    scenario: Scenario,
    *,
    held: frozenset[Pair] = frozenset(),
    time_limit: float | None = None,
    workers: int | None = None,
    seed: int | None = None,
    deterministic: bool = False,
    progress: Progress | None = None,
) -> Plan:
    """Plan ``dataset`` under ``scenario`` (see :func:`planner.solver.solve.solve`)."""
    problem = build_problem(dataset, scenario, held)
    solution = solve_explained(
        problem,
        time_limit=time_limit,
        workers=workers,
        seed=seed,
        deterministic=deterministic,
        progress=progress,
    )
    pairs = decompose(problem, solution.y, solution.keep)
    return describe(problem, solution, pairs)


def describe(problem: Problem, solution: Solution, pairs: pd.DataFrame) -> Plan:
    """Build the plan's frames and figures from concrete pairs."""
    ds = problem.dataset
    assignments = assignment_table(problem, pairs)
    coverage = _coverage(problem, assignments)
    capacity = college_capacity(ds, problem.scenario)
    uncovered = uncovered_targets(
        problem, covered_mask(problem, assignments), capacity, assignments
    )
    changes = _changes(problem, assignments)
    terms = _terms(problem, assignments, solution)
    # The weighted objective from the plan itself, so it is right even when a time limit
    # stopped the solver before a stage reported one.
    objective = float(
        sum(TERM_SENSE[t] * problem.scenario.weight(t) * terms[t].value for t in _counted(problem))
    )
    bound = solution.bound if solution.stages else objective
    if solution.status == "OPTIMAL":
        bound = objective
    return Plan(
        status=solution.status,
        assignments=assignments,
        uncovered=uncovered,
        changes=changes,
        terms=terms,
        objective=objective,
        bound=bound,
        gap=_gap(objective, bound) if solution.status != "OPTIMAL" else 0.0,
        solve_seconds=solution.seconds,
        scenario=problem.scenario.as_dict(),
        scope=problem.scope,
        coverage=coverage,
        capacity=capacity_notes(capacity, central_available(ds)),
        warnings=list(ds.warnings),
        inputs={
            name: {"file": src.display, "sha256": src.sha256} for name, src in ds.sources.items()
        },
        stages=[s.as_dict() for s in solution.stages],
        held=sorted(problem.held),
    )


def _coverage(problem: Problem, assignments: pd.DataFrame) -> pd.DataFrame:
    t = problem.targets.assign(covered=covered_mask(problem, assignments))
    t["college"] = t["college"].fillna("(university)")
    grouped = t.groupby(["college", "kind"]).agg(targets=("id", "size"), covered=("covered", "sum"))
    names = problem.dataset.colleges.set_index("id")
    out = grouped.reset_index()
    out["college_name"] = out["college"].map(names["name"]).fillna("全校 (university)")
    out["campus"] = out["college"].map(names["campus"]).fillna("")
    out["covered"] = out["covered"].astype(int)
    return out[["college", "college_name", "campus", "kind", "targets", "covered"]]


def _changes(problem: Problem, assignments: pd.DataFrame) -> pd.DataFrame:
    """Kept, moved, new and ended contacts against ``previous``, each with a reason."""
    p = problem
    ds = p.dataset
    prev = ds.previous[_answers_for(p)]
    names = dict(zip(ds.cadres["id"].tolist(), ds.cadres["name"].tolist(), strict=True))
    available = dict(zip(ds.cadres["id"].tolist(), ds.cadres["available"].tolist(), strict=True))
    now = set(
        zip(
            assignments["cadre_id"].tolist(),
            assignments["kind"].tolist(),
            assignments["target_id"].tolist(),
            strict=True,
        )
    )
    holding: dict[str, list[tuple[str, str]]] = {}
    for cid, kind, tid in zip(
        assignments["cadre_id"].tolist(),
        assignments["kind"].tolist(),
        assignments["target_id"].tolist(),
        strict=True,
    ):
        holding.setdefault(cid, []).append((kind, tid))
    in_scope_cadres = set(p.cadres["id"])
    targets = ds.targets().set_index(["kind", "id"])
    target_keys = set(targets.index)
    scope_keys = set(zip(p.targets["kind"].tolist(), p.targets["id"].tolist(), strict=True))
    forbidden = {
        (cid, k, tid): r
        for cid, k, tid, r in zip(
            ds.pins["cadre"].tolist(),
            ds.pins["kind"].tolist(),
            ds.pins["target"].tolist(),
            ds.pins["rule"].tolist(),
            strict=True,
        )
        if r == "forbid"
    }
    cadre_rows = ds.cadres.set_index("id")
    # Pairs every single-pair rule still allows (the model's keep candidates).
    may_continue = set(
        zip(
            p.cadres["id"].to_numpy()[p.keeps["cadre"].to_numpy(int)],
            p.keeps["kind"].tolist(),
            p.targets["id"].to_numpy()[p.keeps["target"].to_numpy(int)],
            strict=True,
        )
    )
    rows = []
    for r in prev.to_dict("records"):
        key = (r["cadre"], r["kind"], r["target"])
        if key in now:
            rows.append(
                (
                    *key[:1],
                    names.get(r["cadre"], ""),
                    r["kind"],
                    r["target"],
                    "kept",
                    "same contact as last semester",
                )
            )
            continue
        if r["cadre"] not in names:
            why = "the cadre has left (not on the roster)"
        elif not available[r["cadre"]]:
            why = "the cadre is on leave (在岗 = 否)"
        elif (r["kind"], r["target"]) not in target_keys:
            why = f"the {r['kind']} no longer exists" + (
                " (class graduated)" if r["kind"] == "class" else ""
            )
        elif (r["kind"], r["target"]) in p.held and r["cadre"] in in_scope_cadres:
            why = (
                f"the {r['kind']} is held by the approved central plan"
                if p.scope.startswith("college=")
                else f"the {r['kind']} is left to its college's plan"
            )
        elif r["cadre"] not in in_scope_cadres or (r["kind"], r["target"]) not in scope_keys:
            why = "outside this plan's scope"
        elif key in forbidden:
            why = "forbidden by a pin"
        elif p.scenario.continuity == "off":
            why = "the scenario does not keep last semester's contacts"
        elif key in may_continue:
            now_words = ", ".join(f"{k} {i}" for k, i in holding.get(r["cadre"], [])) or "nothing"
            why = f"coverage gain: moved so that more targets hold a cadre (now holds {now_words})"
        else:
            c = cadre_rows.loc[r["cadre"]]
            t = targets.loc[(r["kind"], r["target"])]
            pair = pair_frame(
                pd.DataFrame(
                    [
                        {
                            "role": c["role"],
                            "college": c["college"],
                            "campus": c["campus"],
                            "gender": c["gender"],
                        }
                    ]
                ),
                pd.DataFrame(
                    [
                        {
                            "kind": r["kind"],
                            "college": t["college"],
                            "campus": t["campus"],
                            "gender": t["gender"],
                        }
                    ]
                ),
            ).iloc[0]
            blocked = why_not(pair, p.scenario)
            if blocked:
                why = "rule change: " + "; ".join(blocked)
            else:
                new = holding.get(r["cadre"], [])
                now_words = ", ".join(f"{k} {i}" for k, i in new) or "nothing"
                why = (
                    "coverage gain: moved so that more targets hold a cadre "
                    f"(now holds {now_words})"
                )
        rows.append((r["cadre"], names.get(r["cadre"], ""), r["kind"], r["target"], "ended", why))
    had_previous = set(prev["cadre"])
    for a in assignments[~assignments["kept"]].itertuples(index=False):
        if a.cadre_id in had_previous:
            rows.append(
                (
                    a.cadre_id,
                    a.cadre_name,
                    a.kind,
                    a.target_id,
                    "moved",
                    "holds a new target; last semester's contact ended (see its row)",
                )
            )
        else:
            rows.append(
                (a.cadre_id, a.cadre_name, a.kind, a.target_id, "new", "no contact last semester")
            )
    frame = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    status_order = {"kept": 0, "moved": 1, "new": 2, "ended": 3}
    frame = frame.assign(_s=frame["status"].map(status_order))
    return (
        frame.sort_values(["_s", "cadre_id", "kind", "target_id"])
        .drop(columns="_s")
        .reset_index(drop=True)
    )


def _answers_for(problem: Problem) -> np.ndarray:
    """The ``previous`` rows a plan answers for in its changes: all of them for the
    university; for a central or college scope, its own cadres' contacts (on leave or not) and
    contacts at its targets of cadres no longer on the roster (the rest is another plan's)."""
    ds = problem.dataset
    prev = ds.previous
    if problem.scope == "university":
        return np.ones(len(prev), dtype=bool)
    roster = ds.cadres
    if problem.scope == "central":
        own = roster["central"]
    else:
        own = ~roster["central"] & (roster["unit"] == problem.scope.split("=", 1)[1])
    mine = prev["cadre"].isin(roster.loc[own, "id"])
    targets = problem.targets
    keys = pd.Series(
        list(zip(prev["kind"].tolist(), prev["target"].tolist(), strict=True)), index=prev.index
    )
    at_mine = keys.isin(set(zip(targets["kind"].tolist(), targets["id"].tolist(), strict=True)))
    gone = ~prev["cadre"].isin(roster["id"])
    return (mine | (gone & at_mine)).to_numpy(bool)


def _counted(problem: Problem) -> list[str]:
    """The terms the scenario counts in its objective."""
    s = problem.scenario
    counted = {
        "coverage": any(r.coverage != "off" and r.weight > 0 for r in s.kinds.values()),
        "continuity": s.continuity == "soft",
        "campus": s.campus == "soft",
        "dorm_gender": s.dorm_gender == "soft",
        "dorm_priority": True,
        "central_spread": bool(problem.cadres["central"].any()),
    }
    return [t for t in TERMS if counted[t]]


def _gap(objective: float, bound: float) -> float:
    """Relative gap between a (maximised) objective and its bound."""
    return abs(bound - objective) / max(abs(bound), abs(objective), 1.0)


def _terms(problem: Problem, assignments: pd.DataFrame, solution: Solution) -> dict[str, TermValue]:
    values = term_values(problem, assignments)
    stage_of = {s.term: s for s in solution.stages}
    out = {}
    for name in TERMS:
        stage = stage_of.get(name)
        out[name] = TermValue(
            name=name,
            label=TERM_LABELS[name],
            sense=TERM_SENSE[name],
            value=values[name],
            bound=stage.bound if stage else None,
            optimal=bool(stage and stage.status == "OPTIMAL"),
        )
    return out


def plan_from_assignments(
    dataset: Dataset,
    scenario: Scenario,
    assignments: pd.DataFrame,
    *,
    held: frozenset[Pair] = frozenset(),
    status: str = MERGED_STATUS,
) -> Plan:
    """A :class:`~planner.plan.Plan` describing given assignments, without solving.

    Every frame (assignments, uncovered with reasons, changes, coverage) and every term is
    computed from the pairs exactly as for a solved plan. There is no proven bound: ``bound``
    and ``gap`` are NaN (``null`` in ``plan.json``). Every ``(cadre_id, kind, target_id)`` must
    name an available cadre and a target of ``scenario.scope`` (check first).
    """
    problem = build_problem(dataset, scenario, held)
    cadre_index = pd.Series(problem.cadres.index, index=problem.cadres["id"].to_numpy())
    target_index = pd.Series(
        problem.targets.index,
        index=pd.Index(
            list(zip(problem.targets["kind"], problem.targets["id"], strict=True)),
            tupleize_cols=False,
        ),
    )
    keys = pd.Series(
        list(zip(assignments["kind"], assignments["target_id"], strict=True)), dtype=object
    )
    cadre = assignments["cadre_id"].reset_index(drop=True).map(cadre_index)
    target = keys.map(target_index)
    missing = cadre.isna() | target.isna()
    if missing.any():
        row = assignments.reset_index(drop=True)[missing.to_numpy()].iloc[0]
        raise ValueError(
            f"cadre {row['cadre_id']} / {row['kind']} {row['target_id']} is not in scope "
            f"{scenario.scope}"
        )
    pairs = pd.DataFrame({"cadre": cadre.astype(int), "target": target.astype(int)})
    solution = Solution(
        y=np.zeros(0, dtype=np.int64),
        keep=np.zeros(0, dtype=np.int64),
        status=status,
        objective=0.0,
        bound=float("nan"),
    )
    plan = describe(problem, solution, pairs)
    plan.objective = float(
        sum(TERM_SENSE[n] * scenario.weight(n) * t.value for n, t in plan.terms.items())
    )
    plan.bound = float("nan")
    plan.gap = float("nan")
    return plan
