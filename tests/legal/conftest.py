"""A register of made-up instruments in a folder of the test's own."""

from datetime import date
from pathlib import Path

import pytest
from legal_helpers import LATER, NEW, OLD, instrument, write_instrument


@pytest.fixture
def register_folder(app, tmp_path, monkeypatch) -> Path:
    """Three instruments: OLD (replaced by NEW on 1 January 2026), NEW, and LATER (not in
    force until 1 July 2027); the application reads this folder as its register."""
    folder = tmp_path / "register"
    folder.mkdir()
    write_instrument(folder, instrument(OLD, in_force_until=date(2025, 12, 31), replaced_by=[NEW]))
    write_instrument(
        folder, instrument(NEW, issued=date(2025, 12, 1), in_force_from=date(2026, 1, 1))
    )
    write_instrument(
        folder,
        instrument(
            LATER,
            kind="law",
            issuer={"vi": "Quốc hội", "en": "National Assembly"},
            issued=date(2026, 6, 1),
            in_force_from=date(2027, 7, 1),
        ),
    )
    monkeypatch.setitem(app.config, "LMS_LEGAL_REGISTER_DIRS", [str(folder)])
    return folder
