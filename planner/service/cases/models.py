"""Students' problems (四(三)(四)): a case per problem raised in a contact, and its steps.

A case row holds where the case is now (``status``, ``office``) for cheap lists; its steps
hold the history, one row per step, never changed afterwards. The text is the problem as the
students put it, with no personal details (the engine refuses phone and identity numbers).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from planner.service.db import Base, UTCDateTime, utcnow


class ProblemCase(Base):
    """A students' problem or suggestion raised in one ledger record (its ``line``-th)."""

    __tablename__ = "ledger_cases"
    __table_args__ = (
        Index("ix_ledger_cases_college_status", "college", "status"),
        Index("ix_ledger_cases_record", "record_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    semester_id: Mapped[int] = mapped_column(ForeignKey("semesters.id"))
    record_id: Mapped[int] = mapped_column(ForeignKey("ledger_records.id"))
    line: Mapped[int] = mapped_column(Integer, default=1)
    college: Mapped[str | None] = mapped_column(String(64), nullable=True)
    cadre_id: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="raised")
    office: Mapped[str] = mapped_column(String(100), default="")
    raised_on: Mapped[dt.date] = mapped_column(Date)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseStep(Base):
    """One step of a case: the status it reached, on which day, by whom, the office, a note."""

    __tablename__ = "ledger_case_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("ledger_cases.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    on: Mapped[dt.date] = mapped_column(Date)
    by: Mapped[str] = mapped_column(String(100))
    office: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
