"""The one CSV/XLSX writer: stored text cannot act as a formula, numbers stay numbers,
characters XML cannot hold are replaced, rows are streamed."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from lms.core import tables
from lms.core.tables import Column

FORMULAS = [
    '=HYPERLINK("http://evil.example/","Mở")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
    "＋1",
    "－1",
    "＠SUM(1)",
]
COLUMNS = [Column("Text", 30), Column("Number"), Column("Day", is_date=True)]


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode()), "a byte-order mark, so Excel reads UTF-8"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def read_xlsx(data: bytes):
    return load_workbook(io.BytesIO(data)).active


@pytest.mark.parametrize("formula", FORMULAS)
def test_a_formula_in_csv_gets_a_leading_quote(formula):
    rows = read_csv(tables.csv_bytes(COLUMNS, [(formula, 1, None)]))
    assert rows[1][0] == "'" + formula


@pytest.mark.parametrize("formula", FORMULAS)
def test_a_formula_in_xlsx_is_quote_prefixed_text_shown_unchanged(formula):
    sheet = read_xlsx(tables.xlsx_bytes(COLUMNS, [(formula, 1, None)], sheet_title="t"))
    cell = sheet["A2"]
    assert cell.data_type == "s" and cell.quotePrefix
    # openpyxl writes a carriage return as _x000D_ with lxml installed (it comes back as it
    # was); without lxml, as a raw one that XML reads back as a new line.
    assert cell.value in (formula, formula.replace("\r", "\n"))


def test_ordinary_text_is_written_as_it_is():
    text = 'Nguyễn Văn An, Phường Hồng Bàng; 100% "đạt"\nhai dòng'
    assert read_csv(tables.csv_bytes(COLUMNS, [(text, 1, None)]))[1][0] == text
    cell = read_xlsx(tables.xlsx_bytes(COLUMNS, [(text, 1, None)], sheet_title="t"))["A2"]
    assert cell.value == text and not cell.quotePrefix


def test_numbers_stay_numbers_and_only_strings_are_neutralised():
    rows = [("a", -5, None), ("b", -2.5, None), ("c", Decimal("-1.25"), None), ("-5", 0, None)]
    csv_rows = read_csv(tables.csv_bytes(COLUMNS, rows))
    assert [row[:2] for row in csv_rows[1:]] == [
        ["a", "-5"],
        ["b", "-2.5"],
        ["c", "-1.25"],
        ["'-5", "0"],
    ]
    sheet = read_xlsx(tables.xlsx_bytes(COLUMNS, rows, sheet_title="t"))
    numbers = [sheet.cell(row=n, column=2) for n in range(2, 6)]
    assert [cell.value for cell in numbers] == [-5, -2.5, -1.25, 0]
    assert all(cell.data_type == "n" for cell in numbers)
    assert sheet["A5"].value == "-5" and sheet["A5"].data_type == "s" and sheet["A5"].quotePrefix


@pytest.mark.parametrize(
    "bad", ["\x1b", "\x00", "\x07", "\x0b", "\x7f", "\x85", "\ud800", "\ufffe", "\uffff"]
)
def test_characters_xml_cannot_hold_and_control_characters_become_replacement_marks(bad):
    text = f"Trần{bad}Thị Bình"
    expected = "Trần\ufffdThị Bình"
    csv_rows = read_csv(tables.csv_bytes(COLUMNS, [(text, 1, None)]))
    assert csv_rows[1][0] == expected
    sheet = read_xlsx(tables.xlsx_bytes(COLUMNS, [(text, 1, None)], sheet_title=text))
    assert sheet["A2"].value == expected and sheet.title == expected


def test_tabs_and_line_breaks_inside_text_are_kept():
    assert tables.printable("a\tb\nc\r\nd") == "a\tb\nc\r\nd"


def test_a_hostile_caption_header_and_sheet_title_are_made_safe_too():
    columns = [Column("=cmd|' /C calc'!A0"), Column("Số\x1b")]
    data = tables.xlsx_bytes(
        columns, [("x", 1)], sheet_title="[a/b]:c*?\x1b", caption="=Lớp\x1bký số"
    )
    book = load_workbook(io.BytesIO(data))
    sheet = book.active
    assert sheet.title == "-a-b--c--\ufffd"
    assert sheet.freeze_panes == "A3", "the caption and the header stay in view"
    assert sheet["A1"].value == "=Lớp\ufffdký số" and sheet["A1"].quotePrefix
    assert sheet["A1"].font.bold
    assert [sheet["A2"].value, sheet["B2"].value] == ["=cmd|' /C calc'!A0", "Số\ufffd"]
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)
    assert read_csv(tables.csv_bytes(columns, [("x", 1)]))[0] == ["'=cmd|' /C calc'!A0", "Số\ufffd"]


def test_dates_are_iso_text_in_csv_and_dates_in_xlsx():
    rows = [("a", 1, date(2026, 2, 4)), ("b", 2, None)]
    assert [row[2] for row in read_csv(tables.csv_bytes(COLUMNS, rows))[1:]] == ["2026-02-04", ""]
    sheet = read_xlsx(tables.xlsx_bytes(COLUMNS, rows, sheet_title="t"))
    assert sheet["C2"].value.date() == date(2026, 2, 4)
    assert sheet["C2"].number_format == "DD/MM/YYYY"
    assert sheet["C3"].value is None
    assert sheet["A1"].font.bold and sheet.column_dimensions["A"].width == 30
    assert sheet.freeze_panes == "A2"


def test_csv_sends_the_header_before_reading_a_row_and_then_batches_of_rows():
    read = []

    def rows():
        for number in range(tables.BATCH * 2 + 5):
            read.append(number)
            yield (f"row {number}", number, None)

    chunks = tables.csv_chunks(COLUMNS, rows())
    assert next(chunks) == "\ufeffText,Number,Day\r\n"
    assert read == []
    assert next(chunks).count("\r\n") == tables.BATCH
    assert len(read) == tables.BATCH
    rest = list(chunks)
    assert [chunk.count("\r\n") for chunk in rest] == [tables.BATCH, 5]


def test_responses_stream_csv_and_send_xlsx_with_its_length(appctx):
    rows = [("=1+1", 1, None)]
    as_csv = tables.response(COLUMNS, iter(rows), fmt="csv", name="bảng/1\r\n")
    assert as_csv.is_streamed and as_csv.mimetype == "text/csv"
    assert as_csv.headers["Content-Disposition"] == 'attachment; filename="b-ng-1.csv"'
    assert read_csv(b"".join(as_csv.response))[1][0] == "'=1+1"
    as_xlsx = tables.response(COLUMNS, rows, fmt="xlsx", name="people-hp-2026-01-05")
    body = b"".join(as_xlsx.response)
    assert int(as_xlsx.headers["Content-Length"]) == len(body)
    assert as_xlsx.headers["Content-Disposition"].endswith('filename="people-hp-2026-01-05.xlsx"')
    assert read_xlsx(body).title == "people-hp-2026-01-05"
    with pytest.raises(ValueError):
        tables.response(COLUMNS, rows, fmt="ods", name="x")
