"""Drill forms: the new-drill settings (a FlaskForm) and reading a page of answers."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, IntegerField, RadioField, SelectMultipleField, SubmitField
from wtforms.fields.choices import SelectChoice

from ..services import drills as service
from ..services.authoring import QUESTION_TYPE_LABELS

COUNT_CHOICES = [SelectChoice(str(n)) for n in service.COUNTS] + [SelectChoice("all", "All")]


class MinutesField(IntegerField):
    """Whole minutes, or empty for none."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = str(valuelist[0]).strip() if valuelist else ""
        if not text:
            self.data = None
            return
        try:
            self.data = int(text)
        except ValueError:
            self.data = None
            raise ValueError(
                "Enter the time limit as a whole number of minutes, or leave it empty for no limit."
            ) from None


class NewDrillForm(FlaskForm):
    # Banks and topics depend on the student; the service checks them, with its own messages.
    banks = SelectMultipleField("Banks", validate_choice=False)
    topics = SelectMultipleField("Topics", validate_choice=False)
    types = SelectMultipleField(
        "Question types",
        choices=[SelectChoice(v, label) for v, label in QUESTION_TYPE_LABELS.items()],
        default=list(service.DEFAULT_TYPES),
        validate_choice=False,
    )
    count = RadioField(
        "How many questions", choices=COUNT_CHOICES, default="10", validate_choice=False
    )
    time_limit = MinutesField(
        "Time limit in minutes",
        description=f"Leave empty for no limit; 1 to {service.MAX_TIME_LIMIT_MIN} minutes.",
        render_kw={"min": 1, "max": service.MAX_TIME_LIMIT_MIN, "inputmode": "numeric"},
    )
    wrong_only = BooleanField(
        "Only what I got wrong before",
        description="Questions whose latest answer, in study or in a drill, was wrong.",
    )
    due_only = BooleanField(
        "Only what is due", description="Questions your study schedule has due now."
    )
    layout = RadioField(
        "Layout",
        choices=[SelectChoice(v, label) for v, label in service.LAYOUTS.items()],
        default="paged",
        validate_choice=False,
    )
    count_as_reviews = BooleanField(
        "Count as reviews",
        description="Your answers also update your study schedule, as if you had studied "
        "these questions. Otherwise the drill leaves your schedule alone.",
    )
    start = SubmitField("Start drill")

    def to_request(self) -> service.DrillRequest:
        count = self.count.data or ""
        return service.DrillRequest(
            banks=tuple(self.banks.data or ()),
            topics=tuple(self.topics.data or ()),
            types=tuple(self.types.data or ()),
            count=None if count == "all" else int(count) if count.isdigit() else 0,
            time_limit_min=self.time_limit.data,
            wrong_only=bool(self.wrong_only.data),
            due_only=bool(self.due_only.data),
            layout=self.layout.data or "",
            count_as_reviews=bool(self.count_as_reviews.data),
        )


def page_answers(form: MultiDict[str, str]) -> service.PageAnswers:
    """Read a drill page: ``on_page`` lists its questions' positions; ``answer_<position>``
    holds option indices; an ordering question counts only once ``ordered_<position>`` says
    its order was set (the shown order is not an answer); ``time_ms_<position>`` and
    ``duration_ms`` are the browser's timings."""
    answers: dict[int, list[str]] = {}
    focus: dict[int, int] = {}
    for value in form.getlist("on_page"):
        position = small_int(value)
        if position is None:
            raise service.DrillError("The form was damaged; reload the page and answer again.")
        raw = form.getlist(f"answer_{position}")
        ordered = form.getlist(f"ordered_{position}")
        if f"ordered_{position}" in form and "1" not in ordered:
            raw = []
        answers[position] = raw
        time_ms = small_int(form.get(f"time_ms_{position}", ""))
        if time_ms is not None:
            focus[position] = time_ms
    return service.PageAnswers(
        answers=answers,
        page_token=form.get("page_token", ""),
        duration_ms=small_int(form.get("duration_ms", "")),
        focus_ms=focus,
    )


def small_int(text: str | None) -> int | None:
    """A non-negative whole number of at most 9 digits, else None (no huge or odd digits)."""
    if text and len(text) <= 9 and text.isascii() and text.isdigit():
        return int(text)
    return None
