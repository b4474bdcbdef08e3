"""The contract every discovered course plugin keeps: it validates, syncs into an empty
catalogue, syncs again without a new version, exports, and the export re-imports to the
same content hash."""

import pytest
import sqlalchemy as sa

from lms.catalogue.models import Module, ModuleVersion
from lms.catalogue.services import export_module, sync_courses
from lms.config import ROOT
from lms.extensions import db
from lms.plugins import registry
from lms.plugins.courses import discover
from lms.plugins.manifest import load_course

SHIPPED, DISCOVERY_PROBLEMS = discover([str(ROOT / "courses")])


def test_shipped_courses_are_discovered_without_conflict():
    assert DISCOVERY_PROBLEMS == []
    assert "digital-government-foundations" in {source.id for source in SHIPPED}


@pytest.mark.parametrize("source", SHIPPED, ids=lambda source: source.id)
def test_course_keeps_the_plugin_contract(appctx, source, tmp_path):
    course, problems = load_course(source.path, registry())
    assert [str(problem) for problem in problems] == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Module)) == 0

    first = sync_courses([source], [], registry())
    assert first.created == [source.id] and first.ok
    again = sync_courses([source], [], registry())
    assert again.unchanged == [source.id] and not again.created and not again.updated
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ModuleVersion)) == 1

    folder = export_module(source.id, tmp_path, registry())
    exported, problems = load_course(folder, registry(), allow_hooks=False)
    assert [str(problem) for problem in problems] == []
    assert exported.content_hash == course.content_hash
    assert not list(folder.rglob("*.py")), "export never writes code"
