"""Summary rows of the manager dashboards, kept current by the services that change progress.

Revision ID: 7e1f2a3b4c5d
Revises: 6d0e1f2a3b4c
Create Date: 2026-12-02 06:20:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = "7e1f2a3b4c5d"
down_revision = "6d0e1f2a3b4c"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
