import pytest

from lms.api import services
from lms.extensions import db
from lms.org.models import OrgUnit


class Caller:
    """An API client of the site, with a way to get a bearer token and call with it."""

    def __init__(self, client, client_id: str, secret: str):
        self.client, self.client_id, self.secret = client, client_id, secret

    def token(self, scope: str | None = None) -> str:
        data = {"grant_type": "client_credentials"}
        if scope:
            data["scope"] = scope
        response = self.client.post("/api/v1/token", data=data, auth=(self.client_id, self.secret))
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["access_token"]


@pytest.fixture
def make_caller(app, client):
    """``make_caller(scopes, units=[...])``: a new API client reaching ``units`` (codes; none:
    the whole tree), made the way the CLI makes one."""

    def make(scopes, units=()) -> Caller:
        with app.app_context():
            found = [db.session.scalar(db.select(OrgUnit).where(OrgUnit.code == c)) for c in units]
            made, secret = services.create_client(
                None, name="HR system", scopes=scopes, units=found
            )
            db.session.commit()
            return Caller(client, made.client_id, secret)

    return make


def bearer(token: str, **headers) -> dict:
    return {"Authorization": f"Bearer {token}", **headers}
