"""``lms api create-client`` and ``revoke-client``: a client made from the command line gets
tokens and reaches its units; revoked, it gets none."""

from lms.api.cli import api_cli
from tests.api.conftest import Caller, bearer


def invoke(app, *args):
    # The command object itself: what ``lms api`` runs once the entry point is installed.
    return app.test_cli_runner().invoke(api_cli, list(args))


def test_a_client_made_on_the_command_line_reads_its_units(app, client, site):
    result = invoke(
        app, "create-client", "--name", "HR", "--scope", "people:read", "--unit", "hp-hb"
    )
    assert result.exit_code == 0, result.output
    lines = dict(line.split(": ", 1) for line in result.output.splitlines())
    caller = Caller(client, lines["client_id"], lines["client_secret"])
    people = client.get("/api/v1/people", headers=bearer(caller.token())).get_json()["items"]
    assert [person["username"] for person in people] == ["learner"]
    revoked = invoke(app, "revoke-client", lines["client_id"])
    assert revoked.exit_code == 0, revoked.output
    response = client.post(
        "/api/v1/token",
        data={"grant_type": "client_credentials"},
        auth=(caller.client_id, caller.secret),
    )
    assert response.status_code == 401


def test_an_unknown_unit_or_scope_fails_with_the_reason(app, site):
    unknown_unit = invoke(
        app, "create-client", "--name", "HR", "--scope", "org:read", "--unit", "X"
    )
    assert unknown_unit.exit_code == 2 and "--unit X: no such unit" in unknown_unit.output
    unknown_scope = invoke(app, "create-client", "--name", "HR", "--scope", "all")
    assert unknown_scope.exit_code == 2
