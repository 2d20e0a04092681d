"""The semester workflow: scopes that fit together, approval, and carrying contacts over.

The policy places central cadres through the Student Affairs Office (SAO) and college cadres
through their own college, which files its plan with the SAO; contacts are "fixed" and carry
over from semester to semester. A semester therefore runs:

1. the SAO plans the central roles (``planner plan --scope central``) and approves the plan
   (:func:`~planner.workflow.approval.approve_plan`). Targets that a college cadre held last
   semester and may keep are left to the colleges
   (:func:`~planner.workflow.carry.reserved_for_colleges`), so fixed contacts survive;
2. each college plans its own cadres against the approved central plan
   (``--scope college=ID --held CENTRAL``, :func:`~planner.workflow.inputs.held_from_plan`):
   targets the central plan holds are not touched;
3. the SAO merges the central plan and every college plan into one university plan
   (:func:`~planner.workflow.merge.merge_plans`), which checks every hard rule across them,
   and approves it;
4. next semester, every run continues from the approved university plan
   (``--previous PLAN``, :func:`~planner.workflow.carry.previous_from_plan`).

Modules: :mod:`~planner.workflow.approval` (approve, verify), :mod:`~planner.workflow.carry`
(last semester's contacts), :mod:`~planner.workflow.pins` (pins from the command line),
:mod:`~planner.workflow.inputs` (what ``planner plan`` plans from), and the merge
(:mod:`~planner.workflow.parts`, :mod:`~planner.workflow.merge_checks`,
:mod:`~planner.workflow.merge`), and the printable documents of a plan folder
(:mod:`~planner.workflow.documents`). What a plan was made from is recorded in its ``plan.json`` and
read back by :func:`planner.io.plan_folder.as_planned`.
"""
