"""Why a plan gives this cadre this target, and what the best alternatives would cost.

``planner explain PLAN_DIR --cadre ID`` (or ``--target ID``) answers the question an SAO
officer is asked when defending a plan: *why 张伟 and class 2025C0703?* The answer has three
parts, each in the words of ``policy.md``:

1. **Rules that allow it** (H1–H6): department of origin, dorm gender, campus, school-leader
   spread, pins.
2. **What decides it** (S1–S5 in the scenario's priority order): does the target count for
   coverage, is it last semester's contact, same campus, the dorm's rank, the central spread;
   and a re-solve *without* the pair: is it needed, or a tie broken by id order?
3. **The best alternatives**, each re-solved with the alternative pinned (a ``require`` pin
   added to a copy of the pins table) and compared term by term with the plan, in the
   scenario's order: e.g. *moving 张伟 to class 2025C0703 would leave branch B12 uncovered*.

Modules: :mod:`~planner.explain.why.index` (the plan read back and indexed),
:mod:`~planner.explain.why.grounds` (parts 1 and 2), :mod:`~planner.explain.why.candidates`
and :mod:`~planner.explain.why.alternatives` (part 3, each alternative's problem the plan's
with its pin added, :mod:`~planner.explain.why.derive`), and
:mod:`~planner.explain.why.explanation` (the entry points :func:`explain_cadre` and
:func:`explain_target`).

Candidates are chosen without the solver (single-pair rules, pins, last semester, coverage,
kind, college and campus), and each is solved once, deterministically, on the same data,
scenario and held targets as the plan.
"""
