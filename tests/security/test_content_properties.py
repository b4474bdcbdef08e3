"""Properties of the two readers of course content from outside hands, over generated input.

Markdown (``lms.core.markdown.render``, the only Markdown → HTML path): for any text, and
for text made of the XSS corpora's payloads mixed with Markdown syntax and generated
text, rendering never raises and its output, read back with ``html.parser``, holds no
script, no element or attribute outside the allow-list, no event handler, no script
URL, and no image the Content-Security-Policy would block.

Manifests (``load_course`` and ``lms courses validate``): any text, and any structure
TOML can hold, written as the manifest.toml of a real course folder gives a course or a
list of problems as ``file: field: message``, never another exception.

The number of examples is the "lms" profile's (tests/conftest.py).
"""

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
import tomli_w
from flask_babel import force_locale
from hypothesis import event, example, given
from hypothesis import strategies as st

from lms import create_app
from lms.core.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, render
from lms.plugins import registry_of
from lms.plugins.activity import Problem
from lms.plugins.manifest import load_course
from lms.testing.plugin import testing_config as config_for

DATA = Path(__file__).parents[1] / "data"
CORPORA = DATA / "corpora"
QUIZ_COURSE = DATA / "courses" / "quiz-course"
MEDIA_PREFIX = "/modules/m/media/0123/"
# Allowed on any element: nh3's generic attributes, the allow-listed classes, and the rel
# the sanitiser adds to links.
EVERY_TAG = {"lang", "title", "class", "rel"}


def _payloads() -> list[str]:
    lines = [
        line
        for corpus in sorted((CORPORA / "xss").glob("*.txt"))
        for line in corpus.read_text(encoding="utf-8", errors="replace").splitlines()
        if line.strip()
    ]
    markdown = (CORPORA / "markdown-xss.txt").read_text(encoding="utf-8").split("\n%%\n")[1:]
    return lines + [payload.strip() for payload in markdown if payload.strip()]


PAYLOADS = _payloads()
MARKDOWN_SYNTAX = [
    "\n\n",
    "\n",
    "    ",
    "```\n",
    "~~~",
    "`",
    "[",
    "](",
    ")",
    "![",
    "<",
    ">",
    '"',
    "'",
    "&",
    "&#x6A;",
    "&colon;",
    "*",
    "_",
    "# ",
    "## ",
    "| a | b |\n|---|---|\n",
    "!!! note ",
    '!!! warning "',
    "[^1]",
    "[^1]: ",
    "[TOC]",
    "{: onclick=alert(1) }",
    "<img src=x onerror=alert(1)>",
    "javascript:",
    "https://example.com/a.png",
    "//example.com/a.png",
    "../../media/signing.svg",
    "media/../../etc/passwd",
]
payload_text = st.lists(
    st.one_of(
        st.sampled_from(PAYLOADS),
        st.sampled_from(MARKDOWN_SYNTAX),
        st.text(max_size=20),
    ),
    max_size=12,
).map("".join)


class OutputReader(HTMLParser):
    """Every tag and attribute of the output, entities decoded as a browser decodes them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.comments: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def handle_comment(self, data):
        self.comments.append(data)


def _scheme(url: str) -> str:
    # Browsers ignore ASCII whitespace and control characters inside a URL's scheme.
    scheme = re.match(r"([a-z][a-z0-9+.-]*):", re.sub(r"[\x00-\x20\x7f]", "", url).lower())
    return scheme[1] if scheme else ""


def assert_safe(html: str) -> None:
    reader = OutputReader()
    reader.feed(html)
    reader.close()
    assert not reader.comments
    for tag, attributes in reader.tags:
        assert tag in ALLOWED_TAGS, tag
        for name, value in attributes.items():
            assert not name.startswith("on"), (tag, name)
            assert name in ALLOWED_ATTRIBUTES.get(tag, set()) | EVERY_TAG, (tag, name)
            if name in {"href", "src"}:
                assert _scheme(value or "") in {"", "http", "https", "mailto"}, (tag, value)
        if tag == "img" and "src" in attributes:
            # The policy's img-src is 'self': only the module's own media may load.
            assert attributes["src"].startswith(MEDIA_PREFIX), attributes["src"]


def media_url(path: str) -> str:
    return MEDIA_PREFIX + path


@given(st.text())
def test_markdown_of_any_text_renders_to_safe_html(text):
    assert_safe(render(text, media_url=media_url))


@given(payload_text)
@example("![x](https://example.com/a.png)")
@example("<img src=https://example.com/a.png onerror=alert(1)>")
@example("[x](javascript:alert(1))")
def test_markdown_shaped_like_attacks_renders_to_safe_html(text):
    assert_safe(render(text, media_url=media_url))


# Manifests ---------------------------------------------------------------------------------

BASE_MANIFEST = (QUIZ_COURSE / "manifest.toml").read_text(encoding="utf-8")
TOML_SYNTAX = [
    "\n",
    " = ",
    '"',
    "'''",
    "[",
    "]",
    "{",
    "}",
    ",",
    "#",
    "\\",
    "\\u0000",
    "[[activities]]\n",
    "[activities.title]\n",
    "[[activities.draw]]\n",
    '[title]\nvi = "a"\n',
    'type = "quiz"\n',
    'type = "session"\n',
    'type = "lesson"\n',
    'file = "../../manifest.toml"\n',
    'file = "01-reading.md"\n',
    'bank = "check"\n',
    'languages = ["vi", "vi", "fr"]\n',
    "languages = [[], {}]\n",
    "estimated_minutes = 1e999\n",
    "pass_mark = nan\n",
    "attempts = -1\n",
    "schema = 1979-05-27T07:32:00Z\n",
    'draw = [{category = "a", count = 99}]\n',
    "note = { vi = 1 }\n",
    "diagnostic = true\n",
    'measures = { a = { code = "DG.1", level = 9 } }\n',
    "competencies = [1, [], {}]\n",
    "completion = []\n",
    'tag = "../x"\n',
    "required = 2\n",
]


@st.composite
def edited_manifests(draw) -> str:
    """The quiz course's manifest with a few spans replaced by TOML-ish text."""
    text = BASE_MANIFEST
    for _ in range(draw(st.integers(1, 6))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 40)))
        piece = draw(st.one_of(st.sampled_from(TOML_SYNTAX), st.text(max_size=15)))
        text = text[:start] + piece + text[end:]
    return text


toml_scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(["vi", "en", "lesson", "quiz", "session", "check", "01-reading.md", "DG.1"]),
    st.datetimes(),
    st.dates(),
)
toml_values = st.recursive(
    toml_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def maybe(value):
    """A plausible value, or anything TOML can hold."""
    return st.one_of(st.just(value), toml_values)


activities = st.fixed_dictionaries(
    {},
    optional={
        "key": maybe("reading") | st.just("check"),
        "type": st.sampled_from(["lesson", "quiz", "session", "video"]) | toml_values,
        "file": st.sampled_from(["01-reading.md", "missing.md", "../01-reading.md"]) | toml_values,
        "bank": maybe("check"),
        "title": maybe({"vi": "Bài", "en": "Lesson"}),
        "required": toml_values,
        "pass_mark": toml_values,
        "attempts": toml_values,
        "grading": toml_values,
        "review": toml_values,
        "draw": maybe([{"category": "a", "count": 1}]),
        "diagnostic": toml_values,
        "measures": maybe({"a": {"code": "DG.1", "level": 1}}),
        "tag": toml_values,
        "note": maybe({"vi": "Ghi chú", "en": "Note"}),
    },
)
manifests = st.fixed_dictionaries(
    {},
    optional={
        "schema": maybe(1),
        "id": maybe("quiz-course"),
        "version": maybe("1.0.0"),
        "languages": maybe(["vi", "en"]),
        "estimated_minutes": maybe(15),
        "review_required": toml_values,
        "title": maybe({"vi": "Tên", "en": "Name"}),
        "summary": maybe({"vi": "Tóm tắt", "en": "Summary"}),
        "competencies": maybe([{"code": "DG.1", "level": 1}]),
        "completion": maybe({"rule": "all-required"}),
        "activities": st.lists(activities, max_size=4) | toml_values,
        "extra": toml_values,
    },
)


@pytest.fixture(scope="module")
def content_app(tmp_path_factory):
    """An application for reading courses: loading one touches no database."""
    return create_app(config_for("sqlite://", tmp_path_factory.mktemp("instance")))


@pytest.fixture
def course_folder(tmp_path):
    return shutil.copytree(QUIZ_COURSE, tmp_path / "quiz-course")


def assert_course_or_problems(app, folder: Path, manifest: str) -> None:
    (folder / "manifest.toml").write_text(manifest, encoding="utf-8", errors="surrogatepass")
    with app.app_context(), force_locale("en"):
        course, problems = load_course(folder, registry_of(app))
        assert (course is None) == bool(problems)
        assert all(isinstance(problem, Problem) and str(problem) for problem in problems)
        event("a course" if course else f"problems in {sorted({p.file for p in problems})}")
    result = app.test_cli_runner().invoke(args=["courses", "validate", str(folder)])
    assert result.exit_code == (1 if problems else 0), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@given(edited_manifests())
@example(BASE_MANIFEST)
@example("a = " + "[" * 5000 + "]" * 5000)
@example("[" + "a." * 3000 + "b]")
def test_any_manifest_text_gives_a_course_or_problems(content_app, course_folder, text):
    assert_course_or_problems(content_app, course_folder, text)


@given(manifests)
def test_any_manifest_structure_gives_a_course_or_problems(content_app, course_folder, data):
    assert_course_or_problems(content_app, course_folder, tomli_w.dumps(data))
