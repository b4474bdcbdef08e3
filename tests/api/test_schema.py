"""The served OpenAPI document holds against the API itself: schemathesis sends a few
generated requests to every operation, as a client of the whole tree, as a client scoped to
one ward holding every scope,
holding each one scope alone (one request an operation: most are refused, and a refusal must
match the document too), and as a person's own token, and finds no server error, no response
outside its documented status, type and schema, and nothing of the people and units outside
the caller's reach."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from lms.accounts.models import User
from lms.api import services
from lms.extensions import db
from tests.api.conftest import bearer

EXAMPLES = 5
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
# What the site fixture puts outside the ward: a person and a commune.
OUTSIDE = ("outsider", "Trần Thị Bình", "HP-AD", "Xã An Dương")


# The lists, which answer any valid query: a caller holding their scope reads each of them.
LISTS = (
    "units",
    "positions",
    "position-assignments",
    "people",
    "modules",
    "module-assignments",
    "completions",
    "certificates",
)


def exercise(app, token: str, examples: int = EXAMPLES, outside=OUTSIDE) -> dict[str, list]:
    """The statuses of each operation's generated calls (by label), each response checked."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    statuses = {}
    for operation in operations:
        statuses[operation.label] = exercise_operation(operation, token, examples, outside)
        assert statuses[operation.label], operation.label
    return statuses


def exercise_operation(operation, token: str, examples: int, outside) -> list[int]:
    """The statuses of the generated calls of ``operation``, each response checked."""
    calls = []

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def call(case):
        response = case.call(headers=bearer(token))
        calls.append(response.status_code)
        case.validate_response(response, checks=CHECKS)
        leaked = [value for value in outside if value in response.text]
        assert not leaked, f"{case.method} {case.formatted_path}: {leaked}"

    call()
    return calls


def test_every_operation_holds_for_a_ward_client_with_every_scope(app, site, make_caller):
    statuses = exercise(app, make_caller(sorted(services.SCOPES), units=["HP-HB"]).token())
    assert [name for name in LISTS if 200 not in statuses[f"GET /api/v1/{name}"]] == []


def test_every_operation_holds_for_a_client_of_the_whole_tree(app, site, make_caller):
    # It reaches everyone, so it writes too: people, roster syncs (each a job, run at once).
    exercise(app, make_caller(sorted(services.SCOPES)).token(), outside=())


@pytest.mark.parametrize("scope", sorted(services.SCOPES))
def test_every_operation_holds_for_a_ward_client_with_one_scope(app, site, make_caller, scope):
    exercise(app, make_caller([scope], units=["HP-HB"]).token(), examples=1)


def test_every_operation_holds_for_a_personal_token(app, site):
    with app.app_context():
        learner = db.session.get(User, site.learner.id)
        _token, value = services.create_personal_token(
            learner, name="script", scopes=services.PERSONAL_SCOPES, days=1
        )
        db.session.commit()
    exercise(app, value)
