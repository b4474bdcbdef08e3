"""One data set per database for the tests that walk every route: a user for every role
and relation to the objects a URL can name, and one of each such object.

It is built once per test module (on each database) inside a transaction that is rolled
back at the end, like the ``app`` fixture's but shared by the module's tests; a test that
changes anything runs its request in a savepoint of its own (``World.request``), so every
request finds the same data.
"""

import functools
import hashlib
import io
import re
import shutil
import tomllib
import zipfile
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
import tomli_w
from PIL import Image

from lms.accounts import activation, password_reset
from lms.accounts.models import SignIn
from lms.api import services as api
from lms.authoring import services as authoring
from lms.catalogue.models import Module, VersionMedia
from lms.certificates.models import Certificate
from lms.classes import services as classes
from lms.core import clock
from lms.core.models import AuditEntry
from lms.core.permissions import Role
from lms.extensions import db, limiter
from lms.learning import bulk
from lms.needs import services as needs
from lms.needs.models import Competency
from lms.org import roster
from lms.plugins import registry
from lms.reports import services as reports
from lms.testing.courses import sync, write_course
from lms.testing.factories import Factories
from lms.testing.plugin import rolled_back

COURSES = Path(__file__).parents[1] / "data" / "courses"
WEB_MODULE = "matrix-web"
PLUGIN_MODULE = "matrix-plugin"
LESSON_KEY = "what-is-a-signature"
QUIZ_KEY = "check"
MEDIA = "signing.png"
_ATTEMPT = re.compile(r'name="attempt" value="(\d+)"')


def _web_course_zip(folder) -> bytes:
    """The sample course (lessons, media) with the quiz course's quiz added, as a zip. Its
    diagram becomes a PNG: an uploaded module may not carry SVG."""
    root = folder / WEB_MODULE
    shutil.copytree(COURSES / "sample-course", root)
    (root / "media" / "signing.svg").unlink()
    Image.new("RGB", (8, 8), "white").save(root / "media" / MEDIA)
    for lesson in (root / "lessons").rglob("*.md"):
        lesson.write_text(lesson.read_text("utf-8").replace("signing.svg", MEDIA), "utf-8")
    shutil.copytree(COURSES / "quiz-course" / "banks", root / "banks")
    manifest = tomllib.loads((root / "manifest.toml").read_text(encoding="utf-8"))
    quiz = tomllib.loads((COURSES / "quiz-course" / "manifest.toml").read_text(encoding="utf-8"))
    manifest["id"] = WEB_MODULE
    manifest["activities"].append(next(a for a in quiz["activities"] if a["key"] == QUIZ_KEY))
    (root / "manifest.toml").write_text(tomli_w.dumps(manifest), encoding="utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                archive.write(path, f"{WEB_MODULE}/{path.relative_to(root).as_posix()}")
    return buffer.getvalue()


def _session_details(trainer_id: int) -> classes.SessionDetails:
    start = clock.now().replace(microsecond=0) + timedelta(days=7)
    return classes.SessionDetails(
        title_vi="Lớp chữ ký số",
        title_en="Digital signature class",
        mode="in_person",
        venue="Phòng họp tầng 2",
        address="1 Hoàng Văn Thụ, Hồng Bàng",
        capacity=20,
        enrol_opens_at=start - timedelta(days=14),
        enrol_closes_at=start - timedelta(days=2),
        cancel_until=start - timedelta(days=3),
        slots=[(start, start + timedelta(hours=3))],
        trainer_ids=(trainer_id,),
    )


def _build(app, folder) -> SimpleNamespace:
    """The objects, made through the services; returns their ids and names."""
    write_course(folder / "plugins", PLUGIN_MODULE, lessons=1)
    sync(app, folder / "plugins")
    made = SimpleNamespace()
    with app.test_request_context():
        factory = Factories(app)
        city = factory.unit(kind="city", code="MX")
        ward = factory.unit(parent=city, kind="ward", code="MX-W")
        counter = factory.unit(parent=ward, kind="one_stop", code="MX-W-1C")
        commune = factory.unit(parent=city, kind="commune", code="MX-C")
        position = factory.position(code="MX_CLERK")
        users = {
            "learner": factory.user(username="mx.learner"),
            "other_learner": factory.user(username="mx.other"),
            "owner": factory.user(roles=[Role.TRAINER], username="mx.owner"),
            "coauthor": factory.user(roles=[Role.TRAINER], username="mx.coauthor"),
            "other_trainer": factory.user(roles=[Role.TRAINER], username="mx.trainer"),
            "unit_manager": factory.manager_of(ward, username="mx.manager"),
            "sibling_manager": factory.manager_of(commune, username="mx.sibling"),
            "admin": factory.user(roles=[Role.ADMIN], username="mx.admin"),
        }
        learner, owner, admin = users["learner"], users["owner"], users["admin"]
        assignment = factory.assignment(learner, position, counter)
        factory.assignment(users["other_learner"], position, commune)
        item = factory.curriculum_item(position, PLUGIN_MODULE)
        factory.complete_lessons(learner, PLUGIN_MODULE)

        module = authoring.import_zip(owner, _web_course_zip(folder), registry())
        authoring.add_coauthor(owner, module, "mx.coauthor")
        session = classes.create_session(owner, _session_details(owner.id))
        classes.enrol(learner, session, learner)
        target = reports.create_target(
            admin,
            unit=ward,
            position=position,
            module=None,
            percent=80,
            due_on=clock.today() + timedelta(days=180),
        )
        needs.load_framework()
        job = roster.queue_job(admin, roster.template_csv(), source="roster.csv", total_rows=1)
        roster.run_job(job.id)
        bulk_job = bulk.request(
            users["unit_manager"],
            bulk.Scope(ward.id),
            db.session.scalar(sa.select(Module).where(Module.slug == PLUGIN_MODULE)),
            due_on=clock.today() + timedelta(days=30),
            only_missing=True,
        )
        db.session.flush()
        bulk.run_job(bulk_job.id)
        invited = activation.create_invited_user(None, username="mx.invited", full_name="Khách")
        api_client, _secret = api.create_client(
            admin, name="MX HR", scopes=["people:read"], units=[ward]
        )
        personal_token, _value = api.create_personal_token(
            learner, name="script", scopes=["people:read"], days=1
        )
        media = db.session.scalar(sa.select(VersionMedia.sha256).where(VersionMedia.path == MEDIA))
        made.values = {
            "user_id": learner.id,
            "unit_id": ward.id,
            "position_id": position.id,
            "assignment_id": assignment.id,
            "certificate_id": db.session.scalar(
                sa.select(Certificate.id).where(Certificate.user_id == learner.id)
            ),
            "item_id": item.id,
            "import_id": job.id,
            "kind": "csv",
            "code": db.session.scalar(
                sa.select(Certificate.code).where(Certificate.user_id == learner.id)
            ),
            "slug": WEB_MODULE,
            "key": QUIZ_KEY,
            "digest": media[:16],
            "path": MEDIA,
            "session_id": session.id,
            "slot_id": session.slots[0].id,
            "target_id": target.id,
            "bulk_id": bulk_job.id,
            "table": "people",
            "fmt": "csv",
            "filename": "css/app.css",
            "token": classes.calendar_token(learner),
            "attempt_id": None,  # the learner's, taken through the pages by ``World``
            "client_id": api_client.id,
            "token_id": personal_token.id,
        }
        made.tokens = {
            "activation": activation.make_token(invited),
            "reset": password_reset.make_token(learner.id, password_reset.fingerprint(learner)),
            "check_in": classes.check_in_token(session.slots[0], clock.now()),
        }
        made.audit_import_id = db.session.scalar(
            sa.select(AuditEntry.id).where(AuditEntry.action == "roster.imported")
        )
        made.competency = db.session.scalar(sa.select(Competency.code).order_by(Competency.code))
        made.lesson_key = LESSON_KEY
        made.plugin_module_id = db.session.scalar(
            sa.select(Module.id).where(Module.slug == PLUGIN_MODULE)
        )
        made.users = {role: (user.username, user.test_password) for role, user in users.items()}
        db.session.commit()
    return made


class World:
    """The shared data set: ``values`` fills URL parameters; ``clients`` holds a test client
    per role, signed in as the user of ``users`` (role → username and password), or
    signed out for ``"anonymous"``, each with its CSRF token in ``csrf``."""

    def __init__(self, app, connection, made):
        self.app = app
        self.connection = connection
        self._every_row = str(_every_row().compile(connection))
        self.__dict__.update(vars(made))
        self.clients, self.csrf = {}, {}
        for role in ["anonymous", *self.users]:
            client = self.clients[role] = app.test_client()
            if role != "anonymous":
                username, password = self.users[role]
                response = client.submit("/login", {"username": username, "password": password})
                assert response.status_code == 302, (role, response.get_data(as_text=True))
            self.csrf[role] = client.csrf_token()
        learner = self.clients["learner"]
        quiz = f"/modules/{WEB_MODULE}/{QUIZ_KEY}"
        page = learner.submit(quiz, {"action": "start", "stay": "1"}, follow_redirects=True)
        attempt = int(_ATTEMPT.search(page.get_data(as_text=True))[1])
        learner.submit(quiz, {"action": "submit", "attempt": attempt})
        self.values["attempt_id"] = attempt

    def request(self, role: str, method: str, url: str, data=None, *, checksum=False):
        """Send the request as ``role`` (a POST with a valid CSRF token and ``data``) inside
        a savepoint; returns the response and, when ``checksum``, the checksum of the tables
        before the savepoint is rolled back. The client's cookies are put back as they were,
        so a sign-out or a change of language does not carry over to the next request."""
        client = self.clients[role]
        limiter.reset()  # rate limits are not what is tested here
        names = (self.app.config["SESSION_COOKIE_NAME"], self.app.config["REMEMBER_COOKIE_NAME"])
        cookies = {name: client.get_cookie(name) for name in names}
        savepoint = self.connection.begin_nested()
        try:
            if method == "POST":
                response = client.post(url, data={"csrf_token": self.csrf[role], **(data or {})})
            else:
                response = client.get(url)
            after = self.checksum() if checksum else None
        finally:
            savepoint.rollback()
        for name, cookie in cookies.items():
            if cookie is None:
                client.delete_cookie(name)
            else:
                client.set_cookie(name, cookie.value)
        return response, after

    def checksum(self) -> dict[str, str]:
        """Per table, a digest of all its rows: every row of every table is read as one
        line of text by a single statement, compiled once (a round trip per table, or
        compiling each time, would be most of the matrix's time)."""
        lines = {table.name: [] for table in db.metadata.sorted_tables}
        for name, line in self.connection.exec_driver_sql(self._every_row):
            lines[name].append(line)
        return {
            name: hashlib.sha256("\n".join(sorted(rows)).encode()).hexdigest()
            for name, rows in lines.items()
        }


def _as_text(column) -> sa.ColumnElement:
    # Bytes (a media file) are not text to either database; their rows also hold the
    # content's SHA-256, so their length is enough to see a change.
    if isinstance(column.type, sa.LargeBinary):
        return sa.cast(sa.func.length(column), sa.Text)
    return sa.cast(column, sa.Text)


def _every_row() -> sa.CompoundSelect:
    """(table name, the row's columns as text) of every row of every table, but for a
    sign-in's last use: any request writes it every few minutes, whatever it asks."""
    separator = sa.literal_column("'|'")
    absent = sa.literal_column("'-'")
    selects = []
    for table in db.metadata.sorted_tables:
        columns = [
            sa.func.coalesce(_as_text(column), absent)
            for column in table.columns
            if column is not SignIn.__table__.c.last_used_at
        ]
        line = functools.reduce(lambda joined, column: joined + separator + column, columns)
        name = sa.literal_column(f"'{table.name}'", sa.Text)
        selects.append(sa.select(name.label("name"), line.label("line")))
    return sa.union_all(*selects)


@pytest.fixture(scope="module")
def world(built_app, tmp_path_factory):
    """The data set, on a connection whose transaction is rolled back after the module."""
    with rolled_back(built_app) as connection:
        made = _build(built_app, tmp_path_factory.mktemp("world"))
        yield World(built_app, connection, made)
