"""A revoked certificate is no longer evidence: the completions it rested on stop counting
from the day an admin revokes it, and the holder's gaps come back."""

import pytest
import sqlalchemy as sa

from lms.accounts.models import User
from lms.certificates.models import MODULE, POSITION, Certificate
from lms.core.permissions import Role
from lms.extensions import db
from lms.needs import services as needs
from lms.needs.models import Gap
from lms.org.models import Position

MEETS = "Đạt chuẩn"
BELOW = "Chưa đạt chuẩn"


@pytest.fixture
def trained(app, factory, org):
    """A counter officer (``learner``) whose position requires DS.1 at 2 and ID.1 at 3 and
    who meets it through two valid completions (``bao-mat`` builds DS.1 3, ``dinh-danh``
    ID.1 3) and holds a third (``tong-hop``); a colleague who completed ``bao-mat``; an
    admin."""
    learner = factory.user(full_name="Lê Thị Hoa", username="hoa")
    colleague = factory.user(full_name="Phạm Văn Nam", username="nam")
    admin = factory.user(roles=[Role.ADMIN], username="boss")
    for person in (learner, colleague):
        factory.assignment(person, org.counter_officer, org.counter)
    with app.app_context():
        needs.set_standards(
            db.session.get(User, admin.id),
            db.session.get(Position, org.counter_officer.id),
            {"DS.1": 2, "ID.1": 3},
        )
        db.session.commit()
    for slug in ("bao-mat", "dinh-danh", "tong-hop"):
        factory.start_module(learner, slug)
        factory.complete_lessons(learner, slug)
    factory.start_module(colleague, "bao-mat")
    factory.complete_lessons(colleague, "bao-mat")
    org.learner, org.colleague, org.admin = learner, colleague, admin
    return org


def certificate_id(app, user, module_id: int) -> int:
    with app.app_context():
        return db.session.scalars(
            sa.select(Certificate.id).where(
                Certificate.user_id == user.id,
                Certificate.kind == MODULE,
                Certificate.module_id == module_id,
            )
        ).one()


def stored_gaps(app, user) -> dict[str, tuple[int, int]]:
    with app.app_context():
        return {
            gap.competency_code: (gap.required, gap.current)
            for gap in db.session.scalars(sa.select(Gap).where(Gap.user_id == user.id))
        }


def revoke(client, login_as, admin, certificate: int) -> None:
    login_as(client, admin)
    response = client.submit(
        f"/admin/certificates/{certificate}/revoke", {"reason": "Cấp nhầm: bài làm hộ"}
    )
    assert response.status_code == 302
    client.submit("/logout")


def my_skills(client, login_as, learner) -> str:
    login_as(client, learner)
    text = client.get("/my-skills").get_data(as_text=True)
    client.submit("/logout")
    return text


def test_revoking_the_certificate_of_a_completion_brings_the_gap_back(
    client, login_as, trained, app
):
    # Take "tong-hop" (which also builds DS.1) away first, so "bao-mat" alone carries DS.1.
    revoke(
        client,
        login_as,
        trained.admin,
        certificate_id(app, trained.learner, trained.modules["tong-hop"]),
    )
    before = my_skills(client, login_as, trained.learner)
    assert MEETS in before and BELOW not in before
    assert stored_gaps(app, trained.learner) == {}

    revoke(
        client,
        login_as,
        trained.admin,
        certificate_id(app, trained.learner, trained.modules["bao-mat"]),
    )

    after = my_skills(client, login_as, trained.learner)
    assert BELOW in after and MEETS not in after
    assert "bao-mat" in after, "the revoked module is recommended again"
    assert stored_gaps(app, trained.learner) == {"DS.1": (2, 0)}
    assert stored_gaps(app, trained.colleague) == {"ID.1": (3, 0)}, "only the holder's"


def test_a_revoked_certificate_for_another_module_changes_nothing(client, login_as, trained, app):
    # "tong-hop" builds what "bao-mat" and "dinh-danh" already show; their evidence stands.
    revoke(
        client,
        login_as,
        trained.admin,
        certificate_id(app, trained.learner, trained.modules["tong-hop"]),
    )
    # Another person's certificate for the very module the learner relies on.
    revoke(
        client,
        login_as,
        trained.admin,
        certificate_id(app, trained.colleague, trained.modules["bao-mat"]),
    )
    page = my_skills(client, login_as, trained.learner)
    assert MEETS in page and BELOW not in page
    assert stored_gaps(app, trained.learner) == {}
    assert stored_gaps(app, trained.colleague) == {"DS.1": (2, 0), "ID.1": (3, 0)}


def test_revoking_a_position_certificate_ends_every_completion_it_names(
    client, login_as, factory, trained, app
):
    for slug in ("bao-mat", "dinh-danh"):
        factory.curriculum_item(trained.counter_officer, slug)
    with app.app_context():
        # One certificate per curriculum as it grew; the last names both modules.
        position_certificate = db.session.scalars(
            sa.select(Certificate)
            .where(Certificate.user_id == trained.learner.id, Certificate.kind == POSITION)
            .order_by(Certificate.id.desc())
        ).first()
        assert sorted(m["slug"] for m in position_certificate.modules) == ["bao-mat", "dinh-danh"]
        position_certificate = position_certificate.id
    revoke(
        client,
        login_as,
        trained.admin,
        certificate_id(app, trained.learner, trained.modules["tong-hop"]),
    )
    assert stored_gaps(app, trained.learner) == {}

    revoke(client, login_as, trained.admin, position_certificate)

    assert BELOW in my_skills(client, login_as, trained.learner)
    assert stored_gaps(app, trained.learner) == {"DS.1": (2, 0), "ID.1": (3, 0)}
