"""Web authoring of modules: drafts, co-authors, uploaded media.

Revision ID: 6d0e1f2a3b4c
Revises: 5c9d0e1f2a3b
Create Date: 2026-12-02 06:10:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = "6d0e1f2a3b4c"
down_revision = "5c9d0e1f2a3b"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
