"""Property tests: random small universities, planned and compared with an independent optimum.

Hypothesis draws universities of 1–3 colleges and 2–8 cadres of mixed roles, genders, campuses
and availability, a few targets of random kinds per college and maybe a university-level
society (ids repeat across kinds, as the contract allows),
last semester's plan (with contacts whose cadre or target is gone) and pins, and a scenario
that turns every knob: rule strengths, origin per role, the school-leader limit, per-kind
coverage, caps and weights, dorm priority, strict or weighted priorities in any order, duties,
and the scope (with held targets). Half the draws keep to the network-flow fast path of the
planner (one target per cadre, caps of one, no hard coverage or continuity).

Every plan must pass the independent checker, and its terms must equal an optimum computed here
without the planner's code:

- :func:`assignment_optimum` (up to 8 cadres, duties of at most one target): a min-cost
  assignment (``scipy.optimize.linear_sum_assignment``) over cadres × target copies, with
  exact lexicographic costs, extra "nothing" columns for cadres who may hold nothing, dummy
  rows that make every hard-coverage column compulsory, and the school leaders' choices
  enumerated for H4. It checks every linear term (all but S5 Central spread).
- :func:`brute_force_optimum` (up to 4 cadres and 6 targets, any duties, coverage minimums of
  2): every assignment enumerated; it checks every term, S5 included, in any priority order.

When the reference finds no feasible assignment, the planner must raise ``InfeasibleError``.
"""

from __future__ import annotations

import itertools
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from conftest import (
    Triple,
    branch,
    cadre,
    dorm,
    klass,
    make_dataset,
    scn,
    society,
    solve_and_check,
)
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from planner.dataset import Dataset
from planner.errors import InfeasibleError
from planner.plan import Plan

KIND_NAMES = ("class", "dorm", "society", "branch")
CENTRAL = ("school_leader", "office_leader", "sao_cadre", "league_cadre")
COLLEGE_ROLES = ("college_leader", "dept_leader", "professor", "young_teacher")
LINEAR_TERMS = ("coverage", "continuity", "campus", "dorm_gender", "dorm_priority")
ALL_TERMS = (*LINEAR_TERMS, "central_spread")
MAXIMISE = {"coverage", "continuity"}

EXAMPLES = int(os.environ.get("PLANNER_PROPERTY_EXAMPLES", "20"))
"""Examples per property; raise it (e.g. 1000) to hunt for bugs, the suite keeps it small."""

SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Duties, written out in full so that the reference reads them without the planner's Duty:
# (total min, total max, {kind: (min, max)} for every kind).
DUTY_STYLES: dict[str, tuple[int, int, dict[str, tuple[int, int]]]] = {
    "one": (1, 1, {k: (0, 1) for k in KIND_NAMES}),
    "up_to_one": (0, 1, {k: (0, 1) for k in KIND_NAMES}),
    "one_no_dorm": (1, 1, {"class": (0, 1), "dorm": (0, 0), "society": (0, 1), "branch": (0, 1)}),
    "one_or_two": (1, 2, {k: (0, 2) for k in KIND_NAMES}),
    "class_and_branch": (
        2,
        2,
        {"class": (1, 1), "dorm": (0, 0), "society": (0, 0), "branch": (1, 1)},
    ),
}
SIMPLE_DUTIES = ("one", "up_to_one", "one_no_dorm")


def duty_data(style: str) -> dict[str, Any]:
    """A duty style as scenario data (every kind listed, so nothing is derived)."""
    lo, hi, per_kind = DUTY_STYLES[style]
    return {"total": [lo, hi], "per_kind": {k: list(r) for k, r in per_kind.items()}}


# --- the drawn university ------------------------------------------------------------------


@dataclass
class Target:
    """A target as the reference sees it."""

    kind: str
    id: str
    college: str | None
    campus: str
    gender: str | None = None
    grade: int | None = None
    residents: int = 0
    building: str = ""


@dataclass
class Uni:
    """A drawn instance: records for :func:`make_dataset` and the scenario as plain data."""

    colleges: list[tuple[str, str]]
    cadres: list[dict[str, Any]]
    targets: list[Target]
    previous: list[Triple]
    pins: list[tuple[str, str, str, str]]
    scenario: dict[str, Any]
    styles: dict[str, str]
    """Duty style per role (every role listed)."""
    held: frozenset[tuple[str, str]] = frozenset()

    def dataset(self) -> Dataset:
        """The canonical data set of the drawn records."""
        by_kind: dict[str, list[dict[str, Any]]] = {k: [] for k in KIND_NAMES}
        for t in self.targets:
            if t.kind == "class":
                rec = klass(t.id, t.college or "", campus=t.campus, grade=t.grade or 2025)
            elif t.kind == "dorm":
                rec = dorm(
                    t.id,
                    t.college or "",
                    campus=t.campus,
                    gender=t.gender or "M",
                    grade=t.grade,
                    residents=t.residents,
                    building=t.building,
                )
            elif t.kind == "society":
                rec = society(t.id, t.college, campus=t.campus)
            else:
                rec = branch(t.id, t.college or "", campus=t.campus)
            by_kind[t.kind].append(rec)
        return make_dataset(
            cadres=self.cadres,
            classes=by_kind["class"],
            dorms=by_kind["dorm"],
            societies=by_kind["society"],
            branches=by_kind["branch"],
            previous=self.previous,
            pins=self.pins,
            colleges=self.colleges,
        )


CAMPUS = st.sampled_from(["A", "B"])
GENDER = st.sampled_from(["M", "F"])


@st.composite
def universities(
    draw: st.DrawFn,
    *,
    max_cadres: int,
    per_college: int,
    max_targets: int,
    duty_styles: tuple[str, ...],
    min_two: bool,
    order_all: bool,
) -> Uni:
    """A random small university and scenario (see the module docstring)."""
    n_colleges = draw(st.integers(1, 3))
    colleges = [(f"C{i}", draw(CAMPUS)) for i in range(1, n_colleges + 1)]
    ids = [c for c, _ in colleges]
    home = dict(colleges)

    def campus_near(college: str | None) -> str:
        """Mostly the college's own campus, sometimes the other one."""
        if college is None or draw(st.integers(0, 3)) == 0:
            return draw(CAMPUS)
        return home[college]

    cadres = []
    leaders = 0
    for i in range(draw(st.integers(2, max_cadres))):
        role = draw(st.sampled_from(CENTRAL + COLLEGE_ROLES))
        if role == "school_leader":
            leaders += 1
            if leaders > 2:  # keeps the reference's H4 enumeration small
                role = "office_leader"
        unit = "校办" if role in CENTRAL else draw(st.sampled_from(ids))
        cadres.append(
            cadre(
                f"P{i}",
                role,
                unit,
                campus=campus_near(None if role in CENTRAL else unit),
                gender=draw(GENDER),
                available=draw(st.integers(0, 5)) > 0,
            )
        )
    # Targets college by college (ids numbered per kind, so they repeat across kinds).
    targets: list[Target] = []
    numbered: Counter[str] = Counter()
    places: list[tuple[str | None, str | None]] = []
    for own in ids:
        places += [(own, None)] * draw(st.integers(1, per_college))
        places += [(own, "dorm")] * draw(st.integers(0, 2))  # rooms are many
    places += [(None, "society")] * draw(st.integers(0, 1))  # a university-level society
    for college, fixed_kind in places[:max_targets]:
        kind = fixed_kind or draw(st.sampled_from(KIND_NAMES))
        targets.append(
            Target(
                kind=kind,
                id=f"T{numbered[kind]}",
                college=college,
                campus=campus_near(college),
                gender=draw(GENDER) if kind == "dorm" else None,
                grade=draw(st.one_of(st.none(), st.integers(2023, 2026)))
                if kind == "dorm"
                else draw(st.integers(2023, 2026)),
                residents=draw(st.integers(1, 6)),
                building=draw(st.sampled_from(["H1", "H2"])),
            )
        )
        numbered[kind] += 1
    cadre_ids = [c["id"] for c in cadres]
    keys = [(t.kind, t.id) for t in targets]

    def plausible_target(who: str) -> tuple[str, str]:
        """Mostly a target the cadre may hold under H3 (so that the pair matters)."""
        unit = next((c["unit"] for c in cadres if c["id"] == who), None)
        own = [(t.kind, t.id) for t in targets if t.college in (unit, None)]
        if unit is not None and own and draw(st.integers(0, 3)) > 0:
            return draw(st.sampled_from(own))
        return draw(st.sampled_from(keys))

    # Last semester's plan: one contact per cadre and per target, plus contacts whose cadre
    # has left or whose target is gone.
    previous: list[Triple] = []
    for who in draw(st.lists(st.sampled_from([*cadre_ids, "GONE"]), max_size=4, unique=True)):
        kind, tid = plausible_target(who) if keys else ("class", "GRADUATED")
        if draw(st.integers(0, 5)) == 0:
            tid = "GRADUATED"
        if all((k, t) != (kind, tid) for _, k, t in previous):
            previous.append((who, kind, tid))
    # Consistent pins: a require pin per cadre and per target at most, on available cadres,
    # and no forbid pin on a required pair.
    pins: list[tuple[str, str, str, str]] = []
    if keys:
        for _ in range(draw(st.sampled_from([0, 0, 1, 2]))):
            who = draw(st.sampled_from(cadre_ids))
            kind, tid = plausible_target(who)
            available = next(c["available"] for c in cadres if c["id"] == who)
            taken = any(p[0] == who or p[1:3] == (kind, tid) for p in pins)
            rule = "require" if available and not taken and draw(st.booleans()) else "forbid"
            if all(p[:3] != (who, kind, tid) for p in pins):
                pins.append((who, kind, tid, rule))

    # Half the draws keep to the network-flow fast path (one target per cadre, caps and
    # minimums of 1, nothing hard but H1-H6), where H4 is a branch and bound over flows.
    plain = draw(st.booleans())
    styles = {
        role: "one" if plain else draw(st.sampled_from(duty_styles))
        for role in CENTRAL + COLLEGE_ROLES
    }
    kinds: dict[str, Any] = {}
    for kind in KIND_NAMES:
        coverage = draw(
            st.sampled_from(
                ["soft"] * 6 + ["off"] * 3 + ["hard"] * (not plain)
                if kind != "dorm"
                else ["off"] * 6 + ["soft"] * 3 + ["hard"] * (not plain)
            )
        )
        lo, cap = (
            (1, 1)
            if plain
            else draw(
                st.sampled_from(
                    [(1, 1), (1, 1), (1, 2), (2, 2)] if min_two else [(1, 1), (1, 1), (1, 2)]
                )
            )
        )
        kinds[kind] = {
            "coverage": coverage,
            "min": lo,
            "cap": cap,
            "weight": draw(st.integers(0, 3)),
        }
    origin_roles = {}
    if draw(st.booleans()):
        origin_roles[draw(st.sampled_from(COLLEGE_ROLES))] = draw(st.booleans())
    priority_by = draw(st.sampled_from(["grade", "residents", "list"]))
    dorm_priority: dict[str, Any] = {"by": priority_by}
    if priority_by == "list":
        pool = sorted({t.id for t in targets if t.kind == "dorm"} | {"H1", "H2"})
        dorm_priority["list"] = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3))
    strict = draw(st.integers(0, 3)) > 0
    if order_all:
        order = list(draw(st.permutations(ALL_TERMS)))
    else:
        order = [*draw(st.permutations(LINEAR_TERMS)), "central_spread"]
    weights = {t: draw(st.integers(0, 4)) for t in ALL_TERMS}
    if not order_all:
        weights["central_spread"] = 0  # S5 is not linear: the assignment reference leaves it out
    scope = draw(st.sampled_from(["university", "university", "central", "college"]))
    held: frozenset[tuple[str, str]] = frozenset()
    if scope != "university":
        # College scope: the approved central plan's targets; central scope: the targets
        # left to the colleges' fixed contacts.
        if scope == "college":
            scope = f"college={draw(st.sampled_from(ids))}"
        held = frozenset((t.kind, t.id) for t in targets if draw(st.integers(0, 3)) == 0)
    scenario = {
        "duties": {role: duty_data(style) for role, style in styles.items()},
        "kinds": kinds,
        "origin": {"enforce": draw(st.integers(0, 4)) > 0, "roles": origin_roles},
        "school_leader_spread": draw(st.sampled_from([1, 1, 2, None])),
        "dorm_gender": draw(st.sampled_from(["hard", "soft", "off"])),
        "campus": draw(st.sampled_from(["soft", "soft", "hard", "off"])),
        "continuity": draw(st.sampled_from(["soft"] * 3 + ["hard"] * (not plain) + ["off"])),
        "dorm_priority": dorm_priority,
        "priorities": "strict" if strict else "weighted",
        "order": list(order),
        "weights": weights,
        "scope": scope,
    }
    return Uni(colleges, cadres, targets, previous, pins, scenario, styles, held)


# --- the reference: rules and terms written from policy.md, without the planner ---------------


@dataclass
class Instance:
    """The in-scope part of a drawn university, with every rule as plain Python."""

    uni: Uni
    cadres: list[dict[str, Any]] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)

    def __post_init__(self) -> None:
        s = self.uni.scenario
        scope = s["scope"]
        cadres = [c for c in self.uni.cadres if c["available"]]
        targets = list(self.uni.targets)
        if scope == "central":
            cadres = [c for c in cadres if c["role"] in CENTRAL]
        elif scope.startswith("college="):
            college = scope.split("=", 1)[1]
            cadres = [c for c in cadres if c["role"] not in CENTRAL and c["unit"] == college]
            # Its own targets and the university-level societies (H3 decides which it may hold).
            targets = [t for t in targets if t.college in (college, None)]
        if scope != "university":
            targets = [t for t in targets if (t.kind, t.id) not in self.uni.held]
        self.cadres, self.targets = cadres, targets
        self.previous = set(self.uni.previous)
        self.forbid = {(c, k, t) for c, k, t, r in self.uni.pins if r == "forbid"}
        ids = {c["id"] for c in cadres}
        keys = {(t.kind, t.id) for t in targets}
        self.require = {
            (c, k, t)
            for c, k, t, r in self.uni.pins
            if r == "require" and c in ids and (k, t) in keys
        }
        self.rank = self._ranks()

    # rules on one pair
    def duty(self, c: dict[str, Any]) -> tuple[int, int, dict[str, tuple[int, int]]]:
        return DUTY_STYLES[self.uni.styles[c["role"]]]

    def origin_binds(self, role: str) -> bool:
        origin = self.uni.scenario["origin"]
        return role not in CENTRAL and origin["roles"].get(role, origin["enforce"])

    def allowed(self, c: dict[str, Any], t: Target) -> bool:
        """H1 per-kind, H3, H5 (hard), campus (hard) and forbid pins, for one pair."""
        s = self.uni.scenario
        if self.duty(c)[2][t.kind][1] == 0:
            return False
        if self.origin_binds(c["role"]):
            own = t.college == c["unit"]
            open_society = t.kind == "society" and t.college is None and t.campus == c["campus"]
            if not (own or open_society):
                return False
        if s["dorm_gender"] == "hard" and t.kind == "dorm" and t.gender != c["gender"]:
            return False
        if s["campus"] == "hard" and t.campus != c["campus"]:
            return False
        return (c["id"], t.kind, t.id) not in self.forbid

    def kind_rule(self, kind: str) -> dict[str, Any]:
        rule: dict[str, Any] = self.uni.scenario["kinds"][kind]
        return rule

    def _ranks(self) -> dict[str, int]:
        """S4 rank of every dorm of the data set (0 = first choice)."""
        dorms = [t for t in self.uni.targets if t.kind == "dorm"]
        rule = self.uni.scenario["dorm_priority"]
        if rule["by"] == "grade":
            grades = [t.grade for t in dorms if t.grade is not None]
            if not grades:
                return {t.id: 0 for t in dorms}
            newest, oldest = max(grades), min(grades)
            return {t.id: newest - (t.grade if t.grade is not None else oldest - 1) for t in dorms}
        if rule["by"] == "residents":
            most = max(t.residents for t in dorms) if dorms else 0
            return {t.id: most - t.residents for t in dorms}
        order: list[str] = rule["list"]

        def position(t: Target) -> int:
            for key in (t.id, t.building):
                if key in order:
                    return order.index(key)
            return len(order)

        return {t.id: position(t) for t in dorms}

    # terms of a whole plan
    def pair_terms(self, c: dict[str, Any], t: Target) -> dict[str, int]:
        """The per-pair linear terms (coverage is per target, counted separately)."""
        return {
            "continuity": int((c["id"], t.kind, t.id) in self.previous),
            "campus": int(c["campus"] != t.campus),
            "dorm_gender": int(t.kind == "dorm" and t.gender != c["gender"]),
            "dorm_priority": self.rank[t.id] if t.kind == "dorm" else 0,
        }

    def terms(self, plan: list[tuple[int, int]]) -> dict[str, int]:
        """Every term of a plan given as (cadre index, target index) pairs."""
        out = dict.fromkeys(ALL_TERMS, 0)
        holders = Counter(ti for _, ti in plan)
        for ti, t in enumerate(self.targets):
            rule = self.kind_rule(t.kind)
            if rule["coverage"] != "off" and holders[ti] >= rule["min"]:
                out["coverage"] += rule["weight"]
        central: Counter[str] = Counter()
        for ci, ti in plan:
            c, t = self.cadres[ci], self.targets[ti]
            for name, value in self.pair_terms(c, t).items():
                out[name] += value
            if c["role"] in CENTRAL and t.college is not None:
                central[t.college] += 1
        out["central_spread"] = max(central.values(), default=0)
        return out

    def compared(self, order_all: bool) -> list[str]:
        """Terms the planner optimises, in priority order (only these are compared)."""
        s = self.uni.scenario
        active = {
            "coverage": True,
            "continuity": s["continuity"] == "soft",
            "campus": s["campus"] == "soft",
            "dorm_gender": s["dorm_gender"] == "soft",
            "dorm_priority": True,
            "central_spread": order_all,
        }
        return [t for t in s["order"] if active[t]]

    def score(self, values: dict[str, int], compared: list[str]) -> tuple[int, ...]:
        """Lexicographic (strict) or weighted key of a plan: smaller is better."""
        signed = [-values[t] if t in MAXIMISE else values[t] for t in compared]
        s = self.uni.scenario
        if s["priorities"] == "strict":
            return tuple(signed)
        return (sum(s["weights"][t] * v for t, v in zip(compared, signed, strict=True)),)

    # hard rules on a whole plan
    def hard_ok(self, plan: list[tuple[int, int]]) -> bool:
        """H1 counts, H2 caps, H4, H6 require pins, hard coverage and hard continuity."""
        s = self.uni.scenario
        held = {(ci, ti) for ci, ti in plan}
        if len(held) != len(plan):
            return False
        if not all(self.allowed(self.cadres[ci], self.targets[ti]) for ci, ti in plan):
            return False
        for ci, c in enumerate(self.cadres):
            lo, hi, per_kind = self.duty(c)
            mine = [self.targets[ti].kind for cj, ti in plan if cj == ci]
            if not lo <= len(mine) <= hi:
                return False
            if any(not a <= mine.count(k) <= b for k, (a, b) in per_kind.items()):
                return False
        holders = Counter(ti for _, ti in plan)
        for ti, t in enumerate(self.targets):
            rule = self.kind_rule(t.kind)
            if holders[ti] > rule["cap"]:
                return False
            if rule["coverage"] == "hard" and holders[ti] < rule["min"]:
                return False
        limit = s["school_leader_spread"]
        if limit is not None:
            per_college = Counter(
                self.targets[ti].college
                for ci, ti in plan
                if self.cadres[ci]["role"] == "school_leader" and self.targets[ti].college
            )
            if any(n > limit for n in per_college.values()):
                return False
        triples = {
            (self.cadres[ci]["id"], self.targets[ti].kind, self.targets[ti].id) for ci, ti in plan
        }
        if not self.require <= triples:
            return False
        return not (s["continuity"] == "hard" and not self.must_keep() <= triples)

    def must_keep(self) -> set[Triple]:
        """Hard continuity: the previous contacts that may continue."""
        return {
            (c["id"], t.kind, t.id)
            for c in self.cadres
            for t in self.targets
            if (c["id"], t.kind, t.id) in self.previous and self.allowed(c, t)
        }


@dataclass
class Reference:
    """The optimum found by a reference: its key, term values and one optimal plan."""

    key: tuple[int, ...]
    values: dict[str, int]
    plan: list[tuple[int, int]]


# --- reference 1: min-cost assignment ------------------------------------------------------


def assignment_optimum(inst: Instance) -> Reference | None:
    """The optimum by min-cost assignment (duties of at most one target; caps by copies).

    Fixed pairs (require pins, hard continuity) are placed first; the school leaders' choices
    are enumerated when H4 applies; every other cadre is a row of one assignment problem.
    """
    s = inst.uni.scenario
    cad_index = {c["id"]: i for i, c in enumerate(inst.cadres)}
    tgt_index = {(t.kind, t.id): i for i, t in enumerate(inst.targets)}
    fixed = set(inst.require)
    if s["continuity"] == "hard":
        fixed |= inst.must_keep()
    fixed_pairs = [(cad_index[c], tgt_index[(k, t)]) for c, k, t in fixed]
    if len({ci for ci, _ in fixed_pairs}) != len(fixed_pairs):
        return None  # a cadre would hold two targets
    if not all(inst.allowed(inst.cadres[ci], inst.targets[ti]) for ci, ti in fixed_pairs):
        return None
    free = [ci for ci in range(len(inst.cadres)) if ci not in {c for c, _ in fixed_pairs}]
    leaders = [ci for ci in free if inst.cadres[ci]["role"] == "school_leader"]
    if s["school_leader_spread"] is None:
        leaders = []
    options = []
    for ci in leaders:
        c = inst.cadres[ci]
        choice: list[int | None] = [ti for ti, t in enumerate(inst.targets) if inst.allowed(c, t)]
        if inst.duty(c)[0] == 0:
            choice.append(None)
        options.append(choice)
    compared = inst.compared(order_all=False)
    best: Reference | None = None
    for combo in itertools.product(*options):
        placed = fixed_pairs + [
            (ci, ti) for ci, ti in zip(leaders, combo, strict=True) if ti is not None
        ]
        rest = [ci for ci in free if ci not in leaders]
        plan = _assign(inst, placed, rest, compared)
        if plan is None or not inst.hard_ok(plan):
            continue
        values = inst.terms(plan)
        key = inst.score(values, compared)
        if best is None or key < best.key:
            best = Reference(key, values, plan)
    return best


def _assign(
    inst: Instance, placed: list[tuple[int, int]], rows: list[int], compared: list[str]
) -> list[tuple[int, int]] | None:
    """The best completion of ``placed`` by the cadres ``rows``, or None if there is none."""
    holders = Counter(ti for _, ti in placed)
    columns: list[tuple[int, bool]] = []  # (target, first copy: counts for coverage)
    forced: list[bool] = []
    for ti, t in enumerate(inst.targets):
        rule = inst.kind_rule(t.kind)
        room = rule["cap"] - holders[ti]
        if room < 0:
            return None
        for copy in range(room):
            first = copy == 0 and holders[ti] == 0
            columns.append((ti, first))
            forced.append(first and rule["coverage"] == "hard")
    nothing = [ci for ci in rows if inst.duty(inst.cadres[ci])[0] == 0]
    n_cols = len(columns) + len(nothing)
    if len(rows) > n_cols:
        return None
    per_pair = _pair_costs(inst, rows, columns, compared)
    cost = np.full((n_cols, n_cols), np.inf)
    for r, ci in enumerate(rows):
        cost[r, : len(columns)] = per_pair[r]
        if ci in nothing:
            cost[r, len(columns) + nothing.index(ci)] = 0.0
    # Dummy rows take the columns nobody uses, but never a column hard coverage needs.
    cost[len(rows) :, :] = 0.0
    cost[len(rows) :, : len(columns)][:, np.array(forced, dtype=bool)] = np.inf
    try:
        r_ind, c_ind = linear_sum_assignment(cost)
    except ValueError:  # no assignment of finite cost
        return None
    plan = list(placed)
    for r, col in zip(r_ind, c_ind, strict=True):
        if r < len(rows) and col < len(columns):
            plan.append((rows[r], columns[col][0]))
    return plan


def _pair_costs(
    inst: Instance, rows: list[int], columns: list[tuple[int, bool]], compared: list[str]
) -> np.ndarray:
    """Cost of each cadre × column: lexicographic (exact multipliers) or weighted."""
    s = inst.uni.scenario
    values: dict[str, np.ndarray] = {t: np.zeros((len(rows), len(columns))) for t in LINEAR_TERMS}
    allowed = np.zeros((len(rows), len(columns)), dtype=bool)
    for r, ci in enumerate(rows):
        c = inst.cadres[ci]
        for j, (ti, first) in enumerate(columns):
            t = inst.targets[ti]
            allowed[r, j] = inst.allowed(c, t)
            rule = inst.kind_rule(t.kind)
            if first and rule["coverage"] != "off" and rule["min"] == 1:
                values["coverage"][r, j] = rule["weight"]
            for name, v in inst.pair_terms(c, t).items():
                values[name][r, j] = v
    linear = [name for name in compared if name in LINEAR_TERMS]
    signed = {n: -values[n] if n in MAXIMISE else values[n] for n in linear}
    if s["priorities"] == "strict":
        # Exact multipliers: each term outweighs everything all lower terms can add up to.
        total = np.zeros((len(rows), len(columns)))
        multiplier = 1.0
        for name in reversed(linear):
            total += multiplier * signed[name]
            top = max(1.0, float(np.abs(signed[name]).max(initial=0)))
            multiplier *= 2 * len(rows) * top + 1
    else:
        total = sum((s["weights"][n] * signed[n] for n in linear), np.zeros_like(allowed, float))
    return np.where(allowed, total, np.inf)


# --- reference 2: brute force ----------------------------------------------------------------


def brute_force_optimum(inst: Instance, order_all: bool = True) -> Reference | None:
    """The optimum over every assignment (tiny instances only)."""
    compared = inst.compared(order_all)
    choices = [_cadre_choices(inst, ci) for ci in range(len(inst.cadres))]
    best: Reference | None = None
    for plan in _plans(inst, choices):
        if not inst.hard_ok(plan):
            continue
        values = inst.terms(plan)
        key = inst.score(values, compared)
        if best is None or key < best.key:
            best = Reference(key, values, plan)
    return best


def _cadre_choices(inst: Instance, ci: int) -> list[tuple[int, ...]]:
    """Every set of targets one cadre may hold under its duty and the single-pair rules."""
    c = inst.cadres[ci]
    lo, hi, per_kind = inst.duty(c)
    ok = [ti for ti, t in enumerate(inst.targets) if inst.allowed(c, t)]
    out = []
    for n in range(lo, hi + 1):
        for combo in itertools.combinations(ok, n):
            kinds = Counter(inst.targets[ti].kind for ti in combo)
            if all(a <= kinds[k] <= b for k, (a, b) in per_kind.items()):
                out.append(combo)
    return out


def _plans(inst: Instance, choices: list[list[tuple[int, ...]]]) -> Iterator[list[tuple[int, int]]]:
    """Every combination of the cadres' choices that keeps the caps (pruned as it goes)."""
    caps = [inst.kind_rule(t.kind)["cap"] for t in inst.targets]
    holders = [0] * len(inst.targets)
    plan: list[tuple[int, int]] = []

    def walk(ci: int) -> Iterator[list[tuple[int, int]]]:
        if ci == len(choices):
            yield list(plan)
            return
        for combo in choices[ci]:
            if any(holders[ti] >= caps[ti] for ti in combo):
                continue
            for ti in combo:
                holders[ti] += 1
                plan.append((ci, ti))
            yield from walk(ci + 1)
            for ti in combo:
                holders[ti] -= 1
                plan.pop()

    return walk(0)


# --- the properties --------------------------------------------------------------------------


def _plan_or_infeasible(uni: Uni) -> Plan | None:
    dataset = uni.dataset()
    try:
        return solve_and_check(dataset, scn(**uni.scenario), held=uni.held)
    except InfeasibleError:
        return None


def _compare(uni: Uni, reference: Callable[[Instance], Reference | None], order_all: bool) -> None:
    inst = Instance(uni)
    expected = reference(inst)
    plan = _plan_or_infeasible(uni)
    event("infeasible" if expected is None else "feasible")
    s = uni.scenario
    flow = (
        set(uni.styles.values()) == {"one"}
        and all(k["cap"] == k["min"] == 1 and k["coverage"] != "hard" for k in s["kinds"].values())
        and s["continuity"] != "hard"
    )
    event("flow-shaped" if flow else "CP-SAT only")
    event(f"scope {uni.scenario['scope'].split('=')[0]}, {uni.scenario['priorities']}")
    if expected is None:
        assert plan is None, f"the reference finds no feasible plan, the planner found {plan!r}"
        return
    witness = [
        (inst.cadres[c]["id"], inst.targets[t].kind, inst.targets[t].id) for c, t in expected.plan
    ]
    assert plan is not None, (
        f"the planner says infeasible, but this plan keeps every rule: {witness}"
    )
    compared = inst.compared(order_all)
    got = {name: plan.terms[name].value for name in ALL_TERMS}
    assert got["coverage"] == expected.values["coverage"] or uni.scenario["priorities"] != "strict"
    assert inst.score(got, compared) == expected.key, (
        f"planner terms {got} vs optimum {expected.values} (compared: {compared}, "
        f"{uni.scenario['priorities']})"
    )


ASSIGNMENT_UNIS = universities(
    max_cadres=8,
    per_college=3,
    max_targets=12,
    duty_styles=SIMPLE_DUTIES,
    min_two=False,
    order_all=False,
)
TINY_UNIS = universities(
    max_cadres=4,
    per_college=2,
    max_targets=6,
    duty_styles=tuple(DUTY_STYLES),
    min_two=True,
    order_all=True,
)


@SETTINGS
@given(uni=ASSIGNMENT_UNIS)
def test_plans_reach_the_assignment_optimum(uni: Uni) -> None:
    _compare(uni, assignment_optimum, order_all=False)


@SETTINGS
@given(uni=TINY_UNIS)
def test_tiny_plans_reach_the_brute_force_optimum(uni: Uni) -> None:
    _compare(uni, brute_force_optimum, order_all=True)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    uni=universities(
        max_cadres=4,
        per_college=2,
        max_targets=6,
        duty_styles=SIMPLE_DUTIES,
        min_two=False,
        order_all=False,
    )
)
def test_the_two_references_agree(uni: Uni) -> None:
    """The references are code too: on simple duties they must find the same optimum."""
    inst = Instance(uni)
    a, b = assignment_optimum(inst), brute_force_optimum(inst, order_all=False)
    assert (a is None) == (b is None)
    if a is not None and b is not None:
        assert a.key == b.key
