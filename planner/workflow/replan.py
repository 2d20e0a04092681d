"""Re-planning in a long-lived worker: a plan kept warm, re-solved after a pin or an
availability change in a fraction of a first plan's time.

A college adjusting its part, or the SAO adjusting the central cadres, changes one pair at a
time and waits for the result. :class:`WarmPlan` keeps what does not change between such
re-plans in memory: the data set, the scenario, the base plan (its pairs and term values) and
whatever is worked out from the data alone (the college capacity notes). A re-plan
(:meth:`WarmPlan.replan`) takes the changes *relative to the base plan* — pins to add, cadres
now on leave or back — so it keeps no state of its own and may run in a forked child process
(a job worker forks one per job: what the child learns is lost, and need not be kept).

How a re-plan saves time, with every plan still proven optimal and re-checked:

- the flow (:mod:`planner.solver.flow`) is solved with a tie-break below every term that
  prefers the base plan's pool–group counts and kept contacts, so among the optimal plans it
  finds one close to the base plan (the ripple of the change, not a reshuffle), and the pairs
  are handed out near the base plan's pairs;
- when the change only adds pins, every plan of the new problem is a plan of the old one, so
  none is better than the base plan term by term. A flow plan that reaches every one of the
  base plan's term values is then optimal, and the CP-SAT stages (S5 central spread) are
  skipped: their optimum provably did not move;
- the college capacity notes are worked out once per availability.

- in a re-plan, the S5 stage is also skipped when the flow's plan already has as few central
  cadres in its busiest college as the optimal face forces there, or as one more flow (the
  fewest central cadres in that college among the plans as good in every earlier term, H4
  left out) proves no such plan has fewer there
  (:func:`planner.solver.flow.search.central_spread_least`): at university size, where H4
  costs nothing, a pin that costs a term is then re-planned without CP-SAT;

A re-plan is deterministic for the same base plan and changes; it may differ from a cold
``planner plan`` with the same pins in which of several equally good plans it gives (it stays
near the base plan), never in any term.

How a service job worker uses it (the worker forks a child per job)::

    # in the worker process, before forking the job's child (once per proposal; cached)
    warm = warm_plan(dataset, scenario)               # or WarmPlan.from_plan(..., plan)
    # in the child: the current adjustments, all of them, relative to the base
    plan = warm.replan(require=["044156:class:2026C0301"], forbid=[...], unavailable=[...])

A college's part (or the central part) is re-planned against the proposal with
:func:`planner.workflow.parts.replan_part`, which takes the proposal kept warm the same way
(:class:`planner.workflow.parts.WarmParts`, ``warm=``): one path for the command line, the
service and the benchmarks.

The objects live in the worker's memory; the fork gives each child a copy-on-write view, so a
child starts re-planning at once, and nothing it does needs sending back.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from planner.check.checker import require_checked
from planner.dataset import Dataset, Pair
from planner.errors import UsageError
from planner.explain.capacity import college_capacity
from planner.explain.diagnose import solve_explained
from planner.explain.reasons import uncovered_targets
from planner.explain.why.derive import Deriver
from planner.io.plan_folder import with_pins
from planner.plan import Plan
from planner.planning import describe, make_plan
from planner.scenario import Scenario
from planner.solver.decompose import decompose
from planner.solver.near import closeness
from planner.solver.pairs import covered_mask, triples
from planner.solver.problem import Problem, build_problem
from planner.workflow.pins import parse_pins

PinText = str | tuple[str, str, str]
"""A pin as ``"CADRE:KIND:TARGET"`` or ``(cadre id, kind, target id)``."""


@dataclass(frozen=True)
class Changes:
    """What a re-plan changes relative to the base plan."""

    require: tuple[str, ...] = ()
    """Pins ``CADRE:KIND:TARGET`` the plan must hold."""
    forbid: tuple[str, ...] = ()
    """Pins ``CADRE:KIND:TARGET`` the plan must not hold."""
    unavailable: frozenset[str] = frozenset()
    """Cadre ids now on leave."""
    available: frozenset[str] = frozenset()
    """Cadre ids back from leave."""

    @property
    def restricts(self) -> bool:
        """Whether the changes only add pins: every plan they allow, the base allowed too."""
        return not self.unavailable and not self.available


@dataclass
class WarmPlan:
    """A plan and what re-planning it needs, kept in memory (see the module docstring).

    Make one with :func:`warm_plan` (solves the base plan) or :meth:`from_plan` (a plan made
    before, from the same data, scenario and held targets).
    """

    dataset: Dataset
    scenario: Scenario
    plan: Plan
    held: frozenset[Pair] = frozenset()
    deterministic: bool = True
    time_limit: float | None = None
    _capacity: dict[frozenset[str], pd.DataFrame] = field(default_factory=dict, repr=False)
    _deriver: Deriver | None = field(default=None, repr=False)

    @classmethod
    def from_plan(
        cls,
        dataset: Dataset,
        scenario: Scenario,
        plan: Plan,
        *,
        held: frozenset[Pair] = frozenset(),
        time_limit: float | None = None,
    ) -> WarmPlan:
        """Keep ``plan`` (made from ``dataset`` under ``scenario`` with ``held``) warm: its
        problem is indexed and its capacity notes worked out now, in the worker, so that a
        forked child starts from them."""
        warm = cls(dataset, scenario, plan, held=frozenset(held), time_limit=time_limit)
        warm._base_problem()
        warm._capacity_of(dataset, Changes())
        return warm

    def replan(
        self,
        *,
        require: Iterable[PinText] = (),
        forbid: Iterable[PinText] = (),
        unavailable: Iterable[str] = (),
        available: Iterable[str] = (),
    ) -> Plan:
        """The best plan with these changes to the base plan, checked by the independent
        checker (every change is relative to the base plan, not to an earlier re-plan).

        Raises :class:`~planner.errors.UsageError` for an unknown cadre, kind or target,
        :class:`~planner.errors.InfeasibleError` (with what to change) when the hard rules
        cannot all hold with the changes, :class:`~planner.errors.NoPlanInTimeError` when no
        plan was found in time.
        """
        changes = Changes(
            require=tuple(_pin_text(p) for p in require),
            forbid=tuple(_pin_text(p) for p in forbid),
            unavailable=frozenset(str(c) for c in unavailable),
            available=frozenset(str(c) for c in available),
        )
        dataset = self.changed_dataset(changes)
        if changes.restricts and self._keeps_pins(dataset):
            # The base plan still keeps every rule: nothing better exists (a restriction).
            # Its pairs stay; why a target is uncovered may now name the new pins.
            plan = self.plan
            if len(plan.uncovered):
                problem = build_problem(dataset, self.scenario, self.held)
                covered = covered_mask(problem, plan.assignments)
                uncovered = uncovered_targets(problem, covered, plan.assignments, plan.status)
                plan = dataclasses.replace(plan, uncovered=uncovered)
            require_checked(plan, dataset, self.scenario)
            return plan
        problem = self.problem_for(dataset, changes)
        solution = solve_explained(
            problem,
            time_limit=self.time_limit,
            deterministic=self.deterministic,
            near=closeness(problem, self.plan.assignments),
            proven=self._proven() if changes.restricts else None,
            checks_first=False,
        )
        pairs = decompose(problem, solution.y, solution.keep, near=self._pairs())
        plan = describe(problem, solution, pairs, capacity=self._capacity_of(dataset, changes))
        require_checked(plan, dataset, self.scenario)
        return plan

    def problem_for(self, dataset: Dataset, changes: Changes) -> Problem:
        """The problem of ``dataset`` (:meth:`changed_dataset` of ``changes``): for pins only,
        each on a cadre and a target no earlier pin names, the base plan's problem with those
        pins (:class:`~planner.explain.why.derive.Deriver`, frame for frame what indexing the
        data set gives, at a fraction of the cost); else the data set indexed."""
        if not (changes.unavailable or changes.available):
            self._base_problem()
            assert self._deriver is not None
            derived = self._deriver.problem(dataset, len(dataset.pins) - len(self.dataset.pins))
            if derived is not None:
                return derived
        return build_problem(dataset, self.scenario, self.held)

    def _base_problem(self) -> Problem:
        """The base data set's problem, indexed once."""
        if self._deriver is None:
            self._deriver = Deriver(build_problem(self.dataset, self.scenario, self.held))
        return self._deriver.base

    def changed_dataset(self, changes: Changes) -> Dataset:
        """The base data set with the changes: pins added after its own, availability set."""
        dataset = self.dataset
        if changes.unavailable or changes.available:
            dataset = _with_availability(dataset, changes.unavailable, changes.available)
        pins = parse_pins(dataset, changes.require, changes.forbid)
        return with_pins(dataset, pins) if len(pins) else dataset

    def _keeps_pins(self, dataset: Dataset) -> bool:
        """Whether the base plan holds every require pin of ``dataset`` and no forbid pin."""
        if self.plan.status != "OPTIMAL":
            return False
        pairs = self._pairs()
        pins = dataset.pins
        for cadre, kind, target, rule in zip(
            pins["cadre"].tolist(),
            pins["kind"].tolist(),
            pins["target"].tolist(),
            pins["rule"].tolist(),
            strict=True,
        ):
            if ((cadre, kind, target) in pairs) != (rule == "require"):
                return False
        return True

    def _proven(self) -> dict[str, int] | None:
        """The base plan's term values, when it was proven optimal."""
        if self.plan.status != "OPTIMAL":
            return None
        return {name: int(term.value) for name, term in self.plan.terms.items()}

    def _pairs(self) -> set[tuple[str, str, str]]:
        return triples(self.plan.assignments)

    def _capacity_of(self, dataset: Dataset, changes: Changes) -> pd.DataFrame:
        """The college capacity notes' table, once per availability (pins do not change it)."""
        key = changes.unavailable | {f"+{c}" for c in changes.available}
        if key not in self._capacity:
            self._capacity[key] = college_capacity(dataset, self.scenario)
        return self._capacity[key]


def warm_plan(
    dataset: Dataset,
    scenario: Scenario,
    *,
    held: frozenset[Pair] = frozenset(),
    time_limit: float | None = None,
) -> WarmPlan:
    """Solve the base plan (deterministically) and keep it warm for re-plans."""
    plan = make_plan(dataset, scenario, held=held, time_limit=time_limit, deterministic=True)
    require_checked(plan, dataset, scenario)
    return WarmPlan.from_plan(dataset, scenario, plan, held=held, time_limit=time_limit)


def _pin_text(pin: PinText) -> str:
    if isinstance(pin, str):
        return pin
    if len(pin) != 3:
        raise UsageError(f"a pin is (cadre, kind, target), not {pin!r}")
    return ":".join(str(part) for part in pin)


def _with_availability(
    dataset: Dataset, unavailable: frozenset[str], available: frozenset[str]
) -> Dataset:
    """``dataset`` with these cadres on leave (``unavailable``) or back (``available``)."""
    cadres = dataset.cadres
    unknown = sorted((unavailable | available) - set(cadres["id"]))
    if unknown:
        raise UsageError(f"unknown cadre(s) {', '.join(unknown)}: not in the cadres table")
    changed = cadres.copy()
    ids = changed["id"]
    changed.loc[ids.isin(list(unavailable)), "available"] = False
    changed.loc[ids.isin(list(available)), "available"] = True
    return dataclasses.replace(dataset, cadres=changed)
