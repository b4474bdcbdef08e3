"""OpenID Connect links: which account a provider's subject signs in as.

Revision ID: 16967e3c7910
Revises: 2db7c6c1bccc
Create Date: 2026-12-08 16:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "16967e3c7910"
down_revision = "2db7c6c1bccc"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "oidc_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_oidc_links_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oidc_links")),
        sa.UniqueConstraint("provider", "subject", name="uq_oidc_links_provider_subject"),
        sa.UniqueConstraint("provider", "user_id", name="uq_oidc_links_provider_user_id"),
    )
    op.create_index(op.f("ix_oidc_links_user_id"), "oidc_links", ["user_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_oidc_links_user_id"), table_name="oidc_links")
    op.drop_table("oidc_links")
