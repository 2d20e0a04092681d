"""The grounds of one pair of a plan, in the words of ``policy.md``: the hard rules that allow it
(H1–H6) and the soft rules that decide it (S1–S5, in the scenario's priority order)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.contract import Kind, Role
from planner.explain.forbidden import why_not
from planner.explain.reasons import uncovered_targets
from planner.explain.why.index import PlanIndex
from planner.policy import H1, H3, H4, H5, H6, S1, S3, term_name
from planner.solver.eligibility import pair_frame
from planner.words import cadre_words, college_name, file_name, range_words, role_words


def cadre_title(ix: PlanIndex, c: pd.Series) -> str:
    """``张伟 (T003) — 青年教师 young_teacher, 法学院 (C01), campus 石牌校区``."""
    where = college_name(ix.dataset, c["college"]) if isinstance(c["college"], str) else c["unit"]
    return f"{c['name']} ({c['id']}) — {role_words(c['role'])}, {where}, campus {c['campus']}"


def target_title(ix: PlanIndex, t: pd.Series) -> str:
    """``class 2025C0101 (法学2025级1班) — 法学院 (C01), campus 石牌校区, entry year 2025``."""
    where = (
        college_name(ix.dataset, t["college"])
        if isinstance(t["college"], str)
        else "university level"
    )
    extra = f", {t['gender']}" if isinstance(t["gender"], str) else ""
    grade = f", entry year {t['grade']}" if not pd.isna(t["grade"]) else ""
    return f"{t['kind']} {t['id']} ({t['name']}) — {where}, campus {t['campus']}{extra}{grade}"


def rules(ix: PlanIndex, c: pd.Series, t: pd.Series) -> list[str]:
    """The hard rules that allow cadre ``c`` to hold target ``t``."""
    s = ix.scenario
    duty = s.duty(c["role"]).total_range()
    out = [f"{H1.label}: a {c['role']} holds {range_words(duty.min, duty.max)} target(s)"]
    out.append(_origin(ix, c, t))
    if t["kind"] == Kind.DORM.value and s.dorm_gender != "off":
        out.append(
            f"{H5.label} ({s.dorm_gender}): the room houses {t['gender']} students, "
            f"the cadre is {c['gender']}"
        )
    if s.campus == "hard":
        out.append(f"{S3.made_hard}: both on {t['campus']}")
    limit = s.school_leader_spread
    if c["role"] == Role.SCHOOL_LEADER.value and limit is not None:
        if isinstance(t["college"], str):
            out.append(
                f"{H4.label}: {_leaders_in(ix, t['college'])} of at most {limit} school "
                f"leader(s) in {college_name(ix.dataset, t['college'])}"
            )
        else:
            out.append(f"{H4.label}: a university-level society counts for no college")
    for row in ix.pin_rows(c["id"], t["kind"], t["id"], "require"):
        out.append(f"{H6.label}: {file_name(ix.dataset, 'pins')} row {row} requires this pair")
    return out


def _origin(ix: PlanIndex, c: pd.Series, t: pd.Series) -> str:
    """How H3 allows the pair."""
    if c["central"]:
        return f"{H3.label}: a central cadre (placed by the SAO) may hold any target"
    if not ix.scenario.origin.applies_to(Role(c["role"])):
        return f"{H3.label} is off for {c['role']} in this scenario"
    if isinstance(t["college"], str):
        return (
            f"{H3.label}: cadre and {t['kind']} both belong to "
            f"{college_name(ix.dataset, t['college'])}"
        )
    return f"{H3.label}: a university-level society on the cadre's own campus ({t['campus']})"


def _leaders_in(ix: PlanIndex, college: str) -> int:
    a = ix.assignments
    return int(((a["role"] == Role.SCHOOL_LEADER.value) & (a["target_college"] == college)).sum())


def term_words(ix: PlanIndex, c: pd.Series, t: pd.Series) -> list[str]:
    """What the soft rules say about the pair, in the scenario's priority order."""
    s = ix.scenario
    words: dict[str, str] = {"coverage": _coverage(ix, t), "continuity": _continuity(ix, c, t)}
    campus = term_name("campus")
    if c["campus"] == t["campus"]:
        words["campus"] = f"{campus}: cadre and {t['kind']} are both on {t['campus']}"
    else:
        words["campus"] = (
            f"{campus}: the {t['kind']} is on {t['campus']}, the cadre on {c['campus']}: this "
            f"contact counts against same campus ({ix.values['campus']} in the plan)"
        )
    if t["kind"] == Kind.DORM.value:
        rank = int(t["rank"])
        first = " (first choice)" if rank == 0 else ""
        words["dorm_priority"] = (
            f"{term_name('dorm_priority')}: rank {rank} by {s.dorm_priority.by}{first}"
        )
        if s.dorm_gender == "soft":
            same = (
                "same gender" if c["gender"] == t["gender"] else "other gender: counts against it"
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
        return f"{name}: the proposal gives the cadre this {t['kind']} too"
    was = ", ".join(f"{k} {i}" for k, i in mine) or "nothing"
    return f"{name}: a change from the proposal, which gave the cadre {was}"


def _coverage(ix: PlanIndex, t: pd.Series) -> str:
    rule = ix.scenario.kinds[Kind(t["kind"])]
    if rule.coverage == "off":
        return (
            f"{S1.label}: {t['kind']}s do not count for coverage in this scenario "
            f"(kinds: {t['kind']}: coverage: off)"
        )
    return (
        f"{S1.label}: the {t['kind']} counts for coverage ({rule.coverage}, weight "
        f"{rule.weight}); the plan covers {ix.values['coverage']} weighted targets"
    )


def _continuity(ix: PlanIndex, c: pd.Series, t: pd.Series) -> str:
    name = term_name("continuity")
    previous = file_name(ix.dataset, "previous")
    key = (c["id"], t["kind"], t["id"])
    if key in ix.previous:
        return f"{name}: the same contact as last semester ({previous} row {ix.previous[key]})"
    before = [(k, tid, r) for (cid, k, tid), r in ix.previous.items() if cid == c["id"]]
    if not before:
        return f"{name}: the cadre had no contact last semester"
    k, tid, r = before[0]
    return (
        f"{name}: a new contact; last semester the cadre held {k} {tid} ({previous} row {r}), "
        "which " + previous_fate(ix, c, k, tid)
    )


def _central_spread(ix: PlanIndex, t: pd.Series) -> str:
    p, a = ix.problem, ix.assignments
    central_roles = {
        r.value for r in Role if r.value in set(p.cadres.loc[p.cadres["central"], "role"])
    }
    here = int((a["role"].isin(central_roles) & (a["target_college"] == t["college"])).sum())
    return (
        f"{term_name('central_spread')}: one of {here} central cadre(s) in "
        f"{college_name(ix.dataset, t['college'])}; the most in any college is "
        f"{ix.values['central_spread']}"
    )


def previous_fate(ix: PlanIndex, c: pd.Series, kind: str, target_id: str) -> str:
    """What became of last semester's target ``(kind, target_id)`` of cadre ``c``."""
    holders = ix.holder.get((kind, target_id))
    if (kind, target_id) not in ix.target_index.index:
        return "no longer exists or is outside this plan"
    t = ix.target(kind, target_id)
    frame = pair_frame(c.to_frame().T, t.to_frame().T).reset_index(drop=True)
    reasons = why_not(frame.iloc[0], ix.scenario)
    if reasons:
        return "a hard rule now forbids (" + "; ".join(reasons) + ")"
    if holders:
        return ", ".join(cadre_words(ix.cadre(h)) for h in holders) + " holds now"
    return "nobody holds now"


def uncovered_words(ix: PlanIndex, t: pd.Series) -> list[str]:
    """Why target ``t`` holds no cadre (S1), as the plan's ``uncovered.csv`` says it."""
    rule = ix.scenario.kinds[Kind(t["kind"])]
    if rule.coverage == "off":
        return [f"{S1.label}: {t['kind']}s do not count for coverage in this scenario"]
    only = np.zeros(len(ix.problem.targets), dtype=bool)
    only[int(ix.target_index[(t["kind"], t["id"])])] = True
    frame = uncovered_targets(ix.problem, ix.covered | ~only, ix.assignments)
    reason = frame["reason"].iloc[0] if len(frame) else "it holds its minimum"
    return [f"{S1.label}: left uncovered — {reason}"]
