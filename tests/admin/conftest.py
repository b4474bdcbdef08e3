import pytest

from lms.core.permissions import Role


@pytest.fixture
def hr(site, factory, client, login_as):
    """An administrator who reads the site in English, signed in."""
    admin = factory.user(roles=[Role.ADMIN], username="hr", locale="en")
    login_as(client, admin)
    return admin
