"""Training-needs fixtures: the default framework, modules that build known levels, and a
position with standards."""

import shutil
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
import tomli_w

from lms.catalogue.models import Module
from lms.extensions import db
from lms.needs import services as needs
from lms.testing.courses import sync, write_course

DATA = Path(__file__).parent / "data" / "courses"

# slug -> (levels it builds, lessons)
MODULES = {
    "bao-mat": ({"DS.1": 3, "DS.2": 2}, 2),
    "dinh-danh": ({"ID.1": 3}, 1),
    "tong-hop": ({"DS.1": 3, "DS.2": 2, "ID.1": 3}, 6),
}


def write_module(folder: Path, slug: str, levels: dict[str, int], lessons: int) -> None:
    path = write_course(folder, slug, lessons=lessons) / "manifest.toml"
    manifest = tomllib.loads(path.read_text(encoding="utf-8"))
    manifest["competencies"] = [{"code": c, "level": n} for c, n in levels.items()]
    path.write_text(tomli_w.dumps(manifest), encoding="utf-8")


@pytest.fixture
def catalogue(app, tmp_path):
    """The framework and three modules, plus ``safe-counter`` (diagnostic pre-test and
    post-test); returns module ids by slug."""
    folder = tmp_path / "needs-courses"
    for slug, (levels, lessons) in MODULES.items():
        write_module(folder, slug, levels, lessons)
    shutil.copytree(DATA / "safe-counter", folder / "safe-counter")
    sync(app, folder)
    with app.app_context():
        needs.load_framework()
        db.session.commit()
        return {m.slug: m.id for m in db.session.scalars(sa.select(Module))}


@pytest.fixture
def org(app, factory, catalogue):
    ward = factory.unit(kind="ward", name_vi="Phường Hồng Bàng", code="NW")
    counter = factory.unit(parent=ward, kind="one_stop", name_vi="Bộ phận Một cửa", code="NW-1C")
    office = factory.unit(parent=ward, kind="office", name_vi="Văn phòng", code="NW-VP")
    counter_officer = factory.position(code="NCOUNTER", name_vi="Công chức một cửa")
    security_officer = factory.position(code="NSEC", name_vi="Cán bộ an toàn thông tin")
    return SimpleNamespace(
        ward=ward,
        counter=counter,
        office=office,
        counter_officer=counter_officer,
        security_officer=security_officer,
        modules=catalogue,
    )
