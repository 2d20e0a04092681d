"""The straightforward formulation: one CP-SAT Boolean per eligible cadre–target pair.

This is the model a careful newcomer writes first, kept as the yardstick for the fast model
(:mod:`planner.solver.cpsat` with pools × groups, the flow fast path and the decomposition). It is
independent of those modules: it shares only the scope, the single-pair rules
(:func:`planner.solver.eligibility.eligible`), the dorm ranks and the record of a priority
stage (:class:`planner.solver.solution.Stage`) with them, so the equivalence test
(``tests/test_equivalence.py``) and the benchmark (``benchmarks/reference_baseline.py``) compare
two separate implementations of ``shared/spec/policy.md``.

- Variables: ``x[c, t]`` for every eligible pair of an in-scope available cadre ``c`` and an
  in-scope target ``t`` (H3, H5 and the hard campus rule remove pairs; so do ``forbid`` pins),
  created one per pair in a Python loop.
- Hard rules: H1 One target per cadre (the duties: total and per-kind ranges per cadre), H2
  One cadre per target (the caps), H4 School leaders spread out, H6 Pins (``require``), hard
  coverage and hard continuity when the scenario says so.
- Soft terms: coverage (a ``covered`` Boolean per target, ``Σ x ≥ min · covered``), continuity
  (pairs equal to a ``previous`` row), campus, dorm gender (when soft), dorm priority, central
  spread (the most central assignments to the targets of one college), stay (pairs equal to a
  ``base`` row: the proposal's, when a part is re-planned).
- Solve: strict priorities are solved lexicographically in the scenario's order, each stage fixed
  at its optimum (or at the best value found, when a limit stopped it) before the next;
  ``weighted`` solves once. Same semantics as :mod:`planner.solver.solve`.

The pair frame is built with joins and vectorised rules (:func:`eligible_pairs`, shared with the
min-cost-flow baseline in ``benchmarks/flow_baseline.py``); only the model is written the
straightforward way. At university size that is about 1.8 million Booleans: about a minute to
build, over 3 GB, and no plan at all within two minutes of solving on the 2-core benchmark
machine (``benchmarks/README.md``) — which is the point of keeping it.

The module is longer than the package's other modules on purpose: it is one responsibility (the
yardstick model, its pairs and its solve) kept whole and independent of the fast model, so that
the two stay separate implementations. It also keeps its own list of the terms a scenario
counts and its own weighted sum, for the same reason.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from planner.contract import KINDS, Kind, Role
from planner.dataset import Dataset
from planner.policy import H1, H6, S1
from planner.scenario import TERM_SENSE, Scenario
from planner.solver.eligibility import cross_campus, dorm_gender_mismatch, eligible
from planner.solver.problem import dorm_ranks, scope_cadres, scope_targets
from planner.solver.solution import Stage

CADRE_SIDE = ["role", "cadre_college", "cadre_campus", "cadre_gender"]
TARGET_SIDE = ["kind", "target_college", "target_campus", "target_gender"]
"""The columns a cadre's and a target's type is made of (what the single-pair rules read)."""

PAIR_COLUMNS = ["cadre_id", "kind", "target_id"]
"""The key of an assignment, and the first columns of :attr:`ReferenceResult.assignments`."""


@dataclass
class ReferenceResult:
    """What the straightforward formulation achieved.

    ``status`` is ``OPTIMAL`` (every stage proven), ``FEASIBLE`` (a plan, not every stage
    proven), ``INFEASIBLE`` (the hard rules cannot all hold) or ``UNKNOWN`` (no plan in time).
    ``assignments`` has the columns ``cadre_id, kind, target_id`` (empty without a plan).
    ``seconds`` is the whole call; ``build_seconds`` the part spent building the model (the
    time limit covers the solve stages only).
    """

    status: str
    assignments: pd.DataFrame
    stages: list[Stage] = field(default_factory=list)
    seconds: float = 0.0
    build_seconds: float = 0.0
    variables: int = 0
    """Booleans of the model (pairs and ``covered`` flags)."""
    pairs: int = 0
    """Eligible cadre–target pairs (one Boolean each)."""

    @property
    def values(self) -> dict[str, int]:
        """Value of each solved stage's term (``weighted`` in weighted mode)."""
        return {s.term: s.value for s in self.stages}


# --------------------------------------------------------------------------------------------
# The pair frame


def _types(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Number the distinct combinations of ``columns`` (blank values count as a value)."""
    return frame.groupby(columns, dropna=False, sort=False).ngroup().to_numpy(np.int64)


def eligible_pairs(
    dataset: Dataset, scenario: Scenario, held: frozenset[tuple[str, str]] = frozenset()
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """In-scope cadres, in-scope targets and every eligible pair (with its attributes).

    Frames: cadres ``cadre_id, role, cadre_college, cadre_campus, cadre_gender, central, ctype,
    cidx``; targets ``kind, target_id, target_college, target_campus, target_gender, rank,
    ttype, tidx`` (``cidx``/``tidx`` = row number); pairs ``cidx, tidx, cadre_id, role, central,
    kind, target_id, target_college, rank, cross_campus, gender_mismatch``. ``forbid`` pins are
    removed from the pairs.

    Candidate pairs come from a join (college cadres meet their own college's targets and the
    university-level societies; central cadres meet every target). The single-pair rules of
    :func:`planner.solver.eligibility.eligible` depend on a cadre's role, college, campus and
    gender and on a target's kind, college, campus and gender only, so they are evaluated once per
    distinct combination of those and broadcast to the pairs.
    """
    c, t = _scope_frames(dataset, scenario, held)
    cidx, tidx = _candidate_pairs(c, t, scenario)
    ok, across, mismatch = _pair_rules(c, t, cidx, tidx, scenario)
    forbid = dataset.pins[dataset.pins["rule"] == "forbid"]
    if len(forbid) and len(cidx):
        banned = pair_codes(c, t, forbid["cadre"], forbid["kind"], forbid["target"])
        ok &= ~np.isin(cidx * len(t) + tidx, banned)
    cidx, tidx = cidx[ok], tidx[ok]

    def text(values: np.ndarray) -> pd.Series:
        return pd.Series(values, dtype=object, copy=False)

    pairs = pd.DataFrame(
        {
            "cidx": cidx,
            "tidx": tidx,
            "cadre_id": text(c["cadre_id"].to_numpy(object)[cidx]),
            "role": text(c["role"].to_numpy(object)[cidx]),
            "central": c["central"].to_numpy(bool)[cidx],
            "kind": text(t["kind"].to_numpy(object)[tidx]),
            "target_id": text(t["target_id"].to_numpy(object)[tidx]),
            "target_college": text(t["target_college"].to_numpy(object)[tidx]),
            "rank": t["rank"].to_numpy(np.int64)[tidx],
            "cross_campus": across[ok],
            "gender_mismatch": mismatch[ok],
        }
    )
    return c, t, pairs


def _scope_frames(
    dataset: Dataset, scenario: Scenario, held: frozenset[tuple[str, str]]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """In-scope cadres and targets with their type numbers and row numbers."""
    cadres = scope_cadres(dataset, scenario.scope)
    targets = scope_targets(dataset, scenario.scope, held).copy()
    targets["rank"] = dorm_ranks(targets, dataset.dorms, scenario)
    c = pd.DataFrame(
        {
            "cadre_id": cadres["id"].astype(str).to_numpy(object),
            "role": cadres["role"].astype(str).to_numpy(object),
            "cadre_college": cadres["college"].to_numpy(object),
            "cadre_campus": cadres["campus"].astype(str).to_numpy(object),
            "cadre_gender": cadres["gender"].astype(str).to_numpy(object),
            "central": cadres["central"].to_numpy(bool),
        }
    )
    t = pd.DataFrame(
        {
            "kind": targets["kind"].astype(str).to_numpy(object),
            "target_id": targets["id"].astype(str).to_numpy(object),
            "target_college": targets["college"].to_numpy(object),
            "target_campus": targets["campus"].astype(str).to_numpy(object),
            "target_gender": targets["gender"].to_numpy(object),
            "rank": targets["rank"].to_numpy(np.int64),
        }
    )
    c["ctype"] = _types(c, CADRE_SIDE) if len(c) else np.zeros(0, np.int64)
    t["ttype"] = _types(t, TARGET_SIDE) if len(t) else np.zeros(0, np.int64)
    c["cidx"] = np.arange(len(c), dtype=np.int64)
    t["tidx"] = np.arange(len(t), dtype=np.int64)
    return c, t


def _candidate_pairs(
    c: pd.DataFrame, t: pd.DataFrame, scenario: Scenario
) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs as (cadre, target) row numbers: college cadres meet their own college's
    targets and the university-level societies; the others meet every target."""
    binds = np.array([scenario.origin.applies_to(Role(r)) for r in c["role"]], dtype=bool)
    local = c.loc[binds, ["cidx", "cadre_college"]]
    free = c.loc[~binds, "cidx"].to_numpy(np.int64)
    own = local.merge(
        t[["tidx", "target_college"]], left_on="cadre_college", right_on="target_college"
    )
    university = t.loc[t["target_college"].isna(), "tidx"].to_numpy(np.int64)
    local_ids = local["cidx"].to_numpy(np.int64)
    all_targets = t["tidx"].to_numpy(np.int64)
    cidx = np.concatenate(
        [
            own["cidx"].to_numpy(np.int64),
            np.repeat(local_ids, len(university)),
            np.repeat(free, len(all_targets)),
        ]
    )
    tidx = np.concatenate(
        [
            own["tidx"].to_numpy(np.int64),
            np.tile(university, len(local_ids)),
            np.tile(all_targets, len(free)),
        ]
    )
    return cidx, tidx


def _pair_rules(
    c: pd.DataFrame, t: pd.DataFrame, cidx: np.ndarray, tidx: np.ndarray, scenario: Scenario
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per candidate pair: allowed by every single-pair rule, across campuses, a dorm of the
    other gender; evaluated once per (cadre type, target type) met in the pairs."""
    n_ctypes = int(c["ctype"].max()) + 1 if len(c) else 1
    n_ttypes = int(t["ttype"].max()) + 1 if len(t) else 1
    combo = c["ctype"].to_numpy(np.int64)[cidx] * n_ttypes + t["ttype"].to_numpy(np.int64)[tidx]
    present = np.zeros(n_ctypes * n_ttypes, dtype=bool)
    present[combo] = True
    distinct = np.flatnonzero(present)
    inverse = (np.cumsum(present) - 1)[combo]
    ctypes = c.drop_duplicates("ctype").set_index("ctype")[CADRE_SIDE]
    ttypes = t.drop_duplicates("ttype").set_index("ttype")[TARGET_SIDE]
    frame = pd.concat(
        [
            ctypes.loc[distinct // n_ttypes].reset_index(drop=True),
            ttypes.loc[distinct % n_ttypes].reset_index(drop=True),
        ],
        axis=1,
    )
    no = np.zeros(0, dtype=bool)
    ok = eligible(frame, scenario)[inverse] if len(frame) else no
    across = cross_campus(frame)[inverse] if len(frame) else no
    mismatch = dorm_gender_mismatch(frame)[inverse] if len(frame) else no
    return ok, across, mismatch


def pair_codes(
    cadres: pd.DataFrame,
    targets: pd.DataFrame,
    cadre_ids: pd.Series,
    kinds: pd.Series,
    target_ids: pd.Series,
) -> np.ndarray:
    """``cidx · len(targets) + tidx`` of given (cadre, kind, target) rows, for rows in scope.

    ``cadres`` and ``targets`` are frames of :func:`eligible_pairs`; rows naming a cadre or a
    target outside them are left out.
    """
    cadre_row = pd.Series(np.arange(len(cadres)), index=cadres["cadre_id"].to_numpy(object))
    target_row = pd.Series(
        np.arange(len(targets)),
        index=pd.MultiIndex.from_arrays(
            [targets["kind"].to_numpy(object), targets["target_id"].to_numpy(object)]
        ),
    )
    ci = cadre_ids.astype(str).map(cadre_row).to_numpy(float)
    keys = pd.MultiIndex.from_arrays(
        [kinds.astype(str).to_numpy(object), target_ids.astype(str).to_numpy(object)]
    )
    ti = target_row.reindex(keys).to_numpy(float)
    found = ~np.isnan(ci) & ~np.isnan(ti)
    return ci[found].astype(np.int64) * len(targets) + ti[found].astype(np.int64)


# --------------------------------------------------------------------------------------------
# The model


class _Model:
    """The straightforward CP-SAT model: built with plain Python loops over the pairs."""

    def __init__(
        self,
        cadres: pd.DataFrame,
        targets: pd.DataFrame,
        pairs: pd.DataFrame,
        dataset: Dataset,
        scenario: Scenario,
    ) -> None:
        self.scenario = scenario
        self.cp = cp_model.CpModel()
        self.infeasible: list[str] = []
        self.cadres, self.targets, self.pairs = cadres, targets, pairs
        self.x: list[cp_model.IntVar] = []
        self.by_cadre: dict[str, list[int]] = defaultdict(list)
        self.by_cadre_kind: dict[tuple[str, str], list[int]] = defaultdict(list)
        self.by_target: dict[tuple[str, str], list[int]] = defaultdict(list)
        self.index: dict[tuple[str, str, str], int] = {}
        for i, (cid, kind, tid) in enumerate(
            zip(
                pairs["cadre_id"].tolist(),
                pairs["kind"].tolist(),
                pairs["target_id"].tolist(),
                strict=True,
            )
        ):
            self.x.append(self.cp.new_bool_var(f"x[{cid},{kind},{tid}]"))
            self.by_cadre[cid].append(i)
            self.by_cadre_kind[(cid, kind)].append(i)
            self.by_target[(kind, tid)].append(i)
            self.index[(cid, kind, tid)] = i
        previous = dataset.previous
        prev_keys = zip(previous["cadre"], previous["kind"], previous["target"], strict=True)
        self.kept = sorted({self.index[k] for k in prev_keys if k in self.index})
        base = dataset.base
        base_keys = zip(base["cadre"], base["kind"], base["target"], strict=True)
        self.stays = sorted({self.index[k] for k in base_keys if k in self.index})
        self.requires = [
            (str(c), str(k), str(t))
            for c, k, t, r in zip(
                dataset.pins["cadre"],
                dataset.pins["kind"],
                dataset.pins["target"],
                dataset.pins["rule"],
                strict=True,
            )
            if r == "require"
        ]
        self.covered: list[cp_model.IntVar] = []
        self._central_max: cp_model.IntVar | None = None

    def _sum(self, ids: list[int]) -> cp_model.LinearExpr:
        return cp_model.LinearExpr.sum([self.x[i] for i in ids])

    # -- hard rules -------------------------------------------------------------------------
    def add_hard_rules(self) -> None:
        """Every hard rule of the scenario (single-pair rules are already in the pairs)."""
        self.h1_duties()
        self.h2_caps()
        self.h4_school_leader_spread()
        self.h6_require_pins()
        self.hard_coverage()
        self.hard_continuity()

    def h1_duties(self) -> None:
        """H1 One target per cadre: each cadre holds its role's total count, and each kind within
        its range."""
        for cid, role in zip(self.cadres["cadre_id"], self.cadres["role"], strict=True):
            duty = self.scenario.duty(role)
            total = duty.total_range()
            ids = self.by_cadre.get(cid, [])
            if total.min > len(ids):
                self.infeasible.append(f"{H1.label}: cadre {cid} cannot hold {total.min} target(s)")
            self.cp.add_linear_constraint(self._sum(ids), total.min, total.max)
            for kind in KINDS:
                k_range = duty.kind_range(kind)
                if k_range.min == 0 and k_range.max >= total.max:
                    continue
                k_ids = self.by_cadre_kind.get((cid, kind.value), [])
                if k_range.min > len(k_ids):
                    self.infeasible.append(
                        f"{H1.label}: cadre {cid} cannot hold {k_range.min} {kind.value}"
                    )
                self.cp.add_linear_constraint(self._sum(k_ids), k_range.min, k_range.max)

    def h2_caps(self) -> None:
        """H2 One cadre per target: a target holds at most its kind's cap."""
        for (kind, _tid), ids in self.by_target.items():
            cap = self.scenario.kinds[Kind(kind)].cap
            if len(ids) > cap:
                self.cp.add(self._sum(ids) <= cap)

    def h4_school_leader_spread(self) -> None:
        """H4 School leaders spread out: at most N school-leader assignments to the targets of
        each college."""
        limit = self.scenario.school_leader_spread
        if limit is None:
            return
        per_college: dict[str, list[int]] = defaultdict(list)
        p = self.pairs
        for i, (role, college) in enumerate(
            zip(p["role"].tolist(), p["target_college"].tolist(), strict=True)
        ):
            if role == Role.SCHOOL_LEADER.value and isinstance(college, str):
                per_college[college].append(i)
        for ids in per_college.values():
            if len(ids) > limit:
                self.cp.add(self._sum(ids) <= limit)

    def h6_require_pins(self) -> None:
        """H6 Pins: every ``require`` pin between an in-scope cadre and target holds."""
        in_scope_cadres = set(self.cadres["cadre_id"])
        in_scope_targets = set(zip(self.targets["kind"], self.targets["target_id"], strict=True))
        for cid, kind, tid in self.requires:
            if cid not in in_scope_cadres or (kind, tid) not in in_scope_targets:
                continue
            i = self.index.get((cid, kind, tid))
            if i is None:
                self.infeasible.append(
                    f"{H6.label}: {cid} → {kind} {tid} breaks a single-pair rule"
                )
                continue
            self.cp.add(self.x[i] == 1)

    def hard_coverage(self) -> None:
        """Coverage as a hard rule: every target of such a kind holds at least its minimum."""
        for kind, tid in zip(self.targets["kind"], self.targets["target_id"], strict=True):
            rule = self.scenario.kinds[Kind(kind)]
            if rule.coverage != "hard":
                continue
            ids = self.by_target.get((kind, tid), [])
            if len(ids) < rule.min:
                self.infeasible.append(
                    f"{S1.made_hard}: {kind} {tid} cannot hold {rule.min} cadre(s)"
                )
                continue
            self.cp.add(self._sum(ids) >= rule.min)

    def hard_continuity(self) -> None:
        """Continuity as a hard rule: every last-semester pair that may continue does."""
        if self.scenario.continuity == "hard":
            for i in self.kept:
                self.cp.add(self.x[i] == 1)

    # -- soft terms -------------------------------------------------------------------------
    def active_terms(self) -> list[str]:
        """The terms the scenario counts, in its priority order."""
        s = self.scenario
        active = {
            "coverage": any(r.coverage != "off" and r.weight > 0 for r in s.kinds.values()),
            "continuity": s.continuity == "soft" and len(self.kept) > 0,
            "campus": s.campus == "soft",
            "dorm_gender": s.dorm_gender == "soft",
            "dorm_priority": True,
            "central_spread": bool(self.cadres["central"].any()),
            "stay": len(self.stays) > 0,
        }
        return [t for t in s.order if active[t]]

    def term(self, name: str) -> cp_model.LinearExpr:
        """The expression of soft term ``name`` (its sense is in ``TERM_SENSE``)."""
        p = self.pairs
        if name == "coverage":
            return self._coverage()
        if name == "continuity":
            return self._sum(self.kept)
        if name == "stay":
            return self._sum(self.stays)
        if name == "campus":
            return self._sum(np.flatnonzero(p["cross_campus"].to_numpy(bool)).tolist())
        if name == "dorm_gender":
            return self._sum(np.flatnonzero(p["gender_mismatch"].to_numpy(bool)).tolist())
        if name == "dorm_priority":
            rank = np.where(p["kind"] == Kind.DORM.value, p["rank"], 0).astype(np.int64)
            ids = np.flatnonzero(rank)
            return cp_model.LinearExpr.weighted_sum(
                [self.x[int(i)] for i in ids], [int(rank[i]) for i in ids]
            )
        if name == "central_spread":
            return self._central_spread()
        raise ValueError(f"unknown term {name!r}")

    def _coverage(self) -> cp_model.LinearExpr:
        """Weighted count of targets holding at least their kind's minimum of cadres."""
        variables, weights = [], []
        for kind, tid in zip(self.targets["kind"], self.targets["target_id"], strict=True):
            rule = self.scenario.kinds[Kind(kind)]
            if rule.coverage == "off" or rule.weight == 0:
                continue
            ids = self.by_target.get((kind, tid), [])
            if len(ids) < rule.min:
                continue
            covered = self.cp.new_bool_var(f"covered[{kind},{tid}]")
            self.cp.add(self._sum(ids) >= rule.min * covered)
            self.covered.append(covered)
            variables.append(covered)
            weights.append(rule.weight)
        return cp_model.LinearExpr.weighted_sum(variables, weights)

    def _central_spread(self) -> cp_model.LinearExpr:
        """The most central-role assignments to the targets of any one college."""
        if self._central_max is None:
            central = self.cadres[self.cadres["central"]]
            # A central cadre may hold several targets of one college (per-kind duties).
            most = sum(self.scenario.duty(role).total_range().max for role in central["role"])
            top = self.cp.new_int_var(0, most, "central_max")
            per_college: dict[str, list[int]] = defaultdict(list)
            p = self.pairs
            for i, (central, college) in enumerate(
                zip(p["central"].tolist(), p["target_college"].tolist(), strict=True)
            ):
                if central and isinstance(college, str):
                    per_college[college].append(i)
            for ids in per_college.values():
                self.cp.add(self._sum(ids) <= top)
            self._central_max = top
        return cp_model.LinearExpr.sum([self._central_max])


# --------------------------------------------------------------------------------------------
# The solve


def _empty_assignments() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=str) for c in PAIR_COLUMNS})


def reference_plan(
    dataset: Dataset,
    scenario: Scenario,
    *,
    time_limit: float = 60.0,
    workers: int = 1,
    seed: int = 0,
    held: frozenset[tuple[str, str]] = frozenset(),
) -> ReferenceResult:
    """Plan ``dataset`` under ``scenario`` with the straightforward formulation.

    ``time_limit`` is the budget in seconds of all solve stages together (building the model
    comes on top and is reported as ``build_seconds``). Never raises on infeasibility or a
    time-out: the result's ``status`` says what happened.
    """
    started = time.perf_counter()
    cadres, targets, pairs = eligible_pairs(dataset, scenario, held)
    model = _Model(cadres, targets, pairs, dataset, scenario)
    model.add_hard_rules()
    terms = model.active_terms()
    exprs = {t: model.term(t) for t in terms}
    build_seconds = time.perf_counter() - started
    n_vars = len(model.x) + len(model.covered)

    def result(status: str, stages: list[Stage], chosen: np.ndarray | None) -> ReferenceResult:
        assignments = (
            pairs.loc[chosen, PAIR_COLUMNS].reset_index(drop=True)
            if chosen is not None
            else _empty_assignments()
        )
        return ReferenceResult(
            status=status,
            assignments=assignments,
            stages=stages,
            seconds=time.perf_counter() - started,
            build_seconds=build_seconds,
            variables=n_vars,
            pairs=len(pairs),
        )

    if model.infeasible:
        return result("INFEASIBLE", [], None)

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    solver.parameters.catch_sigint_signal = False
    run = _run_stages(model, solver, _stage_plan(scenario, terms, exprs), time_limit)
    if run.values is None:
        return result(run.status, run.stages, None)
    chosen = run.values[: len(model.x)].astype(bool)
    return result("OPTIMAL" if run.proven else "FEASIBLE", run.stages, chosen)


Goal = tuple[str, int, "cp_model.LinearExpr | None"]
"""A stage to solve: its label, the sense of its objective, the objective (none: feasibility)."""


def _stage_plan(
    scenario: Scenario, terms: list[str], exprs: dict[str, cp_model.LinearExpr]
) -> list[Goal]:
    """Strict priorities: one stage per term, in order; weighted: one stage."""
    if scenario.priorities == "weighted" and terms:
        weighted = cp_model.LinearExpr.sum(
            [TERM_SENSE[t] * scenario.weight(t) * exprs[t] for t in terms]
        )
        return [("weighted", 1, weighted)]
    if terms:
        return [(t, TERM_SENSE[t], exprs[t]) for t in terms]
    return [("feasibility", 1, None)]


@dataclass
class _Run:
    """What the stages found: the status of the first stage without a plan (if any), the
    stages solved, the best plan's values and whether every stage was proven."""

    status: str = "UNKNOWN"
    stages: list[Stage] = field(default_factory=list)
    values: np.ndarray | None = None
    proven: bool = True


def _run_stages(
    model: _Model, solver: cp_model.CpSolver, plans: list[Goal], time_limit: float
) -> _Run:
    """Solve the stages lexicographically, each fixed before the next, within ``time_limit``."""
    all_vars = model.x + model.covered
    solve_started = time.perf_counter()
    run = _Run()
    for label, sense, objective in plans:
        remaining = time_limit - (time.perf_counter() - solve_started)
        if remaining <= 0.05 and run.values is not None:
            run.proven = False
            break
        solver.parameters.max_time_in_seconds = max(remaining, 0.05)
        if objective is not None:
            if sense > 0:
                model.cp.maximize(objective)
            else:
                model.cp.minimize(objective)
        if run.values is not None:
            # Start each stage from the previous stage's plan.
            model.cp.clear_hints()
            for var, value in zip(all_vars, run.values.tolist(), strict=True):
                model.cp.add_hint(var, value)
        t0 = time.perf_counter()
        status = solver.status_name(solver.solve(model.cp))
        seconds = time.perf_counter() - t0
        if status not in ("OPTIMAL", "FEASIBLE"):
            run.status = status
            run.proven = False
            break
        run.values = np.asarray(solver.boolean_values(all_vars), dtype=np.int64)
        if objective is not None:
            _fix(model, solver, run, label, sense, objective, status, seconds)
    return run


def _fix(
    model: _Model,
    solver: cp_model.CpSolver,
    run: _Run,
    label: str,
    sense: int,
    objective: cp_model.LinearExpr,
    status: str,
    seconds: float,
) -> None:
    """Record the stage, and fix its priority before optimising the next one."""
    value = round(solver.objective_value)
    bound = round(solver.best_objective_bound)
    run.stages.append(Stage(label, status, value, bound, seconds))
    if status != "OPTIMAL":
        run.proven = False
    if label != "weighted":
        if status == "OPTIMAL":
            model.cp.add(objective == value)
        elif sense > 0:
            model.cp.add(objective >= value)
        else:
            model.cp.add(objective <= value)
