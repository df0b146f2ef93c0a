"""Classes: instructors create classes, attach banks and follow progress; students join with a
code. Views stay thin: the rules and the transactions live in services.classes."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response

from ..clock import now
from ..extensions import limiter
from ..services import classes as service
from . import bp
from .forms import AttachForm, JoinForm, NewClassForm

JOIN_RATE_LIMIT = "30 per minute"


def instructor_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Logged in (else the login page) and an instructor or admin (else 403)."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_instructor:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _index(
    new_form: NewClassForm | None = None, join_form: JoinForm | None = None, status: int = 200
) -> ResponseReturnValue:
    return (
        render_template(
            "classes/index.html",
            taught=service.taught_classes(current_user),
            joined=service.joined_classes(current_user),
            new_form=new_form or NewClassForm(formdata=None),
            join_form=join_form or JoinForm(formdata=None),
        ),
        status,
    )


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    return _index()


@bp.post("/new")
@instructor_required
def create() -> ResponseReturnValue:
    form = NewClassForm()
    if not form.validate_on_submit():
        return _index(new_form=form, status=400)
    try:
        course = service.create_class(current_user, form.name.data or "")
    except service.ClassError as error:
        form.name.errors = [*form.name.errors, error.message]
        return _index(new_form=form, status=400)
    flash(
        f"Class “{course.name}” created. Give your students its join code or link, then attach "
        "the banks they should study.",
        "success",
    )
    return redirect(url_for("classes.show", course_id=course.id))


# --- joining -----------------------------------------------------------------------------------


@bp.post("/join")
@login_required
@limiter.limit(JOIN_RATE_LIMIT)
def join_by_code() -> ResponseReturnValue:
    """The join form on the classes page: the typed code joins at once."""
    form = JoinForm()
    if not form.validate_on_submit():
        return _index(join_form=form, status=400)
    return _join(form.code.data or "", form)


def _join(code: str, form: JoinForm | None = None) -> ResponseReturnValue:
    try:
        course, added = service.join(current_user, code)
    except service.NotFound as error:
        if form is not None:
            form.code.errors = [*form.code.errors, error.message]
            return _index(join_form=form, status=404)
        return _unknown_code(code)
    except service.ClassError as error:
        flash(error.message, "warning")
        return redirect(url_for("classes.index"))
    if added:
        flash(f"You joined “{course.name}”. Its banks are now on your home page.", "success")
    else:
        flash(f"You are already in “{course.name}”; nothing changed.", "info")
    return redirect(url_for("study.home"))


def _unknown_code(code: str) -> ResponseReturnValue:
    return render_template("classes/join_unknown.html", code=code.strip()[:40]), 404


@bp.get("/join/<code>")
@login_required
@limiter.limit(JOIN_RATE_LIMIT)
def join(code: str) -> ResponseReturnValue:
    """The join link: asks before joining (a GET changes nothing)."""
    try:
        preview = service.join_preview(current_user, code)
    except service.NotFound:
        return _unknown_code(code)
    return render_template("classes/join.html", preview=preview)


@bp.post("/join/<code>")
@login_required
@limiter.limit(JOIN_RATE_LIMIT)
def join_confirm(code: str) -> ResponseReturnValue:
    return _join(code)


@bp.post("/<int:course_id>/leave")
@login_required
def leave(course_id: int) -> Response:
    course = service.leave(current_user, course_id)
    if course is None:
        flash("You were not in that class; nothing changed.", "info")
    else:
        flash(f"You left “{course.name}”. Your progress is kept if you join again.", "success")
    return redirect(url_for("classes.index"))


# --- a class's page ----------------------------------------------------------------------------


@bp.get("/<int:course_id>")
@login_required
def show(course_id: int) -> ResponseReturnValue:
    try:
        course, manages = service.class_for_page(current_user, course_id)
    except service.NotFound:
        abort(404)
    if not manages:
        return render_template(
            "classes/member.html",
            course=course,
            teacher=service.teacher_name(course),
            banks=service.member_banks(course),
        )
    return _manage_page(course)


def _manage_page(
    course: Any, attach_form: AttachForm | None = None, status: int = 200
) -> ResponseReturnValue:
    form = (attach_form or AttachForm(formdata=None)).offer(
        service.attachable_banks(course, current_user)
    )
    current = now()
    return (
        render_template(
            "classes/manage.html",
            course=course,
            teacher=service.teacher_name(course),
            join_url=url_for("classes.join", code=course.join_code, _external=True),
            attached=service.attached_banks(course, current_user),
            attach_form=form,
            upload_url=_upload_url(),
            progress=service.progress(course, current),
            hardest=service.hardest_facts(course),
            min_reviews=service.HARDEST_MIN_REVIEWS,
            window_days=service.RETENTION_WINDOW.days,
        ),
        status,
    )


def _upload_url() -> str | None:
    """Where an instructor uploads a bank, when the authoring area is installed."""
    try:
        return url_for("author.upload")
    except BuildError:
        return None


def _managed_or_404(course_id: int) -> Any:
    try:
        return service.managed_class(current_user, course_id)
    except service.NotFound:
        abort(404)
    except service.Forbidden:
        abort(403)


@bp.post("/<int:course_id>/banks")
@instructor_required
def attach(course_id: int) -> ResponseReturnValue:
    course = _managed_or_404(course_id)
    form = AttachForm()
    if not form.validate_on_submit():
        return _manage_page(course, form, status=400)
    try:
        bank, added = service.attach_bank(current_user, course_id, form.bank_id.data)
    except service.NotFound:
        abort(404)
    except service.ClassError as error:
        form.bank_id.errors = [*form.bank_id.errors, error.message]
        return _manage_page(course, form, status=400)
    if not added:
        flash(f"“{bank.title}” was already attached; nothing changed.", "info")
    elif bank.status != "published":
        flash(
            f"“{bank.title}” attached. It is a draft: students will see it once it is published.",
            "success",
        )
    else:
        flash(
            f"“{bank.title}” attached: the class's students now see it on their home page.",
            "success",
        )
    return redirect(url_for("classes.show", course_id=course_id, _anchor="banks"))


@bp.post("/<int:course_id>/banks/<int:bank_id>/detach")
@instructor_required
def detach(course_id: int, bank_id: int) -> Response:
    _managed_or_404(course_id)
    try:
        bank = service.detach_bank(current_user, course_id, bank_id)
    except service.NotFound:
        abort(404)
    if bank is None:
        flash("That bank was not attached to this class; nothing changed.", "info")
    else:
        flash(
            f"“{bank.title}” detached. Students keep their progress in it; they no longer see "
            "it through this class.",
            "success",
        )
    return redirect(url_for("classes.show", course_id=course_id, _anchor="banks"))


@bp.post("/<int:course_id>/code")
@instructor_required
def new_code(course_id: int) -> Response:
    _managed_or_404(course_id)
    try:
        course = service.regenerate_code(current_user, course_id)
    except service.NotFound:
        abort(404)
    except service.ClassError as error:
        flash(error.message, "error")
        return redirect(url_for("classes.show", course_id=course_id))
    flash(
        f"New join code: {course.join_code}. The old code and link no longer work; students "
        "already in the class stay in it.",
        "success",
    )
    return redirect(url_for("classes.show", course_id=course_id, _anchor="join"))
