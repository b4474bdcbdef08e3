"""Tables as CSV or XLSX files, streamed: neither format holds every row in memory.

A table is a list of ``Column`` (header and width in characters) and an iterable of rows
(tuples of str, int, float, date or None), usually a database result read in batches.
"""

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from flask import Response, current_app
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 64 * 1024
BATCH = 1000


@dataclass(frozen=True)
class Column:
    header: str
    width: int = 14
    is_date: bool = False


def csv_chunks(columns: list[Column], rows: Iterable[tuple]) -> Iterator[str]:
    """UTF-8 text with a byte-order mark (so spreadsheet programs read Vietnamese right),
    in chunks of about ``BATCH`` rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([column.header for column in columns])
    yield buffer.getvalue()  # the header first, before any row is read
    buffer.seek(0)
    buffer.truncate()
    for number, row in enumerate(rows, start=1):
        writer.writerow(["" if value is None else _csv_value(value) for value in row])
        if number % BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _csv_value(value):
    return value.isoformat() if isinstance(value, date) else value


def write_xlsx(columns: list[Column], rows: Iterable[tuple], target, *, title: str) -> None:
    """A one-sheet workbook in write-only mode (rows go to disk as they come): bold
    headers, column widths, dates as dates."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31] or "Sheet")
    for number, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = column.width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    date_columns = [number for number, column in enumerate(columns) if column.is_date]
    for row in rows:
        if date_columns and any(row[number] is not None for number in date_columns):
            values = list(row)
            for number in date_columns:
                if values[number] is not None:
                    cell = WriteOnlyCell(sheet, value=values[number])
                    cell.number_format = "DD/MM/YYYY"
                    values[number] = cell
            sheet.append(values)
        else:
            sheet.append(list(row))
    book.save(target)


def _file_chunks(handle) -> Iterator[bytes]:
    try:
        while chunk := handle.read(CHUNK):
            yield chunk
    finally:
        handle.close()


def response(columns: list[Column], rows: Iterable[tuple], *, fmt: str, name: str) -> Response:
    """The table as a download named ``name``.``fmt``, streamed."""
    disposition = f'attachment; filename="{name}.{fmt}"'
    if fmt == "csv":
        app = current_app._get_current_object()

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

        return Response(body(), mimetype="text/csv", headers={"Content-Disposition": disposition})
    # Closed (and so deleted) by _file_chunks once the last chunk is sent.
    handle = tempfile.TemporaryFile()  # noqa: SIM115
    write_xlsx(columns, rows, handle, title=name)
    size = handle.tell()
    handle.seek(0)
    return Response(
        _file_chunks(handle),
        mimetype=XLSX_TYPE,
        headers={"Content-Disposition": disposition, "Content-Length": str(size)},
        direct_passthrough=True,
    )
