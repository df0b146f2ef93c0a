"""Error pages: every failure a person can meet gets a page that says what happened."""

from __future__ import annotations

from flask import Flask, Response, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from .extensions import db

MESSAGES = {
    400: (
        "Bad request",
        "The request could not be understood. Go back, reload the page and try again.",
    ),
    403: ("Forbidden", "You do not have permission to do that."),
    404: ("Not found", "There is nothing here. Check the address, or start from the home page."),
    405: ("Method not allowed", "That address does not accept this kind of request."),
    413: (
        "File too large",
        "The upload is larger than the 2 MB limit. Split the bank into smaller files and "
        "upload them one by one.",
    ),
    429: ("Too many requests", "Too many attempts in a short time. Wait a minute and try again."),
    500: (
        "Something went wrong",
        "An unexpected error happened; nothing was saved. Try again in a moment.",
    ),
    503: ("Database busy", "The database is busy; please try again in a moment."),
}

BUSY_RETRY_AFTER_S = 5
"""Seconds a client is told to wait after a write met a locked database."""


def database_is_locked(error: BaseException) -> bool:
    """Whether ``error`` is SQLite's refusal of a write that waited past ``busy_timeout``
    for another writer (a long import, say): the request may simply be sent again."""
    if not isinstance(error, OperationalError):
        return False
    return "database is locked" in str(error.orig if error.orig is not None else error)


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):  # type: ignore[no-untyped-def]
        return _render(
            400,
            "Form expired",
            "The form was missing its security token or it had expired. Reload the page and "
            "submit it again.",
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):  # type: ignore[no-untyped-def]
        code = error.code or 500
        title, text = MESSAGES.get(code, (error.name, error.description or ""))
        response = _render(code, title, text)
        valid_methods = getattr(error, "valid_methods", None)
        if code == 405 and valid_methods:
            response.headers["Allow"] = ", ".join(valid_methods)
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception):  # type: ignore[no-untyped-def]
        db.session.rollback()
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return _render(500, *MESSAGES[500])

    @app.errorhandler(OperationalError)
    def database_error(error: OperationalError):  # type: ignore[no-untyped-def]
        if not database_is_locked(error):
            return unexpected(error)
        db.session.rollback()
        app.logger.warning("database locked on %s %s", request.method, request.path)
        response = _render(503, *MESSAGES[503])
        response.headers["Retry-After"] = str(BUSY_RETRY_AFTER_S)
        return response


def _render(code: int, title: str, text: str) -> Response:
    return make_response(render_template("error.html", code=code, title=title, text=text), code)
