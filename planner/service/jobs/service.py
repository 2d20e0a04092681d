"""Jobs in the database: enqueue, claim (one worker per job), progress, cancel, recover.

A job is claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL (several servers on
one database share the queue) and, on both databases, by a conditional update
``queued → running`` whose row count says who won: never two workers on one job. On
PostgreSQL a queued job also wakes the waiting workers (``NOTIFY`` on :data:`CHANNEL`, sent
when the job's transaction commits; :class:`~planner.service.jobs.worker.Wakeup` listens);
the workers look for jobs on their own all the same.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from typing import Any, cast

from sqlalchemy import CursorResult, case, select, text, update
from sqlalchemy.orm import Session

from planner.i18n import N_
from planner.service.audit.service import record
from planner.service.db import Database, utcnow
from planner.service.jobs.models import FINISHED, Job, JobKind, JobState
from planner.service.permissions import Principal

STALE_AFTER = dt.timedelta(seconds=30)
"""A running job whose worker has not written a heartbeat for this long is interrupted."""
LOG_LINES = 40
"""Progress lines kept per job (the last ones)."""
CHANNEL = "planner_jobs"
"""The PostgreSQL notification channel on which a queued job wakes the workers."""


class Superseded(Exception):
    """The job left ``running`` (cancelled, interrupted) before its result was stored."""


def worker_name() -> str:
    """``host:pid`` of this process (recorded on the jobs it runs)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def enqueue(
    db: Session,
    *,
    kind: JobKind,
    semester_id: int,
    data_version_id: int,
    actor: Principal | None,
    scenario_name: str = "default",
    scenario_id: int | None = None,
    plan_id: int | None = None,
    params: dict[str, Any] | None = None,
    rerun_of_id: int | None = None,
) -> Job:
    """Queue a job; proposals are written to the audit log."""
    job = Job(
        kind=kind,
        semester_id=semester_id,
        data_version_id=data_version_id,
        scenario_name=scenario_name,
        scenario_id=scenario_id,
        plan_id=plan_id,
        params=params or {},
        rerun_of_id=rerun_of_id,
        created_by_id=actor.user_id if actor else None,
        log=[],
    )
    db.add(job)
    db.flush()
    if db.get_bind().dialect.name == "postgresql":
        db.execute(
            text("SELECT pg_notify(:channel, :kind)"), {"channel": CHANNEL, "kind": str(kind)}
        )
    if kind == JobKind.PROPOSAL:
        record(
            db,
            actor,
            "job.start",
            "job",
            str(job.id),
            semester_id=semester_id,
            detail={"kind": kind, "scenario": scenario_name, "data_version": data_version_id},
        )
    return job


def _changed(result: object) -> int:
    """Rows an UPDATE changed."""
    return cast(CursorResult[Any], result).rowcount


def claim_next(database: Database, worker: str, kinds: tuple[str, ...] | None = None) -> int | None:
    """Claim the oldest queued job for ``worker`` (re-plans of a part first); its id, or None
    when the queue is empty."""
    with database.session() as db:
        query = select(Job.id).where(Job.state == JobState.QUEUED)
        if kinds:
            query = query.where(Job.kind.in_(kinds))
        # a college waits on its page for a re-plan (a second or so): it goes before the
        # explanations and proposals queued earlier, which take longer anyway
        interactive = case((Job.kind == JobKind.REPLAN, 0), else_=1)
        query = query.order_by(interactive, Job.id).limit(1)
        if database.is_postgres:
            query = query.with_for_update(skip_locked=True)
        job_id = db.scalar(query)
        if job_id is None:
            return None
        now = utcnow()
        won = _changed(
            db.execute(
                update(Job)
                .where(Job.id == job_id, Job.state == JobState.QUEUED)
                .values(
                    state=JobState.RUNNING,
                    worker=worker,
                    started_at=now,
                    heartbeat_at=now,
                    stage=N_("starting"),
                )
            )
        )
        return job_id if won == 1 else None


def heartbeat(db: Session, job_id: int) -> bool:
    """Mark the job alive; returns whether a cancel was asked for."""
    db.execute(
        update(Job)
        .where(Job.id == job_id, Job.state == JobState.RUNNING)
        .values(heartbeat_at=utcnow())
    )
    return bool(db.scalar(select(Job.cancel_requested).where(Job.id == job_id)))


def report_progress(
    db: Session,
    job_id: int,
    stage: str,
    best: float | None,
    bound: float | None,
    elapsed: float,
    log: list[str],
) -> None:
    """Write the job's progress (only while it runs)."""
    values: dict[str, Any] = {
        "stage": stage[:300],
        "elapsed": elapsed,
        "heartbeat_at": utcnow(),
        "log": log[-LOG_LINES:],
    }
    if best is not None:
        values["best"] = best
    if bound is not None:
        values["bound"] = bound
    db.execute(update(Job).where(Job.id == job_id, Job.state == JobState.RUNNING).values(values))


def finish(
    db: Session,
    job_id: int,
    state: JobState,
    *,
    error: str = "",
    result_plan_id: int | None = None,
    result: dict[str, Any] | None = None,
    stage: str = "",
) -> bool:
    """Move a running job to its final state; False when it had already left ``running``."""
    values: dict[str, Any] = {"state": state, "finished_at": utcnow(), "error": error[:4000]}
    if result_plan_id is not None:
        values["result_plan_id"] = result_plan_id
    if result is not None:
        values["result"] = result
    if stage:
        values["stage"] = stage
    done = _changed(
        db.execute(
            update(Job).where(Job.id == job_id, Job.state == JobState.RUNNING).values(values)
        )
    )
    if done == 1:
        job = db.get(Job, job_id)
        if job is not None and job.kind == JobKind.PROPOSAL:
            action = {
                JobState.SUCCEEDED: "job.finish",
                JobState.FAILED: "job.fail",
                JobState.CANCELLED: "job.cancel",
                JobState.INTERRUPTED: "job.interrupt",
            }
            record(
                db,
                None,
                action[state],
                "job",
                str(job_id),
                semester_id=job.semester_id,
                detail={"plan": result_plan_id} if result_plan_id else {},
            )
    return done == 1


def request_cancel(db: Session, job: Job, actor: Principal) -> None:
    """Cancel a job: a queued one at once, a running one by its worker within seconds."""
    if job.state == JobState.QUEUED:
        db.execute(
            update(Job)
            .where(Job.id == job.id, Job.state == JobState.QUEUED)
            .values(state=JobState.CANCELLED, finished_at=utcnow(), cancel_requested=True)
        )
        record(db, actor, "job.cancel", "job", str(job.id), semester_id=job.semester_id)
    elif job.state == JobState.RUNNING:
        job.cancel_requested = True
        record(
            db,
            actor,
            "job.cancel",
            "job",
            str(job.id),
            semester_id=job.semester_id,
            detail={"requested": True},
        )


def rerun(db: Session, job: Job, actor: Principal) -> Job:
    """A new job with the parameters of a finished one."""
    return enqueue(
        db,
        kind=JobKind(job.kind),
        semester_id=job.semester_id,
        data_version_id=job.data_version_id,
        actor=actor,
        scenario_name=job.scenario_name,
        scenario_id=job.scenario_id,
        plan_id=job.plan_id,
        params=dict(job.params),
        rerun_of_id=job.id,
    )


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed worker nobody has reaped yet (a zombie) is gone too
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X")
    except (OSError, IndexError):
        return True


def recover(db: Session, now: dt.datetime | None = None) -> list[int]:
    """Mark interrupted the running jobs whose worker is gone: silent for
    :data:`STALE_AFTER`, or a process of this host that no longer exists."""
    now = now or utcnow()
    host = socket.gethostname()
    lost = []
    for job in db.scalars(select(Job).where(Job.state == JobState.RUNNING)):
        name, _sep, pid = job.worker.rpartition(":")
        gone_here = name == host and pid.isdigit() and not _pid_alive(int(pid))
        silent = job.heartbeat_at is None or now - job.heartbeat_at > STALE_AFTER
        if gone_here or silent:
            lost.append(job.id)
    for job_id in lost:
        finish(db, job_id, JobState.INTERRUPTED, stage=N_("interrupted"))
    return lost


def status(job: Job) -> dict[str, Any]:
    """The job as the progress page's script reads it."""
    return {
        "id": job.id,
        "state": job.state,
        "finished": job.state in FINISHED,
        "stage": job.stage,
        "best": job.best,
        "bound": job.bound,
        "elapsed": round(job.elapsed or 0.0, 1),
        "log": list(job.log or [])[-10:],
        "plan": job.result_plan_id,
        "cancel_requested": job.cancel_requested,
    }


def jobs_for_semester(db: Session, semester_id: int, limit: int = 20) -> list[Job]:
    """The semester's newest proposal jobs."""
    query = select(Job).where(Job.semester_id == semester_id, Job.kind == JobKind.PROPOSAL)
    return list(db.scalars(query.order_by(Job.id.desc()).limit(limit)))
