"""Parts of the university plan, and re-planning one part against the proposal.

The staged protocol (``shared/design/service.md``: propose globally, adjust locally, file,
approve) starts from one whole-university plan, the **proposal** (the global optimum). Each
office then adjusts only its own **part**:

- the central part (scope ``central``): the cadres the Student Affairs Office places;
- a college's part (scope ``college=ID``): the college's own cadres.

A part is a scope, its **held** targets and its **pins** (:class:`Part`). Re-planning a part
keeps everything outside it as the proposal has it: the part's cadres may hold every target of
the scope except those the proposal gives to cadres outside the part (``held``). For a college
that is its own targets minus those the proposal gives to central cadres, plus the
university-level societies on its cadres' campus (H3) that no cadre outside the college holds
in the proposal. Where a kind's cap is above one (full engagement: a branch with several
leaders), a target shared with cadres outside the part stays in it with the places they do not
take, and counts as covered when they cover it. Pins given for the adjustment must lie within
the part's authority (:func:`part_pins`); the data set's own pins apply everywhere, as they
did in the proposal.

Why this loses nothing: every objective term is a sum over the cadres (S5, a maximum, depends
on the central part only), so the proposal restricted to a part is optimal for the part with
the rest held. The lowest priority, S6 Stay with the proposal (:data:`planner.policy.S6`),
counts the proposal's contacts of the part that stay; a part re-planned without pins therefore
reproduces the proposal exactly, and a pin moves only what it must. S6 is solved like S2 (one
0/1 variable per proposal pair, :attr:`planner.dataset.Dataset.base`), and the independent
checker recomputes it from the pairs ``plan.json`` records.

API (plain functions over data sets and plans; the command line and the service call them):

- :func:`make_part` — the part of a scope given the proposal's assignments (and pins);
- :func:`part_dataset` — the data set as the part is planned from it (``base``, pins added);
- :func:`replan_part` — re-plan a part against the proposal: a checked :class:`Replanned`;
  with ``warm=`` (:class:`WarmParts`, the proposal kept in a long-lived worker) it reuses
  what does not change between a part's adjustments, with the same result term by term;
- :func:`pairs_hash` — the identity of a plan's assignments (which proposal a part was made
  against);
- merging the parts back into one university plan: :func:`planner.workflow.merge.merge_parts`.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from planner.check.checker import require_checked
from planner.dataset import Dataset, Pair, empty_pairs
from planner.errors import UsageError
from planner.explain.capacity import college_capacity
from planner.explain.why.derive import Deriver
from planner.i18n import gettext as _
from planner.io.plan_folder import PLAN_KEY, with_pins
from planner.plan import Plan
from planner.planning import make_plan
from planner.scenario import Scenario
from planner.solver.pairs import assignment_table, pair_indices, term_values
from planner.solver.problem import Problem, build_problem, out_of_reach, scope_cadres, scope_targets
from planner.solver.solution import Progress
from planner.words import college_name
from planner.workflow.scopes import CENTRAL, UNIVERSITY, college_of


@dataclass(frozen=True)
class Part:
    """One office's part of the university plan, re-planned against the proposal."""

    scope: str
    """``central`` or ``college=ID``."""
    held: frozenset[Pair]
    """Targets of the scope whose every place the proposal gives to cadres outside the part."""
    base: pd.DataFrame
    """``cadre, kind, target``: the proposal's contacts; S6 counts those of the part's cadres
    that stay, and the others take places of the targets they hold (caps above one)."""
    pins: pd.DataFrame
    """``cadre, kind, target, rule, row``: the pins of this adjustment (may be empty)."""

    @property
    def college(self) -> str | None:
        """The college of a college's part."""
        return college_of(self.scope)


@dataclass
class Replanned:
    """A part re-planned against the proposal: the plan (checked), and what it was made from."""

    part: Part
    dataset: Dataset
    """The data set as the part was planned from it (:func:`part_dataset`): the independent
    checker passes ``plan`` against it."""
    scenario: Scenario
    plan: Plan
    base_hash: str
    """:func:`pairs_hash` of the proposal the part was re-planned against."""


def pairs_hash(assignments: pd.DataFrame | Plan) -> str:
    """SHA-256 of a plan's ``(cadre_id, kind, target_id)`` pairs, in sorted order: the same
    pairs give the same hash whatever else differs (row order, extra columns, file bytes)."""
    frame = _pairs(assignments)
    lines = sorted(
        "\x1f".join(row) for row in zip(*(frame[c].astype(str) for c in PLAN_KEY), strict=True)
    )
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def _pairs(base: pd.DataFrame | Plan) -> pd.DataFrame:
    frame = base.assignments if isinstance(base, Plan) else base
    return frame[list(PLAN_KEY)].astype(str).reset_index(drop=True)


def part_cadres(dataset: Dataset, scope: str) -> set[str]:
    """The available cadres a part places."""
    return set(scope_cadres(dataset, scope)["id"])


def held_outside(
    dataset: Dataset, scenario: Scenario, base: pd.DataFrame | Plan, scope: str
) -> frozenset[Pair]:
    """The targets of ``scope`` whose every place (the kind's cap) the proposal gives to
    cadres outside the part. A target with places left (a cap above one) stays in the part;
    the solver and the checker count the places taken outside (``Dataset.base``)."""
    pairs = _pairs(base)
    outside = pairs[~pairs["cadre_id"].isin(part_cadres(dataset, scope))]
    counts = outside.groupby(["kind", "target_id"]).size()
    targets = scope_targets(dataset, scope)
    mine = set(zip(targets["kind"], targets["id"], strict=True))
    caps = {k.value: rule.cap for k, rule in scenario.kinds.items()}
    return frozenset((k, t) for (k, t), n in counts.items() if (k, t) in mine and n >= caps[str(k)])


def make_part(
    dataset: Dataset,
    scenario: Scenario,
    base: pd.DataFrame | Plan,
    scope: str,
    pins: pd.DataFrame | None = None,
) -> Part:
    """The part of ``scope`` (``central`` or ``college=ID``, see
    :func:`~planner.workflow.scopes.resolve_scope`) against the proposal's assignments
    ``base``, with the adjustment's ``pins`` (canonical pins frame); a :class:`UsageError`
    (exit 2) naming each pin outside the part's authority."""
    if scope == UNIVERSITY:
        raise UsageError(
            _("a part is the central roles or one college (--scope central or college=ID)")
        )
    pairs = _pairs(base)
    given = pins if pins is not None else empty_pins()
    part = Part(
        scope=scope,
        held=held_outside(dataset, scenario, pairs, scope),
        base=pd.DataFrame(
            {
                "cadre": pairs["cadre_id"].to_numpy(),
                "kind": pairs["kind"].to_numpy(),
                "target": pairs["target_id"].to_numpy(),
            }
        ),
        pins=given,
    )
    problems = part_pins(dataset, scenario, part, pairs)
    if problems:
        raise UsageError("\n".join(problems))
    return part


def empty_pins() -> pd.DataFrame:
    """A canonical pins frame without rows."""
    frame = empty_pairs().assign(rule=pd.Series(dtype=object))
    frame["row"] = pd.Series(dtype="int64")
    return frame


@dataclass(frozen=True)
class Authority:
    """What a part may pin, indexed once (:func:`part_pins`; a warm part keeps it): the
    cadres and targets of the data, who holds each target in the proposal, the targets of the
    part's scope and those out of its cadres' reach."""

    cadres: pd.DataFrame
    targets: pd.DataFrame
    holder: dict[Pair, str]
    scope_set: set[Pair]
    unreachable: frozenset[Pair]

    @classmethod
    def of(cls, dataset: Dataset, scenario: Scenario, scope: str, base: pd.DataFrame) -> Authority:
        """The authority of the part ``scope`` against the proposal's pairs ``base``."""
        in_scope = scope_targets(dataset, scope)
        return cls(
            cadres=dataset.cadres.set_index("id"),
            targets=dataset.targets().set_index(["kind", "id"]),
            holder=dict(
                zip(
                    zip(base["kind"], base["target_id"], strict=True),
                    base["cadre_id"],
                    strict=True,
                )
            ),
            scope_set=set(zip(in_scope["kind"], in_scope["id"], strict=True)),
            unreachable=out_of_reach(dataset, scenario.with_changes(scope=scope)),
        )


def part_pins(
    dataset: Dataset,
    scenario: Scenario,
    part: Part,
    base: pd.DataFrame,
    *,
    authority: Authority | None = None,
) -> list[str]:
    """One line per pin of ``part`` outside its authority, saying why (empty when all are in).
    ``authority``: :meth:`Authority.of` the part's scope and ``base``, when kept already."""
    out: list[str] = []
    if part.pins.empty:
        return out
    known = authority or Authority.of(dataset, scenario, part.scope, base)
    cadres, targets, holder = known.cadres, known.targets, known.holder
    scope_set, unreachable = known.scope_set, known.unreachable
    for pin in part.pins.itertuples(index=False):
        said = f"--{pin.rule} {pin.cadre}:{pin.kind}:{pin.target}"
        why = _cadre_outside(dataset, cadres.loc[pin.cadre], part)
        if why is None:
            key = (pin.kind, pin.target)
            if key not in scope_set:
                why = _("{kind} {target} belongs to {college}").format(
                    kind=pin.kind,
                    target=pin.target,
                    college=college_name(dataset, targets.loc[key, "college"]),
                )
            elif key in part.held:
                why = _held_words(dataset, pin.kind, pin.target, holder[key])
            elif key in unreachable:
                why = _(
                    "university-level society {target} is on campus {campus}, where none of "
                    "this college's cadres works (H3 Department of origin)"
                ).format(target=pin.target, campus=targets.loc[key, "campus"])
        if why is not None:
            out.append(
                _("{pin}: outside the authority of {part}: {why}").format(
                    pin=said, part=part_words(dataset, part.scope), why=why
                )
            )
    return out


def _cadre_outside(dataset: Dataset, cadre: pd.Series, part: Part) -> str | None:
    """Why a pinned cadre is not the part's to place (``None`` when it is)."""
    central = bool(cadre["central"])
    if part.scope == CENTRAL and not central:
        return _("cadre {cadre} is placed by {college}").format(
            cadre=cadre.name, college=college_name(dataset, cadre["unit"])
        )
    if part.college is not None and (central or cadre["unit"] != part.college):
        whose = (
            _("the Student Affairs Office")
            if central
            else college_name(dataset, str(cadre["unit"]))
        )
        return _("cadre {cadre} is placed by {whose}").format(cadre=cadre.name, whose=whose)
    return None


def _held_words(dataset: Dataset, kind: str, target: str, holder: str) -> str:
    """``the proposal gives class K1 to cadre T9 (a central cadre): ask …``."""
    row = dataset.cadres.set_index("id").loc[holder]
    if bool(row["central"]):
        return _(
            "the proposal gives {kind} {target} to cadre {cadre}, a central cadre; ask the "
            "Student Affairs Office to adjust the central part"
        ).format(kind=kind, target=target, cadre=holder)
    return _(
        "the proposal gives {kind} {target} to cadre {cadre} of {college}; that college "
        "adjusts its own part"
    ).format(kind=kind, target=target, cadre=holder, college=college_name(dataset, row["unit"]))


def part_words(dataset: Dataset, scope: str) -> str:
    """``the central part`` / ``the part of 法学院 (C01)``."""
    college = college_of(scope)
    if college is None:
        return _("the central part")
    return _("the part of {college}").format(college=college_name(dataset, college))


def part_dataset(dataset: Dataset, part: Part) -> Dataset:
    """``dataset`` as ``part`` is planned from it: the proposal's contacts of the part as
    ``base`` (S6) and the adjustment's pins after the data set's own."""
    out = dataclasses.replace(dataset, base=part.base.reset_index(drop=True))
    return with_pins(out, part.pins) if len(part.pins) else out


def replan_part(
    dataset: Dataset,
    scenario: Scenario,
    base: pd.DataFrame | Plan,
    scope: str,
    *,
    pins: pd.DataFrame | None = None,
    time_limit: float | None = None,
    workers: int | None = None,
    seed: int | None = None,
    deterministic: bool = False,
    progress: Progress | None = None,
    warm: WarmParts | None = None,
) -> Replanned:
    """Re-plan the part ``scope`` against the proposal ``base`` (its assignments, or the plan).

    ``dataset`` and ``scenario`` are those the proposal was made from (its ``previous``, its
    rules); ``pins`` the adjustment's own (canonical pins frame, numbered after the data
    set's). Everything outside the part stays as the proposal has it. The plan is checked by
    the independent checker against :attr:`Replanned.dataset` before it is returned; a pin
    outside the part's authority raises :class:`UsageError`, hard rules that cannot all hold
    :class:`~planner.errors.InfeasibleError`.

    ``warm``: the proposal kept warm in a long-lived worker (:class:`WarmParts`, made from the
    same data set, rules and proposal; a :class:`ValueError` otherwise). The re-plan then
    reuses what does not change between adjustments of the part and gives a plan as good,
    term by term, as without it.
    """
    applied = scenario.with_changes(scope=scope)
    proven: dict[str, int] | None = None
    capacity: pd.DataFrame | None = None
    problem: Problem | None = None
    if warm is None:
        part = make_part(dataset, applied, base, scope, pins)
        base_hash = pairs_hash(base)
        planned = part_dataset(dataset, part)
    else:
        kept = warm.fitting(dataset, scenario, base).part(scope)
        part = kept.with_pins(dataset, applied, pins)
        base_hash, proven, capacity = warm.base_hash, kept.proven, kept.capacity
        planned = part_dataset(dataset, part)
        problem = kept.problem_of(planned, len(part.pins))
    plan = make_plan(
        planned,
        applied,
        held=part.held,
        time_limit=time_limit,
        workers=workers,
        seed=seed,
        deterministic=deterministic,
        progress=progress,
        proven=proven,
        capacity=capacity,
        problem=problem,
        checks_first=warm is None,
    )
    require_checked(plan, planned, applied)
    return Replanned(part, planned, applied, plan, base_hash)


@dataclass(frozen=True)
class WarmPart:
    """One part of a warm proposal (:meth:`WarmParts.part`): what its adjustments share."""

    part: Part
    """The part without pins: its held targets and the proposal's pairs (S6)."""
    authority: Authority
    """What it may pin (:func:`part_pins`)."""
    capacity: pd.DataFrame
    """The college capacity notes' table of the part's scope (pins do not change it)."""
    proven: dict[str, int] | None
    """The proposal's term values on the part, when the proposal was proven optimal: no
    adjustment (pins only restrict the part's plans) does better, so a re-plan that reaches
    them skips the CP-SAT stages (:func:`planner.solver.solve.solve`, ``proven``)."""
    base: pd.DataFrame = field(repr=False)
    """The proposal's pairs (``cadre_id, kind, target_id``)."""
    deriver: Deriver = field(repr=False)
    """The part's indexed problem without an adjustment's pins, from which an adjustment's
    problem is derived (:class:`~planner.explain.why.derive.Deriver`)."""

    def problem_of(self, planned: Dataset, added: int) -> Problem:
        """The problem of the part's data set ``planned`` (:func:`part_dataset`) with an
        adjustment's ``added`` pins: derived from the kept one when sound, else indexed."""
        derived = self.deriver.problem(planned, added)
        if derived is not None:
            return derived
        return build_problem(planned, self.deriver.base.scenario, self.part.held)

    def with_pins(self, dataset: Dataset, scenario: Scenario, pins: pd.DataFrame | None) -> Part:
        """The part with an adjustment's ``pins`` (checked against its authority, as
        :func:`make_part` does)."""
        part = dataclasses.replace(self.part, pins=pins if pins is not None else empty_pins())
        problems = part_pins(dataset, scenario, part, self.base, authority=self.authority)
        if problems:
            raise UsageError("\n".join(problems))
        return part


@dataclass
class WarmParts:
    """A proposal kept warm for re-planning its parts (:func:`replan_part`, ``warm=``).

    A college adjusting its part (the service's adjust step) re-plans it after each pin and
    waits for the page. What does not change between those re-plans is kept here, per part,
    on first use: the held targets and the proposal's pairs, the pin authority's indexes, the
    capacity notes (they depend on the data and the scope only) and the proposal's term values
    on the part, which bound every adjustment's (a pin only restricts the part's plans). A
    long-lived job worker keeps one per proposal and calls :meth:`part` for the scopes it
    serves before it forks the job's child, so each child starts from a copy-on-write view.

    ``dataset`` and ``scenario`` are those the proposal was made from; ``proposal`` its plan (a
    :class:`~planner.plan.Plan`; its status says whether it was proven optimal) or its
    assignments (then nothing is taken as proven).
    """

    dataset: Dataset
    scenario: Scenario
    proposal: pd.DataFrame | Plan
    base: pd.DataFrame = field(init=False, repr=False)
    base_hash: str = field(init=False)
    optimal: bool = field(init=False)
    _parts: dict[str, WarmPart] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.base = _pairs(self.proposal)
        self.base_hash = pairs_hash(self.base)
        self.optimal = isinstance(self.proposal, Plan) and self.proposal.status == "OPTIMAL"

    def part(self, scope: str) -> WarmPart:
        """The part ``scope`` (``central`` or ``college=ID``), made on first use."""
        if scope not in self._parts:
            self._parts[scope] = self._make(scope)
        return self._parts[scope]

    def fitting(self, dataset: Dataset, scenario: Scenario, base: pd.DataFrame | Plan) -> WarmParts:
        """``self``, when made from this data set, these rules and this proposal; else a
        :class:`ValueError` (a worker's state of another proposal is a programming error)."""
        same_data = dataset is self.dataset or (
            bool(dataset.sources) and _fingerprint(dataset) == _fingerprint(self.dataset)
        )
        if not same_data:
            raise ValueError("the warm parts were made from another data set")
        if rules_of(scenario) != rules_of(self.scenario):
            raise ValueError("the warm parts were made under other rules")
        if base is not self.proposal and pairs_hash(base) != self.base_hash:
            raise ValueError("the warm parts were made from another proposal")
        return self

    def _make(self, scope: str) -> WarmPart:
        applied = self.scenario.with_changes(scope=scope)
        part = make_part(self.dataset, applied, self.base, scope)
        planned = part_dataset(self.dataset, part)
        problem = build_problem(planned, applied, part.held)
        proven = None
        if self.optimal:
            # The proposal's pairs of the part's cadres: optimal for the part (see the module
            # docstring), and every adjustment only restricts the part's plans.
            mine = self.base[self.base["cadre_id"].isin(part_cadres(self.dataset, scope))]
            pairs, missing = pair_indices(problem, mine)
            if not missing.any():
                values = term_values(problem, assignment_table(problem, pairs))
                proven = {name: int(value) for name, value in values.items()}
        return WarmPart(
            part=part,
            authority=Authority.of(self.dataset, applied, scope, self.base),
            capacity=college_capacity(planned, applied),
            proven=proven,
            base=self.base,
            deriver=Deriver(problem),
        )


def _fingerprint(dataset: Dataset) -> dict[str, str]:
    """The data set's tables by their files' hashes."""
    return {name: source.sha256 for name, source in dataset.sources.items()}


def rules_of(scenario: Scenario) -> dict[str, Any]:
    """The rules of a scenario, without what may differ between plans of one semester (name,
    description, scope, solver settings): a part is re-planned under the proposal's rules."""
    data = scenario.as_dict()
    for key in ("name", "description", "scope", "solver"):
        data.pop(key, None)
    return data


def base_rows(part: Part) -> list[list[str]]:
    """The proposal's pairs as ``[cadre, kind, target]`` texts (what ``plan.json`` records, so
    the checker can recompute S6 and the places taken outside the part)."""
    b = part.base
    return [
        [str(c), str(k), str(t)] for c, k, t in zip(b["cadre"], b["kind"], b["target"], strict=True)
    ]


def describe_part(replanned: Replanned) -> dict[str, Any]:
    """What a re-planned part's ``plan.json`` records about the proposal (see
    :data:`planner.io.plan_folder.BASE_KEY`): its hash and its pairs."""
    return {"pairs_sha256": replanned.base_hash, "rows": base_rows(replanned.part)}
