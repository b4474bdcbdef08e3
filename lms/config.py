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

from lms.core.permissions import Role

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
    "LMS_PASSWORD_RESET_LIMIT",
    "LMS_PASSWORD_RESET_ADDRESS_LIMIT",
)
LOG_FORMATS = ("plain", "json")
# What LMS_SECOND_FACTOR_REQUIRED may name: the roles, and managers of a province or wider.
SECOND_FACTOR_RULES = {"admin", "manager", "trainer", "learner", "province-manager"}
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


def _as_stores(value: str) -> list[dict]:
    """Learning Record Stores as ``name=URL`` items (commas or spaces between them), each
    with its credentials in ``LMS_XAPI_LRS_<NAME>_USERNAME`` and ``..._PASSWORD``."""
    stores = []
    for item in _as_words(value):
        name, equals, url = item.partition("=")
        if not equals:
            raise ValueError(f"{item!r} is not name=URL")
        variable = f"LMS_XAPI_LRS_{name.upper().replace('-', '_')}"
        stores.append(
            {
                "name": name,
                "url": url,
                "username": os.environ.get(f"{variable}_USERNAME"),
                "password": os.environ.get(f"{variable}_PASSWORD"),
            }
        )
    return stores


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
    "LMS_SECOND_FACTOR_REQUIRED": ("LMS_SECOND_FACTOR_REQUIRED", _as_words),
    "LMS_SECOND_FACTOR_PROVINCE_KINDS": ("LMS_SECOND_FACTOR_PROVINCE_KINDS", _as_words),
    "LMS_SECOND_FACTOR_REMEMBER_DAYS": ("LMS_SECOND_FACTOR_REMEMBER_DAYS", int),
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
    "LMS_LAST_SEEN_SECONDS": ("LMS_LAST_SEEN_SECONDS", int),
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
    "LMS_PASSWORD_RESET_MINUTES": ("LMS_PASSWORD_RESET_MINUTES", int),
    "LMS_PASSWORD_RESET_LIMIT": ("LMS_PASSWORD_RESET_LIMIT", str),
    "LMS_PASSWORD_RESET_ADDRESS_LIMIT": ("LMS_PASSWORD_RESET_ADDRESS_LIMIT", str),
    "LMS_SIGN_IN_RETENTION_DAYS": ("LMS_SIGN_IN_RETENTION_DAYS", int),
    "LMS_XAPI_LRS": ("LMS_XAPI_LRS", _as_stores),
    "LMS_XAPI_RETRY_SECONDS": ("LMS_XAPI_RETRY_SECONDS", int),
    "LMS_XAPI_MAX_TRIES": ("LMS_XAPI_MAX_TRIES", int),
    "LMS_JOBS_STALE_SECONDS": ("LMS_JOBS_STALE_SECONDS", float),
    "LMS_SIGNING_PKCS12": ("LMS_SIGNING_PKCS12", str),
    "LMS_SIGNING_KEY": ("LMS_SIGNING_KEY", str),
    "LMS_SIGNING_CERT": ("LMS_SIGNING_CERT", str),
    "LMS_SIGNING_PASSPHRASE": ("LMS_SIGNING_PASSPHRASE", str),
    "LMS_SIGNING_TIMESTAMP_URL": ("LMS_SIGNING_TIMESTAMP_URL", str),
    "LMS_PASSWORD_SIGN_IN_DISABLED_ROLES": ("LMS_PASSWORD_SIGN_IN_DISABLED_ROLES", _as_words),
    "LMS_API_TOKEN_SECONDS": ("LMS_API_TOKEN_SECONDS", int),
    "LMS_API_PERSONAL_TOKEN_DAYS": ("LMS_API_PERSONAL_TOKEN_DAYS", int),
    "LMS_API_RATE_LIMIT": ("LMS_API_RATE_LIMIT", str),
}
# OpenID Connect providers: LMS_OIDC_PROVIDERS names them (commas), and each name's settings
# are LMS_OIDC_<NAME>_<SETTING> (docs/identity.md). Setting -> (key, parser, default).
OIDC_SETTINGS = {
    "ISSUER": ("issuer", str, None),
    "CLIENT_ID": ("client_id", str, None),
    "CLIENT_SECRET": ("client_secret", str, None),
    "LABEL": ("label", str, None),
    "SCOPES": ("scopes", _as_words, ["openid", "profile", "email"]),
    # The claim compared with an account's username at a first sign-in: the login name or the
    # national civil-servant code, whichever the province's usernames are; never a name.
    "USERNAME_CLAIM": ("username_claim", str, "preferred_username"),
    # Just-in-time accounts: off, or created with these claims' unit and position codes.
    "JIT": ("jit", _as_bool, False),
    "UNIT_CLAIM": ("unit_claim", str, "unit_code"),
    "POSITION_CLAIM": ("position_claim", str, "position_code"),
    "NAME_CLAIM": ("name_claim", str, "name"),
    "EMAIL_CLAIM": ("email_claim", str, "email"),
    # Where the discovery document is, when not at the issuer's /.well-known/ address.
    "DISCOVERY_URL": ("discovery_url", str, None),
}
OIDC_DEFAULTS = {key: default for key, _parse, default in OIDC_SETTINGS.values()}
OIDC_REQUIRED = ("issuer", "client_id", "client_secret", "label")
OIDC_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")


def defaults(instance_path: str) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(instance_path) / 'lms.sqlite3'}",
        # No pool_pre_ping: lms.core.db.check_connections tries only the connections the
        # server has closed.
        "SQLALCHEMY_ENGINE_OPTIONS": {},
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
        # Password reset by e-mail (lms/accounts/password_reset.py): how long a link lasts,
        # and how many links may be asked for per account identifier and per address.
        "LMS_PASSWORD_RESET_MINUTES": 60,
        "LMS_PASSWORD_RESET_LIMIT": "3 per hour",
        "LMS_PASSWORD_RESET_ADDRESS_LIMIT": "20 per hour",
        # Sign-ins ended, or unused, this many days ago are deleted by the daily purge (an
        # unused one then no longer opens a session): longer than REMEMBER_COOKIE_DURATION.
        "LMS_SIGN_IN_RETENTION_DAYS": 90,
        # Who must sign in with a second factor (lms/accounts/second_factor.py): role names
        # and "province-manager", a manager attached to a unit of a kind in
        # LMS_SECOND_FACTOR_PROVINCE_KINDS or above one. Anyone else may choose to.
        "LMS_SECOND_FACTOR_REQUIRED": ["admin", "province-manager"],
        "LMS_SECOND_FACTOR_PROVINCE_KINDS": ["province", "city"],
        # "Remember this browser": days it is not asked for the second factor again.
        "LMS_SECOND_FACTOR_REMEMBER_DAYS": 30,
        "LMS_SECOND_FACTOR_COOKIE_NAME": "lms_second_factor",
        # Seconds between the password and the second factor before signing in starts over.
        "LMS_SECOND_FACTOR_PENDING_SECONDS": 300,
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
        # A learner's "last seen" in a module and an activity is written at most this often:
        # a page view within it writes nothing.
        "LMS_LAST_SEEN_SECONDS": 300,
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
        # Learning Record Stores that get an xAPI statement of every start, completion,
        # quiz attempt and certificate (docs/xapi.md): [{"name", "url", "username",
        # "password"}]; none, and no statement is written. A batch an LRS did not take is
        # tried again after this many seconds, twice as long after each further failure,
        # and given up after this many tries.
        "LMS_XAPI_LRS": [],
        "LMS_XAPI_RETRY_SECONDS": 60,
        "LMS_XAPI_MAX_TRIES": 10,
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
        # OpenID Connect providers by name, each a dict of OIDC_SETTINGS' keys; filled from
        # LMS_OIDC_* (docs/identity.md) or written as such in the instance's config.py.
        "LMS_OIDC_PROVIDERS": {},
        # Roles (admin, manager, trainer, learner) whose holders may only sign in through a
        # provider: their password is refused with a pointer to the provider's button.
        "LMS_PASSWORD_SIGN_IN_DISABLED_ROLES": [],
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
    if "LMS_OIDC_PROVIDERS" in os.environ:
        app.config["LMS_OIDC_PROVIDERS"] = _oidc_from_environment(os.environ)
    app.config.update(overrides or {})
    _derive(app)
    _check(app)


def _oidc_from_environment(environ) -> dict:
    providers = {}
    for name in _as_words(environ["LMS_OIDC_PROVIDERS"].lower()):
        settings = {}
        for setting, (key, parse, _default) in OIDC_SETTINGS.items():
            variable = f"LMS_OIDC_{name.upper()}_{setting}"
            if variable in environ:
                settings[key] = parse(environ[variable])
        providers[name] = settings
    return providers


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
    # A provider's unset settings take their defaults, wherever its other settings came from.
    config["LMS_OIDC_PROVIDERS"] = {
        name: {**OIDC_DEFAULTS, **settings}
        for name, settings in config["LMS_OIDC_PROVIDERS"].items()
    }


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
    unknown_rules = set(config["LMS_SECOND_FACTOR_REQUIRED"]) - SECOND_FACTOR_RULES
    if unknown_rules:
        raise ConfigError(
            f"LMS_SECOND_FACTOR_REQUIRED: unknown {', '.join(sorted(unknown_rules))}; use any of "
            f"{', '.join(sorted(SECOND_FACTOR_RULES))}"
        )
    _check_stores(config)
    for name in (
        "LMS_EMAIL_MAX_TRIES",
        "LMS_EMAIL_RETRY_SECONDS",
        "LMS_PASSWORD_RESET_MINUTES",
        "LMS_XAPI_MAX_TRIES",
        "LMS_XAPI_RETRY_SECONDS",
    ):
        if config[name] < 1:
            raise ConfigError(f"{name} must be at least 1")
    remember = config["REMEMBER_COOKIE_DURATION"]  # seconds, or a timedelta (Flask-Login)
    remember = getattr(remember, "total_seconds", lambda: remember)()
    if config["LMS_SIGN_IN_RETENTION_DAYS"] * 86400 < remember:
        raise ConfigError(
            "LMS_SIGN_IN_RETENTION_DAYS must be at least as long as a remember-me cookie lasts"
        )
    key = config.get("LMS_CREDENTIAL_KEY")
    if key and not Path(key).is_file():
        raise ConfigError(f"LMS_CREDENTIAL_KEY: no such file {key}")
    _check_signing(config, Path(app.instance_path))
    _check_oidc(config)
    unknown = set(config["LMS_LOCALES"]) - {"vi", "en"}
    if config["BABEL_DEFAULT_LOCALE"] not in config["LMS_LOCALES"] or unknown:
        raise ConfigError("LMS_DEFAULT_LOCALE must be 'vi' or 'en'")


def _check_oidc(config) -> None:
    known_roles = {role.value for role in Role}
    for role in config["LMS_PASSWORD_SIGN_IN_DISABLED_ROLES"]:
        if role not in known_roles:
            raise ConfigError(
                f"LMS_PASSWORD_SIGN_IN_DISABLED_ROLES: unknown role {role!r}; "
                f"roles are {', '.join(sorted(known_roles))}"
            )
    if config["LMS_PASSWORD_SIGN_IN_DISABLED_ROLES"] and not config["LMS_OIDC_PROVIDERS"]:
        raise ConfigError(
            "LMS_PASSWORD_SIGN_IN_DISABLED_ROLES is set but no provider is (LMS_OIDC_PROVIDERS): "
            "those roles could not sign in at all"
        )
    for name, settings in config["LMS_OIDC_PROVIDERS"].items():
        where = f"LMS_OIDC_{name.upper()}"
        if not OIDC_NAME.fullmatch(name):
            raise ConfigError(
                f"LMS_OIDC_PROVIDERS: {name!r} is not a provider name: lower-case letters, "
                "digits and _, starting with a letter"
            )
        unknown = set(settings) - set(OIDC_DEFAULTS)
        if unknown:
            raise ConfigError(f"{where}: unknown settings {', '.join(sorted(unknown))}")
        for key in OIDC_REQUIRED:
            if not settings[key]:
                raise ConfigError(f"{where}_{key.upper()} is not set")
        for key in ("issuer", "discovery_url"):
            if settings[key] and not settings[key].startswith(("https://", "http://")):
                raise ConfigError(
                    f"{where}_{key.upper()} must be an https:// address "
                    "(http:// only for a test provider)"
                )
        if "openid" not in settings["scopes"]:
            raise ConfigError(f"{where}_SCOPES must include openid")


_STORE_NAME = re.compile(r"[a-z][a-z0-9-]{0,31}")


def _check_stores(config) -> None:
    stores = config["LMS_XAPI_LRS"]
    if not stores:
        return
    if not config.get("LMS_BASE_URL"):
        raise ConfigError(
            "LMS_XAPI_LRS needs LMS_BASE_URL: xAPI statements name learners by their account "
            "on this site, and activities by their address on it"
        )
    names = [store["name"] for store in stores]
    for store in stores:
        name = store["name"]
        if not _STORE_NAME.fullmatch(name) or names.count(name) > 1:
            raise ConfigError(
                f"LMS_XAPI_LRS: {name!r}: give each store its own name of lower-case letters, "
                "digits and dashes (at most 32)"
            )
        if not str(store["url"]).startswith(("http://", "https://")):
            raise ConfigError(f"LMS_XAPI_LRS: {name}: the URL must start with https://")
        if bool(store.get("username")) != bool(store.get("password")):
            variable = f"LMS_XAPI_LRS_{name.upper().replace('-', '_')}"
            raise ConfigError(
                f"{variable}_USERNAME and {variable}_PASSWORD go together (HTTP basic auth)"
            )


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
