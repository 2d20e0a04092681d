"""The inputs of ``planner plan`` beyond the data set: ``--previous``, pins from the command
line, and ``--held PROPOSAL``, which makes the run a re-plan of one part against the approved
proposal (:mod:`planner.workflow.parts`).

A part re-planned with ``--held`` is planned exactly as the proposal was, but for its own
pins: from the proposal's last-semester contacts and pins (recorded in its ``plan.json``),
under the proposal's rules. Only the solver settings (time limit, seed, workers) may differ.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from planner.dataset import Dataset, Pair
from planner.errors import UsageError
from planner.i18n import gettext as _
from planner.io.plan_folder import (
    BASE_KEY,
    PINS_KEY,
    PLAN_JSON,
    PREVIOUS_KEY,
    as_planned,
    read_plan_dir,
    with_pins,
    with_previous,
)
from planner.scenario import Scenario, scenario_from_dict
from planner.solver.problem import scope_cadres, scope_targets
from planner.words import count_words
from planner.workflow.approval import require_approved
from planner.workflow.carry import previous_input
from planner.workflow.parts import (
    base_rows,
    make_part,
    pairs_hash,
    part_dataset,
    part_words,
    rules_of,
)
from planner.workflow.pins import parse_pins, pin_rows
from planner.workflow.provenance import require_same_data
from planner.workflow.scopes import UNIVERSITY


@dataclass
class PlanInputs:
    """What ``planner plan`` plans from, after ``--held``, ``--previous`` and pins."""

    dataset: Dataset
    scenario: Scenario
    """The scenario to plan under (a re-planned part: the proposal's rules)."""
    held: frozenset[Pair] = frozenset()
    extra_json: dict[str, Any] = field(default_factory=dict)
    """Keys recorded in ``plan.json`` (see :data:`PREVIOUS_KEY`, :data:`PINS_KEY`,
    :data:`BASE_KEY`)."""
    notes: list[str] = field(default_factory=list)
    """Plain lines for the user (stdout)."""


@dataclass
class Proposal:
    """An approved whole-university plan folder, read as the base of a re-plan or a merge."""

    folder: Path
    assignments: pd.DataFrame
    meta: dict[str, Any]
    approval: dict[str, Any]
    scenario: Scenario

    @property
    def record(self) -> dict[str, Any]:
        """Who and what the proposal is, as a part's or a merged plan's ``plan.json`` says."""
        return {
            "folder": str(self.folder),
            "pairs_sha256": pairs_hash(self.assignments),
            "approved_by": self.approval.get("approved_by"),
            "approved_at": self.approval.get("approved_at"),
        }

    def dataset(self, data: Dataset) -> Dataset:
        """``data`` as the proposal was made from it (its ``previous``, its pins)."""
        return as_planned(data, self.meta, str(self.folder / PLAN_JSON))

    def inherited(self) -> dict[str, Any]:
        """What a plan made from the proposal records of its inputs (``previous``, pins)."""
        return {k: self.meta[k] for k in (PREVIOUS_KEY, PINS_KEY) if k in self.meta}


def read_proposal(folder: Path, option: str = "--held") -> Proposal:
    """The approved proposal in ``folder``; a :class:`UsageError` naming ``option`` when it is
    not approved, changed since, or not a whole-university plan."""
    folder = Path(folder)
    approval = require_approved(folder, option)
    assignments, meta = read_plan_dir(folder)
    scope = meta.get("scope")
    if scope != UNIVERSITY:
        raise UsageError(
            _(
                "{option} {folder}: this is a plan of scope {scope}; give the approved "
                "proposal (a whole-university plan, made without --scope)"
            ).format(option=option, folder=folder, scope=scope)
        )
    raw = meta.get("scenario")
    scenario = scenario_from_dict(raw if isinstance(raw, dict) else {}, str(folder / PLAN_JSON))
    return Proposal(folder, assignments, meta, approval, scenario)


def plan_inputs(
    dataset: Dataset,
    scenario: Scenario,
    *,
    held: Path | None = None,
    previous: Path | None = None,
    require: Sequence[str] = (),
    forbid: Sequence[str] = (),
    scenario_given: bool = True,
    data: Path | None = None,
) -> PlanInputs:
    """Apply the workflow options of ``planner plan`` to ``dataset`` for ``scenario.scope``.

    ``held``: the approved proposal; the run re-plans the part ``scenario.scope`` (central or
    one college) against it, under the proposal's rules (``scenario_given=False``: the
    scenario is only the default, take the proposal's; given, its rules must be the
    proposal's). ``previous``: an approved plan folder or a previous table, replacing the data
    set's ``previous``. ``require``/``forbid``: pins ``CADRE:KIND:TARGET``. ``data``: where
    ``dataset`` was read from; a part is refused (:class:`UsageError`) unless it is the data
    the proposal was made from.
    """
    if held is not None:
        if previous is not None:
            raise UsageError(
                _(
                    "--previous: a part re-planned against the proposal continues from the "
                    "proposal's last-semester contacts; leave out --previous"
                )
            )
        proposal = read_proposal(Path(held))
        require_same_data(dataset, proposal.meta, proposal.folder, data or Path("--data"))
        if scenario_given and rules_of(scenario) != rules_of(proposal.scenario):
            raise UsageError(
                _(
                    "--scenario: a part is re-planned under the proposal's rules ({name}); "
                    "leave out --scenario, or plan a new proposal with it"
                ).format(name=proposal.scenario.name)
            )
        return _part_inputs(dataset, scenario, proposal, require, forbid)
    inputs = PlanInputs(dataset, scenario)
    if previous is not None:
        frame, source, record, notes = previous_input(Path(previous))
        inputs.dataset = with_previous(inputs.dataset, frame, source)
        inputs.extra_json[PREVIOUS_KEY] = record
        inputs.notes += notes
    pins = parse_pins(inputs.dataset, require, forbid)
    if len(pins):
        inputs.dataset = with_pins(inputs.dataset, pins)
        inputs.extra_json[PINS_KEY] = pin_rows(pins)
        inputs.notes.append(_pins_note(pins))
    if scenario.scope != UNIVERSITY:
        warnings = [
            _(
                "this plan of {part} is not re-planned against a proposal (no --held): it is a "
                "plan of its own, and planner merge does not take it"
            ).format(part=part_words(dataset, scenario.scope)),
            *_pins_outside_scope(inputs.dataset, scenario, pins),
        ]
        inputs.dataset = dataclasses.replace(
            inputs.dataset, warnings=[*inputs.dataset.warnings, *warnings]
        )
    return inputs


def _part_inputs(
    dataset: Dataset,
    scenario: Scenario,
    proposal: Proposal,
    require: Sequence[str],
    forbid: Sequence[str],
) -> PlanInputs:
    """A part re-planned against ``proposal``, as :func:`plan_inputs` describes."""
    scope = scenario.scope
    if scope == UNIVERSITY:
        raise UsageError(
            _("--held re-plans one part: give --scope central or --scope college=ID with it")
        )
    applied = proposal.scenario.with_changes(scope=scope, solver=scenario.solver.model_dump())
    planned = proposal.dataset(dataset)
    pins = parse_pins(planned, require, forbid)
    part = make_part(planned, applied, proposal.assignments, scope, pins)
    inputs = PlanInputs(part_dataset(planned, part), applied, held=part.held)
    inputs.extra_json = proposal.inherited()
    if len(pins):
        inputs.extra_json[PINS_KEY] = [*inputs.extra_json.get(PINS_KEY, []), *pin_rows(pins)]
        inputs.notes.append(_pins_note(pins))
    inputs.extra_json[BASE_KEY] = {
        **proposal.record,
        "rows": base_rows(part),
        "pins": pin_rows(pins),
    }
    inputs.notes.append(
        _("Re-planning {part} against the proposal {folder}: {held} held outside it").format(
            part=part_words(dataset, scope),
            folder=proposal.folder,
            held=count_words(len(part.held), "target"),
        )
    )
    return inputs


def _pins_note(pins: pd.DataFrame) -> str:
    first, last = int(pins["row"].min()), int(pins["row"].max())
    rows = f"pin row {first}" if first == last else f"pin rows {first}-{last}"
    return _("Pins from the command line: {n} (called {rows} in messages)").format(
        n=len(pins), rows=rows
    )


def _pins_outside_scope(dataset: Dataset, scenario: Scenario, pins: pd.DataFrame) -> list[str]:
    """Warnings for command-line pins whose cadre or target this scope does not plan."""
    if pins.empty:
        return []
    cadres = set(scope_cadres(dataset, scenario.scope)["id"])
    t = scope_targets(dataset, scenario.scope)
    targets = set(zip(t["kind"], t["id"], strict=True))
    return [
        _(
            "--{rule} {cadre}:{kind}:{target}: outside this plan's scope ({scope}); the pin has no "
            "effect here"
        ).format(rule=r.rule, cadre=r.cadre, kind=r.kind, target=r.target, scope=scenario.scope)
        for r in pins.itertuples(index=False)
        if r.cadre not in cadres or (r.kind, r.target) not in targets
    ]
