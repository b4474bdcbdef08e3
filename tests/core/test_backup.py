"""A backup restored into an empty database is the site as it was when the backup began: a
certificate issued before it verifies on the public page, and a learner's quiz attempts and
answers are intact. SQLite: ``lms db backup`` (SQLite's online backup API), then an app on
the restored file. PostgreSQL: ``lms db backup`` (pg_dump -Fc), then pg_restore into a new
database of the shared server, made and dropped by the test."""

import shutil
import subprocess
import uuid
from contextlib import contextmanager
from datetime import date

import sqlalchemy as sa
from click.testing import CliRunner
from flask_migrate import upgrade

from lms import create_app
from lms.assessment.models import AttemptAnswer, QuizAttempt
from lms.certificates.models import Certificate
from lms.certificates.services import display_code
from lms.cli import lms_command
from lms.extensions import db
from lms.testing.courses import sync, write_course
from lms.testing.databases import postgres_url
from lms.testing.factories import Factories
from lms.testing.plugin import Client
from lms.testing.plugin import testing_config as settings_for_tests
from tests.core.servers import unavailable

# In bank order (the quiz does not shuffle): slot 0 is true, slot 1 false.
QUIZ = "::sky:: The sky is blue on a clear day. {T}\n\n::fire:: Fire is cold. {F}\n"


@contextmanager
def empty_database(kind: str, folder):
    """The URL of a new, empty database: a file of its own, or a database of its own on the
    shared PostgreSQL server, dropped on leaving."""
    if kind == "sqlite":
        folder.mkdir()
        yield f"sqlite:///{folder / 'lms.sqlite3'}"
        return
    server = sa.create_engine(postgres_url(), isolation_level="AUTOCOMMIT")
    name = f"lms_{folder.name}_{uuid.uuid4().hex[:10]}"
    with server.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(postgres_url()).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@contextmanager
def site(url: str, instance):
    app = create_app(settings_for_tests(url, instance))
    app.test_client_class = Client
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()


def learner_record(app) -> dict:
    """The learner's attempts with their answers, and the certificates, as stored."""
    with app.app_context():
        attempts = db.session.execute(
            sa.select(
                QuizAttempt.id,
                QuizAttempt.number,
                QuizAttempt.state,
                QuizAttempt.score,
                QuizAttempt.slots,
                QuizAttempt.started_at,
                QuizAttempt.finished_at,
            ).order_by(QuizAttempt.id)
        ).all()
        answers = db.session.execute(
            sa.select(
                AttemptAnswer.attempt_id, AttemptAnswer.slot, AttemptAnswer.response
            ).order_by(AttemptAnswer.attempt_id, AttemptAnswer.slot)
        ).all()
        certificates = db.session.execute(
            sa.select(
                Certificate.id, Certificate.code, Certificate.serial, Certificate.kind
            ).order_by(Certificate.id)
        ).all()
    return {"attempts": attempts, "answers": answers, "certificates": certificates}


def build_history(app, tmp_path):
    """A learner who passed a module's quiz at the second attempt, which completed the
    module and its position's curriculum: a certificate for each."""
    with app.app_context():
        upgrade()
    write_course(tmp_path / "courses", "chu-ky-so", lessons=1, title_vi="Chữ ký số", quiz=QUIZ)
    sync(app, tmp_path / "courses")
    factory = Factories(app)
    ward = factory.unit(kind="ward", code="LC", name_vi="Phường Lê Chân")
    position = factory.position(code="MC", name_vi="Công chức một cửa")
    learner = factory.user(full_name="Phạm Thị Lan", username="lan", locale="en")
    factory.assignment(learner, position, ward, starts_on=date(2026, 1, 1))
    factory.curriculum_item(position, "chu-ky-so", validity_months=24)
    factory.complete_lessons(learner, "chu-ky-so")
    failed = factory.quiz_attempt(learner, "chu-ky-so", "check", {"answer-0": "true"})
    passed = factory.quiz_attempt(
        learner, "chu-ky-so", "check", {"answer-0": "true", "answer-1": "false"}
    )
    assert (failed.score, passed.score) == (0.5, 1.0)
    return learner


def restore(kind: str, backup, url: str) -> None:
    """Put the backup into the empty database at ``url``, as docs/operations.md says."""
    if kind == "sqlite":
        shutil.copyfile(backup, sa.make_url(url).database)
        return
    program = shutil.which("pg_restore")
    if program is None:
        unavailable("pg_restore")
    libpq = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    subprocess.run(
        [program, "--no-owner", "--exit-on-error", "--dbname", libpq, str(backup)],
        check=True,
        capture_output=True,
    )


def test_a_restored_backup_verifies_certificates_and_keeps_attempts(
    database_kind, tmp_path, login_as
):
    if database_kind == "postgresql" and shutil.which("pg_dump") is None:
        unavailable("pg_dump")
    backup = tmp_path / "backup"
    with empty_database(database_kind, tmp_path / "source") as url, site(url, tmp_path) as app:
        learner = build_history(app, tmp_path)
        before = learner_record(app)
        assert len(before["attempts"]) == 2 and len(before["answers"]) == 3
        assert [row.kind for row in before["certificates"]] == ["module", "position"]
        # The site keeps running: a request's write is under way, uncommitted, as the
        # backup starts. The backup neither waits for it nor holds any of it.
        with app.app_context():
            engine = db.engine
        with engine.connect() as writer, writer.begin() as under_way:
            writer.execute(
                sa.text("UPDATE users SET full_name = 'Chưa lưu' WHERE id = :id"),
                {"id": learner.id},
            )
            result = backup_command(app, backup)
            under_way.rollback()
        assert result.exit_code == 0, result.output
        assert f"Backed up the database to {backup}" in result.output
        assert backup.stat().st_mode & 0o077 == 0, "readable by its owner only"

    with empty_database(database_kind, tmp_path / "restore") as url:
        restore(database_kind, backup, url)
        with site(url, tmp_path) as restored:
            check_restored(restored, before, learner, login_as)


def check_restored(restored, before, learner, login_as) -> None:
    """The restored site: at the code's schema, the learner's record as it was, every
    certificate valid on the public page, the learner's attempts on the quiz page."""
    client = restored.test_client()
    assert client.get("/readyz").json["checks"]["migrations"] == "current"
    assert learner_record(restored) == before
    for _id, code, serial, _kind in before["certificates"]:
        page = client.get(f"/verify/{display_code(code)}")
        text = page.get_data(as_text=True)
        assert page.status_code == 200
        assert "Giấy chứng nhận còn hiệu lực" in text
        assert serial in text and "Phạm Thị Lan" in text and "Chưa lưu" not in text
    login_as(client, learner)  # the password's hash came back too
    quiz = client.get("/modules/chu-ky-so/check").get_data(as_text=True)
    assert "Your grade: 100%. You passed this quiz." in " ".join(quiz.split())
    assert "<td>50%</td>" in quiz and "<td>100%</td>" in quiz


def backup_command(app, target):
    return CliRunner().invoke(lms_command(lambda: app), ["db", "backup", str(target)])


def test_a_backup_never_overwrites_a_file(tmp_path):
    kept = tmp_path / "kept"
    kept.write_text("an earlier backup")
    with site(f"sqlite:///{tmp_path / 'lms.sqlite3'}", tmp_path) as app:
        result = backup_command(app, kept)
    assert result.exit_code == 1
    assert "exists already" in result.output
    assert kept.read_text() == "an earlier backup"


def test_without_pg_dump_a_postgresql_backup_says_what_to_run(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs"))
    with site("postgresql+psycopg://lms@127.0.0.1:5432/lms", tmp_path) as app:
        result = backup_command(app, tmp_path / "lms.dump")
    assert result.exit_code == 1
    assert "pg_dump is not installed here" in result.output
    assert "pg_dump -Fc -f FILE" in result.output
    assert not (tmp_path / "lms.dump").exists()
