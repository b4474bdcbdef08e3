"""A trainer adds GIFT questions to a quiz's bank: a new version, or nothing at all."""

import html
import re
import shutil

import pytest
import sqlalchemy as sa
from quiz_answers import QUIZ_COURSE, import_quiz_course, quiz_course_zip

from lms.assessment import services
from lms.assessment.gift import GiftError
from lms.authoring import services as authoring
from lms.catalogue.models import Activity, Module, ModuleVersion
from lms.catalogue.queries import latest_version
from lms.catalogue.services import export_module
from lms.core.errors import Invalid, NotFound, PermissionDenied
from lms.core.permissions import Role
from lms.extensions import db
from lms.plugins import registry
from lms.plugins.manifest import load_course
from lms.testing.courses import sync

NEW_QUESTIONS = """$CATEGORY: basics

::otp:: Một cán bộ được hỏi mã OTP qua điện thoại. Cán bộ nên làm gì? {
=Từ chối và báo cho người phụ trách an toàn thông tin#Đúng: không ai được hỏi mã OTP.
~Đọc mã cho người gọi#Sai: mã OTP chỉ dành cho chính chủ tài khoản.
}

::digits:: Mã định danh cá nhân có bao nhiêu chữ số? {#12}
"""


@pytest.fixture
def trainer(appctx, factory):
    return factory.user(roles=[Role.TRAINER])


@pytest.fixture
def module(trainer):
    """The quiz course as a module authored in the browser, imported by ``trainer``: they
    own it."""
    return authoring.import_zip(trainer, quiz_course_zip(), registry())


def quiz_of(version) -> Activity:
    return db.session.scalar(
        sa.select(Activity).where(Activity.version_id == version.id, Activity.key == "check")
    )


def test_importing_gift_publishes_a_version_with_the_questions_added(module, trainer, tmp_path):
    first = latest_version(module.id)
    version = services.import_gift(trainer, module, quiz_of(first), "vi", NEW_QUESTIONS)
    assert version.number == 2 and version.published_by_id == trainer.id
    added = services.bank(quiz_of(version), "vi")
    assert [q.name for q in added[-2:]] == ["otp", "digits"]
    assert len(services.bank(quiz_of(version), "en")) == len(services.bank(quiz_of(first), "en"))
    assert len(services.bank(quiz_of(first), "vi")) == 6, "the old version never changes"
    # The new version is a plugin course like any other: it exports and re-imports as itself.
    folder = export_module("quiz-course", tmp_path / "out", registry())
    exported, problems = load_course(folder, registry())
    assert problems == [] and exported.content_hash == version.content_hash
    assert "::otp::" in (folder / "banks" / "check.vi.gift").read_text(encoding="utf-8")


def test_a_broken_gift_file_imports_nothing_and_names_its_lines(module, trainer):
    broken = NEW_QUESTIONS + "\n::bad:: Thiếu dấu đóng {=a ~b\n"
    with pytest.raises(GiftError) as raised:
        services.import_gift(trainer, module, quiz_of(latest_version(module.id)), "vi", broken)
    assert [problem.line for problem in raised.value.problems] == [10]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ModuleVersion)) == 1


@pytest.mark.parametrize(
    ("roles", "refusal"), [([Role.LEARNER], PermissionDenied), ([Role.TRAINER], NotFound)]
)
def test_only_those_who_manage_the_module_import(module, factory, roles, refusal):
    """A learner may not; to a trainer who neither owns nor co-authors it, the module does
    not exist. Either way no version is published."""
    someone = factory.user(roles=roles)
    with pytest.raises(refusal):
        services.import_gift(
            someone, module, quiz_of(latest_version(module.id)), "vi", NEW_QUESTIONS
        )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ModuleVersion)) == 1


def test_a_module_from_a_course_folder_is_changed_in_its_folder(app, appctx, factory, tmp_path):
    """Even by an admin, who manages every module: the next sync would undo the change."""
    shutil.copytree(QUIZ_COURSE, tmp_path / "courses" / "quiz-course")
    sync(app, tmp_path / "courses")
    module = db.session.scalar(sa.select(Module).where(Module.slug == "quiz-course"))
    admin = factory.user(roles=[Role.ADMIN])
    with pytest.raises(Invalid, match="thư mục khóa học"):
        services.import_gift(admin, module, quiz_of(latest_version(module.id)), "vi", NEW_QUESTIONS)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ModuleVersion)) == 1


@pytest.fixture
def trainer_client(client, factory, login_as):
    login_as(client, factory.user(roles=[Role.TRAINER], locale="en"))
    import_quiz_course(client)
    return client


BANK = "/trainer/modules/quiz-course/quizzes/check/bank"


def upload(client, content: bytes, language: str = "vi"):
    from io import BytesIO

    return client.submit(
        BANK,
        {"gift_file": (BytesIO(content), "questions.gift"), "language": language},
        content_type="multipart/form-data",
    )


def test_a_trainer_previews_a_file_then_imports_it(app, trainer_client):
    page = upload(trainer_client, NEW_QUESTIONS.encode()).get_data(as_text=True)
    assert "2 questions ready to add" in page and "Từ chối và báo cho người phụ trách" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ModuleVersion)) == 1
    text = re.search(r'name="gift" type="hidden" value="([^"]*)"', page).group(1)
    response = trainer_client.submit(
        BANK + "/import", {"gift": html.unescape(text), "language": "vi"}, follow_redirects=True
    )
    assert "Version 2 of the module is published" in response.get_data(as_text=True)
    assert "Bank in Tiếng Việt: 8 questions" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (NEW_QUESTIONS.encode() + b"\n::bad:: {=a ~b\n", "line 10:"),
        ("::x:: Câu hỏi {=a ~b}".encode("utf-16"), "not UTF-8 text"),
        (b"x" * (1024 * 1024 + 1), "larger than 1 MiB"),
    ],
)
def test_a_bad_file_is_explained_and_nothing_is_saved(app, trainer_client, content, message):
    page = upload(trainer_client, content).get_data(as_text=True)
    assert message in page and "ready to add" not in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ModuleVersion)) == 1
