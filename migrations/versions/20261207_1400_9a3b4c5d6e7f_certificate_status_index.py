"""Each certificate's entry in the Bitstring Status List of its Open Badges credential:
existing certificates get theirs in order of issue.

Revision ID: 9a3b4c5d6e7f
Revises: dceea9da21e6
Create Date: 2026-12-07 14:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "9a3b4c5d6e7f"
down_revision = "dceea9da21e6"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("certificates") as batch:
        batch.add_column(sa.Column("status_index", sa.Integer(), nullable=True))
    # One statement for every row, the window computed once (UPDATE … FROM: PostgreSQL, and
    # SQLite since 3.33); a correlated subquery would number the whole table again per row.
    op.execute(
        "UPDATE certificates SET status_index = numbered.position - 1"
        " FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY issued_at, id) AS position"
        "       FROM certificates) AS numbered"
        " WHERE numbered.id = certificates.id"
    )
    with op.batch_alter_table("certificates") as batch:
        batch.alter_column("status_index", existing_type=sa.Integer(), nullable=False)
        batch.create_unique_constraint(batch.f("uq_certificates_status_index"), ["status_index"])


def downgrade():
    with op.batch_alter_table("certificates") as batch:
        batch.drop_constraint(batch.f("uq_certificates_status_index"), type_="unique")
        batch.drop_column("status_index")
