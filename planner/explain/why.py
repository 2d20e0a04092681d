"""Why a plan gives this cadre this target, and what the best alternatives would cost.

``planner explain PLAN_DIR --cadre ID`` (or ``--target ID``) answers the question an SAO
officer is asked when defending a plan: *why 张伟 and class 2025C0703?* The answer has three
parts, each in the words of ``policy.md``:

1. **Rules that allow it** (H1–H6): department of origin, dorm gender, campus, school-leader
   spread, pins.
2. **What decides it** (S1–S5 in the scenario's priority order): does the target count for
   coverage, is it last semester's contact, same campus, the dorm's rank, the central spread;
   and a re-solve *without* the pair: is it needed, or a tie broken by id order?
3. **The best alternatives**, each re-solved with the alternative pinned (a ``require`` pin
   added to a copy of the pins table) and compared term by term with the plan, in the
   scenario's order: e.g. *moving 张伟 to class 2025C0703 would leave branch B12 uncovered*.

Candidates are chosen without the solver (single-pair rules, pins, last semester, coverage,
kind, college and campus), and each is solved once, deterministically, on the same data,
scenario and held targets as the plan.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from planner.contract import ROLE_LABELS_ZH, Kind, Role
from planner.dataset import Dataset
from planner.errors import InfeasibleError, NoPlanInTimeError, UsageError
from planner.explain.capacity import count_words
from planner.explain.diagnose import college_name, file_name, solve_explained
from planner.io.plan_folder import read_plan_dir
from planner.scenario import TERM_SENSE, TERMS, Scenario, scenario_from_dict
from planner.solver.cpsat import PolicyModel
from planner.solver.decompose import decompose
from planner.solver.eligibility import eligible, pair_frame
from planner.solver.pairs import assignment_table, covered_mask, term_values
from planner.solver.problem import Problem, build_problem
from planner.solver.solve import Solution

ALTERNATIVES = 3
"""Alternatives evaluated by default."""

MAX_MOVES = 3
"""Other cadres' changes an alternative names before it counts the rest."""

TERM_NAMES: dict[str, str] = {
    "coverage": "S1 coverage",
    "continuity": "S2 continuity",
    "campus": "S3 same campus",
    "dorm_gender": "H5 dorm gender (soft)",
    "dorm_priority": "S4 dorm priority",
    "central_spread": "S5 central spread",
}
"""Short names of the objective terms, as ``policy.md`` numbers them."""

TERM_UNITS: dict[str, str] = {
    "coverage": "targets covered",
    "continuity": "contacts kept",
    "campus": "contacts on another campus",
    "dorm_gender": "dorm rooms of the other gender",
    "dorm_priority": "dorm rank total",
    "central_spread": "most central cadres in one college",
}


# -- results -------------------------------------------------------------------------------
@dataclass
class Alternative:
    """One alternative pair, solved: what the best plan holding it would cost.

    ``verdict`` is ``worse``, ``as good`` or ``better`` (than the plan, in the scenario's
    priority order), ``impossible`` (the hard rules cannot hold with it) or ``unknown`` (no
    plan within the time limit). ``decided_by`` is the first term that differs.
    """

    cadre_id: str
    cadre_name: str
    kind: str
    target_id: str
    target_name: str
    verdict: str
    summary: str
    decided_by: str | None = None
    terms: dict[str, int] = field(default_factory=dict)
    deltas: dict[str, int] = field(default_factory=dict)
    uncovered: list[str] = field(default_factory=list)
    """Targets covered in the plan that this alternative leaves without their cadre."""
    covered: list[str] = field(default_factory=list)
    """Targets uncovered in the plan that this alternative covers."""
    ended: list[str] = field(default_factory=list)
    """Contacts kept from last semester in the plan that this alternative ends."""
    moved: int = 0
    """Other cadres whose targets change."""
    moves: list[str] = field(default_factory=list)
    """The first of those changes, ``name (id): class A → class B``."""
    reasons: list[str] = field(default_factory=list)
    """Why it is impossible (the diagnosis), when it is."""
    assignments: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    """The alternative plan's assignments (not in ``as_dict``)."""

    def as_dict(self) -> dict[str, Any]:
        """Plain data, without the assignments."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "assignments"}


@dataclass
class Explanation:
    """Why a cadre holds a target (or a target holds a cadre), and the alternatives."""

    subject: str
    """``cadre`` or ``target``."""
    id: str
    title: str
    holds: list[str]
    rules: list[str]
    terms: list[str]
    without: list[str]
    alternatives: list[Alternative]
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """Plain data (``--json``)."""
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "alternatives"}
        data["alternatives"] = [alt.as_dict() for alt in self.alternatives]
        data["seconds"] = round(self.seconds, 2)
        return data

    def text(self) -> str:
        """The explanation as a terminal reads it."""
        lines = [self.title]
        holds = "Holds" if self.subject == "cadre" else "Held by"
        lines += [f"{holds}: {h}" for h in self.holds] or [f"{holds}: nothing"]
        for heading, items in (
            ("Rules that allow it (hard rules)", self.rules),
            ("What decides it (soft rules, in the scenario's priority order)", self.terms),
            ("Without it", self.without),
        ):
            if items:
                lines += ["", heading + ":"] + [f"  - {item}" for item in items]
        if self.alternatives:
            lines += ["", "Best alternatives (each re-planned with it pinned):"]
            for i, alt in enumerate(self.alternatives, 1):
                lines.append(f"  {i}. {alt.summary}")
        if self.notes:
            lines += ["", "Notes:"] + [f"  - {n}" for n in self.notes]
        return "\n".join(lines)


# -- the plan as read back -----------------------------------------------------------------
@dataclass
class PlanContext:
    """A plan folder read back, with its problem rebuilt from the data set."""

    dataset: Dataset
    scenario: Scenario
    held: frozenset[tuple[str, str]]
    assignments: pd.DataFrame
    terms: dict[str, int]
    status: str
    problem: Problem
    notes: list[str]

    @classmethod
    def load(cls, dataset: Dataset, plan_dir: Path) -> PlanContext:
        """Read ``assignments.csv`` and ``plan.json`` and rebuild the problem."""
        assignments, meta = read_plan_dir(plan_dir)
        raw = meta.get("scenario")
        if not isinstance(raw, dict):
            raise UsageError(f"{Path(plan_dir) / 'plan.json'}: no scenario recorded")
        scenario = scenario_from_dict(raw, source=str(Path(plan_dir) / "plan.json"))
        held = frozenset(
            (str(k), str(t)) for k, t in (meta.get("held") or []) if isinstance(k, str)
        )
        notes = []
        for table, recorded in (meta.get("inputs") or {}).items():
            source = dataset.sources.get(table)
            sha = recorded.get("sha256") if isinstance(recorded, dict) else None
            if source is not None and sha and source.sha256 != sha:
                notes.append(
                    f"{source.display} differs from the file the plan was made from: the "
                    "explanation uses the data as it is now"
                )
        if meta.get("status") not in (None, "OPTIMAL"):
            notes.append(
                "the plan was not proven best (a time or gap limit stopped the solver): an "
                "alternative may come out better"
            )
        problem = build_problem(dataset, scenario, held)
        frame = _plan_frame(problem, assignments)
        if len(frame) < len(assignments):
            notes.append(
                f"{len(assignments) - len(frame)} row(s) of assignments.csv name a cadre or "
                "target that is not in the data (or not available): they are left out"
            )
        terms = term_values(problem, frame)
        return cls(
            dataset=dataset,
            scenario=scenario,
            held=held,
            assignments=frame,
            terms=terms,
            status=str(meta.get("status", "")),
            problem=problem,
            notes=notes,
        )


def _plan_frame(problem: Problem, assignments: pd.DataFrame) -> pd.DataFrame:
    """The plan's assignments in the form :func:`planner.solver.pairs.term_values` reads."""
    c = problem.cadres.set_index("id")
    t = problem.targets.set_index(["kind", "id"])
    a = assignments[["cadre_id", "kind", "target_id"]].astype(str)
    known = a["cadre_id"].isin(c.index) & pd.MultiIndex.from_arrays(
        [a["kind"], a["target_id"]]
    ).isin(t.index)
    a = a[known].reset_index(drop=True)
    cadre_rows = c.loc[a["cadre_id"]].reset_index()
    target_rows = t.loc[pd.MultiIndex.from_arrays([a["kind"], a["target_id"]])].reset_index()
    prev = problem.dataset.previous
    prev_keys = set(zip(prev["cadre"], prev["kind"], prev["target"], strict=True))
    return pd.DataFrame(
        {
            "cadre_id": a["cadre_id"],
            "kind": a["kind"],
            "target_id": a["target_id"],
            "cadre_name": cadre_rows["name"],
            "role": cadre_rows["role"],
            "cadre_unit": cadre_rows["unit"],
            "cadre_college": cadre_rows["college"],
            "cadre_campus": cadre_rows["campus"],
            "target_name": target_rows["name"],
            "target_college": target_rows["college"],
            "target_campus": target_rows["campus"],
            "kept": [
                k in prev_keys for k in zip(a["cadre_id"], a["kind"], a["target_id"], strict=True)
            ],
        }
    )


# -- entry points ----------------------------------------------------------------------------
def explain_cadre(
    dataset: Dataset,
    plan_dir: Path,
    cadre_id: str,
    *,
    alternatives: int = ALTERNATIVES,
    time_limit: float = 30.0,
) -> Explanation:
    """Why the plan in ``plan_dir`` gives cadre ``cadre_id`` what it holds, and the best
    ``alternatives`` other targets for them with their cost."""
    started = time.perf_counter()
    ctx = PlanContext.load(dataset, plan_dir)
    ex = _Explainer(ctx, time_limit)
    result = ex.cadre(str(cadre_id).strip(), alternatives)
    result.seconds = time.perf_counter() - started
    return result


def explain_target(
    dataset: Dataset,
    plan_dir: Path,
    target_id: str,
    kind: str | None = None,
    *,
    alternatives: int = ALTERNATIVES,
    time_limit: float = 30.0,
) -> Explanation:
    """Why the plan in ``plan_dir`` gives target ``target_id`` its cadre (or none), and the
    best ``alternatives`` other cadres for it with their cost."""
    started = time.perf_counter()
    ctx = PlanContext.load(dataset, plan_dir)
    ex = _Explainer(ctx, time_limit)
    result = ex.target(str(target_id).strip(), kind, alternatives)
    result.seconds = time.perf_counter() - started
    return result


# -- the work -------------------------------------------------------------------------------
class _Explainer:
    def __init__(self, ctx: PlanContext, time_limit: float) -> None:
        self.ctx = ctx
        self.p = ctx.problem
        self.time_limit = time_limit
        a = ctx.assignments
        self.plan_pairs = set(zip(a["cadre_id"], a["kind"], a["target_id"], strict=True))
        self.holder: dict[tuple[str, str], list[str]] = {}
        for c, k, t in self.plan_pairs:
            self.holder.setdefault((k, t), []).append(c)
        self.holding: dict[str, list[tuple[str, str]]] = {}
        for c, k, t in sorted(self.plan_pairs):
            self.holding.setdefault(c, []).append((k, t))
        self.kept = set(
            zip(
                a.loc[a["kept"], "cadre_id"],
                a.loc[a["kept"], "kind"],
                a.loc[a["kept"], "target_id"],
                strict=True,
            )
        )
        self.covered = covered_mask(self.p, a)
        self.cadre_index = pd.Series(np.arange(len(self.p.cadres)), index=self.p.cadres["id"])
        self.target_index = pd.Series(
            np.arange(len(self.p.targets)),
            index=pd.MultiIndex.from_arrays([self.p.targets["kind"], self.p.targets["id"]]),
        )
        prev = ctx.dataset.previous
        self.previous = {
            (c, k, t): int(r)
            for c, k, t, r in zip(
                prev["cadre"], prev["kind"], prev["target"], prev["row"], strict=True
            )
        }
        self.terms = [t for t in ctx.scenario.order if t in TERMS and self._active(t)]

    def _active(self, term: str) -> bool:
        s = self.ctx.scenario
        if term == "dorm_gender":
            return s.dorm_gender == "soft"
        if term == "continuity":
            return s.continuity != "off"
        if term == "campus":
            return s.campus == "soft"
        return True

    # -- words ---------------------------------------------------------------------------
    def _cadre_row(self, cadre_id: str) -> pd.Series:
        return self.p.cadres.loc[int(self.cadre_index[cadre_id])]

    def _target_row(self, kind: str, target_id: str) -> pd.Series:
        return self.p.targets.loc[int(self.target_index[(kind, target_id)])]

    def _cadre_words(self, c: pd.Series) -> str:
        return f"{c['name']} ({c['id']})"

    def _cadre_title(self, c: pd.Series) -> str:
        role = Role(c["role"])
        where = college_name(self.p, c["college"]) if isinstance(c["college"], str) else c["unit"]
        return (
            f"{c['name']} ({c['id']}) — {ROLE_LABELS_ZH[role]} {role.value}, {where}, "
            f"campus {c['campus']}"
        )

    def _target_words(self, t: pd.Series) -> str:
        return f"{t['kind']} {t['id']} ({t['name']})"

    def _target_title(self, t: pd.Series) -> str:
        where = (
            college_name(self.p, t["college"])
            if isinstance(t["college"], str)
            else "university level"
        )
        extra = f", {t['gender']}" if isinstance(t["gender"], str) else ""
        grade = f", entry year {t['grade']}" if not pd.isna(t["grade"]) else ""
        return f"{t['kind']} {t['id']} ({t['name']}) — {where}, campus {t['campus']}{extra}{grade}"

    # -- cadre mode ------------------------------------------------------------------------
    def cadre(self, cadre_id: str, n: int) -> Explanation:
        ds = self.ctx.dataset
        rows = ds.cadres[ds.cadres["id"] == cadre_id]
        if rows.empty:
            raise UsageError(
                f"no cadre with id '{cadre_id}' in {file_name(self.p, 'cadres')} (工号)"
            )
        if cadre_id not in self.cadre_index.index:
            r = rows.iloc[0]
            why = (
                f"on leave (在岗 = 否 in {file_name(self.p, 'cadres')} row {r['row']}): H1 gives "
                "a cadre on leave no target"
                if not r["available"]
                else f"outside this plan's scope ({self.p.scope}): another plan places them"
            )
            return Explanation(
                "cadre",
                cadre_id,
                f"{r['name']} ({cadre_id})",
                [],
                [why],
                [],
                [],
                [],
                notes=list(self.ctx.notes),
            )
        c = self._cadre_row(cadre_id)
        held = self.holding.get(cadre_id, [])
        holds = [self._target_title(self._target_row(k, t)) for k, t in held]
        rules: list[str] = []
        terms: list[str] = []
        without: list[str] = []
        pinned = self._pinned_pairs(c)
        if pinned:
            alts = []
            without.append(
                "the pair is fixed by a require pin (H6); drop the pin row to see alternatives"
            )
        else:
            alts = [
                self._evaluate(c, self._target_row(k, t), f"moving {self._cadre_words(c)} to")
                for k, t in self._target_candidates(c, n)
            ]
        for k, t in held:
            target = self._target_row(k, t)
            rules += self._rules(c, target)
            terms += self._term_words(c, target)
            without += self._without(c, target, alts)
        if not held:
            rules.append("H1 one target per cadre: the role's duties let this cadre hold nothing")
        return Explanation(
            "cadre",
            cadre_id,
            self._cadre_title(c),
            holds,
            _unique(rules),
            _unique(terms),
            without,
            alts,
            notes=list(self.ctx.notes),
        )

    # -- target mode -----------------------------------------------------------------------
    def target(self, target_id: str, kind: str | None, n: int) -> Explanation:
        matches = self.ctx.dataset.targets()
        matches = matches[matches["id"] == target_id]
        if kind is not None:
            matches = matches[matches["kind"] == kind]
        if matches.empty:
            what = f"{kind} " if kind else ""
            raise UsageError(
                f"no {what}target with id '{target_id}' in the classes, dorms, societies or "
                "branches tables"
            )
        if len(matches) > 1:
            kinds = ", ".join(sorted(matches["kind"]))
            raise UsageError(
                f"'{target_id}' is the id of several targets ({kinds}); say which with --kind"
            )
        kind = str(matches.iloc[0]["kind"])
        if (kind, target_id) not in self.target_index.index:
            return Explanation(
                "target",
                target_id,
                f"{kind} {target_id}",
                [],
                [f"outside this plan's scope ({self.p.scope}) or held by an approved plan"],
                [],
                [],
                [],
                notes=list(self.ctx.notes),
            )
        t = self._target_row(kind, target_id)
        holders = sorted(self.holder.get((kind, target_id), []))
        rules: list[str] = []
        terms: list[str] = []
        without: list[str] = []
        if self._require_rows(t):
            alts = []
            without.append(
                "the pair is fixed by a require pin (H6); drop the pin row to see alternatives"
            )
        else:
            alts = [
                self._evaluate(self._cadre_row(cid), t, "giving it to", target_first=True)
                for cid in self._cadre_candidates(t, holders, n)
            ]
        for cadre_id in holders:
            c = self._cadre_row(cadre_id)
            rules += self._rules(c, t)
            terms += self._term_words(c, t)
            without += self._without(c, t, alts)
        if not holders:
            terms += self._uncovered_words(t)
        held_by = [self._cadre_title(self._cadre_row(h)) for h in holders]
        return Explanation(
            "target",
            target_id,
            self._target_title(t),
            held_by,
            _unique(rules),
            _unique(terms),
            without,
            alts,
            notes=list(self.ctx.notes),
        )

    # -- rules and terms of one pair --------------------------------------------------------
    def _rules(self, c: pd.Series, t: pd.Series) -> list[str]:
        p, s = self.p, self.ctx.scenario
        out = []
        duty = s.duty(c["role"]).total_range()
        out.append(
            f"H1 one target per cadre: a {c['role']} holds "
            + (f"exactly {duty.min}" if duty.min == duty.max else f"{duty.min} to {duty.max}")
            + " target(s)"
        )
        if c["central"]:
            out.append(
                "H3 department of origin: a central cadre (placed by the SAO) may hold any target"
            )
        elif not s.origin.applies_to(Role(c["role"])):
            out.append(f"H3 department of origin is off for {c['role']} in this scenario")
        elif isinstance(t["college"], str):
            out.append(
                f"H3 department of origin: cadre and {t['kind']} both belong to "
                f"{college_name(p, t['college'])}"
            )
        else:
            out.append(
                f"H3 department of origin: a university-level society on the cadre's own "
                f"campus ({t['campus']})"
            )
        if t["kind"] == Kind.DORM.value and s.dorm_gender != "off":
            out.append(
                f"H5 dorm gender ({s.dorm_gender}): the room houses {t['gender']} students, "
                f"the cadre is {c['gender']}"
            )
        if s.campus == "hard":
            out.append(f"campus rule (hard): both on {t['campus']}")
        limit = s.school_leader_spread
        if c["role"] == Role.SCHOOL_LEADER.value and limit is not None:
            if isinstance(t["college"], str):
                out.append(
                    f"H4 school leaders spread out: {self._leaders_in(t['college'])} of at most "
                    f"{limit} school leader(s) in {college_name(p, t['college'])}"
                )
            else:
                out.append(
                    "H4 school leaders spread out: a university-level society counts for no college"
                )
        for row in self._pin_rows(c, t, "require"):
            out.append(f"H6 pins: {file_name(p, 'pins')} row {row} requires this pair")
        return out

    def _leaders_in(self, college: str) -> int:
        a = self.ctx.assignments
        return int(
            ((a["role"] == Role.SCHOOL_LEADER.value) & (a["target_college"] == college)).sum()
        )

    def _pin_rows(self, c: pd.Series, t: pd.Series, rule: str) -> list[int]:
        pins = self.ctx.dataset.pins
        mask = (
            (pins["cadre"] == c["id"])
            & (pins["kind"] == t["kind"])
            & (pins["target"] == t["id"])
            & (pins["rule"] == rule)
        )
        return [int(r) for r in pins.loc[mask, "row"]]

    def _pinned_pairs(self, c: pd.Series) -> list[int]:
        pins = self.ctx.dataset.pins
        mask = (pins["cadre"] == c["id"]) & (pins["rule"] == "require")
        return [int(r) for r in pins.loc[mask, "row"]]

    def _require_rows(self, t: pd.Series) -> list[int]:
        pins = self.ctx.dataset.pins
        mask = (
            (pins["kind"] == t["kind"]) & (pins["target"] == t["id"]) & (pins["rule"] == "require")
        )
        return [int(r) for r in pins.loc[mask, "row"]]

    def _term_words(self, c: pd.Series, t: pd.Series) -> list[str]:
        p, s = self.p, self.ctx.scenario
        words: dict[str, str] = {}
        rule = s.kinds[Kind(t["kind"])]
        if rule.coverage == "off":
            words["coverage"] = (
                f"S1 coverage: {t['kind']}s do not count for coverage in this scenario "
                f"(kinds: {t['kind']}: coverage: off)"
            )
        else:
            words["coverage"] = (
                f"S1 coverage: the {t['kind']} counts for coverage ({rule.coverage}, weight "
                f"{rule.weight}); the plan covers {self.ctx.terms['coverage']} weighted targets"
            )
        key = (c["id"], t["kind"], t["id"])
        if key in self.previous:
            words["continuity"] = (
                f"S2 continuity: the same contact as last semester "
                f"({file_name(p, 'previous')} row {self.previous[key]})"
            )
        else:
            before = [(k, tid, r) for (cid, k, tid), r in self.previous.items() if cid == c["id"]]
            if before:
                k, tid, r = before[0]
                words["continuity"] = (
                    f"S2 continuity: a new contact; last semester the cadre held {k} {tid} "
                    f"({file_name(p, 'previous')} row {r}), which " + self._previous_fate(c, k, tid)
                )
            else:
                words["continuity"] = "S2 continuity: the cadre had no contact last semester"
        if c["campus"] == t["campus"]:
            words["campus"] = f"S3 same campus: cadre and {t['kind']} are both on {t['campus']}"
        else:
            words["campus"] = (
                f"S3 same campus: the {t['kind']} is on {t['campus']}, the cadre on "
                f"{c['campus']}: this contact counts against same campus "
                f"({self.ctx.terms['campus']} in the plan)"
            )
        if t["kind"] == Kind.DORM.value:
            rank = int(t["rank"])
            words["dorm_priority"] = f"S4 dorm priority: rank {rank} by {s.dorm_priority.by}" + (
                " (first choice)" if rank == 0 else ""
            )
            if s.dorm_gender == "soft":
                words["dorm_gender"] = "H5 dorm gender (soft): " + (
                    "same gender"
                    if c["gender"] == t["gender"]
                    else "other gender: counts against it"
                )
        if c["central"] and isinstance(t["college"], str):
            a = self.ctx.assignments
            central_roles = {
                r.value for r in Role if r.value in set(p.cadres.loc[p.cadres["central"], "role"])
            }
            here = int(
                (a["role"].isin(central_roles) & (a["target_college"] == t["college"])).sum()
            )
            words["central_spread"] = (
                f"S5 central spread: one of {here} central cadre(s) in "
                f"{college_name(p, t['college'])}; the most in any college is "
                f"{self.ctx.terms['central_spread']}"
            )
        return [words[name] for name in self.terms if name in words]

    def _previous_fate(self, c: pd.Series, kind: str, target_id: str) -> str:
        holders = self.holder.get((kind, target_id))
        if (kind, target_id) not in self.target_index.index:
            return "no longer exists or is outside this plan"
        t = self._target_row(kind, target_id)
        reasons = _pair_blocked(self.p, c, t)
        if reasons:
            return "a hard rule now forbids (" + "; ".join(reasons) + ")"
        if holders:
            names = ", ".join(self._cadre_words(self._cadre_row(h)) for h in holders)
            return f"{names} holds now"
        return "nobody holds now"

    def _uncovered_words(self, t: pd.Series) -> list[str]:
        from planner.explain.reasons import uncovered_targets

        index = int(self.target_index[(t["kind"], t["id"])])
        rule = self.ctx.scenario.kinds[Kind(t["kind"])]
        if rule.coverage == "off":
            return [f"S1 coverage: {t['kind']}s do not count for coverage in this scenario"]
        only = np.zeros(len(self.p.targets), dtype=bool)
        only[index] = True
        covered = self.covered | ~only
        frame = uncovered_targets(self.p, covered, None, self.ctx.assignments)
        reason = frame["reason"].iloc[0] if len(frame) else "it holds its minimum"
        return [f"S1 coverage: left uncovered — {reason}"]

    # -- without the pair ------------------------------------------------------------------
    def _without(self, c: pd.Series, t: pd.Series, alts: list[Alternative]) -> list[str]:
        if self._pin_rows(c, t, "require"):
            return []
        pair = (c["id"], t["kind"], t["id"])
        for other in alts:  # an alternative as good as the plan and without the pair: a tie
            a = other.assignments
            if (
                other.verdict == "as good"
                and a is not None
                and pair not in set(zip(a["cadre_id"], a["kind"], a["target_id"], strict=True))
            ):
                return [
                    "a tie: another plan is as good on every rule without this pair — "
                    f"{other.summary.split(':', 1)[0]} (see the alternatives); among "
                    "equally good plans the planner picks cadres and targets in id order"
                ]
        alt = self._solve_with(c, t, "forbid")
        subject = f"{self._cadre_words(c)} not holding {self._target_words(t)}"
        if alt.verdict == "impossible":
            return [f"no plan keeps the hard rules without this pair: {'; '.join(alt.reasons[:2])}"]
        if alt.verdict == "unknown":
            return [f"{subject}: no plan found within the time limit"]
        if alt.verdict == "as good":
            return [
                f"a tie: the best plan with {subject} is as good on every rule "
                f"({_effects(alt) or 'the same figures'}); the planner picks cadres and "
                "targets in id order among equals"
            ]
        if alt.verdict == "better":
            return [f"with {subject} the plan would be better on {alt.decided_by}: {_effects(alt)}"]
        return [
            f"needed: the best plan with {subject} is worse on {alt.decided_by} — {_effects(alt)}"
        ]

    # -- candidates ------------------------------------------------------------------------
    def _target_candidates(self, c: pd.Series, n: int) -> list[tuple[str, str]]:
        """Targets this cadre may hold, most telling first."""
        p = self.p
        t = p.targets
        side = _repeat(c, len(t), ["role", "college", "campus", "gender"])
        ok = eligible(pair_frame(side, t.reset_index(drop=True)), self.ctx.scenario)
        forbidden = set(
            zip(
                *(
                    self.ctx.dataset.pins.loc[
                        (self.ctx.dataset.pins["cadre"] == c["id"])
                        & (self.ctx.dataset.pins["rule"] == "forbid"),
                        col,
                    ]
                    for col in ("kind", "target")
                ),
                strict=True,
            )
        )
        held = set(self.holding.get(c["id"], []))
        pinned_targets = {
            (k, tid)
            for k, tid, r in zip(
                self.ctx.dataset.pins["kind"],
                self.ctx.dataset.pins["target"],
                self.ctx.dataset.pins["rule"],
                strict=True,
            )
            if r == "require"
        }
        held_kinds = {k for k, _ in held}
        held_colleges = {self._target_row(k, tid)["college"] for k, tid in held}
        previous = {(k, tid) for (cid, k, tid) in self.previous if cid == c["id"]}
        coverable = t["kind"].map(lambda k: self.ctx.scenario.kinds[Kind(k)].coverage != "off")
        table = pd.DataFrame(
            {
                "kind": t["kind"],
                "id": t["id"],
                "ok": ok,
                "previous": [(k, i) in previous for k, i in zip(t["kind"], t["id"], strict=True)],
                "open": coverable.to_numpy() & ~self.covered,
                "same_kind": t["kind"].isin(held_kinds).to_numpy(),
                "same_college": t["college"]
                .isin([x for x in held_colleges if isinstance(x, str)])
                .to_numpy(),
                "same_campus": (t["campus"] == c["campus"]).to_numpy(),
                "counts": coverable.to_numpy(),
                "group": t["group"].to_numpy(),
            }
        )
        keys = list(zip(table["kind"], table["id"], strict=True))
        table["skip"] = [k in held or k in forbidden or k in pinned_targets for k in keys]
        # A holder who keeps last semester's contact is costly to move: try others first.
        table["holder_kept"] = [
            any((h, k[0], k[1]) in self.kept for h in self.holder.get(k, [])) for k in keys
        ]
        table = table[table["ok"] & ~table["skip"]]
        table = table.sort_values(
            [
                "previous",
                "open",
                "same_kind",
                "same_college",
                "same_campus",
                "holder_kept",
                "counts",
                "kind",
                "id",
            ],
            ascending=[False, False, False, False, False, True, False, True, True],
            kind="stable",
        )
        # Targets alike under every rule (one group, held alike) give the same answer: try
        # one of each first, then fill up.
        table["held"] = [
            bool(self.holder.get(k)) for k in zip(table["kind"], table["id"], strict=True)
        ]
        return _varied(table, ["group", "held", "holder_kept"], n, ["kind", "id"])

    def _cadre_candidates(self, t: pd.Series, holders: list[str], n: int) -> list[str]:
        """Cadres who may hold this target, most telling first."""
        p = self.p
        c = p.cadres
        target = _repeat(t, len(c), ["kind", "college", "campus", "gender"])
        ok = eligible(pair_frame(c.reset_index(drop=True), target), self.ctx.scenario)
        pins = self.ctx.dataset.pins
        forbidden = set(
            pins.loc[
                (pins["kind"] == t["kind"])
                & (pins["target"] == t["id"])
                & (pins["rule"] == "forbid"),
                "cadre",
            ]
        )
        pinned = set(pins.loc[pins["rule"] == "require", "cadre"])
        previous = {cid for (cid, k, tid) in self.previous if (k, tid) == (t["kind"], t["id"])}
        counted = {k.value: self.ctx.scenario.kinds[k].coverage != "off" for k in Kind}

        def holds_counted(cid: str) -> bool:
            return any(counted[k] for k, _ in self.holding.get(cid, []))

        table = pd.DataFrame(
            {
                "id": c["id"],
                "ok": ok,
                "previous": c["id"].isin(previous).to_numpy(),
                "free": [not holds_counted(cid) for cid in c["id"]],
                "same_college": (c["college"] == t["college"]).to_numpy(),
                "same_campus": (c["campus"] == t["campus"]).to_numpy(),
                "kept": [
                    any((cid, k, tid) in self.kept for k, tid in self.holding.get(cid, []))
                    for cid in c["id"]
                ],
            }
        )
        table["skip"] = table["id"].isin(set(holders) | forbidden | pinned)
        table = table[table["ok"] & ~table["skip"]]
        table = table.sort_values(
            ["previous", "free", "same_college", "same_campus", "kept", "id"],
            ascending=[False, False, False, False, True, True],
            kind="stable",
        )
        table["pool"] = p.cadres.set_index("id").loc[table["id"], "pool"].to_numpy()
        table["holds"] = [tuple(self.holding.get(cid, [])) for cid in table["id"]]
        table["held_group"] = [
            tuple(int(self._target_row(k, i)["group"]) for k, i in h) for h in table["holds"]
        ]
        return [cid for (cid,) in _varied(table, ["pool", "held_group", "kept"], n, ["id"])]

    # -- solving ---------------------------------------------------------------------------
    def _evaluate(
        self, c: pd.Series, t: pd.Series, verb: str, target_first: bool = False
    ) -> Alternative:
        alt = self._solve_with(c, t, "require")
        if target_first:
            now = ", ".join(f"{k} {i}" for k, i in self.holding.get(c["id"], [])) or "nothing"
            what = f"{verb} {self._cadre_words(c)} (who holds {now} now)"
        else:
            what = f"{verb} {self._target_words(t)}"
        if alt.verdict == "impossible":
            alt.summary = f"{what}: impossible — {'; '.join(alt.reasons[:2])}"
        elif alt.verdict == "unknown":
            alt.summary = f"{what}: no plan found within the time limit"
        elif alt.verdict == "as good":
            alt.summary = f"{what}: as good on every rule (a tie){_tail(alt)}"
        else:
            alt.summary = f"{what} would be {alt.verdict} on {alt.decided_by}: {_effects(alt)}"
        return alt

    def _solve_with(self, c: pd.Series, t: pd.Series, rule: str) -> Alternative:
        """The best plan with the pair required (or forbidden), compared with the plan."""
        ds = self.ctx.dataset
        pins = ds.pins
        added_row = int(pins["row"].max()) + 1 if len(pins) else 2
        extra = pd.DataFrame(
            [
                {
                    "cadre": c["id"],
                    "kind": t["kind"],
                    "target": t["id"],
                    "rule": rule,
                    "row": added_row,
                }
            ]
        )
        if rule == "require":  # the cadre's own require pins would contradict it
            pins = pins[~((pins["cadre"] == c["id"]) & (pins["rule"] == "require"))]
        changed = _replace_pins(ds, pd.concat([pins, extra], ignore_index=True))
        base = Alternative(
            cadre_id=str(c["id"]),
            cadre_name=str(c["name"]),
            kind=str(t["kind"]),
            target_id=str(t["id"]),
            target_name=str(t["name"]),
            verdict="unknown",
            summary="",
        )
        try:
            problem = build_problem(changed, self.ctx.scenario, self.ctx.held)
            solution = solve_explained(problem, time_limit=self.time_limit, deterministic=True)
        except InfeasibleError as exc:
            base.verdict = "impossible"
            added = f"{file_name(self.p, 'pins')} row {added_row}"
            base.reasons = [_strip_rows(r, added) for r in exc.reasons if not r.endswith(":")]
            return base
        except NoPlanInTimeError:
            return base
        pairs = decompose(problem, solution.y, solution.keep)
        frame = assignment_table(problem, pairs)
        values = term_values(problem, frame)
        closer = self._closest(problem, solution, values)
        if closer is not None:
            frame = closer
        base.assignments = frame
        base.terms = {k: int(values[k]) for k in self.terms}
        base.deltas = {k: int(values[k]) - int(self.ctx.terms[k]) for k in self.terms}
        base.verdict, base.decided_by = self._compare(values)
        self._diff(base, problem, frame, c)
        return base

    def _closest(
        self, problem: Problem, solution: Solution, values: dict[str, int]
    ) -> pd.DataFrame | None:
        """Among plans as good as ``solution`` on every term, the one closest to the plan.

        A re-solve reaches the same optimum in many ways (ties); the user wants the ripple
        of the change, not a reshuffle. Fixes every active term at its value and maximises
        the pool–group counts and kept contacts the plan already has.
        """
        p = problem
        model = PolicyModel(p)
        model.add_hard_rules()
        for term in model.active_terms():
            model.cp.add(model.term(term) == int(values[term]))
        plan = self.ctx.assignments
        pool = pd.Series(p.cadres["pool"].to_numpy(), index=p.cadres["id"])
        target_index = pd.Series(
            np.arange(len(p.targets)),
            index=pd.MultiIndex.from_arrays([p.targets["kind"], p.targets["id"]]),
        )
        keep_index = {
            (int(c), int(t)): i
            for i, (c, t) in enumerate(zip(p.keeps["cadre"], p.keeps["target"], strict=True))
        }
        cadre_index = pd.Series(np.arange(len(p.cadres)), index=p.cadres["id"])
        arc_index = {
            (int(a), int(b)): i
            for i, (a, b) in enumerate(zip(p.arcs["pool"], p.arcs["group"], strict=True))
        }
        counts: dict[int, int] = {}
        reward: list[cp_model.LinearExprT] = []
        for cid, kind, tid in zip(plan["cadre_id"], plan["kind"], plan["target_id"], strict=True):
            if cid not in cadre_index.index or (kind, tid) not in target_index.index:
                continue
            ci, ti = int(cadre_index[cid]), int(target_index[(kind, tid)])
            k = keep_index.get((ci, ti))
            if k is not None and (cid, kind, tid) in self.kept:
                reward.append(model.keep[k])
                continue
            a = arc_index.get((int(pool[cid]), int(p.targets.at[ti, "group"])))
            if a is not None:
                counts[a] = counts.get(a, 0) + 1
        for a, n in counts.items():
            z = model.cp.new_int_var(0, n, f"same{a}")
            model.cp.add(z <= model.y[a])
            reward.append(z)
        if not reward:
            return None
        model.cp.maximize(cp_model.LinearExpr.sum(reward))
        for var, value in zip(model.y + model.keep, [*solution.y, *solution.keep], strict=True):
            model.cp.add_hint(var, int(value))
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = min(self.time_limit, 10.0)
        solver.parameters.linearization_level = 2
        status = solver.solve(model.cp)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        y = np.array([solver.value(v) for v in model.y], dtype=np.int64)
        keep = np.array([solver.value(v) for v in model.keep], dtype=np.int64)
        frame = assignment_table(p, _hand_out(p, y, keep, self.plan_pairs))
        if term_values(p, frame) != values:  # never report a plan the solve did not reach
            return None
        return frame

    def _compare(self, values: dict[str, int]) -> tuple[str, str | None]:
        s = self.ctx.scenario
        if s.priorities == "weighted":
            score = sum(TERM_SENSE[k] * s.weight(k) * values[k] for k in self.terms)
            ref = sum(TERM_SENSE[k] * s.weight(k) * self.ctx.terms[k] for k in self.terms)
            if score == ref:
                return "as good", None
            return ("better" if score > ref else "worse"), "the weighted sum of the terms"
        for k in self.terms:
            diff = TERM_SENSE[k] * (values[k] - self.ctx.terms[k])
            if diff:
                return ("better" if diff > 0 else "worse"), TERM_NAMES[k]
        return "as good", None

    def _diff(self, alt: Alternative, problem: Problem, frame: pd.DataFrame, c: pd.Series) -> None:
        new_pairs = set(zip(frame["cadre_id"], frame["kind"], frame["target_id"], strict=True))
        covered_now = covered_mask(problem, frame)
        t = problem.targets
        counted = (
            t["kind"].map(lambda k: self.ctx.scenario.kinds[Kind(k)].coverage != "off").to_numpy()
        )
        before = {
            (k, i)
            for k, i, cov, cnt in zip(
                t["kind"], t["id"], self._covered_in(problem), counted, strict=True
            )
            if cov and cnt
        }
        after = {
            (k, i)
            for k, i, cov, cnt in zip(t["kind"], t["id"], covered_now, counted, strict=True)
            if cov and cnt
        }
        names = dict(zip(zip(t["kind"], t["id"], strict=True), t["name"], strict=True))
        alt.uncovered = [f"{k} {i} ({names[(k, i)]})" for k, i in sorted(before - after)]
        alt.covered = [f"{k} {i} ({names[(k, i)]})" for k, i in sorted(after - before)]
        kept_now = set(
            zip(
                frame.loc[frame["kept"], "cadre_id"],
                frame.loc[frame["kept"], "kind"],
                frame.loc[frame["kept"], "target_id"],
                strict=True,
            )
        )
        cadre_names = dict(zip(problem.cadres["id"], problem.cadres["name"], strict=True))
        alt.ended = [
            f"{cadre_names.get(cid, cid)} ({cid}) with {k} {i}"
            for cid, k, i in sorted(self.kept - kept_now)
        ]
        changed = sorted({cid for cid, _, _ in self.plan_pairs ^ new_pairs} - {c["id"]})
        alt.moved = len(changed)
        now: dict[str, list[str]] = {}
        for cid, k, i in sorted(new_pairs):
            now.setdefault(cid, []).append(f"{k} {i}")
        for cid in changed[:MAX_MOVES]:
            before_words = ", ".join(f"{k} {i}" for k, i in self.holding.get(cid, [])) or "nothing"
            after_words = ", ".join(now.get(cid, [])) or "nothing"
            alt.moves.append(f"{cadre_names.get(cid, cid)} ({cid}): {before_words} → {after_words}")

    def _covered_in(self, problem: Problem) -> np.ndarray:
        """The plan's coverage, aligned with ``problem.targets`` (same order as the plan's)."""
        keys = pd.MultiIndex.from_arrays([problem.targets["kind"], problem.targets["id"]])
        mine = pd.Series(self.covered, index=self.target_index.index)
        return mine.reindex(keys, fill_value=False).to_numpy(bool)


# -- helpers -------------------------------------------------------------------------------
def _replace_pins(dataset: Dataset, pins: pd.DataFrame) -> Dataset:
    """A shallow copy of ``dataset`` with another pins table."""
    from dataclasses import replace

    return replace(dataset, pins=pins.reset_index(drop=True))


def _pair_blocked(problem: Problem, c: pd.Series, t: pd.Series) -> list[str]:
    from planner.solver.eligibility import why_not

    frame = pair_frame(c.to_frame().T, t.to_frame().T).reset_index(drop=True)
    return why_not(frame.iloc[0], problem.scenario)


def _hand_out(
    problem: Problem, y: np.ndarray, keep: np.ndarray, plan: set[tuple[str, str, str]]
) -> pd.DataFrame:
    """Concrete pairs for pool–group counts, keeping the plan's own pairs where it can.

    Like :func:`planner.solver.decompose.decompose`, but within an arc it hands out, in turn: pairs
    the plan has; cadres whose plan target is in the same group, to targets the plan leaves
    free; then the rest by id. Cadres and targets within an arc are interchangeable under
    every rule, so the terms do not change.
    """
    p = problem
    kept_rows = p.keeps[keep.astype(bool)] if len(p.keeps) else p.keeps
    cadres_out = [int(c) for c in kept_rows["cadre"]]
    targets_out = [int(t) for t in kept_rows["target"]]
    kept = [True] * len(cadres_out)
    ids = p.cadres["id"].to_numpy()
    keys = list(zip(p.targets["kind"], p.targets["id"], strict=True))
    group_of = p.targets["group"].to_numpy()
    position = {k: i for i, k in enumerate(keys)}
    plan_targets: dict[str, set[int]] = {}
    for cadre_id, k, target_id in plan:
        if (k, target_id) in position:
            plan_targets.setdefault(cadre_id, set()).add(position[(k, target_id)])
    plan_held = {i for targets in plan_targets.values() for i in targets}
    taken = set(targets_out)
    free: dict[int, list[int]] = {}
    for t in p.targets.sort_values(["group", "id"], kind="stable").index:
        if int(t) not in taken:
            free.setdefault(int(group_of[t]), []).append(int(t))
    members: dict[int, list[int]] = {}
    for c in p.cadres.sort_values(["pool", "id"], kind="stable").index:
        members.setdefault(int(p.cadres.at[c, "pool"]), []).append(int(c))
    singleton = p.pools["singleton"].to_numpy(bool)
    busy = set(cadres_out)
    for a in np.flatnonzero(y > 0):
        pool, group = int(p.arcs.at[a, "pool"]), int(p.arcs.at[a, "group"])
        people = [c for c in members.get(pool, []) if singleton[pool] or c not in busy]
        open_targets = free.get(group, [])
        for _ in range(int(y[a])):
            best = next(
                (
                    (c, t)
                    for c in people
                    for t in sorted(plan_targets.get(str(ids[c]), set()))
                    if t in open_targets
                ),
                None,
            )
            if best is None:
                same = [
                    c
                    for c in people
                    if any(group_of[t] == group for t in plan_targets.get(str(ids[c]), ()))
                ]
                unheld = [t for t in open_targets if t not in plan_held]
                best = ((same or people)[0], (unheld or open_targets)[0])
            c, t = best
            open_targets.remove(t)
            cadres_out.append(c)
            targets_out.append(t)
            kept.append(False)
            if not singleton[pool]:
                people.remove(c)
                busy.add(c)
    return pd.DataFrame({"cadre": cadres_out, "target": targets_out, "kept": kept})


def _varied(table: pd.DataFrame, alike: list[str], n: int, out: list[str]) -> list[tuple[Any, ...]]:
    """The first ``n`` rows of ``table`` (in its order), one per ``alike`` class first."""
    first = ~table.duplicated(alike)
    ordered = pd.concat([table[first], table[~first]])
    return list(ordered[out].head(n).itertuples(index=False, name=None))


def _repeat(row: pd.Series, n: int, columns: list[str]) -> pd.DataFrame:
    """``row``'s ``columns`` repeated ``n`` times (one side of a pair frame)."""
    return pd.DataFrame({col: pd.Series([row[col]] * n, dtype=object) for col in columns})


def _strip_rows(reason: str, added: str) -> str:
    """A diagnosis line naming the pin the explainer added as "the alternative"."""
    return reason.replace(added, "the alternative asked for")


def _figure(alt: Alternative, k: str) -> str:
    d = alt.deltas[k]
    return f"{TERM_NAMES[k]} {alt.terms[k] - d} → {alt.terms[k]} {TERM_UNITS[k]}"


def _effects(alt: Alternative) -> str:
    """What changes against the plan, in words: uncovered targets, ended contacts, figures."""
    parts = []
    if alt.deltas.get("coverage"):
        parts.append(_figure(alt, "coverage"))
    if alt.uncovered:
        parts.append("would leave " + _listed(alt.uncovered) + " uncovered")
    if alt.covered:
        parts.append("would cover " + _listed(alt.covered))
    if alt.deltas.get("continuity"):
        parts.append(_figure(alt, "continuity"))
    if alt.ended:
        parts.append("would end last semester's contact of " + _listed(alt.ended))
    parts += [
        _figure(alt, k) for k, d in alt.deltas.items() if d and k not in ("coverage", "continuity")
    ]
    if alt.moved:
        shown = "; ".join(alt.moves)
        more = f" and {alt.moved - len(alt.moves)} more" if alt.moved > len(alt.moves) else ""
        parts.append(
            f"{count_words(alt.moved, 'other cadre')} would change target ({shown}{more})"
            if alt.moves
            else f"{count_words(alt.moved, 'other cadre')} would change target"
        )
    return "; ".join(parts)


def _tail(alt: Alternative) -> str:
    effects = _effects(alt)
    return f" — {effects}" if effects else ""


def _listed(items: list[str], limit: int = 4) -> str:
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f" and {len(items) - limit} more"


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
