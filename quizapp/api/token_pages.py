"""Settings → API tokens: list, create (the token is shown once) and revoke personal tokens.

Ordinary web pages: a logged-in session and Flask-WTF forms (CSRF tokens). A new token is
rendered straight into the response to the POST that made it (never put in the session or a
flash message, which live in a cookie), with ``Cache-Control: no-store``.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import StringField, SubmitField
from wtforms.validators import Length, Optional

from .. import clock
from ..services import api_tokens

bp = Blueprint("api_tokens", __name__, url_prefix="/settings/tokens")


class CreateTokenForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[Optional(), Length(max=api_tokens.NAME_MAX)],
        description="To recognise the token later, e.g. the script or device that uses it.",
    )
    create = SubmitField("Create token")


class RevokeTokenForm(FlaskForm):
    revoke = SubmitField("Revoke")


def _page(form: CreateTokenForm, new: api_tokens.NewToken | None = None) -> Response:
    response = make_response(
        render_template(
            "auth/_api_tokens.html",
            form=form,
            revoke_form=RevokeTokenForm(formdata=None),
            tokens=api_tokens.list_tokens(current_user),
            new=new,
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    return _page(CreateTokenForm(formdata=None))


@bp.post("/")
@login_required
def create() -> ResponseReturnValue:
    form = CreateTokenForm()
    if not form.validate():
        response = _page(form)
        response.status_code = 422
        return response
    try:
        new = api_tokens.create_token(current_user, form.name.data, clock.now())
    except api_tokens.TokenError as exc:
        form.name.errors = [*form.name.errors, str(exc)]
        response = _page(form)
        response.status_code = 422
        return response
    return _page(CreateTokenForm(formdata=None), new)


@bp.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id: int) -> ResponseReturnValue:
    if not RevokeTokenForm().validate():
        abort(400)
    try:
        token = api_tokens.revoke_token(current_user, token_id, clock.now())
    except api_tokens.TokenNotFound:
        abort(404)
    flash(f"Revoked the token '{token.name}' ({token.prefix}…): it no longer works.", "success")
    return redirect(url_for("api_tokens.index"))
