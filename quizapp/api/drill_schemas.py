"""Request and response bodies of the drill operations (see ``drills``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from ..core.questions import QuestionType
from .schemas import Strict, Text

DrillStatus = Literal["in progress", "submitted", "auto-submitted"]


class DrillCreate(Strict):
    banks: list[Text] = Field(
        min_length=1, max_length=50, description="Ids (slugs) of banks you can study."
    )
    topics: list[Text] = Field(
        [],
        max_length=500,
        description='Topics as "<bank id>:<topic id>"; empty means every topic of the banks.',
    )
    types: list[QuestionType] = Field(
        ["single_choice", "multiple_choice", "ordering"],
        min_length=1,
        max_length=4,
        description="Question types to draw.",
    )
    count: Literal[10, 20, 50] | None = Field(
        10, description="How many questions; null for every matching question."
    )
    time_limit_min: int | None = Field(
        None, ge=1, le=180, description="A time limit in minutes; null for an untimed drill."
    )
    wrong_only: bool = Field(
        False, description="Only questions whose latest answer (study or drill) was wrong."
    )
    due_only: bool = Field(False, description="Only questions your schedule has due now.")
    count_as_reviews: bool = Field(
        False,
        description="Record each answer as a study review when the drill is submitted; "
        "otherwise the drill leaves your schedule alone.",
    )


class DrillQuestionOut(BaseModel):
    position: int = Field(description="1-based; send it with the answer.")
    id: str = Field(description="The item the question shows.")
    type: QuestionType
    prompt: str
    options: list[str] = Field(
        description="Choice questions: the options. Ordering: the items, shuffled. "
        'Flashcards: empty (answer with ["right"] or ["wrong"] after recalling).'
    )
    topic: str = Field(description="The topic's id in its bank.")
    answer: list[str] | None = Field(description="Your saved answer, null when unanswered.")


class DrillOut(BaseModel):
    id: int
    status: DrillStatus
    created_at: datetime
    deadline: datetime | None = Field(
        description="When a timed drill is submitted by itself; null when untimed."
    )
    count_as_reviews: bool
    questions: list[DrillQuestionOut] = Field(
        description="The questions as drawn; the right answers come with the report."
    )


class DrillAnswer(Strict):
    position: int = Field(ge=1, le=100_000, description="The question's position.")
    answer: list[Text] = Field(
        max_length=50,
        description="Option texts as shown: one for single choice, the chosen ones for "
        'select-all, every item in your order for ordering, ["right"] or ["wrong"] for a '
        "flashcard; [] clears the answer.",
    )


class DrillAnswers(Strict):
    answers: list[DrillAnswer] = Field(
        min_length=1, max_length=1000, description="Answers to save; they can change until submit."
    )


class ResultOut(BaseModel):
    position: int
    id: str
    type: QuestionType
    prompt: str
    topic: str = Field(description="The topic's title.")
    answer: list[str] = Field(description="Your answer; empty when unanswered.")
    correct_answer: list[str] = Field(
        description="Choice: the right options. Ordering: the items in order. Flashcards: the back."
    )
    score: float = Field(
        description="0..1. Ordering earns partial credit by Moodle's 'relative to all previous "
        "and next items' rule; select-all by (right picks − wrong picks) / keys."
    )
    correct: bool
    per_position: list[bool] | None = Field(
        description="Ordering: whether each of your positions holds the right item."
    )
    time_ms: int = Field(description="Time spent on the question, 0 when unknown.")
    explanation: str
    source: str = Field(description="The sentence of the document the question comes from.")


class TallyOut(BaseModel):
    label: str
    questions: int
    points: float
    percent: float


class DrillReportOut(BaseModel):
    id: int
    status: DrillStatus
    submitted_at: datetime
    score: float = Field(description="Points, one per question, partial credit included.")
    max_score: int
    percent: float
    by_topic: list[TallyOut]
    by_type: list[TallyOut]
    results: list[ResultOut]


class DrillSummaryOut(BaseModel):
    id: int
    created_at: datetime
    banks: list[str] = Field(description="Titles of the drill's banks.")
    questions: int
    percent: float | None = Field(description="The score in percent; null until submitted.")
    time_limit_min: int | None
    status: DrillStatus
    retry_of: int | None = Field(description="The drill whose mistakes this one retries.")


class DrillList(BaseModel):
    drills: list[DrillSummaryOut] = Field(description="Your drills, newest first.")
