"""The checks of a merge, phase by phase: approvals, scopes (one central plan, one plan per
college, none missing), each plan against its own scope and inputs, then conflicts across plans.
Each adds its findings to the :class:`~planner.workflow.parts.Merge` in progress."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from planner.dataset import Dataset, Pair
from planner.io.plan_folder import PREVIOUS_KEY
from planner.workflow.approval import verify_plan
from planner.workflow.parts import CENTRAL, UNIVERSITY, Merge, PlanPart, scenario_rules


def check_approvals(merge: Merge) -> None:
    """A plan changed since its approval is a conflict (an unapproved plan is not)."""
    for part in merge.parts:
        report = verify_plan(part.folder)
        part.approval = report.approval
        if report.approval is not None and not report.ok:
            merge.conflict(
                part.key,
                f"{part.label} was changed after it was approved: {'; '.join(report.lines())}",
            )


def check_scopes(merge: Merge) -> None:
    """One central plan, no whole-university plan, one plan per college of the data set, and
    a plan for every college with available cadres of its own."""
    known_colleges = set(merge.dataset.colleges["id"])
    centrals = [p for p in merge.parts if p.scope == "central"]
    if not centrals:
        merge.conflict(
            CENTRAL, "no central plan was given (a plan folder made with --scope central)"
        )
    for other in centrals[1:]:
        merge.conflict(
            CENTRAL,
            f"two central plans were given ({centrals[0].folder} and {other.folder}); give one",
        )
    merge.central = centrals[0] if centrals else None
    for part in merge.parts:
        if part.scope == "university":
            merge.conflict(
                UNIVERSITY,
                f"{part.folder} is a plan of the whole university; merge takes the central plan "
                "and the college plans",
            )
        elif part.college is not None:
            _add_college_plan(merge, part, known_colleges)
    _missing_colleges(merge, known_colleges)
    if merge.central is not None and merge.central.approval is None:
        merge.warnings.append(
            f"{merge.central.label} is not approved; approve it before the colleges plan"
        )


def _add_college_plan(merge: Merge, part: PlanPart, known_colleges: set[str]) -> None:
    college = str(part.college)
    if college not in known_colleges:
        merge.conflict(college, f"{part.label}: college {college} is not in the data set")
    elif college in merge.by_college:
        merge.conflict(
            college,
            f"two plans were given for college {college} "
            f"({merge.by_college[college].folder} and {part.folder}); give one",
        )
    else:
        merge.by_college[college] = part


def _missing_colleges(merge: Merge, known_colleges: set[str]) -> None:
    cadres = merge.dataset.cadres
    own = cadres[~cadres["central"] & cadres["available"]].groupby("unit").size()
    for college in sorted(known_colleges - set(merge.by_college)):
        n = int(own.get(college, 0))
        if n:
            merge.conflict(
                college,
                f"no plan was given for college {college}, which has {n} available cadre(s); "
                "add its plan folder",
            )
        else:
            merge.warnings.append(
                f"college {college} has no available cadre of its own; only the central plan "
                "covers its targets"
            )


def check_each_part(merge: Merge, base: PlanPart) -> None:
    """Each plan against its own scope and with what it was made from; a plan made under other
    rules than ``base`` (the central plan) is a warning."""
    scenario = base.scenario
    for part in merge.parts:
        if part.scenario is None or part.scope == "university":
            continue
        if scenario is not None and scenario_rules(part.scenario) != scenario_rules(scenario):
            theirs, ours = scenario_rules(part.scenario), scenario_rules(scenario)
            keys = sorted(k for k, v in theirs.items() if ours.get(k) != v)
            merge.warnings.append(
                f"{part.label} was made under other rules than {base.label} "
                f"({', '.join(keys)}); the merged plan is checked under the latter"
            )
        _check_part(merge.dataset, part, merge.conflict)
        _compare_inputs(merge.dataset, part, merge.warnings)


def _check_part(dataset: Dataset, part: PlanPart, conflict: Callable[[str, str], None]) -> None:
    """One plan against its own scope: who it places and which targets it touches.

    The hard rules are then checked once, on the merged plan (cheaper than once per plan and
    stricter: a rule may hold within each plan and break across them).
    """
    cadres = dataset.cadres[["id", "role", "unit", "central", "available"]]
    targets = dataset.targets()[["kind", "id", "college"]]
    f = part.assignments[["cadre_id", "kind", "target_id"]].merge(
        cadres.rename(columns={"id": "cadre_id"}), on="cadre_id", how="left", indicator="known"
    )
    f = f.merge(
        targets.rename(columns={"id": "target_id", "college": "owner"}),
        on=["kind", "target_id"],
        how="left",
        indicator="exists",
    )
    on_roster = (f["known"] == "both").to_numpy(bool)
    exists = (f["exists"] == "both").to_numpy(bool)
    central = f["central"].eq(True).to_numpy(bool)
    available = f["available"].eq(True).to_numpy(bool)
    college = part.college
    if part.scope == "central":
        foreign = on_roster & available & ~central
    elif college is not None:
        foreign = on_roster & available & (central | (f["unit"] != college).to_numpy(bool))
    else:
        foreign = np.zeros(len(f), dtype=bool)
    outside = (
        exists & (f["owner"] != college).to_numpy(bool)
        if college is not None
        else np.zeros(len(f), dtype=bool)
    )
    keys = zip(f["kind"], f["target_id"], strict=True)
    held = np.array([k in part.held for k in keys], dtype=bool) & exists & ~outside
    say = f"{part.label}:"
    for r in f[~on_roster].itertuples(index=False):
        conflict(
            part.key,
            f"{say} cadre {r.cadre_id} is not on the roster, but holds {r.kind} {r.target_id}",
        )
    for r in f[on_roster & ~available].itertuples(index=False):
        conflict(
            part.key, f"{say} cadre {r.cadre_id} is on leave, but holds {r.kind} {r.target_id}"
        )
    for r in f[foreign].itertuples(index=False):
        if part.scope == "central":
            whose = f"a college cadre, placed by college {r.unit}"
        else:
            whose = "a central cadre" if r.central else f"a cadre of college {r.unit}"
            whose += f", not of college {college}"
        conflict(
            part.key,
            f"{say} cadre {r.cadre_id} ({r.role}) is {whose}, but this plan gives them "
            f"{r.kind} {r.target_id}",
        )
    for r in f[~exists].itertuples(index=False):
        conflict(part.key, f"{say} cadre {r.cadre_id} holds unknown {r.kind} {r.target_id}")
    for r in f[outside].itertuples(index=False):
        where = f"college {r.owner}" if isinstance(r.owner, str) else "university level"
        conflict(
            part.key,
            f"{say} {r.kind} {r.target_id} belongs to {where}, outside this college's plan "
            f"(held by cadre {r.cadre_id})",
        )
    why = (
        "is held by the central plan"
        if college is not None
        else "was left to its college (a college cadre keeps it)"
    )
    for r in f[held].itertuples(index=False):
        conflict(
            part.key, f"{say} {r.kind} {r.target_id} {why}, but this plan gives it to {r.cadre_id}"
        )


def _compare_inputs(dataset: Dataset, part: PlanPart, warnings: list[str]) -> None:
    """Warn when a plan was made from other data files than the ones given to the merge."""
    inputs = part.meta.get("inputs")
    if not isinstance(inputs, dict):
        return
    differ = []
    for table, source in sorted(dataset.sources.items()):
        if table == "previous" and PREVIOUS_KEY in part.meta:
            continue
        recorded = inputs.get(table)
        if isinstance(recorded, dict) and recorded.get("sha256") not in (None, source.sha256):
            differ.append(table)
    if differ:
        warnings.append(
            f"{part.label} was made from other data than given here (tables: "
            f"{', '.join(differ)}); it is checked against the data given"
        )


def check_across(merge: Merge) -> None:
    """Across plans: targets held in two plans, cadres in two plans, college plans made against
    another central plan."""
    dataset, parts, conflict = merge.dataset, merge.parts, merge.conflict
    central, by_college = merge.central, merge.by_college
    target_college = {
        (k, t): c
        for k, t, c in zip(
            *(dataset.targets()[col] for col in ("kind", "id", "college")), strict=True
        )
    }
    cadre_unit = dict(zip(dataset.cadres["id"], dataset.cadres["college"], strict=True))
    holders: dict[Pair, list[tuple[str, PlanPart]]] = {}
    cadre_parts: dict[str, list[PlanPart]] = {}
    for part in parts:
        if part.scope == "university":
            continue
        a = part.assignments
        for cadre, kind, target in zip(a["cadre_id"], a["kind"], a["target_id"], strict=True):
            holders.setdefault((kind, target), []).append((cadre, part))
            plans = cadre_parts.setdefault(cadre, [])
            if part not in plans:
                plans.append(part)
    for (kind, target), held_by in sorted(holders.items()):
        distinct = {id(p) for _, p in held_by}
        if len(distinct) < 2:
            continue
        where = "; ".join(f"cadre {c} in {p.label}" for c, p in held_by)
        college = target_college.get((kind, target))
        key = college if isinstance(college, str) else held_by[-1][1].key
        conflict(key, f"{kind} {target} is held in two plans: {where}")
    for cadre, plans in sorted(cadre_parts.items()):
        if len(plans) < 2:
            continue
        unit = cadre_unit.get(cadre)
        key = unit if isinstance(unit, str) else CENTRAL
        conflict(
            key, f"cadre {cadre} is in {len(plans)} plans: {', '.join(p.label for p in plans)}"
        )
    if central is None:
        return
    central_targets = set(
        zip(central.assignments["kind"], central.assignments["target_id"], strict=True)
    )
    for college, part in sorted(by_college.items()):
        expected = {pair for pair in central_targets if target_college.get(pair) == college}
        left = {pair for pair in part.held if target_college.get(pair) == college}
        if expected == left:
            continue
        extra = sorted(expected - left)
        stale = sorted(left - expected)
        details = []
        if extra:
            details.append(
                f"the central plan holds {len(extra)} target(s) this plan did not leave out "
                f"(e.g. {extra[0][0]} {extra[0][1]})"
            )
        if stale:
            details.append(
                f"this plan left out {len(stale)} target(s) the central plan does not hold "
                f"(e.g. {stale[0][0]} {stale[0][1]})"
            )
        conflict(
            college,
            f"{part.label} was made against another central plan: {'; '.join(details)}. Plan "
            f"the college again with --held {central.folder}",
        )
