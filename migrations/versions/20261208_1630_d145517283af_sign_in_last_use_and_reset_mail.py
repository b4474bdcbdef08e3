"""Sign-ins remember when they were last used (the sessions page shows it; old ones are
purged by it), and notifications gain the kind of the password-reset e-mail.

Revision ID: d145517283af
Revises: 75761bf79550
Create Date: 2026-12-08 16:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d145517283af"
down_revision = "75761bf79550"
branch_labels = None
depends_on = None

OLD_KINDS = (
    "assigned",
    "due_soon",
    "overdue",
    "renewal_open",
    "certificate_issued",
    "enrolled",
    "promoted",
    "session_changed",
    "session_reminder",
)
NEW_KINDS = (*OLD_KINDS, "password_reset")


def _replace_kinds(kinds) -> None:
    # SQLite cannot alter a constraint: batch mode copies the table with the new one.
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_notifications_known_kind"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_notifications_known_kind"),
            "kind IN ({})".format(", ".join(f"'{kind}'" for kind in kinds)),
        )


def upgrade():
    with op.batch_alter_table("sign_ins", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
    _replace_kinds(NEW_KINDS)


def downgrade():
    notifications = sa.table("notifications", sa.column("kind"))
    op.execute(sa.delete(notifications).where(notifications.c.kind.not_in(OLD_KINDS)))
    _replace_kinds(OLD_KINDS)
    with op.batch_alter_table("sign_ins", schema=None) as batch_op:
        batch_op.drop_column("last_used_at")
