"""Password hashing (argon2id) and the password policy."""

import gzip
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l

from lms.core.i18n import fold

_COMMON_PASSWORDS = Path(__file__).parent / "data" / "common-passwords.txt.gz"


@cache
def _hasher_of(time_cost: int, memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)


def _hasher() -> PasswordHasher:
    """The argon2id hasher at the cost the configuration sets (config.py checks that only
    tests may go below OWASP's baseline)."""
    config = current_app.config
    return _hasher_of(config["LMS_ARGON2_TIME_COST"], config["LMS_ARGON2_MEMORY_KIB"])


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


def verify_unknown_user(password: str) -> None:
    """Spend the time a real verification takes, so an unknown username answers as slowly
    as a known one."""
    verify_password(_timing_equaliser_hash(_hasher()), password)


@cache
def _timing_equaliser_hash(hasher: PasswordHasher) -> str:
    return hasher.hash("unknown user: timing equaliser")


@cache
def _common_passwords() -> frozenset[str]:
    with gzip.open(_COMMON_PASSWORDS, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines)


def policy_problems(password: str, *, username: str) -> list:
    """Every rule ``password`` breaks, as messages for the user (empty when it is fine)."""
    problems = []
    minimum = current_app.config["LMS_PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        problems.append(_l("Use at least %(count)d characters.", count=minimum))
    if password.lower() in _common_passwords() or fold(password) in _common_passwords():
        problems.append(_l("This password is too common; choose one that is harder to guess."))
    if username and fold(username) in fold(password):
        problems.append(_l("The password must not contain the username."))
    return problems
