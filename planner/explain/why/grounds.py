"""The grounds of one pair of a plan, in the words of ``policy.md``: the hard rules that allow it
(H1–H6) and the soft rules that decide it (S1–S5, in the scenario's priority order)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.contract import Kind, Role
from planner.explain.forbidden import why_not
from planner.explain.reasons import uncovered_targets
from planner.explain.why.index import PlanIndex
from planner.i18n import gettext as _
from planner.i18n import pgettext
from planner.policy import H1, H3, H4, H5, H6, S1, S3, term_name
from planner.solver.eligibility import pair_frame
from planner.words import (
    cadre_words,
    chinese,
    college_name,
    file_name,
    kind_code,
    kind_word,
    range_words,
    role_code,
    role_words,
)


def _kinds(kind: str) -> str:
    """A kind as the explanation writes its plural: ``{kind}s`` (Chinese 班级)."""
    return kind_word(kind) if chinese() else f"{kind}s"


def cadre_title(ix: PlanIndex, c: pd.Series) -> str:
    """``张伟 (T003) — 青年教师 young_teacher, 法学院 (C01), campus 石牌校区``."""
    where = college_name(ix.dataset, c["college"]) if isinstance(c["college"], str) else c["unit"]
    return _("{name} ({code}) — {role}, {where}, campus {campus}").format(
        name=c["name"], code=c["id"], role=role_words(c["role"]), where=where, campus=c["campus"]
    )


def target_title(ix: PlanIndex, t: pd.Series) -> str:
    """``class 2025C0101 (法学2025级1班) — 法学院 (C01), campus 石牌校区, entry year 2025``."""
    where = (
        college_name(ix.dataset, t["college"])
        if isinstance(t["college"], str)
        else _("university level")
    )
    extra = f", {t['gender']}" if isinstance(t["gender"], str) else ""
    grade = _(", entry year {year}").format(year=t["grade"]) if not pd.isna(t["grade"]) else ""
    return _("{kind} {id} ({name}) — {where}, campus {campus}{extra}{grade}").format(
        kind=kind_code(t["kind"]),
        id=t["id"],
        name=t["name"],
        where=where,
        campus=t["campus"],
        extra=extra,
        grade=grade,
    )


def rules(ix: PlanIndex, c: pd.Series, t: pd.Series) -> list[str]:
    """The hard rules that allow cadre ``c`` to hold target ``t``."""
    s = ix.scenario
    duty = s.duty(c["role"]).total_range()
    out = [
        _("{rule}: a {role} holds {n} target(s)").format(
            rule=H1.label, role=role_code(c["role"]), n=range_words(duty.min, duty.max)
        )
    ]
    out.append(_origin(ix, c, t))
    if t["kind"] == Kind.DORM.value and s.dorm_gender != "off":
        out.append(
            _("{rule} ({tier}): the room houses {gender} students, the cadre is {cadre}").format(
                rule=H5.label, tier=s.dorm_gender, gender=t["gender"], cadre=c["gender"]
            )
        )
    if s.campus == "hard":
        out.append(_("{rule}: both on {campus}").format(rule=S3.made_hard, campus=t["campus"]))
    limit = s.school_leader_spread
    if c["role"] == Role.SCHOOL_LEADER.value and limit is not None:
        if isinstance(t["college"], str):
            out.append(
                _("{rule}: {n} of at most {limit} school leader(s) in {college}").format(
                    rule=H4.label,
                    n=_leaders_in(ix, t["college"]),
                    limit=limit,
                    college=college_name(ix.dataset, t["college"]),
                )
            )
        else:
            out.append(
                _("{rule}: a university-level society counts for no college").format(rule=H4.label)
            )
    for row in ix.pin_rows(c["id"], t["kind"], t["id"], "require"):
        out.append(
            _("{rule}: {file} row {row} requires this pair").format(
                rule=H6.label, file=file_name(ix.dataset, "pins"), row=row
            )
        )
    return out


def _origin(ix: PlanIndex, c: pd.Series, t: pd.Series) -> str:
    """How H3 allows the pair."""
    if c["central"]:
        return _("{rule}: a central cadre (placed by the SAO) may hold any target").format(
            rule=H3.label
        )
    if not ix.scenario.origin.applies_to(Role(c["role"])):
        return _("{rule} is off for {role} in this scenario").format(
            rule=H3.label, role=role_code(c["role"])
        )
    if isinstance(t["college"], str):
        return _("{rule}: cadre and {kind} both belong to {college}").format(
            rule=H3.label, kind=kind_code(t["kind"]), college=college_name(ix.dataset, t["college"])
        )
    return _("{rule}: a university-level society on the cadre's own campus ({campus})").format(
        rule=H3.label, campus=t["campus"]
    )


def _leaders_in(ix: PlanIndex, college: str) -> int:
    a = ix.assignments
    return int(((a["role"] == Role.SCHOOL_LEADER.value) & (a["target_college"] == college)).sum())


def term_words(ix: PlanIndex, c: pd.Series, t: pd.Series) -> list[str]:
    """What the soft rules say about the pair, in the scenario's priority order."""
    s = ix.scenario
    words: dict[str, str] = {"coverage": _coverage(ix, t), "continuity": _continuity(ix, c, t)}
    campus = term_name("campus")
    if c["campus"] == t["campus"]:
        words["campus"] = _("{rule}: cadre and {kind} are both on {campus}").format(
            rule=campus, kind=kind_code(t["kind"]), campus=t["campus"]
        )
    else:
        words["campus"] = _(
            "{rule}: the {kind} is on {target_campus}, the cadre on {cadre_campus}: this "
            "contact counts against same campus ({n} in the plan)"
        ).format(
            rule=campus,
            kind=kind_code(t["kind"]),
            target_campus=t["campus"],
            cadre_campus=c["campus"],
            n=ix.values["campus"],
        )
    if t["kind"] == Kind.DORM.value:
        rank = int(t["rank"])
        first = _(" (first choice)") if rank == 0 else ""
        words["dorm_priority"] = _("{rule}: rank {rank} by {by}{first}").format(
            rule=term_name("dorm_priority"), rank=rank, by=s.dorm_priority.by, first=first
        )
        if s.dorm_gender == "soft":
            same = (
                _("same gender")
                if c["gender"] == t["gender"]
                else _("other gender: counts against it")
            )
            words["dorm_gender"] = f"{term_name('dorm_gender')}: {same}"
    if c["central"] and isinstance(t["college"], str):
        words["central_spread"] = _central_spread(ix, t)
    if len(ix.dataset.base):
        words["stay"] = _stay(ix, c, t)
    return [words[name] for name in ix.terms if name in words]


def _stay(ix: PlanIndex, c: pd.Series, t: pd.Series) -> str:
    """S6 in a part re-planned against the proposal: whether the proposal has this contact."""
    base = ix.dataset.base
    theirs = base[base["cadre"] == c["id"]]
    mine = list(zip(theirs["kind"], theirs["target"], strict=True))
    name = term_name("stay")
    if (t["kind"], t["id"]) in mine:
        return _("{rule}: the proposal gives the cadre this {kind} too").format(
            rule=name, kind=kind_code(t["kind"])
        )
    was = ", ".join(f"{kind_code(k)} {i}" for k, i in mine) or _("nothing")
    return _("{rule}: a change from the proposal, which gave the cadre {was}").format(
        rule=name, was=was
    )


def _coverage(ix: PlanIndex, t: pd.Series) -> str:
    rule = ix.scenario.kinds[Kind(t["kind"])]
    if rule.coverage == "off":
        return _(
            "{rule}: {kinds} do not count for coverage in this scenario (kinds: {kind}: "
            "coverage: off)"
        ).format(rule=S1.label, kinds=_kinds(t["kind"]), kind=t["kind"])
    return _(
        "{rule}: the {kind} counts for coverage ({tier}, weight {weight}); the plan covers {n} "
        "weighted targets"
    ).format(
        rule=S1.label,
        kind=kind_code(t["kind"]),
        tier=rule.coverage,
        weight=rule.weight,
        n=ix.values["coverage"],
    )


def _continuity(ix: PlanIndex, c: pd.Series, t: pd.Series) -> str:
    name = term_name("continuity")
    previous = file_name(ix.dataset, "previous")
    key = (c["id"], t["kind"], t["id"])
    if key in ix.previous:
        return _("{rule}: the same contact as last semester ({file} row {row})").format(
            rule=name, file=previous, row=ix.previous[key]
        )
    before = [(k, tid, r) for (cid, k, tid), r in ix.previous.items() if cid == c["id"]]
    if not before:
        return _("{rule}: the cadre had no contact last semester").format(rule=name)
    k, tid, r = before[0]
    return _(
        "{rule}: a new contact; last semester the cadre held {kind} {target} ({file} row "
        "{row}), which {fate}"
    ).format(
        rule=name,
        kind=kind_code(k),
        target=tid,
        file=previous,
        row=r,
        fate=previous_fate(ix, c, k, tid),
    )


def _central_spread(ix: PlanIndex, t: pd.Series) -> str:
    p, a = ix.problem, ix.assignments
    central_roles = {
        r.value for r in Role if r.value in set(p.cadres.loc[p.cadres["central"], "role"])
    }
    here = int((a["role"].isin(central_roles) & (a["target_college"] == t["college"])).sum())
    return _(
        "{rule}: one of {n} central cadre(s) in {college}; the most in any college is {most}"
    ).format(
        rule=term_name("central_spread"),
        n=here,
        college=college_name(ix.dataset, t["college"]),
        most=ix.values["central_spread"],
    )


def previous_fate(ix: PlanIndex, c: pd.Series, kind: str, target_id: str) -> str:
    """What became of last semester's target ``(kind, target_id)`` of cadre ``c``."""
    holders = ix.holder.get((kind, target_id))
    if (kind, target_id) not in ix.target_index.index:
        return _("no longer exists or is outside this plan")
    t = ix.target(kind, target_id)
    frame = pair_frame(c.to_frame().T, t.to_frame().T).reset_index(drop=True)
    reasons = why_not(frame.iloc[0], ix.scenario)
    if reasons:
        return _("a hard rule now forbids ({reasons})").format(reasons="; ".join(reasons))
    if holders:
        return _("{cadres} holds now").format(
            cadres=pgettext("list", ", ").join(cadre_words(ix.cadre(h)) for h in holders)
        )
    return _("nobody holds now")


def uncovered_words(ix: PlanIndex, t: pd.Series) -> list[str]:
    """Why target ``t`` holds no cadre (S1), as the plan's ``uncovered.csv`` says it."""
    rule = ix.scenario.kinds[Kind(t["kind"])]
    if rule.coverage == "off":
        return [
            _("{rule}: {kinds} do not count for coverage in this scenario").format(
                rule=S1.label, kinds=_kinds(t["kind"])
            )
        ]
    only = np.zeros(len(ix.problem.targets), dtype=bool)
    only[int(ix.target_index[(t["kind"], t["id"])])] = True
    frame = uncovered_targets(ix.problem, ix.covered | ~only, ix.assignments)
    reason = frame["reason"].iloc[0] if len(frame) else _("it holds its minimum")
    return [_("{rule}: left uncovered — {reason}").format(rule=S1.label, reason=reason)]
