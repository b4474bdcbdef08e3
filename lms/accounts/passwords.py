"""Password hashing (argon2id) and the password policy."""

import gzip
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l

from lms.core.i18n import fold

# OWASP's argon2id baseline (19 MiB, 2 iterations, 1 lane); Werkzeug's scrypt default is weaker.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

_COMMON_PASSWORDS = Path(__file__).parent / "data" / "common-passwords.txt.gz"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


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
