"""The CP-SAT model of ``shared/spec/policy.md``: one method per rule family.

Variables (see :mod:`planner.solver.problem` for why they are pool–group counts):

- ``y[a]``: how many cadres of arc ``a``'s pool hold targets of its group;
- ``keep[i]``: 1 if keep-candidate ``i`` (a last-semester pair, or a pair of the proposal
  when a part is re-planned) continues.

Hard rules are constraints, added in :meth:`PolicyModel.add_hard_rules`; soft rules are linear
terms returned by :meth:`PolicyModel.term`, combined strictly or by weight in
:mod:`planner.solver.solve`. Single-pair hard rules (H3, H5, hard campus, per-role kinds) are
applied when the arcs are built (:mod:`planner.solver.eligibility`), so no variable breaks them.

For a diagnosis, every hard-rule *instance* that a user can change (one cadre's duty, one
college's school-leader limit, one pin, one college's hard coverage of one kind, one kept
contact) can be guarded by an assumption literal; :attr:`PolicyModel.guards` maps each literal
to what it binds (:class:`Guard`), which :mod:`planner.explain.diagnose` puts into words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from planner.contract import KINDS, Kind
from planner.policy import H1, H4, H6, S1, S2
from planner.scenario import Duty
from planner.solver.flow.face import Face
from planner.solver.flow.network import ARC, KEEP, MOVE, TARGET
from planner.solver.problem import Problem
from planner.solver.terms import linear_coefficients


@dataclass(frozen=True)
class Guard:
    """A guarded hard-rule instance: the rule (its :mod:`planner.policy` id) and what it binds,
    as indices into the problem's frames. :mod:`planner.explain.diagnose` words it.

    ``what`` is ``duty`` (a cadre's or pool's total: ``pool``, ``count``), ``kind duty`` (a
    cadre's count of one kind: ``pool``, ``count``, ``kind``), ``school leaders`` (a college's
    H4 limit: ``college``, ``count``), ``pin`` (a require pin: ``cadre``, ``target``, ``row``),
    ``coverage`` (hard coverage of one kind in one college: ``kind``, ``college``) or ``keep``
    (a contact hard continuity keeps: ``cadre``, ``target``, ``row``).
    """

    rule: str
    what: str
    pool: int = -1
    cadre: int = -1
    target: int = -1
    kind: str = ""
    college: str | None = None
    count: int = 0
    row: int = 0


def _settled(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Per variable: its value where ``lo == hi``, else -1."""
    return np.where(lo == hi, lo, -1)


def _index(keys: np.ndarray, n: int) -> list[np.ndarray]:
    """Positions of each key 0..n-1 in ``keys`` (a list of index arrays)."""
    if len(keys) == 0:
        return [np.zeros(0, dtype=np.int64) for _ in range(n)]
    order = np.argsort(keys, kind="stable")
    bounds = np.searchsorted(keys[order], np.arange(n + 1))
    return [order[bounds[i] : bounds[i + 1]] for i in range(n)]


class _Holds:
    """What :meth:`PolicyModel._add` returns for a rule that holds whatever CP-SAT decides."""

    def only_enforce_if(self, *literals: Any) -> _Holds:
        """Nothing to enforce."""
        return self


_HOLDS = _Holds()


class PolicyModel:
    """The CP-SAT model of one :class:`~planner.solver.problem.Problem`."""

    def __init__(
        self, problem: Problem, *, guarded: bool = False, face: Face | None = None
    ) -> None:
        self.problem = problem
        self.scenario = problem.scenario
        self.cp = cp_model.CpModel()
        self.guarded = guarded
        self.guards: dict[int, Guard] = {}
        self._guard_literals: list[cp_model.IntVar] = []
        arcs, keeps = problem.arcs, problem.keeps
        ub = arcs["ub"].to_numpy(np.int64)
        # On a flow's optimal face most counts are settled: they are constants, not variables
        # (the same plans, and a model a tenth the size; see :meth:`restrict_to_face`).
        y_fixed = _settled(face.y_lo, face.y_hi) if face is not None else np.full(len(arcs), -1)
        k_fixed = (
            _settled(face.keep_lo, face.keep_hi) if face is not None else np.full(len(keeps), -1)
        )
        self.y: list[cp_model.IntVar | int] = [
            int(y_fixed[a])
            if y_fixed[a] >= 0
            else self.cp.new_bool_var(f"y{a}")
            if ub[a] == 1
            else self.cp.new_int_var(0, int(ub[a]), f"y{a}")
            for a in range(len(arcs))
        ]
        self.keep: list[cp_model.IntVar | int] = [
            int(k_fixed[i]) if k_fixed[i] >= 0 else self.cp.new_bool_var(f"k{i}")
            for i in range(len(keeps))
        ]
        self.face = face
        n_pools, n_groups = len(problem.pools), len(problem.groups)
        self.arcs_of_pool = _index(arcs["pool"].to_numpy(np.int64), n_pools)
        self.arcs_of_group = _index(arcs["group"].to_numpy(np.int64), n_groups)
        self.keeps_of_pool = _index(keeps["pool"].to_numpy(np.int64), n_pools)
        self.keeps_of_group = _index(keeps["group"].to_numpy(np.int64), n_groups)
        self.keeps_of_cadre = _index(keeps["cadre"].to_numpy(np.int64), len(problem.cadres))
        self.keeps_of_target = _index(keeps["target"].to_numpy(np.int64), len(problem.targets))
        self._central_max: cp_model.IntVar | None = None

    # -- helpers ------------------------------------------------------------------------
    def _sum(self, arc_ids: Iterable[int], keep_ids: Iterable[int] = ()) -> cp_model.LinearExpr:
        parts = [self.y[int(a)] for a in arc_ids] + [self.keep[int(k)] for k in keep_ids]
        if all(type(x) is int for x in parts):
            # Counts a face settled: a plain number, so a rule over them only is a plain
            # true or false, not a constraint for CP-SAT to presolve away.
            return sum(parts)  # type: ignore[return-value, arg-type]
        return cp_model.LinearExpr.sum(parts)

    def _add(self, constraint: Any) -> Any:
        """Add a constraint; one over settled counts only is a plain ``True`` (nothing to
        add) or ``False`` (no plan: added as such)."""
        if isinstance(constraint, bool | np.bool_):
            if constraint:
                return _HOLDS
            return self.cp.add_bool_or([])
        return self.cp.add(constraint)

    def _weighted(
        self, arc_ids: np.ndarray, arc_w: np.ndarray, keep_ids: np.ndarray, keep_w: np.ndarray
    ) -> cp_model.LinearExpr:
        vs = [self.y[int(a)] for a in arc_ids] + [self.keep[int(k)] for k in keep_ids]
        ws = [int(w) for w in arc_w] + [int(w) for w in keep_w]
        return cp_model.LinearExpr.weighted_sum(vs, ws)

    def _guard(self, guard: Guard) -> list[cp_model.IntVar]:
        """An enforcement literal for one rule instance when diagnosing, else nothing."""
        if not self.guarded:
            return []
        literal = self.cp.new_bool_var(f"guard{len(self._guard_literals)}")
        self.guards[literal.index] = guard
        self._guard_literals.append(literal)
        return [literal]

    @property
    def guard_literals(self) -> list[cp_model.IntVar]:
        """Every guard literal (assumptions for a diagnosis)."""
        return self._guard_literals

    # -- hard rules -----------------------------------------------------------------------
    def add_hard_rules(self) -> None:
        """Add every hard rule of the scenario, in the order of ``policy.md``."""
        self.h1_one_target_per_cadre()
        self.h2_one_cadre_per_target()
        self.h4_school_leader_spread()
        self.h6_pins()
        self.hard_coverage()
        self.hard_continuity()

    def h1_one_target_per_cadre(self) -> None:
        """H1 One target per cadre [四(1)]: each available cadre holds its duty's count.

        In the default policy that is exactly one target of any kind; a scenario may give a
        role a count range or one target of each listed kind (the full reading of clause 三).
        """
        p = self.problem
        keeps = p.keeps
        roles = p.pools["role"].to_numpy()
        sizes = p.pools["size"].to_numpy(np.int64)
        singleton = p.pools["singleton"].to_numpy(bool)
        arc_kind = p.arcs["kind"].to_numpy()
        arc_group = p.arcs["group"].to_numpy()
        keep_kind = keeps["kind"].to_numpy()
        keep_group = keeps["group"].to_numpy()
        group_size = p.groups["size"].to_numpy(np.int64)
        for pool in range(len(p.pools)):
            arcs = self.arcs_of_pool[pool]
            kept = self.keeps_of_pool[pool]
            duty = self.scenario.duty(roles[pool])
            total = duty.total_range()
            size = int(sizes[pool])
            expr = self._sum(arcs, kept)
            self._add(expr <= size * total.max)
            if total.min > 0:
                guard = self._guard(Guard(H1.id, "duty", pool=pool, count=total.min))
                self._add(expr >= size * total.min).only_enforce_if(guard)
            if singleton[pool]:
                self._kind_duties(pool, duty, arcs, kept, arc_kind[arcs], keep_kind[kept])
                # A cadre holds a target once: a kept target leaves one fewer in its group.
                groups = arc_group[arcs]
                for g in set(keep_group[kept].tolist()):
                    a_ids = arcs[groups == g]
                    k_ids = kept[keep_group[kept] == g]
                    if len(a_ids):
                        self._add(self._sum(a_ids, k_ids) <= int(group_size[g]))
        keep_cadre = keeps["cadre"].to_numpy(np.int64)
        cadre_pool = p.cadres["pool"].to_numpy(np.int64)
        for ids in self.keeps_of_cadre:
            if len(ids) > 1:
                pool = int(cadre_pool[keep_cadre[int(ids[0])]])
                limit = self.scenario.duty(roles[pool]).total_range().max
                if len(ids) > limit:
                    self._add(self._sum((), ids) <= limit)

    def _kind_duties(
        self,
        pool: int,
        duty: Duty,
        arcs: np.ndarray,
        kept: np.ndarray,
        arc_kind: np.ndarray,
        keep_kind: np.ndarray,
    ) -> None:
        """H1 per kind for a pool of one: its count of each kind within the duty's range."""
        total = duty.total_range()
        for kind in Kind:
            k_range = duty.kind_range(kind)
            a_ids = arcs[arc_kind == kind.value]
            k_ids = kept[keep_kind == kind.value]
            kind_expr = self._sum(a_ids, k_ids)
            if k_range.max < total.max:
                self._add(kind_expr <= k_range.max)
            if k_range.min > 0:
                guard = self._guard(
                    Guard(H1.id, "kind duty", pool=pool, count=k_range.min, kind=kind)
                )
                self._add(kind_expr >= k_range.min).only_enforce_if(guard)

    def h2_one_cadre_per_target(self) -> None:
        """H2 One cadre per target: a target holds at most its kind's cap (1 by default)."""
        p = self.problem
        room = p.groups["cap"].to_numpy(np.int64) * p.groups["size"].to_numpy(np.int64)
        for g in range(len(p.groups)):
            self._add(self._sum(self.arcs_of_group[g], self.keeps_of_group[g]) <= int(room[g]))
        caps = p.groups["cap"].to_numpy()[p.targets["group"].to_numpy()]
        for t, ids in enumerate(self.keeps_of_target):
            if len(ids) > caps[t]:
                self._add(self._sum((), ids) <= int(caps[t]))

    def h4_school_leader_spread(self) -> None:
        """H4 School leaders spread out: at most N school leaders per college (default 1).

        The college is the target's; a university-level society counts for no college.
        """
        limit = self.scenario.school_leader_spread
        if limit is None:
            return
        arcs, keeps = self.problem.arcs, self.problem.keeps
        a_college = arcs["college"].to_numpy()
        k_college = keeps["college"].to_numpy()
        a_mask = arcs["school_leader"].to_numpy(bool) & arcs["college"].notna().to_numpy()
        k_mask = keeps["school_leader"].to_numpy(bool) & keeps["college"].notna().to_numpy()
        ub = arcs["ub"].to_numpy(np.int64)
        colleges = set(a_college[a_mask].tolist()) | set(k_college[k_mask].tolist())
        for college in sorted(colleges):
            a_ids = np.flatnonzero(a_mask & (a_college == college))
            k_ids = np.flatnonzero(k_mask & (k_college == college))
            # H4 counts assignments: a leader with several duties may hold several targets
            # of one college, so only a college that cannot reach the limit is skipped.
            most = int(ub[a_ids].sum()) + len(k_ids)
            if most <= limit:
                continue
            guard = self._guard(Guard(H4.id, "school leaders", college=college, count=limit))
            self._add(self._sum(a_ids, k_ids) <= limit).only_enforce_if(guard)

    def h6_pins(self) -> None:
        """H6 Pins: every ``require`` pin holds (``forbid`` pins remove arcs when built)."""
        p = self.problem
        arc_index = {
            (pl, g): a
            for a, (pl, g) in enumerate(
                zip(p.arcs["pool"].tolist(), p.arcs["group"].tolist(), strict=True)
            )
        }
        keep_index = {
            (c, t): i
            for i, (c, t) in enumerate(
                zip(p.keeps["cadre"].tolist(), p.keeps["target"].tolist(), strict=True)
            )
        }
        for _, pin in p.requires.iterrows():
            cadre, target = int(pin["cadre"]), int(pin["target"])
            a = arc_index.get((int(p.cadres.at[cadre, "pool"]), int(p.targets.at[target, "group"])))
            k = keep_index.get((cadre, target))
            guard = self._guard(
                Guard(H6.id, "pin", cadre=cadre, target=target, row=int(pin["row"]))
            )
            if a is None and k is None:
                # The pair breaks a single-pair rule: only a guard can make it "hold".
                self.cp.add_bool_or([]).only_enforce_if(guard)
                continue
            self._add(
                self._sum([a] if a is not None else [], [k] if k is not None else []) == 1
            ).only_enforce_if(guard)

    def hard_coverage(self) -> None:
        """Coverage as a hard rule (per kind): every target holds at least its minimum."""
        p = self.problem
        hard = p.groups["coverage"] == "hard"
        for college_kind, frame in p.groups[hard].groupby(
            [p.groups["kind"], p.groups["college"].fillna("(university)")]
        ):
            kind, college = college_kind
            guard = self._guard(Guard(S1.id, "coverage", kind=str(kind), college=str(college)))
            for g, row in frame.iterrows():
                need = int(row["min"]) * int(row["size"])
                expr = self._sum(self.arcs_of_group[int(g)], self.keeps_of_group[int(g)])
                self._add(expr >= need).only_enforce_if(guard)

    def hard_continuity(self) -> None:
        """Continuity as a hard rule: every contact from ``previous`` that may continue does."""
        if self.scenario.continuity != "hard":
            return
        p = self.problem
        for i, row in p.keeps[p.keeps["previous"]].iterrows():
            guard = self._guard(
                Guard(
                    S2.id,
                    "keep",
                    cadre=int(row["cadre"]),
                    target=int(row["target"]),
                    row=int(row["row"]),
                )
            )
            self._add(cp_model.LinearExpr.sum([self.keep[int(i)]]) == 1).only_enforce_if(guard)

    def restrict_to_face(self, face: Face) -> None:
        """Keep only plans on the flow's optimal face (every one optimal for its terms).

        Counts the face settles are constants already when the model was made with ``face``.
        """
        for var, lo, hi in zip(self.y, face.y_lo, face.y_hi, strict=True):
            if isinstance(var, int):
                if var != lo or lo != hi:
                    raise ValueError("the model was made for another face")
            elif lo == hi:
                self._add(var == int(lo))
            elif lo > 0:
                self._add(var >= int(lo))
        for var, lo, hi in zip(self.keep, face.keep_lo, face.keep_hi, strict=True):
            if lo == hi and not isinstance(var, int):
                self._add(var == int(lo))
        for (cadre, kind), count in face.cadre_keeps.items():
            self._add(self._sum((), self._cadre_slot_keeps(cadre, kind)) == count)
        for target, (lo, hi) in face.target_keeps.items():
            expr = self._sum((), self.keeps_of_target[target])
            self._add(expr >= lo)
            self._add(expr <= hi)
        for g in range(len(self.problem.groups)):
            lo, hi = int(face.group_lo[g]), int(face.group_hi[g])
            expr = self._sum(self.arcs_of_group[g], self.keeps_of_group[g])
            if lo == hi:
                self._add(expr == lo)
            else:
                if lo > 0:
                    self._add(expr >= lo)
                self._add(expr <= hi)
        tie_arc, tie_keep = face.tie_arc, face.tie_keep
        tie = tie_arc is not None and tie_keep is not None and bool(tie_arc.any() or tie_keep.any())
        if face.slack != 0 or tie:
            expr = self._face_slack(face)
            if tie_arc is not None and tie_keep is not None and tie:
                a, k = np.flatnonzero(tie_arc), np.flatnonzero(tie_keep)
                expr = expr - self._weighted(a, tie_arc[a], k, tie_keep[k])
            self._add(expr == face.slack)

    def _cadre_slot_keeps(self, cadre: int, kind: int) -> np.ndarray:
        """Keep candidates of a cadre, of one kind (code, see flow.KIND_CODE) or all (-1)."""
        ids = self.keeps_of_cadre[cadre]
        if kind < 0:
            return ids
        kinds = self.problem.keeps["kind"].to_numpy()[ids]
        return ids[kinds == KINDS[kind].value]

    def _face_slack(self, face: Face) -> cp_model.LinearExpr:
        """How much costlier than the flow relaxation a plan is, over the loose arcs."""
        parts: list[cp_model.LinearExprT] = []
        for what, index, kind, coef, sign, cap in zip(
            face.slack_what,
            face.slack_index,
            face.slack_kind,
            face.slack_coef,
            face.slack_sign,
            face.slack_cap,
            strict=True,
        ):
            i = int(index)
            if what == ARC:
                flow: cp_model.LinearExprT = self.y[i]
            elif what == KEEP:
                flow = self.keep[i]
            elif what == MOVE:
                flow = 1 - self._sum((), self._cadre_slot_keeps(i, int(kind)))
            elif what == TARGET:
                flow = self._sum((), self.keeps_of_target[i])
            else:  # SINK of a cap-1 group: what it holds beyond its pinned targets
                flow = self._sum(self.arcs_of_group[i], self.keeps_of_group[i]) - int(
                    face.pinned[i]
                )
            parts.append(int(coef) * (flow if sign > 0 else int(cap) - flow))
        return cp_model.LinearExpr.sum(parts)

    # -- soft terms ----------------------------------------------------------------------
    def term(self, name: str) -> cp_model.LinearExpr:
        """The linear expression of soft term ``name`` (its sense is in ``TERM_SENSE``)."""
        return {
            "coverage": self.s1_coverage,
            "continuity": self.s2_continuity,
            "campus": self.s3_same_campus,
            "dorm_gender": self.dorm_gender_soft,
            "dorm_priority": self.s4_dorm_priority,
            "central_spread": self.s5_central_spread,
            "stay": self.s6_stay,
        }[name]()

    def _linear(self, name: str) -> cp_model.LinearExpr | None:
        coef = linear_coefficients(self.problem, name)
        if coef is None:
            return None
        a = np.flatnonzero(coef[0])
        k = np.flatnonzero(coef[1])
        return self._weighted(a, coef[0][a], k, coef[1][k])

    def s1_coverage(self) -> cp_model.LinearExpr:
        """S1 Coverage (maximise): weighted count of targets holding their minimum of cadres.

        Dorms are off by default: rooms outnumber cadres several times over.
        """
        linear = self._linear("coverage")
        if linear is not None:
            return linear
        p = self.problem
        parts: list[cp_model.LinearExprT] = []
        for g, row in p.groups.iterrows():
            if row["coverage"] == "off" or row["weight"] == 0:
                continue
            assigned = self._sum(self.arcs_of_group[g], self.keeps_of_group[g])
            if row["min"] == 1 and row["cap"] == 1:
                parts.append(int(row["weight"]) * assigned)
            else:  # a group of one target with min/cap beyond 1
                covered = self.cp.new_bool_var(f"covered{g}")
                self._add(assigned >= int(row["min"])).only_enforce_if(covered)
                parts.append(int(row["weight"]) * covered)
        return cp_model.LinearExpr.sum(parts)

    def s2_continuity(self) -> cp_model.LinearExpr:
        """S2 Continuity (maximise): contacts of ``previous`` kept ("fixed contact")."""
        return self._linear("continuity")  # type: ignore[return-value]

    def s3_same_campus(self) -> cp_model.LinearExpr:
        """S3 Same campus (minimise): contacts on another campus than the cadre's."""
        return self._linear("campus")  # type: ignore[return-value]

    def dorm_gender_soft(self) -> cp_model.LinearExpr:
        """H5 as a soft rule (minimise): dorm rooms held by a cadre of the other gender."""
        return self._linear("dorm_gender")  # type: ignore[return-value]

    def s4_dorm_priority(self) -> cp_model.LinearExpr:
        """S4 Dorm priority (minimise): sum of the priority ranks of the dorms held."""
        return self._linear("dorm_priority")  # type: ignore[return-value]

    def s5_central_spread(self) -> cp_model.LinearExpr:
        """S5 Central spread (minimise): the most central cadres placed in any one college."""
        if self._central_max is not None:
            return cp_model.LinearExpr.sum([self._central_max])
        arcs, keeps = self.problem.arcs, self.problem.keeps
        central = self.problem.pools[self.problem.pools["central"]]
        # A central cadre may hold several targets of one college (duties above one).
        most = sum(
            int(size) * self.scenario.duty(role).total_range().max
            for role, size in zip(central["role"], central["size"], strict=True)
        )
        top = self.cp.new_int_var(0, max(most, 0), "central_max")
        a_by = (
            arcs[arcs["central"].to_numpy(bool) & arcs["college"].notna().to_numpy()]
            .groupby("college")
            .groups
        )
        k_mask = keeps["central"].to_numpy(bool) & keeps["college"].notna().to_numpy()
        k_by = keeps[k_mask].groupby("college").groups if k_mask.any() else {}
        for college in sorted(set(a_by) | set(k_by)):
            expr = self._sum(
                np.asarray(a_by.get(college, []), dtype=np.int64),
                np.asarray(k_by.get(college, []), dtype=np.int64),
            )
            self._add(expr <= top)
        self._central_max = top
        return cp_model.LinearExpr.sum([top])

    def s6_stay(self) -> cp_model.LinearExpr:
        """S6 Stay with the proposal (maximise): the proposal's contacts of a re-planned part
        kept."""
        return self._linear("stay")  # type: ignore[return-value]
