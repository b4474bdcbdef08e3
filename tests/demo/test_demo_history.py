"""The demo city's six months of history, as `lms demo` builds it on a fresh SQLite database:
the pages a manager and the demo learner open show it, and two builds make the same."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms import create_app
from lms.assessment.models import FINISHED, QuizAttempt
from lms.catalogue.models import Activity
from lms.certificates.models import Certificate
from lms.classes.models import ABSENT, ATTENDED, Attendance, SessionSlot
from lms.core import clock
from lms.extensions import db
from lms.learning.models import COMPLETED, IN_PROGRESS, ModuleProgress
from lms.testing.plugin import Client

PASSWORD = "Demo-lich-su-1"


def build(folder):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'demo.sqlite3'}",
            "LMS_INSTANCE_PATH": str(folder),
            "LMS_DEMO_PASSWORD": PASSWORD,
            # The city's manager signs in with a password alone here.
            "LMS_SECOND_FACTOR_REQUIRED": [],
        }
    )
    app.test_client_class = Client
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return app, result.output


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return build(tmp_path_factory.mktemp("history"))


def signed_in(app, username: str) -> Client:
    client = app.test_client()
    response = client.submit("/login", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, username
    return client


def counts(app) -> dict:
    attempts = sa.select(sa.func.count(QuizAttempt.id)).where(QuizAttempt.state == FINISHED)
    with app.app_context():
        # The final quizzes' pass marks (a diagnostic pre-test is not passed or failed).
        pass_marks = {
            activity.id: activity.content["settings"].get("pass_mark", 0)
            for activity in db.session.scalars(
                sa.select(Activity).where(Activity.type_id == "quiz")
            )
            if not activity.content.get("needs", {}).get("diagnostic")
        }
        scored = [
            (activity_id, score)
            for activity_id, score in db.session.execute(
                sa.select(QuizAttempt.activity_id, QuizAttempt.score).where(
                    QuizAttempt.state == FINISHED
                )
            )
            if activity_id in pass_marks
        ]
        return {
            "attempts": db.session.scalar(attempts),
            "passed": sum(score * 100 >= pass_marks[a] for a, score in scored),
            "failed": sum(score * 100 < pass_marks[a] for a, score in scored),
            "completed": db.session.scalar(
                sa.select(sa.func.count()).where(ModuleProgress.state == COMPLETED)
            ),
            "in progress": db.session.scalar(
                sa.select(sa.func.count()).where(ModuleProgress.state == IN_PROGRESS)
            ),
            "certificates": db.session.scalar(sa.select(sa.func.count(Certificate.id))),
            "expired": db.session.scalar(
                sa.select(sa.func.count()).where(Certificate.expires_on < clock.today())
            ),
            "expiring": db.session.scalar(
                sa.select(sa.func.count()).where(
                    Certificate.expires_on.between(
                        clock.today(), clock.today() + timedelta(days=60)
                    )
                )
            ),
            "attended": db.session.scalar(
                sa.select(sa.func.count()).where(Attendance.status == ATTENDED)
            ),
            "no-shows": db.session.scalar(
                sa.select(sa.func.count()).where(Attendance.status == ABSENT)
            ),
            "past slots": db.session.scalar(
                sa.select(sa.func.count()).where(SessionSlot.starts_at < clock.now())
            ),
            "coming slots": db.session.scalar(
                sa.select(sa.func.count()).where(SessionSlot.starts_at > clock.now())
            ),
        }


def numbers(html: str, pattern: str) -> list[int]:
    return [int(value) for value in re.findall(pattern, html)]


def test_the_city_dashboard_shows_every_figure_and_chart_with_data(demo):
    app, _ = demo
    page = signed_in(app, "manager.city").get("/reports/").text
    headline = page[page.index('class="headline"') : page.index("</dl>")]
    figures = numbers(headline, r"<dd>(?:<a[^>]*>)?(\d+)")
    assert len(figures) == 8 and all(figure > 0 for figure in figures), figures
    assert "0%" not in re.findall(r"<dd>(\d+%)</dd>", headline)
    # Completion per unit: every unit has a bar; completions in each of the last six months.
    units_chart = page[page.index('aria-labelledby="chart-units-title"') :]
    units_chart = units_chart[: units_chart.index("</svg>")]
    bars = [
        float(w)
        for w in re.findall(
            r'class="chart-track"></rect>\s*<rect[^>]*width="([\d.]+)"', units_chart
        )
    ]
    assert bars and all(width > 0 for width in bars), bars
    months = page[page.index('class="months-table"') :]
    months = numbers(months[: months.index("</table>")], r'class="num">(\d+)<')
    # (The current month may have begun today.)
    assert len(months) == 12 and all(count > 0 for count in months[-7:-1]), months
    states = set(re.findall(r"target-state-(\w+)", page))
    assert {"missed", "at_risk", "on_track"} <= states, states


def test_needs_report_shows_gaps_and_a_module_shows_a_gain(demo):
    app, _ = demo
    manager = signed_in(app, "manager.city")
    report = manager.get("/needs/report").text
    total = report[report.index('id="needs-total"') :]
    assert sum(numbers(total[: total.index("</table>")], r"data-code=\"[^\"]+\">(\d+)<")) > 0
    gains = []
    for slug in ("information-security", "citizen-authentication", "online-public-services"):
        page = manager.get(f"/needs/effectiveness/{slug}").text
        row = page[page.index('id="effect-total"') :]
        gains += numbers(row[: row.index("</table>")], r"<td>\+(\d+)</td>")
    assert any(gain > 0 for gain in gains), gains


def test_history_has_attempts_certificates_and_sessions(demo):
    app, output = demo
    found = counts(app)
    assert found["passed"] > 50 and found["failed"] > 10, found
    assert found["completed"] > 50 and found["in progress"] > 20, found
    assert found["certificates"] >= found["completed"] - 10, found
    assert found["expired"] > 0 and found["expiring"] > 0, found
    assert found["attended"] > 20 and found["no-shows"] > 0, found
    assert found["past slots"] > 0 and found["coming slots"] > 0, found
    gradebook = signed_in(app, "manager.city").get("/reports/gradebook").text
    assert gradebook.count("<tr") > 20
    assert "History of six months" in output


def test_the_demo_learner_home_looks_lived_in(demo):
    app, _ = demo
    learner = signed_in(app, "learner")
    home = learner.get("/").text
    # A module completed (with its certificate), one in progress, one due in a few days.
    assert "Lãnh đạo chuyển đổi số" in home and "An toàn thông tin" in home
    user_id = _id(app, "learner")
    with app.app_context():
        rows = db.session.execute(
            sa.select(ModuleProgress.state).where(ModuleProgress.user_id == user_id)
        ).all()
        certificates = db.session.scalar(
            sa.select(sa.func.count()).where(Certificate.user_id == user_id)
        )
    assert sorted(state for (state,) in rows) == [COMPLETED, IN_PROGRESS]
    assert certificates == 1
    assert learner.get("/certificates").status_code == 200


def _id(app, username):
    from lms.accounts.models import User

    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.username == username))


def test_two_builds_make_the_same_history(demo, tmp_path):
    app, output = demo
    again, again_output = build(tmp_path)
    line = next(line for line in output.splitlines() if line.startswith("History"))
    assert line in again_output.splitlines()
    assert counts(again) == counts(app)
