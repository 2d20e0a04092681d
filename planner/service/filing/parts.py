"""The filing's door to the planner's workflow package: re-plan a part against the proposal,
merge the filed parts, approve and verify the merged plan.

The command line's staged flow (``planner plan --held``, ``planner merge``, ``planner
approve``) calls the same functions of :mod:`planner.workflow` (``replan_part``,
``merge_parts``, ``approve_plan``, ``verify_plan``), so both keep the same guarantees: a part
re-planned without pins reproduces the proposal (S6), every plan is checked by the independent
checker, the merged plan's terms are those of the whole university.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from planner.api import load_data
from planner.dataset import Dataset
from planner.io.plan_folder import PINS_KEY, PLAN_KEY, PREVIOUS_KEY, as_planned, read_plan_dir
from planner.plan import Plan
from planner.scenario import Scenario, scenario_from_dict
from planner.workflow.scopes import CENTRAL as CENTRAL_SCOPE

if TYPE_CHECKING:
    from planner.workflow.parts import WarmParts

FIGURES = (
    "class_covered",
    "dorm_covered",
    "society_covered",
    "branch_covered",
    "kept_from_previous",
    "cross_campus",
    "assignments",
)
"""The figures of a part compared before and after an adjustment (see :func:`figures`)."""


def scope_of(college: str) -> str:
    """The workflow's scope of a part (``""`` is the central part)."""
    return CENTRAL_SCOPE if college == "" else f"college={college}"


@dataclass
class Proposal:
    """The proposal as parts are re-planned and merged against it."""

    dataset: Dataset
    """The data set as the proposal was planned from it (its ``previous``, its pins)."""
    scenario: Scenario
    assignments: pd.DataFrame
    """The proposal's pairs whose cadre is still available and whose target still exists."""
    meta: dict[str, Any]


def load_proposal(data: Path, plan_dir: Path) -> Proposal:
    """The proposal in ``plan_dir`` against the data at ``data`` (a data version, maybe newer
    than the proposal's: pairs of cadres no longer available are left out of the base)."""
    raw = load_data(data)
    assignments, meta = read_plan_dir(plan_dir)
    dataset = as_planned(raw, meta, str(plan_dir / "plan.json"))
    scenario = scenario_from_dict(dict(meta["scenario"]), str(plan_dir / "plan.json"))
    pairs = assignments[list(PLAN_KEY)].astype(str)
    cadres = dataset.cadres
    available = set(cadres.loc[cadres["available"].astype(bool), "id"].astype(str))
    targets = dataset.targets()
    known = set(zip(targets["kind"].astype(str), targets["id"].astype(str), strict=True))
    exists = pd.Series(
        [(k, t) in known for k, t in zip(pairs["kind"], pairs["target_id"], strict=True)],
        index=pairs.index,
        dtype=bool,
    )
    keep = pairs["cadre_id"].isin(available) & exists
    return Proposal(dataset, scenario, pairs[keep].reset_index(drop=True), meta)


def warm_parts(proposal: Proposal) -> WarmParts:
    """The proposal kept warm for its parts' re-plans (:class:`~planner.workflow.parts.
    WarmParts`): what does not change between adjustments of a part is made once."""
    from planner.workflow.parts import WarmParts

    return WarmParts(proposal.dataset, proposal.scenario, proposal.assignments)


def pins_frame(rows: list[list[str]]) -> pd.DataFrame:
    """Pins ``[cadre, kind, target, rule]`` as the canonical pins frame."""
    from planner.workflow.parts import empty_pins

    if not rows:
        return empty_pins()
    frame = pd.DataFrame([list(r) for r in rows], columns=["cadre", "kind", "target", "rule"])
    frame["row"] = pd.Series(range(2, len(frame) + 2), dtype="int64")
    return frame


def pin_problems(proposal: Proposal, college: str, pins: list[list[str]]) -> list[str]:
    """Why pins are refused (unknown ids, outside the part's authority); empty when not."""
    from planner.errors import UsageError
    from planner.workflow.parts import make_part
    from planner.workflow.pins import parse_pins

    require = [f"{c}:{k}:{t}" for c, k, t, r in pins if r == "require"]
    forbid = [f"{c}:{k}:{t}" for c, k, t, r in pins if r == "forbid"]
    try:
        frame = parse_pins(proposal.dataset, require, forbid)
        scoped = proposal.scenario.with_changes(scope=scope_of(college))
        make_part(proposal.dataset, scoped, proposal.assignments, scope_of(college), frame)
    except UsageError as exc:
        return str(exc).splitlines()
    return []


def part_pairs(proposal: Proposal, college: str) -> list[list[str]]:
    """The proposal's contacts of the part's cadres (what the part is before any adjustment)."""
    from planner.workflow.parts import part_cadres

    cadres = part_cadres(proposal.dataset, scope_of(college))
    rows = proposal.assignments[proposal.assignments["cadre_id"].isin(cadres)]
    return [list(r) for r in rows.itertuples(index=False, name=None)]


@dataclass
class Replanned:
    """A part re-planned (checked), its contacts and figures before and after."""

    pairs: list[list[str]]
    base_hash: str
    before: dict[str, Any]
    after: dict[str, Any]


def figures(plan: Plan) -> dict[str, Any]:
    """The part's figures compared before and after an adjustment."""
    kpis = plan.kpis()
    out: dict[str, Any] = {name: int(kpis[name]) for name in FIGURES}
    out["stay"] = int(plan.terms["stay"].value) if "stay" in plan.terms else None
    return out


def part_view(plan: Plan) -> dict[str, Any]:
    """What a part's page shows of the part after an adjustment: coverage of the targets the
    part planned (``{kind: [covered, targets]}``; targets held by cadres outside the part are
    not among them) and its uncovered targets with their reasons."""
    coverage: dict[str, list[int]] = {}
    for kind, targets, covered in plan.coverage[["kind", "targets", "covered"]].itertuples(
        index=False, name=None
    ):
        cell = coverage.setdefault(str(kind), [0, 0])
        cell[0] += int(covered)
        cell[1] += int(targets)
    columns = ["kind", "target_id", "target_name", "reason"]
    uncovered = [
        [str(v) for v in row] for row in plan.uncovered[columns].itertuples(index=False, name=None)
    ]
    return {"coverage": coverage, "uncovered": uncovered}


def proposal_figures(proposal: Proposal, college: str, warm: WarmParts) -> dict[str, Any]:
    """The part's figures as the proposal has it (the "before" of its first adjustment),
    worked out once per warm proposal and part (a job worker does it before it forks)."""
    from planner.planning import plan_from_assignments
    from planner.workflow.parts import part_dataset

    key = (id(warm), college)
    found = _PROPOSAL_FIGURES.get(key)
    if found is None or found[0] is not warm:
        scope = scope_of(college)
        kept = warm.part(scope)
        applied = proposal.scenario.with_changes(scope=scope)
        planned = part_dataset(proposal.dataset, kept.part)
        earlier = pd.DataFrame(part_pairs(proposal, college), columns=list(PLAN_KEY), dtype=object)
        was = plan_from_assignments(planned, applied, earlier, held=kept.part.held)
        if len(_PROPOSAL_FIGURES) >= 256:
            _PROPOSAL_FIGURES.pop(next(iter(_PROPOSAL_FIGURES)))
        found = _PROPOSAL_FIGURES[key] = (warm, figures(was))
    return dict(found[1])


_PROPOSAL_FIGURES: dict[tuple[int, str], tuple[WarmParts, dict[str, Any]]] = {}


def replan(
    proposal: Proposal,
    college: str,
    pins: list[list[str]],
    before: list[list[str]],
    progress: Any = None,
    warm: WarmParts | None = None,
    before_figures: dict[str, Any] | None = None,
) -> Replanned:
    """Re-plan the part of ``college`` (``""``: central) against the proposal with ``pins``;
    ``before`` is the part's contacts until now (its figures are the "before": given as
    ``before_figures`` when known — the previous adjustment's, or :func:`proposal_figures` —
    else worked out here; pins do not change them). ``warm``: the proposal kept warm by the
    job worker (:func:`warm_parts`; the same plan, sooner)."""
    from planner.planning import plan_from_assignments
    from planner.workflow.parts import replan_part

    scope = scope_of(college)
    done = replan_part(
        proposal.dataset,
        proposal.scenario,
        proposal.assignments,
        scope,
        pins=pins_frame(pins),
        deterministic=True,
        progress=progress,
        warm=warm,
    )
    if before_figures is None:
        earlier = pd.DataFrame(before, columns=list(PLAN_KEY), dtype=object)
        was = plan_from_assignments(done.dataset, done.scenario, earlier, held=done.part.held)
        before_figures = figures(was)
    pairs = done.plan.assignments[list(PLAN_KEY)].astype(str)
    return Replanned(
        pairs=[list(r) for r in pairs.itertuples(index=False, name=None)],
        base_hash=done.base_hash,
        before=before_figures,
        after={**figures(done.plan), "part": part_view(done.plan)},
    )


def pairs_digest(pairs: list[list[str]]) -> str:
    """SHA-256 of a part's contacts (sorted): what a filing signs off."""
    text = "\n".join(sorted("\x1f".join(p) for p in pairs))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class FiledPart:
    """A part as the approval merges it: its contacts and pins."""

    college: str
    label: str
    pairs: list[list[str]]
    pins: list[list[str]]
    base_hash: str


def merge_and_write(
    proposal: Proposal, parts: list[FiledPart], out: Path
) -> tuple[Plan, list[str]]:
    """Merge the adjusted parts into the proposal (the workflow's ``merge_parts``: every rule
    checked on the merged plan), write the plan folder; its plan and files. Raises
    :class:`~planner.workflow.merge.MergeConflictError` listing every conflict by college."""
    from planner.report.write import write_plan
    from planner.workflow.merge import PartPlan, merge_parts
    from planner.workflow.pins import pin_rows

    given = [
        PartPlan(
            scope=scope_of(p.college),
            assignments=pd.DataFrame(p.pairs, columns=list(PLAN_KEY), dtype=object),
            label=p.label,
            base_hash=p.base_hash,
            scenario=None,
            pins=pins_frame(p.pins) if p.pins else None,
            record={"scope": scope_of(p.college), "assignments": len(p.pairs)},
        )
        for p in parts
    ]
    merged = merge_parts(proposal.dataset, proposal.scenario, proposal.assignments, given)
    extra = {k: proposal.meta[k] for k in (PREVIOUS_KEY, PINS_KEY) if k in proposal.meta}
    pins = list(extra.get(PINS_KEY, []))
    for part in merged.parts:
        if part.pins is not None:
            pins += [row for row in pin_rows(part.pins) if row not in pins]
    if pins:
        extra[PINS_KEY] = pins
    extra["merged_from"] = {
        "parts": [p.record for p in merged.parts],
        "unchanged": merged.kept,
    }
    written = write_plan(merged.plan, out, targets=proposal.dataset.targets(), extra_json=extra)
    return merged.plan, sorted(p.name for p in written)


def approve_folder(folder: Path, data: Path, by: str) -> dict[str, Any]:
    """``planner approve``: the independent checker once more, ``approval.json`` with every
    file's hash, the files made read-only."""
    from planner.workflow.approval import approve_plan

    return approve_plan(folder, by, dataset=load_data(data), data_label=data.name)


def verify_folder(folder: Path) -> list[tuple[str, str]]:
    """``planner verify``: what changed since approval, as ``(how, file)`` with ``how`` one of
    ``changed``, ``deleted``, ``added``, ``record`` (the approval record itself is damaged);
    empty when nothing did."""
    from planner.workflow.approval import verify_plan

    report = verify_plan(folder)
    if report.approval is None:
        return [("record", "approval.json")]
    return [
        *(("record", line) for line in report.problems),
        *(("changed", name) for name in report.changed),
        *(("deleted", name) for name in report.missing),
        *(("added", name) for name in report.added),
    ]


def college_digests(data: Path) -> dict[str, str]:
    """A digest per part (college id, ``""`` for the central part) of the rows that part
    plans from: its cadres and its targets. Two data versions touch a part where they
    differ."""
    dataset = load_data(data)
    out: dict[str, list[str]] = {}
    cadres = dataset.cadres
    for row in cadres.astype(str).itertuples(index=False):
        record = row._asdict()
        college = record.get("college", "")
        key = "" if college in ("", "nan", "None") else college
        out.setdefault(key, []).append("\x1f".join(str(v) for v in record.values()))
    targets = dataset.targets()
    for row in targets.astype(str).itertuples(index=False):
        record = row._asdict()
        college = record.get("college", "")
        key = "" if college in ("", "nan", "None") else college
        out.setdefault(key, []).append("\x1f".join(str(v) for v in record.values()))
    return {
        key: hashlib.sha256("\n".join(sorted(lines)).encode("utf-8")).hexdigest()
        for key, lines in out.items()
    }
