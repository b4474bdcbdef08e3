import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from lms.extensions import db


def test_migrations_build_exactly_the_models(app):
    """The test database was upgraded from empty to head; autogenerate must find nothing."""
    with app.app_context():
        context = MigrationContext.configure(
            db.engines[None], opts={"compare_type": True, "render_as_batch": True}
        )
        assert compare_metadata(context, db.metadata) == []


def test_lms_db_upgrade_and_downgrade_from_the_command_line(tmp_path):
    from lms import create_app

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
            "LMS_INSTANCE_PATH": str(tmp_path),
        }
    )
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        assert "users" in sa.inspect(db.engine).get_table_names()
    assert runner.invoke(args=["db", "downgrade", "base"]).exit_code == 0
    with app.app_context():
        assert sa.inspect(db.engine).get_table_names() == ["alembic_version"]
