"""Register, log in, log out, settings. Thin views: the rules live in services.accounts."""

from __future__ import annotations

from typing import Any

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm

from ..extensions import limiter
from ..services import accounts
from . import bp
from .forms import LoginForm, PasswordChangeForm, RegisterForm, SettingsForm

INVALID_LOGIN = "Invalid username or password."


def _auth_rate_limit() -> str:
    return str(current_app.config["AUTH_RATE_LIMIT"])


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else None (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ch in target for ch in "\\\r\n\t") or any(ord(ch) < 32 for ch in target):
        return None
    return target


def _start_session(user: Any, remember: bool) -> None:
    """A fresh session for ``user``: nothing from the session before login survives."""
    session.clear()
    login_user(user, remember=remember)


def _apply_error(form: FlaskForm, error: accounts.AccountError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "error")


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_auth_rate_limit, methods=["POST"])
def register() -> ResponseReturnValue:
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("study.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            # Everyone registers as a student; a "role" slipped into the POST is never read.
            user = accounts.create_user(
                form.username.data or "",
                form.password.data or "",
                display_name=form.display_name.data,
                role="student",
            )
        except accounts.AccountError as error:
            _apply_error(form, error)
        else:
            _start_session(user, remember=False)
            flash(f"Welcome, {user.display_name}! Your account is ready.", "success")
            # e.g. a class's join link, followed before the student had an account
            return redirect(next_url or url_for("study.home"))
    return render_template("auth/register.html", form=form, next_url=next_url)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_auth_rate_limit, methods=["POST"])
def login() -> ResponseReturnValue:
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("study.home"))
    form = LoginForm()
    form_error = None
    if form.validate_on_submit():
        user = accounts.authenticate(form.username.data or "", form.password.data or "")
        if user is None:
            # The same words for an unknown username and a wrong password.
            form_error = INVALID_LOGIN
        else:
            _start_session(user, remember=bool(form.remember.data))
            return redirect(next_url or url_for("study.home"))
    return render_template("auth/login.html", form=form, next_url=next_url, form_error=form_error)


@bp.route("/logout", methods=["POST"])
def logout() -> ResponseReturnValue:
    if current_user.is_authenticated:
        accounts.logout(current_user._get_current_object())
    session.clear()
    logout_user()  # after clear(): it leaves the note that deletes the remember cookie
    flash("You have been logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/settings", methods=["GET", "POST"])
@login_required
@limiter.limit(_auth_rate_limit, methods=["POST"])
def settings() -> ResponseReturnValue:
    user = current_user._get_current_object()
    changing_password = request.method == "POST" and "change_password" in request.form
    saving_settings = request.method == "POST" and not changing_password
    # Only the submitted form reads the request; the other shows the stored values.
    settings_form = SettingsForm(
        **({} if saving_settings else {"formdata": None}),
        obj=user,
    )
    password_form = PasswordChangeForm(**({} if changing_password else {"formdata": None}))

    if saving_settings and settings_form.validate():
        try:
            accounts.update_settings(
                user,
                display_name=settings_form.display_name.data,
                desired_retention=float(settings_form.desired_retention.data or 0),
                new_per_day=int(settings_form.new_per_day.data or 0),
                reviews_per_day=int(settings_form.reviews_per_day.data or 0),
                timezone=settings_form.timezone.data or "",
            )
        except accounts.AccountError as error:
            _apply_error(settings_form, error)
        else:
            flash("Settings saved.", "success")
            return redirect(url_for("auth.settings"))

    if changing_password and password_form.validate():
        try:
            changed = accounts.change_password(
                user,
                password_form.current_password.data or "",
                password_form.new_password.data or "",
            )
        except accounts.AccountError as error:
            _apply_error(password_form, error)
        else:
            # The session version moved on: log this browser in again with the new one so it
            # stays logged in, while every other session and remember cookie is refused.
            remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
            login_user(changed, remember=remember_cookie in request.cookies)
            flash("Password changed. Other devices have been logged out.", "success")
            return redirect(url_for("auth.settings"))

    return render_template(
        "auth/settings.html", settings_form=settings_form, password_form=password_form
    )
