"""From a data set and a scenario to pool–group counts and concrete pairs: eligibility, the
indexed problem, the soft terms, the network flow, the CP-SAT model, the solve and the
hand-out of pairs, plus the deliberately naive reference model. No prose: what the solver finds
is worded one layer up (:mod:`planner.explain`)."""
