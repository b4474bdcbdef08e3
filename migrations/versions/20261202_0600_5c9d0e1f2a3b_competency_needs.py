"""Competency framework, position standards, evidence of levels, effectiveness ratings.

Revision ID: 5c9d0e1f2a3b
Revises: 15e8dddebba1
Create Date: 2026-12-02 06:00:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = "5c9d0e1f2a3b"
down_revision = "15e8dddebba1"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
