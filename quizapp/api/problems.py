"""Errors as RFC 9457 problem details (``application/problem+json``), for the API only.

The handlers are registered on the API blueprint, so the web keeps its HTML error pages. A
view refuses with ``raise ApiProblem(status, detail)``; HTTP errors raised by Flask, Werkzeug,
Flask-Limiter or a size limit become problems too, and so does any unexpected exception (500,
with nothing of its inner workings in the body).
"""

from __future__ import annotations

import json
import math
import time
from http import HTTPStatus
from typing import Any

from flask import Blueprint, Response, current_app, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from ..errors import BUSY_RETRY_AFTER_S, database_is_locked
from ..extensions import db, limiter

PROBLEM_MIMETYPE = "application/problem+json"
TYPE_BASE = "tag:quizapp,2026:problems/"
"""Problems with their own meaning get a type of their own (a tag URI: it names the kind of
problem and is not meant to be fetched); plain HTTP errors are ``about:blank``, whose title
is the status phrase (RFC 9457, section 4.2.1)."""

DETAILS = {
    400: "The request could not be understood; see the errors for what to change.",
    401: "Send a personal API token as 'Authorization: Bearer <token>'. Create one on the "
    "settings page or with POST /api/v1/tokens.",
    403: "Your account may not do this.",
    404: "There is nothing at this address. The operations are listed at /api/v1/openapi.json.",
    405: "This address does not accept this method; see the Allow header.",
    413: "The request body is larger than the upload limit.",
    415: "Send the body as JSON, with 'Content-Type: application/json'.",
    429: "Too many requests in a short time; wait and try again (see Retry-After).",
    500: "An unexpected error happened; nothing was saved. Try again in a moment.",
    503: "The database is busy; please try again in a moment (see Retry-After).",
}


class ApiProblem(Exception):
    """A refusal the API reports as a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        type_slug: str | None = None,
        title: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors
        self.type_slug = type_slug
        self.title = title
        self.headers = headers or {}


def problem_response(
    status: int,
    detail: str | None = None,
    *,
    errors: list[dict[str, Any]] | None = None,
    type_slug: str | None = None,
    title: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": TYPE_BASE + type_slug if type_slug else "about:blank",
        "title": title or _phrase(status),
        "status": status,
        "detail": detail or DETAILS.get(status, _phrase(status)),
    }
    if errors is not None:
        body["errors"] = errors
    response = current_app.response_class(
        json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_MIMETYPE
    )
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if status == 401:
        response.headers.setdefault("WWW-Authenticate", 'Bearer realm="quizapp"')
    return response


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def from_problem(problem: ApiProblem) -> Response:
    return problem_response(
        problem.status,
        problem.detail,
        errors=problem.errors,
        type_slug=problem.type_slug,
        title=problem.title,
        headers=problem.headers,
    )


def from_http_exception(error: HTTPException) -> Response:
    code = error.code or 500
    headers: dict[str, str] = {}
    detail = DETAILS.get(code)
    if code == 405:
        valid = getattr(error, "valid_methods", None)
        if valid:
            headers["Allow"] = ", ".join(valid)
    elif code == 429:
        limit = getattr(error, "limit", None)
        if limit is not None:
            detail = (
                f"Rate limit exceeded ({limit.limit}); wait and try again. The limit counts "
                "requests per token (per address for requests without a working token)."
            )
        headers["Retry-After"] = str(_retry_after())
    elif code == 413:
        limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
        detail = (
            f"The request body is larger than the {limit / (1024 * 1024):.3g} MB limit; "
            "split the bank into smaller files."
        )
    elif code not in DETAILS and error.description:
        detail = error.description
    return problem_response(code, detail, headers=headers)


def _retry_after() -> int:
    """Seconds until the breached limit's window lets a request through again."""
    try:
        reset_at = limiter.current_limit.reset_at  # type: ignore[union-attr]
    except Exception:  # no limit in this request's context: a guess beats nothing
        return 60
    return max(math.ceil(reset_at - time.time()), 1)


def register_handlers(bp: Blueprint) -> None:
    bp.register_error_handler(ApiProblem, from_problem)
    bp.register_error_handler(HTTPException, from_http_exception)

    @bp.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        db.session.rollback()
        current_app.logger.exception("unhandled API error on %s %s", request.method, request.path)
        return problem_response(500)

    @bp.errorhandler(OperationalError)
    def database_error(error: OperationalError) -> Response:
        if not database_is_locked(error):
            return unexpected(error)
        db.session.rollback()
        current_app.logger.warning("database locked on API %s %s", request.method, request.path)
        return problem_response(503, headers={"Retry-After": str(BUSY_RETRY_AFTER_S)})
