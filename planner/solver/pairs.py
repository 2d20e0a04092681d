"""Concrete pairs as the plan's tables: the assignments frame, who holds each target, and
every objective term recomputed from the pairs (no solver involved).

The plan (:mod:`planner.planning`) and the explanations (:mod:`planner.explain`) share these,
so a term or a covered target means the same everywhere.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from planner.contract import KINDS
from planner.plan import ASSIGNMENT_COLUMNS
from planner.solver.problem import Problem


def triples(frame: pd.DataFrame) -> set[tuple[str, str, str]]:
    """The ``(cadre_id, kind, target_id)`` of every row of an assignments frame."""
    columns = (frame[c].tolist() for c in ("cadre_id", "kind", "target_id"))
    return set(zip(*columns, strict=True))


def pair_indices(problem: Problem, assignments: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The rows ``cadre_id, kind, target_id`` of ``assignments`` as concrete pairs (``cadre``,
    ``target``: indices into the problem's frames), and the mask of the rows whose cadre or
    target is not in the problem (left out of the pairs)."""
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
    missing = (cadre.isna() | target.isna()).to_numpy(bool)
    pairs = pd.DataFrame(
        {"cadre": cadre[~missing].astype(int), "target": target[~missing].astype(int)}
    ).reset_index(drop=True)
    return pairs, missing


def positions(problem: Problem) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
    """Each cadre id's row in ``problem.cadres`` and each ``(kind, target id)``'s row in
    ``problem.targets``, made once per problem (a problem derived with one more pin, whose
    cadres and targets are the same rows, shares them: :mod:`planner.explain.why.derive`)."""
    known = problem.__dict__.get("_positions")
    if known is None:
        cadre_at = {c: i for i, c in enumerate(problem.cadres["id"].tolist())}
        targets = problem.targets
        keys = zip(targets["kind"].tolist(), targets["id"].tolist(), strict=True)
        known = (cadre_at, {key: i for i, key in enumerate(keys)})
        problem.__dict__["_positions"] = known
    return known


def assignment_table(problem: Problem, pairs: pd.DataFrame) -> pd.DataFrame:
    """The plan's ``assignments`` frame (:data:`~planner.plan.ASSIGNMENT_COLUMNS`) for concrete
    pairs (``cadre``, ``target``: indices into the problem's frames), sorted by cadre, kind
    and target; ``kept`` says whether the pair is one of last semester's contacts."""
    c = problem.cadres.loc[pairs["cadre"]].reset_index(drop=True)
    t = problem.targets.loc[pairs["target"]].reset_index(drop=True)
    prev = problem.dataset.previous
    prev_keys = set(
        zip(prev["cadre"].tolist(), prev["kind"].tolist(), prev["target"].tolist(), strict=True)
    )
    frame = pd.DataFrame(
        {
            "cadre_id": c["id"],
            "kind": t["kind"],
            "target_id": t["id"],
            "cadre_name": c["name"],
            "role": c["role"],
            "cadre_unit": c["unit"],
            "cadre_college": c["college"],
            "cadre_campus": c["campus"],
            "target_name": t["name"],
            "target_college": t["college"],
            "target_campus": t["campus"],
        }
    )
    frame["kept"] = [
        k in prev_keys
        for k in zip(
            frame["cadre_id"].tolist(),
            frame["kind"].tolist(),
            frame["target_id"].tolist(),
            strict=True,
        )
    ]
    kind_order = {k.value: i for i, k in enumerate(KINDS)}
    frame = frame.assign(_k=per_kind(frame, kind_order, float, np.nan))
    frame = frame.sort_values(["cadre_id", "_k", "target_id"], kind="stable").drop(columns="_k")
    return frame[ASSIGNMENT_COLUMNS].reset_index(drop=True)


def holders(problem: Problem, assignments: pd.DataFrame) -> pd.Series:
    """Number of cadres holding each in-scope target (aligned with ``problem.targets``)."""
    # Counted in a dict, not a groupby and a MultiIndex: a re-plan describes and checks its
    # plan several times, and this is a tenth of the time at university size.
    counts = Counter(
        zip(assignments["kind"].tolist(), assignments["target_id"].tolist(), strict=True)
    )
    t = problem.targets
    keys = zip(t["kind"].tolist(), t["id"].tolist(), strict=True)
    held = np.fromiter((counts.get(k, 0) for k in keys), dtype=np.int64, count=len(t))
    return pd.Series(held, index=t.index)


def covered_mask(problem: Problem, assignments: pd.DataFrame) -> np.ndarray:
    """Whether each in-scope target (aligned with ``problem.targets``) holds at least its
    kind's coverage minimum of cadres in ``assignments``."""
    least = {k.value: r.min for k, r in problem.scenario.kinds.items()}
    mins = per_kind(problem.targets, least, float, np.nan)
    # Places cadres outside a re-planned part hold count too (0 in any other plan).
    held = holders(problem, assignments).to_numpy() + problem.targets["taken"].to_numpy()
    return np.asarray(held >= mins, dtype=bool)


def per_kind(
    targets: pd.DataFrame, values: Mapping[str, Any], dtype: Any, missing: Any
) -> np.ndarray:
    """``values`` of each target's kind, aligned with ``targets`` (``missing`` for a kind not
    in ``values``): ``targets["kind"].map(values)`` without the cost of mapping a text
    column."""
    kinds = targets["kind"].to_numpy(object)
    out = np.full(len(kinds), missing, dtype=dtype)
    for kind, value in values.items():
        out[kinds == kind] = value
    return out


def term_values(
    problem: Problem, assignments: pd.DataFrame, covered: np.ndarray | None = None
) -> dict[str, int]:
    """Every objective term recomputed from the concrete pairs (no solver involved).
    ``covered``: :func:`covered_mask` of the pairs, when it is known already."""
    p = problem
    a = assignments
    rules = {k.value: r for k, r in p.scenario.kinds.items()}
    weights = per_kind(p.targets, {k: r.weight for k, r in rules.items()}, np.int64, 0)
    counted = per_kind(p.targets, {k: r.coverage != "off" for k, r in rules.items()}, bool, False)
    if covered is None:
        covered = covered_mask(p, a)
    is_dorm = (p.targets["kind"] == "dorm").to_numpy(bool)
    ids, ranks = p.targets["id"][is_dorm].tolist(), p.targets["rank"][is_dorm].tolist()
    rank = dict(zip(ids, ranks, strict=True))
    cadre_gender = pd.Series(p.cadres["gender"].to_numpy(), index=p.cadres["id"].to_numpy())
    dorms = a[a["kind"] == "dorm"]
    table = p.dataset.dorms
    dorm_gender = pd.Series(table["gender"].to_numpy(), index=table["id"].to_numpy())
    central = a[a["role"].isin(p.cadres.loc[p.cadres["central"], "role"].unique())]
    central = central[central["target_college"].notna()]
    return {
        "coverage": int((weights * (covered & counted)).sum()),
        "continuity": int(a["kept"].sum()),
        "campus": int((a["cadre_campus"] != a["target_campus"]).sum()),
        "dorm_gender": int(
            (dorms["target_id"].map(dorm_gender) != dorms["cadre_id"].map(cadre_gender)).sum()
        ),
        # A dorm outside the problem's targets counts nothing (as a missing rank did).
        "dorm_priority": int(sum(rank.get(t, 0) for t in dorms["target_id"].tolist())),
        "central_spread": int(central.groupby("target_college").size().max())
        if len(central)
        else 0,
        "stay": _in_base(p, a),
    }


def _in_base(problem: Problem, assignments: pd.DataFrame) -> int:
    """How many assignments are pairs of the proposal (``Dataset.base``) the part keeps."""
    base = problem.dataset.base
    if base.empty or assignments.empty:
        return 0
    keys = set(zip(base["cadre"], base["kind"], base["target"], strict=True))
    a = assignments
    return sum(k in keys for k in zip(a["cadre_id"], a["kind"], a["target_id"], strict=True))
