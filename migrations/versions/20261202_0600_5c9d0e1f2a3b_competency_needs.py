"""Competency framework, position standards, evidence of levels, effectiveness ratings.

Revision ID: 5c9d0e1f2a3b
Revises: 15e8dddebba1
Create Date: 2026-12-02 06:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5c9d0e1f2a3b"
down_revision = "15e8dddebba1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "competency_areas",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name_vi", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_competency_areas")),
    )
    op.create_table(
        "competencies",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("area_code", sa.String(length=16), nullable=False),
        sa.Column("name_vi", sa.String(length=300), nullable=False),
        sa.Column("name_en", sa.String(length=300), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_code"],
            ["competency_areas.code"],
            name=op.f("fk_competencies_area_code_competency_areas"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_competencies")),
    )
    with op.batch_alter_table("competencies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_competencies_area_code"), ["area_code"], unique=False)

    op.create_table(
        "followup_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("rated_by_id", sa.Integer(), nullable=True),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("rating BETWEEN 1 AND 4", name=op.f("ck_followup_ratings_rating_range")),
        sa.ForeignKeyConstraint(
            ["module_id"], ["modules.id"], name=op.f("fk_followup_ratings_module_id_modules")
        ),
        sa.ForeignKeyConstraint(
            ["rated_by_id"],
            ["users.id"],
            name=op.f("fk_followup_ratings_rated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_followup_ratings_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup_ratings")),
        sa.UniqueConstraint(
            "user_id", "module_id", name=op.f("uq_followup_ratings_user_id_module_id")
        ),
    )
    with op.batch_alter_table("followup_ratings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_followup_ratings_module_id"), ["module_id"], unique=False
        )

    op.create_table(
        "position_needs_settings",
        sa.Column("position_id", sa.Integer(), nullable=False),
        sa.Column("auto_assign", sa.Boolean(), nullable=False),
        sa.Column("due_days", sa.Integer(), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "due_days > 0", name=op.f("ck_position_needs_settings_due_days_positive")
        ),
        sa.ForeignKeyConstraint(
            ["position_id"],
            ["positions.id"],
            name=op.f("fk_position_needs_settings_position_id_positions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["set_by_id"],
            ["users.id"],
            name=op.f("fk_position_needs_settings_set_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("position_id", name=op.f("pk_position_needs_settings")),
    )
    op.create_table(
        "competency_gaps",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("competency_code", sa.String(length=16), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("required", sa.Integer(), nullable=False),
        sa.Column("current", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["competency_code"],
            ["competencies.code"],
            name=op.f("fk_competency_gaps_competency_code_competencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["org_units.id"],
            name=op.f("fk_competency_gaps_unit_id_org_units"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_competency_gaps_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "competency_code", name=op.f("pk_competency_gaps")),
    )
    with op.batch_alter_table("competency_gaps", schema=None) as batch_op:
        batch_op.create_index(
            "ix_competency_gaps_unit", ["unit_id", "competency_code"], unique=False
        )

    op.create_table(
        "competency_gap_counts",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("competency_code", sa.String(length=16), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("levels", sa.Integer(), nullable=False),
        sa.Column("gap1", sa.Integer(), nullable=False),
        sa.Column("gap2", sa.Integer(), nullable=False),
        sa.Column("gap3", sa.Integer(), nullable=False),
        sa.Column("required", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["competency_code"],
            ["competencies.code"],
            name=op.f("fk_competency_gap_counts_competency_code_competencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["org_units.id"],
            name=op.f("fk_competency_gap_counts_unit_id_org_units"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "unit_id", "competency_code", name=op.f("pk_competency_gap_counts")
        ),
    )
    op.create_table(
        "competency_levels",
        sa.Column("competency_code", sa.String(length=16), nullable=False),
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("description_vi", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.CheckConstraint("level BETWEEN 1 AND 4", name=op.f("ck_competency_levels_level_range")),
        sa.ForeignKeyConstraint(
            ["competency_code"],
            ["competencies.code"],
            name=op.f("fk_competency_levels_competency_code_competencies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("competency_code", "level", name=op.f("pk_competency_levels")),
    )
    op.create_table(
        "position_standards",
        sa.Column("position_id", sa.Integer(), nullable=False),
        sa.Column("competency_code", sa.String(length=16), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.CheckConstraint("level BETWEEN 1 AND 4", name=op.f("ck_position_standards_level_range")),
        sa.ForeignKeyConstraint(
            ["competency_code"],
            ["competencies.code"],
            name=op.f("fk_position_standards_competency_code_competencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["position_id"],
            ["positions.id"],
            name=op.f("fk_position_standards_position_id_positions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "position_id", "competency_code", name=op.f("pk_position_standards")
        ),
    )
    with op.batch_alter_table("position_standards", schema=None) as batch_op:
        batch_op.create_index("ix_position_standards_competency", ["competency_code"], unique=False)

    op.create_table(
        "competency_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("competency_code", sa.String(length=16), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("module_id", sa.Integer(), nullable=True),
        sa.Column("attempt_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "source IN ('self', 'manager', 'test', 'completion')",
            name=op.f("ck_competency_evidence_known_source"),
        ),
        sa.CheckConstraint(
            "level BETWEEN 0 AND 4", name=op.f("ck_competency_evidence_level_range")
        ),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["quiz_attempts.id"],
            name=op.f("fk_competency_evidence_attempt_id_quiz_attempts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["competency_code"],
            ["competencies.code"],
            name=op.f("fk_competency_evidence_competency_code_competencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["module_id"], ["modules.id"], name=op.f("fk_competency_evidence_module_id_modules")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_competency_evidence_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_competency_evidence_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competency_evidence")),
    )
    with op.batch_alter_table("competency_evidence", schema=None) as batch_op:
        batch_op.create_index(
            "ix_competency_evidence_user", ["user_id", "competency_code"], unique=False
        )

    op.create_table(
        "needs_test_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('pre', 'post')", name=op.f("ck_needs_test_results_known_kind")
        ),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_needs_test_results_activity_id_activities"),
        ),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["quiz_attempts.id"],
            name=op.f("fk_needs_test_results_attempt_id_quiz_attempts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["module_id"], ["modules.id"], name=op.f("fk_needs_test_results_module_id_modules")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_needs_test_results_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_needs_test_results")),
        sa.UniqueConstraint("attempt_id", name=op.f("uq_needs_test_results_attempt_id")),
    )
    with op.batch_alter_table("needs_test_results", schema=None) as batch_op:
        batch_op.create_index(
            "ix_needs_test_results_module", ["module_id", "kind", "user_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("needs_test_results", schema=None) as batch_op:
        batch_op.drop_index("ix_needs_test_results_module")

    op.drop_table("needs_test_results")
    with op.batch_alter_table("competency_evidence", schema=None) as batch_op:
        batch_op.drop_index("ix_competency_evidence_user")

    op.drop_table("competency_evidence")
    with op.batch_alter_table("position_standards", schema=None) as batch_op:
        batch_op.drop_index("ix_position_standards_competency")

    op.drop_table("position_standards")
    op.drop_table("competency_levels")
    op.drop_table("competency_gap_counts")
    with op.batch_alter_table("competency_gaps", schema=None) as batch_op:
        batch_op.drop_index("ix_competency_gaps_unit")

    op.drop_table("competency_gaps")
    op.drop_table("position_needs_settings")
    with op.batch_alter_table("followup_ratings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_followup_ratings_module_id"))

    op.drop_table("followup_ratings")
    with op.batch_alter_table("competencies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_competencies_area_code"))

    op.drop_table("competencies")
    op.drop_table("competency_areas")
