"""Question texts to HTML, through the one sanitising Markdown path lessons take."""

import re
from functools import lru_cache

from markupsafe import Markup, escape

from lms.assessment.questions import BLANK
from lms.core.markdown import render

_ONE_PARAGRAPH = re.compile(r"^<p>(?P<inner>(?:(?!<p>).)*)</p>$", re.DOTALL)


@lru_cache(maxsize=4096)
def text_html(text: str, text_format: str) -> Markup:
    """A question's text, or an option's, as safe HTML. The texts of a published version
    never change, so each is rendered once per process."""
    if text_format == "plain":
        return Markup("<p>{}</p>").format(escape(text.replace(BLANK, "_____")))
    # Entities rather than \_ escapes: they also hold inside a block of raw HTML.
    return Markup(render(text.replace(BLANK, "&#95;" * 5)))  # noqa: S704 (the sanitiser's output)


def inline_html(text: str, text_format: str) -> Markup:
    """An option's text without the paragraph around it, so it sits inside a label."""
    html = str(text_html(text, text_format)).strip()
    single = _ONE_PARAGRAPH.match(html)
    return Markup(single["inner"] if single else html)  # noqa: S704 (sanitised above)
