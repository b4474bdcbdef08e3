"""Reading the register: one TOML file per instrument, every problem named by file and field."""

from datetime import date

import pytest
from legal_helpers import NEW, OLD, instrument, write_instrument

from lms.config import ROOT
from lms.legal import register
from lms.legal.register import Status, slug

SHIPPED = ROOT / "lms" / "legal" / "register"


def test_the_shipped_register_reads_without_a_problem():
    known = register.read([SHIPPED])
    assert known.problems == ()
    assert len(known.entries) == len(list(SHIPPED.glob("*.toml")))
    decree = known.get("13/2023/NĐ-CP")
    assert decree.status_on(date(2025, 12, 31)) is Status.IN_FORCE
    assert decree.status_on(date(2026, 1, 1)) is Status.ENDED
    assert decree.ended_on == date(2026, 1, 1)
    assert set(decree.replaced_by) <= set(known.entries)


@pytest.mark.parametrize(
    ("number", "name"),
    [
        ("356/2025/NĐ-CP", "356-2025-nd-cp"),
        ("91/2025/QH15", "91-2025-qh15"),
        ("57-NQ/TW", "57-nq-tw"),
        ("749/QĐ-TTg", "749-qd-ttg"),
    ],
)
def test_an_instruments_name_in_files_and_addresses_is_its_number_in_ascii(number, name):
    assert slug(number) == name


def test_status_on_a_day_counts_the_first_and_the_last_day_as_in_force(register_folder):
    known = register.read([register_folder])
    old, new = known.get(OLD), known.get(NEW)
    assert [old.status_on(day) for day in (date(2020, 2, 29), date(2020, 3, 1))] == [
        Status.NOT_YET,
        Status.IN_FORCE,
    ]
    assert old.status_on(date(2025, 12, 31)) is Status.IN_FORCE
    assert old.status_on(date(2026, 1, 1)) is Status.ENDED
    assert new.status_on(date(2099, 1, 1)) is Status.IN_FORCE


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"kind": "memo"}, "kind", "one of law, code"),
        ({"in_force_from": "2020-03-01"}, "in_force_from", "a date"),
        ({"title": {"vi": "Chỉ tiếng Việt"}}, "title", "a text in vi and in en"),
        ({"replaced_by": [NEW]}, "in_force_until", "needs its last day in force"),
        ({"in_force_until": date(2019, 1, 1)}, "in_force_until", "comes before the first"),
        ({"source": "vanban.chinhphu.vn"}, "source", "https://"),
        ({"in_force_to": date(2026, 1, 1)}, "in_force_to", "unknown field"),
    ],
)
def test_a_wrong_field_is_named_with_its_file(tmp_path, change, field, message):
    path = write_instrument(tmp_path, instrument("7/2024/TT-BTTTT", **change))
    known = register.read([tmp_path])
    assert known.entries == {}
    assert [(p.file, p.field) for p in known.problems] == [(str(path), field)]
    assert message in str(known.problems[0].message)


def test_a_file_is_named_after_its_number_and_a_number_is_registered_once(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    write_instrument(first, instrument(NEW))
    write_instrument(second, instrument(NEW))
    misnamed = first / "decree-two.toml"
    misnamed.write_text((first / "2-2025-nd-cp.toml").read_text("utf-8"), "utf-8")
    known = register.read([first, second])
    assert sorted((p.file.split("/")[-2:][0], p.field) for p in known.problems) == [
        ("a", "number"),
        ("b", "number"),
    ]
    assert "name the file 2-2025-nd-cp.toml" in str(known.problems[0].message)
    assert list(known.entries) == [NEW]


def test_a_changed_file_is_read_again(tmp_path):
    path = write_instrument(tmp_path, instrument(NEW))
    assert register.read([tmp_path]).get(NEW).in_force_until is None
    write_instrument(tmp_path, instrument(NEW, in_force_until=date(2030, 12, 31)))
    assert path.exists()
    assert register.read([tmp_path]).get(NEW).in_force_until == date(2030, 12, 31)


def test_a_file_that_is_not_toml_is_a_syntax_problem(tmp_path):
    (tmp_path / "9-2024-nd-cp.toml").write_text('number = "9/2024/NĐ-CP\n', "utf-8")
    (problem,) = register.read([tmp_path]).problems
    assert problem.field == "(syntax)"


def test_a_register_folder_that_is_not_there_is_a_problem(tmp_path):
    write_instrument(tmp_path, instrument(NEW))
    known = register.read([tmp_path, tmp_path / "typo"])
    assert [(p.file, p.field) for p in known.problems] == [(str(tmp_path / "typo"), "(folder)")]
    assert list(known.entries) == [NEW]
