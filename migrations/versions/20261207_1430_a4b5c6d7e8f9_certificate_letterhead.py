"""The official layout of certificates and transcripts: national heading and motto, issuing
agency, place, signer and seal image, edited by admins.

Revision ID: a4b5c6d7e8f9
Revises: 9a3b4c5d6e7f
Create Date: 2026-12-07 14:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a4b5c6d7e8f9"
down_revision = "9a3b4c5d6e7f"
branch_labels = None
depends_on = None

TEXTS = {
    "heading": 200,
    "motto": 200,
    "governing_body": 200,
    "agency": 200,
    "place": 100,
    "signer_title": 200,
}


def upgrade():
    op.create_table(
        "certificate_letterhead",
        sa.Column("id", sa.Integer(), nullable=False),
        *[
            sa.Column(f"{name}_{language}", sa.String(length=length), nullable=False)
            for name, length in TEXTS.items()
            for language in ("vi", "en")
        ],
        sa.Column("signer_name", sa.String(length=200), nullable=False),
        sa.Column("seal_png", sa.LargeBinary(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_certificate_letterhead_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_letterhead")),
    )


def downgrade():
    op.drop_table("certificate_letterhead")
