"""Summary rows of the manager dashboards, kept current by the services that change progress.

Revision ID: 7e1f2a3b4c5d
Revises: 6d0e1f2a3b4c
Create Date: 2026-12-02 06:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7e1f2a3b4c5d"
down_revision = "6d0e1f2a3b4c"
branch_labels = None
depends_on = None

FIGURES = ("assignments", "completed", "in_progress", "not_started", "expired", "overdue")


def _summary_table(name: str, *columns: sa.Column) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.SmallInteger(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("position_id", sa.Integer(), nullable=False),
        *columns,
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )
    op.create_index(f"ix_{name}_kind", name, ["kind", "unit_id", "position_id"])


def upgrade():
    _summary_table(
        "unit_figures",
        sa.Column("module_id", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in FIGURES),
    )
    _summary_table("unit_people", sa.Column("people", sa.Integer(), nullable=False))
    _summary_table(
        "unit_completions",
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("completions", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
    )
    op.create_table(
        "figures_as_of",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("rebuilt_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_figures_as_of")),
    )


def downgrade():
    op.drop_table("figures_as_of")
    op.drop_table("unit_completions")
    op.drop_table("unit_people")
    op.drop_table("unit_figures")
