"""The only way Markdown becomes HTML: Python-Markdown, then the nh3 sanitiser.

Lessons are rendered once, when a course is synced, and the sanitised HTML is stored.
``attr_list`` is deliberately absent: it would let a lesson put attributes (event
handlers among them) on any element. Images come only from the module's own media: the
Content-Security-Policy (``lms.core.security``) allows no other address, so a remote
image would show learners a broken picture; the sanitiser drops it, and validation
reports it to the author first.
"""

import re
from collections.abc import Callable, Iterable

import markdown
import nh3
from flask_babel import force_locale
from markupsafe import escape

EXTENSIONS = ["tables", "fenced_code", "admonition", "footnotes", "toc", "sane_lists"]

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "code",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "s",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align", "scope", "colspan", "rowspan"},
    "td": {"align", "colspan", "rowspan"},
    "ol": {"start"},
    "li": {"id"},
    "sup": {"id"},
    **{f"h{level}": {"id"} for level in range(2, 7)},
}
ALLOWED_CLASSES = {
    "div": {"admonition", "note", "warning", "tip", "footnote", "toc"},
    "p": {"admonition-title"},
    # A citation of a legal instrument (lms.legal.citations) names its title for screen
    # readers in a visually hidden span.
    "a": {"footnote-ref", "footnote-backref", "citation"},
    "span": {"visually-hidden"},
}
URL_SCHEMES = {"https", "http", "mailto"}

# A lesson links its media relatively, as GitHub previews it: ../../media/x.svg or media/x.svg
_MEDIA_PATH = re.compile(r"^(?:\.\./)*media/(?P<path>[A-Za-z0-9_.\-/]+)$")

MediaUrl = Callable[[str], str | None]
# Told each image source the sanitiser drops for not naming a media file (a remote
# address, a path outside media/), so validation can name it. A scheme that is not allowed
# at all (data:, javascript:) never reaches it: nh3 removes the attribute first.
RefusedImage = Callable[[str], None]


def to_html(text: str, extensions: Iterable = ()) -> str:
    """Markdown → HTML, not yet safe to show."""
    return markdown.Markdown(extensions=[*EXTENSIONS, *extensions], output_format="html").convert(
        text
    )


def sanitise(
    html: str, media_url: MediaUrl | None = None, refused_image: RefusedImage | None = None
) -> str:
    """Keep only the allow-listed tags, attributes, classes and URL schemes.

    Images come from the module's own media only (relative paths, rewritten by
    ``media_url``); any other image loses its ``src``, and ``refused_image`` is told.
    Links keep http, https and mailto addresses and get ``rel="noopener noreferrer"``.
    """

    def filter_attribute(tag: str, attribute: str, value: str) -> str | None:
        if tag != "img" or attribute != "src":
            return value
        media = _media_path(value)
        if media is not None and media_url is not None:
            return media_url(media)
        if refused_image is not None:
            refused_image(value)
        return None

    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        attribute_filter=filter_attribute,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def _media_path(source: str) -> str | None:
    media = _MEDIA_PATH.match(source)
    return media["path"] if media and ".." not in media["path"].split("/") else None


def is_remote(source: str) -> bool:
    """Whether an image source names another site (``https://``, ``http://``, ``//host``)."""
    return re.match(r"^\s*(?:https?:)?//", source, re.IGNORECASE) is not None


def scrollable_tables(html: str, label: str) -> str:
    """Wrap each table of sanitised HTML in a region that keyboard users can scroll on a phone.

    The sanitiser allows no attributes on ``<table>``, so its opening tag is always bare.
    """
    region = f'<div class="table-scroll" tabindex="0" role="region" aria-label="{escape(label)}">'
    return html.replace("<table>", region + "<table>").replace("</table>", "</table></div>")


def render(
    text: str,
    *,
    media_url: MediaUrl | None = None,
    refused_image: RefusedImage | None = None,
    extensions: Iterable = (),
    language: str | None = None,
) -> str:
    """Markdown → sanitised HTML, the one path every lesson takes.

    ``language`` is the text's, when it is not the current locale's: extensions that write
    words of their own (a citation's name) write them in it.
    """
    if language is None:
        return sanitise(to_html(text, extensions), media_url, refused_image)
    with force_locale(language):
        return sanitise(to_html(text, extensions), media_url, refused_image)
