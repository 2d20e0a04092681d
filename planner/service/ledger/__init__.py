"""The contact work in the service (issue 19): the ledger of each semester, duties kept, leave,
the duty calendars and the annual report.

``models.py`` (semester dates, records, leave), ``service.py`` (the plan in force and the
contacts a user may see, the ledger as the engine's frames), ``records.py`` (the form, the
imported file, changes, leave), ``duties.py`` (figures, heatmap, this month's dorm visits),
``annual.py`` (the annual report and the calendars), ``demo.py`` (the demo's semester of
contact work); ``views.py`` and ``duty_views.py`` hold the routes. The engine is
:mod:`planner.ledger`, reached through its public names only.
"""
