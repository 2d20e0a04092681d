"""Plans: the proposal's figures and rows (for cheap queries per college), its parts, the
uploaded scenarios and cached explanations. The plan folder itself is on disk (``folder``)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from planner.service.db import Base, UTCDateTime, utcnow


class PlanState(StrEnum):
    """A proposal, until approval (issue 16) freezes it."""

    PROPOSAL = "proposal"
    APPROVED = "approved"


class PartState(StrEnum):
    """A college's (or the central) part of a plan: the filing protocol of issue 16."""

    NOT_STARTED = "not_started"
    ADJUSTING = "adjusting"
    FILED = "filed"
    RETURNED = "returned"


CENTRAL = ""
"""The ``college`` of the central part (the SAO's cadres)."""


class UploadedScenario(Base):
    """A scenario file uploaded through the page (shipped ones are named, not stored)."""

    __tablename__ = "scenarios"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class Plan(Base):
    """A checked plan written to ``folder`` (relative to the data folder) and stored in rows."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    semester_id: Mapped[int] = mapped_column(ForeignKey("semesters.id"), index=True)
    data_version_id: Mapped[int] = mapped_column(ForeignKey("data_versions.id"))
    previous_plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"), nullable=True)
    scope: Mapped[str] = mapped_column(String(80), default="university")
    scenario_name: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(20), default=PlanState.PROPOSAL)
    status: Mapped[str] = mapped_column(String(20))
    objective: Mapped[float] = mapped_column(Float)
    bound: Mapped[float] = mapped_column(Float)
    gap: Mapped[float] = mapped_column(Float)
    solve_seconds: Mapped[float] = mapped_column(Float)
    kpis: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    terms: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)
    folder: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the plan's ``plan.json`` (which records the hash of every input)."""
    files: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class PlanPart(Base):
    """One college's part of a plan (``college`` = its id; :data:`CENTRAL` for the SAO's)."""

    __tablename__ = "plan_parts"
    __table_args__ = (UniqueConstraint("plan_id", "college"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    college: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(20), default=PartState.NOT_STARTED)
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    filed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    """When the part was filed (备案); None unless its state is ``filed``."""
    filed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    """Who signed the filing off (the account's display name)."""
    return_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    """Why the SAO returned the part (退回修改), while it is ``returned``."""
    notice: Mapped[str | None] = mapped_column(Text, nullable=True)
    """What changed under a filed part (an SAO adjustment, a new data version) and sent it
    back to adjusting; shown on the college's page until it files again."""


class Assignment(Base):
    """One row of the plan's ``assignments`` (see :mod:`planner.plan`)."""

    __tablename__ = "plan_assignments"
    __table_args__ = (
        Index("ix_plan_assignments_plan_target_college", "plan_id", "target_college"),
        Index("ix_plan_assignments_plan_cadre_college", "plan_id", "cadre_college"),
        Index("ix_plan_assignments_plan_cadre", "plan_id", "cadre_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    cadre_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(10))
    target_id: Mapped[str] = mapped_column(String(64))
    cadre_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    cadre_unit: Mapped[str] = mapped_column(String(200))
    cadre_college: Mapped[str | None] = mapped_column(String(64), nullable=True)
    cadre_campus: Mapped[str] = mapped_column(String(100))
    target_name: Mapped[str] = mapped_column(String(300))
    target_college: Mapped[str | None] = mapped_column(String(64), nullable=True)
    target_campus: Mapped[str] = mapped_column(String(100))
    kept: Mapped[bool] = mapped_column(Boolean)


class Uncovered(Base):
    """A target left without a cadre, with its reason."""

    __tablename__ = "plan_uncovered"
    __table_args__ = (Index("ix_plan_uncovered_plan_college", "plan_id", "target_college"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    kind: Mapped[str] = mapped_column(String(10))
    target_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    target_name: Mapped[str] = mapped_column(String(300))
    target_college: Mapped[str | None] = mapped_column(String(64), nullable=True)
    target_campus: Mapped[str] = mapped_column(String(100))


class Change(Base):
    """A change against last semester (kept, moved, new, ended) with its reason.

    ``college`` is the cadre's college (None for central cadres), added for per-college views.
    """

    __tablename__ = "plan_changes"
    __table_args__ = (Index("ix_plan_changes_plan_college", "plan_id", "college"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    cadre_id: Mapped[str] = mapped_column(String(64))
    cadre_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    college: Mapped[str | None] = mapped_column(String(64), nullable=True)
    kind: Mapped[str] = mapped_column(String(10))
    target_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text)


class Coverage(Base):
    """Coverage of one college × kind: how many targets, how many hold a cadre."""

    __tablename__ = "plan_coverage"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    college: Mapped[str] = mapped_column(String(64))
    college_name: Mapped[str] = mapped_column(String(200))
    campus: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))
    targets: Mapped[int] = mapped_column(Integer)
    covered: Mapped[int] = mapped_column(Integer)


class Explanation(Base):
    """A computed explanation (``planner explain``) of a cadre or target in a plan."""

    __tablename__ = "plan_explanations"
    __table_args__ = (UniqueConstraint("plan_id", "subject", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    subject: Mapped[str] = mapped_column(String(10))
    key: Mapped[str] = mapped_column(String(140))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
