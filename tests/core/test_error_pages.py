import pytest

from lms import create_app
from lms.testing.plugin import Client


@pytest.fixture
def bare_app(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "PROPAGATE_EXCEPTIONS": False,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'errors.sqlite3'}",
            "LMS_INSTANCE_PATH": str(tmp_path),
        }
    )

    @app.route("/boom")
    def boom():
        raise RuntimeError("deliberate failure for the test")

    app.test_client_class = Client
    return app


def in_language(client, locale):
    client.submit("/language", {"locale": locale, "next": "/login"})
    return client


@pytest.mark.parametrize(
    ("method", "path", "status", "vietnamese", "english"),
    [
        ("GET", "/no-such-page", 404, "Không tìm thấy trang", "Page not found"),
        ("GET", "/logout", 405, "Phương thức không được phép", "Method not allowed"),
        ("POST", "/language", 400, "Biểu mẫu đã hết hạn", "Form expired"),
        ("GET", "/boom", 500, "Đã xảy ra lỗi", "Something went wrong"),
    ],
)
def test_error_pages_speak_both_languages(bare_app, method, path, status, vietnamese, english):
    for locale, expected in (("vi", vietnamese), ("en", english)):
        client = in_language(bare_app.test_client(), locale)
        response = client.open(path, method=method)
        assert response.status_code == status
        page = response.get_data(as_text=True)
        assert expected in page, (locale, path)
        assert f'<html lang="{locale}"' in page
        assert "deliberate failure" not in page


def test_unexpected_errors_are_logged(bare_app, caplog):
    bare_app.test_client().get("/boom")
    assert any("deliberate failure" in str(record.exc_info) for record in caplog.records)
