"""Figures about a course plugin and whether it meets the shipped modules' standard.

``course_stats`` reads a course as ``load_course`` returns it (its quiz banks already parsed
by the quiz activity type's GIFT parser) and writes nothing; ``lms courses stats`` prints it.
"""

import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import lms
from lms.plugins import registry
from lms.plugins.activity import Capability

FRAMEWORK = Path(lms.__file__).parent / "needs" / "data" / "framework.toml"

LESSONS = (4, 7)
WORDS_PER_LESSON = (600, 1500)
MIN_QUESTIONS = 20
MIN_QUESTION_TYPES = 4
STANDARD = (
    f"{LESSONS[0]}–{LESSONS[1]} lessons of {WORDS_PER_LESSON[0]}–{WORDS_PER_LESSON[1]} words, "
    f"{MIN_QUESTIONS}+ questions of {MIN_QUESTION_TYPES}+ types, review_required = true, "
    "competencies from the framework"
)
# The order the table lists question types in (the built-in ones); others follow, sorted.
TYPE_ORDER = (
    "single_choice",
    "multiple_choice",
    "true_false",
    "short_answer",
    "numeric",
    "matching",
)

_FENCED_CODE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_IMAGE_OR_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_FOOTNOTE_REF = re.compile(r"\[\^[^\]]*\]")
_ADMONITION_KIND = re.compile(r"^!!!\s*\w+", re.MULTILINE)
_IMAGE_TARGET = re.compile(r"!\[[^\]]*\]\(\s*([^)\s]+)")
_WORD = re.compile(r"\w")


def framework_codes(path: Path = FRAMEWORK) -> set[str]:
    """The competency codes the shared framework defines."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {item["code"] for item in data.get("competencies", [])}


def count_words(markdown: str) -> int:
    """Whitespace-separated words of a lesson's text: code, link targets, footnote marks,
    ``[TOC]``, admonition kinds and markup-only tokens (``|``, ``---``, ``##``) do not count."""
    text = _FENCED_CODE.sub(" ", markdown)
    text = _INLINE_CODE.sub(" ", text)
    text = _FOOTNOTE_REF.sub(" ", text)
    text = _ADMONITION_KIND.sub(" ", text)
    text = _IMAGE_OR_LINK.sub(r"\1", text).replace("[TOC]", " ")
    return sum(1 for token in text.split() if _WORD.search(token))


def media_used(markdown: str) -> set[str]:
    """The images a lesson shows from its course's own media folder."""
    return {
        target.split("media/", 1)[1]
        for target in _IMAGE_TARGET.findall(markdown)
        if "://" not in target and "media/" in target
    }


@dataclass
class LanguageStats:
    language: str
    words: dict[str, int]  # lesson file → words
    questions: Counter  # question type id → count
    media: int  # distinct media files the lessons show

    @property
    def lessons(self) -> int:
        return len(self.words)


@dataclass
class ModuleStats:
    id: str
    review_required: bool
    competencies: list[str]
    languages: list[LanguageStats] = field(default_factory=list)
    shortfalls: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.shortfalls


def course_stats(course, known_codes: set[str]) -> ModuleStats:
    """A loaded ``Course``'s figures per language, and every way it falls short."""
    stats = ModuleStats(
        course.id, course.review_required, [str(c["code"]) for c in course.competencies]
    )
    for language in course.languages:
        words, media, questions = {}, set(), Counter()
        for activity in course.activities:
            # A text to read: its words and images count (Capability.READING's content).
            if registry().can(activity.type_id, Capability.READING):
                source = activity.content["source"][language]
                words[activity.content["file"]] = count_words(source)
                media |= media_used(source)
            for question in activity.content.get("banks", {}).get(language, []):
                questions[question["type_id"]] += 1
        stats.languages.append(LanguageStats(language, words, questions, len(media)))
    stats.shortfalls = _shortfalls(stats, known_codes)
    return stats


def _shortfalls(stats: ModuleStats, known_codes: set[str]) -> list[str]:
    found = []
    if not stats.review_required:
        found.append("review_required is not true")
    if not stats.competencies:
        found.append("no competencies")
    if unknown := [code for code in stats.competencies if code not in known_codes]:
        found.append(f"competencies not in the framework: {', '.join(unknown)}")
    low, high = LESSONS
    for lang in stats.languages:
        if not low <= lang.lessons <= high:
            found.append(f"{lang.language}: {lang.lessons} lessons (needs {low}–{high})")
        for file, words in lang.words.items():
            if not WORDS_PER_LESSON[0] <= words <= WORDS_PER_LESSON[1]:
                found.append(
                    f"{lang.language}: {file}: {words} words "
                    f"(needs {WORDS_PER_LESSON[0]}–{WORDS_PER_LESSON[1]})"
                )
        total = sum(lang.questions.values())
        if total < MIN_QUESTIONS:
            found.append(f"{lang.language}: {total} questions (needs {MIN_QUESTIONS})")
        if len(lang.questions) < MIN_QUESTION_TYPES:
            found.append(
                f"{lang.language}: {len(lang.questions)} question types "
                f"(needs {MIN_QUESTION_TYPES})"
            )
    return found


def table(modules: list[ModuleStats]) -> list[list]:
    """A header and one row per module and language, question counts by type id."""
    used = {type_id for m in modules for lang in m.languages for type_id in lang.questions}
    types = [t for t in TYPE_ORDER if t in used] + sorted(used - set(TYPE_ORDER))
    header = ["module", "lang", "lessons", "words", "min", "max", "questions", *types, "media"]
    return [header] + [
        [
            module.id,
            lang.language,
            lang.lessons,
            sum(lang.words.values()),
            min(lang.words.values(), default=0),
            max(lang.words.values(), default=0),
            sum(lang.questions.values()),
            *(lang.questions[t] for t in types),
            lang.media,
        ]
        for module in modules
        for lang in module.languages
    ]
