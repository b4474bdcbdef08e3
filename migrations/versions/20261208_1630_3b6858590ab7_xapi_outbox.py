"""The xAPI outbox: a statement per learning event, written in the event's transaction, and
its delivery to each configured Learning Record Store (docs/xapi.md).

Revision ID: 3b6858590ab7
Revises: 16967e3c7910
Create Date: 2026-12-08 16:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "3b6858590ab7"
down_revision = "16967e3c7910"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "xapi_statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("verb", sa.String(length=32), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_xapi_statements_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xapi_statements")),
        sa.UniqueConstraint("uuid", name=op.f("uq_xapi_statements_uuid")),
    )
    op.create_index(
        op.f("ix_xapi_statements_user_id"), "xapi_statements", ["user_id"], unique=False
    )
    op.create_table(
        "xapi_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("store", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("tries", sa.Integer(), server_default="0", nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'failed')",
            name=op.f("ck_xapi_deliveries_known_status"),
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["xapi_statements.id"],
            name=op.f("fk_xapi_deliveries_statement_id_xapi_statements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xapi_deliveries")),
        sa.UniqueConstraint(
            "statement_id", "store", name=op.f("uq_xapi_deliveries_statement_id_store")
        ),
    )
    op.create_index(
        "ix_xapi_deliveries_store_status",
        "xapi_deliveries",
        ["store", "status", "id"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_xapi_deliveries_store_status", table_name="xapi_deliveries")
    op.drop_table("xapi_deliveries")
    op.drop_index(op.f("ix_xapi_statements_user_id"), table_name="xapi_statements")
    op.drop_table("xapi_statements")
