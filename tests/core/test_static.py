"""Static files as a browser gets them: under content-hashed names cached for a year, sent
compressed to a browser that accepts it, and the plain names still answered."""

import gzip
import re
from pathlib import Path

import brotli
import pytest
from flask import Blueprint

from lms import create_app, plugins
from lms.config import shipped
from lms.plugins import hookimpl
from lms.testing.plugin import testing_config as config_for

STYLESHEET = re.compile(r'<link rel="stylesheet" href="(/static/css/app\.[0-9a-f]{12}\.css)">')
YEAR = "max-age=31536000"


def stylesheet_url(client) -> str:
    login = client.get("/login")
    assert login.status_code == 200
    (url,) = STYLESHEET.findall(login.get_data(as_text=True))
    return url


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.headers["Cache-Control"].split(",")}


def test_pages_name_a_stylesheet_by_its_content_and_it_is_cached_for_a_year(client):
    response = client.get(stylesheet_url(client))
    assert response.status_code == 200
    assert response.data == (shipped("static") / "css" / "app.css").read_bytes()
    assert cache_control(response) == {"public", YEAR, "immutable"}
    assert response.headers["Content-Type"].startswith("text/css")
    # The application's hardening reaches the files WhiteNoise sends too.
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize(
    ("accepted", "encoding", "decompress"),
    [("gzip", "gzip", gzip.decompress), ("gzip, deflate, br", "br", brotli.decompress)],
)
def test_a_browser_that_accepts_compression_gets_the_file_compressed(
    client, accepted, encoding, decompress
):
    url = stylesheet_url(client)
    response = client.get(url, headers={"Accept-Encoding": accepted})
    assert response.headers["Content-Encoding"] == encoding
    assert response.headers["Vary"] == "Accept-Encoding"
    original = (shipped("static") / "css" / "app.css").read_bytes()
    assert int(response.headers["Content-Length"]) == len(response.data) < len(original)
    assert decompress(response.data) == original
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert plain.data == original


def test_the_plain_name_still_works_and_may_change_under_it(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert response.data == (shipped("static") / "css" / "app.css").read_bytes()
    assert "immutable" not in cache_control(response)
    assert YEAR not in cache_control(response)


@pytest.mark.parametrize(
    "path",
    [
        "/static/css/missing.css",
        "/static/css/app.000000000000.css",
        "/static/css/../../setup.py",
        "/static/",
    ],
)
def test_a_missing_static_file_is_not_found(client, path):
    assert client.get(path).status_code == 404


@pytest.fixture
def extras_folder(tmp_path):
    folder = tmp_path / "extras-static"
    folder.mkdir()
    (folder / "extras.css").write_text(".extras { color: #123456; }\n" * 40)
    return folder


@pytest.fixture
def app_with_extras(monkeypatch, tmp_path, extras_folder):
    """An application with a plugin whose blueprint has a static folder of its own; a
    function of the folder's state, since the server reads the folder as it starts."""

    class Extras:
        @hookimpl
        def lms_blueprints(self):
            return [
                Blueprint(
                    "extras",
                    __name__,
                    static_folder=extras_folder,
                    static_url_path="/assets",
                    url_prefix="/extras",
                )
            ]

    plain = plugins.new_manager

    def with_extras():
        manager = plain()
        manager.register(Extras())
        return manager

    monkeypatch.setattr(plugins, "new_manager", with_extras)
    settings = config_for(f"sqlite:///{tmp_path / 'extras.sqlite3'}", tmp_path)
    return lambda: create_app(settings)


def extras_url(app) -> str:
    with app.test_request_context():
        from flask import url_for

        return url_for("extras.static", filename="extras.css")


def test_a_plugins_static_files_get_hashed_names_and_compressed_copies(
    app_with_extras, extras_folder
):
    app = app_with_extras()
    compress = app.test_cli_runner().invoke(args=["static", "compress"])
    assert compress.exit_code == 0, compress.output
    assert f"extras.static: 1 files compressed in {extras_folder}." in compress.output
    assert (extras_folder / "extras.css.gz").is_file()
    again = app.test_cli_runner().invoke(args=["static", "compress"])
    assert "extras.static: 0 files compressed" in again.output

    # The copies are read as the server starts.
    client = app_with_extras().test_client()
    url = extras_url(client.application)
    assert re.fullmatch(r"/extras/assets/extras\.[0-9a-f]{12}\.css", url)
    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.data) == (extras_folder / "extras.css").read_bytes()
    assert "immutable" in cache_control(response)


def test_a_changed_file_gets_a_new_name_and_its_old_compressed_copy_is_not_sent(
    app_with_extras, extras_folder
):
    first = app_with_extras()
    first.test_cli_runner().invoke(args=["static", "compress"])
    old_url = extras_url(first)
    stylesheet = extras_folder / "extras.css"
    stylesheet.write_text(".extras { color: #654321; }\n" * 40)

    client = app_with_extras().test_client()
    url = extras_url(client.application)
    assert url != old_url
    response = client.get(url, headers={"Accept-Encoding": "gzip, br"})
    assert "Content-Encoding" not in response.headers
    assert response.data == stylesheet.read_bytes()
    assert client.get(old_url).status_code == 404


def test_in_debug_flask_serves_the_files_by_their_plain_names(tmp_path):
    settings = config_for(f"sqlite:///{tmp_path / 'debug.sqlite3'}", tmp_path)
    client = create_app({**settings, "DEBUG": True}).test_client()
    assert "/static/css/app.css" in client.get("/login").get_data(as_text=True)
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert response.data == Path(shipped("static") / "css" / "app.css").read_bytes()
