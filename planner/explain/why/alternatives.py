"""Alternatives, re-planned: the best plan with one pair required (or forbidden), compared with
the plan term by term in the scenario's order, and what it would change, in words.

Each alternative is solved once, deterministically, on the same data, scenario and held targets
as the plan, with a pin added to a copy of the pins table (its problem is the plan's indexed
problem with that pin, :func:`~planner.explain.why.derive.with_pin`); among the plans as good
as the best one, the flow picks one close to the plan and the pairs are handed out near the
plan's (:mod:`planner.solver.near`): the ripple of the change, not a reshuffle. When the pin only
restricts the plan's own problem and the plan was proven best, an alternative reaching the
plan's values needs no CP-SAT stage: nothing can be better.
"""

from __future__ import annotations

import dataclasses
import gc
import multiprocessing
import re
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from planner.dataset import Dataset
from planner.errors import InfeasibleError, NoPlanInTimeError
from planner.explain.diagnose import solve_explained
from planner.explain.why.derive import with_pin
from planner.explain.why.index import PlanIndex
from planner.i18n import N_, pgettext
from planner.i18n import gettext as _
from planner.policy import term_name
from planner.scenario import TERM_SENSE
from planner.solver import forking
from planner.solver.decompose import decompose
from planner.solver.flow.search import Tie
from planner.solver.near import closeness
from planner.solver.pairs import assignment_table, term_values, triples
from planner.solver.problem import Problem, build_problem
from planner.solver.terms import weighted_objective
from planner.words import (
    cadre_words,
    count_words,
    file_name,
    kind_code,
    listed,
    target_label,
)

MAX_MOVES = 3
"""Other cadres' changes an alternative names before it counts the rest."""

TERM_UNITS: dict[str, str] = {
    "coverage": N_("targets covered"),
    "continuity": N_("contacts kept"),
    "campus": N_("contacts on another campus"),
    "dorm_gender": N_("dorm rooms of the other gender"),
    "dorm_priority": N_("dorm rank total"),
    "central_spread": N_("most central cadres in one college"),
    "stay": N_("of the proposal's contacts kept"),
}
"""What the figure of each term counts, in an alternative's summary."""


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


def evaluate(
    ix: PlanIndex,
    c: pd.Series,
    t: pd.Series,
    verb: str,
    time_limit: float,
    *,
    target_first: bool = False,
) -> Alternative:
    """The best plan with cadre ``c`` holding target ``t``, summarised (``verb``: how the
    change is said, ``moving 张伟 to`` or ``giving it to``; ``time_limit``: seconds per
    re-plan)."""
    alt = solve_with(ix, c, t, "require", time_limit)
    if target_first:
        now = _pairs(ix.holding.get(c["id"], []))
        what = _("{verb} {cadre} (who holds {now} now)").format(
            verb=verb, cadre=cadre_words(c), now=now
        )
    else:
        what = _("{verb} {target}").format(verb=verb, target=target_label(t))
    if alt.verdict == "impossible":
        alt.summary = _("{what}: impossible — {reasons}").format(
            what=what, reasons="; ".join(alt.reasons[:2])
        )
    elif alt.verdict == "unknown":
        alt.summary = _("{what}: no plan found within the time limit").format(what=what)
    elif alt.verdict == "as good":
        alt.summary = _("{what}: as good on every rule (a tie){tail}").format(
            what=what, tail=_tail(alt)
        )
    elif alt.verdict == "better":
        alt.summary = _("{what} would be better on {rule}: {effects}").format(
            what=what, rule=_(str(alt.decided_by)), effects=effects(alt)
        )
    else:
        alt.summary = _("{what} would be worse on {rule}: {effects}").format(
            what=what, rule=_(str(alt.decided_by)), effects=effects(alt)
        )
    return alt


def without(
    ix: PlanIndex, c: pd.Series, t: pd.Series, alts: list[Alternative], time_limit: float
) -> list[str]:
    """Whether the plan needs the pair: a tie with another alternative, or the best plan with
    the pair forbidden, compared with the plan."""
    if ix.pin_rows(c["id"], t["kind"], t["id"], "require"):
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
                _(
                    "a tie: another plan is as good on every rule without this pair — {other} "
                    "(see the alternatives); among equally good plans the planner picks cadres "
                    "and targets in id order"
                ).format(other=re.split("[:：]", other.summary, maxsplit=1)[0])
            ]
    alt = solve_with(ix, c, t, "forbid", time_limit)
    subject = _("{cadre} not holding {target}").format(cadre=cadre_words(c), target=target_label(t))
    if alt.verdict == "impossible":
        return [
            _("no plan keeps the hard rules without this pair: {reasons}").format(
                reasons="; ".join(alt.reasons[:2])
            )
        ]
    if alt.verdict == "unknown":
        return [_("{what}: no plan found within the time limit").format(what=subject)]
    if alt.verdict == "as good":
        return [
            _(
                "a tie: the best plan with {subject} is as good on every rule ({effects}); the "
                "planner picks cadres and targets in id order among equals"
            ).format(subject=subject, effects=effects(alt) or _("the same figures"))
        ]
    if alt.verdict == "better":
        return [
            _("with {subject} the plan would be better on {rule}: {effects}").format(
                subject=subject, rule=_(str(alt.decided_by)), effects=effects(alt)
            )
        ]
    return [
        _("needed: the best plan with {subject} is worse on {rule} — {effects}").format(
            subject=subject, rule=_(str(alt.decided_by)), effects=effects(alt)
        )
    ]


Job = tuple[str, str, str, str]
"""A re-plan an explanation needs: ``(cadre_id, kind, target_id, rule)``."""

_INDEX: PlanIndex | None = None
"""The plan a forked solver process works on (set before the processes are forked, so that
they share it instead of receiving it pickled)."""


def presolve(ix: PlanIndex, jobs: list[Job], time_limit: float) -> None:
    """Solve ``jobs`` ahead, two at a time in forked processes where that is possible (see
    :mod:`planner.solver.forking`), and keep the outcomes for :func:`solve_with`. Each
    outcome is the same as when solved in turn: every solve is deterministic."""
    global _INDEX
    todo = [job for job in dict.fromkeys(jobs) if job not in ix.solved]
    if len(todo) < 2 or not forking.enabled() or forking.cores() < 2:
        return
    _INDEX = ix
    # What every solve loads (CP-SAT's stages) is loaded once, here, not in each process; and
    # the objects made so far are left out of the processes' garbage collection, which would
    # otherwise touch, and so copy, every page of them.
    import planner.solver.stages  # noqa: F401

    gc.freeze()
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
            outcomes = list(pool.map(_solve_job, todo, [time_limit] * len(todo)))
    except (OSError, BrokenProcessPool):  # no processes to be had: solved in turn instead
        return
    finally:
        _INDEX = None
        gc.unfreeze()
    ix.solved.update(zip(todo, outcomes, strict=True))


def _solve_job(job: Job, time_limit: float) -> Alternative:
    """One job, in a forked process (see :func:`presolve`)."""
    assert _INDEX is not None
    cadre_id, kind, target_id, rule = job
    return _solve(_INDEX, _INDEX.cadre(cadre_id), _INDEX.target(kind, target_id), rule, time_limit)


def solve_with(
    ix: PlanIndex, c: pd.Series, t: pd.Series, rule: str, time_limit: float
) -> Alternative:
    """The best plan with the pair required (or forbidden), compared with the plan (solved
    ahead by :func:`presolve`, or now)."""
    job = (str(c["id"]), str(t["kind"]), str(t["id"]), rule)
    if job in ix.solved:
        return ix.solved.pop(job)
    return _solve(ix, c, t, rule, time_limit)


def _solve(ix: PlanIndex, c: pd.Series, t: pd.Series, rule: str, time_limit: float) -> Alternative:
    """The best plan with the pair required (or forbidden), compared with the plan."""
    pins = ix.dataset.pins
    added_row = int(pins["row"].max()) + 1 if len(pins) else 2
    extra = pd.DataFrame(
        [{"cadre": c["id"], "kind": t["kind"], "target": t["id"], "rule": rule, "row": added_row}]
    )
    relaxed = False
    if rule == "require":  # the cadre's own require pins would contradict it
        own = (pins["cadre"] == c["id"]) & (pins["rule"] == "require")
        relaxed = bool(own.any())
        pins = pins[~own]
    changed = _with_pins(ix.dataset, pd.concat([pins, extra], ignore_index=True))
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
        if relaxed:  # other pins go: the data set indexed again
            problem = build_problem(changed, ix.scenario, ix.held)
        else:  # one pin more: the plan's problem changed where the pin touches it
            cadre = int(ix.cadre_index[c["id"]])
            target = int(ix.target_index[(t["kind"], t["id"])])
            problem = with_pin(ix.problem, changed, cadre, target, rule, added_row)
        # Near the plan (a tie-break below every term), and with the plan's values as the
        # proven best when the pin only restricts the plan's own problem.
        solution = solve_explained(
            problem,
            time_limit=time_limit,
            deterministic=True,
            near=closeness(problem, ix.assignments) if relaxed else _near(ix, problem),
            proven=None if relaxed or not ix.proven else ix.values,
        )
    except InfeasibleError as exc:
        base.verdict = "impossible"
        added = f"{file_name(ix.dataset, 'pins')} row {added_row}"
        base.reasons = [
            r.replace(added, "the alternative asked for")
            for r in exc.reasons
            if not r.endswith(":")
        ]
        return base
    except NoPlanInTimeError:
        return base
    pairs = decompose(problem, solution.y, solution.keep, near=set(ix.pairs))
    frame = assignment_table(problem, pairs)
    values = term_values(problem, frame)
    base.assignments = frame
    base.terms = {k: int(values[k]) for k in ix.terms}
    base.deltas = {k: int(values[k]) - int(ix.values[k]) for k in ix.terms}
    base.verdict, base.decided_by = compare(ix, values)
    _diff(ix, base, problem, pairs, frame, c)
    return base


def _with_pins(dataset: Dataset, pins: pd.DataFrame) -> Dataset:
    """A shallow copy of ``dataset`` with another pins table."""
    return dataclasses.replace(dataset, pins=pins.reset_index(drop=True))


def compare(ix: PlanIndex, values: dict[str, int]) -> tuple[str, str | None]:
    """``worse``, ``as good`` or ``better`` than the plan, and the term that decides it."""
    s = ix.scenario
    if s.priorities == "weighted":
        score = weighted_objective(s, values, ix.terms)
        ref = weighted_objective(s, ix.values, ix.terms)
        if score == ref:
            return "as good", None
        return ("better" if score > ref else "worse"), N_("the weighted sum of the terms")
    for k in ix.terms:
        diff = TERM_SENSE[k] * (values[k] - ix.values[k])
        if diff:
            return ("better" if diff > 0 else "worse"), term_name(k)
    return "as good", None


def _diff(
    ix: PlanIndex,
    alt: Alternative,
    problem: Problem,
    pairs: pd.DataFrame,
    frame: pd.DataFrame,
    c: pd.Series,
) -> None:
    """What the alternative changes against the plan: coverage, ended contacts, other cadres
    (``pairs``: the alternative's pairs as indices, ``frame``: as its assignments)."""
    new_pairs = triples(frame)
    t = problem.targets
    counting = {k.value: rule.coverage != "off" for k, rule in ix.scenario.kinds.items()}
    counted = t["kind"].map(counting).to_numpy(bool)
    before = _covered_in(ix, problem) & counted
    # covered_mask of the alternative's assignments, counted from its pairs (one row each)
    mins = t["kind"].map({k.value: r.min for k, r in ix.scenario.kinds.items()}).to_numpy()
    holders = np.bincount(pairs["target"].to_numpy(np.int64), minlength=len(t))
    after = (holders + t["taken"].to_numpy(np.int64) >= mins) & counted
    kinds, ids, names = (t[col].to_numpy(object) for col in ("kind", "id", "name"))

    def listed_targets(mask: np.ndarray) -> list[str]:
        found = sorted((kinds[i], ids[i], names[i]) for i in np.flatnonzero(mask))
        return [_target(k, i, name) for k, i, name in found]

    alt.uncovered = listed_targets(before & ~after)
    alt.covered = listed_targets(after & ~before)
    kept_now = triples(frame[frame["kept"]])
    alt.ended = [
        _("{cadre} with {kind} {target}").format(
            cadre=_("{name} ({code})").format(name=_cadre_name(problem, cid), code=cid),
            kind=kind_code(k),
            target=i,
        )
        for cid, k, i in sorted(ix.kept - kept_now)
    ]
    changed = sorted({cid for cid, _, _ in ix.pairs ^ new_pairs} - {c["id"]})
    alt.moved = len(changed)
    named = set(changed[:MAX_MOVES])
    holds: dict[str, list[str]] = {}
    for cid, k, i in sorted(p for p in new_pairs if p[0] in named):
        holds.setdefault(cid, []).append(f"{kind_code(k)} {i}")
    for cid in changed[:MAX_MOVES]:
        was = _pairs(ix.holding.get(cid, []))
        becomes = pgettext("list", ", ").join(holds.get(cid, [])) or _("nothing")
        name = _("{name} ({code})").format(name=_cadre_name(problem, cid), code=cid)
        alt.moves.append(f"{name}: {was} → {becomes}")


def _cadre_name(problem: Problem, cadre_id: str) -> str:
    """The name of a cadre of the problem (its id if it is not one)."""
    names = problem.cadres.loc[problem.cadres["id"] == cadre_id, "name"]
    return str(names.iloc[0]) if len(names) else cadre_id


def _covered_in(ix: PlanIndex, problem: Problem) -> np.ndarray:
    """The plan's coverage, aligned with ``problem.targets`` (the plan's own targets, in the
    same order, for every problem an explanation solves: pins change no target)."""
    t, mine = problem.targets, ix.problem.targets
    if len(t) == len(mine) and all(
        (t[col].to_numpy() == mine[col].to_numpy()).all() for col in ("kind", "id")
    ):
        return np.asarray(ix.covered, dtype=bool)
    keys = pd.MultiIndex.from_arrays([t["kind"], t["id"]])
    covered = pd.Series(ix.covered, index=ix.target_index.index)
    return covered.reindex(keys, fill_value=False).to_numpy(bool)


def _near(ix: PlanIndex, problem: Problem) -> Tie:
    """:func:`~planner.solver.near.closeness` to the plan, for a problem of the plan's cadres
    and targets (the plan's own, or one a pin changed): the plan's pairs, as indices, are
    pairs of the problem's cadres and targets too, so only their pools and groups are looked
    up (the cadres' duty slots, too, are the plan's)."""
    cadre, target = ix.pair_cadres, ix.pair_targets
    n_groups, n_targets = len(problem.groups), len(problem.targets)
    pool = problem.cadres["pool"].to_numpy(np.int64)[cadre]
    group = problem.targets["group"].to_numpy(np.int64)[target]
    arcs, keeps = problem.arcs, problem.keeps
    arc_key = arcs["pool"].to_numpy(np.int64) * n_groups + arcs["group"].to_numpy(np.int64)
    keep_key = keeps["cadre"].to_numpy(np.int64) * n_targets + keeps["target"].to_numpy(np.int64)
    arc_cost = (~np.isin(arc_key, pool * n_groups + group)).astype(np.int64)
    keep_cost = (~np.isin(keep_key, cadre * n_targets + target)).astype(np.int64)
    return arc_cost, keep_cost, ix.supply_units


def _figure(alt: Alternative, k: str) -> str:
    d = alt.deltas[k]
    return f"{term_name(k)} {alt.terms[k] - d} → {alt.terms[k]} {_(TERM_UNITS[k])}"


def effects(alt: Alternative) -> str:
    """What changes against the plan, in words: uncovered targets, ended contacts, figures."""
    parts = []
    if alt.deltas.get("coverage"):
        parts.append(_figure(alt, "coverage"))
    if alt.uncovered:
        parts.append(_("would leave {targets} uncovered").format(targets=listed(alt.uncovered, 4)))
    if alt.covered:
        parts.append(_("would cover {targets}").format(targets=listed(alt.covered, 4)))
    if alt.deltas.get("continuity"):
        parts.append(_figure(alt, "continuity"))
    if alt.ended:
        parts.append(
            _("would end last semester's contact of {contacts}").format(
                contacts=listed(alt.ended, 4)
            )
        )
    parts += [
        _figure(alt, k) for k, d in alt.deltas.items() if d and k not in ("coverage", "continuity")
    ]
    if alt.moved:
        others = count_words(alt.moved, "other cadre")
        if alt.moves:
            more = (
                _(" and {n} more").format(n=alt.moved - len(alt.moves))
                if alt.moved > len(alt.moves)
                else ""
            )
            parts.append(
                _("{others} would change target ({moves}{more})").format(
                    others=others, moves="; ".join(alt.moves), more=more
                )
            )
        else:
            parts.append(_("{others} would change target").format(others=others))
    return pgettext("clauses", "; ").join(parts)


def _target(kind: str, target: str, name: str) -> str:
    """``class CL01 (法学2025级1班)``."""
    return _("{kind} {id} ({name})").format(kind=kind_code(kind), id=target, name=name)


def _pairs(pairs: list[tuple[str, str]]) -> str:
    """What a cadre holds: ``class CL01, dorm D02``, or ``nothing``."""
    return pgettext("list", ", ").join(f"{kind_code(k)} {i}" for k, i in pairs) or _("nothing")


def _tail(alt: Alternative) -> str:
    found = effects(alt)
    return f" — {found}" if found else ""
