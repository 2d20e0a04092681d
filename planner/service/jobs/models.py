"""Background jobs: claimed from the database by worker processes, progress kept there."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from planner.i18n import N_
from planner.service.db import Base, UTCDateTime, utcnow


class JobState(StrEnum):
    """queued → running → succeeded | failed | cancelled | interrupted (worker died)."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"


FINISHED = frozenset(
    {JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED, JobState.INTERRUPTED}
)
"""States a job never leaves (a re-run is a new job)."""

STATE_LABELS: dict[str, str] = {
    JobState.QUEUED: N_("Queued"),
    JobState.RUNNING: N_("Running"),
    JobState.SUCCEEDED: N_("Finished"),
    JobState.FAILED: N_("Failed"),
    JobState.CANCELLED: N_("Cancelled"),
    JobState.INTERRUPTED: N_("Interrupted"),
}


class JobKind(StrEnum):
    """What a job does: ``proposal`` (the whole-university plan), ``explain`` (one
    explanation with its re-planned alternatives), ``replan`` (a part re-planned with its
    adjustment's pins, issue 16)."""

    PROPOSAL = "proposal"
    EXPLAIN = "explain"
    REPLAN = "replan"


class Job(Base):
    """One piece of background work and everything the progress page shows about it."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default=JobState.QUEUED, index=True)
    semester_id: Mapped[int] = mapped_column(ForeignKey("semesters.id"), index=True)
    data_version_id: Mapped[int] = mapped_column(ForeignKey("data_versions.id"))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"), nullable=True)
    """The plan a job works on (explanations); the plan a proposal made is ``result_plan_id``."""
    result_plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"), nullable=True)
    scenario_name: Mapped[str] = mapped_column(String(100), default="default")
    scenario_id: Mapped[int | None] = mapped_column(ForeignKey("scenarios.id"), nullable=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    rerun_of_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), nullable=True)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    worker: Mapped[str] = mapped_column(String(120), default="")
    stage: Mapped[str] = mapped_column(String(300), default="")
    best: Mapped[float | None] = mapped_column(Float, nullable=True)
    bound: Mapped[float | None] = mapped_column(Float, nullable=True)
    elapsed: Mapped[float] = mapped_column(Float, default=0.0)
    log: Mapped[list[str]] = mapped_column(JSON, default=list)
    error: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
