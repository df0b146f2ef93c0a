"""Drills over the API: create one, save answers (as often as wanted), submit, read the report.

The same rules as the web pages (``services.drills``): a drill is drawn once, answers can
change until it is submitted, a timed drill past its deadline is submitted by whichever
request reaches it first, and the right answers come only with the report. Another user's
drill is 404.
"""

from __future__ import annotations

from typing import Any

from spectree import Response as Resp

from .. import clock
from ..core.questions import Question
from ..models import AnyUser, Drill
from ..services import drills as service
from .common import api_spec, api_user, bp, token_required
from .drill_schemas import (
    DrillAnswers,
    DrillCreate,
    DrillList,
    DrillOut,
    DrillQuestionOut,
    DrillReportOut,
    DrillSummaryOut,
    ResultOut,
    TallyOut,
)
from .problems import ApiProblem
from .schemas import Problem

ERRORS: dict[str, Any] = {"HTTP_401": Problem, "HTTP_429": Problem}
DRILL_ERRORS: dict[str, Any] = {**ERRORS, "HTTP_404": Problem}
TAGS = ["drills"]
MAX_ID = 2**31 - 1


@bp.get("/drills")
@token_required
@api_spec.validate(resp=Resp(HTTP_200=DrillList, **ERRORS), tags=TAGS)
def list_drills() -> DrillList:
    """Your drills, newest first, with their scores."""
    rows = service.history(api_user(), clock.now())
    return DrillList(
        drills=[
            DrillSummaryOut(
                id=r.id,
                created_at=r.created_at,
                banks=list(r.banks),
                questions=r.questions,
                percent=None if r.percent is None else round(r.percent, 2),
                time_limit_min=r.time_limit_min,
                status=r.status,  # type: ignore[arg-type]
                retry_of=r.retry_of_id,
            )
            for r in rows
        ]
    )


@bp.post("/drills")
@token_required
@api_spec.validate(resp=Resp(HTTP_201=DrillOut, HTTP_400=Problem, **ERRORS), tags=TAGS)
def create_drill(json: DrillCreate) -> tuple[DrillOut, int]:
    """Draw a new drill from banks you can study; answer it with POST .../answers."""
    if json is None:
        raise ApiProblem(400, "Send the body as JSON, with 'Content-Type: application/json'.")
    user = api_user()
    request = service.DrillRequest(
        banks=tuple(json.banks),
        topics=tuple(json.topics),
        types=tuple(json.types),
        count=json.count,
        time_limit_min=json.time_limit_min,
        wrong_only=json.wrong_only,
        due_only=json.due_only,
        layout="paged",
        count_as_reviews=json.count_as_reviews,
    )
    try:
        drill = service.create(user, request, clock.now())
    except service.InvalidRequest as exc:
        raise ApiProblem(
            400,
            exc.message,
            errors=[
                {"path": field or "", "message": message} for field, message in exc.problems.items()
            ],
            type_slug="invalid-drill",
        ) from None
    return drill_out(drill), 201


@bp.get("/drills/<int:drill_id>")
@token_required
@api_spec.validate(resp=Resp(HTTP_200=DrillOut, **DRILL_ERRORS), tags=TAGS)
def get_drill(drill_id: int) -> DrillOut:
    """A drill with its questions and your saved answers (submitted by itself if its time
    ran out)."""
    user = api_user()
    drill = _drill(user, drill_id)
    service.settle(user, drill, clock.now())
    return drill_out(drill)


@bp.post("/drills/<int:drill_id>/answers")
@token_required
@api_spec.validate(
    resp=Resp(HTTP_200=DrillOut, HTTP_400=Problem, HTTP_409=Problem, **DRILL_ERRORS), tags=TAGS
)
def save_answers(drill_id: int, json: DrillAnswers) -> DrillOut:
    """Save answers by position (all of them, or on any bad one none); they can change
    until the drill is submitted. 409 once it is submitted or its time is up."""
    if json is None:
        raise ApiProblem(400, "Send the body as JSON, with 'Content-Type: application/json'.")
    user = api_user()
    drill = _drill(user, drill_id)
    by_position = {dq.position: dq for dq in drill.questions}
    answers: dict[int, list[str]] = {}
    for i, sent in enumerate(json.answers):
        dq = by_position.get(sent.position)
        if dq is None:
            raise _bad(
                f"answers[{i}].position",
                f"There is no question {sent.position}; this drill has positions 1 to "
                f"{len(by_position)}.",
            )
        answers[sent.position] = _as_indices(
            Question.from_dict(dq.question), sent.answer, f"answers[{i}].answer"
        )
    try:
        service.save_answers(user, drill, service.PageAnswers(answers=answers), clock.now())
    except service.Closed as exc:
        raise ApiProblem(409, exc.message, type_slug="drill-closed") from None
    except service.DrillError as exc:
        raise ApiProblem(400, exc.message, type_slug="invalid-answer") from None
    return drill_out(drill)


@bp.post("/drills/<int:drill_id>/submit")
@token_required
@api_spec.validate(resp=Resp(HTTP_200=DrillReportOut, **DRILL_ERRORS), tags=TAGS)
def submit_drill(drill_id: int) -> DrillReportOut:
    """Grade the drill and return its report; submitting again changes nothing."""
    user = api_user()
    drill = _drill(user, drill_id)
    service.submit(user, drill, clock.now())
    return report_out(drill)


@bp.get("/drills/<int:drill_id>/report")
@token_required
@api_spec.validate(resp=Resp(HTTP_200=DrillReportOut, HTTP_409=Problem, **DRILL_ERRORS), tags=TAGS)
def drill_report(drill_id: int) -> DrillReportOut:
    """The report of a submitted drill: score, by topic and type, every question with the
    right answer, explanation and source. 409 while the drill is in progress."""
    user = api_user()
    drill = _drill(user, drill_id)
    service.settle(user, drill, clock.now())
    if drill.submitted_at is None:
        raise ApiProblem(
            409,
            f"Drill {drill_id} is in progress; submit it with POST "
            f"/api/v1/drills/{drill_id}/submit first.",
            type_slug="drill-in-progress",
        )
    return report_out(drill)


# --- helpers ---------------------------------------------------------------------------------


def _drill(user: AnyUser, drill_id: int) -> Drill:
    if drill_id > MAX_ID:  # no such row; the database would refuse the number itself
        raise ApiProblem(404, f"You have no drill {drill_id}; GET /api/v1/drills lists yours.")
    try:
        return service.get(user, drill_id)
    except service.NotFound:
        raise ApiProblem(
            404, f"You have no drill {drill_id}; GET /api/v1/drills lists yours."
        ) from None


def _bad(path: str, detail: str) -> ApiProblem:
    return ApiProblem(
        400, detail, errors=[{"path": path, "message": detail}], type_slug="invalid-answer"
    )


def _as_indices(question: Question, answer: list[str], path: str) -> list[str]:
    """Option texts to the option indices the drill service takes (flashcards: as sent)."""
    if question.type == "flashcard":
        return list(answer)
    indices: list[str] = []
    for text in answer:
        if text not in question.options:
            listed = "; ".join(f"'{o}'" for o in question.options)
            raise _bad(path, f"'{text}' is not one of the options. The options are: {listed}.")
        index = str(question.options.index(text))
        if index in indices:
            raise _bad(path, f"'{text}' is sent twice; send each option at most once.")
        indices.append(index)
    return indices


def _status(drill: Drill) -> str:
    if drill.submitted_at is None:
        return "in progress"
    return "auto-submitted" if drill.auto_submitted else "submitted"


def drill_out(drill: Drill) -> DrillOut:
    questions = []
    for dq in drill.questions:
        q = Question.from_dict(dq.question)
        questions.append(
            DrillQuestionOut(
                position=dq.position,
                id=q.id,
                type=q.type,
                prompt=q.prompt,
                options=list(q.options),
                topic=q.topic,
                answer=list(dq.answer) if dq.answer else None,
            )
        )
    return DrillOut(
        id=drill.id,
        status=_status(drill),  # type: ignore[arg-type]
        created_at=drill.created_at,
        deadline=drill.deadline,
        count_as_reviews=drill.count_as_reviews,
        questions=questions,
    )


def report_out(drill: Drill) -> DrillReportOut:
    report = service.report(drill)
    summary = report.summary
    assert drill.submitted_at is not None

    def tallies(rows: Any) -> list[TallyOut]:
        return [
            TallyOut(
                label=t.label,
                questions=t.questions,
                points=round(t.score, 4),
                percent=round(t.percent, 2),
            )
            for t in rows
        ]

    return DrillReportOut(
        id=drill.id,
        status=_status(drill),  # type: ignore[arg-type]
        submitted_at=drill.submitted_at,
        score=round(summary.score, 4),
        max_score=summary.max_score,
        percent=round(summary.percent, 2),
        by_topic=tallies(summary.by_topic),
        by_type=tallies(summary.by_type),
        results=[
            ResultOut(
                position=r.position,
                id=r.question.id,
                type=r.question.type,
                prompt=r.question.prompt,
                topic=r.topic,
                answer=list(r.answer),
                correct_answer=list(r.question.answer),
                score=round(r.score, 4),
                correct=bool(r.grade and r.grade.correct),
                per_position=list(r.grade.per_position)
                if r.grade and r.grade.per_position is not None
                else None,
                time_ms=r.time_ms,
                explanation=r.question.explanation,
                source=r.question.source,
            )
            for r in report.results
        ],
    )
