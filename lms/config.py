"""Configuration: defaults, then the instance folder's ``config.py``, then ``LMS_*`` environment
variables, then the mapping given to ``create_app`` (tests).

Every environment variable is listed in ``ENVIRONMENT`` with the config key it sets and is
documented in the README.
"""

import ipaddress
import os
import re
import secrets
import sys
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from limits import parse_many

ROOT = Path(__file__).resolve().parent.parent
# The repository's top-level folders the application reads (templates, static, migrations,
# courses) sit beside the package in a checkout; building a wheel copies them into the
# package's _shipped/ (setup.py), since a wheel holds nothing outside its packages.
_PACKAGED = Path(__file__).resolve().parent / "_shipped"
INSTALLED = _PACKAGED.is_dir()
SHIPPED = _PACKAGED if INSTALLED else ROOT
# The instance folder unless LMS_INSTANCE_PATH says otherwise: the checkout's instance/, or,
# installed from a wheel, Flask's place for an installed package, <environment>/var/lms-instance.
DEFAULT_INSTANCE = Path(sys.prefix) / "var" / "lms-instance" if INSTALLED else ROOT / "instance"


def shipped(name: str) -> Path:
    """One of the repository's top-level folders, in a checkout or an installed wheel."""
    return SHIPPED / name


WEAK_SECRETS = {"", "dev", "secret", "changeme", "change-me", "development", "test", "password"}
MIN_SECRET_LENGTH = 32
# OWASP's argon2id baseline: 19 MiB of memory and 2 iterations; only tests may go below it.
MIN_ARGON2_TIME_COST = 2
MIN_ARGON2_MEMORY_KIB = 19 * 1024
# Rate limits: Flask-Limiter skips one it cannot parse, which would silently lift it.
RATE_LIMITS = (
    "LMS_LOGIN_LIMIT",
    "LMS_LOGIN_ADDRESS_LIMIT",
    "LMS_LOGIN_ACCOUNT_LIMIT",
    "LMS_VERIFY_LIMIT",
)
LOG_FORMATS = ("plain", "json")
# Seconds a PostgreSQL connection may take to open: past it the database counts as down
# (an outage page) instead of holding the request for the operating system's minutes.
DATABASE_CONNECT_TIMEOUT = 5
# Seconds Redis may take to connect and to answer before the rate limits count it as down.
REDIS_TIMEOUTS = {"socket_connect_timeout": 1, "socket_timeout": 2}


class ConfigError(RuntimeError):
    """The configuration cannot run safely; the message says which setting to fix."""


def _as_bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _as_list(value: str) -> list[str]:
    return [part for part in value.split(os.pathsep) if part]


def _as_words(value: str) -> list[str]:
    """Items separated by commas or spaces (IPv6 addresses hold colons)."""
    return [part for part in re.split(r"[,\s]+", value) if part]


# LMS_* variable -> (config key, parser)
ENVIRONMENT = {
    "LMS_SECRET_KEY": ("SECRET_KEY", str),
    "LMS_DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", str),
    "LMS_REDIS_URL": ("LMS_REDIS_URL", str),
    "LMS_DEBUG": ("DEBUG", _as_bool),
    "LMS_LOG_LEVEL": ("LMS_LOG_LEVEL", str),
    "LMS_LOG_FORMAT": ("LMS_LOG_FORMAT", str),
    "LMS_METRICS_ALLOW": ("LMS_METRICS_ALLOW", _as_words),
    "LMS_DEFAULT_LOCALE": ("BABEL_DEFAULT_LOCALE", str),
    "LMS_TIMEZONE": ("BABEL_DEFAULT_TIMEZONE", str),
    "LMS_LOGIN_LIMIT": ("LMS_LOGIN_LIMIT", str),
    "LMS_LOGIN_ADDRESS_LIMIT": ("LMS_LOGIN_ADDRESS_LIMIT", str),
    "LMS_LOGIN_ACCOUNT_LIMIT": ("LMS_LOGIN_ACCOUNT_LIMIT", str),
    "LMS_PASSWORD_MIN_LENGTH": ("LMS_PASSWORD_MIN_LENGTH", int),
    "LMS_ARGON2_TIME_COST": ("LMS_ARGON2_TIME_COST", int),
    "LMS_ARGON2_MEMORY_KIB": ("LMS_ARGON2_MEMORY_KIB", int),
    "LMS_PROXY_COUNT": ("LMS_PROXY_COUNT", int),
    "LMS_COURSE_DIRS": ("LMS_COURSE_DIRS", _as_list),
    "LMS_LEGAL_REGISTER_DIRS": ("LMS_LEGAL_REGISTER_DIRS", _as_list),
    "LMS_LAW_NOTICE_AFTER_DAYS": ("LMS_LAW_NOTICE_AFTER_DAYS", int),
    "LMS_DISABLED_PLUGINS": ("LMS_DISABLED_PLUGINS", _as_list),
    "LMS_DEMO_PASSWORD": ("LMS_DEMO_PASSWORD", str),
    "LMS_PORT": ("LMS_PORT", int),
    "LMS_RENEWAL_WINDOW_DAYS": ("LMS_RENEWAL_WINDOW_DAYS", int),
    "LMS_DUE_SOON_DAYS": ("LMS_DUE_SOON_DAYS", int),
    "LMS_CERTIFICATE_ISSUER": ("LMS_CERTIFICATE_ISSUER", str),
    "LMS_BASE_URL": ("LMS_BASE_URL", str),
    "LMS_CREDENTIAL_KEY": ("LMS_CREDENTIAL_KEY", str),
    "LMS_SMTP_HOST": ("LMS_SMTP_HOST", str),
    "LMS_SMTP_PORT": ("LMS_SMTP_PORT", int),
    "LMS_SMTP_USER": ("LMS_SMTP_USER", str),
    "LMS_SMTP_PASSWORD": ("LMS_SMTP_PASSWORD", str),
    "LMS_SMTP_STARTTLS": ("LMS_SMTP_STARTTLS", _as_bool),
    "LMS_MAIL_FROM": ("LMS_MAIL_FROM", str),
    "LMS_EMAIL_MAX_TRIES": ("LMS_EMAIL_MAX_TRIES", int),
    "LMS_EMAIL_RETRY_SECONDS": ("LMS_EMAIL_RETRY_SECONDS", int),
    "LMS_VERIFY_LIMIT": ("LMS_VERIFY_LIMIT", str),
    "LMS_JOBS_STALE_SECONDS": ("LMS_JOBS_STALE_SECONDS", float),
    "LMS_SIGNING_PKCS12": ("LMS_SIGNING_PKCS12", str),
    "LMS_SIGNING_KEY": ("LMS_SIGNING_KEY", str),
    "LMS_SIGNING_CERT": ("LMS_SIGNING_CERT", str),
    "LMS_SIGNING_PASSPHRASE": ("LMS_SIGNING_PASSPHRASE", str),
    "LMS_SIGNING_TIMESTAMP_URL": ("LMS_SIGNING_TIMESTAMP_URL", str),
    "LMS_API_TOKEN_SECONDS": ("LMS_API_TOKEN_SECONDS", int),
    "LMS_API_PERSONAL_TOKEN_DAYS": ("LMS_API_PERSONAL_TOKEN_DAYS", int),
    "LMS_API_RATE_LIMIT": ("LMS_API_RATE_LIMIT", str),
}


def defaults(instance_path: str) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(instance_path) / 'lms.sqlite3'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "LMS_REDIS_URL": None,
        "LMS_LOG_LEVEL": "INFO",
        # "plain" lines, or "json": one JSON object a line, and one line per request.
        "LMS_LOG_FORMAT": "plain",
        # Addresses and networks allowed to read /metrics; to anyone else it does not exist.
        "LMS_METRICS_ALLOW": ["127.0.0.1", "::1"],
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "LMS_LOCALES": ("vi", "en"),
        # The sign-in lockout policy (lms/accounts/throttle.py). Failed sign-ins allowed per
        # account and address together, and per device cookie;
        "LMS_LOGIN_LIMIT": "5 per 5 minutes",
        # per address, whatever the accounts (a commune office shares one address);
        "LMS_LOGIN_ADDRESS_LIMIT": "100 per 5 minutes",
        # per account from browsers without its device cookie, which are then refused.
        "LMS_LOGIN_ACCOUNT_LIMIT": "10 per 15 minutes",
        # The signed cookie a successful sign-in leaves; that browser is then counted per cookie.
        "LMS_DEVICE_COOKIE_NAME": "lms_device",
        "LMS_DEVICE_COOKIE_DURATION": 365 * 24 * 3600,
        "LMS_PASSWORD_MIN_LENGTH": 10,
        "LMS_ARGON2_TIME_COST": MIN_ARGON2_TIME_COST,
        "LMS_ARGON2_MEMORY_KIB": MIN_ARGON2_MEMORY_KIB,
        "LMS_PROXY_COUNT": 0,
        "LMS_COURSE_DIRS": [str(shipped("courses"))],
        # Folders of the register of legal instruments, one TOML file per instrument.
        "LMS_LEGAL_REGISTER_DIRS": [str(Path(__file__).parent / "legal" / "register")],
        # Learners are told a module cites an instrument not in force once it has been
        # flagged for this many days without a review.
        "LMS_LAW_NOTICE_AFTER_DAYS": 30,
        # Entry points of group lms.plugins not to load (a plugin taken out of service):
        # its content stays, shown as unavailable.
        "LMS_DISABLED_PLUGINS": [],
        "LMS_DEMO_PASSWORD": "hoctapso-2026",
        "LMS_PORT": 5000,
        "LMS_PAGE_SIZE": 25,
        # A renewal (recertification) may start this many days before a completion expires.
        "LMS_RENEWAL_WINDOW_DAYS": 60,
        # "Due soon" is told this many days before a due date.
        "LMS_DUE_SOON_DAYS": 14,
        "LMS_CERTIFICATE_ISSUER": "Hệ thống bồi dưỡng kỹ năng số cho cán bộ, công chức",
        # Absolute address printed on certificates and in e-mails; the request's own otherwise.
        "LMS_BASE_URL": None,
        # The Ed25519 private key (PEM file) that signs the Open Badges credentials; unset,
        # credential_key.pem in the instance folder, generated on first use.
        "LMS_CREDENTIAL_KEY": None,
        # E-mail is off until a host is set.
        "LMS_SMTP_HOST": None,
        "LMS_SMTP_PORT": 587,
        "LMS_SMTP_USER": None,
        "LMS_SMTP_PASSWORD": None,
        "LMS_SMTP_STARTTLS": True,
        "LMS_MAIL_FROM": "no-reply@localhost",
        # An e-mail that fails is tried again after this many seconds, then twice as long
        # after each further failure, and given up after this many tries in all.
        "LMS_EMAIL_RETRY_SECONDS": 300,
        "LMS_EMAIL_MAX_TRIES": 5,
        # The job queue (lms/core/jobs.py): True runs each task where it is enqueued (tests).
        "LMS_JOBS_IMMEDIATE": False,
        # A job (a roster import) not heard from for this many seconds has died with its
        # worker: another worker takes it over from its last committed chunk.
        "LMS_JOBS_STALE_SECONDS": 120,
        # Look-ups of the public verification page per address.
        "LMS_VERIFY_LIMIT": "30 per minute",
        # The key certificates and transcripts are signed with: a PKCS#12 file, or a PEM key
        # and a PEM certificate chain (paths relative to the instance folder or absolute),
        # the passphrase of either, and an RFC 3161 timestamp server. Unset: PDFs unsigned.
        "LMS_SIGNING_PKCS12": None,
        "LMS_SIGNING_KEY": None,
        "LMS_SIGNING_CERT": None,
        "LMS_SIGNING_PASSPHRASE": None,
        "LMS_SIGNING_TIMESTAMP_URL": None,
        # The REST API (/api/v1): how long a client's bearer token lives, a person's own
        # token at most, and the requests each client (or personal token) may make.
        "LMS_API_TOKEN_SECONDS": 3600,
        "LMS_API_PERSONAL_TOKEN_DAYS": 90,
        "LMS_API_RATE_LIMIT": "600 per minute",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "lms_session",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_NAME": "lms_remember",
        "REMEMBER_COOKIE_DURATION": 14 * 24 * 3600,
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "RATELIMIT_HEADERS_ENABLED": False,
        # Said explicitly: the limiter is one object for every app of the process, and left
        # unset it would keep whatever an earlier app (a test's) switched it to.
        "RATELIMIT_ENABLED": True,
        "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
    }


def load(app: Flask, overrides: dict | None) -> None:
    """Fill ``app.config`` in precedence order and fail fast on an unsafe result."""
    app.config.update(defaults(app.instance_path))
    # The instance folder's, as documented: a bare "config.py" would be read from the
    # application's root (the checkout), since the app is not instance-relative.
    app.config.from_pyfile(str(Path(app.instance_path) / "config.py"), silent=True)
    for variable, (key, parse) in ENVIRONMENT.items():
        if variable in os.environ:
            try:
                app.config[key] = parse(os.environ[variable])
            except ValueError as error:
                raise ConfigError(f"{variable}: {error}") from error
    app.config.update(overrides or {})
    _derive(app)
    _check(app)


def _derive(app: Flask) -> None:
    config = app.config
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
    config.setdefault("RATELIMIT_STORAGE_URI", config["LMS_REDIS_URL"] or "memory://")
    config.setdefault("RATELIMIT_KEY_PREFIX", "lms")
    # Storage errors arrive as limits' StorageError, which lms.core.outages answers.
    storage_options = {"wrap_exceptions": True}
    if config["RATELIMIT_STORAGE_URI"].startswith(("redis://", "rediss://")):
        storage_options.update(REDIS_TIMEOUTS)
    config.setdefault("RATELIMIT_STORAGE_OPTIONS", storage_options)
    _bound_database_connect(config)


def _bound_database_connect(config) -> None:
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        return  # refused by _check
    url = sa.engine.make_url(config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "postgresql" or "connect_timeout" in url.query:
        return
    options = dict(config["SQLALCHEMY_ENGINE_OPTIONS"])
    options["connect_args"] = {
        "connect_timeout": DATABASE_CONNECT_TIMEOUT,
        **options.get("connect_args", {}),
    }
    config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _instance_secret(instance: Path) -> str:
    """Read the instance folder's secret key, generating it on first run."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key)
    return key


def _check(app: Flask) -> None:
    config = app.config
    if not (app.debug or app.testing):
        key = config["SECRET_KEY"]
        if key.lower() in WEAK_SECRETS or len(key) < MIN_SECRET_LENGTH:
            raise ConfigError(
                f"LMS_SECRET_KEY is weak: use at least {MIN_SECRET_LENGTH} random characters, "
                "e.g. python -c 'import secrets; print(secrets.token_hex(32))'"
            )
    if not app.testing and (
        config["LMS_ARGON2_TIME_COST"] < MIN_ARGON2_TIME_COST
        or config["LMS_ARGON2_MEMORY_KIB"] < MIN_ARGON2_MEMORY_KIB
    ):
        raise ConfigError(
            "LMS_ARGON2_TIME_COST and LMS_ARGON2_MEMORY_KIB may not go below OWASP's baseline "
            f"({MIN_ARGON2_TIME_COST} iterations, {MIN_ARGON2_MEMORY_KIB} KiB) outside tests"
        )
    for name in RATE_LIMITS:
        try:
            parse_many(config[name])
        except ValueError as error:
            raise ConfigError(f"{name}: {error}; write it like '5 per 5 minutes'") from error
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        raise ConfigError("LMS_DATABASE_URL is empty")
    if config["LMS_LOG_FORMAT"] not in LOG_FORMATS:
        raise ConfigError("LMS_LOG_FORMAT must be 'plain' or 'json'")
    for entry in config["LMS_METRICS_ALLOW"]:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError as error:
            raise ConfigError(f"LMS_METRICS_ALLOW: {error}") from error
    for name in ("LMS_EMAIL_MAX_TRIES", "LMS_EMAIL_RETRY_SECONDS"):
        if config[name] < 1:
            raise ConfigError(f"{name} must be at least 1")
    key = config.get("LMS_CREDENTIAL_KEY")
    if key and not Path(key).is_file():
        raise ConfigError(f"LMS_CREDENTIAL_KEY: no such file {key}")
    _check_signing(config, Path(app.instance_path))
    unknown = set(config["LMS_LOCALES"]) - {"vi", "en"}
    if config["BABEL_DEFAULT_LOCALE"] not in config["LMS_LOCALES"] or unknown:
        raise ConfigError("LMS_DEFAULT_LOCALE must be 'vi' or 'en'")


def _check_signing(config, instance: Path) -> None:
    """Half a signing configuration stops the start: a key without its certificate, two
    kinds of key at once, a passphrase or timestamp server for no key, a missing file. (The
    certificates domain then loads the key, so a wrong passphrase stops it too.)"""
    pkcs12, key, cert = (config.get(f"LMS_SIGNING_{name}") for name in ("PKCS12", "KEY", "CERT"))
    if pkcs12 and (key or cert):
        raise ConfigError(
            "LMS_SIGNING_PKCS12 and LMS_SIGNING_KEY/LMS_SIGNING_CERT are both set: use one"
        )
    if bool(key) != bool(cert):
        raise ConfigError(
            "LMS_SIGNING_KEY and LMS_SIGNING_CERT go together: the PEM private key and the PEM "
            "certificate chain (the signer's certificate first)"
        )
    if not (pkcs12 or key):
        for name in ("LMS_SIGNING_PASSPHRASE", "LMS_SIGNING_TIMESTAMP_URL"):
            if config.get(name):
                raise ConfigError(
                    f"{name} is set but no signing key is: set LMS_SIGNING_PKCS12 (or "
                    "LMS_SIGNING_KEY and LMS_SIGNING_CERT) too, or unset it"
                )
        return
    for name, value in (
        ("LMS_SIGNING_PKCS12", pkcs12),
        ("LMS_SIGNING_KEY", key),
        ("LMS_SIGNING_CERT", cert),
    ):
        if value and not (instance / value).is_file():  # an absolute path stays absolute
            raise ConfigError(f"{name}: no such file: {value}")
    url = config.get("LMS_SIGNING_TIMESTAMP_URL")
    if url and not url.startswith(("http://", "https://")):
        raise ConfigError("LMS_SIGNING_TIMESTAMP_URL must be an http:// or https:// address")
