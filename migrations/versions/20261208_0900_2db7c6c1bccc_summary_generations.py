"""Two generations of the dashboards' summary rows: the daily rebuild writes the one not in
use and flips ``figures_as_of.generation``, so the dashboards read summary rows through it.

Revision ID: 2db7c6c1bccc
Revises: 1f847675cf61
Create Date: 2026-12-08 09:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "2db7c6c1bccc"
down_revision = "1f847675cf61"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("figures_as_of") as batch_op:
        batch_op.add_column(
            sa.Column("generation", sa.SmallInteger(), server_default="0", nullable=False)
        )


def downgrade():
    # Rows of the second generation (kinds 3 to 5) mean nothing without the column, and
    # the first may be gone: the old code aggregates live until its daily job rebuilds.
    op.execute(sa.text("DELETE FROM unit_people WHERE kind >= 3"))
    op.execute(sa.text("DELETE FROM unit_figures WHERE kind >= 3"))
    op.execute(sa.text("DELETE FROM unit_completions WHERE kind >= 3"))
    op.execute(sa.text("UPDATE figures_as_of SET day = NULL"))
    with op.batch_alter_table("figures_as_of") as batch_op:
        batch_op.drop_column("generation")
