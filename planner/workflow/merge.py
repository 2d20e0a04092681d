"""Merging adjusted parts back into one university plan.

:func:`merge_parts` takes the proposal as the base and replaces each adjusted part (see
:mod:`planner.workflow.parts`): the merged plan holds the proposal's contacts of every cadre
outside the parts given, and each part's own contacts. A part not given stays as the proposal
has it. The merged plan's terms are computed over the whole university and its every rule is
checked by the independent checker. Conflicts are listed by college (:class:`MergeConflictError`)
and nothing is merged while there are any:

- two plans of one part (the cause, said once, and nothing more about those plans);
- a part re-planned against another proposal, or under other rules;
- a part holding a cadre it does not place;
- a target placed beyond its cap by two parts (a university-level society taken by two
  colleges, say), said once, naming both;
- any rule the merged plan breaks, listed under the part of the cadre it names.

The folder-based ``planner merge`` (:mod:`planner.workflow.merge_folders`) reads plan folders
into :class:`PartPlan` records and calls this function; the service calls it with what it
stores.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from planner.check.checker import check_assignments
from planner.contract import KINDS, ROLES
from planner.dataset import Dataset
from planner.errors import PlannerError
from planner.i18n import gettext as _
from planner.i18n import ngettext
from planner.io.plan_folder import PLAN_KEY, with_pins
from planner.plan import MERGED_STATUS, Plan
from planner.planning import plan_from_assignments
from planner.scenario import Scenario
from planner.words import college_name
from planner.workflow.parts import pairs_hash, part_cadres, rules_of
from planner.workflow.scopes import CENTRAL, UNIVERSITY, college_of

CONFLICTS_SHOWN = 5
"""Conflicts of one kind listed in full per college before the rest are counted."""

_SHAPE = re.compile(
    r"'[^']*'|\S*\d\S*|\b(?:"
    + "|".join(sorted({k.value for k in KINDS} | {r.value for r in ROLES}))
    + r")\b"
)
"""What differs between conflicts of one kind: ids, quoted values, kinds and roles."""


@dataclass
class PartPlan:
    """One adjusted part given to :func:`merge_parts`."""

    scope: str
    """``central`` or ``college=ID``."""
    assignments: pd.DataFrame
    """The part's plan: at least ``cadre_id, kind, target_id``."""
    label: str
    """How conflicts name it: ``the plan of college C01 (out/C01)``."""
    base_hash: str | None
    """:func:`~planner.workflow.parts.pairs_hash` of the proposal it was re-planned against
    (``None``: not re-planned against a proposal)."""
    scenario: Scenario | None = None
    """The rules it was planned under (``None``: not known; not compared)."""
    pins: pd.DataFrame | None = None
    """The adjustment's own pins (canonical pins frame); they hold in the merged plan too."""
    record: dict[str, Any] = field(default_factory=dict)
    """What the merged ``plan.json`` records of this part (``merged_from``)."""

    @property
    def college(self) -> str | None:
        """The college of a college's part."""
        return college_of(self.scope)

    @property
    def key(self) -> str:
        """Where the part's conflicts are listed: its college, ``central`` or ``university``."""
        return CENTRAL if self.scope == CENTRAL else self.college or UNIVERSITY


class MergeConflictError(PlannerError):
    """Parts that cannot be merged; ``conflicts`` maps a college id (or ``central`` /
    ``university``) to plain-language lines (exit code 2)."""

    exit_code = 2

    def __init__(self, conflicts: dict[str, list[str]], headings: dict[str, str]) -> None:
        self.conflicts = conflicts
        self.headings = headings
        super().__init__("\n".join(self.lines()))

    @property
    def count(self) -> int:
        """The number of conflicts."""
        return sum(len(v) for v in self.conflicts.values())

    def lines(self) -> list[str]:
        """The conflicts as lines a reader goes through college by college."""
        n = self.count
        out = [
            ngettext(
                "The plans cannot be merged: {n} conflict; nothing was written.",
                "The plans cannot be merged: {n} conflicts; nothing was written.",
                n,
            ).format(n=n)
        ]
        for key, items in self.conflicts.items():
            out.append(f"{self.headings.get(key, key)}:")
            # Lines alike but for ids are shown a few at a time, then counted.
            shapes: dict[str, list[str]] = {}
            for item in items:
                shapes.setdefault(_SHAPE.sub("#", item), []).append(item)
            for alike in shapes.values():
                out.extend(f"  - {item}" for item in alike[:CONFLICTS_SHOWN])
                if len(alike) > CONFLICTS_SHOWN:
                    more = len(alike) - CONFLICTS_SHOWN
                    out.append("  " + _("... and {n} more like the above").format(n=more))
        return out


@dataclass
class Merged:
    """A merged university plan and what it was made from."""

    plan: Plan
    """Checked by the independent checker against :attr:`dataset`."""
    dataset: Dataset
    """The data set of the merged plan: the proposal's, with every part's pins added."""
    parts: list[PartPlan]
    kept: list[str]
    """Scopes taken from the proposal unchanged (no adjusted part given)."""


class _Conflicts:
    """Conflicts found so far, by college id (or ``central`` / ``university``)."""

    def __init__(self) -> None:
        self.lines: dict[str, list[str]] = {}

    def add(self, key: str, line: str) -> None:
        self.lines.setdefault(key, []).append(line)


_CADRE = re.compile(r"(?:cadre|联系人)(?: '|“| )([^\s'”（(，,；;:：]+)")
"""The cadre a checker's violation names first, in either language (``cadre T01 (college C01)``,
``联系人 T01（学院 C01）``): the part that placed it owns the conflict."""


def merge_parts(
    dataset: Dataset,
    scenario: Scenario,
    base: pd.DataFrame | Plan,
    parts: Sequence[PartPlan],
) -> Merged:
    """Merge adjusted ``parts`` into the proposal ``base`` (see the module docstring).

    ``dataset`` and ``scenario`` are those the proposal was made from (its ``previous``, its
    pins, its rules, scope ``university``). Raises :class:`MergeConflictError` listing every
    conflict by college.
    """
    conflicts = _Conflicts()
    base_pairs = (base.assignments if isinstance(base, Plan) else base)[list(PLAN_KEY)]
    usable = _usable_parts(dataset, scenario, pairs_hash(base_pairs), parts, conflicts)
    rows, owner = _merged_rows(dataset, scenario, base_pairs, usable, conflicts)
    merged_ds = _with_part_pins(dataset, usable)
    applied = scenario.with_changes(scope=UNIVERSITY)
    if not conflicts.lines:
        for line in check_assignments(merged_ds, applied, rows).violations:
            found = _CADRE.search(line)
            part = owner.get(found[1]) if found else None
            conflicts.add(
                part.key if part else UNIVERSITY,
                _("the merged plan breaks a rule: {line}").format(line=line),
            )
    if conflicts.lines:
        raise merge_error(dataset, conflicts.lines)
    plan = plan_from_assignments(merged_ds, applied, rows, status=MERGED_STATUS)
    plan.changes = _explain_changes(plan, owner)
    given = {p.scope for p in usable}
    kept = [s for s in _all_scopes(dataset) if s not in given]
    return Merged(plan=plan, dataset=merged_ds, parts=list(usable), kept=kept)


def _all_scopes(dataset: Dataset) -> list[str]:
    """Every part of the university: the central roles, then each college by id."""
    return [CENTRAL, *(f"college={c}" for c in sorted(dataset.colleges["id"]))]


def _usable_parts(
    dataset: Dataset,
    scenario: Scenario,
    base_hash: str,
    parts: Sequence[PartPlan],
    conflicts: _Conflicts,
) -> list[PartPlan]:
    """The parts that may replace their part of the proposal; the others' conflicts recorded
    once each (nothing more is said about a part that cannot be used)."""
    known = set(_all_scopes(dataset))
    by_scope: dict[str, list[PartPlan]] = {}
    for part in parts:
        by_scope.setdefault(part.scope, []).append(part)
    usable = []
    for scope, given in by_scope.items():
        first = given[0]
        if scope not in known:
            conflicts.add(
                first.key,
                _("{label} is not a part of this university (scope {scope})").format(
                    label=first.label, scope=scope
                ),
            )
            continue
        if len(given) > 1:
            conflicts.add(
                first.key,
                _("{n} plans were given for {part}: {labels}; give one").format(
                    n=len(given),
                    part=_part_name(dataset, scope),
                    labels="; ".join(p.label for p in given),
                ),
            )
            continue
        if _made_against(first, base_hash, scenario, conflicts):
            usable.append(first)
    return usable


def _made_against(
    part: PartPlan, base_hash: str, scenario: Scenario, conflicts: _Conflicts
) -> bool:
    """Whether ``part`` was re-planned against this proposal, under its rules."""
    if part.base_hash is None:
        conflicts.add(
            part.key,
            _(
                "{label} was not re-planned against a proposal; plan the part again with "
                "--held and the approved proposal"
            ).format(label=part.label),
        )
        return False
    if part.base_hash != base_hash:
        conflicts.add(
            part.key,
            _(
                "{label} was re-planned against another proposal; plan the part again with "
                "--held and this proposal"
            ).format(label=part.label),
        )
        return False
    if part.scenario is not None and rules_of(part.scenario) != rules_of(scenario):
        theirs, ours = rules_of(part.scenario), rules_of(scenario)
        keys = sorted(k for k in set(theirs) | set(ours) if theirs.get(k) != ours.get(k))
        conflicts.add(
            part.key,
            _("{label} was planned under other rules than the proposal ({keys})").format(
                label=part.label, keys=", ".join(keys)
            ),
        )
        return False
    return True


def _merged_rows(
    dataset: Dataset,
    scenario: Scenario,
    base: pd.DataFrame,
    parts: list[PartPlan],
    conflicts: _Conflicts,
) -> tuple[pd.DataFrame, dict[str, PartPlan]]:
    """The proposal's rows of every cadre outside the parts, then each part's rows; and the
    part of each cadre the parts place. Rows naming a cadre a part does not place, and targets
    placed by two parts, are conflicts."""
    owner: dict[str, PartPlan] = {}
    frames = []
    for part in parts:
        cadres = part_cadres(dataset, part.scope)
        owner.update(dict.fromkeys(cadres, part))
        rows = part.assignments[list(PLAN_KEY)].astype(str)
        stray = rows[~rows["cadre_id"].isin(cadres)]
        for r in stray.itertuples(index=False):
            conflicts.add(
                part.key,
                _(
                    "{label}: cadre {cadre} is not placed by this part, but holds {kind} {target}"
                ).format(label=part.label, cadre=r.cadre_id, kind=r.kind, target=r.target_id),
            )
        frames.append(rows.assign(_source=part.label))
    kept = base[~base["cadre_id"].astype(str).isin(owner)].astype(str)
    merged = pd.concat([kept.assign(_source=""), *frames], ignore_index=True)
    _placed_twice(dataset, scenario, merged, conflicts)
    merged = merged.drop(columns="_source").reset_index(drop=True)
    merged["row"] = range(2, len(merged) + 2)
    return merged, owner


def _placed_twice(
    dataset: Dataset,
    scenario: Scenario,
    rows: pd.DataFrame,
    conflicts: _Conflicts,
) -> None:
    """A target held beyond its cap by cadres of two sources (two parts, or a part and the
    proposal's rest): one conflict per target, naming each holder and where it comes from."""
    caps = {k.value: rule.cap for k, rule in scenario.kinds.items()}
    by_target = rows.groupby(["kind", "target_id"])
    sources = by_target["_source"].nunique()
    over = (by_target.size() > sources.index.get_level_values("kind").map(caps)) & (sources > 1)
    t = dataset.targets()
    college = dict(zip(zip(t["kind"], t["id"], strict=True), t["college"], strict=True))
    for kind, target in sources[over.to_numpy()].index:
        holders = rows[(rows["kind"] == kind) & (rows["target_id"] == target)]
        named = "; ".join(
            _("cadre {cadre} in {where}").format(cadre=cadre, where=source or _("the proposal"))
            for cadre, source in zip(holders["cadre_id"], holders["_source"], strict=True)
        )
        where = college.get((kind, target))
        key = where if isinstance(where, str) else UNIVERSITY
        line = _("{kind} {target} is taken by two parts: {named}").format(
            kind=kind, target=target, named=named
        )
        conflicts.add(key, line)


def _with_part_pins(dataset: Dataset, parts: list[PartPlan]) -> Dataset:
    """``dataset`` with every part's own pins added (renumbered after the data set's)."""
    frames = [p.pins for p in parts if p.pins is not None and len(p.pins)]
    if not frames:
        return dataset
    pins = pd.concat([f[["cadre", "kind", "target", "rule"]] for f in frames])
    pins = pins.drop_duplicates().reset_index(drop=True)
    start = int(dataset.pins["row"].max()) + 1 if len(dataset.pins) else 2
    pins["row"] = pd.Series(range(start, start + len(pins)), dtype="int64")
    return with_pins(dataset, pins)


def _part_name(dataset: Dataset, scope: str) -> str:
    college = college_of(scope)
    if college is None:
        return _("the central part")
    return _("the part of {college}").format(college=college_name(dataset, college))


def merge_error(dataset: Dataset, lines: dict[str, list[str]]) -> MergeConflictError:
    """Conflicts (by college id, ``central`` or ``university``) as the error that lists them
    in reading order (central, colleges by id, across all parts) under their headings."""
    headings: dict[str, str] = {
        CENTRAL: _("Central part"),
        UNIVERSITY: _("Across all parts"),
    }
    for key in lines:
        if key not in headings:
            headings[key] = college_name(dataset, key)
    order = [CENTRAL, *sorted(k for k in lines if k not in (CENTRAL, UNIVERSITY)), UNIVERSITY]
    return MergeConflictError({k: lines[k] for k in order if k in lines}, headings)


def _explain_changes(plan: Plan, owner: dict[str, PartPlan]) -> pd.DataFrame:
    """In a merged plan, say which part took an ended contact's target."""
    changes = plan.changes.copy()
    if changes.empty:
        return changes
    a = plan.assignments
    holder = {
        (k, t): (c, n)
        for c, n, k, t in zip(
            a["cadre_id"], a["cadre_name"], a["kind"], a["target_id"], strict=True
        )
    }
    reasons = changes["reason"].tolist()
    for i, row in enumerate(changes.itertuples(index=False)):
        if row.status != "ended" or not str(row.reason).startswith("coverage gain"):
            continue
        found = holder.get((row.kind, row.target_id))
        if found is None:
            continue
        cadre, name = found
        theirs, mine = owner.get(cadre), owner.get(row.cadre_id)
        if theirs is not None and theirs is not mine:
            reasons[i] = _("{part} placed {name} ({cadre}) at this {kind}").format(
                part=theirs.label.split(" (")[0], name=name, cadre=cadre, kind=row.kind
            )
    changes["reason"] = reasons
    return changes
