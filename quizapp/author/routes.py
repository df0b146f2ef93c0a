"""Instructors' pages: their banks, upload, editing in the browser, preview, publish, export.

Every page needs an instructor or admin (a student gets 403, a visitor the login page). A bank
is found through its owner: someone else's bank is 404, except for admins. GETs change nothing;
every change is a POST of a Flask-WTF form (CSRF token). The rules live in
``services.authoring``; these views turn forms into calls and refusals into messages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.wrappers import Response

from ..core.bank import BankError
from ..services import authoring as service
from ..services.banks import ImportResult
from . import bp
from .forms import (
    FACT_FORMS,
    ActionForm,
    ConfirmUploadForm,
    DetailsForm,
    EntityForm,
    FactForm,
    NewBankForm,
    UploadForm,
    place_errors,
)

UNPROCESSABLE = 422


@bp.url_value_preprocessor
def _allow_large_forms(endpoint: str | None, values: dict[str, Any] | None) -> None:
    # Runs before every before_request hook, CSRF's included (which reads the form): a bank or
    # a document pasted into a textarea may use the whole upload limit, not just the 500 kB
    # Flask allows for form fields by default.
    request.max_form_memory_size = current_app.config.get("MAX_CONTENT_LENGTH")


@bp.before_request
def _instructors_only() -> ResponseReturnValue | None:
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined,no-any-return]
    if not current_user.is_instructor:
        abort(403)
    return None


def _bank(slug: str) -> Any:
    try:
        return service.bank_for(current_user, slug)
    except service.NotFound:
        abort(404)


def _seed() -> int:
    value = request.args.get("seed", "1")
    return int(value) if value.isdigit() and len(value) < 12 else 1


def _max_mb() -> str:
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    return f"{limit / (1024 * 1024):.3g}"


def _saved(result: ImportResult, what: str) -> None:
    parts = [what]
    if result.facts_reset:
        n = len(result.facts_reset)
        parts.append(f"progress reset on {n} fact{'s' if n != 1 else ''}")
    flash("; ".join(parts) + ".", "success")


# --- the list ---------------------------------------------------------------------------------


@bp.get("/")
def index() -> str:
    return render_template("author/index.html", banks=service.list_banks(current_user))


# --- upload -----------------------------------------------------------------------------------


@bp.route("/upload", methods=["GET", "POST"])
def upload() -> ResponseReturnValue:
    form = UploadForm()
    if not form.is_submitted():
        return render_template("author/upload.html", form=form, max_mb=_max_mb())
    if not form.validate():
        return _upload_problems(form, [])
    bank_file = form.bank_file.data
    filename = bank_file.filename or "upload"
    csv = service.suffix_of(filename) == "csv"
    try:
        document = _uploaded_document(form)
        if csv and document is not None:
            # A CSV bank quotes no document (each row is its own source): nothing to check.
            flash("The document text was not used: a CSV bank has no sources to check.", "info")
            document = None
        bank = service.read_upload(
            filename,
            bank_file.read(),
            document,
            bank_id=form.bank_id.data,
            title=form.title.data,
        )
        plan = service.plan_upload(current_user, bank, filename=filename, csv=csv)
    except service.InvalidBank as exc:
        return _upload_problems(form, exc.errors, filename)
    if plan.resets:
        return _confirm_page(plan, document)
    return _import(plan, document)


def _uploaded_document(form: UploadForm) -> str | None:
    if form.document_file.data:
        upload = form.document_file.data
        return service.decode_document(upload.read(), upload.filename or "document")
    return service.normalise_document(form.document_text.data)


def _upload_problems(
    form: UploadForm, errors: list[BankError], filename: str = ""
) -> ResponseReturnValue:
    page = render_template(
        "author/upload.html", form=form, errors=errors, filename=filename, max_mb=_max_mb()
    )
    return page, UNPROCESSABLE


def _confirm_page(
    plan: service.UploadPlan, document: str | None, message: str | None = None
) -> ResponseReturnValue:
    form = ConfirmUploadForm(
        formdata=None,
        content=service.pending_text(plan.bank),
        document_text=document or "",
        base_hash=plan.base_hash or "",
    )
    return render_template(
        "author/upload_confirm.html", form=form, plan=plan, bank=plan.existing, message=message
    )


def _import(plan: service.UploadPlan, document: str | None) -> Response:
    try:
        result = service.apply_upload(current_user, plan, document)
    except service.AuthoringError as exc:
        flash(str(exc), "error")
        return redirect(url_for("author.upload"))
    if result.created:
        flash(
            f"Imported '{result.bank.title}' as a draft: only you see it until you publish it. "
            "Check its questions below.",
            "success",
        )
    else:
        _saved(
            result,
            f"Updated '{result.bank.title}': {len(result.facts_added)} facts added, "
            f"{len(result.facts_removed)} removed",
        )
    return redirect(url_for("author.preview", slug=result.bank.slug))


@bp.post("/upload/confirm")
def upload_confirm() -> ResponseReturnValue:
    form = ConfirmUploadForm()
    if not form.validate():
        abort(400)
    document = service.normalise_document(form.document_text.data)
    try:
        bank = service.read_pending(form.content.data or "", document)
        plan = service.plan_upload(current_user, bank)
    except service.InvalidBank as exc:
        return _upload_problems(UploadForm(formdata=None), exc.errors, "the bank to import")
    if plan.resets and plan.base_hash != (form.base_hash.data or None):
        # The stored bank changed since the list was shown: show the new list.
        return _confirm_page(plan, document, service.STALE_CONFIRM)
    return _import(plan, document)


# --- a new bank -------------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
def new_bank() -> ResponseReturnValue:
    form = NewBankForm()
    top: list[BankError] = []
    if form.validate_on_submit():
        try:
            result = service.create_bank(
                current_user,
                form.content(),
                document_text=service.normalise_document(form.document_text.data),
            )
        except service.InvalidBank as exc:
            top = place_errors(form, exc.errors)
        else:
            flash(f"Created '{result.bank.title}' as a draft. Add entities and facts.", "success")
            return redirect(url_for("author.bank", slug=result.bank.slug))
    status = UNPROCESSABLE if form.is_submitted() else 200
    messages = [f"{e.path}: {e.message}" if e.path else e.message for e in top]
    return render_template("author/new.html", form=form, top=messages), status


# --- one bank ---------------------------------------------------------------------------------


@bp.get("/banks/<slug>")
def bank(slug: str) -> str:
    row = _bank(slug)
    return render_template(
        "author/bank.html",
        bank=row,
        view=service.overview(row),
        exports=service.export_formats(),
        action=ActionForm(),
    )


@bp.get("/banks/<slug>/preview")
def preview(slug: str) -> str:
    row = _bank(slug)
    topic = request.args.get("topic") or None
    view = service.preview(row, _seed(), topic)
    return render_template(
        "author/preview.html",
        bank=row,
        view=view,
        topic=topic,
        labels=service.QUESTION_TYPE_LABELS,
    )


@bp.post("/banks/<slug>/publish")
def publish(slug: str) -> Response:
    return _set_status(slug, "published")


@bp.post("/banks/<slug>/unpublish")
def unpublish(slug: str) -> Response:
    return _set_status(slug, "draft")


def _set_status(slug: str, status: str) -> Response:
    row = _bank(slug)
    if ActionForm().validate_on_submit():
        service.set_status(current_user, row, status)
        flash(
            f"Published '{row.title}'."
            if status == "published"
            else f"'{row.title}' is a draft again: students no longer see it.",
            "success",
        )
    return redirect(url_for("author.bank", slug=slug))


@bp.post("/banks/<slug>/visibility")
def visibility(slug: str) -> Response:
    row = _bank(slug)
    public = request.form.get("public") == "1"
    if ActionForm().validate_on_submit():
        service.set_public(current_user, row, public)
        flash(
            "Every student can now see this bank once it is published."
            if public
            else "Only students of the classes this bank is attached to can see it now.",
            "success",
        )
    return redirect(url_for("author.bank", slug=slug))


@bp.get("/banks/<slug>/export/<fmt>")
def export(slug: str, fmt: str) -> Response:
    row = _bank(slug)
    try:
        file = service.export_bank(row, fmt, _seed())
    except service.NotFound:
        abort(404)
    response = make_response(file.data)
    response.mimetype = file.mimetype
    response.headers.set("Content-Disposition", "attachment", filename=file.filename)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/banks/<slug>/delete", methods=["GET", "POST"])
def delete(slug: str) -> ResponseReturnValue:
    row = _bank(slug)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            title = service.delete_bank(current_user, row)
        except service.AuthoringError as exc:
            flash(str(exc), "error")
            return redirect(url_for("author.bank", slug=slug))
        flash(f"Deleted '{title}'.", "success")
        return redirect(url_for("author.index"))
    return render_template("author/delete.html", bank=row, view=service.overview(row), form=form)


# --- details ----------------------------------------------------------------------------------


@bp.route("/banks/<slug>/edit", methods=["GET", "POST"])
def edit(slug: str) -> ResponseReturnValue:
    row = _bank(slug)
    document = service.document_of(row)
    if request.method == "GET":
        form = DetailsForm(
            data={
                **DetailsForm.data_from(row.content, document),
                "base_hash": row.content_hash,
            }
        )
        return render_template("author/edit.html", bank=row, form=form, top=[])
    form = DetailsForm()
    form.id.data = row.slug  # shown, never changed
    top = _save(
        form,
        lambda: service.save_details(
            current_user,
            row,
            form.values(),
            document_text=service.normalise_document(form.document_text.data),
            base_hash=form.base_hash.data,
        ),
        "Saved the bank's details.",
    )
    if top is None:
        return redirect(url_for("author.bank", slug=slug))
    return render_template(
        "author/edit.html", bank=row, form=form, top=_described(row, top)
    ), UNPROCESSABLE


def _save(form: Any, save: Callable[[], object], done: str) -> list[BankError] | None:
    """Validate ``form`` and run ``save``; None once saved (``done`` is flashed), else the
    bank's errors that fit no field of the form (the others are placed beside their fields)."""
    if not form.validate():
        return []
    try:
        save()
    except service.InvalidBank as exc:
        return place_errors(form, exc.errors, exc.focus)
    except service.AuthoringError as exc:
        flash(str(exc), "error")
        return []
    flash(done, "success")
    return None


def _described(row: Any, errors: list[BankError]) -> list[str]:
    content = row.content
    out = []
    for e in errors:
        where = service.describe_path(content, e.path)
        out.append(f"{where}: {e.message}" if where else e.message)
    return out


# --- entities ---------------------------------------------------------------------------------


@bp.route("/banks/<slug>/entities", methods=["GET", "POST"])
def entities(slug: str) -> ResponseReturnValue:
    """The entities, and the form that adds one."""
    row = _bank(slug)
    form = EntityForm()
    top: list[BankError] = []
    if request.method == "GET":
        form.base_hash.data = row.content_hash
    else:
        unsaved = _save(
            form,
            lambda: service.save_entity(
                current_user, row, None, form.values(new=True), base_hash=None
            ),
            f"Added the entity '{form.id.data}'.",
        )
        if unsaved is None:
            return redirect(url_for("author.entities", slug=slug))
        top = unsaved
    status = UNPROCESSABLE if request.method == "POST" else 200
    return render_template(
        "author/entities.html",
        bank=row,
        entities=row.content.get("entities") or [],
        uses=service.entity_uses(row),
        kinds=_entity_kinds(row),
        form=form,
        action=ActionForm(),
        top=_described(row, top),
    ), status


def _entity_kinds(row: Any) -> list[str]:
    usual = ["country", "organization", "person", "agreement", "programme", "place"]
    kinds = [e.get("kind") for e in row.content.get("entities") or []]
    return list(dict.fromkeys([*usual, *(k for k in kinds if k)]))


@bp.route("/banks/<slug>/entities/<key>/edit", methods=["GET", "POST"])
def edit_entity(slug: str, key: str) -> ResponseReturnValue:
    row = _bank(slug)
    try:
        entity = service.entity_content(row, key)
    except service.NotFound:
        abort(404)
    if request.method == "GET":
        form = EntityForm(data={**EntityForm.data_from(entity), "base_hash": row.content_hash})
        return render_template(
            "author/entity_form.html",
            bank=row,
            form=form,
            key=key,
            kinds=_entity_kinds(row),
            top=[],
        )
    form = EntityForm()
    form.id.data = key
    top = _save(
        form,
        lambda: service.save_entity(
            current_user, row, key, form.values(new=False), base_hash=form.base_hash.data
        ),
        f"Saved the entity '{key}'.",
    )
    if top is None:
        return redirect(url_for("author.entities", slug=slug))
    return render_template(
        "author/entity_form.html",
        bank=row,
        form=form,
        key=key,
        kinds=_entity_kinds(row),
        top=_described(row, top),
    ), UNPROCESSABLE


@bp.post("/banks/<slug>/entities/<key>/delete")
def delete_entity(slug: str, key: str) -> Response:
    return _delete_part(slug, key, "entity", service.delete_entity, "author.entities")


def _delete_part(slug: str, key: str, noun: str, delete: Callable[..., Any], back: str) -> Response:
    """Delete one entity or fact, flashing what happened, and go back to its list."""
    row = _bank(slug)
    if ActionForm().validate_on_submit():
        try:
            delete(current_user, row, key, base_hash=request.form.get("base_hash") or None)
        except service.NotFound:
            abort(404)
        except service.InvalidBank as exc:
            flash(f"The {noun} '{key}' was not deleted:", "error")
            for line in _described(row, exc.errors):
                flash(line, "error")
        except service.AuthoringError as exc:
            flash(str(exc), "error")
        else:
            flash(f"Deleted the {noun} '{key}'.", "success")
    return redirect(url_for(back, slug=slug))


# --- facts ------------------------------------------------------------------------------------


@bp.get("/banks/<slug>/facts")
def facts(slug: str) -> str:
    row = _bank(slug)
    return render_template(
        "author/facts.html",
        bank=row,
        topics=service.facts_by_topic(row),
        kinds=FACT_FORMS,
        action=ActionForm(),
    )


def _fact_form(row: Any, kind: str, **kwargs: Any) -> FactForm:
    form_class = FACT_FORMS.get(kind)
    if form_class is None:
        abort(404)
    form = form_class(**kwargs)
    form.setup(row.content.get("topics") or [], row.content.get("entities") or [])
    return form


@bp.route("/banks/<slug>/facts/new/<kind>", methods=["GET", "POST"])
def new_fact(slug: str, kind: str) -> ResponseReturnValue:
    row = _bank(slug)
    if request.method == "GET":
        form = _fact_form(row, kind, data={"base_hash": row.content_hash})
        topic = request.args.get("topic")
        if topic:
            form.topic.data = topic
        return _fact_page(row, form, None)
    form = _fact_form(row, kind)
    top = _save(
        form,
        lambda: service.save_fact(
            current_user, row, None, form.values(new=True), base_hash=form.base_hash.data
        ),
        f"Added the fact '{form.id.data}'.",
    )
    if top is None:
        return redirect(url_for("author.facts", slug=slug) + f"#fact-{form.id.data}")
    return _fact_page(row, form, None, top=_described(row, top), status=UNPROCESSABLE)


@bp.route("/banks/<slug>/facts/<key>/edit", methods=["GET", "POST"])
def edit_fact(slug: str, key: str) -> ResponseReturnValue:
    row = _bank(slug)
    try:
        fact = service.fact_content(row, key)
    except service.NotFound:
        abort(404)
    if request.method == "GET":
        data = {**FactForm.data_from(fact), "base_hash": row.content_hash}
        return _fact_page(row, _fact_form(row, fact["kind"], data=data), key)
    form = _fact_form(row, fact["kind"])
    form.id.data = key
    top: list[BankError] = []
    resets: list[service.FactReset] = []
    if form.validate():
        try:
            service.save_fact(
                current_user,
                row,
                key,
                form.values(new=False),
                base_hash=form.base_hash.data,
                confirm_reset=bool(form.confirm_reset.data),
            )
        except service.NeedsConfirmation as exc:
            resets = exc.resets
        except service.InvalidBank as exc:
            top = place_errors(form, exc.errors, exc.focus)
        except service.AuthoringError as exc:
            flash(str(exc), "error")
        else:
            flash(f"Saved the fact '{key}'.", "success")
            return redirect(url_for("author.facts", slug=slug) + f"#fact-{key}")
    return _fact_page(
        row,
        form,
        key,
        top=_described(row, top),
        resets=resets,
        status=200 if resets else UNPROCESSABLE,
    )


def _fact_page(
    row: Any,
    form: FactForm,
    key: str | None,
    *,
    top: list[str] | None = None,
    resets: list[service.FactReset] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    page = render_template(
        "author/fact_form.html",
        bank=row,
        form=form,
        key=key,
        top=top or [],
        reset=resets[0] if resets else None,
    )
    return page, status


@bp.post("/banks/<slug>/facts/<key>/delete")
def delete_fact(slug: str, key: str) -> Response:
    return _delete_part(slug, key, "fact", service.delete_fact, "author.facts")
