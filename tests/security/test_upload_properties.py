"""Property tests of the upload parsers: whatever the bytes, rows or zip entries, reading a
roster raises nothing but ``RosterFileError`` and importing a module zip nothing but its
listed problems (``DraftProblems``) or another ``Invalid``; what reads back is what was
written, and nothing is unpacked outside its folder."""

import csv
import io
import warnings
import zipfile
from datetime import datetime

import pytest
from hostile_files import PNG, SVG_WITH_SCRIPT, module_files
from hypothesis import event, example, given
from hypothesis import strategies as st
from openpyxl import Workbook

from lms import create_app
from lms.authoring import packages, services
from lms.core.errors import Invalid
from lms.core.permissions import Role
from lms.extensions import db
from lms.org import roster
from lms.plugins import registry_of
from lms.testing.plugin import testing_config as config_for

COLUMNS = list(roster.COLUMNS)


@pytest.fixture(scope="module")
def reader(tmp_path_factory):
    """An application context for the roster reader, which needs configuration and
    translations but no database (so it runs once, not once per database)."""
    folder = tmp_path_factory.mktemp("reader")
    app = create_app(config_for(f"sqlite:///{folder / 'unused.sqlite3'}", folder))
    with app.test_request_context():
        yield app


def read(data: bytes) -> roster.Roster | None:
    """The roster, or None when the file is refused with the reader's own error."""
    try:
        table = roster.read_roster(data)
    except roster.RosterFileError as error:
        assert str(error.message)
        event("refused")
        return None
    event("read")
    return table


def corrupt(data: bytes, changes: list[tuple[int, int]]) -> bytes:
    damaged = bytearray(data)
    for position, value in changes:
        damaged[position % len(damaged)] = value
    return bytes(damaged)


changes = st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=8)
# Text a person could type in a cell: no control characters, no surrounding blanks (a
# cell is read stripped), not a formula, no Excel escape (_x0041_).
typed = st.text(
    st.characters(categories=("L", "M", "N", "Zs", "Pd", "Po", "Ps", "Pe", "Sm", "Sc")),
    max_size=20,
).filter(lambda text: text == text.strip() and not text.startswith("="))
people = st.lists(st.lists(typed, min_size=len(COLUMNS), max_size=len(COLUMNS)), max_size=12)
any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
any_rows = st.lists(st.lists(any_text, max_size=9), max_size=20)
any_cell = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=False, allow_infinity=False),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(9999, 1, 1)),
    typed,
    st.sampled_from(["01/03/2026", "2026-02-30", "31/12/9999", "ONE;TWO", "learner;admin"]),
)
header_cells = st.lists(
    st.one_of(
        st.sampled_from([*COLUMNS, *roster.VIETNAMESE_HEADERS.values(), "Ngày bắt đầu (dd/mm)*"]),
        typed,
    ),
    max_size=9,
)


def csv_of(rows: list[list[str]], delimiter: str = ",", bom: bool = False) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode()


def xlsx_of(rows: list[list]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- rosters --------------------------------------------------------------------------------


@given(
    start=st.sampled_from(
        [b"", b"\xef\xbb\xbf" + ",".join(COLUMNS).encode() + b"\n", b"PK\x03\x04"]
    ),
    data=st.binary(max_size=2048),
)
@example(start=b"", data=b"PK\x03\x04")
@example(start=b"", data=b"username\n" + b"\n" * 50_000)
@example(start=b"", data=b'"' * 3 + b"\n")
def test_any_bytes_read_as_a_roster_or_are_refused(reader, start, data):
    read(start + data)


@given(rows=any_rows, delimiter=st.sampled_from([",", ";", "\t"]), bom=st.booleans())
def test_any_csv_rows_read_as_a_roster_or_are_refused(reader, rows, delimiter, bom):
    read(csv_of(rows, delimiter, bom))


@given(header=header_cells, rows=st.lists(st.lists(any_cell, max_size=9), max_size=15))
def test_any_xlsx_cells_read_as_a_roster_or_are_refused(reader, header, rows):
    read(xlsx_of([header, *rows]))


@given(rows=people, delimiter=st.sampled_from([",", ";", "\t"]), bom=st.booleans())
def test_csv_rows_read_back_as_written(reader, rows, delimiter, bom):
    written = [row for row in rows if any(row)]
    table = read(csv_of([COLUMNS, *rows], delimiter, bom))
    if not written:
        assert table is None  # a header and no rows is refused
        return
    assert [list(row.values.values()) for row in table.rows] == written
    assert table.kind == "csv" and table.columns == COLUMNS


@given(rows=people)
def test_xlsx_rows_read_back_as_written(reader, rows):
    written = [row for row in rows if any(row)]
    table = read(xlsx_of([COLUMNS, *rows]))
    if not written:
        assert table is None
        return
    assert [list(row.values.values()) for row in table.rows] == written
    assert table.kind == "xlsx"


@given(rows=people, damage=changes)
def test_damaged_workbooks_are_refused_with_the_readers_error(reader, rows, damage):
    read(corrupt(xlsx_of([COLUMNS, *rows]), damage))


# --- module zips ----------------------------------------------------------------------------

HOSTILE_NAMES = [
    "../evil.md",
    "/etc/cron.d/evil",
    "C:\\Windows\\evil.md",
    "zip-course/../../evil.md",
    "zip-course\\..\\..\\evil.md",
    "zip-course/manifest.toml",
    "zip-course/lessons/en/01-what-is-a-signature.md",
    "zip-course/media/signing.png",
    "zip-course/media/signing.png/inside.png",
    "zip-course/media/map.svg",
    "zip-course/hooks.py",
    "zip-course/./media//signing.png",
    "zip-course/" + "long-name-" * 40 + ".md",
    "zip-course/media/",
    "",
    "manifest.toml",
]
LINK, FOLDER, FILE = 0o120777 << 16, 0o40755 << 16, 0o100644 << 16
entries = st.lists(
    st.tuples(
        st.one_of(st.sampled_from(HOSTILE_NAMES), st.text(max_size=40).map(lambda t: t[:255])),
        st.one_of(st.binary(max_size=300), st.sampled_from([PNG, SVG_WITH_SCRIPT, b"a" * 5000])),
        st.sampled_from([FILE, LINK, FOLDER, 0]),
        st.sampled_from(
            [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]
        ),
    ),
    max_size=8,
)


def archive_of(items) -> bytes:
    """A zip of (name, bytes, mode bits, compression) entries, kept as given."""
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w") as archive:
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name": meant
        for name, data, attributes, method in items:
            info = zipfile.ZipInfo(name.replace("\x00", ""), date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr, info.compress_type = attributes, method
            archive.writestr(info, data)
    return buffer.getvalue()


@given(items=entries, damage=changes, damaged=st.booleans())
@example(items=[("../evil.md", b"x", FILE, zipfile.ZIP_STORED)] * 2, damage=[], damaged=False)
@example(items=[("", b"x", FILE, zipfile.ZIP_STORED)], damage=[], damaged=False)
@example(items=[("x.md", b"abc" * 50, FILE, zipfile.ZIP_LZMA)], damage=[(36, 0)], damaged=True)
@example(items=[("x.md", b"abc" * 50, FILE, zipfile.ZIP_BZIP2)], damage=[(40, 0)], damaged=True)
@example(items=[("é.md", b"x", FILE, zipfile.ZIP_STORED)], damage=[(30, 0xFF)], damaged=True)
def test_any_zip_unpacks_inside_its_folder_or_lists_problems(tmp_path, items, damage, damaged):
    data = archive_of(items)
    box = tmp_path / f"box-{len(list(tmp_path.iterdir()))}"
    target = box / "course"
    target.mkdir(parents=True)
    problems = packages.unzip(corrupt(data, damage) if damaged else data, target)
    assert all(problem.file and problem.message for problem in problems)
    event("unpacked" if not problems else "problems listed")
    assert list(box.iterdir()) == [target]
    assert all(path.name.startswith("box-") for path in tmp_path.iterdir())
    assert not [path for path in box.rglob("*") if path.is_symlink()]


@pytest.fixture
def trainer(appctx, factory):
    return factory.user(roles=[Role.TRAINER], username="zip.trainer")


@given(items=entries, damage=changes, damaged=st.booleans())
@example(items=[], damage=[], damaged=False)
def test_any_module_zip_imports_or_is_refused_with_its_problems(
    appctx, trainer, items, damage, damaged
):
    """The sample course's files, then the generated entries."""
    module = [(name, data, FILE, zipfile.ZIP_DEFLATED) for name, data in module_files()]
    data = archive_of([*module, *items])
    if damaged:
        data = corrupt(data, damage)
    savepoint = db.session.begin_nested()
    try:
        services.import_zip(trainer, data, registry_of(appctx))
        event("imported")
    except Invalid as refused:
        assert str(refused.message)
        event(f"refused: {type(refused).__name__}")
    finally:
        savepoint.rollback()
