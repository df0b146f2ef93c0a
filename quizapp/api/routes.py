"""Tokens, banks, the study loop and statistics. Views stay thin: the rules live in services."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response, current_app, jsonify, request
from fsrs import Rating
from spectree import Response as Resp

from .. import clock
from ..core import scheduling
from ..core.questions import Question
from ..extensions import db
from ..models import AnyUser, Bank, Item, Presentation, Review
from ..services import accounts, api_tokens
from ..services import study as study_service
from . import stats as stats_service
from .common import (
    api_spec,
    api_user,
    bp,
    openapi_document,
    token_endpoint_limit,
    token_required,
)
from .problems import ApiProblem
from .schemas import (
    AnswerRequest,
    AnswerResult,
    BankList,
    NextQuery,
    NextQuestion,
    Problem,
    QueueCounts,
    Stats,
    TokenCreated,
    TokenRequest,
)

STUDY_ERRORS: dict[str, Any] = {"HTTP_401": Problem, "HTTP_429": Problem}
NOT_JSON = "Send the body as JSON, with 'Content-Type: application/json'."


# --- the description -------------------------------------------------------------------------


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 description of this API, generated from the code."""
    response = jsonify(openapi_document())
    response.headers["Cache-Control"] = "no-cache"
    return response


# --- tokens ----------------------------------------------------------------------------------


@bp.post("/tokens")
@token_endpoint_limit
@api_spec.validate(
    resp=Resp(HTTP_201=TokenCreated, HTTP_401=Problem, HTTP_429=Problem),
    tags=["tokens"],
    security={},
)
def create_token(json: TokenRequest) -> tuple[TokenCreated, int]:
    """Create a personal API token from a username and password.

    The token is in the response this once; only its SHA-256 is stored. Limited per address,
    like the login form.
    """
    body = _json(json)
    user = accounts.authenticate(body.username, body.password)
    if user is None:
        raise ApiProblem(
            401,
            "Invalid username or password.",
            headers={"WWW-Authenticate": 'Bearer realm="quizapp"'},
        )
    try:
        created = api_tokens.create_token(user, body.name, clock.now())
    except api_tokens.TokenError as exc:
        raise ApiProblem(400, str(exc)) from None
    token = created.token
    return (
        TokenCreated(
            token=created.secret,
            id=token.id,
            name=token.name,
            prefix=token.prefix,
            created_at=token.created_at,
        ),
        201,
    )


# --- banks -----------------------------------------------------------------------------------


@bp.get("/banks")
@token_required
@api_spec.validate(resp=Resp(HTTP_200=BankList, **STUDY_ERRORS), tags=["study"])
def banks() -> BankList:
    """The banks you can study, with their due, new and learned counts."""
    view = study_service.home_view(api_user(), clock.now())
    return BankList(banks=[stats_service.bank_summary(b) for b in view.banks])


# --- the study loop --------------------------------------------------------------------------


@bp.get("/study/next")
@token_required
@api_spec.validate(
    resp=Resp(HTTP_200=NextQuestion, HTTP_204=None, HTTP_404=Problem, **STUDY_ERRORS),
    tags=["study"],
)
def next_question(query: NextQuery) -> NextQuestion | tuple[str, int]:
    """The next question of a bank, in the format of `flask export-questions`.

    204 (no body) when nothing is due or new in the bank now. Answer it with
    POST /api/v1/study/answer and its `presentation_id`.
    """
    user = api_user()
    try:
        bank = study_service.get_bank_for(user, query.bank)
    except study_service.NotFound:
        raise ApiProblem(
            404,
            f"No bank '{query.bank}' that you can study; GET /api/v1/banks lists yours.",
        ) from None
    shown = study_service.next_question(user, bank, clock.now())
    if shown is None:
        return "", 204
    counts = shown.counts
    return NextQuestion(
        presentation_id=shown.token,
        **shown.question.to_export(),
        counts=QueueCounts(due=counts.due, new=counts.new, learning=counts.learning),
    )


@bp.post("/study/answer")
@token_required
@api_spec.validate(
    resp=Resp(
        HTTP_200=AnswerResult,
        HTTP_404=Problem,
        HTTP_409=Problem,
        **STUDY_ERRORS,
    ),
    tags=["study"],
)
def answer(json: AnswerRequest) -> AnswerResult:
    """Answer a shown question: grade it, record the review, and say how it went.

    The review's rating is the one sent, or Good for a right answer and Again for a wrong one
    (a flashcard needs a rating). Sending the same `presentation_id` again records nothing
    more and returns the same result.
    """
    body = _json(json)
    user = api_user()
    now = clock.now()
    data = _presentation_data(user, body.presentation_id)
    bank = _visible_bank(user, int(data["b"]))
    pid = str(data["n"])
    p = db.session.get(Presentation, pid)
    if p is not None and p.user_id != user.id:
        raise ApiProblem(404, "That question was shown to someone else.")
    if p is None:
        chosen = _checked_answer(bank, data, body)
        try:
            pid = study_service.submit_answer(
                user, bank, body.presentation_id, chosen, body.duration_ms, now
            )
        except study_service.NotFound as exc:
            raise ApiProblem(404, str(exc)) from None
        except study_service.StudyError:
            raise ApiProblem(409, CHANGED, type_slug="question-outdated") from None
        p = study_service.get_presentation(user, pid)
    if p.review_id is None:
        rating = body.rating
        if rating is None and p.correct is not None:
            rating = int(scheduling.default_rating(bool(p.correct)))
        if rating is None:
            raise ApiProblem(
                400,
                FLASHCARD_RATING,
                errors=[_err("rating", FLASHCARD_RATING)],
                type_slug="rating-required",
            )
        review = study_service.rate(user, pid, rating, now)
    else:
        existing = db.session.get(Review, p.review_id)
        assert existing is not None
        review = existing
    return answer_result(body.presentation_id, p, review)


CHANGED = (
    "The bank was changed after this question was shown, so it can no longer be answered; "
    "get the next question with GET /api/v1/study/next."
)
FLASHCARD_RATING = (
    'A flashcard needs a rating: send "rating": 1 (Again), 2 (Hard), 3 (Good) or 4 (Easy).'
)


def _json(body: Any) -> Any:
    if body is None:  # a form body: spectree validates JSON bodies only
        raise ApiProblem(400, NOT_JSON, type_slug="invalid-request")
    return body


def _err(path: str, message: str) -> dict[str, Any]:
    return {"path": path, "message": message}


def _presentation_data(user: AnyUser, token: str) -> dict[str, Any]:
    try:
        # The token's reader is private to the study service; the API needs the bank it names
        # before it can call submit_answer.
        return study_service.read_token(user, token)
    except study_service.NotFound:
        raise ApiProblem(404, "That question was shown to someone else.") from None
    except study_service.StudyError:
        detail = (
            "The presentation_id is not valid: it is damaged, or older than a day. Get a "
            "question with GET /api/v1/study/next and send its presentation_id."
        )
        raise ApiProblem(
            400, detail, errors=[_err("presentation_id", detail)], type_slug="invalid-presentation"
        ) from None


def _visible_bank(user: AnyUser, bank_id: int) -> Bank:
    bank = db.session.execute(
        study_service.visible_banks_query(user).where(Bank.id == bank_id)
    ).scalar_one_or_none()
    if bank is None:
        raise ApiProblem(404, "The bank of this question is no longer one you can study.")
    return bank


def _checked_answer(bank: Bank, data: dict[str, Any], body: AnswerRequest) -> list[str]:
    """The answer as option indices, as the study service takes it, after checking it against
    the question as shown (with messages for an API client rather than a web form)."""
    if data.get("h") != bank.content_hash:
        raise ApiProblem(409, CHANGED, type_slug="question-outdated")
    item = db.session.get(Item, data["i"])
    if item is None or not item.active:
        raise ApiProblem(409, CHANGED, type_slug="question-outdated")
    question = study_service.render(bank, item, int(data["s"]))
    if question.type == "flashcard":
        if body.answer:
            raise _bad_answer(
                'A flashcard takes no answer: send "answer": [] and a rating (1 Again, '
                "2 Hard, 3 Good, 4 Easy)."
            )
        if body.rating is None:
            raise ApiProblem(
                400,
                FLASHCARD_RATING,
                errors=[_err("rating", FLASHCARD_RATING)],
                type_slug="rating-required",
            )
        return []
    indices = _indices(question, body.answer)
    n = len(question.options)
    if not indices:
        raise _bad_answer("Choose an answer: send the text of at least one option.")
    if question.type == "single_choice" and len(indices) != 1:
        raise _bad_answer("A single-choice question takes exactly one option.")
    if question.type == "ordering" and len(indices) != n:
        raise _bad_answer(f"Put every item in order: send all {n} options, in your order.")
    return [str(i) for i in indices]


def _indices(question: Question, answer: list[str]) -> list[int]:
    taken: list[int] = []
    for text in answer:
        index = next(
            (i for i, option in enumerate(question.options) if option == text and i not in taken),
            None,
        )
        if index is None:
            if text in question.options:
                raise _bad_answer(f"'{text}' is sent twice; send each option at most once.")
            listed = "; ".join(f"'{o}'" for o in question.options)
            raise _bad_answer(f"'{text}' is not one of the options. The options are: {listed}.")
        taken.append(index)
    return taken


def _bad_answer(detail: str) -> ApiProblem:
    return ApiProblem(400, detail, errors=[_err("answer", detail)], type_slug="invalid-answer")


def answer_result(presentation_id: str, p: Presentation, review: Review) -> AnswerResult:
    question = p.question
    grade = p.grade or {}
    rating = Rating(review.rating)
    return AnswerResult(
        presentation_id=presentation_id,
        correct=bool(review.correct),
        score=grade.get("score"),
        answer=list(p.answer or []),
        correct_answer=list(question.get("answer") or []),
        per_position=grade.get("per_position"),
        explanation=str(question.get("explanation") or ""),
        source=str(question.get("source") or ""),
        rating=int(rating),  # type: ignore[arg-type]
        rating_label=scheduling.RATING_LABELS[rating],  # type: ignore[arg-type]
        next_due=datetime.fromisoformat(review.state_after["due"]),
        answered_at=review.answered_at,
    )


# --- statistics ------------------------------------------------------------------------------


@bp.get("/stats")
@token_required
@api_spec.validate(resp=Resp(HTTP_200=Stats, **STUDY_ERRORS), tags=["study"])
def stats() -> Stats:
    """Your statistics: today, your streak, per bank, per day, and retention."""
    return stats_service.stats_for(api_user(), clock.now())


# --- anything else under /api/v1 -------------------------------------------------------------

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@bp.route("/<path:anything>", methods=METHODS)
def not_found(anything: str) -> Response:
    """Unknown addresses (and known ones with the wrong method) answer with problems too."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = set()
    for method in METHODS:
        try:
            endpoint, _ = adapter.match(method=method)
        except Exception:  # NotFound, MethodNotAllowed, a redirect: not a route for method
            continue
        if endpoint != "api.not_found":
            allowed.add(method)
    if allowed:
        methods = sorted(allowed | ({"HEAD"} if "GET" in allowed else set()) | {"OPTIONS"})
        raise ApiProblem(
            405,
            f"{request.path} does not accept {request.method}; it accepts "
            f"{', '.join(sorted(allowed))}.",
            headers={"Allow": ", ".join(methods)},
        )
    raise ApiProblem(
        404,
        f"There is no {request.path}. The operations are listed at /api/v1/openapi.json.",
    )
