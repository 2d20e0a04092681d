"""The authorisation matrix: every route of the app × every role, with the answer expected.

``design/service.md`` ("who may do what") is the source; :data:`MATRIX` writes it down route by
route, and ``test_authz_matrix.py`` asks the running app every cell. A route the app has and
the matrix lacks fails the suite (so does an entry for a route that is gone).

**Adding a route** — append one :func:`entry` to :data:`MATRIX`::

    entry("POST /plans/{plan_id}/filing", "/plans/{plan}/filing",
          "403 403 303 404 403 in", data={"note": "x"}),

1. the route as the app declares it: method, space, path template (as ``route_table`` lists it);
2. the URL asked, its ``{placeholders}`` filled from :data:`PLACEHOLDERS` (ids of objects of
   college **C01**: the demo semester, plan, a C01 record/leave/case/cadre, …; ``fresh_*``
   placeholders make a new object for each request, for routes that delete or change one);
3. six answers, in the order of :data:`ROLES`: SAO administrator, SAO staff, the secretary of
   C01 ("own"), the secretary of C02 ("other": the URL names C01's objects), a viewer, no one
   signed in. An answer is a status code (``200``, ``303``, ``400``, ``401``, ``403``, ``404``)
   or ``in`` (303 to the sign-in page); ``409`` is a step the object's state forbids (the role got
   past the gate). ``303`` means a redirect anywhere but the sign-in page;
4. for POST, optional ``data`` (form fields; the CSRF token of the session is added) and
   ``files``. A POST whose effect would change what the next role sees sends data that is
   refused (the role got past the gate: 400, not 403) or uses a ``fresh_*`` object.

The "other" column is the object-level check: a college secretary who puts another college's id
into a URL gets the same answer as for an id that does not exist (404), never 403 (which would
say the object exists) — ``test_authz_matrix.py`` also compares those pages byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ROLES = ("admin", "staff", "own", "other", "viewer", "anon")
"""The columns of an entry's answers."""
ROLE_USERS = {
    "admin": "admin",
    "staff": "staff",
    "own": "c01",
    "other": "c02",
    "viewer": "viewer",
    "anon": None,
}
"""The demo account of each column (``own``: secretary of C01, ``other``: of C02)."""
ANSWERS = frozenset({"200", "303", "400", "401", "403", "404", "409", "413", "in"})

PLACEHOLDERS = {
    "semester": "the demo semester (2026秋)",
    "version": "its data version 1",
    "plan": "the demo proposal's plan",
    "job": "the proposal job that made it (finished)",
    "record": "a ledger record of a C01 cadre",
    "leave": "a leave of a C01 cadre",
    "case": "a problem case raised by a C01 cadre",
    "cadre": "a C01 cadre holding contacts",
    "college": "C01",
    "year": "the school year of the demo semester (e.g. 2026-2027)",
    "user": "an extra account ``spare`` (college secretary of C03)",
    "fresh_record": "a new copy of a C01 record, made for this request",
    "fresh_leave": "a new copy of a C01 leave, made for this request",
    "fresh_user": "a new college-secretary account, made for this request",
}
"""What each ``{placeholder}`` of a URL names (the test fixture resolves them)."""

OK_ALL = "200 200 200 200 200 in"
"""Every signed-in user sees the page (a college its own part of it)."""
OK_VIEW_ALL = "200 200 403 403 200 in"
"""The SAO and viewers: whole-university data."""
OK_SAO = "200 200 403 403 403 in"
OK_ADMIN = "200 403 403 403 403 in"
OK_OWN = "200 200 200 404 403 in"
"""Keepers of the ledger on a C01 object: SAO and C01 yes, C02 "not found", viewer no."""
OK_OWN_READ = "200 200 200 404 200 in"
"""Everyone reads a C01 object, except another college ("not found")."""


@dataclass(frozen=True)
class Entry:
    """One route and the answer each role gets."""

    method: str
    path: str
    url: str
    answers: dict[str, str]
    data: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes, str]] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """``METHOD /path/template``, as :func:`route_key` names an app route."""
        return f"{self.method} {self.path}"


def entry(
    route: str,
    url: str,
    answers: str,
    *,
    data: dict[str, str] | None = None,
    files: dict[str, tuple[str, bytes, str]] | None = None,
) -> Entry:
    """An :class:`Entry` from ``"METHOD /path"``, the URL and six answers (see the module)."""
    method, path = route.split(" ", 1)
    words = answers.split()
    if len(words) != len(ROLES) or not set(words) <= ANSWERS:
        raise ValueError(f"{route}: give {len(ROLES)} answers of {sorted(ANSWERS)}: {answers!r}")
    return Entry(method, path, url, dict(zip(ROLES, words, strict=True)), data or {}, files or {})


def route_key(method: str, path: str) -> str:
    """The key of an app route in :data:`MATRIX`."""
    return f"{method} {path}"


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOT_A_WORKBOOK = {"files": ("rosters.xlsx", b"not a workbook", XLSX)}

MATRIX: list[Entry] = [
    # ---- public: sign-in, language, health, static files
    entry("GET /signin", "/signin", "303 303 303 303 303 200"),
    entry(
        "POST /signin",
        "/signin",
        "400 400 400 400 400 400",
        data={"username": "nobody-{role}"},  # one name per role: no name reaches the lock
    ),
    entry("POST /signout", "/signout", "in in in in in in"),
    entry("GET /language/{code}", "/language/en", "303 303 303 303 303 303"),
    entry("GET /healthz", "/healthz", "200 200 200 200 200 200"),
    entry("GET /static/{path}", "/static/app.js", "200 200 200 200 200 200"),
    # ---- home, accounts (the SAO administrator only)
    entry("GET /", "/", "303 303 303 303 303 in"),
    entry("GET /accounts", "/accounts", OK_ADMIN),
    entry("POST /accounts", "/accounts", "400 403 403 403 403 in", data={"username": "x"}),
    entry(
        "POST /accounts/{username}/password",
        "/accounts/{user}/password",
        "400 403 403 403 403 in",
        data={"password": "short"},
    ),
    entry(
        "POST /accounts/{username}/active",
        "/accounts/{fresh_user}/active",
        "303 403 403 403 403 in",
        data={"active": "0"},
    ),
    # ---- semesters, rosters, proposals, jobs
    entry("GET /semesters", "/semesters", OK_ALL),
    entry("POST /semesters", "/semesters", "400 403 403 403 403 in", data={"name": ""}),
    entry("GET /semesters/{semester_id}", "/semesters/{semester}", OK_ALL),
    entry(
        "POST /semesters/{semester_id}/uploads",
        "/semesters/{semester}/uploads",
        "400 400 403 403 403 in",
        files=NOT_A_WORKBOOK,
    ),
    entry(
        "GET /semesters/{semester_id}/versions/{number}/download",
        "/semesters/{semester}/versions/{version}/download",
        OK_VIEW_ALL,
    ),
    entry("GET /template.xlsx", "/template.xlsx", OK_ALL),
    entry(
        "POST /semesters/{semester_id}/proposals",
        "/semesters/{semester}/proposals",
        "400 400 403 403 403 in",
        data={"scenario": "no-such-scenario"},
    ),
    entry("GET /jobs/{job_id}", "/jobs/{job}", OK_VIEW_ALL),
    entry("GET /jobs/{job_id}.json", "/jobs/{job}.json", "200 200 403 403 200 401"),
    entry("POST /jobs/{job_id}/cancel", "/jobs/{job}/cancel", "303 303 403 403 403 in"),
    entry("POST /jobs/{job_id}/rerun", "/jobs/{job}/rerun", "303 303 403 403 403 in"),
    # ---- a plan: overview, tables, explanations, downloads, printouts
    entry("GET /plans/{plan_id}", "/plans/{plan}", OK_ALL),
    entry("GET /plans/{plan_id}/{table}", "/plans/{plan}/assignments", OK_ALL),
    entry(
        "GET /plans/{plan_id}/explain/page",
        "/plans/{plan}/explain/page?cadre={cadre}",
        OK_OWN_READ,
    ),
    entry(
        "GET /plans/{plan_id}/explain/state.json",
        "/plans/{plan}/explain/state.json?cadre={cadre}",
        "200 200 200 404 200 401",
    ),
    entry(
        "GET /plans/{plan_id}/files/{name}",
        "/plans/{plan}/files/plan.json",
        "200 200 403 403 200 401",
    ),
    entry("GET /plans/{plan_id}/print/pack.pdf", "/plans/{plan}/print/pack.pdf", OK_VIEW_ALL),
    entry(
        "GET /plans/{plan_id}/print/filing/{college}.pdf",
        "/plans/{plan}/print/filing/{college}.pdf",
        OK_OWN_READ,
    ),
    entry(
        "GET /plans/{plan_id}/print/letters/{bundle}.pdf",
        "/plans/{plan}/print/letters/{college}.pdf",
        OK_OWN_READ,
    ),
    entry(
        "GET /plans/{plan_id}/print/letters/{bundle}.xlsx",
        "/plans/{plan}/print/letters/{college}.xlsx",
        OK_OWN_READ,
    ),
    # ---- audit log
    entry("GET /audit", "/audit", OK_SAO),
    # ---- the ledger
    entry("GET /ledger", "/ledger", "303 303 303 303 303 in"),
    entry("GET /semesters/{semester_id}/ledger", "/semesters/{semester}/ledger", OK_ALL),
    entry(
        "GET /semesters/{semester_id}/ledger/new",
        "/semesters/{semester}/ledger/new",
        "200 200 200 200 403 in",
    ),
    entry(
        "POST /semesters/{semester_id}/ledger",
        "/semesters/{semester}/ledger",
        "400 400 400 400 403 in",
        data={"cadre_id": "{cadre}", "date": "not a date"},
    ),
    entry("GET /ledger/records/{record_id}/edit", "/ledger/records/{record}/edit", OK_OWN),
    entry(
        "POST /ledger/records/{record_id}",
        "/ledger/records/{record}",
        "400 400 400 404 403 in",
        data={"date": "not a date"},
    ),
    entry(
        "POST /ledger/records/{record_id}/delete",
        "/ledger/records/{fresh_record}/delete",
        "303 303 303 404 403 in",
    ),
    entry(
        "POST /semesters/{semester_id}/ledger/import",
        "/semesters/{semester}/ledger/import",
        "400 400 400 400 403 in",
        files={"file": ("ledger.xlsx", b"not a workbook", XLSX)},
    ),
    entry(
        "GET /semesters/{semester_id}/ledger/template.xlsx",
        "/semesters/{semester}/ledger/template.xlsx",
        "200 200 200 200 403 in",
    ),
    entry(
        "GET /semesters/{semester_id}/ledger/ledger.xlsx",
        "/semesters/{semester}/ledger/ledger.xlsx",
        OK_ALL,
    ),
    entry(
        "POST /semesters/{semester_id}/leaves",
        "/semesters/{semester}/leaves",
        "400 400 400 400 403 in",
        data={"cadre_id": "{cadre}", "starts_on": "not a date"},
    ),
    entry(
        "POST /ledger/leaves/{leave_id}/delete",
        "/ledger/leaves/{fresh_leave}/delete",
        "303 303 303 404 403 in",
    ),
    entry(
        "POST /semesters/{semester_id}/ledger/dates",
        "/semesters/{semester}/ledger/dates",
        "400 403 403 403 403 in",
        data={"starts_on": "not a date"},
    ),
    # ---- duties, calendars, the annual report
    entry("GET /duties", "/duties", "303 303 303 303 303 in"),
    entry("GET /semesters/{semester_id}/duties", "/semesters/{semester}/duties", OK_ALL),
    entry(
        "GET /semesters/{semester_id}/duties/cadres/{cadre_id}",
        "/semesters/{semester}/duties/cadres/{cadre}",
        OK_OWN_READ,
    ),
    entry(
        "GET /semesters/{semester_id}/duties/reminders.xlsx",
        "/semesters/{semester}/duties/reminders.xlsx",
        OK_ALL,
    ),
    entry(
        "GET /semesters/{semester_id}/calendars/cadres/{cadre_id}.ics",
        "/semesters/{semester}/calendars/cadres/{cadre}.ics",
        OK_OWN_READ,
    ),
    entry(
        "GET /semesters/{semester_id}/calendars/colleges/{college}.ics",
        "/semesters/{semester}/calendars/colleges/{college}.ics",
        OK_OWN_READ,
    ),
    entry("GET /ledger/annual", "/ledger/annual", OK_VIEW_ALL),
    entry("GET /ledger/annual/{year}.pdf", "/ledger/annual/{year}.pdf", OK_VIEW_ALL),
    entry("GET /ledger/annual/{year}.xlsx", "/ledger/annual/{year}.xlsx", OK_VIEW_ALL),
    # ---- students' problems (cases)
    entry("GET /cases", "/cases", OK_ALL),
    entry("GET /cases/{case_id}", "/cases/{case}", OK_OWN_READ),
    entry(
        "POST /cases/{case_id}/steps",
        "/cases/{case}/steps",
        "400 400 400 404 403 in",
        data={"to": "nowhere"},
    ),
    # ---- filing (issue 16): a college's part, the SAO's board, approval
    entry("GET /filing", "/filing", "303 303 303 303 303 in"),
    entry("GET /filing/{plan_id}/{key}", "/filing/{plan}/{college}", OK_OWN_READ),
    entry(
        "GET /filing/{plan_id}/{key}/state.json",
        "/filing/{plan}/{college}/state.json",
        "200 200 200 404 200 401",
    ),
    entry(
        "POST /filing/{plan_id}/{key}/pins",
        "/filing/{plan}/{college}/pins",
        "403 403 400 404 403 in",
        data={"cadre": "X9", "kind": "class", "target": "X9", "rule": "require"},
    ),
    entry(
        "POST /filing/{plan_id}/{key}/undo",
        "/filing/{plan}/{college}/undo",
        "403 403 409 404 403 in",
    ),
    entry(
        "POST /filing/{plan_id}/{key}/file",
        "/filing/{plan}/{college}/file",
        "400 400 400 400 403 in",
        data={"note": "x" * 1001},
    ),
    entry(
        "POST /filing/{plan_id}/{key}/withdraw",
        "/filing/{plan}/{college}/withdraw",
        "403 403 409 404 403 in",
    ),
    entry(
        "POST /filing/{plan_id}/{key}/return",
        "/filing/{plan}/{college}/return",
        "409 409 403 403 403 in",
        data={"reason": "x"},
    ),
    entry(
        "POST /filing/{plan_id}/{key}/available",
        "/filing/{plan}/{college}/available",
        "404 404 404 404 403 in",
        data={"cadre": "X9", "available": "no"},
    ),
    entry("GET /semesters/{semester_id}/filing", "/semesters/{semester}/filing", OK_VIEW_ALL),
    entry(
        "POST /semesters/{semester_id}/filing/approve",
        "/semesters/{semester}/filing/approve",
        "409 403 403 403 403 in",
    ),
    entry(
        "GET /semesters/{semester_id}/filing/verify",
        "/semesters/{semester}/filing/verify",
        "409 409 403 403 409 in",
    ),
    entry(
        "POST /semesters/{semester_id}/filing/next",
        "/semesters/{semester}/filing/next",
        "409 403 403 403 403 in",
        data={"name": "2027春"},
    ),
    entry(
        "GET /filing/approved/{plan_id}/{college}.xlsx",
        "/filing/approved/{plan}/{college}.xlsx",
        "404 404 404 404 404 in",
    ),
]
"""Every route × role. Append new routes' entries here (see the module's docstring)."""

OBJECT_CASES: list[tuple[str, str, str]] = [
    ("GET", "/ledger/records/{record}/edit", "/ledger/records/{missing}/edit"),
    ("POST", "/ledger/records/{record}", "/ledger/records/{missing}"),
    ("POST", "/ledger/records/{fresh_record}/delete", "/ledger/records/{missing}/delete"),
    ("POST", "/ledger/leaves/{fresh_leave}/delete", "/ledger/leaves/{missing}/delete"),
    ("GET", "/cases/{case}", "/cases/{missing}"),
    ("GET", "/filing/{plan}/{college}", "/filing/{plan}/X9"),
    ("POST", "/filing/{plan}/{college}/pins", "/filing/{plan}/X9/pins"),
    ("POST", "/cases/{case}/steps", "/cases/{missing}/steps"),
    ("GET", "/plans/{plan}/explain/page?cadre={cadre}", "/plans/{plan}/explain/page?cadre=X9"),
    (
        "GET",
        "/semesters/{semester}/duties/cadres/{cadre}",
        "/semesters/{semester}/duties/cadres/X9",
    ),
    (
        "GET",
        "/semesters/{semester}/calendars/cadres/{cadre}.ics",
        "/semesters/{semester}/calendars/cadres/X9.ics",
    ),
    (
        "GET",
        "/semesters/{semester}/calendars/colleges/{college}.ics",
        "/semesters/{semester}/calendars/colleges/X9.ics",
    ),
    ("GET", "/plans/{plan}/print/filing/{college}.pdf", "/plans/{plan}/print/filing/X9.pdf"),
    ("GET", "/plans/{plan}/print/letters/{college}.pdf", "/plans/{plan}/print/letters/X9.pdf"),
    ("GET", "/plans/{plan}/print/letters/{college}.xlsx", "/plans/{plan}/print/letters/X9.xlsx"),
]
"""URLs where the secretary of C02 asks for C01's object and for one that does not exist
(``{missing}``: an id no row has): both answers must be the same, status and page."""

FORM_FIELD_CASES: list[tuple[str, dict[str, str], str]] = [
    (
        "/semesters/{semester}/ledger",
        {"cadre_id": "{cadre}", "target": "", "date": "2026-10-01", "activity": "heart_talk"},
        "X9",
    ),
    (
        "/semesters/{semester}/leaves",
        {"cadre_id": "{cadre}", "starts_on": "2026-10-01", "ends_on": "2026-10-02"},
        "X9",
    ),
]
"""Forms where the secretary of C02 names a C01 cadre in a field: the answer (and its message)
must be the one for a cadre that does not exist (``cadre_id`` replaced by the third value)."""
