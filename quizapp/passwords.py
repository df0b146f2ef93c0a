"""Password hashing (argon2id) and the password rules.

Hashes use argon2id with m=19 MiB, t=2, p=1: OWASP's recommended setting and the ASVS 5
minimum, chosen over argon2-cffi's 64 MiB profile so that a login costs about 50 ms of one
core rather than several hundred, which matters on a small server under a burst of logins.
``PASSWORD_HASH_FAST`` (tests only) swaps in tiny parameters; a hash made with other
parameters than the current ones is upgraded at the next login (:func:`needs_rehash`).

Rules (ASVS 5 / NIST SP 800-63B): 8 to 128 characters, no composition rules, and none of the
most common passwords (``data/common_passwords.txt``, compared case-insensitively). Passwords
are NFKC-normalised before hashing, so the same password typed on another keyboard or system
still matches.
"""

from __future__ import annotations

import contextlib
import functools
import unicodedata
from pathlib import Path

from argon2 import Parameters, PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app

MIN_LENGTH = 8
MAX_LENGTH = 128

COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "data" / "common_passwords.txt"

STRONG_PARAMETERS = Parameters(
    type=Type.ID,
    version=19,
    salt_len=16,
    hash_len=32,
    time_cost=2,
    memory_cost=19 * 1024,
    parallelism=1,
)
# Tests only: the same hash format at a fraction of the cost.
FAST_PARAMETERS = Parameters(
    type=Type.ID,
    version=19,
    salt_len=16,
    hash_len=32,
    time_cost=1,
    memory_cost=8,
    parallelism=1,
)


@functools.cache
def _hasher(fast: bool) -> PasswordHasher:
    return PasswordHasher.from_parameters(FAST_PARAMETERS if fast else STRONG_PARAMETERS)


def _fast() -> bool:
    # Never weak in production, whatever the environment says.
    config = current_app.config
    return bool(config.get("PASSWORD_HASH_FAST")) and config.get("ENV_NAME") != "production"


def hasher() -> PasswordHasher:
    return _hasher(_fast())


def _normalize(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def hash_password(password: str) -> str:
    return hasher().hash(_normalize(password))


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches; never raises for a wrong password or a broken hash."""
    try:
        return hasher().verify(password_hash, _normalize(password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    try:
        return hasher().check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return True


@functools.cache
def _dummy_hash(fast: bool) -> str:
    return _hasher(fast).hash("not the password of anyone")


def burn_verification_time(password: str) -> None:
    """Spend the time of one verification, so an unknown username answers as slowly as a
    known one with a wrong password (no account discovery by timing)."""
    fast = _fast()
    with contextlib.suppress(VerificationError):
        _hasher(fast).verify(_dummy_hash(fast), _normalize(password))


@functools.cache
def common_passwords() -> frozenset[str]:
    with COMMON_PASSWORDS_FILE.open(encoding="utf-8") as f:
        return frozenset(line.strip() for line in f if line.strip())


def is_common(password: str) -> bool:
    return _normalize(password).strip().lower() in common_passwords()


def password_problem(password: str) -> str | None:
    """What is wrong with ``password`` as a new password, or None when it is acceptable."""
    length = len(_normalize(password))
    if length < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if length > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    if is_common(password):
        return "This password is too common. Choose one that is harder to guess."
    return None
