"""Building, previewing and publishing a module through the authoring pages."""

import sqlalchemy as sa
from authoring_helpers import SLUG, build_module, publish, text_of

from lms.catalogue.models import Activity, Module, ModuleVersion
from lms.core.models import AuditEntry
from lms.extensions import db


def test_a_trainer_builds_previews_and_publishes_a_module(app, client, people, login_as):
    login_as(client, people.trainer)
    base = build_module(client)
    overview = text_of(client.get(base))
    assert "Chữ ký số cơ bản" in overview and f"{base}/publish" in overview
    preview = client.get(f"{base}/preview?key=bai-1")
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert "/authoring/modules/chu-ky-so-web/media/" in page
    quiz = client.get(f"{base}/preview?key=kiem-tra")
    assert quiz.status_code == 200
    assert quiz.get_data(as_text=True).count('class="question"') == 5
    publish(client)
    with app.app_context():
        module = db.session.scalar(sa.select(Module).where(Module.slug == SLUG))
        version = db.session.scalar(
            sa.select(ModuleVersion).where(ModuleVersion.module_id == module.id)
        )
        assert module.retired_at is None
        assert version.number == 1 and version.published_by_id == people.trainer.id
        activities = db.session.scalars(
            sa.select(Activity).where(Activity.version_id == version.id).order_by(Activity.position)
        ).all()
        assert [a.key for a in activities] == ["bai-1", "bai-2", "kiem-tra"]
        assert f"/modules/{SLUG}/media/" in activities[0].content["html"]["vi"]
        types = [q["type_id"] for q in activities[2].content["banks"]["vi"]]
        assert len(types) == 5 and set(types) == {"single_choice", "true_false", "short_answer"}
        actions = set(
            db.session.scalars(
                sa.select(AuditEntry.action).where(AuditEntry.actor_id == people.trainer.id)
            )
        )
    assert {
        "module.created",
        "lesson.saved",
        "media.uploaded",
        "question.added",
        "quiz.saved",
        "module.published",
    } <= actions
