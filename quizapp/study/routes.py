"""Study pages: home, the question, feedback with rating, leeches. Views stay thin."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ..clock import now
from ..core.questions import Question
from ..models import AnyUser
from ..services import study as service
from . import bp


@dataclass(frozen=True)
class ResultView:
    correct: bool | None
    chosen: tuple[str, ...]
    per_position: tuple[bool, ...] | None
    score: float | None


def _me() -> AnyUser:
    # The user itself rather than the proxy: the services read its attributes often, and
    # every read through current_user looks the user up again in the request context.
    user: AnyUser = current_user._get_current_object()
    return user


@bp.get("/")
def home() -> str:
    if not current_user.is_authenticated:
        return render_template("study/landing.html")
    view = service.home_view(_me(), now())
    return render_template(
        "study/home.html",
        banks=view.banks,
        reviews_today=view.reviews_today,
        streak=view.streak,
        new_left=view.new_left,
    )


def _bank_or_404(user: AnyUser, slug: str) -> Any:
    try:
        return service.get_bank_for(user, slug)
    except service.NotFound:
        abort(404)


@bp.get("/study/<slug>")
@login_required
def session(slug: str) -> str:
    user = _me()
    bank = _bank_or_404(user, slug)
    shown = service.next_question(user, bank, now())
    if shown is None:
        return render_template(
            "study/done.html",
            bank=bank,
            next_due=service.next_due(user, bank),
            counts=service.counts_of([]),  # the queue next_question found empty
        )
    return render_template(
        "study/question.html",
        bank=bank,
        q=shown.question,
        token=shown.token,
        counts=shown.counts,
        shown_at_ms=shown.shown_at_ms,
    )


@bp.post("/study/<slug>/answer")
@login_required
def answer(slug: str) -> Response:
    duration = request.form.get("duration_ms", "")
    try:
        pid = service.submit_answer_in(
            _me(),
            slug,
            request.form.get("token", ""),
            request.form.getlist("answer"),
            int(duration) if duration.isdigit() else None,
            now(),
        )
    except service.NotFound:
        abort(404)
    except service.StudyError as exc:
        flash(str(exc), "warning")
        return redirect(url_for("study.session", slug=slug))
    return redirect(url_for("study.feedback", pid=pid))


@bp.get("/study/p/<pid>")
@login_required
def feedback(pid: str) -> str:
    user = _me()
    try:
        p, bank = service.get_presentation_and_bank(user, pid)
    except service.NotFound:
        abort(404)
    q = Question.from_dict({k: v for k, v in p.question.items() if k != "duration_ms"})
    grade = p.grade or {}
    result = ResultView(
        correct=p.correct if q.type != "flashcard" else None,
        chosen=tuple(p.answer or ()),
        per_position=tuple(grade["per_position"]) if grade.get("per_position") else None,
        score=grade.get("score"),
    )
    return render_template(
        "study/feedback.html",
        bank=bank,
        q=q,
        result=result,
        ratings=service.rating_choices(user, p, now()),
        rated=service.rated_view(p),
        pid=pid,
    )


@bp.post("/study/p/<pid>/rate")
@login_required
def rate(pid: str) -> Response:
    rating = request.form.get("rating", "")
    try:
        slug = service.rate_and_find_bank(_me(), pid, int(rating) if rating.isdigit() else 0, now())
    except service.NotFound:
        abort(404)
    except service.StudyError as exc:
        flash(str(exc), "warning")
        return redirect(url_for("study.feedback", pid=pid))
    return redirect(url_for("study.session", slug=slug))


@bp.get("/leeches")
@login_required
def leeches() -> str:
    return render_template("study/leeches.html", leeches=service.leeches(_me()))
