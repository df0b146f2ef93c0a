"""What every API module shares: the blueprint, the OpenAPI generator, bearer auth, limits.

Only bearer tokens authorize the API: an operation decorated with ``token_required`` lets a
request in by its ``Authorization: Bearer`` header alone, never by the session cookie, so the
API needs no CSRF token (its blueprint is exempt). Rate limits count per token: the limiter's
key is the token's id, or the client's address for requests without a working token.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from flask import Blueprint, Response, current_app, g, request
from flask_limiter.util import get_remote_address
from spectree import SecurityScheme, SecuritySchemeData, SpecTree
from spectree.models import SecureType

from .. import clock
from ..extensions import limiter
from ..models import ApiToken, User
from ..services import api_tokens
from .problems import DETAILS, PROBLEM_MIMETYPE, ApiProblem, problem_response, register_handlers
from .schemas import Problem

API_PREFIX = "/api/v1"
API_VERSION = "1.0.0"
DEFAULT_RATE_LIMIT = "120 per minute"

bp = Blueprint("api", __name__, url_prefix=API_PREFIX)
register_handlers(bp)


@bp.after_request
def _private(response: Response) -> Response:
    """API answers are personal: no shared cache keeps them."""
    response.headers.setdefault("Cache-Control", "no-store")
    return response


P = ParamSpec("P")
R = TypeVar("R")


# --- request validation errors as problems ---------------------------------------------------


def _problem_on_invalid_request(
    req: Any, resp: Any, error: Exception | None, instance: Any, adapter: Any
) -> None:
    """spectree calls this after validating a request: turn its error list into a problem."""
    if error is None or resp is None:
        return
    errors = [
        {"path": ".".join(str(part) for part in e.get("loc", ())), "message": e.get("msg", "")}
        for e in adapter.validation_errors(error)
    ]
    if request.method in ("POST", "PUT", "PATCH") and not request.is_json:
        detail = DETAILS[415]
    else:
        listed = "; ".join(f"{e['path'] or 'the body'}: {e['message']}" for e in errors[:5])
        detail = f"The request is not valid: {listed}."
    _rewrite(resp, 400, detail, errors, "invalid-request")


def _problem_on_invalid_response(
    req: Any, resp: Any, error: Exception | None, instance: Any, adapter: Any
) -> None:
    """A response that breaks its own schema is a bug: report it as a 500 problem."""
    if error is None or resp is None:
        return
    current_app.logger.error(
        "API response on %s %s breaks its schema: %s",
        request.method,
        request.path,
        adapter.validation_errors(error),
    )
    _rewrite(resp, 500, DETAILS[500], None, None)


def _rewrite(
    resp: Any, status: int, detail: str, errors: list[dict[str, Any]] | None, slug: str | None
) -> None:
    built = problem_response(status, detail, errors=errors, type_slug=slug)
    resp.status_code = status
    resp.set_data(built.get_data())
    resp.mimetype = PROBLEM_MIMETYPE
    resp.headers["Cache-Control"] = "no-store"


api_spec = SpecTree(
    "flask",
    mode="strict",
    title="quizapp API",
    version=API_VERSION,
    description=(
        "Study question banks on an FSRS schedule, read your statistics, and (instructors) "
        "upload, check, publish and export banks. Authenticate with a personal API token: "
        "`Authorization: Bearer <token>` (create one on the settings page, or with "
        "POST /api/v1/tokens). Errors are RFC 9457 problem details "
        "(`application/problem+json`). Requests are rate-limited per token."
    ),
    openapi_version="3.1.0",
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
    validation_error_status=400,
    validation_error_model=Problem,
    before=_problem_on_invalid_request,
    after=_problem_on_invalid_response,
    security_schemes=[
        SecurityScheme(
            name="bearerAuth",
            data=SecuritySchemeData(
                type=SecureType.HTTP,
                scheme="bearer",
                description="A personal API token (qz_...).",
            ),
        )
    ],
    security={"bearerAuth": []},
    page_templates={},
)


def openapi_document() -> dict[str, Any]:
    """The generated description, with the problem responses given their own media type.

    spectree documents every body as ``application/json``; error bodies are problem details,
    sent as ``application/problem+json`` (RFC 9457), so their media type is renamed here.
    """
    spec = json.loads(json.dumps(api_spec.spec))
    for operations in spec.get("paths", {}).values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content")
                if status[:1] in ("4", "5") and content and "application/json" in content:
                    response["content"] = {PROBLEM_MIMETYPE: content["application/json"]}
    return spec


# --- bearer tokens ---------------------------------------------------------------------------


def _bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def resolve_token() -> ApiToken | None:
    """The working token this request carries (looked up once per request)."""
    if "api_token_checked" not in g:
        secret = _bearer_secret()
        g.api_token = api_tokens.find_token(secret) if secret else None
        g.api_token_checked = True
    token: ApiToken | None = g.api_token
    return token


def rate_limit_key() -> str:
    token = resolve_token()
    return f"api-token:{token.id}" if token is not None else f"api-addr:{get_remote_address()}"


def api_rate_limit() -> str:
    return str(current_app.config["API_RATE_LIMIT"])


def auth_rate_limit() -> str:
    return str(current_app.config["AUTH_RATE_LIMIT"])


per_token_limit = limiter.shared_limit(api_rate_limit, scope="api", key_func=rate_limit_key)
"""Every authenticated operation draws on one budget per token."""

token_endpoint_limit = limiter.limit(auth_rate_limit, key_func=get_remote_address)
"""Creating a token checks a password: limited per address, like the login form."""


def token_required(view: Callable[P, R]) -> Callable[P, R]:
    """Let the request in by its bearer token alone, within the token's rate limit.

    The limit is checked first, so guessing tokens is limited too (per address).
    """

    @wraps(view)
    def authorized(*args: P.args, **kwargs: P.kwargs) -> R:
        authenticate()
        return view(*args, **kwargs)

    return per_token_limit(authorized)


def authenticate() -> User:
    token = resolve_token()
    if token is None:
        if _bearer_secret() is None:
            raise ApiProblem(
                401,
                "This operation needs a personal API token: send 'Authorization: Bearer "
                "<token>'. Create one on the settings page or with POST /api/v1/tokens; a "
                "logged-in browser session does not authorize the API.",
            )
        raise ApiProblem(
            401,
            "The API token is not valid: it was revoked, or is mistyped. Create a new one on "
            "the settings page or with POST /api/v1/tokens.",
            headers={"WWW-Authenticate": 'Bearer realm="quizapp", error="invalid_token"'},
        )
    user = api_tokens.user_of(token)
    if user is None:  # pragma: no cover - a token is deleted with its user
        raise ApiProblem(401, "The API token's account no longer exists.")
    api_tokens.mark_used(token, clock.now())
    g.api_user = user
    return user


def api_user() -> User:
    """The user whose token authorized this request."""
    user: User = g.api_user
    return user
