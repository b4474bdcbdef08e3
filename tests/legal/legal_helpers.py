"""Helpers of the legal tests: made-up instruments, and a course that cites them."""

from datetime import date
from pathlib import Path

import tomli_w

from lms.legal.register import slug
from lms.testing.courses import write_course

OLD = "1/2020/NĐ-CP"  # replaced at the end of 2025
NEW = "2/2025/NĐ-CP"  # in force from 2026
LATER = "3/2026/QH15"  # in force from July 2027


def instrument(number: str, **fields) -> dict:
    short = number.replace("Đ", "D")
    return {
        "number": number,
        "kind": "decree",
        "issuer": {"vi": "Chính phủ", "en": "Government"},
        "title": {"vi": f"Nghị định thử nghiệm {number}", "en": f"Test decree {short}"},
        "short": {"vi": f"Nghị định {number}", "en": f"Decree {short}"},
        "issued": date(2020, 1, 1),
        "in_force_from": date(2020, 3, 1),
        "source": "https://vanban.chinhphu.vn/test",
        "confirmed": "Made up for the tests.",
        **fields,
    }


def write_instrument(folder: Path, entry: dict) -> Path:
    path = folder / f"{slug(entry['number'])}.toml"
    path.write_text(tomli_w.dumps(entry), encoding="utf-8")
    return path


def write_citing_course(folder: Path, course_id: str = "law-course", *, vi: str, en: str) -> Path:
    """A one-lesson course whose lesson says ``vi`` and ``en``."""
    root = write_course(folder, course_id, lessons=1)
    (root / "lessons" / "vi" / "01-lesson-1.md").write_text(f"## Bài 1\n\n{vi}\n", "utf-8")
    (root / "lessons" / "en" / "01-lesson-1.md").write_text(f"## Lesson 1\n\n{en}\n", "utf-8")
    return root
