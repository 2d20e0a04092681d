"""The demo university in the service: accounts, a semester, the demo rosters, a proposal
already planned and a semester of contact work in the ledger (up to today, so the pages show
real gaps). Running it again reuses what the data folder holds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from planner.service import engine
from planner.service.accounts import service as accounts
from planner.service.accounts.models import Role
from planner.service.config import Settings
from planner.service.jobs.models import Job, JobState
from planner.service.jobs.worker import Worker
from planner.service.plans import flows
from planner.service.semesters import service as semesters
from planner.service.semesters.models import Semester
from planner.service.server import prepare
from planner.service.storage import Storage

SEMESTER = "2026秋"


@dataclass(frozen=True)
class DemoAccount:
    """An account of the demo (its password is printed: it is a demo)."""

    username: str
    display_name: str
    role: Role
    college: str | None
    password: str


DEMO_ACCOUNTS = (
    DemoAccount("admin", "学生处 王老师", Role.SAO_ADMIN, None, "demo-admin-2026"),
    DemoAccount("staff", "学生处 李老师", Role.SAO_STAFF, None, "demo-staff-2026"),
    DemoAccount("c01", "C01 学院联络员 张老师", Role.COLLEGE, "C01", "demo-c01-2026"),
    DemoAccount("c02", "C02 学院联络员 刘老师", Role.COLLEGE, "C02", "demo-c02-2026"),
    DemoAccount("viewer", "校办 陈老师", Role.VIEWER, None, "demo-viewer-2026"),
)


def set_up_demo(
    settings: Settings, demo_data: Path | None = None, ledger_day: dt.date | None = None
) -> int | None:
    """Accounts, the semester 2026秋, the demo rosters, a planned proposal and the demo ledger
    (up to ``ledger_day``, by default today); returns the plan's id. Each step is skipped when
    the data folder already has it."""
    db = prepare(settings)
    storage = Storage(settings.data_dir)
    with db.session() as session:
        for account in DEMO_ACCOUNTS:
            if accounts.get_user(session, account.username) is None:
                accounts.add_user(
                    session,
                    username=account.username,
                    display_name=account.display_name,
                    password=account.password,
                    role=account.role,
                    college=account.college,
                )
        admin = accounts.principal_of(accounts.get_user(session, "admin"))  # type: ignore[arg-type]
        semester = session.scalar(select(Semester).where(Semester.name == SEMESTER))
        if semester is None:
            semester = semesters.create_semester(session, SEMESTER, admin)
        if not semesters.versions(session, semester.id):
            folder = demo_data or engine.DEMO_DATA
            uploads = [
                semesters.Upload(p.name, p.read_bytes()) for p in sorted(Path(folder).glob("*.csv"))
            ]
            semesters.accept_upload(
                session, storage, semester, uploads, admin, note="demo university"
            )
        done = session.scalar(
            select(Job).where(
                Job.semester_id == semester.id,
                Job.kind == "proposal",
                Job.state.in_((JobState.SUCCEEDED, JobState.QUEUED, JobState.RUNNING)),
            )
        )
        if done is None:
            flows.start_proposal(
                session, storage, semester, admin, version_number=None, scenario_name="default"
            )
    Worker(settings, db, fork=False).run_pending()
    with db.session() as session:
        job = session.scalar(
            select(Job)
            .where(Job.kind == "proposal", Job.state == JobState.SUCCEEDED)
            .order_by(Job.id.desc())
            .limit(1)
        )
        plan_id = job.result_plan_id if job else None
        if plan_id is not None:
            from planner.service.ledger.demo import seed_demo_ledger

            semester = session.scalar(select(Semester).where(Semester.name == SEMESTER))
            admin = accounts.principal_of(accounts.get_user(session, "admin"))  # type: ignore[arg-type]
            seed_demo_ledger(session, semester, admin, ledger_day)  # type: ignore[arg-type]
    db.dispose()
    return plan_id
