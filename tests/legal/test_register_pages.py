"""The public pages of the register: every instrument with its status on a day, and a page
per instrument with its dates, what replaced or amended it, and its official source."""

import re
from datetime import date

import pytest
from legal_helpers import NEW, OLD, instrument, write_citing_course, write_instrument

from lms.config import ROOT
from lms.testing.courses import sync


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


@pytest.fixture
def loaded(app, client, register_folder, tmp_path, clock):
    """The test register, loaded by a sync, read by an English-speaking visitor."""
    clock.to(date(2026, 12, 7))
    write_instrument(
        register_folder,
        instrument(
            "5/2026/NĐ-CP", issued=date(2026, 1, 15), in_force_from=date(2026, 2, 1), amends=[NEW]
        ),
    )
    write_instrument(
        register_folder,
        instrument(
            NEW,
            issued=date(2025, 12, 1),
            in_force_from=date(2026, 1, 1),
            amended_by=["5/2026/NĐ-CP", "6/2099/NĐ-CP"],
            confirmed="UNCONFIRMED: only a newspaper reports the date.",
        ),
    )
    write_citing_course(tmp_path / "courses", vi=f"[[law:{NEW}]].", en=f"[[law:{NEW}]].")
    assert sync(app, tmp_path / "courses").ok
    client.submit("/language", {"locale": "en"})
    return client


def test_the_register_lists_every_instrument_with_its_status_today_to_anyone(loaded):
    page = text(loaded.get("/law/"))
    rows = re.findall(r'<th scope="row"><a href="(/law/[^"?]+)[^"]*">([^<]+)</a>', page)
    assert rows == [
        ("/law/3-2026-qh15", "Decree 3/2026/QH15"),
        ("/law/5-2026-nd-cp", "Decree 5/2026/ND-CP"),
        ("/law/2-2025-nd-cp", "Decree 2/2025/ND-CP"),
        ("/law/1-2020-nd-cp", "Decree 1/2020/ND-CP"),
    ]
    assert "Status on December 7, 2026" in page
    badges = re.findall(r'<span class="badge badge-\w+">([^<]+)</span>', page)
    assert badges == ["Not yet in force", "In force", "In force", "No longer in force"]


def test_the_status_is_shown_on_the_day_asked_for(loaded):
    page = text(loaded.get("/law/?on=2025-06-01"))
    assert "Status on June 1, 2025" in page
    badges = re.findall(r'<span class="badge badge-\w+">([^<]+)</span>', page)
    assert badges == ["Not yet in force", "Not yet in force", "Not yet in force", "In force"]
    assert 'href="/law/1-2020-nd-cp?on=2025-06-01"' in page
    assert "Status on December 7, 2026" in text(loaded.get("/law/?on=not-a-date"))


def test_an_instruments_page_shows_its_dates_successors_amendments_and_source(loaded):
    old = text(loaded.get("/law/1-2020-nd-cp"))
    assert "<h1>Decree 1/2020/ND-CP</h1>" in old
    assert "<p>Test decree 1/2020/ND-CP</p>" in old
    assert "<dt>Last day in force</dt><dd>December 31, 2025</dd>" in old
    assert (
        '<dt>Replaced by</dt><dd><a href="/law/2-2025-nd-cp">Decree 2/2025/ND-CP</a> '
        "(from January 1, 2026)</dd>"
    ) in old
    assert 'href="https://vanban.chinhphu.vn/test"' in old
    new = text(loaded.get("/law/2-2025-nd-cp"))
    assert '<dt>Replaces</dt><dd><a href="/law/1-2020-nd-cp">Decree 1/2020/ND-CP</a></dd>' in new
    assert (
        '<li><a href="/law/5-2026-nd-cp">Decree 5/2026/ND-CP</a> (in force from February 1, 2026)'
        "</li><li>6/2099/NĐ-CP</li>"
    ) in new
    assert "Its dates are not yet confirmed against an official source." in new
    amending = text(loaded.get("/law/5-2026-nd-cp"))
    assert '<dt>Amends</dt><dd><a href="/law/2-2025-nd-cp">Decree 2/2025/ND-CP</a></dd>' in amending


def test_an_unknown_instrument_is_not_found(loaded):
    assert loaded.get("/law/99-2099-nd-cp").status_code == 404


def test_a_sync_makes_the_table_say_what_the_files_say(app, loaded, register_folder, tmp_path):
    (register_folder / "5-2026-nd-cp.toml").unlink()
    write_instrument(register_folder, instrument(OLD, in_force_until=date(2025, 6, 30)))
    write_instrument(register_folder, instrument(NEW, in_force_from=date(2026, 1, 1)))
    sync(app, tmp_path / "courses")
    assert loaded.get("/law/5-2026-nd-cp").status_code == 404
    assert "<dd>June 30, 2025</dd>" in text(loaded.get("/law/1-2020-nd-cp"))


def test_the_shipped_register_loads_and_each_instrument_has_a_page(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "LMS_COURSE_DIRS", [])
    sync(app)
    files = sorted((ROOT / "lms" / "legal" / "register").glob("*.toml"))
    page = client.get("/law/").get_data(as_text=True)
    for path in files:
        assert f'href="/law/{path.stem}"' in page
        assert client.get(f"/law/{path.stem}").status_code == 200
