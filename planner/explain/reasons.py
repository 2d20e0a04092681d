"""Why a target is left without a cadre, in the words of the policy.

Every class, branch and society below its coverage minimum gets one reason in
``uncovered.csv`` and the workbook. A reason starts with its category, then the detail:

- ``no eligible cadre``: no available cadre in the plan's scope may hold it under H3
  department of origin and the role duties (names the college's cadres on leave);
- ``campus rule`` / ``dorm gender rule``: cadres exist who could hold it but for the hard
  campus rule or H5;
- ``pinned away``: every cadre who may hold it is forbidden here or required elsewhere by pins;
- ``equal priority``: every cadre who may hold it is needed at a target that counts as much
  for S1 Coverage. The message names how many targets compete for how many cadres: the set
  found by following "who else could hold that one" from the uncovered target (a Hall
  witness: no other cadre may hold any of them);
- ``kept by a hard rule``: a cadre who may hold it holds a lower-priority target that a hard
  rule keeps there (H4, a duty of the role, hard continuity).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from planner.contract import Kind, Role
from planner.i18n import gettext as _
from planner.i18n import ngettext, pgettext
from planner.plan import MERGED_STATUS, UNCOVERED_COLUMNS
from planner.policy import H1, H4, H5, S1, S2, S3
from planner.solver.eligibility import campus_hard, eligible, h5_dorm_gender, pair_frame
from planner.solver.problem import Problem
from planner.words import (
    cadres_by_college,
    college_name,
    count_words,
    file_name,
    join_words,
    kind_code,
    listed,
    row_list,
)

CATEGORIES = (
    "no eligible cadre",
    "campus rule",
    "dorm gender rule",
    "pinned away",
    "equal priority",
    "kept by a hard rule",
    "below its minimum",
)
"""The first words of every reason, one per category."""

MAX_LISTED = 6
"""Cadres or pins a reason names before it says "and N more"."""

KEPT_NAMED = 2
"""Cadres a "kept by a hard rule" reason names per rule before it says "and N more"."""


def uncovered_targets(
    problem: Problem,
    covered: np.ndarray,
    assignments: pd.DataFrame | None = None,
    status: str = "OPTIMAL",
) -> pd.DataFrame:
    """Coverable targets below their minimum, each with a reason in words.

    ``covered`` is aligned with ``problem.targets``. ``assignments`` (the plan's, columns
    ``cadre_id, kind, target_id``) lets the reason say what the competing cadres hold;
    without it the reason counts the cadres who may hold the target. ``status`` is the plan's
    (:data:`~planner.plan.MERGED_STATUS` for a merged plan, which no solver made): a reason
    says what is true of this plan, and what to change.
    """
    p = problem
    t = p.targets
    counting = {k.value: rule.coverage != "off" for k, rule in p.scenario.kinds.items()}
    coverable = t["kind"].map(counting).to_numpy(bool)
    rows = t[coverable & ~np.asarray(covered, dtype=bool)]
    if rows.empty:
        return pd.DataFrame(columns=UNCOVERED_COLUMNS)
    why = _Reasons(p, assignments, status)
    why.group_competitions([int(i) for i in rows.index])
    reasons = [why.of(int(i)) for i in rows.index]
    names = {
        "id": "target_id",
        "name": "target_name",
        "college": "target_college",
        "campus": "target_campus",
    }
    out = rows.rename(columns=names).assign(reason=reasons)
    return out[UNCOVERED_COLUMNS].reset_index(drop=True)


class _Reasons:
    """Reasons for one problem and plan; work shared between targets is cached."""

    def __init__(self, problem: Problem, assignments: pd.DataFrame | None, status: str) -> None:
        p = problem
        self.p = p
        self.status = status
        self.component: dict[int, int] = {}  # group → index into self.competitions
        self.competitions: list[tuple[set[int], set[int], list[int]]] = []
        c = p.cadres
        self.cadre_types = (
            c.assign(college=c["college"].fillna(""))
            .groupby(["role", "college", "campus", "gender"], sort=True)
            .indices
        )
        self.pool_of = c["pool"].to_numpy()
        self.group_of = p.targets["group"].to_numpy()
        self.cadre_index = pd.Series(np.arange(len(c)), index=c["id"])
        self.holding: dict[int, list[int]] = defaultdict(list)  # cadre → targets held
        self.holders = np.zeros(len(p.targets), dtype=np.int64)
        if assignments is not None and len(assignments):
            index = pd.Series(
                np.arange(len(p.targets)),
                index=pd.MultiIndex.from_arrays([p.targets["kind"], p.targets["id"]]),
            )
            keys = pd.MultiIndex.from_arrays([assignments["kind"], assignments["target_id"]])
            tgt = index.reindex(keys).to_numpy()
            cad = self.cadre_index.reindex(assignments["cadre_id"]).to_numpy()
            for ci, ti in zip(cad, tgt, strict=True):
                if not (pd.isna(ci) or pd.isna(ti)):
                    self.holding[int(ci)].append(int(ti))
                    self.holders[int(ti)] += 1
        self.known = assignments is not None
        # pool → groups it may hold, group → pools that may hold it (arcs and keeps)
        self.pools_of_group: dict[int, set[int]] = defaultdict(set)
        self.groups_of_pool: dict[int, set[int]] = defaultdict(set)
        for frame in (p.arcs, p.keeps):
            for pool, group in zip(frame["pool"], frame["group"], strict=True):
                self.pools_of_group[int(group)].add(int(pool))
                self.groups_of_pool[int(pool)].add(int(group))
        self.cadres_of_pool = c.groupby("pool").indices
        self.weight = p.groups["weight"].to_numpy()
        self.counted = (p.groups["coverage"] != "off").to_numpy()
        self.cache: dict[int, str] = {}
        role = c["role"].to_numpy()
        self.leaders = set(np.flatnonzero(role == Role.SCHOOL_LEADER.value).tolist())
        self.leaders_in: dict[str, set[int]] = defaultdict(set)
        target_college = p.targets["college"].to_numpy()
        for cadre in self.leaders:
            for held in self.holding.get(cadre, []):
                if isinstance(target_college[held], str):
                    self.leaders_in[target_college[held]].add(cadre)
        self.pinned = set(p.requires["cadre"].astype(int))

    # -- the reason of one target ----------------------------------------------------------
    def of(self, target: int) -> str:
        p = self.p
        t = p.targets.loc[target]
        minimum = p.scenario.kinds[Kind(t["kind"])].min
        partial = ""
        if self.known and 0 < self.holders[target] < minimum:
            partial = _(
                "below its minimum: holds {n} of the {minimum} cadres a {kind} should have; "
            ).format(n=self.holders[target], minimum=minimum, kind=kind_code(t["kind"]))
        group = int(t["group"])
        singleton = bool(p.groups.at[group, "singleton"])
        if not singleton and group in self.cache:
            return partial + self.cache[group]
        reason = self._reason(target, t)
        if not singleton:
            self.cache[group] = reason
        return partial + reason

    def _reason(self, target: int, t: pd.Series) -> str:
        mask = self._eligible_types(t, eligible)
        able = self._cadres(mask)
        if len(able) == 0:
            return self._nobody(t)
        free = self._unpinned(target, able)
        if len(free) == 0:
            return self._pinned(target, able)
        return self._competition(target, t, free)

    # -- cadres by type ---------------------------------------------------------------------
    def _eligible_types(self, t: pd.Series, rule: object) -> dict[tuple[str, ...], bool]:
        keys = list(self.cadre_types)
        if not keys:
            return {}
        side = pd.DataFrame(keys, columns=["role", "college", "campus", "gender"])
        side["college"] = side["college"].where(side["college"] != "", None)
        target = pd.DataFrame([t] * len(side)).reset_index(drop=True)
        frame = pair_frame(side, target)
        ok = rule(frame, self.p.scenario)  # type: ignore[operator]
        return dict(zip(keys, np.asarray(ok, dtype=bool), strict=True))

    def _cadres(self, mask: dict[tuple[str, ...], bool]) -> np.ndarray:
        parts = [self.cadre_types[k] for k, ok in mask.items() if ok]
        return np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)

    def _unpinned(self, target: int, able: np.ndarray) -> np.ndarray:
        """Cadres of ``able`` not forbidden here and not required elsewhere by pins."""
        p = self.p
        forbidden = set(p.forbids.loc[p.forbids["target"] == target, "cadre"])
        busy = set()
        for cadre, frame in p.requires.groupby("cadre"):
            role = p.cadres.at[int(cadre), "role"]
            elsewhere = (frame["target"] != target).sum()
            if elsewhere >= p.scenario.duty(role).total_range().max:
                busy.add(int(cadre))
        return np.array([c for c in able if c not in forbidden and c not in busy], dtype=np.int64)

    # -- the categories ---------------------------------------------------------------------
    def _nobody(self, t: pd.Series) -> str:
        """No cadre in scope may hold it: say which rule, and who is missing."""
        p = self.p
        for rule, name, words in (
            (campus_hard, "campus rule", S3.made_hard),
            (h5_dorm_gender, "dorm gender rule", H5.label),
        ):
            relaxed = self._relaxed(t, rule)
            if len(relaxed):
                campuses = pgettext("list", ", ").join(sorted(set(p.cadres.loc[relaxed, "campus"])))
                where = (
                    _("they are on {campuses}, the {kind} on {campus}").format(
                        campuses=campuses, kind=kind_code(t["kind"]), campus=t["campus"]
                    )
                    if name == "campus rule"
                    else _("the room houses students of the other gender")
                )
                fix = (
                    _("To cover it, make the campus rule soft (campus: soft)")
                    if name == "campus rule"
                    else _("To cover it, add a cadre of the room's gender")
                )
                category = (
                    pgettext("reason", "campus rule")
                    if name == "campus rule"
                    else pgettext("reason", "dorm gender rule")
                )
                return ngettext(
                    "{category}: {cadres} could hold it but is kept out by {rule}: {where}. {fix}",
                    "{category}: {cadres} could hold it but are kept out by {rule}: {where}. {fix}",
                    len(relaxed),
                ).format(
                    category=category,
                    cadres=count_words(len(relaxed), "cadre"),
                    rule=words,
                    where=where,
                    fix=fix,
                )
        college = t["college"]
        data = p.dataset.cadres
        parts = []
        if isinstance(college, str):
            own = data[~data["central"] & (data["unit"] == college)]
            leave = own[~own["available"]]
            n_ready = int(own["available"].sum())
            in_scope = int((p.cadres["college"] == college).sum())
            text = _("{college} has {cadres} of its own").format(
                college=college_name(p.dataset, college),
                cadres=count_words(n_ready, "available cadre"),
            )
            if n_ready and not in_scope:
                text += _(" outside this plan's scope")
            elif n_ready:
                text += _(" and none may hold it ({rule}: the duties of their roles)").format(
                    rule=H1.label
                )
            if len(leave):
                text += _(" ({n} on leave: {file} {rows})").format(
                    n=len(leave),
                    file=file_name(p.dataset, "cadres"),
                    rows=row_list(list(leave["row"])),
                )
            parts.append(text)
        else:
            parts.append(
                _("no cadre on {campus} may hold a university-level society").format(
                    campus=t["campus"]
                )
            )
        if p.scope.startswith("college="):
            parts.append(_("central cadres are placed in the central part"))
        elif not p.cadres["central"].any():
            parts.append(_("no central cadre is available"))
        fix = (
            _("To cover it, add a cadre of the college, or mark one available (在岗 = 是)")
            if isinstance(college, str)
            else _("To cover it, add a cadre on {campus}").format(campus=t["campus"])
        )
        return _("no eligible cadre: {why}. {fix}").format(
            why=pgettext("clauses", "; ").join(parts), fix=fix
        )

    def _relaxed(self, t: pd.Series, rule: object) -> np.ndarray:
        """Cadres who could hold ``t`` if only ``rule`` were dropped."""
        full = self._eligible_types(t, eligible)
        without = self._eligible_types(t, lambda f, s: _drop(f, s, rule))
        return self._cadres({k: without[k] and not full[k] for k in full})

    def _pinned(self, target: int, able: np.ndarray) -> str:
        p = self.p
        pins = file_name(p.dataset, "pins")
        forbids = p.forbids[(p.forbids["target"] == target) & p.forbids["cadre"].isin(able)]
        requires = p.requires[p.requires["cadre"].isin(able) & (p.requires["target"] != target)]
        parts = []
        if len(forbids):
            parts.append(
                _("{file} {rows} forbid {names} here").format(
                    file=pins,
                    rows=row_list(list(forbids["row"])),
                    names=self._names(list(forbids["cadre"])),
                )
            )
        if len(requires):
            parts.append(
                _("{file} {rows} require {names} elsewhere").format(
                    file=pins,
                    rows=row_list(list(requires["row"])),
                    names=self._names(sorted(set(requires["cadre"]))),
                )
            )
        return ngettext(
            "pinned away: the {cadres} who may hold it is pinned: {pins}. {fix}",
            "pinned away: the {cadres} who may hold it are pinned: {pins}. {fix}",
            len(able),
        ).format(
            cadres=count_words(len(able), "cadre"),
            pins=pgettext("clauses", "; ").join(parts),
            fix=_("To cover it, drop one of these pins"),
        )

    def group_competitions(self, targets: list[int]) -> None:
        """Gather the uncovered targets whose competitions overlap into one, so that every
        reason of one competition gives the same counts (a witness followed from each target
        alone would count a different part of it)."""
        if not self.known:
            return
        weights: list[int] = []
        for target in targets:
            g = int(self.group_of[target])
            w = int(self.weight[g])
            if g in self.component:
                continue
            groups, cadres, blocked = self._witness(g, w)
            if any(not self._holds_counted(c, w) for c in cadres):
                continue  # a cadre holds a target that counts less: said as such
            found = {self.component[x] for x in groups if x in self.component} & {
                i for i, v in enumerate(weights) if v == w
            }
            for i in found:
                other = self.competitions[i]
                groups |= other[0]
                cadres |= other[1]
                blocked = sorted(set(blocked) | set(other[2]))
            self.competitions.append((groups, cadres, sorted(set(blocked) - cadres)))
            weights.append(w)
            for x in groups:
                self.component[x] = len(self.competitions) - 1

    def _competition(self, target: int, t: pd.Series, free: np.ndarray) -> str:
        p = self.p
        if not self.known:
            return _(
                "equal priority: the {cadres} who may hold it ({who}) are needed at other "
                "targets that count as much for {rule}. To cover it, add a cadre who may hold "
                "it, or pin one to it (--require)"
            ).format(cadres=count_words(len(free), "cadre"), who=self._who(free), rule=S1.label)
        w = self.weight[int(t["group"])]
        g = int(t["group"])
        if g in self.component:
            groups, cadres, blocked = self.competitions[self.component[g]]
        else:
            groups, cadres, blocked = self._witness(g, w)
        # A reached cadre holding a lower-priority target could move: a hard rule keeps them.
        lower = [c for c in sorted(cadres) if not self._holds_counted(c, w)]
        if lower:
            return self._kept(t, lower)
        targets = p.targets[np.isin(self.group_of, list(groups))]
        targets = targets[self.counted[targets["group"].to_numpy()]]
        uncovered = int((self.holders[targets.index] == 0).sum())
        reached = np.array(sorted(cadres), dtype=np.int64)
        text = ngettext(
            "equal priority: {targets} compete for the {cadres} who may hold them ({who}), "
            "each holding one, so {k} of them stays uncovered; {s2}, {s3}, then ids decide "
            "which",
            "equal priority: {targets} compete for the {cadres} who may hold them ({who}), "
            "each holding one, so {k} of them stay uncovered; {s2}, {s3}, then ids decide "
            "which",
            uncovered,
        ).format(
            targets=self._count_targets(targets),
            cadres=count_words(len(reached), "cadre"),
            who=self._who(reached),
            k=uncovered,
            s2=S2.label,
            s3=S3.label,
        )
        if blocked:
            limit = p.scenario.school_leader_spread
            text += _(
                "; {n} ({names}) may not come in: {rule} allows at most {limit} per college"
            ).format(
                n=count_words(len(blocked), "more school leader"),
                names=self._names(blocked),
                rule=H4.label,
                limit=limit,
            )
        return _("{why}. {fix}").format(
            why=text, fix=_("To cover it, add a cadre who may hold it, or pin one here")
        )

    def _holds_counted(self, cadre: int, weight: int) -> bool:
        return any(self._counts(h, weight) for h in self.holding.get(cadre, []))

    def _counts(self, target: int, weight: int) -> bool:
        g = int(self.group_of[target])
        return bool(self.counted[g] and self.weight[g] >= weight)

    def _witness(self, start: int, weight: int) -> tuple[set[int], set[int], list[int]]:
        """Follow "who may hold it → what they hold" from group ``start``.

        Returns the groups and cadres reached, and the school leaders H4 keeps out of a
        reached college. Pinned cadres stay where their pins put them.
        """
        p = self.p
        groups, cadres = {start}, set()
        blocked: set[int] = set()
        frontier = [start]
        while frontier:
            g = frontier.pop()
            college = p.groups.at[g, "college"]
            for pool in sorted(self.pools_of_group.get(g, ())):
                for c in self.cadres_of_pool.get(pool, ()):
                    c = int(c)
                    if c in cadres or c in self.pinned:
                        continue
                    if self._h4_blocks(c, college):
                        blocked.add(c)
                        continue
                    cadres.add(c)
                    blocked.discard(c)
                    for held in self.holding.get(c, []):
                        hg = int(self.group_of[held])
                        if hg not in groups and self._counts(held, weight):
                            groups.add(hg)
                            frontier.append(hg)
        return groups, cadres, sorted(blocked - cadres)

    def _h4_blocks(self, cadre: int, college: object) -> bool:
        """H4 keeps school leader ``cadre`` out of ``college`` (already at its limit)."""
        limit = self.p.scenario.school_leader_spread
        if limit is None or not isinstance(college, str) or cadre not in self.leaders:
            return False
        there = self.leaders_in.get(college, set())
        return cadre not in there and len(there) >= limit

    def _kept(self, t: pd.Series, lower: list[int]) -> str:
        """Cadres who may hold ``t`` hold targets that count less: say which rule keeps them
        there (grouped, so each rule is said once) and what to change."""
        p = self.p
        by_rule: dict[str, list[int]] = {}
        for c in lower:
            by_rule.setdefault(self._rule(c), []).append(c)
        words = []
        for rule, cadres in by_rule.items():
            held = []
            for c in cadres[:KEPT_NAMED]:
                cadre = p.cadres.loc[c]
                what = pgettext("list", ", ").join(
                    f"{kind_code(p.targets.at[h, 'kind'])} {p.targets.at[h, 'id']}"
                    for h in self.holding.get(c, [])
                )
                name = _("{name} ({code})").format(name=cadre["name"], code=cadre["id"])
                held.append(f"{name} {what or '-'}")
            more = len(cadres) - KEPT_NAMED
            listed_ = "; ".join(held) + (_(" and {n} more").format(n=more) if more > 0 else "")
            words.append(f"{listed_}: {rule}")
        return _(
            "kept by a hard rule: cadres who may hold it hold targets that count less: {words}"
        ).format(words=" / ".join(words))

    def _rule(self, cadre: int) -> str:
        """Why ``cadre`` stays at a target that counts less, and what to change."""
        p = self.p
        c = p.cadres.loc[cadre]
        limit = p.scenario.school_leader_spread
        if c["role"] == Role.SCHOOL_LEADER.value and limit is not None:
            return _(
                "{rule} allows at most {limit} school leader(s) per college; to cover it, "
                "raise school_leader_spread in the scenario"
            ).format(rule=H4.label, limit=limit)
        duty = p.scenario.duty(c["role"])
        if any(duty.kind_range(k).min > 0 for k in Kind):
            return _(
                "the duties of the role require it ({rule}); to cover it, change the role's "
                "duties in the scenario"
            ).format(rule=H1.label)
        if p.scenario.continuity == "hard":
            return _("{rule} keeps them; to cover it, make continuity soft").format(
                rule=S2.made_hard
            )
        if self.status == MERGED_STATUS:
            part = c["college"] if isinstance(c["college"], str) else "central"
            return _(
                "the merged plan keeps each part as its office adjusted it; to cover it, "
                "re-plan the part ({part}) against the proposal"
            ).format(part=part)
        return _(
            "the solver stopped before proving the plan best; to cover it, plan again with a "
            "longer --time-limit"
        )

    # -- words ----------------------------------------------------------------------------
    def _who(self, cadres: np.ndarray) -> str:
        frame = self.p.cadres.loc[cadres]
        colleges = {c for c in frame["college"] if isinstance(c, str)}
        if len(colleges) <= 2:
            return cadres_by_college(self.p.dataset, frame)
        central = int(frame["central"].sum())
        return _("of {n} colleges and {central} central").format(n=len(colleges), central=central)

    def _names(self, cadres: list[int]) -> str:
        p = self.p
        return listed(
            [
                _("{name} ({code})").format(name=p.cadres.at[c, "name"], code=p.cadres.at[c, "id"])
                for c in cadres
            ],
            MAX_LISTED,
        )

    def _count_targets(self, targets: pd.DataFrame) -> str:
        kinds = targets["kind"].value_counts()
        words = join_words(
            [
                count_words(int(kinds[k]), k)
                for k in ("class", "branch", "society", "dorm")
                if k in kinds
            ]
        )
        colleges = sorted({c for c in targets["college"] if isinstance(c, str)})
        if len(colleges) <= 2:
            where = [college_name(self.p.dataset, c) for c in colleges]
            if targets["college"].isna().any():
                where.append(_("university level"))
            return _("{targets} ({where})").format(targets=words, where=join_words(where))
        return _("{targets} (of {n} colleges)").format(targets=words, n=len(colleges))


def _drop(frame: pd.DataFrame, scenario: object, rule: object) -> np.ndarray:
    """Every single-pair rule but ``rule`` (campus or dorm gender) holds."""
    from planner.solver.eligibility import h3_department_of_origin, kind_allowed

    checks = [kind_allowed, h3_department_of_origin, h5_dorm_gender, campus_hard]
    ok = np.ones(len(frame), dtype=bool)
    for check in checks:
        if check is not rule:
            ok &= check(frame, scenario)  # type: ignore[arg-type]
    return ok
