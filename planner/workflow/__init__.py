"""The semester workflow: propose globally, adjust locally, file, approve; carry contacts over.

The policy places central cadres through the Student Affairs Office (SAO) and college cadres
through their own college, which files its part with the SAO; contacts are "fixed" and carry
over from semester to semester. A semester runs (``shared/design/service.md``):

1. **Proposal.** The SAO plans the whole university (``planner plan``): the global optimum
   under the scenario, last semester's approved plan as ``previous``. It approves it as the
   reference (:func:`~planner.workflow.approval.approve_plan`).
2. **Adjust.** Each college re-plans its own part against the proposal, with everything
   outside the part held as the proposal has it, and may pin pairs within its authority
   (``planner plan --scope college=ID --held PROPOSAL``,
   :func:`~planner.workflow.parts.replan_part`); the SAO may adjust the central part the same
   way (``--scope central``). Without pins a part reproduces the proposal (S6 Stay with the
   proposal), and a pin moves only what it must.
3. **Merge and approve.** The SAO merges the adjusted parts into the proposal
   (``planner merge``, :func:`~planner.workflow.merge.merge_parts`): every rule is checked on
   the merged plan, whose terms are those of the whole university; it approves the result.
4. **Next semester** every proposal continues from the approved university plan
   (``--previous PLAN``, :func:`~planner.workflow.carry.previous_from_plan`).

The logic is plain functions over data sets and plans, for the command line and the service
alike: :mod:`~planner.workflow.scopes` (a scope checked against the data),
:mod:`~planner.workflow.parts` (a part = a scope + held targets + pins; re-plan a part against
the proposal), :mod:`~planner.workflow.merge` (merge parts into the proposal). The plan-folder
layer on top: :mod:`~planner.workflow.inputs` (what ``planner plan`` plans from: ``--held``,
``--previous``, pins; the approved proposal as :class:`~planner.workflow.inputs.Proposal`),
:mod:`~planner.workflow.merge_folders` (``planner merge``), :mod:`~planner.workflow.approval`
(approve, verify), :mod:`~planner.workflow.carry` (last semester's contacts),
:mod:`~planner.workflow.pins` (pins from the command line) and
:mod:`~planner.workflow.documents` (the printable documents of a plan folder). What a plan was
made from is recorded in its ``plan.json`` and read back by
:func:`planner.io.plan_folder.as_planned`.
"""
