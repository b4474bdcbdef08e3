"""The one writer of tables as CSV or XLSX files: every download of rows goes through it.

A table is a list of ``Column`` (header, width in characters, whether it holds dates) and an
iterable of rows (tuples of str, int, float, Decimal, date or None), often a database result
read in batches. Neither format holds every row in memory.

Stored text is written so that it cannot act in a spreadsheet (OWASP, "CSV Injection"): a
string starting with ``= + - @``, a tab or a carriage return, or with the full-width
``＝ ＋ － ＠`` that spreadsheet programs also read as a formula, gets a leading single quote
in CSV; in XLSX it is a text cell with the quote-prefix flag (what Excel stores when someone
types the quote), so it shows unchanged and stays text even when edited. Numbers stay
numbers: only strings are neutralised. Characters that XML 1.0 cannot hold, and control
characters, are replaced by U+FFFD in both formats (``printable``): openpyxl refuses some and
would write others into a file Excel calls damaged.
"""

import csv
import io
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import Response, current_app
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMATS = ("csv", "xlsx")
CSV_TYPE = "text/csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 64 * 1024
BATCH = 1000

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# C0 controls but tab, line feed and carriage return; DEL and the C1 controls; surrogates and
# U+FFFE, U+FFFF, which XML 1.0 cannot hold at all.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_SHEET_TITLE_UNSAFE = re.compile(r"[\\/*?:\[\]]")
_FILENAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_NUMBERS = (int, float, Decimal)


@dataclass(frozen=True)
class Column:
    header: str
    width: int = 14
    is_date: bool = False


def printable(text: str) -> str:
    """``text`` with every control character (but tab and line breaks) and every character
    XML cannot hold replaced by U+FFFD; also used by the calendar writer."""
    return _UNPRINTABLE.sub("\ufffd", text) if _UNPRINTABLE.search(text) else text


def needs_quote(text: str) -> bool:
    """Whether a spreadsheet program would read ``text`` as the start of a formula."""
    return text.startswith(FORMULA_PREFIXES)


def _csv_value(value):
    if not isinstance(value, str):
        if value is None:
            return ""
        if isinstance(value, _NUMBERS):
            return value
        if isinstance(value, date):
            return value.isoformat()
        value = str(value)
    text = printable(value)
    return "'" + text if needs_quote(text) else text


def csv_chunks(columns: list[Column], rows: Iterable[tuple]) -> Iterator[str]:
    """UTF-8 text with a byte-order mark (so spreadsheet programs read Vietnamese right),
    the header first, then chunks of about ``BATCH`` rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([_csv_value(column.header) for column in columns])
    yield buffer.getvalue()  # the header first, before any row is read
    buffer.seek(0)
    buffer.truncate()
    for number, row in enumerate(rows, start=1):
        writer.writerow([_csv_value(value) for value in row])
        if number % BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_bytes(columns: list[Column], rows: Iterable[tuple]) -> bytes:
    """The whole CSV file at once, for a small table."""
    return "".join(csv_chunks(columns, rows)).encode("utf-8")


class _SheetWriter:
    """Turns values into what a write-only sheet takes: text made safe, dates formatted."""

    def __init__(self, sheet):
        self.sheet = sheet

    def text(self, value, font: Font | None = None) -> Cell | str:
        text = printable(str(value))
        quoted = needs_quote(text)
        if not (quoted or font):
            return text
        cell = WriteOnlyCell(self.sheet, value=text)
        if quoted:
            cell.data_type = "s"  # openpyxl makes a string starting with "=" a formula
            cell.quotePrefix = True
        if font:
            cell.font = font
        return cell

    def value(self, value, is_date: bool):
        if value is None or isinstance(value, _NUMBERS):
            return value
        if isinstance(value, date):
            if not is_date:
                return value
            # openpyxl writes dates; its type stub lists datetime only.
            cell = WriteOnlyCell(self.sheet, value=value)  # pyright: ignore[reportArgumentType]
            cell.number_format = "DD/MM/YYYY"
            return cell
        return self.text(value)


def _sheet_title(title: str) -> str:
    return _SHEET_TITLE_UNSAFE.sub("-", printable(title))[:31] or "Sheet"


def write_xlsx(
    columns: list[Column],
    rows: Iterable[tuple],
    target,
    *,
    sheet_title: str,
    caption: str | None = None,
) -> None:
    """A one-sheet workbook in write-only mode (rows go to disk as they come): an optional
    ``caption`` line above the table, bold headers, column widths, dates as dates."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_sheet_title(sheet_title))
    # A write-only sheet writes its widths and panes out with the first row: set them before.
    for number, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = column.width
    sheet.freeze_panes = "A3" if caption is not None else "A2"
    cells = _SheetWriter(sheet)
    if caption is not None:
        sheet.append([cells.text(caption, font=Font(bold=True, size=13))])
    bold = Font(bold=True)
    sheet.append([cells.text(column.header, font=bold) for column in columns])
    date_flags = [column.is_date for column in columns]
    for row in rows:
        sheet.append(
            [cells.value(value, is_date) for value, is_date in zip(row, date_flags, strict=True)]
        )
    book.save(target)


def xlsx_bytes(
    columns: list[Column], rows: Iterable[tuple], *, sheet_title: str, caption: str | None = None
) -> bytes:
    """The whole XLSX file at once, for a small table."""
    out = io.BytesIO()
    write_xlsx(columns, rows, out, sheet_title=sheet_title, caption=caption)
    return out.getvalue()


def _file_chunks(handle) -> Iterator[bytes]:
    try:
        while chunk := handle.read(CHUNK):
            yield chunk
    finally:
        handle.close()


def download_name(name: str, fmt: str) -> str:
    """A file name any browser and header accepts: letters, digits, '.', '_' and '-'."""
    return f"{_FILENAME_UNSAFE.sub('-', name).strip('-') or 'table'}.{fmt}"


def response(
    columns: list[Column],
    rows: Iterable[tuple],
    *,
    fmt: str,
    name: str,
    sheet_title: str | None = None,
    caption: str | None = None,
) -> Response:
    """The table as a download named ``name``.``fmt`` (``fmt`` is "csv" or "xlsx"), streamed.
    The XLSX sheet is called ``sheet_title`` (default ``name``) and shows ``caption`` above
    the table; the CSV has the table alone."""
    disposition = f'attachment; filename="{download_name(name, fmt)}"'
    if fmt == "csv":
        # current_app is typed as the Flask it stands for; the proxy has this method.
        app = current_app._get_current_object()  # pyright: ignore[reportAttributeAccessIssue]

        def body() -> Iterator[bytes]:
            # The rows are read while the response is sent, after the view returned: in an
            # application context of their own (not the request's, which has ended), so
            # ``rows`` must not need the request (translate labels before). The header goes
            # out first, outside it: a server that starts the body and drops it pushes none.
            chunks = csv_chunks(columns, rows)
            yield next(chunks).encode("utf-8")
            with app.app_context():
                for chunk in chunks:
                    yield chunk.encode("utf-8")

        return Response(body(), mimetype=CSV_TYPE, headers={"Content-Disposition": disposition})
    if fmt != "xlsx":
        raise ValueError(f"a table downloads as one of {FORMATS}, not {fmt!r}")
    # Closed (and so deleted) by _file_chunks once the last chunk is sent.
    handle = tempfile.TemporaryFile()  # noqa: SIM115
    write_xlsx(columns, rows, handle, sheet_title=sheet_title or name, caption=caption)
    size = handle.tell()
    handle.seek(0)
    return Response(
        _file_chunks(handle),
        mimetype=XLSX_TYPE,
        headers={"Content-Disposition": disposition, "Content-Length": str(size)},
        direct_passthrough=True,
    )
