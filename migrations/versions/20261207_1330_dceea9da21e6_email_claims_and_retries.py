"""E-mail of notifications sent by several senders at once and retried: the tries made, when
the next may be made, and the claim a sender holds on SQLite while it sends. Senders walk the
pending e-mail by (status, id).

Revision ID: dceea9da21e6
Revises: 8f2a3b4c5d6e
Create Date: 2026-12-07 13:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "dceea9da21e6"
down_revision = "8f2a3b4c5d6e"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("email_tries", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("email_next_attempt_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("email_claimed_by", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("email_claimed_until", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.drop_index("ix_notifications_email_status")
        batch_op.create_index(
            "ix_notifications_email_status", ["email_status", "id"], unique=False
        )
    # Every e-mail tried before was tried once (a failure then was final).
    op.execute("UPDATE notifications SET email_tries = 1 WHERE email_attempted_at IS NOT NULL")


def downgrade():
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_email_status")
        batch_op.create_index("ix_notifications_email_status", ["email_status"], unique=False)
        batch_op.drop_column("email_claimed_until")
        batch_op.drop_column("email_claimed_by")
        batch_op.drop_column("email_next_attempt_at")
        batch_op.drop_column("email_tries")
