"""The register of legal instruments (loaded by lms courses sync), reviews of module
versions, and the flags of modules that cite an instrument not in force.

Revision ID: 8f2a3b4c5d6e
Revises: 7e1f2a3b4c5d
Create Date: 2026-12-07 09:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "8f2a3b4c5d6e"
down_revision = "7e1f2a3b4c5d"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "legal_instruments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("issuer", sa.JSON(), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("short", sa.JSON(), nullable=False),
        sa.Column("issued", sa.Date(), nullable=False),
        sa.Column("in_force_from", sa.Date(), nullable=False),
        sa.Column("in_force_until", sa.Date(), nullable=True),
        sa.Column("replaced_by", sa.JSON(), nullable=False),
        sa.Column("amends", sa.JSON(), nullable=False),
        sa.Column("amended_by", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("confirmed", sa.Text(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_instruments")),
        sa.UniqueConstraint("number", name=op.f("uq_legal_instruments_number")),
        sa.UniqueConstraint("slug", name=op.f("uq_legal_instruments_slug")),
    )
    op.create_table(
        "module_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("unit", sa.String(length=200), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("register_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["users.id"],
            name=op.f("fk_module_reviews_reviewer_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["module_versions.id"],
            name=op.f("fk_module_reviews_version_id_module_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_module_reviews")),
    )
    op.create_index(
        op.f("ix_module_reviews_version_id"), "module_reviews", ["version_id"], unique=False
    )
    op.create_table(
        "law_flags",
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locations", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["module_id"], ["modules.id"], name=op.f("fk_law_flags_module_id_modules")
        ),
        sa.PrimaryKeyConstraint("module_id", "number", name=op.f("pk_law_flags")),
    )


def downgrade():
    op.drop_table("law_flags")
    op.drop_index(op.f("ix_module_reviews_version_id"), table_name="module_reviews")
    op.drop_table("module_reviews")
    op.drop_table("legal_instruments")
