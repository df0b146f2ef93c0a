"""Response headers and the session loader."""

from __future__ import annotations

from dataclasses import fields

from flask import Flask, Response
from sqlalchemy import bindparam, select

from .extensions import db, login_manager

CSP = (
    "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'; img-src 'self' data:"
)


def init_security(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"
    # "basic", not "strong": a phone that changes networks mid-session must stay logged in.
    # Login clears the session (a fresh one) and logout bumps the user's session version.
    login_manager.session_protection = "basic"

    from .models import SignedInUser, User

    # Built once: every request of a logged-in user runs it, and building a statement costs
    # more than running it.
    users = User.__table__
    user_by_id = select(*(users.c[f.name] for f in fields(SignedInUser))).where(
        users.c.id == bindparam("user_id")
    )

    @login_manager.user_loader
    def load_user(token: str) -> SignedInUser | None:
        user_id, _, version = token.partition(":")
        if not user_id.isdigit() or not version.isdigit():
            return None
        row = db.session.connection().execute(user_by_id, {"user_id": int(user_id)}).first()
        if row is None:
            return None
        user = SignedInUser(*row)
        return user if user.session_version == int(version) else None

    @app.after_request
    def set_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response
