"""Drill pages: start one, take it (one question per page or all on one), submit, read the
report, retry the mistakes, and the history. Views stay thin: services.drills has the rules."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ..clock import now
from ..models import Drill
from ..services import drills as service
from ..services.authoring import QUESTION_TYPE_LABELS
from . import bp
from .forms import NewDrillForm, page_answers, small_int


def _drill_or_404(drill_id: int) -> Drill:
    try:
        return service.get(current_user, drill_id)
    except service.NotFound:
        abort(404)


@bp.get("/")
@login_required
def index() -> str:
    trend = service.score_trend(current_user)
    return render_template(
        "drills/index.html",
        rows=service.history(current_user, now()),
        trend=trend,
        trend_points=[(at.strftime("%d %b"), percent) for at, percent in trend],
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    banks = service.bank_options(current_user)
    form = NewDrillForm()
    if request.method == "GET":
        slugs = {b.slug for b in banks}
        wanted = request.args.getlist("bank") or ([banks[0].slug] if len(banks) == 1 else [])
        form.banks.data = [s for s in wanted if s in slugs]
        return _new_page(form, banks)
    if not form.validate_on_submit():
        # Say everything at once: the service's findings too, for the fields that read well.
        problems = _place(form, service.problems(current_user, form.to_request()))
        return _new_page(form, banks, problems, status=400)
    try:
        drill = service.create(current_user, form.to_request(), now())
    except service.InvalidRequest as error:
        return _new_page(form, banks, _place(form, error.problems), status=400)
    except service.DrillError as error:
        return _new_page(form, banks, [error.message], status=400)
    return redirect(url_for("drills.show", drill_id=drill.id))


def _place(form: NewDrillForm, problems: service.Problems) -> list[str]:
    """Put each problem on its field (unless the field has one already); return the rest."""
    rest = []
    for name, message in problems.items():
        field = form[name] if name is not None and name in form else None
        if field is None:
            rest.append(message)
        elif not field.errors:
            field.errors = [message]
    return rest


def _new_page(
    form: NewDrillForm,
    banks: list[service.BankOption],
    problems: list[str] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    return (
        render_template("drills/new.html", form=form, banks=banks, problems=problems or []),
        status,
    )


@bp.get("/<int:drill_id>")
@login_required
def show(drill_id: int) -> ResponseReturnValue:
    drill = _drill_or_404(drill_id)
    if service.settle(current_user, drill, now()):
        flash("Time ran out, so the drill was submitted with the answers you had saved.", "info")
    if drill.submitted_at is not None:
        return redirect(url_for("drills.report", drill_id=drill.id))
    view = service.take_view(drill, now())
    if drill.layout == "single":
        return render_template("drills/single.html", view=view)
    total = len(view.questions)
    position = small_int(request.args.get("q", "1"))
    if position is None or not 1 <= position <= total:
        flash(f"This drill has questions 1 to {total}; here is the first.", "warning")
        return redirect(url_for("drills.show", drill_id=drill.id))
    return render_template("drills/paged.html", view=view, current=view.questions[position - 1])


@bp.post("/<int:drill_id>/answer")
@login_required
def answer(drill_id: int) -> Response:
    drill = _drill_or_404(drill_id)
    try:
        service.save_answers(current_user, drill, page_answers(request.form), now())
    except service.Closed as error:
        flash(error.message, "warning")
        return redirect(url_for("drills.report", drill_id=drill.id))
    except service.DrillError as error:
        flash(error.message, "warning")
        return redirect(_this_page(drill))
    if drill.submitted_at is not None:  # saved in the grace period, then submitted
        flash("Time ran out: your last answers were saved and the drill was submitted.", "info")
        return redirect(url_for("drills.report", drill_id=drill.id))
    if drill.layout == "single":
        flash("Your answers are saved. You can change them until you submit the drill.", "success")
        return redirect(url_for("drills.show", drill_id=drill.id))
    go = small_int(request.form.get("go"))
    if go is None or not 1 <= go <= len(drill.questions):
        return redirect(_this_page(drill))
    return redirect(url_for("drills.show", drill_id=drill.id, q=go))


def _this_page(drill: Drill) -> str:
    position = small_int(request.form.get("on_page"))
    if drill.layout == "paged" and position is not None:
        return url_for("drills.show", drill_id=drill.id, q=position)
    return url_for("drills.show", drill_id=drill.id)


@bp.post("/<int:drill_id>/submit")
@login_required
def submit(drill_id: int) -> Response:
    """Submit, saving the answers on the page first (the countdown submits this form too)."""
    drill = _drill_or_404(drill_id)
    try:
        page = page_answers(request.form)
        if page.answers:
            service.save_answers(current_user, drill, page, now())
    except service.Closed as error:
        flash(error.message, "warning")
        return redirect(url_for("drills.report", drill_id=drill.id))
    except service.DrillError as error:
        flash(f"{error.message} The drill was not submitted.", "warning")
        return redirect(_this_page(drill))
    service.submit(current_user, drill, now(), auto=request.form.get("timer") == "1")
    return redirect(url_for("drills.report", drill_id=drill.id))


@bp.get("/<int:drill_id>/report")
@login_required
def report(drill_id: int) -> ResponseReturnValue:
    drill = _drill_or_404(drill_id)
    service.settle(current_user, drill, now())
    if drill.submitted_at is None:
        flash("Submit the drill to see its report.", "info")
        return redirect(url_for("drills.show", drill_id=drill.id))
    return render_template(
        "drills/report.html", report=service.report(drill), type_labels=QUESTION_TYPE_LABELS
    )


@bp.post("/<int:drill_id>/retry")
@login_required
def retry(drill_id: int) -> Response:
    drill = _drill_or_404(drill_id)
    try:
        new_drill = service.retry(current_user, drill, now())
    except service.DrillError as error:
        flash(error.message, "info")
        return redirect(url_for("drills.report", drill_id=drill.id))
    count = len(new_drill.questions)
    flash(
        f"A new drill of the {count} {'question' if count == 1 else 'questions'} you did not "
        "get right, with their options drawn anew.",
        "success",
    )
    return redirect(url_for("drills.show", drill_id=new_drill.id))
