"""The inputs of ``planner plan`` beyond the data set: ``--previous``, pins from the command
line, and the targets a scope leaves alone (``--held`` for a college plan, the colleges'
fixed contacts for the central plan)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from planner.dataset import Dataset, Pair
from planner.errors import InfeasibleError, UsageError
from planner.io.plan_folder import PINS_KEY, PREVIOUS_KEY, read_plan_dir, with_pins, with_previous
from planner.policy import H6
from planner.scenario import Scenario
from planner.solver.problem import scope_cadres, scope_targets
from planner.workflow.approval import require_approved
from planner.workflow.carry import previous_input, reserved_for_colleges
from planner.workflow.pins import parse_pins, pin_rows


@dataclass
class PlanInputs:
    """What ``planner plan`` plans from, after ``--held``, ``--previous`` and pins."""

    dataset: Dataset
    held: frozenset[Pair] = frozenset()
    extra_json: dict[str, Any] = field(default_factory=dict)
    """Keys recorded in ``plan.json`` (see :data:`PREVIOUS_KEY`, :data:`PINS_KEY`)."""
    notes: list[str] = field(default_factory=list)
    """Plain lines for the user (stdout)."""


def plan_inputs(
    dataset: Dataset,
    scenario: Scenario,
    *,
    held: Path | None = None,
    previous: Path | None = None,
    require: Sequence[str] = (),
    forbid: Sequence[str] = (),
) -> PlanInputs:
    """Apply the workflow options of ``planner plan`` to ``dataset`` for ``scenario.scope``.

    ``held``: an approved central plan (college scopes only). ``previous``: an approved plan
    folder or a previous table, replacing the data set's ``previous``. ``require``/``forbid``:
    pins ``CADRE:KIND:TARGET``. A central scope leaves to the colleges the targets their cadres
    keep (:func:`~planner.workflow.carry.reserved_for_colleges`).
    """
    inputs = PlanInputs(dataset)
    if previous is not None:
        frame, source, record, notes = previous_input(Path(previous))
        inputs.dataset = with_previous(inputs.dataset, frame, source)
        inputs.extra_json[PREVIOUS_KEY] = record
        inputs.notes += notes
    pins = parse_pins(inputs.dataset, require, forbid)
    if len(pins):
        _add_pins(inputs, pins)
    _leave_alone(inputs, scenario, held)
    outside = _pins_outside_scope(inputs.dataset, scenario, pins, inputs.held)
    if outside:
        inputs.dataset = _with_warnings(inputs.dataset, outside)
    return inputs


def _add_pins(inputs: PlanInputs, pins: pd.DataFrame) -> None:
    """Pins from the command line, after the data set's (recorded in ``plan.json``)."""
    inputs.dataset = with_pins(inputs.dataset, pins)
    inputs.extra_json[PINS_KEY] = pin_rows(pins)
    first, last = int(pins["row"].min()), int(pins["row"].max())
    rows = f"pin row {first}" if first == last else f"pin rows {first}-{last}"
    inputs.notes.append(f"Pins from the command line: {len(pins)} (called {rows} in messages)")


def _leave_alone(inputs: PlanInputs, scenario: Scenario, held: Path | None) -> None:
    """The targets this scope leaves alone: an approved central plan's (``--held``, college
    scopes only), or the colleges' fixed contacts (the central scope)."""
    scope = scenario.scope
    if held is not None:
        if not scope.startswith("college="):
            raise UsageError(
                f"--held is for a college plan (--scope college=ID); this run's scope is {scope}"
            )
        inputs.held = held_from_plan(Path(held))
        blocked = held_pins(inputs.dataset, scenario, inputs.held)
        if blocked:
            raise InfeasibleError(blocked)
        college = scope.split("=", 1)[1]
        targets = inputs.dataset.targets()
        mine = targets[targets["college"] == college]
        n = sum((k, t) in inputs.held for k, t in zip(mine["kind"], mine["id"], strict=True))
        inputs.notes.append(f"Targets of {college} held by the approved central plan: {n}")
    elif scope.startswith("college="):
        inputs.dataset = _with_warnings(
            inputs.dataset,
            [
                "no --held given: targets the central plan holds are not left out of this "
                "college plan, so the merge may find them held twice"
            ],
        )
    elif scope == "central":
        inputs.held = reserved_for_colleges(inputs.dataset, scenario)
        if inputs.held:
            inputs.notes.append(
                f"Left to the colleges: {len(inputs.held):,} targets that a college cadre keeps "
                "from last semester or is pinned to"
            )


def _with_warnings(dataset: Dataset, warnings: list[str]) -> Dataset:
    return dataclasses.replace(dataset, warnings=[*dataset.warnings, *warnings])


def held_from_plan(plan_dir: Path) -> frozenset[Pair]:
    """The targets an approved central plan holds: a college plan leaves them untouched."""
    folder = Path(plan_dir)
    require_approved(folder, "--held")
    assignments, meta = read_plan_dir(folder)
    scope = meta.get("scope")
    if scope != "central":
        raise UsageError(
            f"--held {folder}: this is a plan of scope {scope}; --held takes the approved "
            "central plan (made with --scope central)"
        )
    return frozenset(zip(assignments["kind"], assignments["target_id"], strict=True))


def held_pins(dataset: Dataset, scenario: Scenario, held: frozenset[Pair]) -> list[str]:
    """Require pins of a college plan whose target the approved central plan holds: the
    college plan cannot honour them (plain lines, empty when there are none)."""
    if not held or not scenario.scope.startswith("college="):
        return []
    college = scenario.scope.split("=", 1)[1]
    cadres = dataset.cadres
    own = set(cadres.loc[~cadres["central"] & (cadres["unit"] == college), "id"])
    pins = dataset.pins
    out = []
    for r in pins[(pins["rule"] == "require") & pins["cadre"].isin(own)].itertuples(index=False):
        if (r.kind, r.target) in held:
            out.append(
                f"{H6.label}: pin row {r.row} requires cadre {r.cadre} to hold {r.kind} "
                f"{r.target}, but the approved central plan holds it. To fix: drop the pin, or "
                "ask the Student Affairs Office to plan the central roles again with this pin in "
                "the data set (the central plan then leaves the target to the college)."
            )
    return out


def _pins_outside_scope(
    dataset: Dataset, scenario: Scenario, pins: pd.DataFrame, held: frozenset[Pair]
) -> list[str]:
    """Warnings for command-line pins whose cadre or target this scope does not plan."""
    if pins.empty or scenario.scope == "university":
        return []
    cadres = set(scope_cadres(dataset, scenario.scope)["id"])
    t = scope_targets(dataset, scenario.scope, held)
    targets = set(zip(t["kind"], t["id"], strict=True))
    return [
        f"--{r.rule} {r.cadre}:{r.kind}:{r.target}: outside this plan's scope "
        f"({scenario.scope}); the pin has no effect here"
        for r in pins.itertuples(index=False)
        if r.cadre not in cadres or (r.kind, r.target) not in targets
    ]
