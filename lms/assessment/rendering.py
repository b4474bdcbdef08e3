"""Question texts to HTML, through the one sanitising Markdown path lessons take, with the
Markdown extensions plugins add (a citation of a legal instrument)."""

import re
from functools import lru_cache

from flask_babel import get_locale
from markupsafe import Markup, escape

from lms.assessment.questions import BLANK
from lms.core.markdown import render
from lms.plugins import markdown_extensions, registry

_ONE_PARAGRAPH = re.compile(r"^<p>(?P<inner>(?:(?!<p>).)*)</p>$", re.DOTALL)


def text_html(text: str, text_format: str) -> Markup:
    """A question's text, or an option's, as safe HTML, in the current locale (the words
    an extension writes, such as a citation's name, are in it)."""
    return _text_html(text, text_format, str(get_locale()))


@lru_cache(maxsize=4096)
def _text_html(text: str, text_format: str, _locale: str) -> Markup:
    # The texts of a published version never change, so each is rendered once per process
    # and locale.
    if text_format == "plain":
        return Markup("<p>{}</p>").format(escape(text.replace(BLANK, "_____")))
    extensions = markdown_extensions(registry().manager)
    # Entities rather than \_ escapes: they also hold inside a block of raw HTML.
    text = text.replace(BLANK, "&#95;" * 5)
    return Markup(render(text, extensions=extensions))  # noqa: S704 (the sanitiser's output)


def inline_html(text: str, text_format: str) -> Markup:
    """An option's text without the paragraph around it, so it sits inside a label."""
    html = str(text_html(text, text_format)).strip()
    single = _ONE_PARAGRAPH.match(html)
    return Markup(single["inner"] if single else html)  # noqa: S704 (sanitised above)
