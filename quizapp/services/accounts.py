"""Accounts: creating users, checking passwords, settings, and ending sessions.

Every write goes through :func:`write_transaction`. Rules that the forms also show beside
their fields (username shape, password rules, setting ranges) live here and in
``quizapp.passwords`` so the web forms and the CLI apply the same ones.
"""

from __future__ import annotations

import re
import zoneinfo
from functools import cache

from sqlalchemy.exc import IntegrityError

from .. import passwords
from ..clock import now
from ..database import write_transaction
from ..extensions import db
from ..models import ROLES, AnyUser, User

USERNAME_MIN = 3
USERNAME_MAX = 64
USERNAME_RE = re.compile(r"^[a-z0-9._-]+$")
DISPLAY_NAME_MAX = 100
RETENTION_MIN = 0.80
RETENTION_MAX = 0.97
NEW_PER_DAY_MAX = 500
REVIEWS_PER_DAY_MAX = 9999


class AccountError(ValueError):
    """Input the account services refuse; ``field`` names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class UsernameTaken(AccountError):
    def __init__(self) -> None:
        super().__init__("That username is taken.", "username")


@cache
def timezone_names() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def normalize_username(username: str) -> str:
    return username.strip().lower()


def username_problem(username: str) -> str | None:
    name = normalize_username(username)
    if not USERNAME_MIN <= len(name) <= USERNAME_MAX:
        return f"Use {USERNAME_MIN} to {USERNAME_MAX} characters."
    if not USERNAME_RE.match(name):
        return "Use only letters, digits, dot (.), underscore (_) and hyphen (-)."
    return None


def find_user(username: str) -> User | None:
    name = normalize_username(username)
    return db.session.execute(db.select(User).where(User.username == name)).scalar_one_or_none()


def list_users() -> list[User]:
    return list(db.session.execute(db.select(User).order_by(User.username)).scalars())


def _clean_display_name(display_name: str | None, username: str) -> str:
    name = (display_name or "").strip()
    if len(name) > DISPLAY_NAME_MAX:
        raise AccountError(
            f"Use at most {DISPLAY_NAME_MAX} characters for the display name.", "display_name"
        )
    return name or username


def create_user(
    username: str,
    password: str,
    *,
    display_name: str | None = None,
    role: str = "student",
) -> User:
    """Create an account; raises :class:`AccountError` (or :class:`UsernameTaken`)."""
    problem = username_problem(username)
    if problem:
        raise AccountError(problem, "username")
    name = normalize_username(username)
    shown = _clean_display_name(display_name, name)
    if role not in ROLES:
        raise AccountError(f"Unknown role {role!r}; use one of: {', '.join(ROLES)}.", "role")
    problem = passwords.password_problem(password)
    if problem:
        raise AccountError(problem, "password")
    password_hash = passwords.hash_password(password)  # slow: outside the write lock
    try:
        with write_transaction():
            if find_user(name) is not None:
                raise UsernameTaken()
            user = User(
                username=name,
                display_name=shown,
                password_hash=password_hash,
                role=role,
                session_version=1,
                created_at=now(),
            )
            db.session.add(user)
    except IntegrityError as exc:  # a concurrent registration won the race
        raise UsernameTaken() from exc
    return user


def authenticate(username: str, password: str) -> User | None:
    """The user whose username and password these are, or None.

    Unknown users and wrong passwords take the same time and give the same answer. A hash
    made with older parameters is replaced at a successful login.
    """
    user = find_user(username)
    if user is None:
        passwords.burn_verification_time(password)
        return None
    if not passwords.verify_password(user.password_hash, password):
        return None
    if passwords.needs_rehash(user.password_hash):
        new_hash = passwords.hash_password(password)
        with write_transaction():
            user.password_hash = new_hash
    return user


def change_password(user: AnyUser, current_password: str, new_password: str) -> User:
    """Set a new password and end every other session (the session version is bumped);
    returns the changed row, whose session version a new login needs."""
    row = _row_of(user)
    if not passwords.verify_password(row.password_hash, current_password):
        raise AccountError("The current password is not correct.", "current_password")
    problem = passwords.password_problem(new_password)
    if problem:
        raise AccountError(problem, "new_password")
    new_hash = passwords.hash_password(new_password)
    with write_transaction():
        row.password_hash = new_hash
        row.session_version = row.session_version + 1
    return row


def update_settings(
    user: AnyUser,
    *,
    display_name: str | None,
    desired_retention: float,
    new_per_day: int,
    reviews_per_day: int,
    timezone: str,
) -> None:
    shown = _clean_display_name(display_name, user.username)
    if not RETENTION_MIN <= desired_retention <= RETENTION_MAX:
        raise AccountError(
            f"Choose a value between {RETENTION_MIN:.2f} and {RETENTION_MAX:.2f}.",
            "desired_retention",
        )
    if not 0 <= new_per_day <= NEW_PER_DAY_MAX:
        raise AccountError(f"Choose a number from 0 to {NEW_PER_DAY_MAX}.", "new_per_day")
    if not 0 <= reviews_per_day <= REVIEWS_PER_DAY_MAX:
        raise AccountError(f"Choose a number from 0 to {REVIEWS_PER_DAY_MAX}.", "reviews_per_day")
    if timezone not in timezone_names():
        raise AccountError("Choose a time zone from the list.", "timezone")
    row = _row_of(user)
    with write_transaction():
        row.display_name = shown
        row.desired_retention = desired_retention
        row.new_per_day = new_per_day
        row.reviews_per_day = reviews_per_day
        row.timezone = timezone


def set_role(username: str, role: str) -> User:
    if role not in ROLES:
        raise AccountError(f"Unknown role {role!r}; use one of: {', '.join(ROLES)}.", "role")
    with write_transaction():
        user = find_user(username)
        if user is None:
            raise AccountError(f"No user named {normalize_username(username)!r}.", "username")
        user.role = role
    return user


def logout(user: AnyUser) -> None:
    """Make every cookie issued to ``user`` so far useless (the caller then clears its own)."""
    row = _row_of(user)
    with write_transaction():
        row.session_version = row.session_version + 1


def _row_of(user: AnyUser) -> User:
    """The user's row, to change it (a web request's user is a read-only copy)."""
    if isinstance(user, User):
        return user
    row = db.session.get(User, user.id)
    if row is None:
        raise AccountError("This account no longer exists.", "username")
    return row
