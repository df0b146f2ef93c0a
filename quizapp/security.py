"""Response headers and the session loader."""

from __future__ import annotations

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

    from .models import User

    # Built once: every request of a logged-in user runs it, and building a statement costs
    # more than running it (session.get builds one per call).
    user_by_id = select(User).where(User.id == bindparam("user_id"))

    @login_manager.user_loader
    def load_user(token: str):  # type: ignore[no-untyped-def]
        user_id, _, version = token.partition(":")
        if not user_id.isdigit() or not version.isdigit():
            return None
        user = db.session.execute(user_by_id, {"user_id": int(user_id)}).scalar_one_or_none()
        if user is None or user.session_version != int(version):
            return None
        return user

    @app.after_request
    def set_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response
