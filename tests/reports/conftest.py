from datetime import date
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from lms.catalogue.models import Module
from lms.core.permissions import Role
from lms.extensions import db
from lms.testing.courses import sync, write_course


@pytest.fixture
def country(app, factory, clock, tmp_path):
    """A city with a ward (and its one-stop section) and a commune; one position requiring
    two modules within 30 days; on 2026-03-01 (56 days later):

    - An (ward section) completed both modules; Bình (ward section) started one;
    - Chi (the ward itself) did nothing; Dũng (commune) completed one.
    """
    write_course(tmp_path / "courses", "an-toan", lessons=2, title_vi="An toàn thông tin")
    write_course(tmp_path / "courses", "van-ban", lessons=1, title_vi="Văn bản điện tử")
    sync(app, tmp_path / "courses")
    clock.to(date(2026, 1, 5))
    city = factory.unit(kind="city", code="HP", name_vi="Thành phố Hải Phòng")
    ward = factory.unit(parent=city, kind="ward", code="HP-HB", name_vi="Phường Hồng Bàng")
    section = factory.unit(parent=ward, kind="one_stop", code="HP-HB-1C", name_vi="Bộ phận Một cửa")
    commune = factory.unit(parent=city, kind="commune", code="HP-AD", name_vi="Xã An Dương")
    position = factory.position(code="VT", name_vi="Công chức Văn thư")
    other_position = factory.position(code="LD", name_vi="Lãnh đạo")
    with app.app_context():
        modules = {m.slug: m.id for m in db.session.scalars(sa.select(Module))}
    for slug in modules:
        factory.curriculum_item(position, slug)
    an = factory.user(full_name="Nguyễn Văn An", username="nguyen.an")
    binh = factory.user(full_name="Trần Thị Bình", username="tran.binh")
    chi = factory.user(full_name="Lê Minh Chi", username="le.chi")
    dung = factory.user(full_name="Phạm Văn Dũng", username="pham.dung")
    for person, unit in ((an, section), (binh, section), (chi, ward), (dung, commune)):
        factory.assignment(person, position, unit, starts_on=date(2026, 1, 5))
    factory.assignment(chi, other_position, ward, starts_on=date(2026, 1, 5))
    clock.to(date(2026, 1, 20))
    factory.complete_lessons(an, "an-toan")
    factory.complete_lessons(an, "van-ban")
    factory.start_module(binh, "an-toan")
    clock.to(date(2026, 2, 10))
    factory.complete_lessons(dung, "van-ban")
    clock.to(date(2026, 3, 1))
    return SimpleNamespace(
        city=city,
        ward=ward,
        section=section,
        commune=commune,
        position=position,
        other_position=other_position,
        modules=modules,
        an=an,
        binh=binh,
        chi=chi,
        dung=dung,
        manager=factory.manager_of(ward, username="manager.hb", full_name="Vũ Minh Tuấn"),
        admin=factory.user(roles=[Role.ADMIN], username="admin"),
        learner=an,
    )
