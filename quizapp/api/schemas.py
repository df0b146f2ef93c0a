"""The API's request and response bodies, as pydantic models.

spectree validates requests against them, checks every response against them, and generates
the OpenAPI 3.1 description from them: the ``description`` of each field is the documentation.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

QuestionType = Literal["single_choice", "multiple_choice", "ordering", "flashcard"]


def _plain_text(value: str) -> str:
    """Text that can be stored and compared anywhere: no lone surrogates (JSON can carry
    them, UTF-8 cannot) and no NUL characters (PostgreSQL refuses them)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text (it holds a lone surrogate)") from None
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Text = Annotated[str, AfterValidator(_plain_text)]
"""A string field of a request."""


class Strict(BaseModel):
    """Request bodies refuse unknown fields, so a misspelt field is an error, not ignored."""

    model_config = ConfigDict(extra="forbid")


# --- problems --------------------------------------------------------------------------------


class ProblemError(BaseModel):
    path: str = Field(
        "",
        description="Where: a request field (`answer`, `bank`) or, for a bank, the data path "
        "in the file (`facts[3].date`); empty for the whole request or file.",
    )
    message: str = Field(description="What is wrong and what is expected.")
    line: int | None = Field(None, description="For a bank: the 1-based line in the file.")
    file: str | None = Field(None, description="For a bank: the file name as sent.")


class Problem(BaseModel):
    """An error, as RFC 9457 problem details (`application/problem+json`)."""

    type: str = Field(description="A URI naming the kind of problem.")
    title: str = Field(description="The HTTP status phrase.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong in this request and what to do instead.")
    errors: list[ProblemError] | None = Field(
        None, description="Each problem found (request validation, bank validation)."
    )


# --- tokens ----------------------------------------------------------------------------------


class TokenRequest(Strict):
    username: Text = Field(min_length=1, max_length=200)
    password: Text = Field(min_length=1, max_length=1000)
    name: Text | None = Field(
        None,
        max_length=100,
        description="A name to recognise the token by on the settings page (default 'API token').",
    )


class TokenCreated(BaseModel):
    token: str = Field(
        description="The token. It is shown this once: only its SHA-256 is stored. Send it as "
        "`Authorization: Bearer <token>`."
    )
    id: int = Field(description="The token's id (to recognise it on the settings page).")
    name: str
    prefix: str = Field(description="The token's first characters, shown on the settings page.")
    created_at: datetime


# --- banks -----------------------------------------------------------------------------------


class BankSummary(BaseModel):
    id: str = Field(description="The bank's id (as in its file); pass it as `bank=`.")
    title: str
    description: str | None
    due: int = Field(description="Items due for review now.")
    new: int = Field(
        description="New items you can start today (at most your daily new-item limit)."
    )
    learned: int = Field(description="Items in the review state (past the learning steps).")
    total: int = Field(description="Items (questions) the bank has.")


class BankList(BaseModel):
    banks: list[BankSummary] = Field(description="The banks you can study, by title.")


# --- study -----------------------------------------------------------------------------------


class NextQuery(Strict):
    bank: Text = Field(
        min_length=1, max_length=100, description="The bank's id, from GET /api/v1/banks."
    )


class QueueCounts(BaseModel):
    due: int = Field(description="Items in the queue that were studied before.")
    new: int = Field(description="New items in the queue.")
    learning: int = Field(description="Of the due ones, those in (re)learning steps.")


class ExportQuestion(BaseModel):
    """A question in the format of `flask export-questions`."""

    id: str = Field(description="The item the question shows.")
    type: QuestionType
    prompt: str
    options: list[str] = Field(
        description="Choice questions: the options in display order. Ordering: the items to "
        "put in order, shuffled. Flashcards: empty."
    )
    answer: list[str] = Field(
        description="Choice: the correct options. Ordering: the items in order. Flashcards: "
        "the back of the card."
    )
    fact_ids: list[str]
    source: str = Field(description="The sentence of the document that states the fact.")
    explanation: str


class NextQuestion(ExportQuestion):
    """A question in the format of `flask export-questions`, plus its presentation id."""

    presentation_id: str = Field(
        description="Identifies this showing of the question; send it back with the answer. "
        "Valid for a day."
    )
    counts: QueueCounts = Field(description="What is left in this bank's queue, this one included.")


class AnswerRequest(Strict):
    presentation_id: Text = Field(
        min_length=1, max_length=1000, description="From GET /api/v1/study/next."
    )
    answer: list[Text] = Field(
        max_length=50,
        description="Option texts as shown: one for single choice, the chosen ones for "
        "select-all, every item in your order for ordering, `[]` for a flashcard.",
    )
    duration_ms: int | None = Field(
        None,
        ge=0,
        le=86_400_000,
        description="How long you took, in milliseconds (default: measured by the server).",
    )
    rating: Literal[1, 2, 3, 4] | None = Field(
        None,
        description="1 Again, 2 Hard, 3 Good, 4 Easy. Required for flashcards; otherwise it "
        "defaults to Good for a right answer and Again for a wrong one.",
    )


class AnswerResult(BaseModel):
    presentation_id: str
    correct: bool = Field(
        description="Whether the answer was right (flashcards: whether the rating was not Again)."
    )
    score: float | None = Field(
        description="0 to 1, with partial credit for select-all and ordering; null for flashcards."
    )
    answer: list[str] = Field(description="Your answer, as option texts.")
    correct_answer: list[str] = Field(description="The right answer (flashcards: the back).")
    per_position: list[bool] | None = Field(
        description="Ordering: whether each position of your answer holds the right item."
    )
    explanation: str
    source: str
    rating: Literal[1, 2, 3, 4] = Field(description="The rating recorded.")
    rating_label: Literal["Again", "Hard", "Good", "Easy"]
    next_due: datetime = Field(description="When the item is due again (UTC).")
    answered_at: datetime


# --- statistics ------------------------------------------------------------------------------


class DayCount(BaseModel):
    day: date = Field(description="A day in your time zone.")
    reviews: int = Field(description="Answers rated that day.")
    correct: int = Field(description="Of them, the right ones.")


class Retention(BaseModel):
    reviews: int = Field(
        description="Reviews in the last 30 days of items that were in the review state "
        "(learned) before the answer."
    )
    correct: int = Field(description="Of them, the right ones.")
    rate: float | None = Field(description="correct / reviews; null without reviews.")


class ReviewDay(BaseModel):
    day: date = Field(description="A day in your time zone.")
    reviews: int = Field(description="Answers rated that day.")


class DueDay(BaseModel):
    day: date = Field(description="A day in your time zone; today includes what is overdue.")
    due: int = Field(description="Items that fall due that day.")


class MonthRetention(BaseModel):
    month: str = Field(description="The calendar month, YYYY-MM, in your time zone.")
    reviews: int = Field(description="Reviews of items in the review state before the answer.")
    correct: int = Field(description="Of them, the right ones.")
    rate: float | None = Field(description="correct / reviews; null without reviews.")


class TopicMastery(BaseModel):
    bank: str = Field(description="The bank's id (slug).")
    topic: str = Field(description="The topic's title.")
    facts: int = Field(description="Active facts of the topic.")
    started: int = Field(description="Facts with at least one item you have started.")
    mastered: int = Field(
        description="Facts whose retrievability now is at least 0.9 for every item you "
        "started (unstarted facts are not mastered)."
    )
    share: float = Field(description="mastered / facts.")


class Stats(BaseModel):
    timezone: str = Field(description="Your time zone, in which days are counted.")
    reviews_today: int = Field(description="Answers rated today.")
    streak: int = Field(
        description="Consecutive days with reviews, ending today (or yesterday when today "
        "has none yet)."
    )
    reviews_total: int = Field(description="Answers rated ever.")
    new_left_today: int = Field(description="New items you may still start today, in all banks.")
    banks: list[BankSummary] = Field(description="Per bank: due, new, learned and total items.")
    reviews_per_day: list[DayCount] = Field(
        description="The last 30 days, oldest first, today last; days without reviews "
        "included with 0."
    )
    retention: Retention = Field(
        description="True retention over the last 30 days: the share of reviews of learned "
        "items answered right."
    )
    retention_by_month: list[MonthRetention] = Field(
        description="True retention per calendar month, the last 12 months, oldest first."
    )
    reviews_last_year: list[ReviewDay] = Field(
        description="The days of the last 365 with at least one review, oldest first (the "
        "heatmap of the statistics page)."
    )
    due_forecast: list[DueDay] = Field(description="Items due on each of the next 30 days.")
    mastery: list[TopicMastery] = Field(
        description="Per topic of the banks you have started: the share of facts mastered."
    )


# --- instructors -----------------------------------------------------------------------------


class BankUpload(Strict):
    filename: Text = Field(
        min_length=1,
        max_length=255,
        description="The bank file's name; its extension (.yaml, .yml, .json, .csv) gives "
        "the format.",
    )
    content: Text = Field(description="The bank file's text.")
    document_text: Text | None = Field(
        None,
        description="The document's text, to check each fact's `source` quote against "
        "(YAML/JSON banks).",
    )
    bank_id: Text | None = Field(None, max_length=100, description="CSV only: the bank's id.")
    title: Text | None = Field(None, max_length=300, description="CSV only: the bank's title.")
    confirm_reset: bool = Field(
        False,
        description="Replacing a bank resets students' progress on facts whose answer "
        "changed; without this the upload is refused (409) and lists them.",
    )


class FactResetOut(BaseModel):
    key: str = Field(description="The fact's id.")
    kind: str
    summary: str
    students: int = Field(description="Students whose progress on it would be reset.")


class ValidationReport(BaseModel):
    valid: Literal[True]
    id: str = Field(description="The bank's id.")
    title: str
    facts: int
    exists: bool = Field(
        description="Whether a bank of yours with this id exists (an upload replaces it)."
    )
    resets: list[FactResetOut] = Field(
        description="Facts whose students would start again, should this replace your bank."
    )


class AuthorBank(BaseModel):
    id: str = Field(description="The bank's id.")
    title: str
    status: Literal["draft", "published"]
    is_public: bool = Field(description="Published to every student, not only your classes.")
    facts: int
    questions: int
    students: int
    updated_at: datetime


class AuthorBankList(BaseModel):
    banks: list[AuthorBank]


class UploadResult(BaseModel):
    bank: AuthorBank
    created: bool = Field(description="A new bank (a draft), or a replaced one.")
    facts_added: list[str]
    facts_removed: list[str]
    facts_reset: list[str] = Field(description="Facts whose students' progress was reset.")


class ExportQuery(Strict):
    seed: int = Field(1, ge=0, le=2**53, description="Seed for distractors and option order.")
    options: int = Field(4, ge=3, le=5, description="Options per choice question.")


class ExportedBank(BaseModel):
    id: str
    title: str


class ExportedQuestions(BaseModel):
    """The output of `flask export-questions` for this bank."""

    bank: ExportedBank
    questions: list[ExportQuestion] = Field(description="Every question the bank yields.")
