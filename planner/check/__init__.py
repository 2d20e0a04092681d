"""The independent checker: re-verify a plan from the data and the scenario alone.

The checker never imports the solver side (:mod:`planner.solver`: the problem, eligibility,
the CP-SAT model, the solve), nor what explains, plans, writes or runs the workflow; an
import-linter contract in ``pyproject.toml`` keeps it so. It re-derives every rule of
``shared/spec/policy.md`` from the canonical frames of :class:`~planner.dataset.Dataset` and
the :class:`~planner.scenario.Scenario`, with vectorised pandas, and names each rule as
:mod:`planner.policy` does. The solver side implements the same definitions; they are written
down here so both can be held to them.

Modules: :mod:`~planner.check.frames` (scope, frames, keys), :mod:`~planner.check.rules` (one
function per rule), :mod:`~planner.check.terms` (the terms) and :mod:`~planner.check.checker`
(the entry points: :func:`~planner.check.checker.check_assignments`,
:func:`~planner.check.checker.check_plan`, :func:`~planner.check.checker.check_plan_dir`).

Scope (``scenario.scope``)
    ``university``: every available cadre, every target. ``central``: available cadres with a
    central role (school_leader, office_leader, sao_cadre, league_cadre), every target minus
    the ``held`` targets. ``college=ID``: available cadres with a college role whose
    ``unit == ID``, and the targets whose ``college == ID`` and the university-level societies
    (blank college), minus the ``held`` targets. ``held`` lists the ``(kind, target_id)`` a
    plan leaves alone: when a part of the university plan is re-planned against the proposal,
    what the proposal gives to cadres outside the part, and for a college the university-level
    societies none of its cadres may hold (see :mod:`planner.workflow.parts`). A cadre or
    target outside the scope must not appear in the plan.

H1 One target per cadre
    Each in-scope available cadre holds a number of targets within
    ``scenario.duty(role).total_range()`` and, per kind, within ``duty.kind_range(kind)``.
    Unavailable cadres hold nothing. Unknown cadre ids, unknown target ids and unknown kinds
    are violations, and so is a ``(cadre, kind, target)`` row given twice.
H2 One cadre per target
    A target holds at most ``scenario.kinds[kind].cap`` cadres. In a part re-planned against
    the proposal, the cadres outside the part holding the target there (``Dataset.base``)
    count too ("places taken"); so they do for coverage.
H3 Department of origin
    A college-role cadre for whom ``scenario.origin.applies_to(role)`` holds only targets with
    ``target.college == cadre.unit``, or a university-level society (blank college) on the
    cadre's campus. A central-role cadre may hold any target.
H4 School leaders spread out
    Unless ``school_leader_spread`` is ``None``: per college, the school_leader assignments to
    targets of that college are at most the limit (a university-level society counts for no
    college).
H5 Dorm gender / S3 Same campus (when hard)
    ``dorm_gender == "hard"``: a dorm's gender equals its cadre's gender. ``campus == "hard"``:
    a target's campus equals its cadre's campus.
H6 Pins
    Every ``require`` pin whose cadre and target are both in scope is in the plan; no
    ``forbid`` pin is.
S1 Coverage (when hard)
    For a kind with ``coverage: hard``, every in-scope target of the kind holds at least
    ``kinds[kind].min`` cadres.
S2 Continuity (when hard)
    With ``continuity == "hard"``, every ``previous`` row whose cadre is available and in scope,
    whose target exists and is in scope, and whose pair is allowed (H3, H5 when hard, the hard
    campus rule, ``per_kind`` max > 0 for the cadre's role, no ``forbid`` pin) is in the plan.

Terms (raw counts, always computed, on the plan's distinct rows naming a known cadre and a
known target)
    ``coverage``: over kinds whose coverage is not ``off``, ``kinds[k].weight`` × the number of
    in-scope targets of kind k holding at least ``kinds[k].min`` cadres. ``continuity``: plan
    rows equal to a ``previous`` row ``(cadre, kind, target)``. ``campus``: rows whose cadre
    campus differs from the target campus. ``dorm_gender``: dorm rows whose dorm gender differs
    from the cadre gender. ``dorm_priority``: the sum over dorm rows of the dorm's rank, ranked
    over all dorms of the data set — by ``grade``: newest grade − grade (unknown grade: newest −
    oldest + 1; no grade at all: 0); by ``residents``: most residents − residents; by ``list``:
    the position of the dorm id in the list, else of its building, else the list's length.
    ``central_spread``: the most central-role assignments to the targets of one college (0 if
    none). ``stay``: plan rows equal to a ``base`` row (``Dataset.base``: the proposal's
    contacts of a re-planned part; 0 in any other plan).

Row numbers in messages are those of ``assignments.csv`` as a spreadsheet shows them (header =
1), taken from a ``row`` column when the frame has one.
"""
