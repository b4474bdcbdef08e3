"""Training sessions in person and online: time slots, trainers, target audience,
enrolments with a waitlist, attendance per slot, calendar feed tokens; four notification
kinds for them.

Revision ID: 9d4bab6670a0
Revises: 74e56e107b71
Create Date: 2026-12-02 03:49:01.969817

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "9d4bab6670a0"
down_revision = "74e56e107b71"
branch_labels = None
depends_on = None


OLD_KINDS = ("assigned", "due_soon", "overdue", "renewal_open", "certificate_issued")
NEW_KINDS = (*OLD_KINDS, "enrolled", "promoted", "session_changed", "session_reminder")


def _kinds_check(kinds) -> str:
    return "kind IN ({})".format(", ".join(f"'{kind}'" for kind in kinds))


def _replace_kinds(kinds) -> None:
    # SQLite cannot alter a constraint: batch mode copies the table with the new one.
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_notifications_known_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_notifications_known_kind"), _kinds_check(kinds))


def upgrade():
    _replace_kinds(NEW_KINDS)
    op.create_table(
        "calendar_feeds",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_calendar_feeds_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("token", name=op.f("uq_calendar_feeds_token")),
    )
    op.create_table(
        "training_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=True),
        sa.Column("activity_tag", sa.String(length=64), nullable=True),
        sa.Column("title_vi", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("venue", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("meeting_url", sa.String(length=500), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("enrol_opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("enrol_closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancel_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "mode IN ('in_person', 'online')", name=op.f("ck_training_sessions_known_mode")
        ),
        sa.CheckConstraint("capacity > 0", name=op.f("ck_training_sessions_positive_capacity")),
        sa.CheckConstraint(
            "enrol_closes_at > enrol_opens_at", name=op.f("ck_training_sessions_enrolment_window")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_training_sessions_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["module_id"], ["modules.id"], name=op.f("fk_training_sessions_module_id_modules")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_sessions")),
    )
    with op.batch_alter_table("training_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_training_sessions_module_id"), ["module_id"], unique=False
        )

    op.create_table(
        "session_enrolments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("enrolled_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('enrolled', 'waitlisted', 'cancelled')",
            name=op.f("ck_session_enrolments_known_status"),
        ),
        sa.ForeignKeyConstraint(
            ["enrolled_by_id"],
            ["users.id"],
            name=op.f("fk_session_enrolments_enrolled_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["training_sessions.id"],
            name=op.f("fk_session_enrolments_session_id_training_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_session_enrolments_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_enrolments")),
        sa.UniqueConstraint(
            "session_id", "user_id", name=op.f("uq_session_enrolments_session_id_user_id")
        ),
    )
    with op.batch_alter_table("session_enrolments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_session_enrolments_queue", ["session_id", "status", "queued_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_session_enrolments_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "session_positions",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("position_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["position_id"],
            ["positions.id"],
            name=op.f("fk_session_positions_position_id_positions"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["training_sessions.id"],
            name=op.f("fk_session_positions_session_id_training_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "position_id", name=op.f("pk_session_positions")),
    )
    op.create_table(
        "session_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_session_slots_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["training_sessions.id"],
            name=op.f("fk_session_slots_session_id_training_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_slots")),
    )
    with op.batch_alter_table("session_slots", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_session_slots_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "session_trainers",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["training_sessions.id"],
            name=op.f("fk_session_trainers_session_id_training_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_session_trainers_user_id_users")
        ),
        sa.PrimaryKeyConstraint("session_id", "user_id", name=op.f("pk_session_trainers")),
    )
    op.create_table(
        "session_units",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["training_sessions.id"],
            name=op.f("fk_session_units_session_id_training_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_units.id"], name=op.f("fk_session_units_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("session_id", "unit_id", name=op.f("pk_session_units")),
    )
    op.create_table(
        "session_attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "method IN ('sheet', 'qr')", name=op.f("ck_session_attendance_known_method")
        ),
        sa.CheckConstraint(
            "status IN ('attended', 'partly', 'absent')",
            name=op.f("ck_session_attendance_known_status"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_session_attendance_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["session_slots.id"],
            name=op.f("fk_session_attendance_slot_id_session_slots"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_session_attendance_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_attendance")),
        sa.UniqueConstraint(
            "slot_id", "user_id", name=op.f("uq_session_attendance_slot_id_user_id")
        ),
    )
    with op.batch_alter_table("session_attendance", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_session_attendance_slot_id"), ["slot_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_session_attendance_user_id"), ["user_id"], unique=False
        )


def downgrade():
    new_kinds = sa.table("notifications", sa.column("kind"))
    op.execute(sa.delete(new_kinds).where(new_kinds.c.kind.not_in(OLD_KINDS)))
    _replace_kinds(OLD_KINDS)
    with op.batch_alter_table("session_attendance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_attendance_user_id"))
        batch_op.drop_index(batch_op.f("ix_session_attendance_slot_id"))

    op.drop_table("session_attendance")
    op.drop_table("session_units")
    op.drop_table("session_trainers")
    with op.batch_alter_table("session_slots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_slots_session_id"))

    op.drop_table("session_slots")
    op.drop_table("session_positions")
    with op.batch_alter_table("session_enrolments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_enrolments_user_id"))
        batch_op.drop_index("ix_session_enrolments_queue")

    op.drop_table("session_enrolments")
    with op.batch_alter_table("training_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_sessions_module_id"))

    op.drop_table("training_sessions")
    op.drop_table("calendar_feeds")
