"""Web authoring of modules: drafts, co-authors, uploaded media.

Revision ID: 6d0e1f2a3b4c
Revises: 5c9d0e1f2a3b
Create Date: 2026-12-02 06:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "6d0e1f2a3b4c"
down_revision = "5c9d0e1f2a3b"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "module_drafts",
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("base_version_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["base_version_id"],
            ["module_versions.id"],
            name=op.f("fk_module_drafts_base_version_id_module_versions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["modules.id"],
            name=op.f("fk_module_drafts_module_id_modules"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_module_drafts_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("module_id", name=op.f("pk_module_drafts")),
    )
    op.create_table(
        "module_authors",
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("is_owner", sa.Boolean(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["modules.id"],
            name=op.f("fk_module_authors_module_id_modules"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_module_authors_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("module_id", "user_id", name=op.f("pk_module_authors")),
    )
    with op.batch_alter_table("module_authors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_module_authors_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("module_authors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_module_authors_user_id"))
    op.drop_table("module_authors")
    op.drop_table("module_drafts")
