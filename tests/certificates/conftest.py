from datetime import date
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from lms.certificates.models import Certificate
from lms.core.permissions import Role
from lms.extensions import db
from lms.testing.courses import sync, write_course


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
    factory.curriculum_item(position, "an-toan-thong-tin", validity_months=12)
    factory.curriculum_item(position, "van-ban-dien-tu")
    factory.complete_lessons(holder, "an-toan-thong-tin")
    factory.complete_lessons(holder, "van-ban-dien-tu")
    with app.app_context():
        certificates = {
            c.kind if c.kind == "position" else c.modules[0]["slug"]: (c.id, c.code, c.serial)
            for c in db.session.scalars(sa.select(Certificate))
        }
    return SimpleNamespace(
        holder=holder, other=other, admin=admin, certificates=certificates, position=position
    )
