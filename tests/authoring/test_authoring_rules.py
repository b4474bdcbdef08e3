"""The rules of authoring: versions and learners, ownership, refused uploads, export and
import through the plugin checks, the audit log."""

import io
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from authoring_helpers import EXE, PNG, SLUG, build_module, count, post, publish, text_of

from lms import create_app
from lms.accounts import services as accounts
from lms.accounts.models import User
from lms.assessment.questions import item_id
from lms.authoring import services
from lms.authoring.models import ModuleDraft
from lms.catalogue.models import MediaBlob, Module, ModuleVersion
from lms.core.models import AuditEntry
from lms.core.permissions import Role
from lms.extensions import db
from lms.plugins import registry_of
from lms.testing.plugin import testing_config as config_for

CORPORA = Path(__file__).parents[1] / "data" / "corpora"


def _hash(app, slug=SLUG) -> str:
    with app.app_context():
        return db.session.scalar(
            sa.select(ModuleVersion.content_hash)
            .join(Module, Module.id == ModuleVersion.module_id)
            .where(Module.slug == slug)
            .order_by(ModuleVersion.number.desc())
            .limit(1)
        )


def _learner_completes(client, slug=SLUG):
    for key in ("bai-1", "bai-2"):
        response = post(client, f"/modules/{slug}/{key}", {"action": "done"})
        assert response.status_code == 302
    post(client, f"/modules/{slug}/kiem-tra", {"action": "start"})
    page = client.get(f"/modules/{slug}/kiem-tra").get_data(as_text=True)
    attempt = page.split('name="attempt" value="')[1].split('"')[0]
    answers = {
        "answer-0": item_id("Xác thực người ký"),
        "answer-1": item_id("Tổ chức cung cấp dịch vụ chứng thực"),
        "answer-2": "true",
        "answer-3": "false",
        "answer-4": "Digital Signature",
        "attempt": attempt,
        "action": "submit",
    }
    response = post(client, f"/modules/{slug}/kiem-tra", answers)
    assert response.status_code == 302


def test_republishing_keeps_a_learners_completion_on_version_1(app, client, people, login_as):
    login_as(client, people.trainer)
    base = build_module(client)
    publish(client)
    learner = app.test_client()
    login_as(learner, people.learner)
    _learner_completes(learner)
    page = text_of(learner.get(f"/modules/{SLUG}"))
    assert "flash-success" in page  # completed
    response = post(
        client,
        f"{base}/lessons/bai-2",
        {
            "title_vi": "Bài 2",
            "text_vi": "## Bảo vệ khóa\n\nĐổi mật khẩu token.\n",
            "action": "save",
        },
    )
    assert response.status_code == 302
    publish(client)
    with app.app_context():
        numbers = db.session.scalars(
            sa.select(ModuleVersion.number)
            .join(Module, Module.id == ModuleVersion.module_id)
            .where(Module.slug == SLUG)
        ).all()
    assert sorted(numbers) == [1, 2]
    page = text_of(learner.get(f"/modules/{SLUG}"))
    assert f"/modules/{SLUG}/move" in page  # told that version 2 exists
    assert "(2)" in page
    versions = text_of(client.get(f"{base}/versions?from=1&to=2"))
    assert "lessons/vi/bai-2.md" in versions and "Đổi mật khẩu token." in versions
    assert "<ins>+ Đổi mật khẩu token.</ins>" in versions


def test_editing_works_on_a_draft_that_can_be_discarded(app, client, people, login_as):
    login_as(client, people.trainer)
    base = build_module(client)
    publish(client)
    post(client, f"{base}/activities/bai-2/remove")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ModuleDraft)) == 1
    post(client, f"{base}/discard")
    assert count(app, ModuleDraft) == 0
    assert "bai-2" in client.get(base).get_data(as_text=True)


def test_activities_are_reordered(client, people, login_as):
    login_as(client, people.trainer)
    base = build_module(client)
    post(client, f"{base}/activities/kiem-tra/move", {"direction": "up"})
    order = client.get(base).get_data(as_text=True)
    assert order.index("/quizzes/kiem-tra") < order.index("/lessons/bai-2")


def test_refused_uploads_say_why_and_save_nothing(app, client, people, login_as):
    login_as(client, people.trainer)
    base = build_module(client)
    blobs = count(app, MediaBlob)
    for name, data, message in (
        ("anh.png", EXE, "PNG"),
        ("lon.png", PNG + b"\0" * (5 * 1024 * 1024), "5 MiB"),
        ("so-do.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script>', "PNG"),
    ):
        response = client.post(
            f"{base}/media",
            data={"csrf_token": client.csrf_token(), "file": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
            follow_redirects=True,
        )
        assert message in text_of(response)
        assert "flash-error" in text_of(response)
    assert count(app, MediaBlob) == blobs
    with app.app_context():
        draft = db.session.scalars(sa.select(ModuleDraft)).one()
        assert list(draft.data["media"]) == ["so-do.png"]


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return buffer.getvalue()


def _export(client) -> bytes:
    response = client.get(f"/authoring/modules/{SLUG}/export")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    return response.data


def _upload_zip(client, data: bytes):
    return client.post(
        "/authoring/import",
        data={"csrf_token": client.csrf_token(), "package": (io.BytesIO(data), "module.zip")},
        content_type="multipart/form-data",
    )


def test_hostile_or_broken_zips_are_refused_with_every_problem(app, client, people, login_as):
    with app.app_context():  # the problems below are quoted in English
        db.session.get(User, people.trainer.id).locale = "en"
        db.session.commit()
    login_as(client, people.trainer)
    build_module(client)
    publish(client)
    exported = zipfile.ZipFile(io.BytesIO(_export(client)))
    files = {
        name.replace(SLUG, "nhap-khau", 1): exported.read(name) for name in exported.namelist()
    }
    manifest = files["nhap-khau/manifest.toml"].decode().replace(SLUG, "nhap-khau")
    files["nhap-khau/manifest.toml"] = manifest.encode()
    modules, audits = count(app, Module), count(app, AuditEntry)
    with_hooks = _zip({**files, "nhap-khau/hooks.py": b"import os\nos.system('id')\n"})
    response = _upload_zip(client, with_hooks)
    assert response.status_code == 422
    assert "hooks.py" in text_of(response) and "code is not allowed" in text_of(response)
    broken = _zip({**files, "nhap-khau/manifest.toml": b"id = 'nhap-khau\nschema = ["})
    response = _upload_zip(client, broken)
    assert response.status_code == 422
    assert "manifest.toml" in text_of(response) and "(syntax)" in text_of(response)
    escaping = _zip({**files, "../../etc/evil.md": b"x"})
    response = _upload_zip(client, escaping)
    assert response.status_code == 422 and "not allowed" in text_of(response)
    response = _upload_zip(client, b"not a zip")
    assert response.status_code == 422
    assert count(app, Module) == modules
    assert count(app, AuditEntry) == audits
    # The same files without the code import fine.
    response = _upload_zip(client, _zip(files))
    assert response.status_code == 302
    assert _hash(app, "nhap-khau")


def test_export_validates_and_imports_into_a_fresh_database_to_the_same_hash(
    app, client, people, login_as, tmp_path
):
    login_as(client, people.trainer)
    build_module(client)
    publish(client)
    data = _export(client)
    original = _hash(app)
    folder = tmp_path / "unzipped"
    zipfile.ZipFile(io.BytesIO(data)).extractall(folder)
    assert not list(folder.rglob("*.py"))
    result = app.test_cli_runner().invoke(args=["courses", "validate", str(folder / SLUG)])
    assert result.exit_code == 0, result.output
    fresh = create_app(config_for(f"sqlite:///{tmp_path / 'fresh.sqlite3'}", tmp_path / "instance"))
    with fresh.app_context():
        from flask_migrate import upgrade

        upgrade()
    with fresh.test_request_context():
        trainer = accounts.create_user(
            None,
            username="tinh-khac",
            full_name="Tỉnh Khác",
            password="Mat-khau-dai-1",
            roles=[Role.TRAINER],
        )
        module = services.import_zip(trainer, data, registry_of(fresh))
        db.session.commit()
        imported = db.session.scalar(
            sa.select(ModuleVersion.content_hash).where(ModuleVersion.module_id == module.id)
        )
        db.session.remove()
    with fresh.app_context():
        db.engine.dispose()
    assert imported == original


def test_a_trainer_cannot_edit_another_trainers_module(app, client, people, login_as):
    """To a trainer who neither owns nor co-authors it, a web module does not exist."""
    login_as(client, people.trainer)
    base = build_module(client)
    publish(client)
    other = app.test_client()
    login_as(other, people.other)
    for url in (base, f"{base}/settings", f"{base}/lessons/bai-1", f"{base}/preview"):
        assert other.get(url).status_code == 404, url
    for url in (f"{base}/publish", f"{base}/activities/bai-1/remove", f"{base}/duplicate"):
        assert post(other, url, {"slug": "ban-sao"}).status_code == 404, url
    assert SLUG not in other.get("/authoring/").get_data(as_text=True)
    # The owner adds a co-author, who may then edit.
    assert post(client, f"{base}/authors", {"username": "trainer.b"}).status_code == 302
    assert other.get(f"{base}/lessons/bai-1").status_code == 200
    # Admins edit every module; learners reach no authoring page.
    admin = app.test_client()
    login_as(admin, people.admin)
    assert admin.get(f"{base}/lessons/bai-1").status_code == 200
    learner = app.test_client()
    login_as(learner, people.learner)
    assert learner.get("/authoring/").status_code == 403


def test_a_plugin_module_is_read_only_and_can_be_duplicated(
    app, client, people, login_as, plugin_course
):
    login_as(client, people.trainer)
    base = f"/authoring/modules/{plugin_course}"
    assert client.get(base).status_code == 200
    assert client.get(f"{base}/lessons/lesson-1").status_code == 403
    assert client.get(f"{base}/settings").status_code == 403
    assert post(client, f"{base}/activities/lesson-1/remove").status_code == 403
    response = post(client, f"{base}/duplicate", {"slug": "ban-sao-cua-toi"})
    assert response.status_code == 302
    assert client.get("/authoring/modules/ban-sao-cua-toi/lessons/lesson-1").status_code == 200
    publish(client, "ban-sao-cua-toi")
    assert _hash(app, "ban-sao-cua-toi")


def test_every_change_is_in_the_audit_log(app, client, people, login_as):
    login_as(client, people.trainer)
    base = build_module(client)
    post(client, f"{base}/activities/bai-2/move", {"direction": "up"})
    post(client, f"{base}/quizzes/kiem-tra/questions/0/remove", {"language": "vi"})
    publish(client)
    with app.app_context():
        entries = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.actor_id == people.trainer.id)
        ).all()
    actions = {entry.action for entry in entries}
    assert {
        "module.created",
        "module.activity_added",
        "module.activity_moved",
        "lesson.saved",
        "media.uploaded",
        "question.added",
        "question.removed",
        "quiz.saved",
        "module.published",
    } <= actions
    assert all(entry.created_at is not None for entry in entries)


@pytest.mark.parametrize("corpus", ["xss/0xcela_event_handlers.txt"])
def test_lesson_preview_sanitises_hostile_markdown(client, people, login_as, corpus):
    login_as(client, people.trainer)
    base = build_module(client)
    lines = (CORPORA / corpus).read_text(encoding="utf-8", errors="replace").splitlines()[:300]
    response = post(
        client,
        f"{base}/lessons/bai-2",
        {"title_vi": "Bài 2", "text_vi": "\n\n".join(lines), "action": "preview"},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    body = page.split('class="lesson-preview"')[1].split("</section>")[0]
    assert "<script" not in body.lower()
    assert " onerror=" not in body.lower() and " onload=" not in body.lower()


def test_the_module_list_takes_the_same_queries_however_many_modules(
    app, client, people, login_as, count_queries
):
    login_as(client, people.admin)
    build_module(client, "mo-dun-mot")
    with count_queries() as one:
        assert client.get("/authoring/").status_code == 200
    build_module(client, "mo-dun-hai")
    build_module(client, "mo-dun-ba")
    with count_queries() as three:
        assert client.get("/authoring/").status_code == 200
    assert three.n == one.n
