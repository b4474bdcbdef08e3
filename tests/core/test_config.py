import stat

import pytest

from lms import create_app
from lms.config import ConfigError


@pytest.fixture
def production_env(monkeypatch, tmp_path):
    for variable in ("LMS_SECRET_KEY", "LMS_DEBUG", "LMS_DATABASE_URL", "FLASK_DEBUG"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path / "instance"))
    return tmp_path / "instance"


def test_secret_key_is_generated_into_the_instance_folder_once(production_env):
    first = create_app()
    key_file = production_env / "secret_key"
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first.config["SECRET_KEY"]) >= 64
    assert create_app().config["SECRET_KEY"] == first.config["SECRET_KEY"]


def test_the_instance_folders_config_py_is_read(production_env):
    production_env.mkdir(parents=True)
    (production_env / "config.py").write_text('LMS_CERTIFICATE_ISSUER = "Sở Nội vụ"\n')
    assert create_app().config["LMS_CERTIFICATE_ISSUER"] == "Sở Nội vụ"


def test_default_database_is_sqlite_in_the_instance_folder(production_env):
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{production_env / 'lms.sqlite3'}"


def test_config_py_in_the_instance_folder_is_read(production_env):
    production_env.mkdir(parents=True)
    (production_env / "config.py").write_text("LMS_PAGE_SIZE = 7\n")
    assert create_app().config["LMS_PAGE_SIZE"] == 7


@pytest.mark.parametrize("weak", ["changeme", "dev", "short-but-not-32-chars"])
def test_weak_secret_key_stops_start_up(production_env, monkeypatch, weak):
    monkeypatch.setenv("LMS_SECRET_KEY", weak)
    with pytest.raises(ConfigError, match="LMS_SECRET_KEY"):
        create_app()


def test_weak_secret_key_is_allowed_in_debug(production_env, monkeypatch):
    monkeypatch.setenv("LMS_SECRET_KEY", "dev")
    monkeypatch.setenv("LMS_DEBUG", "1")
    assert create_app().debug


def test_environment_overrides_defaults(production_env, monkeypatch):
    monkeypatch.setenv("LMS_DATABASE_URL", "postgresql+psycopg://u@db.example/lms")
    monkeypatch.setenv("LMS_REDIS_URL", "redis://127.0.0.1:6379/3")
    monkeypatch.setenv("LMS_PASSWORD_MIN_LENGTH", "12")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/lms"
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"
    assert app.config["LMS_PASSWORD_MIN_LENGTH"] == 12


def test_malformed_number_is_reported_by_name(production_env, monkeypatch):
    monkeypatch.setenv("LMS_PORT", "five thousand")
    with pytest.raises(ConfigError, match="LMS_PORT"):
        create_app()


@pytest.mark.parametrize("variable", ["LMS_LOGIN_ADDRESS_LIMIT", "LMS_VERIFY_LIMIT"])
def test_malformed_rate_limit_stops_start_up_instead_of_lifting_the_limit(
    production_env, monkeypatch, variable
):
    monkeypatch.setenv("LMS_SECRET_KEY", "k" * 40)
    monkeypatch.setenv(variable, "100 a minute")
    with pytest.raises(ConfigError, match=variable):
        create_app()


def test_unknown_default_locale_is_refused(production_env, monkeypatch):
    monkeypatch.setenv("LMS_DEFAULT_LOCALE", "fr")
    with pytest.raises(ConfigError, match="LMS_DEFAULT_LOCALE"):
        create_app()


@pytest.mark.parametrize(
    ("variable", "cheap"), [("LMS_ARGON2_TIME_COST", "1"), ("LMS_ARGON2_MEMORY_KIB", "8")]
)
def test_cheap_password_hashing_stops_start_up_outside_tests(
    production_env, monkeypatch, variable, cheap
):
    monkeypatch.setenv(variable, cheap)
    with pytest.raises(ConfigError, match=variable):
        create_app()
    monkeypatch.setenv("LMS_DEBUG", "1")
    with pytest.raises(ConfigError, match=variable):
        create_app()


def test_tests_hash_passwords_cheaply_and_production_at_the_owasp_baseline(production_env, app):
    from lms.accounts.passwords import hash_password

    with app.app_context():
        assert "$m=8,t=1,p=1$" in hash_password("Luyen-tap-ky-nang-42")
    with create_app().app_context():
        assert "$m=19456,t=2,p=1$" in hash_password("Luyen-tap-ky-nang-42")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("LMS_LOG_FORMAT", "xml"),
        ("LMS_METRICS_ALLOW", "127.0.0.1, prometheus.internal"),
        ("LMS_CREDENTIAL_KEY", "/nonexistent/credential_key.pem"),
    ],
)
def test_unreadable_operations_settings_stop_start_up(production_env, monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=variable):
        create_app()


def test_metrics_addresses_are_separated_by_commas_or_spaces(production_env, monkeypatch):
    monkeypatch.setenv("LMS_METRICS_ALLOW", "10.0.0.0/8, ::1  192.0.2.7")
    assert create_app().config["LMS_METRICS_ALLOW"] == ["10.0.0.0/8", "::1", "192.0.2.7"]


def test_a_postgresql_connection_may_take_five_seconds_to_open_unless_the_url_says(
    production_env, monkeypatch
):
    monkeypatch.setenv("LMS_DATABASE_URL", "postgresql+psycopg://u@db.example/lms")
    options = create_app().config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options == {"connect_args": {"connect_timeout": 5}}
    monkeypatch.setenv(
        "LMS_DATABASE_URL", "postgresql+psycopg://u@db.example/lms?connect_timeout=2"
    )
    assert "connect_args" not in create_app().config["SQLALCHEMY_ENGINE_OPTIONS"]


def test_learning_record_stores_are_named_urls_with_credentials_from_the_environment(
    production_env, monkeypatch
):
    monkeypatch.setenv("LMS_BASE_URL", "https://hoctap.example.vn")
    monkeypatch.setenv(
        "LMS_XAPI_LRS", "quoc-gia=https://lrs.example.vn/xAPI, tinh=http://10.0.0.5/xapi"
    )
    monkeypatch.setenv("LMS_XAPI_LRS_QUOC_GIA_USERNAME", "hoctap")
    monkeypatch.setenv("LMS_XAPI_LRS_QUOC_GIA_PASSWORD", "mat-khau")
    assert create_app().config["LMS_XAPI_LRS"] == [
        {
            "name": "quoc-gia",
            "url": "https://lrs.example.vn/xAPI",
            "username": "hoctap",
            "password": "mat-khau",
        },
        {"name": "tinh", "url": "http://10.0.0.5/xapi", "username": None, "password": None},
    ]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"LMS_XAPI_LRS": "lrs=https://lrs.example.vn/xAPI"}, "needs LMS_BASE_URL"),
        ({"LMS_BASE_URL": "https://a.vn", "LMS_XAPI_LRS": "https://lrs.vn"}, "not name=URL"),
        ({"LMS_BASE_URL": "https://a.vn", "LMS_XAPI_LRS": "a=ftp://lrs.vn"}, "https://"),
        ({"LMS_BASE_URL": "https://a.vn", "LMS_XAPI_LRS": "a=https://x a=https://y"}, "own name"),
        (
            {
                "LMS_BASE_URL": "https://a.vn",
                "LMS_XAPI_LRS": "a=https://lrs.vn",
                "LMS_XAPI_LRS_A_PASSWORD": "secret",
            },
            "LMS_XAPI_LRS_A_USERNAME and LMS_XAPI_LRS_A_PASSWORD go together",
        ),
    ],
)
def test_a_learning_record_store_that_cannot_work_stops_start_up(
    production_env, monkeypatch, settings, message
):
    for variable, value in settings.items():
        monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=message):
        create_app()
