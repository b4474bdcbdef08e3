"""Who reads a quiz's bank, its learners' attempts and its question statistics, and who adds
questions to its bank: the trainers who own or co-author the module, and admins. To any
other trainer those pages do not exist (404), and nothing they send changes anything."""

import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from quiz_answers import import_quiz_course

from lms.catalogue.models import ModuleVersion
from lms.core.permissions import Role
from lms.extensions import db

SLUG = "quiz-course"
BASE = f"/trainer/modules/{SLUG}/quizzes/check"
QUESTION = "::otp:: Ai được hỏi mã OTP của bạn? {=Không ai ~Cán bộ ngân hàng}\n"


@pytest.fixture
def people(app, factory, login_as):
    """The quiz course imported through the authoring pages by its owner, who names a
    co-author; another trainer, an admin, and a learner's finished attempt."""
    clients = {}
    for name, roles in [
        ("owner", [Role.TRAINER]),
        ("coauthor", [Role.TRAINER]),
        ("other", [Role.TRAINER]),
        ("admin", [Role.ADMIN]),
        ("learner", [Role.LEARNER]),
    ]:
        user = factory.user(roles=roles, username=f"{name}.quiz", locale="en")
        clients[name] = app.test_client()
        login_as(clients[name], user)
    owner = clients["owner"]
    import_quiz_course(owner)
    added = owner.submit(f"/authoring/modules/{SLUG}/authors", {"username": "coauthor.quiz"})
    assert added.status_code == 302
    learner = clients["learner"]
    page = learner.submit(
        f"/modules/{SLUG}/check", {"action": "start", "stay": "1"}, follow_redirects=True
    )
    attempt = int(re.search(r'name="attempt" value="(\d+)"', page.get_data(as_text=True))[1])
    learner.submit(f"/modules/{SLUG}/check", {"action": "submit", "attempt": attempt})
    return SimpleNamespace(attempt=attempt, **clients)


def versions(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(ModuleVersion))


def pages(attempt: int) -> list[str]:
    return [f"{BASE}/bank", f"{BASE}/attempts", f"{BASE}/questions", f"/trainer/attempts/{attempt}"]


def test_another_trainer_cannot_add_questions_to_the_bank(app, people):
    before = versions(app)
    response = people.other.submit(f"{BASE}/bank/import", {"gift": QUESTION, "language": "vi"})
    assert response.status_code == 404
    assert versions(app) == before
    bank = people.owner.get(f"{BASE}/bank").get_data(as_text=True)
    assert "Ai được hỏi mã OTP" not in bank


def test_another_trainer_reads_neither_the_bank_nor_the_attempts(people):
    for url in pages(people.attempt):
        assert people.other.get(url).status_code == 404, url


@pytest.mark.parametrize("who", ["owner", "coauthor", "admin"])
def test_owner_coauthor_and_admin_read_everything_and_add_questions(app, people, who):
    client = getattr(people, who)
    for url in pages(people.attempt):
        assert client.get(url).status_code == 200, url
    before = versions(app)
    response = client.submit(
        f"{BASE}/bank/import", {"gift": QUESTION, "language": "vi"}, follow_redirects=True
    )
    assert f"Version {before + 1} of the module is published" in response.get_data(as_text=True)
    assert versions(app) == before + 1


def test_the_module_page_links_only_those_who_manage_it_to_the_reports(people):
    attempts = f'href="{BASE}/attempts"'
    assert attempts in people.owner.get(f"/modules/{SLUG}").get_data(as_text=True)
    for who in ("other", "learner"):
        page = getattr(people, who).get(f"/modules/{SLUG}").get_data(as_text=True)
        assert "/trainer/" not in page, who
