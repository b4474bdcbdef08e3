"""Bulk assignments: a module assigned to everyone of a unit (optionally one position's
holders there) runs as a job whose state, progress and result are kept in
``bulk_assignments``.

Revision ID: b7a3c1d2e4f5
Revises: a7c2e4f19b30
Create Date: 2026-12-08 19:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b7a3c1d2e4f5"
down_revision = "a7c2e4f19b30"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "bulk_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("position_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("only_missing", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("people_done", sa.Integer(), nullable=False),
        sa.Column("assigned", sa.Integer(), nullable=False),
        sa.Column("already_had", sa.Integer(), nullable=False),
        sa.Column("last_user_id", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=1000), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed')",
            name=op.f("ck_bulk_assignments_known_status"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_bulk_assignments_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["module_id"], ["modules.id"], name=op.f("fk_bulk_assignments_module_id_modules")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_units.id"], name=op.f("fk_bulk_assignments_unit_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["position_id"],
            ["positions.id"],
            name=op.f("fk_bulk_assignments_position_id_positions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulk_assignments")),
    )
    op.create_index("ix_bulk_assignments_actor", "bulk_assignments", ["actor_id", "id"])


def downgrade():
    op.drop_index("ix_bulk_assignments_actor", table_name="bulk_assignments")
    op.drop_table("bulk_assignments")
