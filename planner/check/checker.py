"""The independent checker's entry points: a plan's assignments, a :class:`~planner.plan.Plan`
or a plan folder checked against the data set, every rule and every term (the definitions are in
:mod:`planner.check`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from planner.check.frames import (
    Context,
    Scope,
    cadre_frame,
    holders,
    key_set,
    plan_rows,
    taken_places,
    target_frame_and_keys,
    triples,
)
from planner.check.rules import RULES, known_rows
from planner.check.terms import claims, term_values
from planner.dataset import Dataset
from planner.errors import InputError, Problem, UsageError
from planner.i18n import gettext as _
from planner.i18n import pgettext
from planner.io.plan_folder import (
    PLAN_JSON,
    PLAN_KEY,
    as_planned,
    parse_held,
    parse_terms,
    read_plan_dir,
)
from planner.plan import Plan
from planner.scenario import Scenario, scenario_from_dict


@dataclass
class CheckReport:
    """What the checker found: every violation, in plain words, and the recomputed terms."""

    violations: list[str] = field(default_factory=list)
    """One line per violation, naming the rule (``H3 Department of origin: …``) and the ids."""
    terms: dict[str, int] = field(default_factory=dict)
    """Every objective term recomputed from the plan (see the module docstring)."""
    claimed: dict[str, int] = field(default_factory=dict)
    """The term values the plan claims (``plan.json``), if any were given."""

    @property
    def ok(self) -> bool:
        """True when no rule is violated and every claimed term matches."""
        return not self.violations

    @property
    def mismatches(self) -> dict[str, tuple[int, int]]:
        """Terms whose claimed value differs: ``term -> (claimed, recomputed)``."""
        return {
            name: (value, self.terms[name])
            for name, value in self.claimed.items()
            if name in self.terms and self.terms[name] != value
        }


def check_assignments(
    dataset: Dataset,
    scenario: Scenario,
    assignments: pd.DataFrame,
    *,
    held: frozenset[tuple[str, str]] = frozenset(),
    claimed_terms: dict[str, int] | None = None,
) -> CheckReport:
    """Check a plan's assignments against every hard rule and recompute every term.

    ``assignments`` has at least the columns ``cadre_id, kind, target_id`` (ids as text; a
    ``row`` column, if present, gives the row numbers used in messages). The scope is
    ``scenario.scope``; ``held`` lists the ``(kind, target_id)`` an approved central plan holds
    (they are outside a college scope). A ``claimed_terms`` value that differs from the
    recomputed one is a violation.
    """
    missing = [c for c in PLAN_KEY if c not in assignments.columns]
    if missing:
        return CheckReport(
            violations=[
                _("plan: the assignments have no column {columns}").format(
                    columns=pgettext("list", ", ").join(missing)
                )
            ],
            claimed=dict(claimed_terms or {}),
        )
    scope = Scope.of(scenario, held)
    cadres = cadre_frame(dataset, scope)
    targets, target_keys = target_frame_and_keys(dataset, scope)
    rows = plan_rows(assignments)
    violations = known_rows(rows, cadres, targets, target_keys)

    distinct = rows.drop_duplicates(PLAN_KEY)
    # (Joined with the targets the rows name only: the same inner join, in the rows' order.)
    named = targets[targets["target_id"].isin(distinct["target_id"])]
    valid = distinct.merge(cadres, on="cadre_id").merge(named, on=["kind", "target_id"])
    valid = valid.sort_values("row", kind="stable").reset_index(drop=True)
    base = triples(dataset.base).drop_duplicates()
    taken = taken_places(base, cadres) if scope.name != "university" else None
    ctx = Context(
        scenario=scenario,
        scope=scope,
        cadres=cadres,
        targets=targets,
        valid=valid,
        keys=key_set(distinct),
        holders=holders(targets, valid, taken, target_keys),
        pins=triples(dataset.pins, extra=["rule"]).drop_duplicates(),
        previous=triples(dataset.previous).drop_duplicates(),
        base=base,
        taken=taken if taken is not None else pd.Series(dtype=int),
    )
    for rule in RULES:
        violations.extend(rule(ctx))
    terms = term_values(ctx, dataset)
    claimed = dict(claimed_terms or {})
    violations.extend(claims(terms, claimed))
    return CheckReport(violations=violations, terms=terms, claimed=claimed)


def check_plan(plan: Plan, dataset: Dataset, scenario: Scenario | None = None) -> CheckReport:
    """Re-check ``plan`` against ``dataset``: every hard rule, and every term it claims.

    The scope and the held targets are the plan's own, and so is the scenario unless
    ``scenario`` gives it already validated (the one the plan was made under). The report's
    ``ok`` is true when every hard rule holds and every claimed term is recomputed exactly.
    """
    if scenario is None:
        scenario = scenario_from_dict(plan.scenario, source="plan scenario")
    return check_assignments(
        dataset,
        scenario,
        plan.assignments,
        held=frozenset((str(kind), str(target)) for kind, target in plan.held),
        claimed_terms={name: term.value for name, term in plan.terms.items()},
    )


def require_checked(plan: Plan, dataset: Dataset, scenario: Scenario | None = None) -> CheckReport:
    """:func:`check_plan`, raising ``RuntimeError`` when the plan fails: a plan the planner
    made that breaks a rule is a bug, never a result, and is never written or returned."""
    report = check_plan(plan, dataset, scenario)
    if not report.ok:
        raise RuntimeError("the plan failed the independent check: " + "; ".join(report.violations))
    return report


def check_plan_dir(dataset: Dataset, plan_dir: Path) -> CheckReport:
    """Check a plan folder against a data set: the scenario, held targets and claimed terms
    are taken from its ``plan.json`` (``scenario``, ``held``, ``terms``)."""
    assignments, meta = read_plan_dir(plan_dir)
    where = str(Path(plan_dir) / PLAN_JSON)
    problems: list[Problem] = []
    scenario: Scenario | None = None
    raw = meta.get("scenario")
    if not isinstance(raw, dict):
        problems.append(Problem(where, 0, "scenario", _("missing: the scenario as applied")))
    else:
        try:
            scenario = scenario_from_dict(raw, source="scenario")
        except UsageError as exc:
            problems.extend(Problem(where, 0, "scenario", line) for line in str(exc).splitlines())
    held = parse_held(meta.get("held", []), where, problems)
    claimed = parse_terms(meta.get("terms", {}), where, problems)
    if problems or scenario is None:
        raise InputError(problems)
    # Last semester's contacts from an approved plan and command-line pins, as recorded.
    dataset = as_planned(dataset, meta, where)
    return check_assignments(dataset, scenario, assignments, held=held, claimed_terms=claimed)
