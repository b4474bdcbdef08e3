"""Module zips uploaded to authoring: scripts in SVG and one path twice are refused with a
message naming the entry, text is bounded, and nothing is unpacked with a transaction open."""

import io

import pytest
import sqlalchemy as sa
from hostile_files import SVG_WITH_SCRIPT, module_files, zip_of

from lms.accounts.models import User
from lms.authoring import packages
from lms.catalogue.models import Module
from lms.extensions import db

LESSON = "lessons/en/01-what-is-a-signature.md"


@pytest.fixture
def trainer(app, client, site, login_as):
    """The trainer, reading in English: the problems below are quoted in English."""
    with app.app_context():
        db.session.get(User, site.trainer.id).locale = "en"
        db.session.commit()
    login_as(client, site.trainer)
    return site.trainer


def upload(client, data: bytes):
    return client.submit(
        "/authoring/import",
        {"package": (io.BytesIO(data), "module.zip")},
        content_type="multipart/form-data",
    )


def modules(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Module.id)))


def test_an_svg_with_a_script_is_refused_naming_it(app, client, trainer):
    before = modules(app)
    response = upload(client, zip_of(module_files(image=("signing.svg", SVG_WITH_SCRIPT))))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<code>media/signing.svg</code>: (type): SVG images are not accepted" in page
    assert modules(app) == before


def test_a_path_twice_in_the_archive_is_refused_naming_it(app, client, trainer):
    files = module_files()
    before = modules(app)
    twice = [*files, (f"zip-course/{LESSON}", b"# Another text under the same name\n")]
    response = upload(client, zip_of(twice))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f"<code>{LESSON}</code>: (file): the archive holds this file 2 times" in page
    # Spelled differently, the same path is still the same path.
    backslash = [*files, (f"zip-course\\{LESSON.replace('/', chr(92))}", b"# Again\n")]
    response = upload(client, zip_of(backslash))
    assert response.status_code == 422 and "2 times" in response.get_data(as_text=True)
    assert modules(app) == before
    # The files once each import.
    assert upload(client, zip_of(files)).status_code == 302
    assert modules(app) == before + 1


def test_text_beyond_its_limit_is_refused_before_unpacking(app, client, trainer):
    """Checking and publishing take seconds per MiB of Markdown."""
    long_lesson = f"zip-course/{LESSON}", b"Lorem ipsum dolor sit amet.\n" * 160_000
    response = upload(client, zip_of([*module_files(), long_lesson]))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert (
        "<code>(zip)</code>: (size): the files other than media unpack to more than 4 MiB" in page
    )


def test_a_zip_is_unpacked_and_checked_with_no_transaction_open(client, trainer, monkeypatch):
    seen = []
    unzip = packages.unzip

    def watching(data, target):
        seen.append(db.session().in_transaction())
        return unzip(data, target)

    monkeypatch.setattr(packages, "unzip", watching)
    assert upload(client, zip_of(module_files())).status_code == 302
    assert seen == [False]
