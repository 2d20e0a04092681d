"""Why a plan gives this cadre this target, and what the best alternatives would cost: the
answers of ``planner explain PLAN_DIR --cadre ID`` (or ``--target ID``).

Each answer is built from the plan's index (:mod:`~planner.explain.why.index`): the title and
what is held, the hard rules that allow it and the soft rules that decide it
(:mod:`~planner.explain.why.grounds`), the alternatives worth re-planning
(:mod:`~planner.explain.why.candidates`), each solved and compared with the plan, and whether
the plan needs the pair at all (:mod:`~planner.explain.why.alternatives`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import pandas as pd

from planner.dataset import Dataset
from planner.errors import UsageError
from planner.explain.why.alternatives import Alternative, Job, evaluate, presolve, without
from planner.explain.why.candidates import cadre_candidates, target_candidates
from planner.explain.why.grounds import (
    cadre_title,
    rules,
    target_title,
    term_words,
    uncovered_words,
)
from planner.explain.why.index import PlanIndex, load_plan
from planner.i18n import N_
from planner.i18n import gettext as _
from planner.policy import H1, H6
from planner.words import cadre_words, file_name

ALTERNATIVES = 3
"""Alternatives evaluated by default."""

PINNED = N_("the pair is fixed by a require pin ({rule}); drop the pin row to see alternatives")


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
        holds = _("Holds: {what}") if self.subject == "cadre" else _("Held by: {what}")
        lines += [holds.format(what=h) for h in self.holds] or [holds.format(what=_("nothing"))]
        for heading, items in (
            (_("Rules that allow it (hard rules):"), self.rules),
            (_("What decides it (soft rules, in the scenario's priority order):"), self.terms),
            (_("Without it:"), self.without),
        ):
            if items:
                lines += ["", heading] + [f"  - {item}" for item in items]
        if self.alternatives:
            lines += ["", _("Best alternatives (each re-planned with it pinned):")]
            for i, alt in enumerate(self.alternatives, 1):
                lines.append(f"  {i}. {alt.summary}")
        if self.notes:
            lines += ["", _("Notes:")] + [f"  - {n}" for n in self.notes]
        return "\n".join(lines)


def explain_cadre(
    dataset: Dataset,
    plan_dir: Path,
    cadre_id: str,
    *,
    alternatives: int = ALTERNATIVES,
    time_limit: float = 30.0,
) -> Explanation:
    """Why the plan in ``plan_dir`` gives cadre ``cadre_id`` what it holds, and the best
    ``alternatives`` other targets for them with their cost (``time_limit``: seconds per
    re-plan)."""
    started = time.perf_counter()
    ix = load_plan(dataset, plan_dir)
    result = _cadre(ix, str(cadre_id).strip(), alternatives, time_limit)
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
    best ``alternatives`` other cadres for it with their cost (``time_limit``: seconds per
    re-plan)."""
    started = time.perf_counter()
    ix = load_plan(dataset, plan_dir)
    result = _target(ix, str(target_id).strip(), kind, alternatives, time_limit)
    result.seconds = time.perf_counter() - started
    return result


def _cadre(ix: PlanIndex, cadre_id: str, n: int, time_limit: float) -> Explanation:
    """The cadre mode: what the cadre holds and why, and other targets for it."""
    ds = ix.dataset
    rows = ds.cadres[ds.cadres["id"] == cadre_id]
    if rows.empty:
        raise UsageError(
            _("no cadre with id '{cadre}' in {file} (工号)").format(
                cadre=cadre_id, file=file_name(ds, "cadres")
            )
        )
    if cadre_id not in ix.cadre_index.index:
        return _not_planned(
            ix, "cadre", cadre_id, cadre_words(rows.iloc[0]), _absent(ix, rows.iloc[0])
        )
    c = ix.cadre(cadre_id)
    held = ix.holding.get(cadre_id, [])
    found = _Found()
    if ix.pin_rows(c["id"], None, None, "require"):
        found.without.append(_(PINNED).format(rule=H6.id))
    else:
        candidates = target_candidates(ix, c, n)
        jobs = [(cadre_id, k, t, "require") for k, t in candidates]
        presolve(ix, jobs + _forbids(ix, [(cadre_id, k, t) for k, t in held]), time_limit)
        found.alternatives = [
            evaluate(
                ix,
                c,
                ix.target(k, t),
                _("moving {cadre} to").format(cadre=cadre_words(c)),
                time_limit,
            )
            for k, t in candidates
        ]
    for k, t in held:
        found.add(ix, c, ix.target(k, t), time_limit)
    if not held:
        found.rules.append(
            _("{rule}: the role's duties let this cadre hold nothing").format(rule=H1.label)
        )
    holds = [target_title(ix, ix.target(k, t)) for k, t in held]
    return found.explanation(ix, "cadre", cadre_id, cadre_title(ix, c), holds)


def _absent(ix: PlanIndex, row: pd.Series) -> str:
    """Why a cadre of the data set is not in the plan: on leave, or another scope's."""
    if not row["available"]:
        return _(
            "on leave (在岗 = 否 in {file} row {row}): {rule} gives a cadre on leave no target"
        ).format(file=file_name(ix.dataset, "cadres"), row=row["row"], rule=H1.id)
    return _("outside this plan's scope ({scope}): another plan places them").format(
        scope=ix.problem.scope
    )


def _target(
    ix: PlanIndex, target_id: str, kind: str | None, n: int, time_limit: float
) -> Explanation:
    """The target mode: who holds the target and why, and other cadres for it."""
    matches = ix.dataset.targets()
    matches = matches[matches["id"] == target_id]
    if kind is not None:
        matches = matches[matches["kind"] == kind]
    if matches.empty:
        raise UsageError(
            (
                _(
                    "no {kind} target with id '{target}' in the classes, dorms, societies or "
                    "branches tables"
                )
                if kind
                else _(
                    "no target with id '{target}' in the classes, dorms, societies or branches "
                    "tables"
                )
            ).format(kind=kind, target=target_id)
        )
    if len(matches) > 1:
        kinds = ", ".join(sorted(matches["kind"]))
        raise UsageError(
            _("'{target}' is the id of several targets ({kinds}); say which with --kind").format(
                target=target_id, kinds=kinds
            )
        )
    kind = str(matches.iloc[0]["kind"])
    if (kind, target_id) not in ix.target_index.index:
        why = _("outside this plan's scope ({scope}) or held by an approved plan").format(
            scope=ix.problem.scope
        )
        return _not_planned(ix, "target", target_id, f"{kind} {target_id}", why)
    t = ix.target(kind, target_id)
    holders = sorted(ix.holder.get((kind, target_id), []))
    found = _Found()
    if ix.pin_rows(None, t["kind"], t["id"], "require"):
        found.without.append(_(PINNED).format(rule=H6.id))
    else:
        candidates = cadre_candidates(ix, t, holders, n)
        jobs = [(cid, kind, target_id, "require") for cid in candidates]
        presolve(ix, jobs + _forbids(ix, [(h, kind, target_id) for h in holders]), time_limit)
        found.alternatives = [
            evaluate(ix, ix.cadre(cid), t, _("giving it to"), time_limit, target_first=True)
            for cid in candidates
        ]
    for cadre_id in holders:
        found.add(ix, ix.cadre(cadre_id), t, time_limit)
    if not holders:
        found.terms += uncovered_words(ix, t)
    held_by = [cadre_title(ix, ix.cadre(h)) for h in holders]
    return found.explanation(ix, "target", target_id, target_title(ix, t), held_by)


def _forbids(ix: PlanIndex, pairs: list[tuple[str, str, str]]) -> list[Job]:
    """The re-plans "without this pair" may need (solved ahead with the alternatives; unused
    when an alternative turns out to be a tie without the pair)."""
    return [(c, k, t, "forbid") for c, k, t in pairs if not ix.pin_rows(c, k, t, "require")]


def _not_planned(ix: PlanIndex, subject: str, id_: str, title: str, why: str) -> Explanation:
    return Explanation(subject, id_, title, [], [why], [], [], [], notes=list(ix.notes))


@dataclass
class _Found:
    """The parts of an explanation, gathered pair by pair."""

    rules: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    without: list[str] = field(default_factory=list)
    alternatives: list[Alternative] = field(default_factory=list)

    def add(self, ix: PlanIndex, c: pd.Series, t: pd.Series, time_limit: float) -> None:
        """The grounds of one pair of the plan."""
        self.rules += rules(ix, c, t)
        self.terms += term_words(ix, c, t)
        self.without += without(ix, c, t, self.alternatives, time_limit)

    def explanation(
        self, ix: PlanIndex, subject: str, id_: str, title: str, holds: list[str]
    ) -> Explanation:
        return Explanation(
            subject,
            id_,
            title,
            holds,
            _unique(self.rules),
            _unique(self.terms),
            self.without,
            self.alternatives,
            notes=list(ix.notes),
        )


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
