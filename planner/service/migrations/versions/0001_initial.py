"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-12-03

The semester → approved plan link is added after both tables exist (they refer to each
other); the audit log gets triggers that refuse UPDATE and DELETE (append-only).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from planner.service.db import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# The audit log is append-only in the database itself, not only by convention in the code.
APPEND_ONLY = {
    "sqlite": [
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$",
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    ],
}
DROP_APPEND_ONLY = {
    "sqlite": ["DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"],
    "postgresql": [
        "DROP TRIGGER audit_log_append_only ON audit_log",
        "DROP FUNCTION audit_log_append_only()",
    ],
}


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("college", sa.String(length=64), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("password_changed_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "scenarios",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_scenarios_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scenarios")),
    )
    op.create_table(
        "semesters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("previous_id", sa.Integer(), nullable=True),
        sa.Column("approved_plan_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_semesters_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["previous_id"], ["semesters.id"], name=op.f("fk_semesters_previous_id_semesters")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_semesters")),
        sa.UniqueConstraint("name", name=op.f("uq_semesters_name")),
    )
    op.create_table(
        "sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_sessions")),
    )
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sessions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.String(length=80), nullable=False),
        sa.Column("semester_id", sa.Integer(), nullable=True),
        sa.Column("college", sa.String(length=64), nullable=True),
        sa.Column("before_sha", sa.String(length=64), nullable=True),
        sa.Column("after_sha", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["semester_id"], ["semesters.id"], name=op.f("fk_audit_log_semester_id_semesters")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_audit_log_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)

    op.create_table(
        "data_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("semester_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_data_versions_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["semester_id"], ["semesters.id"], name=op.f("fk_data_versions_semester_id_semesters")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_versions")),
        sa.UniqueConstraint("semester_id", "number", name=op.f("uq_data_versions_semester_id")),
    )
    with op.batch_alter_table("data_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_data_versions_semester_id"), ["semester_id"], unique=False
        )

    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("semester_id", sa.Integer(), nullable=False),
        sa.Column("data_version_id", sa.Integer(), nullable=False),
        sa.Column("previous_plan_id", sa.Integer(), nullable=True),
        sa.Column("scope", sa.String(length=80), nullable=False),
        sa.Column("scenario_name", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("objective", sa.Float(), nullable=False),
        sa.Column("bound", sa.Float(), nullable=False),
        sa.Column("gap", sa.Float(), nullable=False),
        sa.Column("solve_seconds", sa.Float(), nullable=False),
        sa.Column("kpis", sa.JSON(), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("folder", sa.String(length=300), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_plans_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["data_version_id"],
            ["data_versions.id"],
            name=op.f("fk_plans_data_version_id_data_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["previous_plan_id"], ["plans.id"], name=op.f("fk_plans_previous_plan_id_plans")
        ),
        sa.ForeignKeyConstraint(
            ["semester_id"], ["semesters.id"], name=op.f("fk_plans_semester_id_semesters")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
    )
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plans_semester_id"), ["semester_id"], unique=False)

    op.create_table(
        "stored_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("data_version_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["data_version_id"],
            ["data_versions.id"],
            name=op.f("fk_stored_files_data_version_id_data_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_files")),
    )
    with op.batch_alter_table("stored_files", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stored_files_data_version_id"), ["data_version_id"], unique=False
        )

    op.create_table(
        "version_colleges",
        sa.Column("data_version_id", sa.Integer(), nullable=False),
        sa.Column("college", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("campus", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["data_version_id"],
            ["data_versions.id"],
            name=op.f("fk_version_colleges_data_version_id_data_versions"),
        ),
        sa.PrimaryKeyConstraint("data_version_id", "college", name=op.f("pk_version_colleges")),
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("semester_id", sa.Integer(), nullable=False),
        sa.Column("data_version_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("result_plan_id", sa.Integer(), nullable=True),
        sa.Column("scenario_name", sa.String(length=100), nullable=False),
        sa.Column("scenario_id", sa.Integer(), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("rerun_of_id", sa.Integer(), nullable=True),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("worker", sa.String(length=120), nullable=False),
        sa.Column("stage", sa.String(length=300), nullable=False),
        sa.Column("best", sa.Float(), nullable=True),
        sa.Column("bound", sa.Float(), nullable=True),
        sa.Column("elapsed", sa.Float(), nullable=False),
        sa.Column("log", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_jobs_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["data_version_id"],
            ["data_versions.id"],
            name=op.f("fk_jobs_data_version_id_data_versions"),
        ),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_jobs_plan_id_plans")),
        sa.ForeignKeyConstraint(
            ["rerun_of_id"], ["jobs.id"], name=op.f("fk_jobs_rerun_of_id_jobs")
        ),
        sa.ForeignKeyConstraint(
            ["result_plan_id"], ["plans.id"], name=op.f("fk_jobs_result_plan_id_plans")
        ),
        sa.ForeignKeyConstraint(
            ["scenario_id"], ["scenarios.id"], name=op.f("fk_jobs_scenario_id_scenarios")
        ),
        sa.ForeignKeyConstraint(
            ["semester_id"], ["semesters.id"], name=op.f("fk_jobs_semester_id_semesters")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_jobs_semester_id"), ["semester_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_jobs_state"), ["state"], unique=False)

    op.create_table(
        "plan_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("cadre_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=False),
        sa.Column("cadre_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("cadre_unit", sa.String(length=200), nullable=False),
        sa.Column("cadre_college", sa.String(length=64), nullable=True),
        sa.Column("cadre_campus", sa.String(length=100), nullable=False),
        sa.Column("target_name", sa.String(length=300), nullable=False),
        sa.Column("target_college", sa.String(length=64), nullable=True),
        sa.Column("target_campus", sa.String(length=100), nullable=False),
        sa.Column("kept", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_plan_assignments_plan_id_plans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_assignments")),
    )
    with op.batch_alter_table("plan_assignments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_plan_assignments_plan_cadre", ["plan_id", "cadre_id"], unique=False
        )
        batch_op.create_index(
            "ix_plan_assignments_plan_cadre_college", ["plan_id", "cadre_college"], unique=False
        )
        batch_op.create_index(
            "ix_plan_assignments_plan_target_college", ["plan_id", "target_college"], unique=False
        )

    op.create_table(
        "plan_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("cadre_id", sa.String(length=64), nullable=False),
        sa.Column("cadre_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("college", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_plan_changes_plan_id_plans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_changes")),
    )
    with op.batch_alter_table("plan_changes", schema=None) as batch_op:
        batch_op.create_index("ix_plan_changes_plan_college", ["plan_id", "college"], unique=False)

    op.create_table(
        "plan_coverage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("college", sa.String(length=64), nullable=False),
        sa.Column("college_name", sa.String(length=200), nullable=False),
        sa.Column("campus", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("targets", sa.Integer(), nullable=False),
        sa.Column("covered", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_plan_coverage_plan_id_plans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_coverage")),
    )
    with op.batch_alter_table("plan_coverage", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_coverage_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "plan_explanations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=10), nullable=False),
        sa.Column("key", sa.String(length=140), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_plan_explanations_plan_id_plans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_explanations")),
        sa.UniqueConstraint("plan_id", "subject", "key", name=op.f("uq_plan_explanations_plan_id")),
    )
    op.create_table(
        "plan_parts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("college", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_plan_parts_plan_id_plans")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_plan_parts_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_parts")),
        sa.UniqueConstraint("plan_id", "college", name=op.f("uq_plan_parts_plan_id")),
    )
    with op.batch_alter_table("plan_parts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_parts_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "plan_uncovered",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("target_name", sa.String(length=300), nullable=False),
        sa.Column("target_college", sa.String(length=64), nullable=True),
        sa.Column("target_campus", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_plan_uncovered_plan_id_plans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_uncovered")),
    )
    with op.batch_alter_table("plan_uncovered", schema=None) as batch_op:
        batch_op.create_index(
            "ix_plan_uncovered_plan_college", ["plan_id", "target_college"], unique=False
        )

    with op.batch_alter_table("semesters") as batch_op:
        batch_op.create_foreign_key(
            op.f("fk_semesters_approved_plan_id_plans"), "plans", ["approved_plan_id"], ["id"]
        )
    for statement in APPEND_ONLY[op.get_bind().dialect.name]:
        op.execute(statement)


def downgrade() -> None:
    """Undo this revision."""
    for statement in DROP_APPEND_ONLY[op.get_bind().dialect.name]:
        op.execute(statement)
    with op.batch_alter_table("semesters") as batch_op:
        batch_op.drop_constraint(op.f("fk_semesters_approved_plan_id_plans"), type_="foreignkey")
    with op.batch_alter_table("plan_uncovered", schema=None) as batch_op:
        batch_op.drop_index("ix_plan_uncovered_plan_college")

    op.drop_table("plan_uncovered")
    with op.batch_alter_table("plan_parts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_parts_plan_id"))

    op.drop_table("plan_parts")
    op.drop_table("plan_explanations")
    with op.batch_alter_table("plan_coverage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_coverage_plan_id"))

    op.drop_table("plan_coverage")
    with op.batch_alter_table("plan_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_plan_changes_plan_college")

    op.drop_table("plan_changes")
    with op.batch_alter_table("plan_assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_plan_assignments_plan_target_college")
        batch_op.drop_index("ix_plan_assignments_plan_cadre_college")
        batch_op.drop_index("ix_plan_assignments_plan_cadre")

    op.drop_table("plan_assignments")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jobs_state"))
        batch_op.drop_index(batch_op.f("ix_jobs_semester_id"))

    op.drop_table("jobs")
    op.drop_table("version_colleges")
    with op.batch_alter_table("stored_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stored_files_data_version_id"))

    op.drop_table("stored_files")
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plans_semester_id"))

    op.drop_table("plans")
    with op.batch_alter_table("data_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_versions_semester_id"))

    op.drop_table("data_versions")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))
        batch_op.drop_index(batch_op.f("ix_audit_log_action"))

    op.drop_table("audit_log")
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sessions_user_id"))

    op.drop_table("sessions")
    op.drop_table("semesters")
    op.drop_table("scenarios")
    op.drop_table("users")
