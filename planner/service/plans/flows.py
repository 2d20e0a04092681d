"""The steps of a proposal and of an explanation: queue the job (in the request), do the
work (in a job worker's child process) and store the result with the job's end, in one
transaction."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from planner.i18n import N_
from planner.i18n import gettext as _
from planner.service import engine
from planner.service.audit.service import record
from planner.service.db import Database
from planner.service.failpoints import failpoint
from planner.service.forms import FormError
from planner.service.jobs import service as jobs
from planner.service.jobs.models import Job, JobKind, JobState
from planner.service.permissions import Principal
from planner.service.plans import service
from planner.service.plans.models import Explanation, Plan, PlanState, UploadedScenario
from planner.service.semesters import service as semesters
from planner.service.semesters.models import DataVersion, Semester
from planner.service.storage import Storage, sha256

MAX_SCENARIO_BYTES = 200_000


def start_proposal(
    db: Session,
    storage: Storage,
    semester: Semester,
    actor: Principal,
    *,
    version_number: int | None,
    scenario_name: str,
    scenario_upload: tuple[str, bytes] | None = None,
) -> Job:
    """Queue the whole-university plan of a data version (the newest when not given)."""
    version = (
        semesters.get_version(db, semester.id, version_number)
        if version_number
        else next(iter(semesters.versions(db, semester.id)), None)
    )
    if version is None:
        raise FormError({"version": _("upload the rosters first: there is no data version")})
    scenario_id = None
    if scenario_upload is not None and scenario_upload[1]:
        name, data = scenario_upload
        scenario_name, scenario_id = _store_scenario(db, storage, semester, actor, name, data)
    elif scenario_name not in engine.scenario_names():
        raise FormError({"scenario": _("choose one of the scenarios")})
    return jobs.enqueue(
        db,
        kind=JobKind.PROPOSAL,
        semester_id=semester.id,
        data_version_id=version.id,
        actor=actor,
        scenario_name=scenario_name,
        scenario_id=scenario_id,
    )


def _store_scenario(
    db: Session, storage: Storage, semester: Semester, actor: Principal, name: str, data: bytes
) -> tuple[str, int]:
    if len(data) > MAX_SCENARIO_BYTES:
        raise FormError({"scenario_file": _("a scenario file is at most 200 KB")})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FormError({"scenario_file": _("save the scenario as UTF-8 text (.yaml)")}) from None
    try:
        with storage.scratch("scenario") as folder:
            scenario_name = engine.check_scenario_text(text, name or "scenario.yaml", folder)
    except (engine.UsageError, engine.InputError) as exc:
        raise FormError({"scenario_file": str(exc)}) from None
    uploaded = UploadedScenario(
        name=scenario_name, sha256=sha256(data), text=text, created_by_id=actor.user_id
    )
    db.add(uploaded)
    db.flush()
    record(
        db,
        actor,
        "scenario.upload",
        "scenario",
        str(uploaded.id),
        semester_id=semester.id,
        after_sha=uploaded.sha256,
        detail={"name": scenario_name},
    )
    return scenario_name, uploaded.id


def previous_plan(db: Session, semester: Semester) -> Plan | None:
    """Last semester's approved plan, used as ``previous`` (approval is issue 16's)."""
    if semester.previous_id is None:
        return None
    before = db.get(Semester, semester.previous_id)
    if before is None or before.approved_plan_id is None:
        return None
    plan = db.get(Plan, before.approved_plan_id)
    return plan if plan is not None and plan.state == PlanState.APPROVED else None


def run_proposal(
    db: Database,
    storage: Storage,
    job_id: int,
    progress: Callable[[engine.ProgressEvent], None],
) -> None:
    """The proposal job: plan, check, write the plan folder, store the plan and its rows."""
    with db.session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        semester = session.get(Semester, job.semester_id)
        version = session.get(DataVersion, job.data_version_id)
        assert semester is not None and version is not None
        data = semesters.data_path(session, storage, version)
        previous = previous_plan(session, semester)
        previous_dir = storage.root / previous.folder if previous else None
        scenario: str | Path = job.scenario_name
        if job.scenario_id is not None:
            uploaded = session.get(UploadedScenario, job.scenario_id)
            assert uploaded is not None
            scenario = storage.root / "scenarios" / f"{uploaded.sha256}.yaml"
            scenario.parent.mkdir(parents=True, exist_ok=True)
            scenario.write_text(uploaded.text, encoding="utf-8")
        ids = (job.semester_id, job.data_version_id, job.scenario_name, job.created_by_id)
    folder = f"plans/job-{job_id}"
    result = engine.run_proposal(
        data, scenario, storage.root / folder, previous=previous_dir, progress=progress
    )
    try:
        with db.session() as session:
            plan = service.store_plan(
                session,
                semester_id=ids[0],
                data_version_id=ids[1],
                result=result,
                folder=folder,
                scenario_name=ids[2],
                previous_plan_id=previous.id if previous else None,
                created_by_id=ids[3],
            )
            if not jobs.finish(
                session, job_id, JobState.SUCCEEDED, result_plan_id=plan.id, stage=N_("finished")
            ):
                raise jobs.Superseded  # cancelled meanwhile: the rows are rolled back
            failpoint("proposal.store")  # plan folder written, rows flushed, not committed
    except jobs.Superseded:
        shutil.rmtree(storage.root / folder, ignore_errors=True)
        raise


def start_explanation(db: Session, plan: Plan, subject: str, key: str, actor: Principal) -> Job:
    """Queue the explanation of a cadre or target (once: a queued or running one is reused)."""
    for job in db.scalars(
        select(Job).where(
            Job.kind == JobKind.EXPLAIN,
            Job.plan_id == plan.id,
            Job.state.in_((JobState.QUEUED, JobState.RUNNING)),
        )
    ):
        if job.params.get("subject") == subject and job.params.get("key") == key:
            return job
    return jobs.enqueue(
        db,
        kind=JobKind.EXPLAIN,
        semester_id=plan.semester_id,
        data_version_id=plan.data_version_id,
        actor=actor,
        plan_id=plan.id,
        params={"subject": subject, "key": key},
    )


def latest_explanation_job(db: Session, plan_id: int, subject: str, key: str) -> Job | None:
    """The newest explanation job of this subject (to show a failure)."""
    for job in db.scalars(
        select(Job)
        .where(Job.kind == JobKind.EXPLAIN, Job.plan_id == plan_id)
        .order_by(Job.id.desc())
        .limit(50)
    ):
        if job.params.get("subject") == subject and job.params.get("key") == key:
            return job
    return None


def warm_up_explanation(db: Database, storage: Storage, job_id: int) -> None:
    """Read the data of an explanation job and index its plan in this process (a job worker
    does it before it forks the job's child, which then starts from them)."""
    with db.session() as session:
        job = session.get(Job, job_id)
        plan = session.get(Plan, job.plan_id) if job and job.plan_id else None
        version = session.get(DataVersion, job.data_version_id) if job else None
        if plan is None or version is None:
            return
        data = semesters.data_path(session, storage, version)
        plan_dir = storage.root / plan.folder
    engine.warm_explanations(data, plan_dir)


def run_explanation(db: Database, storage: Storage, job_id: int) -> None:
    """The explanation job: ``planner explain`` on the plan folder, stored for the page."""
    with db.session() as session:
        job = session.get(Job, job_id)
        assert job is not None and job.plan_id is not None
        plan = session.get(Plan, job.plan_id)
        version = session.get(DataVersion, job.data_version_id)
        assert plan is not None and version is not None
        data = semesters.data_path(session, storage, version)
        subject, key = str(job.params["subject"]), str(job.params["key"])
        plan_id, plan_dir = plan.id, storage.root / plan.folder
        if service.cached_explanation(session, plan_id, subject, key) is not None:
            # asked twice at the same moment (two jobs queued): the first one answered
            jobs.finish(session, job_id, JobState.SUCCEEDED, stage=N_("finished"))
            return
    if subject == "cadre":
        content = engine.explain(data, plan_dir, cadre=key)
    else:
        kind, _sep, target = key.partition(":")
        content = engine.explain(data, plan_dir, target=target, kind=kind)
    with db.session() as session:
        if service.cached_explanation(session, plan_id, subject, key) is None:
            session.add(Explanation(plan_id=plan_id, subject=subject, key=key, content=content))
        jobs.finish(session, job_id, JobState.SUCCEEDED, stage=N_("finished"))
