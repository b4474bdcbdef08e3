"""Modules with immutable versions, activities, competencies and media; learner progress.

Revision ID: 904fcdeb7ec6
Revises: ce30eecd17c6
Create Date: 2026-11-22 14:28:33.211528

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "904fcdeb7ec6"
down_revision = "ce30eecd17c6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "media_blobs",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_media_blobs")),
    )
    op.create_table(
        "modules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_modules")),
        sa.UniqueConstraint("slug", name=op.f("uq_modules_slug")),
    )
    op.create_table(
        "module_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("manifest", sa.JSON(), nullable=False),
        sa.Column("estimated_minutes", sa.Integer(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("language_codes", sa.String(length=32), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["module_id"], ["modules.id"], name=op.f("fk_module_versions_module_id_modules")
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["users.id"],
            name=op.f("fk_module_versions_published_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_module_versions")),
        sa.UniqueConstraint(
            "module_id", "number", name=op.f("uq_module_versions_module_id_number")
        ),
    )
    with op.batch_alter_table("module_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_module_versions_module_id"), ["module_id"], unique=False
        )

    op.create_table(
        "activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("type_id", sa.String(length=64), nullable=False),
        sa.Column("titles", sa.JSON(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["module_versions.id"],
            name=op.f("fk_activities_version_id_module_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
        sa.UniqueConstraint("version_id", "key", name=op.f("uq_activities_version_id_key")),
        sa.UniqueConstraint(
            "version_id", "position", name=op.f("uq_activities_version_id_position")
        ),
    )
    op.create_table(
        "module_competencies",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["module_versions.id"],
            name=op.f("fk_module_competencies_version_id_module_versions"),
        ),
        sa.PrimaryKeyConstraint("version_id", "code", name=op.f("pk_module_competencies")),
    )
    with op.batch_alter_table("module_competencies", schema=None) as batch_op:
        batch_op.create_index("ix_module_competencies_code", ["code"], unique=False)

    op.create_table(
        "version_media",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["sha256"], ["media_blobs.sha256"], name=op.f("fk_version_media_sha256_media_blobs")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["module_versions.id"],
            name=op.f("fk_version_media_version_id_module_versions"),
        ),
        sa.PrimaryKeyConstraint("version_id", "path", name=op.f("pk_version_media")),
    )
    with op.batch_alter_table("version_media", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_version_media_sha256"), ["sha256"], unique=False)

    op.create_table(
        "module_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("progress_pct", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_activity_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "state IN ('in_progress', 'completed')", name=op.f("ck_module_progress_known_state")
        ),
        sa.ForeignKeyConstraint(
            ["last_activity_id"],
            ["activities.id"],
            name=op.f("fk_module_progress_last_activity_id_activities"),
        ),
        sa.ForeignKeyConstraint(
            ["module_id"], ["modules.id"], name=op.f("fk_module_progress_module_id_modules")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_module_progress_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["module_versions.id"],
            name=op.f("fk_module_progress_version_id_module_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_module_progress")),
        sa.UniqueConstraint(
            "user_id", "version_id", name=op.f("uq_module_progress_user_id_version_id")
        ),
    )
    with op.batch_alter_table("module_progress", schema=None) as batch_op:
        batch_op.create_index(
            "ix_module_progress_module_state", ["module_id", "state"], unique=False
        )
        batch_op.create_index(
            "ix_module_progress_user_module", ["user_id", "module_id"], unique=False
        )

    op.create_table(
        "activity_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("module_progress_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('in_progress', 'completed')", name=op.f("ck_activity_progress_known_state")
        ),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_activity_progress_activity_id_activities"),
        ),
        sa.ForeignKeyConstraint(
            ["module_progress_id"],
            ["module_progress.id"],
            name=op.f("fk_activity_progress_module_progress_id_module_progress"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_activity_progress_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_progress")),
        sa.UniqueConstraint(
            "user_id", "activity_id", name=op.f("uq_activity_progress_user_id_activity_id")
        ),
    )
    with op.batch_alter_table("activity_progress", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_activity_progress_activity_id"), ["activity_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_activity_progress_module_progress_id"),
            ["module_progress_id"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("activity_progress", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activity_progress_module_progress_id"))
        batch_op.drop_index(batch_op.f("ix_activity_progress_activity_id"))

    op.drop_table("activity_progress")
    with op.batch_alter_table("module_progress", schema=None) as batch_op:
        batch_op.drop_index("ix_module_progress_user_module")
        batch_op.drop_index("ix_module_progress_module_state")

    op.drop_table("module_progress")
    with op.batch_alter_table("version_media", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_version_media_sha256"))

    op.drop_table("version_media")
    with op.batch_alter_table("module_competencies", schema=None) as batch_op:
        batch_op.drop_index("ix_module_competencies_code")

    op.drop_table("module_competencies")
    op.drop_table("activities")
    with op.batch_alter_table("module_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_module_versions_module_id"))

    op.drop_table("module_versions")
    op.drop_table("modules")
    op.drop_table("media_blobs")
