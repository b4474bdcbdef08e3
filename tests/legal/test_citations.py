"""Citations in lessons and questions: rendered as a link to the register with the
instrument's name in the lesson's language, and checked by ``lms courses validate``."""

import re

import pytest
from flask_babel import force_locale
from hypothesis import given
from hypothesis import strategies as st
from legal_helpers import NEW, OLD, write_citing_course

from lms.core.markdown import render
from lms.legal.citations import scan
from lms.plugins import markdown_extensions, registry
from lms.plugins.manifest import load_course
from lms.testing.courses import sync

QUIZ_MANIFEST = """
[[activities]]
key = "check"
type = "quiz"
bank = "check"
[activities.title]
vi = "Kiểm tra"
en = "Check"
"""


def lesson_html(client, course_id: str = "law-course") -> str:
    page = client.get(f"/modules/{course_id}/lesson-1").get_data(as_text=True)
    return page[page.index('class="lesson-body"') :]


def validate(app, folder):
    return app.test_cli_runner().invoke(args=["courses", "validate", str(folder)])


def test_a_citation_reads_as_the_instruments_name_and_links_to_its_page(
    app, client, factory, login_as, register_folder, tmp_path
):
    write_citing_course(
        tmp_path / "courses",
        vi=f"Theo [[law:{NEW}, Điều 4]], ảnh giấy tờ là dữ liệu nhạy cảm; xem [[law:{NEW}]].",
        en=f"Under [[law:{NEW}, Article 4]], images of papers are sensitive; see [[law:{NEW}]].",
    )
    assert sync(app, tmp_path / "courses").ok
    login_as(client, factory.user(locale="vi"))
    vi = lesson_html(client)
    assert (
        'Theo <a class="citation" href="/law/2-2025-nd-cp" rel="noopener noreferrer">'
        "Điều 4 Nghị định 2/2025/NĐ-CP"
        '<span class="visually-hidden"> (Nghị định thử nghiệm 2/2025/NĐ-CP)</span></a>, ảnh'
    ) in vi
    assert ">Nghị định 2/2025/NĐ-CP<span" in vi
    client.submit("/language", {"locale": "en"})
    en = lesson_html(client)
    assert ">Article 4 of Decree 2/2025/ND-CP<span" in en
    assert "(Test decree 2/2025/ND-CP)</span></a>" in en
    assert "[[law:" not in vi + en


def test_a_citation_in_a_quiz_question_and_its_feedback_renders_too(
    app, client, factory, login_as, register_folder, tmp_path
):
    root = write_citing_course(tmp_path / "courses", vi="Bài học.", en="A lesson.")
    with (root / "manifest.toml").open("a", encoding="utf-8") as manifest:
        manifest.write(QUIZ_MANIFEST)
    (root / "banks").mkdir()
    for language, (text, right, why) in {
        "vi": ("Văn bản nào đang có hiệu lực?", "Đúng", "Xem"),
        "en": ("Which instrument is in force?", "Right", "See"),
    }.items():
        (root / "banks" / f"check.{language}.gift").write_text(
            "// [[law:A NOTE FOR AUTHORS, NOT A CITATION]]\n"
            f"::q1:: {text} {{\n"
            f"=[[law:{NEW}]]#{right}: {why} [[law:{NEW}, Điều 2]].\n"
            f"~[[law\\:{OLD}]]#{why} [[law:{OLD}]].\n}}\n",
            encoding="utf-8",
        )
    assert validate(app, root).exit_code == 0, validate(app, root).output
    assert sync(app, tmp_path / "courses").ok
    login_as(client, factory.user(locale="vi"))
    page = client.submit(
        "/modules/law-course/check", {"action": "start", "stay": "1"}, follow_redirects=True
    ).get_data(as_text=True)
    assert 'href="/law/2-2025-nd-cp"' in page and 'href="/law/1-2020-nd-cp"' in page
    assert "[[law" not in page


def test_validate_refuses_an_unknown_instrument_and_an_uncited_number(
    app, register_folder, tmp_path
):
    root = write_citing_course(
        tmp_path / "courses",
        vi="Theo [[law:9/2099/NĐ-CP]] và Nghị định 1/2020/NĐ-CP, cũng như 57-NQ/TW.",
        en="Under [[law:2/2025/ND-CP]] and Decision 749/QĐ-TTg.",
    )
    result = validate(app, root)
    assert result.exit_code == 1
    found = sorted(line.split("law-course/", 1)[1] for line in result.stdout.splitlines())
    expected = [
        ("lessons/en/01-lesson-1.md", "749/QĐ-TTg"),
        ("lessons/en/01-lesson-1.md", "2/2025/ND-CP"),
        ("lessons/vi/01-lesson-1.md", "1/2020/NĐ-CP"),
        ("lessons/vi/01-lesson-1.md", "57-NQ/TW"),
        ("lessons/vi/01-lesson-1.md", "9/2099/NĐ-CP"),
    ]
    assert len(found) == len(expected)
    for path, number in expected:
        assert any(line.startswith(f"{path}: (citation): ") and number in line for line in found)
    with app.app_context(), force_locale("en"):
        _, problems = load_course(root, registry())
    assert sorted(str(problem) for problem in problems) == [
        "lessons/en/01-lesson-1.md: (citation): the legal number 749/QĐ-TTg on line 3 is not "
        "cited: write [[law:749/QĐ-TTg]]",
        "lessons/en/01-lesson-1.md: (citation): unknown instrument 2/2025/ND-CP on line 3 "
        f"(the register has {NEW})",
        "lessons/vi/01-lesson-1.md: (citation): the legal number 1/2020/NĐ-CP on line 3 is not "
        "cited: write [[law:1/2020/NĐ-CP]]",
        "lessons/vi/01-lesson-1.md: (citation): the legal number 57-NQ/TW on line 3 is not "
        "cited: write [[law:57-NQ/TW]]",
        "lessons/vi/01-lesson-1.md: (citation): unknown instrument 9/2099/NĐ-CP on line 3: add "
        "it to the legal register",
    ]


def test_a_course_citing_only_registered_instruments_validates(app, register_folder, tmp_path):
    root = write_citing_course(
        tmp_path / "courses",
        vi=f"Từ ngày 1/1/2026, [[law:{NEW}]] thay thế [[law:{OLD}]] (24/7, tỉ lệ 1/2).",
        en=f"From 1/1/2026 [[law:{NEW}]] replaces [[law:{OLD}]].",
    )
    result = validate(app, root)
    assert result.exit_code == 0, result.output


def test_a_broken_register_file_stops_validation_with_its_name(app, register_folder, tmp_path):
    (register_folder / "2-2025-nd-cp.toml").write_text('kind = "decree"\n', "utf-8")
    root = write_citing_course(tmp_path / "courses", vi="Bài.", en="Lesson.")
    result = validate(app, root)
    assert result.exit_code == 1
    assert f"{register_folder / '2-2025-nd-cp.toml'}: number: " in result.stdout


@pytest.mark.parametrize(
    ("line", "numbers"),
    [
        ("Nghị định số 13/2023/NĐ-CP ngày 17/4/2023", ["13/2023/NĐ-CP"]),
        ("Luật 91/2025/QH15 và Thông tư 01/2024/TT-BTTTT", ["91/2025/QH15", "01/2024/TT-BTTTT"]),
        ("(Decision No. 749/QĐ-TTg), Resolution 57-NQ/TW; Decree 59/2022/ND-CP", None),
        ("1/7/2025, 24/7, A4, ISO/IEC 27001, https://x.vn/van-ban/13/2023/ND-CP", []),
        ("Số: 126/UBND-VP, 45/QĐ-UBND, 7/UBND-VHXH, 12/NQ-HĐND", []),
        ("Quyết định 01/2024/QĐ-UBND của tỉnh", ["01/2024/QĐ-UBND"]),
        ("[[law:13/2023/NĐ-CP, Điều 4]] and [[law:57-NQ/TW]]", []),
    ],
)
def test_legal_numbers_are_told_from_dates_and_addresses(line, numbers):
    found = [bare.number for bare in scan({"lessons/vi/01.md": line})[1]]
    expected = numbers if numbers is not None else ["749/QĐ-TTg", "57-NQ/TW", "59/2022/ND-CP"]
    assert found == expected


def test_readmes_and_gift_comments_may_name_instruments_freely():
    citations, bare = scan(
        {
            "README.md": "Sources: Decree 13/2023/NĐ-CP",
            "banks/q.vi.gift": "// Nguồn: 13/2023/NĐ-CP, [[law:SỐ HIỆU]]\n::q:: Câu {T}",
        }
    )
    assert citations == [] and bare == []


def test_a_citation_is_found_with_its_file_line_and_pinpoint():
    (citation,) = scan({"lessons/en/02.md": "One.\n\nUnder [[law: 91/2025/QH15 , Article 2 ]]"})[0]
    assert (citation.path, citation.line, citation.number, citation.pinpoint) == (
        "lessons/en/02.md",
        3,
        "91/2025/QH15",
        "Article 2",
    )


def test_an_unknown_citation_stays_as_written_and_nothing_unsafe_gets_through(app, register_folder):
    # Validation refuses both; the renderer must still be safe with them (a draft's preview).
    with app.test_request_context():
        extensions = markdown_extensions(registry().manager)
        unknown = render("[[law:<b>9/2099/NĐ-CP</b>]]", extensions=extensions)
        pinpoint = render(
            "[[law:2/2025/NĐ-CP, <img src=x onerror=alert(1)>]]",
            extensions=extensions,
            language="en",
        )
    assert "<a" not in unknown and "[[law:" in unknown
    assert "<img" not in pinpoint and "&lt;img src=x onerror=alert(1)&gt; of Decree" in pinpoint
    assert 'href="/law/2-2025-nd-cp"' in pinpoint


FRAGMENTS = ["[[law:", "57-NQ/TW", "13/2023/NĐ-CP", "9/2099/NĐ-CP", "]]", ", Điều 4", "`"]
FRAGMENTS += ["<iframe>", "<script>", "[", "]", "(", ")", ",", " ", "\n", "*", "x", '"', "&"]


@given(st.lists(st.sampled_from(FRAGMENTS), max_size=30).map("".join))
def test_any_text_with_citations_renders_to_links_into_the_register_only(app, text):
    with app.test_request_context():
        html = render(text, extensions=markdown_extensions(registry().manager), language="en")
    links = re.findall(r"<a ([^>]*)>", html)
    assert all(
        re.fullmatch(r'class="citation" href="/law/[a-z0-9-]+" rel="[^"]+"', a) for a in links
    )
    assert "<script" not in html and "<iframe" not in html
    assert len(links) <= len(scan({"lessons/en/x.md": text})[0])
