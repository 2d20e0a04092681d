"""A part's adjustments: each is a set of pins and the part re-planned with them (a job).

The part's state (not started, adjusting, filed, returned) and its sign-off live on
:class:`~planner.service.plans.models.PlanPart`; an adjustment is one step of the part's
history, so undo is "mark the newest one undone": the part is then as the step before left it.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from planner.service.db import Base, UTCDateTime, utcnow


class AdjustmentState(StrEnum):
    """queued → done | failed; a done one may later be undone."""

    QUEUED = "queued"
    DONE = "done"
    FAILED = "failed"
    UNDONE = "undone"


class Adjustment(Base):
    """One adjustment of a part of a proposal (``college`` "" is the central part)."""

    __tablename__ = "part_adjustments"
    __table_args__ = (Index("ix_part_adjustments_plan_college", "plan_id", "college"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    college: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(20), default=AdjustmentState.QUEUED)
    data_version_id: Mapped[int] = mapped_column(ForeignKey("data_versions.id"))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), nullable=True)
    pins: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    """Every pin of the part after this step: ``[cadre, kind, target, rule]``."""
    pairs: Mapped[list[list[str]]] = mapped_column(JSON, default=list, deferred=True)
    """The part's contacts after the re-plan: ``[cadre, kind, target]``. Loaded when asked for
    (a part's history lists every adjustment, each with the whole part's contacts)."""
    base_hash: Mapped[str] = mapped_column(String(64), default="")
    terms_before: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    terms_after: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
