from datetime import date
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from lms.catalogue.models import Module
from lms.catalogue.queries import activities_of, latest_version
from lms.certificates.models import Certificate
from lms.core.permissions import Role
from lms.extensions import db
from lms.learning import services
from lms.learning.runtime import Runtime
from lms.org import services as org
from lms.org.models import DUE_FROM_ASSIGNMENT
from lms.testing.courses import sync, write_course


def complete_module(user, slug: str) -> None:
    """The learner marks every lesson of the module done, through the learning services."""
    module = db.session.scalar(sa.select(Module).where(Module.slug == slug))
    runtime = Runtime(user_id=user.id, locale="vi", action_url="")
    for activity in activities_of(latest_version(module.id).id):
        services.submit_activity(user, module, activity, MultiDict({"action": "done"}), runtime)


@pytest.fixture
def certified(app, factory, tmp_path):
    """A learner holding a position whose two-module curriculum they completed: two module
    certificates and one position certificate; another learner with none."""
    write_course(tmp_path / "courses", "an-toan-thong-tin", lessons=2, title_vi="An toàn thông tin")
    write_course(tmp_path / "courses", "van-ban-dien-tu", lessons=1, title_vi="Văn bản điện tử")
    sync(app, tmp_path / "courses")
    ward = factory.unit(kind="ward", code="HB", name_vi="Phường Hồng Bàng")
    position = factory.position(code="VT", name_vi="Công chức Văn phòng - Văn thư")
    holder = factory.user(full_name="Nguyễn Thị Hương", username="huong", email="huong@example.vn")
    other = factory.user(full_name="Trần Văn Bình", username="binh")
    admin = factory.user(roles=[Role.ADMIN], username="admin")
    factory.assignment(holder, position, ward, starts_on=date(2026, 1, 1))
    with app.app_context():
        modules = {m.slug: m.id for m in db.session.scalars(sa.select(Module))}
        for slug, months in (("an-toan-thong-tin", 12), ("van-ban-dien-tu", None)):
            org.set_curriculum_item(
                None,
                db.session.merge(position),
                modules[slug],
                due_basis=DUE_FROM_ASSIGNMENT,
                due_days=30,
                validity_months=months,
            )
        person = db.session.merge(holder)
        complete_module(person, "an-toan-thong-tin")
        complete_module(person, "van-ban-dien-tu")
        db.session.commit()
        certificates = {
            c.kind if c.kind == "position" else c.modules[0]["slug"]: (c.id, c.code, c.serial)
            for c in db.session.scalars(sa.select(Certificate))
        }
    return SimpleNamespace(
        holder=holder, other=other, admin=admin, certificates=certificates, position=position
    )
