"""Personal data: a person downloads everything held about them; an admin anonymises a
person who left, after which their name is in no table, their certificate still verifies
and the dashboard's figures are the same."""

import io
import json
import re
import zipfile

import sqlalchemy as sa

from lms.accounts.models import SignIn, User
from lms.certificates.services import display_code
from lms.core.models import AuditEntry
from lms.extensions import db

NAME, EMAIL = "Nguyễn Thị Hương", "huong@example.vn"


def test_a_person_downloads_everything_held_about_them(app, client, certified, login_as):
    holder = certified.holder
    login_as(client, holder)
    assert client.get("/account/data").status_code == 200
    response = client.submit("/account/data")
    assert response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = set(archive.namelist())

    profile = json.loads(archive.read("profile.json"))
    assert profile["full_name"] == NAME and profile["email"] == EMAIL
    assert "password_hash" not in profile
    for table in (
        "position_assignments",
        "module_assignments",
        "module_progress",
        "activity_progress",
        "certificates",
        "sign_ins",
        "audit_entries",
    ):
        assert f"{table}.json" in names, table
    sign_ins = json.loads(archive.read("sign_ins.json"))
    assert sign_ins and all("token_hash" not in row for row in sign_ins)
    held = json.loads(archive.read("certificates.json"))
    assert {row["holder_name"] for row in held} == {NAME}
    pdfs = [name for name in names if name.startswith("certificates/")]
    assert len(pdfs) == len(held) == 3
    assert all(archive.read(name).startswith(b"%PDF") for name in pdfs)
    assert "README.txt" in names
    audit = json.loads(archive.read("audit_entries.json"))
    assert {"user.created"} <= {row["action"] for row in audit}
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(AuditEntry.object_id).where(
                    AuditEntry.action == "user.personal_data_exported"
                )
            )
            == holder.id
        )


def test_the_data_of_someone_else_is_never_in_it(client, certified, login_as):
    login_as(client, certified.other)
    archive = zipfile.ZipFile(io.BytesIO(client.submit("/account/data").data))
    everything = b"".join(archive.read(name) for name in archive.namelist())
    assert NAME.encode() not in everything
    assert not [name for name in archive.namelist() if name.startswith("certificates")]


def _without_tokens(page: str) -> str:
    return re.sub(r'csrf_token" type="hidden" value="[^"]*"', "", page)


def _found_anywhere(connection, text: str) -> list[str]:
    """``table.column`` of every String, Text or JSON column holding ``text``."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, sa.String | sa.Text | sa.JSON):
                continue
            spellings = {text, json.dumps(text)[1:-1]}  # JSON may escape it
            hit = connection.execute(
                sa.select(sa.func.count())
                .select_from(table)
                .where(sa.or_(*(sa.cast(column, sa.Text).contains(each) for each in spellings)))
            ).scalar()
            if hit:
                found.append(f"{table.name}.{column.name}")
    return found


def test_an_anonymised_person_is_in_no_table_and_their_certificate_still_verifies(
    app, client, certified, login_as
):
    holder, admin = certified.holder, certified.admin
    _id, code, serial = certified.certificates["position"]
    login_as(app.test_client(), holder)  # a sign-in, to be deleted
    login_as(client, admin)
    dashboards = ["/reports/"]
    before = {url: _without_tokens(client.get(url).get_data(as_text=True)) for url in dashboards}
    with app.app_context():
        assert _found_anywhere(db.session.connection(), NAME)  # the search finds it at all

    response = client.submit(
        f"/admin/users/{holder.id}/anonymise", {"username": "huong"}, follow_redirects=True
    )
    assert response.request.path == f"/admin/users/{holder.id}"  # done: back to the person

    with app.app_context():
        connection = db.session.connection()
        assert _found_anywhere(connection, NAME) == []
        assert _found_anywhere(connection, EMAIL) == []
        person = db.session.get(User, holder.id)
        assert person.full_name == f"Former official #{holder.id}" and not person.active
        assert person.username == f"former-{holder.id}" and person.email is None
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(SignIn).where(SignIn.user_id == holder.id)
            )
            == 0
        )
        assert (
            db.session.scalar(
                sa.select(AuditEntry.actor_id).where(AuditEntry.action == "user.anonymised")
            )
            == admin.id
        )
    after = {url: _without_tokens(client.get(url).get_data(as_text=True)) for url in dashboards}
    assert after == before

    page = app.test_client().get(f"/verify/{display_code(code)}").get_data(as_text=True)
    assert "Giấy chứng nhận còn hiệu lực" in page and serial in page
    assert f"Former official #{holder.id}" in page
    assert (
        app.test_client()
        .submit("/login", {"username": "huong", "password": holder.test_password})
        .status_code
        == 200
    )  # refused: the sign-in page again


def test_anonymising_needs_the_username_typed(app, client, certified, login_as):
    holder = certified.holder
    login_as(client, certified.admin)
    response = client.submit(f"/admin/users/{holder.id}/anonymise", {"username": "binh"})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(User, holder.id).full_name == NAME
