"""the contact work: semester dates, ledger records, leave, students' problems

Revision ID: 0003
Revises: 0001
Create Date: 2026-12-04

Issue 19. ``down_revision`` is the initial schema for now: ``0002_security`` is written on a
parallel branch, and the two are chained when both are merged (this one then revises 0002).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from planner.service.db import UTCDateTime

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "ledger_terms",
        sa.Column("semester_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["semester_id"], ["semesters.id"], name=op.f("fk_ledger_terms_semester_id_semesters")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_ledger_terms_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("semester_id", name=op.f("pk_ledger_terms")),
    )
    op.create_table(
        "ledger_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("semester_id", sa.Integer(), nullable=False),
        sa.Column("cadre_id", sa.String(length=64), nullable=False),
        sa.Column("cadre_name", sa.String(length=200), nullable=False),
        sa.Column("college", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=False),
        sa.Column("target_name", sa.String(length=300), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("activity", sa.String(length=40), nullable=False),
        sa.Column("students", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("problems", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["semester_id"], ["semesters.id"], name=op.f("fk_ledger_records_semester_id_semesters")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_ledger_records_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_ledger_records_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_records")),
    )
    with op.batch_alter_table("ledger_records", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ledger_records_semester_college", ["semester_id", "college"], unique=False
        )
        batch_op.create_index(
            "ix_ledger_records_semester_cadre", ["semester_id", "cadre_id"], unique=False
        )

    op.create_table(
        "ledger_leaves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("semester_id", sa.Integer(), nullable=False),
        sa.Column("cadre_id", sa.String(length=64), nullable=False),
        sa.Column("cadre_name", sa.String(length=200), nullable=False),
        sa.Column("college", sa.String(length=64), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["semester_id"], ["semesters.id"], name=op.f("fk_ledger_leaves_semester_id_semesters")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_ledger_leaves_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_leaves")),
    )
    with op.batch_alter_table("ledger_leaves", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ledger_leaves_semester_college", ["semester_id", "college"], unique=False
        )

    op.create_table(
        "ledger_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("semester_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("college", sa.String(length=64), nullable=True),
        sa.Column("cadre_id", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("office", sa.String(length=100), nullable=False),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["ledger_records.id"],
            name=op.f("fk_ledger_cases_record_id_ledger_records"),
        ),
        sa.ForeignKeyConstraint(
            ["semester_id"], ["semesters.id"], name=op.f("fk_ledger_cases_semester_id_semesters")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_cases")),
    )
    with op.batch_alter_table("ledger_cases", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_cases_college_status", ["college", "status"], unique=False)
        batch_op.create_index("ix_ledger_cases_record", ["record_id"], unique=False)

    op.create_table(
        "ledger_case_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("by", sa.String(length=100), nullable=False),
        sa.Column("office", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["ledger_cases.id"], name=op.f("fk_ledger_case_steps_case_id_ledger_cases")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_ledger_case_steps_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_case_steps")),
    )
    with op.batch_alter_table("ledger_case_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_case_steps_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("ledger_case_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_case_steps_case_id"))
    op.drop_table("ledger_case_steps")
    with op.batch_alter_table("ledger_cases", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_cases_record")
        batch_op.drop_index("ix_ledger_cases_college_status")
    op.drop_table("ledger_cases")
    with op.batch_alter_table("ledger_leaves", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_leaves_semester_college")
    op.drop_table("ledger_leaves")
    with op.batch_alter_table("ledger_records", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_records_semester_cadre")
        batch_op.drop_index("ix_ledger_records_semester_college")
    op.drop_table("ledger_records")
    op.drop_table("ledger_terms")
