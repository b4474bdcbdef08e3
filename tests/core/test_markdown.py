"""The one Markdown → HTML path shows learners only what the Content-Security-Policy lets
the page load: images from the module's media, links to anywhere."""

import pytest

from lms.core.markdown import render
from lms.core.security import CONTENT_SECURITY_POLICY


def media_url(path: str) -> str:
    return f"/modules/m/media/0123/{path}"


@pytest.mark.parametrize(
    "source",
    [
        "https://example.com/a.png",
        "http://example.com/a.png",
        "//example.com/a.png",
        "HTTPS://EXAMPLE.COM/A.PNG",
        "javascript:alert(1)",
        "data:image/svg+xml;base64,PHN2Zz4=",
    ],
)
def test_an_image_from_elsewhere_loses_its_source(source):
    refused = []
    for html in (
        render(f"![Sơ đồ]({source})", media_url=media_url, refused_image=refused.append),
        render(f'<img src="{source}" alt="Sơ đồ">', media_url=media_url),
    ):
        assert "<img" in html and "src=" not in html
        assert "example.com" not in html.lower()
    if source.lower().startswith(("http", "//")):
        assert refused == [source]


def test_the_policy_allows_no_image_from_another_site():
    """What the sanitiser keeps must be what the page may load."""
    images = next(d for d in CONTENT_SECURITY_POLICY.split(";") if "img-src" in d).split()
    assert not any(source.startswith(("http", "https:", "*")) for source in images)


def test_an_image_from_the_media_folder_is_kept():
    html = render("![Sơ đồ](../../media/flow.svg)", media_url=media_url)
    assert '<img alt="Sơ đồ" src="/modules/m/media/0123/flow.svg">' in html


@pytest.mark.parametrize(
    ("markdown", "href"),
    [
        (
            "[Cổng dịch vụ công](https://dichvucong.gov.vn/p/home)",
            "https://dichvucong.gov.vn/p/home",
        ),
        ("[Trang cũ](http://example.gov.vn)", "http://example.gov.vn"),
        ("<https://vneid.gov.vn>", "https://vneid.gov.vn"),
        ("[Hỏi](mailto:hotro@example.gov.vn)", "mailto:hotro@example.gov.vn"),
        ("[Bài sau](02-next.md)", "02-next.md"),
    ],
)
def test_links_keep_their_address(markdown, href):
    html = render(markdown)
    assert f'href="{href}"' in html
    assert 'rel="noopener noreferrer"' in html


def test_a_script_link_loses_its_address():
    html = render("[Bấm](javascript:alert(1))")
    assert "javascript" not in html and "<a" in html
