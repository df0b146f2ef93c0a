"""Typed SQLAlchemy models.

Times are stored as UTC and always come back timezone-aware (``UTCDateTime``), because SQLite
keeps no offset and the ``fsrs`` scheduler refuses naive datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeAlias

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db


class UTCDateTime(TypeDecorator[datetime]):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            # combine() is several times faster than replace(); this runs on every read.
            return datetime.combine(value.date(), value.time(), UTC)
        return value.astimezone(UTC)


ROLES = ("student", "instructor", "admin")


class _Identity(UserMixin):
    """What Flask-Login and the templates ask of a user, for a row and for its copy."""

    id: Any
    role: Any
    session_version: Any

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_instructor(self) -> bool:
        return self.role in ("instructor", "admin")


class User(_Identity, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="student")
    desired_retention: Mapped[float] = mapped_column(Float, default=0.9)
    new_per_day: Mapped[int] = mapped_column(Integer, default=20)
    reviews_per_day: Mapped[int] = mapped_column(Integer, default=200)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # Bumped at logout and password change: a session cookie that carries an older version is
    # refused, so a copied cookie stops working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class SignedInUser(_Identity):
    """A read-only copy of the logged-in user's row, made for each web request.

    Flask-Login loads the user at every request. Read with one Core select into this copy,
    that costs a third of what an ORM object does, and the study loop's requests are short
    enough for the difference to show (``docs/benchmarks.md``, Load). Services read it as
    they read a :class:`User` (:data:`AnyUser`); the few that change a user load its row.
    The password hash is left out: nothing but a password check needs it.
    """

    id: int
    username: str
    display_name: str
    role: str
    desired_retention: float
    new_per_day: int
    reviews_per_day: int
    timezone: str
    session_version: int
    created_at: datetime


AnyUser: TypeAlias = User | SignedInUser
"""A user as services read it: the row (API, CLI) or the web request's copy."""


class ApiToken(db.Model):
    """A personal API token. Only its SHA-256 is stored; the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Bank(db.Model):
    __tablename__ = "banks"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(20), default="en")
    status: Mapped[str] = mapped_column(String(20), default="draft")  # draft | published
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The validated bank in its canonical JSON form; questions are rendered from it.
    # Deferred: large, and only read when the parsed-bank cache misses (a new content hash).
    content: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    document_text: Mapped[str | None] = mapped_column(Text, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    facts: Mapped[list[Fact]] = relationship(back_populates="bank", passive_deletes=True)


@dataclass(frozen=True)
class StudiedBank:
    """A read-only copy of the columns of a bank's row that studying it needs.

    The question and answer pages look their bank up at every request; read with one Core
    select into this copy it costs a quarter of an ORM object. Services that render from a
    bank take either (:data:`AnyBank`); its content is read only when the parsed bank is not
    cached (``services.banks.parsed_bank``).
    """

    id: int
    slug: str
    title: str
    content_hash: str


AnyBank: TypeAlias = Bank | StudiedBank
"""A bank as the study services read it: the row or the study pages' copy."""


class Course(db.Model):
    """A class an instructor teaches ("class" is a Python keyword, hence the name)."""

    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    join_code: Mapped[str] = mapped_column(String(16), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Enrollment(db.Model):
    __tablename__ = "enrollments"

    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CourseBank(db.Model):
    __tablename__ = "course_banks"

    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
    )
    bank_id: Mapped[int] = mapped_column(
        ForeignKey("banks.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Fact(db.Model):
    __tablename__ = "facts"
    __table_args__ = (UniqueConstraint("bank_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(30))
    topic: Mapped[str] = mapped_column(String(100))
    # Changes when what the fact asserts changes; a changed answer resets the fact's items.
    answer_hash: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    bank: Mapped[Bank] = relationship(back_populates="facts")
    items: Mapped[list[Item]] = relationship(back_populates="fact", passive_deletes=True)


class Item(db.Model):
    """One template applied to one fact: what a student's schedule hangs on."""

    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("bank_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"), index=True)
    fact_id: Mapped[int] = mapped_column(ForeignKey("facts.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(200))
    template: Mapped[str] = mapped_column(String(60))
    type: Mapped[str] = mapped_column(String(30))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    fact: Mapped[Fact] = relationship(back_populates="items")


class ItemState(db.Model):
    """A student's FSRS card for one item."""

    __tablename__ = "item_states"
    __table_args__ = (
        UniqueConstraint("user_id", "item_id"),
        Index("ix_item_states_user_due", "user_id", "due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"), index=True)
    state: Mapped[int] = mapped_column(Integer)  # fsrs.State: 1 learning, 2 review, 3 relearning
    step: Mapped[int | None] = mapped_column(Integer)
    stability: Mapped[float | None] = mapped_column(Float)
    difficulty: Mapped[float | None] = mapped_column(Float)
    due: Mapped[datetime] = mapped_column(UTCDateTime)
    last_review: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reps: Mapped[int] = mapped_column(Integer, default=0)
    lapses: Mapped[int] = mapped_column(Integer, default=0)
    leech: Mapped[bool] = mapped_column(Boolean, default=False)

    item: Mapped[Item] = relationship()


class Presentation(db.Model):
    """One showing of an item: the drawn question, graded once, rated once.

    Its random id is the one-time id of the shown question: a second submission finds the
    stored result instead of recording again.
    """

    __tablename__ = "presentations"
    __table_args__ = (Index("ix_presentations_user_shown", "user_id", "shown_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    question: Mapped[dict[str, Any]] = mapped_column(JSON)
    shown_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer: Mapped[list[str] | None] = mapped_column(JSON)
    correct: Mapped[bool | None] = mapped_column(Boolean)
    grade: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id", ondelete="SET NULL"))

    item: Mapped[Item] = relationship()


class Review(db.Model):
    """Append-only review log."""

    __tablename__ = "reviews"
    __table_args__ = (
        Index("ix_reviews_user_answered", "user_id", "answered_at"),
        Index("ix_reviews_item", "item_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    fact_id: Mapped[int] = mapped_column(ForeignKey("facts.id", ondelete="CASCADE"))
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"))
    presentation_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    rating: Mapped[int] = mapped_column(Integer)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    local_day: Mapped[date] = mapped_column(Date)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    answer: Mapped[list[str] | None] = mapped_column(JSON)
    correct: Mapped[bool] = mapped_column(Boolean)
    was_new: Mapped[bool] = mapped_column(Boolean, default=False)
    state_before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    state_after: Mapped[dict[str, Any]] = mapped_column(JSON)


class DailyCounter(db.Model):
    """New items introduced and reviews done per student per local day."""

    __tablename__ = "daily_counters"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    new_count: Mapped[int] = mapped_column(Integer, default=0)
    review_count: Mapped[int] = mapped_column(Integer, default=0)


class Drill(db.Model):
    """A self-assessment test: a fixed set of drawn questions, answered, then submitted once.

    ``settings`` keeps what the student chose (banks, topics, types, count, filters) so a
    drill can be described and repeated; ``deadline`` is set when the drill is timed, and a
    drill past its deadline is submitted by the server whoever asks first.
    """

    __tablename__ = "drills"
    __table_args__ = (Index("ix_drills_user_created", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    layout: Mapped[str] = mapped_column(String(10), default="paged")  # paged | single
    count_as_reviews: Mapped[bool] = mapped_column(Boolean, default=False)
    time_limit_s: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    auto_submitted: Mapped[bool] = mapped_column(Boolean, default=False)
    # Sum of question scores (partial credit included) and the number of questions.
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[int] = mapped_column(Integer, default=0)
    retry_of_id: Mapped[int | None] = mapped_column(ForeignKey("drills.id", ondelete="SET NULL"))

    questions: Mapped[list[DrillQuestion]] = relationship(
        back_populates="drill", order_by="DrillQuestion.position", passive_deletes=True
    )


class DrillQuestion(db.Model):
    """One question of a drill, as drawn (options kept, so the report and the item analysis
    see exactly what was shown), with the student's latest answer."""

    __tablename__ = "drill_questions"
    __table_args__ = (UniqueConstraint("drill_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    drill_id: Mapped[int] = mapped_column(ForeignKey("drills.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"), index=True)
    question: Mapped[dict[str, Any]] = mapped_column(JSON)
    answer: Mapped[list[str] | None] = mapped_column(JSON)  # chosen option texts
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    time_ms: Mapped[int] = mapped_column(Integer, default=0)
    # Set at submission: 0..1 with partial credit, and strict rightness.
    score: Mapped[float | None] = mapped_column(Float)
    correct: Mapped[bool | None] = mapped_column(Boolean)
    review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id", ondelete="SET NULL"))

    drill: Mapped[Drill] = relationship(back_populates="questions")
    item: Mapped[Item] = relationship()
