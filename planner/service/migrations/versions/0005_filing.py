"""filing: adjustments of a part, the sign-off and notices of a filed part

Revision ID: 0005_filing
Revises: 0004_security
Create Date: 2026-12-04

Issue 16 (colleges adjust and file their part, the SAO approves).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from planner.service.db import UTCDateTime

revision = "0005_filing"
down_revision = "0004_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "part_adjustments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("college", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("data_version_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("pins", sa.JSON(), nullable=False),
        sa.Column("pairs", sa.JSON(), nullable=False),
        sa.Column("base_hash", sa.String(length=64), nullable=False),
        sa.Column("terms_before", sa.JSON(), nullable=False),
        sa.Column("terms_after", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_part_adjustments_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["data_version_id"],
            ["data_versions.id"],
            name=op.f("fk_part_adjustments_data_version_id_data_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_part_adjustments_job_id_jobs")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_part_adjustments_plan_id_plans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_part_adjustments")),
    )
    with op.batch_alter_table("part_adjustments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_part_adjustments_plan_college", ["plan_id", "college"], unique=False
        )
    with op.batch_alter_table("plan_parts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("filed_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("filed_by", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("return_reason", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("notice", sa.Text(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("plan_parts", schema=None) as batch_op:
        batch_op.drop_column("notice")
        batch_op.drop_column("return_reason")
        batch_op.drop_column("filed_by")
        batch_op.drop_column("filed_at")
    with op.batch_alter_table("part_adjustments", schema=None) as batch_op:
        batch_op.drop_index("ix_part_adjustments_plan_college")
    op.drop_table("part_adjustments")
