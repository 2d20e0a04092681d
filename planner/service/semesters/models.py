"""Semesters and their rosters: every accepted upload is an immutable data version."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from planner.service.db import Base, UTCDateTime, utcnow


class Semester(Base):
    """A semester (e.g. 2026秋). ``previous_id`` is the semester it continues from; its
    ``approved_plan_id`` (set by approval) is that semester's plan used as ``previous``."""

    __tablename__ = "semesters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("semesters.id"), nullable=True)
    approved_plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("plans.id", use_alter=True), nullable=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class DataVersion(Base):
    """One accepted upload of the rosters; never changed afterwards.

    ``sha256`` hashes the stored files (name and content hash of each, sorted); ``source`` is
    ``workbook`` (one .xlsx) or ``tables`` (one file per table); ``counts`` holds the numbers
    shown in the page (cadres, targets per kind, colleges).
    """

    __tablename__ = "data_versions"
    __table_args__ = (UniqueConstraint("semester_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    semester_id: Mapped[int] = mapped_column(ForeignKey("semesters.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(200), default="")
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class StoredFile(Base):
    """A file of a data version, stored content-addressed (``blobs/ab/abcdef…``)."""

    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    data_version_id: Mapped[int] = mapped_column(ForeignKey("data_versions.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)


class VersionCollege(Base):
    """A college of a data version (for lists, account binding and per-college parts)."""

    __tablename__ = "version_colleges"

    data_version_id: Mapped[int] = mapped_column(ForeignKey("data_versions.id"), primary_key=True)
    college: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    campus: Mapped[str] = mapped_column(String(100))
