"""A ward manager assigns a module to every holder of a position in the ward, from the
position's row of the report: the form, the preview, the confirmation, the job's page; then
one of those people finds the module on their home page. Each page checked with axe-core."""

import time

import pytest
import sqlalchemy as sa

from lms.catalogue.models import Module
from lms.catalogue.queries import latest_versions
from lms.extensions import db
from lms.org.models import Position

pytestmark = pytest.mark.browser

ROW_LINK = "table.figures-table th[scope=row] a:not(.row-action)"
MODULE = "digital-transformation-leadership"


def test_a_manager_assigns_a_module_to_a_position_from_the_report(window, live_app):
    with live_app.app_context():
        position = db.session.scalar(sa.select(Position).where(Position.code == "OFFICE_DOC"))
        position_name = position.name("vi")
        module_id = db.session.scalar(sa.select(Module.id).where(Module.slug == MODULE))
        title = latest_versions([module_id])[module_id].title("vi")

    manager = window(1280, 900)
    manager.sign_in("manager.hongbang")
    manager.open("/reports/")
    manager.click(f"{ROW_LINK}:has-text('Phường Hồng Bàng')")
    page = manager.page
    manager.click(
        f"section[aria-labelledby=positions-title] tr:has(th:has-text('{position_name}'))"
        " a.row-action"
    )
    assert "/assign/units/" in page.url and f"position={position.id}" in page.url
    page.select_option("#module", str(module_id))
    page.fill("#due_on", "2030-12-31")
    manager.click("main form button[type=submit]")

    assert "/preview" in page.url
    assert page.locator(".bulk-count strong").inner_text()[0].isdigit()
    assert "Phạm Văn Hùng" in page.locator("ul.bulk-sample").inner_text()
    manager.screenshot("bulk-assign-preview-desktop")
    manager.click("main form[method=post] button[type=submit]")

    assert "/assign/jobs/" in page.url
    for _try in range(50):  # the job worker beside the site runs it
        if page.locator(".bulk-result").count():
            break
        time.sleep(0.2)
        page.reload()
    manager.check_accessibility()
    assert page.locator(".bulk-result").count() == 1
    manager.screenshot("bulk-assign-done-desktop")

    learner = window(1280, 900)
    learner.sign_in("hungpv")
    learner.open("/")
    assert title in learner.page.locator("main").inner_text()
