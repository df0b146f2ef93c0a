"""Account forms. Every form is a FlaskForm, so every POST carries a CSRF token."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    ValidationError,
)
from wtforms.validators import (
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
)
from wtforms.widgets import NumberInput

from .. import passwords
from ..services import accounts


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _username_rules(form: FlaskForm, field: StringField) -> None:
    problem = accounts.username_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


def _stop_if_unreadable(form: FlaskForm, field: Any) -> None:
    """After a value that is not a number, show that message alone (not the range too)."""
    if field.process_errors:
        raise StopValidation()


class NumberField(DecimalField):
    """A decimal that must be a finite number (no NaN or Infinity, which break comparisons)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        try:
            value = Decimal(str(valuelist[0]).strip())
        except (InvalidOperation, ValueError):
            value = None
        if value is None or not value.is_finite():
            self.data = None
            raise ValueError("Enter a number such as 0.90.")
        self.data = value


class WholeNumberField(IntegerField):
    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        try:
            self.data = int(str(valuelist[0]).strip())
        except ValueError:
            self.data = None
            raise ValueError("Enter a whole number such as 20.") from None


def _new_password_rules(form: FlaskForm, field: PasswordField) -> None:
    problem = passwords.password_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


PASSWORD_HELP = (
    f"At least {passwords.MIN_LENGTH} characters (up to {passwords.MAX_LENGTH}). "
    "Any characters; a few unrelated words make a good one. Common passwords are refused."
)


def _new_password_field(label: str) -> PasswordField:
    return PasswordField(
        label,
        validators=[InputRequired(message="Enter a password."), _new_password_rules],
        description=PASSWORD_HELP,
        render_kw={"autocomplete": "new-password", "minlength": passwords.MIN_LENGTH},
    )


class RegisterForm(FlaskForm):
    username = StringField(
        "Username",
        filters=[_strip],
        validators=[InputRequired(message="Choose a username."), _username_rules],
        description=(
            f"{accounts.USERNAME_MIN}–{accounts.USERNAME_MAX} characters: letters, digits, "
            "dot, underscore or hyphen. You log in with it."
        ),
        render_kw={
            "autocomplete": "username",
            "autocapitalize": "none",
            "spellcheck": "false",
            "maxlength": accounts.USERNAME_MAX,
        },
    )
    display_name = StringField(
        "Display name (optional)",
        filters=[_strip],
        validators=[
            Optional(),
            Length(
                max=accounts.DISPLAY_NAME_MAX,
                message=f"Use at most {accounts.DISPLAY_NAME_MAX} characters.",
            ),
        ],
        description="Shown at the top of the page. Leave it empty to use your username.",
        render_kw={"autocomplete": "nickname"},
    )
    password = _new_password_field("Password")
    confirm = PasswordField(
        "Repeat the password",
        validators=[
            InputRequired(message="Repeat the password."),
            EqualTo("password", message="The two passwords do not match."),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField("Create account")


class LoginForm(FlaskForm):
    username = StringField(
        "Username",
        filters=[_strip],
        validators=[InputRequired(message="Enter your username.")],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        "Password",
        validators=[InputRequired(message="Enter your password.")],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField("Keep me logged in on this device")
    submit = SubmitField("Log in")


class TimeZoneField(SelectField):
    """A select of the IANA time zones whose refusal says what to do."""

    def pre_validate(self, form: Any) -> None:
        if self.data not in accounts.timezone_names():
            raise ValidationError("Choose a time zone from the list.")


class SettingsForm(FlaskForm):
    display_name = StringField(
        "Display name",
        filters=[_strip],
        validators=[
            Optional(),
            Length(
                max=accounts.DISPLAY_NAME_MAX,
                message=f"Use at most {accounts.DISPLAY_NAME_MAX} characters.",
            ),
        ],
        description="Shown at the top of the page. Leave it empty to use your username.",
        render_kw={"autocomplete": "nickname"},
    )
    desired_retention = NumberField(
        "Desired retention",
        places=2,
        validators=[
            _stop_if_unreadable,
            InputRequired(message="Enter a value between 0.80 and 0.97."),
            NumberRange(
                min=Decimal("0.80"),
                max=Decimal("0.97"),
                message="Choose a value between 0.80 and 0.97.",
            ),
        ],
        widget=NumberInput(step="0.01", min="0.80", max="0.97"),
        description=(
            "The share of reviews you want to get right, from 0.80 to 0.97; a higher value "
            "means more reviews."
        ),
    )
    new_per_day = WholeNumberField(
        "New items per day",
        validators=[
            _stop_if_unreadable,
            InputRequired(message=f"Enter a number from 0 to {accounts.NEW_PER_DAY_MAX}."),
            NumberRange(
                min=0,
                max=accounts.NEW_PER_DAY_MAX,
                message=f"Choose a number from 0 to {accounts.NEW_PER_DAY_MAX}.",
            ),
        ],
        widget=NumberInput(step=1, min=0, max=accounts.NEW_PER_DAY_MAX),
        description="How many items you have not seen before are introduced each day.",
    )
    reviews_per_day = WholeNumberField(
        "Reviews per day",
        validators=[
            _stop_if_unreadable,
            InputRequired(message=f"Enter a number from 0 to {accounts.REVIEWS_PER_DAY_MAX}."),
            NumberRange(
                min=0,
                max=accounts.REVIEWS_PER_DAY_MAX,
                message=f"Choose a number from 0 to {accounts.REVIEWS_PER_DAY_MAX}.",
            ),
        ],
        widget=NumberInput(step=1, min=0, max=accounts.REVIEWS_PER_DAY_MAX),
        description="The most reviews of items already seen shown in one day.",
    )
    timezone = TimeZoneField(
        "Time zone",
        description="Your day starts and ends at midnight in this time zone.",
    )
    save_settings = SubmitField("Save settings")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.timezone.choices = list(accounts.timezone_names())


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(
        "Current password",
        validators=[InputRequired(message="Enter your current password.")],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = _new_password_field("New password")
    confirm_password = PasswordField(
        "Repeat the new password",
        validators=[
            InputRequired(message="Repeat the new password."),
            EqualTo("new_password", message="The two passwords do not match."),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    change_password = SubmitField("Change password")
