"""Classes: an instructor's class with a join code, its banks, its students and their progress.

Rules live here and every write opens its own :func:`write_transaction`; the views only map
:class:`ClassError` to a message and :class:`NotFound` to a 404.

Who may do what:

- an instructor creates classes, and manages (code, banks, progress) the classes they own;
  an admin manages every class;
- anyone logged in joins a class with its code (not their own class) and leaves it;
- a class page is shown to its owner and admins (the teacher's view) and to its members (the
  member's view); to everyone else it does not exist (404).

The progress figures, per student and attached bank (only active items, as on the home page):

- learned: items whose FSRS state is Review (2);
- due now: items the student has seen whose due time has passed;
- retention over the last 30 days: of the reviews answered in the last 30 days of items that
  were in the Review state before the review (``state_before.state == 2``), the share answered
  right; ``None`` (shown as "—") when there are none.

The hardest facts: over every review by the class's current students on the attached banks,
facts ranked by the share of wrong answers, among facts with at least
:data:`HARDEST_MIN_REVIEWS` reviews and at least one wrong answer.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from fsrs import State
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from ..clock import now as clock_now
from ..core.templates import card_text
from ..database import write_transaction
from ..extensions import db
from ..models import (
    AnyUser,
    Bank,
    Course,
    CourseBank,
    Enrollment,
    Fact,
    Item,
    ItemState,
    Review,
    User,
)
from .banks import parsed_bank

# Capitals and digits without the look-alikes 0/O, 1/I/L: read aloud or copied from a
# projector, a code has one spelling. 31^8 (about 8.5e11) codes.
JOIN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 8
NAME_MAX = 200
RETENTION_WINDOW = timedelta(days=30)
HARDEST_MIN_REVIEWS = 3
HARDEST_LIMIT = 10
_CODE_ATTEMPTS = 10


class ClassError(ValueError):
    """Input the class services refuse; ``field`` names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(ClassError):
    pass


class Forbidden(ClassError):
    pass


# --- codes -------------------------------------------------------------------------------------


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalize_code(code: str) -> str:
    """A typed or pasted code in its stored form: capitals, without spaces or hyphens."""
    return "".join(ch for ch in code.upper() if not ch.isspace() and ch != "-")


def code_problem(code: str) -> str | None:
    """Why ``code`` cannot be a join code, or None when it is shaped like one."""
    code = normalize_code(code)
    if not code:
        return "Enter the join code your teacher gave you."
    if len(code) != JOIN_CODE_LENGTH:
        return f"A join code has {JOIN_CODE_LENGTH} characters; this one has {len(code)}."
    if any(ch not in JOIN_ALPHABET for ch in code):
        return (
            "A join code uses only capital letters and digits 2–9 (never 0, O, 1, I or L). "
            "Check what you typed."
        )
    return None


# --- permissions -------------------------------------------------------------------------------


def require_instructor(user: AnyUser) -> None:
    if not user.is_instructor:
        raise Forbidden("Only instructors can manage classes.")


def _can_manage(user: AnyUser, course: Course) -> bool:
    return user.role == "admin" or (user.is_instructor and course.owner_id == user.id)


def _is_member(user: AnyUser, course: Course) -> bool:
    return db.session.get(Enrollment, {"course_id": course.id, "user_id": user.id}) is not None


def managed_class(user: AnyUser, course_id: int) -> Course:
    """The class for its teacher's pages: its owner or an admin; NotFound for anyone else
    (another instructor does not learn that the class exists)."""
    require_instructor(user)
    course = db.session.get(Course, course_id)
    if course is None or not _can_manage(user, course):
        raise NotFound("There is no class with that number among the classes you teach.")
    return course


def class_for_page(user: AnyUser, course_id: int) -> tuple[Course, bool]:
    """The class and whether ``user`` manages it (else they are a member); NotFound when the
    user neither manages it nor belongs to it."""
    course = db.session.get(Course, course_id)
    if course is None:
        raise NotFound("There is no such class.")
    if _can_manage(user, course):
        return course, True
    if _is_member(user, course):
        return course, False
    raise NotFound("There is no such class.")


# --- listing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassSummary:
    id: int
    name: str
    teacher: str
    join_code: str
    students: int
    banks: int
    bank_titles: tuple[str, ...]


def taught_classes(user: AnyUser) -> list[ClassSummary]:
    """The classes ``user`` teaches (every class, for an admin), newest first."""
    if not user.is_instructor:
        return []
    query = select(Course)
    if user.role != "admin":
        query = query.where(Course.owner_id == user.id)
    courses = db.session.execute(query.order_by(Course.created_at.desc(), Course.id.desc()))
    return _summaries(list(courses.scalars()), published_only=False)


def joined_classes(user: AnyUser) -> list[ClassSummary]:
    """The classes ``user`` has joined, in the order they joined them."""
    courses = db.session.execute(
        select(Course)
        .join(Enrollment, Enrollment.course_id == Course.id)
        .where(Enrollment.user_id == user.id)
        .order_by(Enrollment.joined_at, Course.id)
    ).scalars()
    return _summaries(list(courses), published_only=True)


def _summaries(courses: list[Course], *, published_only: bool) -> list[ClassSummary]:
    if not courses:
        return []
    ids = [c.id for c in courses]
    students = dict(
        db.session.execute(
            select(Enrollment.course_id, func.count())
            .where(Enrollment.course_id.in_(ids))
            .group_by(Enrollment.course_id)
        ).all()
    )
    bank_query = (
        select(CourseBank.course_id, Bank.title)
        .join(Bank, Bank.id == CourseBank.bank_id)
        .where(CourseBank.course_id.in_(ids))
        .order_by(Bank.title)
    )
    if published_only:
        bank_query = bank_query.where(Bank.status == "published")
    titles: dict[int, list[str]] = {}
    for course_id, title in db.session.execute(bank_query):
        titles.setdefault(course_id, []).append(title)
    teachers = _teacher_names({c.owner_id for c in courses})
    return [
        ClassSummary(
            id=c.id,
            name=c.name,
            teacher=teachers.get(c.owner_id, "a former teacher"),
            join_code=c.join_code,
            students=students.get(c.id, 0),
            banks=len(titles.get(c.id, [])),
            bank_titles=tuple(titles.get(c.id, [])),
        )
        for c in courses
    ]


def _teacher_names(user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = db.session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids)))
    return dict(rows.all())


def teacher_name(course: Course) -> str:
    return _teacher_names({course.owner_id}).get(course.owner_id, "a former teacher")


# --- creating and the join code ----------------------------------------------------------------


def name_problem(name: str) -> str | None:
    name = name.strip()
    if not name:
        return "Give the class a name, such as “Year 9 history, autumn term”."
    if len(name) > NAME_MAX:
        return f"Use at most {NAME_MAX} characters for the name."
    return None


def create_class(user: AnyUser, name: str) -> Course:
    require_instructor(user)
    problem = name_problem(name)
    if problem:
        raise ClassError(problem, "name")
    for _ in range(_CODE_ATTEMPTS):
        course = Course(
            name=name.strip(), owner_id=user.id, join_code=new_join_code(), created_at=clock_now()
        )
        try:
            with write_transaction():
                db.session.add(course)
        except IntegrityError:
            continue  # the code was taken (about one chance in 10^11 per class): draw again
        return course
    raise ClassError("Could not find a free join code; please try again.")


def regenerate_code(user: AnyUser, course_id: int) -> Course:
    """A new join code; the old one and its link stop working. Members stay members."""
    for _ in range(_CODE_ATTEMPTS):
        try:
            with write_transaction():
                course = managed_class(user, course_id)
                old = course.join_code
                code = new_join_code()
                while code == old:
                    code = new_join_code()
                course.join_code = code
        except IntegrityError:
            continue
        return course
    raise ClassError("Could not find a free join code; please try again.")


# --- joining and leaving -----------------------------------------------------------------------


@dataclass(frozen=True)
class JoinPreview:
    course: Course
    teacher: str
    already_member: bool
    is_teacher: bool
    bank_titles: tuple[str, ...]


def class_by_code(code: str) -> Course:
    course = None
    if code_problem(code) is None:
        course = db.session.execute(
            select(Course).where(Course.join_code == normalize_code(code))
        ).scalar_one_or_none()
    if course is None:
        raise NotFound(
            f"No class has the join code “{code.strip()[:40]}”. Check it with your teacher: "
            "codes are 8 capital letters and digits, and a teacher can replace a class's code, "
            "which stops the old one working."
        )
    return course


def join_preview(user: AnyUser, code: str) -> JoinPreview:
    course = class_by_code(code)
    titles = [
        t
        for t in db.session.execute(
            select(Bank.title)
            .join(CourseBank, CourseBank.bank_id == Bank.id)
            .where(CourseBank.course_id == course.id, Bank.status == "published")
            .order_by(Bank.title)
        ).scalars()
    ]
    return JoinPreview(
        course=course,
        teacher=teacher_name(course),
        already_member=_is_member(user, course),
        is_teacher=course.owner_id == user.id,
        bank_titles=tuple(titles),
    )


def join(user: AnyUser, code: str) -> tuple[Course, bool]:
    """Join the class with ``code``; returns the class and whether the user was added (False
    when they already belonged to it: joining twice changes nothing)."""
    try:
        with write_transaction():
            course = class_by_code(code)
            if course.owner_id == user.id:
                raise ClassError(
                    "You teach this class, so you cannot join it as a student; its banks are "
                    "already yours to study."
                )
            if _is_member(user, course):
                return course, False
            db.session.add(Enrollment(course_id=course.id, user_id=user.id, joined_at=clock_now()))
    except IntegrityError:
        # The same user joining twice at once: the other request added the enrollment.
        db.session.rollback()
        return class_by_code(code), False
    return course, True


def leave(user: AnyUser, course_id: int) -> Course | None:
    """Leave a class; returns it, or None when the user was not in it (leaving twice is
    harmless). Reviews and schedules stay: rejoining picks up where the student was."""
    with write_transaction():
        course = db.session.get(Course, course_id)
        if course is None:
            return None
        removed = db.session.execute(
            delete(Enrollment).where(
                Enrollment.course_id == course_id, Enrollment.user_id == user.id
            )
        ).rowcount
    return course if removed else None


# --- banks -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BankChoice:
    id: int
    slug: str
    title: str
    status: str
    mine: bool


def _attachable_query(user: AnyUser):  # type: ignore[no-untyped-def]
    """Banks ``user`` may attach: their own (draft or published) and published public ones;
    an admin may attach any bank."""
    query = select(Bank)
    if user.role != "admin":
        query = query.where(
            (Bank.owner_id == user.id) | ((Bank.status == "published") & Bank.is_public.is_(True))
        )
    return query


def attached_banks(course: Course, user: AnyUser) -> list[BankChoice]:
    rows = db.session.execute(
        select(Bank)
        .join(CourseBank, CourseBank.bank_id == Bank.id)
        .where(CourseBank.course_id == course.id)
        .order_by(Bank.title)
    ).scalars()
    return [_choice(b, user) for b in rows]


def attachable_banks(course: Course, user: AnyUser) -> list[BankChoice]:
    """Banks the user could attach that are not attached yet: their own first, then by title."""
    attached = select(CourseBank.bank_id).where(CourseBank.course_id == course.id)
    rows = db.session.execute(
        _attachable_query(user).where(Bank.id.not_in(attached)).order_by(Bank.title)
    ).scalars()
    choices = [_choice(b, user) for b in rows]
    return sorted(choices, key=lambda c: not c.mine)


def _choice(bank: Bank, user: AnyUser) -> BankChoice:
    return BankChoice(bank.id, bank.slug, bank.title, bank.status, bank.owner_id == user.id)


def attach_bank(user: AnyUser, course_id: int, bank_id: int) -> tuple[Bank, bool]:
    """Attach a bank; returns it and whether it was added (False: it already was)."""
    with write_transaction():
        course = managed_class(user, course_id)
        bank = db.session.execute(
            _attachable_query(user).where(Bank.id == bank_id)
        ).scalar_one_or_none()
        if bank is None:
            raise ClassError(
                "Choose one of the listed banks: your own banks and published public ones.",
                "bank_id",
            )
        if db.session.get(CourseBank, {"course_id": course.id, "bank_id": bank.id}):
            return bank, False
        db.session.add(CourseBank(course_id=course.id, bank_id=bank.id))
    return bank, True


def detach_bank(user: AnyUser, course_id: int, bank_id: int) -> Bank | None:
    """Detach a bank; returns it, or None when it was not attached. Students keep their
    progress; they stop seeing the bank unless it is public."""
    with write_transaction():
        course = managed_class(user, course_id)
        link = db.session.get(CourseBank, {"course_id": course.id, "bank_id": bank_id})
        if link is None:
            return None
        db.session.delete(link)
        bank = db.session.get(Bank, bank_id)
    return bank


# --- members' view -----------------------------------------------------------------------------


def member_banks(course: Course) -> list[BankChoice]:
    """The class's banks a member can study (published ones)."""
    rows = db.session.execute(
        select(Bank)
        .join(CourseBank, CourseBank.bank_id == Bank.id)
        .where(CourseBank.course_id == course.id, Bank.status == "published")
        .order_by(Bank.title)
    ).scalars()
    return [BankChoice(b.id, b.slug, b.title, b.status, False) for b in rows]


# --- progress ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    learned: int
    due: int
    retention_right: int
    retention_reviews: int

    @property
    def retention(self) -> float | None:
        if not self.retention_reviews:
            return None
        return self.retention_right / self.retention_reviews


EMPTY_CELL = Cell(0, 0, 0, 0)


@dataclass(frozen=True)
class StudentRow:
    user_id: int
    name: str
    username: str
    joined_at: datetime
    cells: dict[int, Cell]  # bank id -> figures


@dataclass(frozen=True)
class BankColumn:
    id: int
    title: str
    status: str
    total: int  # active items


@dataclass(frozen=True)
class Progress:
    banks: list[BankColumn]
    students: list[StudentRow]


def progress(course: Course, now: datetime) -> Progress:
    """Each student of the class × each attached bank: learned, due now, retention (30 days)."""
    banks = db.session.execute(
        select(Bank.id, Bank.title, Bank.status)
        .join(CourseBank, CourseBank.bank_id == Bank.id)
        .where(CourseBank.course_id == course.id)
        .order_by(Bank.title)
    ).all()
    bank_ids = [b.id for b in banks]
    totals = dict(
        db.session.execute(
            select(Item.bank_id, func.count())
            .where(Item.bank_id.in_(bank_ids), Item.active.is_(True))
            .group_by(Item.bank_id)
        ).all()
    )
    columns = [BankColumn(b.id, b.title, b.status, totals.get(b.id, 0)) for b in banks]
    members = db.session.execute(
        select(User.id, User.display_name, User.username, Enrollment.joined_at)
        .join(Enrollment, Enrollment.user_id == User.id)
        .where(Enrollment.course_id == course.id)
        .order_by(func.lower(User.display_name), User.username)
    ).all()
    in_class = select(Enrollment.user_id).where(Enrollment.course_id == course.id)

    states: dict[tuple[int, int], tuple[int, int]] = {}
    for user_id, bank_id, learned, due in db.session.execute(
        select(
            ItemState.user_id,
            ItemState.bank_id,
            func.count().filter(ItemState.state == int(State.Review)),
            func.count().filter(ItemState.due <= now),
        )
        .join(Item, Item.id == ItemState.item_id)
        .where(
            ItemState.user_id.in_(in_class),
            ItemState.bank_id.in_(bank_ids),
            Item.active.is_(True),
        )
        .group_by(ItemState.user_id, ItemState.bank_id)
    ):
        states[(user_id, bank_id)] = (learned, due)

    was_review = Review.state_before["state"].as_integer() == int(State.Review)
    retention: dict[tuple[int, int], tuple[int, int]] = {}
    for user_id, bank_id, right, total in db.session.execute(
        select(
            Review.user_id,
            Review.bank_id,
            func.count().filter(Review.correct.is_(True)),
            func.count(),
        )
        .where(
            Review.user_id.in_(in_class),
            Review.bank_id.in_(bank_ids),
            Review.answered_at > now - RETENTION_WINDOW,
            Review.answered_at <= now,
            was_review,
        )
        .group_by(Review.user_id, Review.bank_id)
    ):
        retention[(user_id, bank_id)] = (right, total)

    rows = []
    for m in members:
        cells = {}
        for bank_id in bank_ids:
            learned, due = states.get((m.id, bank_id), (0, 0))
            right, total = retention.get((m.id, bank_id), (0, 0))
            cells[bank_id] = Cell(learned, due, right, total)
        rows.append(StudentRow(m.id, m.display_name, m.username, m.joined_at, cells))
    return Progress(columns, rows)


@dataclass(frozen=True)
class HardFact:
    fact_id: int
    bank_title: str
    prompt: str
    answer: str
    reviews: int
    wrong: int

    @property
    def wrong_rate(self) -> float:
        return self.wrong / self.reviews


def hardest_facts(course: Course, limit: int = HARDEST_LIMIT) -> list[HardFact]:
    """Facts of the attached banks ranked by the class's share of wrong answers (ties: more
    reviews first, then bank order). Facts with fewer than HARDEST_MIN_REVIEWS reviews, none
    wrong, or no longer in their bank are left out."""
    in_class = select(Enrollment.user_id).where(Enrollment.course_id == course.id)
    attached = select(CourseBank.bank_id).where(CourseBank.course_id == course.id)
    wrong = func.count().filter(Review.correct.is_(False))
    rows = db.session.execute(
        select(Review.fact_id, func.count(), wrong)
        .where(Review.user_id.in_(in_class), Review.bank_id.in_(attached))
        .group_by(Review.fact_id)
        .having(func.count() >= HARDEST_MIN_REVIEWS, wrong > 0)
    )
    counts = {fact_id: (total, bad) for fact_id, total, bad in rows}
    if not counts:
        return []
    facts = db.session.execute(
        select(Fact, Bank)
        .join(Bank, Bank.id == Fact.bank_id)
        .where(Fact.id.in_(counts), Fact.active.is_(True))
    ).all()
    ranked = sorted(
        facts,
        key=lambda fb: (
            -counts[fb[0].id][1] / counts[fb[0].id][0],
            -counts[fb[0].id][0],
            fb[1].title,
            fb[0].position,
        ),
    )[:limit]
    result = []
    for fact, bank in ranked:
        prompt, answer = _fact_text(bank, fact)
        total, bad = counts[fact.id]
        result.append(HardFact(fact.id, bank.title, prompt, answer, total, bad))
    return result


def _fact_text(bank: Bank, fact: Fact) -> tuple[str, str]:
    """The fact as its flashcard puts it: the question of its main template and the answer."""
    _core_bank, ctx = parsed_bank(bank)
    core_fact = ctx.facts.get(fact.key)
    if core_fact is None:  # not in the bank's current content
        return fact.key, ""
    return card_text(core_fact, ctx)
