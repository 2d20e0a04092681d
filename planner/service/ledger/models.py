"""The ledger's tables: each semester's dates, the contact records, the cadres' leave.

A record keeps the cadre's college (``college``; ``None`` for a cadre the SAO places) as it
was when the record was written, so a college's pages and checks select by one column. Names
are kept beside the ids so the list reads without the plan. No column holds a student's
personal details (the engine refuses a note holding a phone or identity card number).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from planner.service.db import Base, UTCDateTime, utcnow


class LedgerTerm(Base):
    """The dates of a semester's contact work (first and last day, both included).

    Set by the SAO; until then the service uses the usual dates of the semester's name
    (:func:`planner.service.ledger.service.default_dates`).
    """

    __tablename__ = "ledger_terms"

    semester_id: Mapped[int] = mapped_column(ForeignKey("semesters.id"), primary_key=True)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class ContactEntry(Base):
    """One record of the ledger (工作台账): a contact a cadre made with students.

    ``kind`` is a kind of the plan or ``other`` (then ``target_id`` is blank); ``activity``
    and ``category`` are the engine's English ids (:mod:`planner.ledger.vocabulary`);
    ``source`` is ``form``, ``import`` or ``demo``.
    """

    __tablename__ = "ledger_records"
    __table_args__ = (
        Index("ix_ledger_records_semester_college", "semester_id", "college"),
        Index("ix_ledger_records_semester_cadre", "semester_id", "cadre_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    semester_id: Mapped[int] = mapped_column(ForeignKey("semesters.id"))
    cadre_id: Mapped[str] = mapped_column(String(64))
    cadre_name: Mapped[str] = mapped_column(String(200))
    college: Mapped[str | None] = mapped_column(String(64), nullable=True)
    kind: Mapped[str] = mapped_column(String(10))
    target_id: Mapped[str] = mapped_column(String(64), default="")
    target_name: Mapped[str] = mapped_column(String(300), default="")
    day: Mapped[dt.date] = mapped_column(Date)
    activity: Mapped[str] = mapped_column(String(40))
    students: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(500), default="")
    problems: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(20), default="other")
    source: Mapped[str] = mapped_column(String(10), default="form")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class Leave(Base):
    """A cadre away from ``starts_on`` to ``ends_on`` (both included): they keep their
    contacts but owe no duty for the days away."""

    __tablename__ = "ledger_leaves"
    __table_args__ = (Index("ix_ledger_leaves_semester_college", "semester_id", "college"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    semester_id: Mapped[int] = mapped_column(ForeignKey("semesters.id"))
    cadre_id: Mapped[str] = mapped_column(String(64))
    cadre_name: Mapped[str] = mapped_column(String(200))
    college: Mapped[str | None] = mapped_column(String(64), nullable=True)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
