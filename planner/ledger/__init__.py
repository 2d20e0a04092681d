"""After the placement: the contact work itself (clauses 三 and 四 of 暨党发〔2019〕47号).

The engine the service's pages and analysts call; it depends on the package's vocabulary,
reading helpers and printing (:mod:`planner.report`: the PDF builder, the heatmap drawing),
never on the solver; :mod:`planner.workflow` and the service sit above it. The flow, one
module per step:

- :mod:`~planner.ledger.vocabulary` — activities (clause 三; 线上交流 三(六)), target kinds
  with ``other``, problem categories: English ids, labels through the catalogue;
- :mod:`~planner.ledger.rules` — the duty rules as data (``duty-rules.yaml``), checked on load;
- :mod:`~planner.ledger.semester` — the semester, its weeks and months, the contacts in force
  as periods (a change of target mid-semester) and leave;
- :mod:`~planner.ledger.records` — the ledger: a form record or a file (CSV/Excel, Chinese or
  English headers), checked against the contacts, every problem located;
- :mod:`~planner.ledger.template` — the blank template workbook (or a ledger written out);
- :mod:`~planner.ledger.duties` — duties met / due / overdue on a date, per cadre, college,
  university; overdue lists; the heatmap's table (the boundary rules are in its docstring);
- :mod:`~planner.ledger.cases` — students' problems: the case life cycle, who may take
  each step, ages, the SAO's open list (pure functions; the service stores the cases);
- :mod:`~planner.ledger.calendars` — ``.ics`` duty calendars per cadre and per college;
- :mod:`~planner.ledger.annual`, :mod:`~planner.ledger.report`,
  :mod:`~planner.ledger.report_files`, :mod:`~planner.ledger.report_pdf` — the annual report:
  figures, the document as data, its workbook, charts and PDF;
- :mod:`~planner.ledger.letters` — the letters to each cadre (联系通知书) that open the contact
  work: the targets they hold and the duties the rule table counts, bundled per college;
- :mod:`~planner.ledger.demo` — a seeded demo semester of ledger data from a plan.

Every public name below can be imported from this package; nothing heavy loads until a name
is first used::

    from planner import ledger

    contacts = ledger.contacts_from_plan(plan.assignments, semester)
    read = ledger.read_ledger("台账.xlsx", contacts, semester)
    kept = ledger.duties_kept(semester, contacts, read.records, as_of=today)
    ledger.summarise(kept, ["college"]); ledger.overdue_list(kept)
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY: dict[str, str] = {
    "Activity": "vocabulary",
    "Category": "vocabulary",
    "OTHER": "vocabulary",
    "activity_label": "vocabulary",
    "category_label": "vocabulary",
    "target_kind_label": "vocabulary",
    "DEFAULT_RULES": "rules",
    "DutyRule": "rules",
    "RuleTable": "rules",
    "default_rules": "rules",
    "load_rules": "rules",
    "CONTACT_COLUMNS": "semester",
    "LEAVE_COLUMNS": "semester",
    "Semester": "semester",
    "change_target": "semester",
    "contacts_frame": "semester",
    "contacts_from_plan": "semester",
    "leaves_frame": "semester",
    "LEDGER_TABLE": "records",
    "RECORD_COLUMNS": "records",
    "ContactRecord": "records",
    "Issue": "records",
    "Ledger": "records",
    "read_ledger": "records",
    "records_frame": "records",
    "reference_issues": "records",
    "write_ledger_workbook": "template",
    "KEPT_COLUMNS": "duties",
    "duties_kept": "duties",
    "duty_lines": "duties",
    "contact_duty_lines": "duties",
    "cadre_duty_lines": "duties",
    "for_college": "duties",
    "heatmap_table": "duties",
    "overdue_list": "duties",
    "owed_duties": "duties",
    "status_of": "duties",
    "reminders": "duties",
    "summarise": "duties",
    "Actor": "cases",
    "Case": "cases",
    "CaseError": "cases",
    "advance": "cases",
    "case_table": "cases",
    "cases_from_ledger": "cases",
    "median_days_to_answer": "cases",
    "open_case": "cases",
    "open_list": "cases",
    "visible_cases": "cases",
    "calendar_files": "calendars",
    "write_calendars": "calendars",
    "AnnualFigures": "annual",
    "AttentionRule": "annual",
    "SemesterWork": "annual",
    "annual_figures": "annual",
    "Report": "report",
    "annual_report": "report",
    "report_charts": "report_files",
    "write_report_charts": "report_files",
    "write_report_workbook": "report_files",
    "DEMO_AUTUMN": "demo",
    "DEMO_SPRING": "demo",
    "DemoLedger": "demo",
    "demo_ledger": "demo",
}
"""Each public name and the module of this package that defines it."""

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # loaded once
    return value
