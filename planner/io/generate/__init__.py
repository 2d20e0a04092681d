"""Realistic synthetic data sets for demos, tests and benchmarks (``planner generate``).

:func:`~planner.io.generate.tables.generate_tables` builds every table of the data contract
(``shared/spec/data-contract.md``) for a preset size;
:func:`~planner.io.generate.files.write_tables`
writes them as CSV or Excel with English or Chinese headers. The data look like a real roster
(Chinese names, colleges, five campuses, skewed college sizes, a few cadres on leave) and are
built so that the default policy always has a plan:

- every college has at least one class per grade, so an available college cadre always has a
  target of their own college, and each college has more dorm rooms of each gender than it has
  cadres of that gender;
- there are never more school leaders than colleges;
- pins agree with each other and with the hard rules (department of origin, dorm gender,
  school-leader spread), and name cadres and targets that exist.

A few small colleges are deliberately short of cadres for their classes, branches and societies,
so coverage is worth looking at. ``previous`` holds last semester's plan, including rows that
name cadres who have since left and classes that have since graduated.

Everything is drawn from one :class:`numpy.random.Generator` seeded by (preset, seed, scale), so
a data set is reproducible from its command line.

Modules: :mod:`~planner.io.generate.vocabulary` (presets, names, colleges, shares),
:mod:`~planner.io.generate.draws` (sampling helpers), :mod:`~planner.io.generate.places`
(colleges, classes, branches, societies), :mod:`~planner.io.generate.cadres`,
:mod:`~planner.io.generate.dorms`, :mod:`~planner.io.generate.history` (``previous`` and pins),
:mod:`~planner.io.generate.tables` (all of them, in one draw order) and
:mod:`~planner.io.generate.files` (CSV or Excel, English or Chinese headers).
"""
