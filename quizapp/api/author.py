"""Instructors' operations: check and upload a bank, publish it, export it.

The same rules as the web pages (``services.authoring``): the same validation report, a new
bank is a draft only its owner sees, replacing a bank keeps students' progress on facts whose
answer did not change (and asks first, here with ``confirm_reset``, before resetting the
others). A student's token gets 403; someone else's bank is 404, except for admins.
"""

from __future__ import annotations

from random import Random
from typing import Any

from flask import make_response
from spectree import Response as Resp
from werkzeug.wrappers import Response

from ..core import generator
from ..core.bank import BankError
from ..core.schema import Bank as CoreBank
from ..models import AnyUser, Bank, User
from ..services import authoring
from ..services.banks import parsed_bank
from .common import api_spec, api_user, bp, token_required
from .problems import ApiProblem
from .schemas import (
    AuthorBank,
    AuthorBankList,
    BankUpload,
    ExportedBank,
    ExportedQuestions,
    ExportQuery,
    ExportQuestion,
    FactResetOut,
    Problem,
    UploadResult,
    ValidationReport,
)

ERRORS: dict[str, Any] = {"HTTP_401": Problem, "HTTP_403": Problem, "HTTP_429": Problem}
BANK_ERRORS: dict[str, Any] = {**ERRORS, "HTTP_404": Problem}
TAGS = ["instructors"]


def instructor() -> User:
    user = api_user()
    if not user.is_instructor:
        raise ApiProblem(
            403,
            "Only instructors can manage banks; ask an administrator to make your account an "
            "instructor.",
        )
    return user


def _own_bank(user: AnyUser, slug: str) -> Bank:
    if "\x00" in slug:  # PostgreSQL refuses NUL in a query; no bank id has one
        raise ApiProblem(404, "A bank id holds no NUL characters.")
    try:
        return authoring.bank_for(user, slug)
    except authoring.NotFound:
        raise ApiProblem(
            404, f"You have no bank '{slug}'; GET /api/v1/author/banks lists yours."
        ) from None


def _author_bank(user: AnyUser, slug: str) -> AuthorBank:
    return _author_bank_of(next(r for r in authoring.list_banks(user) if r.slug == slug))


@bp.get("/author/banks")
@token_required
@api_spec.validate(resp=Resp(HTTP_200=AuthorBankList, **ERRORS), tags=TAGS)
def author_banks() -> AuthorBankList:
    """Your banks (an admin: every bank), newest change first."""
    user = instructor()
    return AuthorBankList(
        banks=[_author_bank_of(row) for row in authoring.list_banks(user)],
    )


def _author_bank_of(row: authoring.BankRow) -> AuthorBank:
    return AuthorBank(
        id=row.slug,
        title=row.title,
        status=row.status,  # type: ignore[arg-type]
        is_public=row.is_public,
        facts=row.facts,
        questions=row.questions,
        students=row.students,
        updated_at=row.updated_at,
    )


# --- check and upload ------------------------------------------------------------------------


def _read(user: AnyUser, body: BankUpload) -> tuple[CoreBank, authoring.UploadPlan, str | None]:
    """The uploaded bank, checked as the upload page checks it, and what importing it does."""
    if body is None:
        raise ApiProblem(
            400,
            "Send the body as JSON, with 'Content-Type: application/json'.",
            type_slug="invalid-request",
        )
    filename = body.filename
    csv = authoring.suffix_of(filename) == "csv"
    document = None if csv else authoring.normalise_document(body.document_text)
    try:
        bank = authoring.read_upload(
            filename,
            body.content.encode("utf-8"),
            document,
            bank_id=body.bank_id,
            title=body.title,
        )
        plan = authoring.plan_upload(user, bank, filename=filename, csv=csv)
    except authoring.InvalidBank as exc:
        raise invalid_bank(exc.errors, filename) from None
    return bank, plan, document


def invalid_bank(errors: list[BankError], filename: str) -> ApiProblem:
    n = len(errors)
    return ApiProblem(
        422,
        f"{n} {'problem' if n == 1 else 'problems'} in {filename}: nothing was imported. Fix "
        "every problem listed in errors, then upload the bank again.",
        errors=[
            {"path": e.path, "message": e.message, "line": e.line, "file": e.file} for e in errors
        ],
        type_slug="invalid-bank",
    )


def _resets(plan: authoring.UploadPlan) -> list[FactResetOut]:
    return [
        FactResetOut(key=r.key, kind=r.kind, summary=r.summary, students=r.students)
        for r in plan.resets
    ]


@bp.post("/author/banks/validate")
@token_required
@api_spec.validate(
    resp=Resp(HTTP_200=ValidationReport, HTTP_413=Problem, HTTP_422=Problem, **ERRORS),
    tags=TAGS,
)
def validate_bank(json: BankUpload) -> ValidationReport:
    """Check a bank file without importing it: the same report as the upload page.

    200 when the bank is valid (with the facts whose students' progress an upload would reset,
    should it replace your bank of that id); 422 with every problem in `errors` otherwise.
    """
    user = instructor()
    bank, plan, _ = _read(user, json)
    return ValidationReport(
        valid=True,
        id=bank.id,
        title=bank.title,
        facts=len(bank.facts),
        exists=plan.existing is not None,
        resets=_resets(plan),
    )


@bp.post("/author/banks")
@token_required
@api_spec.validate(
    resp=Resp(
        HTTP_201=UploadResult,
        HTTP_409=Problem,
        HTTP_413=Problem,
        HTTP_422=Problem,
        **ERRORS,
    ),
    tags=TAGS,
)
def upload_bank(json: BankUpload) -> tuple[UploadResult, int]:
    """Upload a bank: a new id creates a draft only you see; your own id replaces that bank.

    Replacing keeps students' progress on every fact whose answer did not change; when some
    would be reset, the upload is refused with 409 (listing them in `errors`) unless
    `confirm_reset` is true. An invalid bank is 422 with every problem in `errors`.
    """
    user = instructor()
    _, plan, document = _read(user, json)
    if plan.resets and not json.confirm_reset:
        raise ApiProblem(
            409,
            f"Replacing '{plan.bank.id}' resets students' progress on {len(plan.resets)} "
            "facts whose answer changed (listed in errors); nothing was imported. Send "
            '"confirm_reset": true to upload it all the same.',
            errors=[
                {
                    "path": r.key,
                    "message": f"{r.summary} ({r.students} "
                    f"{'student' if r.students == 1 else 'students'} start it again)",
                }
                for r in plan.resets
            ],
            type_slug="progress-reset",
        )
    try:
        result = authoring.apply_upload(user, plan, document)
    except authoring.InvalidBank as exc:
        raise invalid_bank(exc.errors, json.filename) from None
    except authoring.AuthoringError as exc:
        raise ApiProblem(409, str(exc), type_slug="bank-changed") from None
    return (
        UploadResult(
            bank=_author_bank(user, result.bank.slug),
            created=result.created,
            facts_added=result.facts_added,
            facts_removed=result.facts_removed,
            facts_reset=result.facts_reset,
        ),
        201,
    )


# --- publish ---------------------------------------------------------------------------------


@bp.post("/author/banks/<slug>/publish")
@token_required
@api_spec.validate(resp=Resp(HTTP_200=AuthorBank, **BANK_ERRORS), tags=TAGS)
def publish_bank(slug: str) -> AuthorBank:
    """Publish your bank: students of its classes (or everyone, when public) see it."""
    return _set_status(slug, "published")


@bp.post("/author/banks/<slug>/unpublish")
@token_required
@api_spec.validate(resp=Resp(HTTP_200=AuthorBank, **BANK_ERRORS), tags=TAGS)
def unpublish_bank(slug: str) -> AuthorBank:
    """Make your bank a draft again: students no longer see it."""
    return _set_status(slug, "draft")


def _set_status(slug: str, status: str) -> AuthorBank:
    user = instructor()
    row = _own_bank(user, slug)
    authoring.set_status(user, row, status)
    return _author_bank(user, row.slug)


# --- export ----------------------------------------------------------------------------------


@bp.get("/author/banks/<slug>/questions")
@token_required
@api_spec.validate(resp=Resp(HTTP_200=ExportedQuestions, **BANK_ERRORS), tags=TAGS)
def export_questions(slug: str, query: ExportQuery) -> ExportedQuestions:
    """Every question your bank yields, as `flask export-questions` prints them."""
    user = instructor()
    row = _own_bank(user, slug)
    bank, _ = parsed_bank(row)
    questions = generator.generate_all(bank, Random(query.seed), n_options=query.options)
    return ExportedQuestions(
        bank=ExportedBank(id=bank.id, title=bank.title),
        questions=[ExportQuestion(**q.to_export()) for q in questions],
    )


@bp.get("/author/banks/<slug>/export/<fmt>")
@token_required
@api_spec.validate(resp=Resp(HTTP_200=None, **BANK_ERRORS), tags=TAGS)
def export_file(slug: str, fmt: str, query: ExportQuery) -> Response:
    """Your bank as a file to download: `yaml`, `apkg` (Anki), `moodlexml` or `gift`.

    The body is the file (YAML, an Anki package, Moodle XML or GIFT text), as the bank page's
    export links give it; `seed` draws the distractors of the quiz formats.
    """
    user = instructor()
    row = _own_bank(user, slug)
    try:
        file = authoring.export_bank(row, fmt, query.seed)
    except authoring.NotFound:
        names = ", ".join(f.name for f in authoring.export_formats())
        raise ApiProblem(
            404, f"There is no export format '{fmt}'; choose one of: {names}."
        ) from None
    response = make_response(file.data)
    response.mimetype = file.mimetype
    response.headers.set("Content-Disposition", "attachment", filename=file.filename)
    response.headers["Cache-Control"] = "private, no-store"
    return response
