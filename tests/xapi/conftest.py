import secrets

import pytest

from tests.xapi.lrs import Ralph, install

QUIZ = "::sky:: The sky is blue on a clear day. {T}\n\n::fire:: Fire is cold. {F}\n"


@pytest.fixture(scope="session")
def ralph(tmp_path_factory):
    """Ralph, started once for the session (once per test worker)."""
    server = Ralph(install(), tmp_path_factory.mktemp("ralph"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def lrs(app, ralph, monkeypatch):
    """The application sending its statements to Ralph, under an address of its own, so no
    two tests' statements (nor the SQLite and PostgreSQL runs') share an id or an actor."""
    monkeypatch.setitem(app.config, "LMS_XAPI_LRS", [ralph.store])
    site = f"https://site-{secrets.token_hex(6)}.example.vn"
    monkeypatch.setitem(app.config, "LMS_BASE_URL", site)
    ralph.site = site
    return ralph
