"""Class forms. Every form is a FlaskForm, so every POST carries a CSRF token."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, ValidationError
from wtforms.validators import InputRequired

from ..services import classes as service


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _name_rules(form: FlaskForm, field: StringField) -> None:
    problem = service.name_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


def _code_rules(form: FlaskForm, field: StringField) -> None:
    problem = service.code_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


class NewClassForm(FlaskForm):
    name = StringField(
        "Class name",
        filters=[_strip],
        validators=[_name_rules],
        description="What your students will see, e.g. “Year 9 history, autumn term”.",
        render_kw={"maxlength": service.NAME_MAX, "autocomplete": "off"},
    )
    create = SubmitField("Create class")


class JoinForm(FlaskForm):
    code = StringField(
        "Join code",
        filters=[_strip],
        validators=[_code_rules],
        description="8 letters and digits, from your teacher. Capitals or not, both work.",
        render_kw={
            "autocomplete": "off",
            "autocapitalize": "characters",
            "spellcheck": "false",
            "maxlength": 20,
        },
    )
    join = SubmitField("Join class")


class BankSelectField(SelectField):
    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        try:
            self.data = int(valuelist[0])
        except ValueError:
            self.data = None
            raise ValueError("Choose one of the listed banks.") from None


class AttachForm(FlaskForm):
    bank_id = BankSelectField(
        "Bank",
        coerce=int,
        validators=[InputRequired(message="Choose a bank to attach.")],
        validate_choice=False,  # the service says which banks may be attached
        description="Your own banks (drafts too) and published public banks.",
    )
    attach = SubmitField("Attach bank")

    def offer(self, choices: list[service.BankChoice]) -> AttachForm:
        """Set the banks the select lists (a draft says so)."""
        self.bank_id.choices = [
            (c.id, c.title + (" (draft)" if c.status != "published" else "")) for c in choices
        ]
        return self
