import pytest

from lms.extensions import limiter
from tests.certificates.conftest import certified  # noqa: F401  (personal data tests use it)


@pytest.fixture(autouse=True)
def limits_on(monkeypatch):
    """The sign-in tests need the limiter on, whatever an earlier test's app switched it to
    (one limiter serves every app of the process; the concurrency tests build one without)."""
    monkeypatch.setattr(limiter, "enabled", True)
