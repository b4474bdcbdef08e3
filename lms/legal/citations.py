"""Citations of legal instruments in lessons and question banks, and the Markdown that
renders them.

Content names an instrument only through a citation, ``[[law:356/2025/NĐ-CP]]`` or, with a
pinpoint in the text's language, ``[[law:356/2025/NĐ-CP, Điều 4]]``. A sentence about an
instrument that no longer applies ("Decree 13/2023 was replaced by …") cites it as
``[[former-law:13/2023/NĐ-CP]]``: it reads the same, and the currency check then expects it
out of force instead of in force. A legal number written
outside one (``13/2023/NĐ-CP``, ``57-NQ/TW``, ``749/QĐ-TTg`` …) cannot be checked against the
register, so validation refuses it.
"""

import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.util import AtomicString

from lms.legal import URL_PREFIX, register
from lms.plugins.activity import Problem

# GIFT may escape the colon (``law\:``); its parser hands the text on unescaped.
CITATION = re.compile(
    r"\[\[(?P<former>former-)?law\\?:\s*(?P<number>[^\]\n,]+?)"
    r"\s*(?:,\s*(?P<pinpoint>[^\]\n]+?)\s*)?\]\]"
)
# Numbers of Vietnamese legal instruments: 13/2023/NĐ-CP, 91/2025/QH15, 01/2024/TT-BTTTT
# (number/year/issuer), 749/QĐ-TTg (number/kind-issuer), 57-NQ/TW (number-kind/issuer).
# A commune's own documents without a year (126/UBND-VP, 45/QĐ-UBND) are not instruments
# but what the clerical-work lessons teach to number, so they are left alone.
LEGAL_NUMBER = re.compile(
    r"(?<![\w/])(?:"
    r"\d+/\d{4}/[A-ZĐ][A-Za-zĐđ0-9]*(?:-[A-Za-zĐđ0-9]+)*"
    r"|\d+/(?![A-ZĐ-]*(?:UBND|HĐND))[A-ZĐ]+(?:-[A-Za-zĐđ0-9]+)+"
    r"|\d+-[A-ZĐ]+/[A-ZĐ]+"
    r")"
)
# Files an author writes for reviewers, not learners: they may name instruments freely.
NOT_CONTENT = {"README.md"}


@dataclass(frozen=True)
class Citation:
    path: str
    line: int
    number: str
    pinpoint: str | None
    former: bool = False


@dataclass(frozen=True)
class BareNumber:
    path: str
    line: int
    number: str


def _lines(path: str, text: str):
    """(line number, line) of the text a learner reads: GIFT comments (``//``) left out."""
    for number, line in enumerate(text.split("\n"), start=1):
        if path.endswith(".gift") and line.strip().startswith("//"):
            continue
        yield number, line


def scan(files: dict[str, str]) -> tuple[list[Citation], list[BareNumber]]:
    """Every citation and every legal number outside one in ``files`` (path → text),
    in path and line order. READMEs are left out."""
    citations, bare = [], []
    for path, text in sorted(files.items()):
        if path.rsplit("/", 1)[-1] in NOT_CONTENT:
            continue
        for line_number, line in _lines(path, text):
            for match in CITATION.finditer(line):
                citations.append(
                    Citation(
                        path, line_number, match["number"], match["pinpoint"], bool(match["former"])
                    )
                )
            # A number written twice on a line (a question and its feedback) is told once.
            for number in dict.fromkeys(LEGAL_NUMBER.findall(CITATION.sub(" ", line))):
                bare.append(BareNumber(path, line_number, number))
    return citations, bare


def problems(files: dict[str, str], known: register.Register) -> list[Problem]:
    """A problem for each citation of an instrument the register does not have, and for
    each legal number written outside a citation."""
    citations, bare = scan(files)
    found = []
    for citation in citations:
        if known.get(citation.number) is not None:
            continue
        near = known.by_slug(register.slug(citation.number))
        message = (
            _l(
                "unknown instrument %(number)s on line %(line)d (the register has %(known)s)",
                line=citation.line,
                number=citation.number,
                known=near.number,
            )
            if near
            else _l(
                "unknown instrument %(number)s on line %(line)d: add it to the legal register",
                line=citation.line,
                number=citation.number,
            )
        )
        found.append(Problem(citation.path, "(citation)", message))
    for number in bare:
        message = _l(
            "the legal number %(number)s on line %(line)d is not cited: write [[law:%(number)s]]",
            line=number.line,
            number=number.number,
        )
        found.append(Problem(number.path, "(citation)", message))
    return found


# How a pinpoint joins the instrument's name in each language content is written in:
# "Điều 4 Nghị định 356/2025/NĐ-CP", "Article 4 of Decree 356/2025/ND-CP".
PINPOINTED = {"vi": "{pinpoint} {instrument}", "en": "{pinpoint} of {instrument}"}


def label(entry: register.Entry, pinpoint: str | None, language: str) -> str:
    """What a citation reads as: the instrument's short name, after its pinpoint if any."""
    short = entry.short_in(language)
    if not pinpoint:
        return short
    return PINPOINTED[language].format(pinpoint=pinpoint, instrument=short)


class _CitationPattern(InlineProcessor):
    def __init__(self, known: register.Register, language: str):
        super().__init__(CITATION.pattern)
        self.known = known
        self.language = language

    def handleMatch(self, match, data):
        entry = self.known.get(match["number"])
        if entry is None:
            return None, None, None  # left as written; validation names it
        link = etree.Element("a", {"href": f"{URL_PREFIX}/{entry.slug}", "class": "citation"})
        link.text = AtomicString(label(entry, match["pinpoint"], self.language))
        title = entry.title_in(self.language)
        if title not in entry.short_in(self.language):
            # The full title, for screen readers (part of the link's name): "Decree
            # 356/2025/ND-CP" alone says nothing of what it is about.
            note = etree.SubElement(link, "span", {"class": "visually-hidden"})
            note.text = AtomicString(f" ({title})")
        return link, match.start(0), match.end(0)


class CitationExtension(Extension):
    """Renders ``[[law:NUMBER]]`` and ``[[law:NUMBER, pinpoint]]`` as a link to the
    instrument's register page, named in the language being rendered
    (``lms.core.markdown.render``'s ``language``)."""

    def extendMarkdown(self, md):
        locale = get_locale()
        language = locale.language if locale and locale.language in register.LANGUAGES else "vi"
        # Before links and references (160, 170): [[…]] is not a link; after code spans.
        md.inlinePatterns.register(
            _CitationPattern(register.current(), language), "law-citation", 175
        )
