"""The network-flow core of the model, solved exactly with OR-Tools' min-cost flow.

Under the default policy (and the full-engagement one) every rule but two is a network flow:
cadres flow from their pool to target groups (H1 = every unit of duty flows, H2 = group
capacities, H3/H5/campus = which arcs exist), last semester's contacts are arcs of their own,
and S1–S4 are linear arc costs. Only H4 (school-leader spread) and S5 (central spread, a
maximum) are not. So:

1. :func:`~planner.solver.flow.search.flow_solution` solves the flow lexicographically in one
   min-cost flow, with one integer cost per arc built from exact multipliers (each term's
   multiplier exceeds everything all lower terms can add up to), and enforces H4 by a
   best-first branch and bound over flows, pruned by a greedy dive's plan. The result is
   lexicographically optimal for those terms.
2. :class:`~planner.solver.flow.face.Face` describes *every* plan that is optimal for those
   terms (reduced-cost fixing with the flow's node potentials), so :mod:`planner.solver.stages`
   optimises the remaining terms (S5) with CP-SAT on that face only.

:func:`~planner.solver.flow.network.flow_applicable` says when the scenario is a flow: each role
holds exactly one target of any kind or exactly one of each of some kinds; coverage minimum 1
(any cap); no hard continuity. Hard coverage is a layer of the cost above every term
(:data:`~planner.solver.flow.network.HARD_COVERAGE`): the flow covers those targets first, and
if it cannot cover them all no plan can.

Modules: :mod:`~planner.solver.flow.network` (the network of a problem, its costs, and one
min-cost flow), :mod:`~planner.solver.flow.search` (the lexicographic flow with H4 enforced by
branch and bound) and :mod:`~planner.solver.flow.face` (the optimal face).
"""
