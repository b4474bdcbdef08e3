"""Targets of the manager dashboards: a share of a unit's people (holding a position, or
any) to complete a module or hold the position certificate by a date.

Revision ID: 15e8dddebba1
Revises: 9d4bab6670a0
Create Date: 2026-12-02 04:39:53.352675

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "15e8dddebba1"
down_revision = "9d4bab6670a0"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("position_id", sa.Integer(), nullable=True),
        sa.Column("module_id", sa.Integer(), nullable=True),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "module_id IS NOT NULL OR position_id IS NOT NULL",
            name=op.f("ck_targets_certificate_has_position"),
        ),
        sa.CheckConstraint("percent BETWEEN 1 AND 100", name=op.f("ck_targets_percent_range")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_targets_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["module_id"], ["modules.id"], name=op.f("fk_targets_module_id_modules")
        ),
        sa.ForeignKeyConstraint(
            ["position_id"], ["positions.id"], name=op.f("fk_targets_position_id_positions")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_units.id"], name=op.f("fk_targets_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_targets")),
    )
    with op.batch_alter_table("targets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_targets_unit_id"), ["unit_id"], unique=False)


def downgrade():
    with op.batch_alter_table("targets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_targets_unit_id"))

    op.drop_table("targets")
