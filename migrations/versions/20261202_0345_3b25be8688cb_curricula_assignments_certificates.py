"""Curricula of positions, module assignments with recertification, renewal cycles of
progress, certificates with yearly serials, notifications.

Revision ID: 3b25be8688cb
Revises: c110806eb13d
Create Date: 2026-12-02 03:12:40.019854

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "3b25be8688cb"
down_revision = "c110806eb13d"
branch_labels = None
depends_on = None


def upgrade():

    op.create_table(
        "certificate_serials",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_certificate_serials")),
    )
    op.create_table(
        "curriculum_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("due_basis", sa.String(length=16), nullable=False),
        sa.Column("due_days", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("validity_months", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(due_basis = 'fixed_date' AND due_on IS NOT NULL)"
            " OR (due_basis <> 'fixed_date' AND due_days IS NOT NULL AND due_days >= 0)",
            name=op.f("ck_curriculum_items_due_rule_complete"),
        ),
        sa.CheckConstraint(
            "due_basis IN ('position_start', 'assignment', 'fixed_date')",
            name=op.f("ck_curriculum_items_known_due_basis"),
        ),
        sa.CheckConstraint(
            "validity_months IS NULL OR validity_months > 0",
            name=op.f("ck_curriculum_items_validity_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["module_id"], ["modules.id"], name=op.f("fk_curriculum_items_module_id_modules")
        ),
        sa.ForeignKeyConstraint(
            ["position_id"],
            ["positions.id"],
            name=op.f("fk_curriculum_items_position_id_positions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_curriculum_items")),
        sa.UniqueConstraint(
            "position_id", "module_id", name=op.f("uq_curriculum_items_position_id_module_id")
        ),
    )
    with op.batch_alter_table("curriculum_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_curriculum_items_module_id"), ["module_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_curriculum_items_position_id"), ["position_id"], unique=False
        )

    op.create_table(
        "manual_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assigned_by_id"],
            ["users.id"],
            name=op.f("fk_manual_assignments_assigned_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["module_id"], ["modules.id"], name=op.f("fk_manual_assignments_module_id_modules")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_manual_assignments_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manual_assignments")),
    )
    with op.batch_alter_table("manual_assignments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_manual_assignments_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "module_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("assigned_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("validity_months", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("renewal_opens_on", sa.Date(), nullable=True),
        sa.Column("retired_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["module_id"], ["modules.id"], name=op.f("fk_module_assignments_module_id_modules")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_module_assignments_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_module_assignments")),
    )
    with op.batch_alter_table("module_assignments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_module_assignments_module_id"), ["module_id"], unique=False
        )
        batch_op.create_index("ix_module_assignments_user", ["user_id", "retired_on"], unique=False)
        batch_op.create_index(
            "uq_module_assignments_current",
            ["user_id", "module_id"],
            unique=True,
            sqlite_where=sa.text("retired_on IS NULL"),
            postgresql_where=sa.text("retired_on IS NULL"),
        )

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("event_key", sa.String(length=120), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("email_status", sa.String(length=16), nullable=False),
        sa.Column("email_attempted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("email_error", sa.String(length=500), nullable=True),
        sa.CheckConstraint(
            "kind IN ('assigned', 'due_soon', 'overdue', 'renewal_open', 'certificate_issued')",
            name=op.f("ck_notifications_known_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notifications_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint(
            "user_id", "event_key", name=op.f("uq_notifications_user_id_event_key")
        ),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index("ix_notifications_email_status", ["email_status"], unique=False)
        batch_op.create_index("ix_notifications_user_unread", ["user_id", "read_at"], unique=False)

    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("serial", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=True),
        sa.Column("module_progress_id", sa.Integer(), nullable=True),
        sa.Column("position_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("holder_name", sa.String(length=200), nullable=False),
        sa.Column("achievement", sa.JSON(), nullable=False),
        sa.Column("position_name", sa.JSON(), nullable=True),
        sa.Column("unit_name", sa.JSON(), nullable=True),
        sa.Column("modules", sa.JSON(), nullable=False),
        sa.Column("hours", sa.Double(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("revoked_reason", sa.String(length=500), nullable=True),
        sa.CheckConstraint(
            "kind IN ('module', 'position')", name=op.f("ck_certificates_known_kind")
        ),
        sa.ForeignKeyConstraint(
            ["module_id"], ["modules.id"], name=op.f("fk_certificates_module_id_modules")
        ),
        sa.ForeignKeyConstraint(
            ["module_progress_id"],
            ["module_progress.id"],
            name=op.f("fk_certificates_module_progress_id_module_progress"),
        ),
        sa.ForeignKeyConstraint(
            ["position_id"], ["positions.id"], name=op.f("fk_certificates_position_id_positions")
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"],
            ["users.id"],
            name=op.f("fk_certificates_revoked_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_units.id"], name=op.f("fk_certificates_unit_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_certificates_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("code", name=op.f("uq_certificates_code")),
        sa.UniqueConstraint("serial", name=op.f("uq_certificates_serial")),
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index(
            "ix_certificates_position_holder", ["position_id", "user_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_certificates_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("activity_progress", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activity_progress_module_progress_id"))
        batch_op.drop_constraint(
            batch_op.f("uq_activity_progress_user_id_activity_id"), type_="unique"
        )
        batch_op.create_index(
            "ix_activity_progress_user_activity", ["user_id", "activity_id"], unique=False
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_activity_progress_module_progress_id_activity_id"),
            ["module_progress_id", "activity_id"],
        )

    with op.batch_alter_table("module_progress", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cycle", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("expires_on", sa.Date(), nullable=True))
        batch_op.drop_constraint(
            batch_op.f("uq_module_progress_user_id_version_id"), type_="unique"
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_module_progress_user_id_version_id_cycle"),
            ["user_id", "version_id", "cycle"],
        )


def downgrade():

    with op.batch_alter_table("module_progress", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_module_progress_user_id_version_id_cycle"), type_="unique"
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_module_progress_user_id_version_id"), ["user_id", "version_id"]
        )
        batch_op.drop_column("expires_on")
        batch_op.drop_column("cycle")

    with op.batch_alter_table("activity_progress", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_activity_progress_module_progress_id_activity_id"), type_="unique"
        )
        batch_op.drop_index("ix_activity_progress_user_activity")
        batch_op.create_unique_constraint(
            batch_op.f("uq_activity_progress_user_id_activity_id"), ["user_id", "activity_id"]
        )
        batch_op.create_index(
            batch_op.f("ix_activity_progress_module_progress_id"),
            ["module_progress_id"],
            unique=False,
        )

    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificates_user_id"))
        batch_op.drop_index("ix_certificates_position_holder")

    op.drop_table("certificates")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_user_unread")
        batch_op.drop_index("ix_notifications_email_status")

    op.drop_table("notifications")
    with op.batch_alter_table("module_assignments", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_module_assignments_current",
            sqlite_where=sa.text("retired_on IS NULL"),
            postgresql_where=sa.text("retired_on IS NULL"),
        )
        batch_op.drop_index("ix_module_assignments_user")
        batch_op.drop_index(batch_op.f("ix_module_assignments_module_id"))

    op.drop_table("module_assignments")
    with op.batch_alter_table("manual_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_manual_assignments_user_id"))

    op.drop_table("manual_assignments")
    with op.batch_alter_table("curriculum_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_curriculum_items_position_id"))
        batch_op.drop_index(batch_op.f("ix_curriculum_items_module_id"))

    op.drop_table("curriculum_items")
    op.drop_table("certificate_serials")
