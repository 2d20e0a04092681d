"""sign-in throttling: failed sign-ins by account and by address

Revision ID: 0004_security
Revises: 0003
Create Date: 2026-12-04

Issue 18. Failed sign-ins are counted in the database (not in a process's memory) so that
every web process of a PostgreSQL deployment sees the same count.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from planner.service.db import UTCDateTime

revision = "0004_security"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "signin_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signin_failures")),
    )
    op.create_index("ix_signin_failures_key_at", "signin_failures", ["key", "at"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_signin_failures_key_at", table_name="signin_failures")
    op.drop_table("signin_failures")
