"""HR roster import through the service and the `lms users import` command."""

import io
import re
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask_babel import refresh
from openpyxl import Workbook

from lms.accounts import services as accounts
from lms.accounts.models import User
from lms.catalogue.models import Module
from lms.core import signals
from lms.core.errors import Invalid, PermissionDenied
from lms.core.models import AuditEntry
from lms.core.permissions import Role
from lms.extensions import db
from lms.learning.models import ModuleAssignment
from lms.notifications.models import ASSIGNED, Notification
from lms.org import roster, services
from lms.org.models import DUE_FROM_ASSIGNMENT, Position, PositionAssignment
from lms.testing.courses import sync, write_course

DATA = Path(__file__).parents[1] / "data" / "roster"
HEADER = "username,full_name,email,unit_code,position_codes,start_date,roles"


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def xlsx_bytes(*rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def run(data: bytes, *, dry_run=False, actor=None):
    return roster.import_roster(actor, roster.read_roster(data), dry_run=dry_run)


def by_line(report) -> dict[int, roster.RowResult]:
    return {row.line: row for row in report.rows}


def reasons(row) -> str:
    return " ".join(str(message) for message in row.messages)


@pytest.fixture
def english(app, monkeypatch):
    """Messages in English, whatever the site's default language or catalogue."""
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")
    refresh()


@pytest.fixture
def org_chart(appctx, factory, english):
    ward = factory.unit(kind="ward", code="R-WARD", name_vi="Phường Lê Chân")
    desk = factory.unit(parent=ward, kind="one_stop", code="R-DESK-UNIT", name_vi="Một cửa")
    closed = factory.unit(parent=ward, code="R-OLD", name_vi="Xã cũ")
    closed.valid_to = date(2025, 12, 31)
    retired = factory.position(code="R-RETIRED")
    retired.active = False
    db.session.flush()
    return SimpleNamespace(
        ward=ward,
        desk=desk,
        closed=closed,
        doc=factory.position(code="R-DOC", name_vi="Văn thư"),
        counter=factory.position(code="R-DESK", name_vi="Một cửa"),
        retired=retired,
        admin=factory.user(roles=[Role.ADMIN], username="hr.admin"),
    )


def users_named(*usernames) -> dict[str, User]:
    query = sa.select(User).where(User.username.in_(usernames))
    return {user.username: user for user in db.session.scalars(query)}


def positions_of(user) -> set[tuple[str, str]]:
    query = sa.select(PositionAssignment).where(PositionAssignment.user_id == user.id)
    return {(a.position.code, a.unit.code) for a in db.session.scalars(query)}


GOOD = csv_bytes(
    "nguyen.van.binh,Nguyễn Văn Bình,binh@example.vn,R-WARD,R-DOC;R-DESK,2026-03-01,",
    "tran.thi.cuc,Trần Thị Cúc,,r-desk-unit,r-desk,01/03/2026,learner;trainer",
)


def test_dry_run_reports_every_row_and_writes_nothing(org_chart):
    before = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)))
    report = run(GOOD, dry_run=True, actor=org_chart.admin)
    assert [(row.line, row.username, row.status) for row in report.rows] == [
        (2, "nguyen.van.binh", "created"),
        (3, "tran.thi.cuc", "created"),
    ]
    assert report.counts == {"created": 2, "updated": 0, "unchanged": 0, "error": 0}
    assert users_named("nguyen.van.binh", "tran.thi.cuc") == {}
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == before


def test_apply_creates_accounts_and_positions_then_reimport_changes_nothing(org_chart):
    received = []

    def hear(assignments, actor):
        received.extend(assignments)

    signals.positions_assigned.connect(hear)
    try:
        report = run(GOOD, actor=org_chart.admin)
    finally:
        signals.positions_assigned.disconnect(hear)
    assert report.counts["created"] == 2 and not report.has_errors
    made = users_named("nguyen.van.binh", "tran.thi.cuc")
    binh, cuc = made["nguyen.van.binh"], made["tran.thi.cuc"]
    assert positions_of(binh) == {("R-DOC", "R-WARD"), ("R-DESK", "R-WARD")}
    assert positions_of(cuc) == {("R-DESK", "R-DESK-UNIT")}
    assert len(received) == 3  # through assign_position, so learning hears of it
    assert binh.email == "binh@example.vn" and binh.role_set == {Role.LEARNER}
    assert cuc.role_set == {Role.LEARNER, Role.TRAINER}
    assert sorted(report.created_user_ids) == sorted([binh.id, cuc.id])
    entry = db.session.get(AuditEntry, report.audit_id)
    assert entry.action == "roster.imported" and entry.actor_id == org_chart.admin.id
    assert entry.details["created"] == 2 and entry.details["error"] == 0

    again = run(GOOD, actor=org_chart.admin)
    assert [row.status for row in again.rows] == ["unchanged", "unchanged"]
    assert positions_of(binh) == {("R-DOC", "R-WARD"), ("R-DESK", "R-WARD")}
    assert db.session.scalar(sa.select(sa.func.count(PositionAssignment.id))) == 3


def test_new_accounts_have_no_usable_password(org_chart):
    run(GOOD)
    user = users_named("tran.thi.cuc")["tran.thi.cuc"]
    assert user.password_hash.startswith("!")
    for guess in ("", "!", user.password_hash, user.password_hash[1:]):
        assert accounts.authenticate("tran.thi.cuc", guess) is None


def test_existing_user_is_updated_and_keeps_what_the_file_omits(org_chart, factory):
    user = factory.user(username="le.van.dung", full_name="Lê Văn Dũng", roles=[Role.MANAGER])
    factory.assignment(user, org_chart.doc, org_chart.ward, starts_on=date(2025, 1, 1))
    other = factory.position(code="R-OTHER")
    factory.assignment(user, other, org_chart.desk, starts_on=date(2025, 1, 1))
    report = run(
        csv_bytes(
            "LE.VAN.DUNG,Lê Văn Dũng (mới),dung@example.vn,R-WARD,R-DOC;R-DESK,2026-03-01,trainer"
        )
    )
    row = report.rows[0]
    assert row.status == "updated", reasons(row)
    assert "R-DESK" in reasons(row) and "R-DOC" not in reasons(row)
    db.session.refresh(user)
    assert user.full_name == "Lê Văn Dũng (mới)" and user.email == "dung@example.vn"
    assert user.role_set == {Role.MANAGER, Role.TRAINER}  # roles only added
    assert positions_of(user) == {
        ("R-DOC", "R-WARD"),
        ("R-DESK", "R-WARD"),
        ("R-OTHER", "R-DESK-UNIT"),
    }
    ended = sa.select(PositionAssignment).where(PositionAssignment.ends_on.is_not(None))
    assert db.session.scalars(ended).all() == []
    assert user.password_hash.startswith("$argon2")  # a password is never touched


def test_held_position_is_unchanged_even_when_retired(org_chart, factory):
    user = factory.user(username="holder", full_name="Người Giữ")
    org_chart.retired.active = True
    factory.assignment(user, org_chart.retired, org_chart.ward)
    org_chart.retired.active = False  # retired after it was assigned: the holder keeps it
    report = run(csv_bytes("holder,Người Giữ,,R-WARD,R-RETIRED,2026-03-01,"))
    assert report.rows[0].status == "unchanged"


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("a1,Tên,,NOPE,R-DOC,2026-03-01,", "Unknown unit code NOPE"),
        ("a2,Tên,,R-WARD,R-DOC;BOGUS,2026-03-01,", "Unknown position code BOGUS"),
        ("a3,Tên,,R-WARD,R-DOC,31/02/2026,", "The start date 31/02/2026 is not a date"),
        ("a4,Tên,,R-WARD,R-DOC,next monday,", "is not a date"),
        ("a5,Tên,not-an-email,R-WARD,R-DOC,2026-03-01,", "not-an-email is not valid"),
        ("a6,,,R-WARD,R-DOC,2026-03-01,", "No full name given"),
        (",Tên,,R-WARD,R-DOC,2026-03-01,", "No username given"),
        ("a8,Tên,,R-WARD,,2026-03-01,", "No position codes given"),
        ("Nguyễn An,Tên,,R-WARD,R-DOC,2026-03-01,", "The username nguyễn an is not valid"),
        ("a10,Tên,,R-OLD,R-DOC,2026-03-01,", "The unit R-OLD is closed"),
        ("a11,Tên,,R-WARD,R-RETIRED,2026-03-01,", "R-RETIRED is no longer in use"),
        ("a12,Tên,taken@example.vn,R-WARD,R-DOC,2026-03-01,", "already used by another account"),
        ("a13,Tên,,R-WARD,R-DOC,2026-03-01,boss", "Unknown role boss"),
    ],
)
def test_each_problem_is_explained(org_chart, factory, row, expected):
    factory.user(username="owner", email="taken@example.vn")
    report = run(csv_bytes(row))
    result = report.rows[0]
    assert result.status == "error"
    assert expected in reasons(result)
    assert result.line == 2


def test_a_row_with_two_problems_lists_both(org_chart):
    report = run(csv_bytes("x1,Tên,bad@,NOPE,R-DOC,01/13/2026,"))
    text = reasons(report.rows[0])
    assert "Unknown unit code NOPE" in text
    assert "bad@ is not valid" in text
    assert "01/13/2026 is not a date" in text


def test_duplicate_username_in_the_file_reports_both_lines(org_chart):
    report = run(
        csv_bytes(
            "dup,Người Một,,R-WARD,R-DOC,2026-03-01,",
            "ok.user,Người Hai,,R-WARD,R-DOC,2026-03-01,",
            "DUP,Người Ba,,R-WARD,R-DESK,2026-03-01,",
        )
    )
    rows = by_line(report)
    assert rows[2].status == rows[4].status == "error"
    assert "lines 2, 4" in reasons(rows[2]) and "lines 2, 4" in reasons(rows[4])
    assert rows[3].status == "created"
    assert set(users_named("dup", "ok.user")) == {"ok.user"}


def test_one_bad_row_does_not_stop_the_others(org_chart):
    report = run(
        csv_bytes(
            "good.one,Người Một,,R-WARD,R-DOC,2026-03-01,",
            "bad.one,Người Hai,,NOPE,R-DOC,2026-03-01,",
            "good.two,Người Ba,,R-WARD,R-DOC,2026-03-01,",
        )
    )
    assert [row.status for row in report.rows] == ["created", "error", "created"]
    assert set(users_named("good.one", "bad.one", "good.two")) == {"good.one", "good.two"}
    assert report.counts == {"created": 2, "updated": 0, "unchanged": 0, "error": 1}


def test_a_row_failing_midway_leaves_nothing_of_itself(org_chart):
    def refuse_counter(assignments, actor):
        for row in assignments:
            person, position = (
                db.session.get(User, row.user_id),
                db.session.get(Position, row.position_id),
            )
            if position.code == "R-DESK" and person.username == "half.done":
                raise Invalid("The curriculum could not be assigned.")

    signals.positions_assigned.connect(refuse_counter)
    try:
        report = run(
            csv_bytes(
                "half.done,Người Dở Dang,half@example.vn,R-WARD,R-DOC;R-DESK,2026-03-01,",
                "after.it,Người Sau,,R-WARD,R-DESK,2026-03-01,",
            )
        )
    finally:
        signals.positions_assigned.disconnect(refuse_counter)
    first, second = report.rows
    assert first.status == "error" and "could not be assigned" in reasons(first)
    assert first.user_id is None
    assert second.status == "created"
    assert set(users_named("half.done", "after.it")) == {"after.it"}
    assigned = sa.select(sa.func.count(PositionAssignment.id))
    assert db.session.scalar(assigned) == 1
    created = sa.select(AuditEntry).where(AuditEntry.action == "user.created")
    assert [e.details["username"] for e in db.session.scalars(created)] == ["hr.admin", "after.it"]


def test_excel_csv_with_bom_semicolons_vietnamese_headers_and_dates(org_chart):
    report = run((DATA / "excel-bom-semicolon.csv").read_bytes())
    assert [(row.line, row.status) for row in report.rows] == [(2, "created"), (3, "created")]
    made = users_named("pham.thu.ha", "do.van.hung")
    assert positions_of(made["pham.thu.ha"]) == {("R-DOC", "R-WARD"), ("R-DESK", "R-WARD")}
    starts = db.session.scalars(
        sa.select(PositionAssignment.starts_on).where(
            PositionAssignment.user_id == made["do.van.hung"].id
        )
    ).all()
    assert starts == [date(2026, 2, 1)]  # 1/2/2026 is the first of February


def test_xlsx_with_date_cells_numbers_and_blank_rows(org_chart):
    data = xlsx_bytes(
        ["Tên đăng nhập", "Họ và tên", "Mã đơn vị", "Mã vị trí việc làm", "Ngày bắt đầu"],
        ["xl.one", "Vũ Thị Một", "R-WARD", "R-DOC", datetime(2026, 3, 1)],
        [None, None, None, None, None],
        [20260042, "Số Hiệu", "R-WARD", "R-DOC", "15/03/2026"],
        ["xl.bad", "Sai Ngày", "R-WARD", "R-DOC", "hôm qua"],
    )
    report = run(data)
    assert [(row.line, row.username, row.status) for row in report.rows] == [
        (2, "xl.one", "created"),
        (4, "20260042", "created"),
        (5, "xl.bad", "error"),
    ]
    held = db.session.execute(
        sa.select(User.username, PositionAssignment.starts_on)
        .join(PositionAssignment, PositionAssignment.user_id == User.id)
        .where(User.username.in_(["xl.one", "20260042"]))
        .order_by(User.username)
    ).all()
    assert held == [("20260042", date(2026, 3, 15)), ("xl.one", date(2026, 3, 1))]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "empty"),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" * 10, "neither an Excel"),
        ("tên;họ".encode("cp1258", errors="replace") + b"\xe9\xff", "neither an Excel"),
        (b"PK\x03\x04not really a zip", "neither an Excel"),
        (b"Dear HR,\nplease find the list attached.\n", "no column name"),
        (b"username,full_name\nx,y\n", "unit_code (Mã đơn vị)"),
        (HEADER.encode() + b"\n\n,,,\n", "no rows of people below them"),
        (xlsx_bytes(HEADER.split(","), [None, ""]), "no rows of people below them"),
    ],
)
def test_unreadable_files_are_refused_with_a_clear_message(org_chart, data, expected):
    with pytest.raises(roster.RosterFileError) as refused:
        roster.read_roster(data)
    assert expected in str(refused.value.message)


def test_missing_columns_are_all_named(org_chart):
    with pytest.raises(roster.RosterFileError) as refused:
        roster.read_roster(b"username,full_name,email\nx,y,z\n")
    message = str(refused.value.message)
    for column in ("unit_code", "position_codes", "start_date"):
        assert column in message


def test_office_file_that_is_not_a_workbook_is_refused(org_chart):
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(roster.RosterFileError):
        roster.read_roster(out.getvalue())


def test_file_over_the_size_limit_is_refused(org_chart, app, monkeypatch):
    monkeypatch.setitem(app.config, "LMS_ROSTER_MAX_BYTES", 1024)
    with pytest.raises(roster.RosterFileError) as refused:
        roster.read_roster(csv_bytes(*["a,b,,R-WARD,R-DOC,2026-03-01,"] * 100))
    assert "too large" in str(refused.value.message)


def test_only_admins_import(org_chart, factory):
    manager = factory.manager_of(org_chart.ward)
    with pytest.raises(PermissionDenied):
        run(GOOD, actor=manager)


def test_300_rows_with_a_few_batched_lookups(org_chart, count_queries):
    rows = [
        f"p{n:03d},Người Số {n},p{n}@example.vn,R-WARD,R-DOC;R-DESK,2026-03-01," for n in range(300)
    ]
    data = csv_bytes(*rows)
    with count_queries() as checking:
        report = run(data, dry_run=True)
    assert report.counts["created"] == 300
    assert checking.n < 15  # lookups in batches, not one per row
    report = run(data)
    assert report.counts["created"] == 300
    assert run(data).counts["unchanged"] == 300


@contextmanager
def statements():
    """The statements run in the block, as (verb, text)."""
    seen = []

    def note(_connection, _cursor, statement, *_args):
        seen.append((statement.split(None, 1)[0].upper(), statement))

    engine = db.engines[None]
    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)


def _statements_applying_ten_and_three_hundred() -> tuple[list, list]:
    """The statements of applying 10 new people ("few000"…) and then 300 ("many000"…), each
    holding R-DOC and R-DESK in R-WARD. (SQLite, with no round trips to save, inserts the
    rows the ORM needs back one statement each: its INSERTs are left out.)"""

    def rows(count, tag):
        return csv_bytes(
            *(
                f"{tag}{n:03d},Người Số {n},{tag}{n}@example.vn,R-WARD,R-DOC;R-DESK,2026-03-01,"
                for n in range(count)
            )
        )

    with statements() as few:
        assert run(rows(10, "few")).counts["created"] == 10
    with statements() as many:
        assert run(rows(300, "many")).counts["created"] == 300
    if db.engine.dialect.name == "sqlite":
        few = [verb for verb, _text in few if verb != "INSERT"]
        many = [verb for verb, _text in many if verb != "INSERT"]
    return few, many


def test_applying_costs_the_same_statements_for_ten_rows_as_for_three_hundred(org_chart):
    few, many = _statements_applying_ten_and_three_hundred()
    # A chunk is applied in bulk: the statements do not grow with the rows.
    assert len(many) <= len(few) + 2, (len(few), len(many))
    made = users_named("many000", "many299")
    assert positions_of(made["many299"]) == {("R-DOC", "R-WARD"), ("R-DESK", "R-WARD")}
    entries = sa.select(sa.func.count(AuditEntry.id)).where(
        AuditEntry.action.in_(["user.created", "position.assigned"]),
        AuditEntry.details["username"].as_string().like("many%")
        | AuditEntry.details["user"].as_string().like("many%"),
    )
    assert db.session.scalar(entries) == 300 + 600


def test_template_files_read_back_as_one_example_row(org_chart):
    for data in (roster.template_csv(), roster.template_xlsx()):
        table = roster.read_roster(data)
        assert len(table.rows) == 1
        values = table.rows[0].values
        assert values["full_name"] == "Nguyễn Thị Lan"
        assert roster.parse_date(values["start_date"]) == date(2026, 3, 1)


# --- the command line ----------------------------------------------------------------------


@pytest.fixture
def cli_org(app, factory, monkeypatch):
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")
    ward = factory.unit(kind="ward", code="C-WARD")
    factory.position(code="C-DOC")
    return ward


def test_cli_dry_run_then_apply_with_links(app, cli_org, tmp_path):
    source = tmp_path / "roster.csv"
    source.write_bytes(
        csv_bytes(
            "cli.one,Hoàng Văn Một,,C-WARD,C-DOC,2026-03-01,",
            "cli.two,Hoàng Văn Hai,,C-WARD,C-DOC,2026-03-01,",
        )
    )
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["users", "import", str(source), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Created: 2, updated: 0, unchanged: 0, errors: 0." in dry.output
    assert "nothing was written" in dry.output
    with app.app_context():
        assert users_named("cli.one") == {}

    links = tmp_path / "links.csv"
    applied = runner.invoke(
        args=[
            "users",
            "import",
            str(source),
            "--links",
            str(links),
            "--base-url",
            "https://hoctap.example.vn",
        ]
    )
    assert applied.exit_code == 0, applied.output
    assert str(links) in applied.output
    text = links.read_bytes().decode("utf-8-sig")
    assert text.count("https://hoctap.example.vn/account/activate/") == 2
    assert "cli.one,Hoàng Văn Một," in text

    again = runner.invoke(args=["users", "import", str(source)])
    assert again.exit_code == 0
    assert "unchanged: 2" in again.output


def test_cli_prints_problem_rows_and_exits_1(app, cli_org, tmp_path):
    source = tmp_path / "bad.csv"
    source.write_bytes(
        csv_bytes(
            "cli.ok,Người Ổn,,C-WARD,C-DOC,2026-03-01,",
            "cli.bad,Người Lỗi,,NOPE,C-DOC,2026-03-01,",
        )
    )
    result = app.test_cli_runner().invoke(args=["users", "import", str(source)])
    assert result.exit_code == 1
    assert re.search(
        rf"^{re.escape(str(source))}:3: cli\.bad: Unknown unit code NOPE\.$", result.output, re.M
    )
    assert "cli.ok" not in result.output.split("Created")[0]
    assert "Created: 1, updated: 0, unchanged: 0, errors: 1." in result.output
    with app.app_context():
        assert set(users_named("cli.ok", "cli.bad")) == {"cli.ok"}  # committed once


def test_cli_refuses_an_unreadable_file(app, cli_org, tmp_path):
    source = tmp_path / "program.csv"
    source.write_bytes(b"MZ\x90\x00" + bytes(range(256)))
    result = app.test_cli_runner().invoke(args=["users", "import", str(source)])
    assert result.exit_code == 1
    assert "program.csv" in result.output and "neither an Excel" in result.output


def test_cli_refuses_a_roster_with_a_header_and_no_rows(app, cli_org, tmp_path):
    source = tmp_path / "header-only.csv"
    source.write_bytes(csv_bytes())
    result = app.test_cli_runner().invoke(args=["users", "import", str(source)])
    assert result.exit_code == 1
    assert "header-only.csv: The file has the column names but no rows" in result.output


def test_cli_refuses_a_links_file_it_cannot_write_before_creating_anyone(app, cli_org, tmp_path):
    source = tmp_path / "roster.csv"
    source.write_bytes(csv_bytes("cli.new,Hoàng Văn Mới,,C-WARD,C-DOC,2026-03-01,"))
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count(User.id)))
    links = tmp_path / "no-such-folder" / "links.csv"
    result = app.test_cli_runner().invoke(
        args=["users", "import", str(source), "--links", str(links)]
    )
    assert result.exit_code == 1
    assert f"Cannot write the activation links to {links}" in result.output
    assert "nothing was imported" in result.output and "Traceback" not in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == before
    # The check leaves no file behind where the links file could be written.
    written = tmp_path / "links.csv"
    dry = app.test_cli_runner().invoke(
        args=["users", "import", str(source), "--links", str(written), "--dry-run"]
    )
    assert dry.exit_code == 0 and not written.exists()


def test_cli_says_where_the_links_are_when_writing_them_fails_after_the_import(
    app, cli_org, tmp_path, monkeypatch
):
    source = tmp_path / "roster.csv"
    source.write_bytes(csv_bytes("cli.late,Hoàng Văn Muộn,,C-WARD,C-DOC,2026-03-01,"))
    links = tmp_path / "links.csv"

    def disk_full(self, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", disk_full)
    result = app.test_cli_runner().invoke(
        args=["users", "import", str(source), "--links", str(links)]
    )
    assert result.exit_code == 1
    assert "The accounts were imported, but their activation links could not be" in result.output
    assert "No space left on device" in result.output and "/links.csv" in result.output
    assert "Traceback" not in result.output
    with app.app_context():
        assert set(users_named("cli.late")) == {"cli.late"}


@pytest.fixture
def synced_modules(app, tmp_path):
    for slug in ("an-toan", "van-ban"):
        write_course(tmp_path / "courses", slug, lessons=1)
    sync(app, tmp_path / "courses")
    with app.app_context():
        return {m.slug: m.id for m in db.session.scalars(sa.select(Module))}


def test_positions_with_curricula_cost_the_same_statements_for_ten_rows_as_three_hundred(
    synced_modules, org_chart
):
    """Learning assigns the chunk's curricula set-based: the statements of a chunk do not
    grow with its rows, and everyone gets each module once, with one notification."""
    for position in (org_chart.doc, org_chart.counter):
        for module_id in synced_modules.values():
            services.set_curriculum_item(
                None, position, module_id, due_basis=DUE_FROM_ASSIGNMENT, due_days=30
            )

    few, many = _statements_applying_ten_and_three_hundred()
    assert len(many) <= len(few) + 2, (len(few), len(many))
    people = sa.select(User.id).where(User.username.like("many%"))
    assigned = db.session.execute(
        sa.select(ModuleAssignment.user_id, ModuleAssignment.module_id).where(
            ModuleAssignment.user_id.in_(people), ModuleAssignment.retired_on.is_(None)
        )
    ).all()
    assert len(assigned) == len(set(assigned)) == 300 * 2
    told = sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id.in_(people), Notification.kind == ASSIGNED
    )
    assert db.session.scalar(told) == 300 * 2
