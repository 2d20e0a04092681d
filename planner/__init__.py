"""planner: who keeps in touch with which class, dorm room, society or party branch.

The Student Affairs Office (SAO) and the colleges run it every semester. The flow is
read → validate → problem → model → solve → plan → check / write / plot.

Python API (notebooks and scripts; the ``planner`` command uses the same functions), in
:mod:`planner.api`::

    from planner import api

    data = api.load_data()                     # the shipped demo data, or api.load_data(path)
    scenario = api.load_scenario("default")    # or "strict-campus", "full-engagement", a path
    plan = api.solve(data, scenario, campus="hard")   # scenario keys changed for this solve
    plan.assignments, plan.uncovered, plan.changes, plan.coverage   # pandas DataFrames
    plan.kpis()                                # coverage per kind, kept, cross-campus, ...
    api.plot_coverage(plan)                    # matplotlib figures; each helper takes ax=
    api.write_plan(plan, "out/try", data)      # the plan folder, as `planner plan` writes it
    api.read_plan("out/default")               # a plan folder back into a Plan

    api.compare({"a": plan_a, "b": plan_b})    # KPI table, one row per plan
    api.sweep(data, api.vary("weights.campus", [0, 1000, 3000], base=scenario))
    api.plot_tradeoff(table, "cross_campus", "kept_from_previous")

See ``notebooks/01-quickstart.ipynb`` (demo data → plan → heatmap → the sheets),
``02-scenario-sweep.ipynb`` and ``03-college-view.ipynb``.
"""

__version__ = "0.1.0"
