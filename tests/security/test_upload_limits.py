"""Bodies larger than the site accepts get a 413 page that says the limit, without the page
itself reading the body again."""

import io

MIB = 1024 * 1024


def test_anonymous_40_mb_sign_in_gets_a_413_page_naming_size_and_limit(client):
    client.submit("/language", {"locale": "en", "next": "/login"})
    response = client.post("/login", data={"username": "someone", "password": "x" * (40 * MIB)})
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "File too large" in page
    assert "The request is 40.0 MiB; the site accepts at most 32 MiB at a time." in page


def test_413_page_keeps_the_layout_of_a_signed_in_user(client, site, login_as):
    login_as(client, site.learner)
    response = client.post("/language", data={"file": (io.BytesIO(bytes(33 * MIB)), "big.bin")})
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "Tệp quá lớn" in page and "33,0 MiB" in page and "32 MiB" in page
    assert 'action="/logout"' in page and 'action="/language"' in page


def test_a_form_field_over_the_text_limit_is_told_apart_from_a_large_file(client):
    client.submit("/language", {"locale": "en", "next": "/login"})
    response = client.post(
        "/login",
        data={"username": "someone", "password": "x" * 600_000},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "more text than the site accepts (500 kB)" in response.get_data(as_text=True)
