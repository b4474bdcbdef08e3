import pytest

from lms.core.permissions import Role


@pytest.fixture
def jobs_inline(app, monkeypatch):
    """Roster import jobs run within the upload request, inside the test's transaction."""
    monkeypatch.setitem(app.config, "LMS_ROSTER_JOBS", "inline")


@pytest.fixture
def hr(site, factory, client, login_as, jobs_inline):
    """An administrator who reads the site in English, signed in."""
    admin = factory.user(roles=[Role.ADMIN], username="hr", locale="en")
    login_as(client, admin)
    return admin
