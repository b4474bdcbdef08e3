"""Every table and list downloads as CSV (UTF-8 with BOM) and XLSX (bold headers, widths,
dates as dates), with the same rows the page shows."""

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook


def test_people_list_as_csv(client, country, login_as):
    login_as(client, country.manager)
    response = client.get(f"/reports/units/{country.ward.id}/export/people.csv?status=overdue")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == 1 + 4
    names = sorted(row[0] for row in rows[1:])
    assert names == ["Lê Minh Chi", "Lê Minh Chi", "Trần Thị Bình", "Trần Thị Bình"]
    assert {row[5] for row in rows[1:]} == {"2026-02-04"}


def test_people_list_as_xlsx(client, country, login_as):
    login_as(client, country.manager)
    response = client.get(f"/reports/units/{country.ward.id}/export/people.xlsx?sort=due")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.get_data()))
    sheet = book.active
    header = [cell for cell in sheet[1]]
    assert all(cell.font.bold for cell in header)
    assert sheet.column_dimensions["A"].width == 30
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 6  # three people, two modules each
    assert {row[0] for row in rows} == {"Nguyễn Văn An", "Trần Thị Bình", "Lê Minh Chi"}
    due = [row[5] for row in rows]
    assert all(value.date() == date(2026, 2, 4) for value in due)


@pytest.mark.parametrize("table", ["units", "positions", "modules", "months"])
def test_dashboard_tables_download_in_both_formats(client, country, login_as, table):
    login_as(client, country.admin)
    csv_rows = list(
        csv.reader(
            io.StringIO(
                client.get(f"/reports/units/{country.city.id}/export/{table}.csv")
                .get_data()
                .decode("utf-8-sig")
            )
        )
    )
    book = load_workbook(
        io.BytesIO(client.get(f"/reports/units/{country.city.id}/export/{table}.xlsx").get_data())
    )
    xlsx_rows = list(book.active.iter_rows(values_only=True))
    assert len(csv_rows) == len(xlsx_rows) > 1
    if table == "units":
        assert csv_rows[1:] == [
            ["Phường Hồng Bàng", "3", "6", "2", "1", "3", "0", "4", "33"],
            ["Xã An Dương", "1", "2", "1", "0", "1", "0", "1", "50"],
        ]
        assert xlsx_rows[1] == ("Phường Hồng Bàng", 3, 6, 2, 1, 3, 0, 4, 33)
    if table == "months":
        assert len(csv_rows) == 13 and csv_rows[-1][0] == "2026-03-01"
