"""The planning service: one web application for the Student Affairs Office and the colleges.

Layout (one folder per domain, as in Netflix Dispatch): ``accounts`` (users, sign-in,
sessions), ``semesters`` (semesters, roster uploads, immutable data versions), ``jobs``
(background work claimed from the database by worker processes), ``plans`` (proposals, their
rows, parts per college, explanations, downloads), ``audit`` (the append-only log),
``ledger`` (the contact work: records, duties kept, leave, calendars, the annual report),
``cases`` (students' problems) and ``documents`` (a plan's printed pages). Each
domain has ``models.py`` (tables), ``service.py`` (plain functions, testable without HTTP) and
``views.py`` (thin routes; every route declares its permission, see :mod:`.permissions`).

The planning engine is reached only through :mod:`planner.service.engine`; the contact-work
engine through the public names of :mod:`planner.ledger`.
"""
