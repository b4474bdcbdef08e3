"""The learner's home page: required training first, with states and due dates."""

from datetime import date

from lms.org.models import DUE_FROM_POSITION_START
from lms.testing.courses import sync, write_course


def test_home_lists_required_modules_overdue_first_in_as_many_queries_for_two_or_six(
    app, client, factory, login_as, tmp_path, count_queries
):
    slugs = [f"module-{n}" for n in range(6)]
    for slug in slugs:
        write_course(tmp_path / "courses", slug, lessons=1)
    sync(app, tmp_path / "courses")
    ward = factory.unit()
    few, many = factory.position(), factory.position()
    for position, required in ((few, slugs[:2]), (many, slugs)):
        for slug in required:
            factory.curriculum_item(position, slug, due_basis=DUE_FROM_POSITION_START)
    learner = factory.user()
    factory.assignment(learner, few, ward, starts_on=date(2020, 1, 1))
    other = factory.user()
    factory.assignment(other, many, ward, starts_on=date(2026, 11, 1))

    def home(user):
        login_as(client, user)
        with count_queries() as counted:
            page = client.get("/").get_data(as_text=True)
        client.submit("/logout")
        return page, counted.n

    page_few, queries_few = home(learner)
    page_many, queries_many = home(other)
    assert page_few.count("quá hạn") == 2, "due 30 days after 2020-01-01"
    assert page_many.count("Học phần module-") >= 6
    assert queries_few == queries_many


def test_a_learner_renews_an_expiring_completion_from_the_module_page(
    app, client, factory, login_as, tmp_path, clock
):
    write_course(tmp_path / "courses", "renew-me", lessons=1)
    sync(app, tmp_path / "courses")
    ward, position = factory.unit(), factory.position()
    factory.curriculum_item(
        position, "renew-me", due_basis=DUE_FROM_POSITION_START, validity_months=12
    )
    learner = factory.user()
    factory.assignment(learner, position, ward, starts_on=date(2026, 1, 1))
    login_as(client, learner)
    client.submit("/modules/renew-me/lesson-1", {"action": "done"})
    page = client.get("/modules/renew-me").get_data(as_text=True)
    assert "Bắt đầu học lại để gia hạn" not in page

    clock.advance(days=365 - 30)
    page = client.get("/modules/renew-me").get_data(as_text=True)
    assert "đã mở gia hạn" in page and "Bắt đầu học lại để gia hạn" in page
    assert client.submit("/modules/renew-me/renew").status_code == 302
    page = client.get("/modules/renew-me").get_data(as_text=True)
    assert "đang học" in page and "0%" in page
    clock.advance(days=60)
    assert "quá hạn" in client.get("/").get_data(as_text=True), "expired while renewing"


def test_the_catalogue_costs_as_many_statements_for_two_modules_as_for_eight(
    app, client, factory, login_as, tmp_path, count_queries
):
    login_as(client, factory.user())
    counts = []
    for start, end in ((0, 2), (2, 8)):
        for n in range(start, end):
            write_course(tmp_path / "courses", f"listed-{n}", lessons=1)
        sync(app, tmp_path / "courses")
        client.get("/catalogue")
        with count_queries() as counted:
            page = client.get("/catalogue").get_data(as_text=True)
        assert page.count("Học phần listed-") == end
        counts.append(counted.n)
    assert counts[0] == counts[1]
    assert counts[1] <= 12
