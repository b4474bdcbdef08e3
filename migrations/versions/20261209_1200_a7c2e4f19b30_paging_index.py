"""The API's lists page on (updated_at, id): one index on both columns per listed table, so a
page is an index scan however many rows share one ``updated_at`` (a bulk load gives
thousands the same moment, and an index on ``updated_at`` alone then sorts them all for
every page).

Revision ID: a7c2e4f19b30
Revises: f444979166fe
Create Date: 2026-12-09 12:00:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "a7c2e4f19b30"
down_revision = "f444979166fe"
branch_labels = None
depends_on = None

LISTED = (
    "users",
    "org_units",
    "positions",
    "position_assignments",
    "modules",
    "module_assignments",
    "module_progress",
    "certificates",
)


def upgrade():
    for table in LISTED:
        op.create_index(f"ix_{table}_updated_at_id", table, ["updated_at", "id"])
        op.drop_index(f"ix_{table}_updated_at", table_name=table)


def downgrade():
    for table in LISTED:
        op.create_index(f"ix_{table}_updated_at", table, ["updated_at"])
        op.drop_index(f"ix_{table}_updated_at_id", table_name=table)
