"""Personal API tokens: created, shown once, stored as a SHA-256, revoked.

A token is ``qz_`` followed by 43 URL-safe characters (``secrets.token_urlsafe(32)``, 256 bits).
Only its SHA-256 is stored (an unsalted hash is enough for a random 256-bit secret: there is no
dictionary to try), together with its first characters (``prefix``) so that a person can tell
their tokens apart. Revoking sets ``revoked_at``; a revoked token never works again. The time of
last use is written at most once a minute per token, so the API does not write on every request.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from ..database import write_transaction
from ..extensions import db
from ..models import AnyUser, ApiToken, User

TOKEN_PREFIX = "qz_"
PREFIX_LENGTH = 8
"""How many characters of a token are kept in clear, to recognise it (``qz_AbCdE``)."""
NAME_MAX = 100
DEFAULT_NAME = "API token"
LAST_USED_RESOLUTION = timedelta(minutes=1)
TOKEN_RE = re.compile(r"qz_[A-Za-z0-9_-]+")
MAX_TOKEN_LENGTH = 200
"""Longer bearer values are refused without hashing them."""


class TokenError(ValueError):
    """A refusal to show to the person, saying what to do instead."""


class TokenNotFound(TokenError):
    pass


@dataclass(frozen=True)
class NewToken:
    """A token just created: ``secret`` is its only appearance in clear."""

    token: ApiToken
    secret: str


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def clean_name(name: str | None) -> str:
    """The name on one line, without control characters; a default when empty."""
    text = "".join(ch for ch in name or "" if ch.isprintable() or ch.isspace())
    text = " ".join(text.split())
    if len(text) > NAME_MAX:
        raise TokenError(f"Use at most {NAME_MAX} characters for the token's name.")
    return text or DEFAULT_NAME


def create_token(user: AnyUser, name: str | None, now: datetime) -> NewToken:
    """A new token for ``user``; the caller shows ``secret`` once and forgets it."""
    label = clean_name(name)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with write_transaction():
        token = ApiToken(
            user_id=user.id,
            name=label,
            token_hash=hash_token(secret),
            prefix=secret[:PREFIX_LENGTH],
            created_at=now,
            last_used_at=None,
            revoked_at=None,
        )
        db.session.add(token)
    return NewToken(token=token, secret=secret)


def list_tokens(user: AnyUser) -> list[ApiToken]:
    """The user's tokens, the working ones first, newest first."""
    rows = db.session.execute(
        select(ApiToken)
        .where(ApiToken.user_id == user.id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ).scalars()
    return sorted(rows, key=lambda t: t.revoked_at is not None)


def revoke_token(user: AnyUser, token_id: int, now: datetime) -> ApiToken:
    """Revoke one of ``user``'s tokens (revoking twice keeps the first time)."""
    with write_transaction():
        token = db.session.get(ApiToken, token_id)
        if token is None or token.user_id != user.id:
            raise TokenNotFound("You have no such token.")
        if token.revoked_at is None:
            token.revoked_at = now
    return token


def find_token(secret: str) -> ApiToken | None:
    """The working (not revoked) token whose secret this is, or None."""
    if (
        not secret.startswith(TOKEN_PREFIX)
        or len(secret) > MAX_TOKEN_LENGTH
        or not TOKEN_RE.fullmatch(secret)
    ):
        return None
    token = db.session.execute(
        select(ApiToken).where(ApiToken.token_hash == hash_token(secret))
    ).scalar_one_or_none()
    if token is None or token.revoked_at is not None:
        return None
    return token


def user_of(token: ApiToken) -> User | None:
    return db.session.get(User, token.user_id)


def mark_used(token: ApiToken, now: datetime) -> None:
    """Record that ``token`` was used, at most once per ``LAST_USED_RESOLUTION``."""
    last = token.last_used_at
    if last is not None and now - last < LAST_USED_RESOLUTION and now >= last:
        return
    with write_transaction():
        token.last_used_at = now
