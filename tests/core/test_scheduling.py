"""The scheduling glue: ratings from grades, queue order, sibling burying, local days."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from fsrs import Rating, State
from hypothesis import given
from hypothesis import strategies as st

from quizapp.core import scheduling as s

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Spec:
    item: int
    fact: int
    state: State | None
    due: datetime | None
    pos: int


def entry(item: int, fact: int, state: State | None, due_in_min: float | None, pos: int = 0):
    due = None if due_in_min is None else NOW + timedelta(minutes=due_in_min)
    return Spec(item, fact, state, due, pos)


def order(specs: list[Spec], limits: s.Limits, done: dict[int, set[int]]) -> list[s.QueueEntry]:
    """The queue of these items, given to order_queue as the study service's SQL does: the
    started items due by now + LEARN_AHEAD in due order, then the new items in bank order."""
    started = sorted(
        (e for e in specs if e.due is not None and e.due <= NOW + s.LEARN_AHEAD),
        key=lambda e: e.due,  # type: ignore[arg-type,return-value]
    )
    new = sorted((e for e in specs if e.state is None), key=lambda e: e.pos)
    entries = [
        s.QueueEntry(e.item, e.fact, int(e.state), e.due <= NOW)  # type: ignore[arg-type,operator]
        for e in started
    ] + [s.QueueEntry(e.item, e.fact, None) for e in new]
    return s.order_queue(entries, limits, done)


def ids(queue: list[s.QueueEntry]) -> list[int]:
    return [e.item_id for e in queue]


def test_rating_from_grade() -> None:
    assert s.default_rating(True) is Rating.Good
    assert s.default_rating(False) is Rating.Again


def test_queue_learning_then_reviews_then_new() -> None:
    entries = [
        entry(1, 1, None, None, pos=0),
        entry(2, 2, State.Review, -60 * 24),
        entry(3, 3, State.Learning, -5),
        entry(4, 4, State.Relearning, -10),
        entry(5, 5, State.Review, -30),
        entry(6, 6, None, None, pos=1),
    ]
    queue = order(entries, s.Limits(new_left=20, reviews_left=200), {})
    # learning/relearning by due, then reviews by due, then new in bank order
    assert ids(queue) == [4, 3, 2, 5, 1, 6]


def test_items_not_yet_due_are_left_out() -> None:
    entries = [entry(1, 1, State.Review, 60), entry(2, 2, State.Learning, 30)]
    assert order(entries, s.Limits(20, 200), {}) == []


def test_learning_due_soon_is_shown_early_when_nothing_else_is_left() -> None:
    entries = [entry(1, 1, State.Learning, 5), entry(2, 2, State.Review, 60 * 24)]
    assert ids(order(entries, s.Limits(20, 200), {})) == [1]
    with_new = [*entries, entry(3, 3, None, None)]
    assert ids(order(with_new, s.Limits(20, 200), {})) == [3]


def test_daily_limits_cap_new_and_reviews() -> None:
    entries = [entry(i, i, State.Review, -i) for i in range(1, 6)] + [
        entry(10 + i, 10 + i, None, None, pos=i) for i in range(5)
    ]
    queue = order(entries, s.Limits(new_left=2, reviews_left=3), {})
    assert ids(queue) == [5, 4, 3, 10, 11]
    assert order(entries, s.Limits(0, 0), {}) == []


def test_siblings_buried_once_one_is_answered_today() -> None:
    # items 1 and 2 belong to fact 7; item 1 was answered today
    entries = [
        entry(1, 7, State.Learning, -1),
        entry(2, 7, None, None, pos=0),
        entry(3, 8, State.Review, -5),
        entry(4, 8, None, None, pos=1),
        entry(5, 9, None, None, pos=2),
    ]
    queue = order(entries, s.Limits(20, 200), {7: {1}})
    # item 1 continues its learning steps; its new sibling 2 waits; fact 8 shows one item only
    assert ids(queue) == [1, 3, 5]


def test_review_sibling_waits_after_another_item_of_the_fact() -> None:
    entries = [entry(2, 7, State.Review, -60)]
    assert order(entries, s.Limits(20, 200), {7: {1}}) == []
    # the same item answered today (e.g. relearned) is not its own sibling
    assert ids(order(entries, s.Limits(20, 200), {7: {2}})) == [2]


def test_local_day_and_midnight_in_the_students_zone() -> None:
    # 23:30 UTC on March 1 is already March 2 in Berlin (UTC+1) but still March 1 in New York
    t = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    assert s.local_day(t, "Europe/Berlin") == date(2026, 3, 2)
    assert s.local_day(t, "America/New_York") == date(2026, 3, 1)
    assert s.day_start(date(2026, 3, 2), "Europe/Berlin") == datetime(2026, 3, 1, 23, tzinfo=UTC)
    assert s.next_day_start(t, "America/New_York") == datetime(2026, 3, 2, 5, tzinfo=UTC)
    assert s.local_day(t, "Not/AZone") == date(2026, 3, 1)  # unknown zones fall back to UTC
    with pytest.raises(ValueError):
        s.local_day(datetime(2026, 3, 1), "UTC")


def test_streak_counts_consecutive_days() -> None:
    today = date(2026, 3, 10)
    days = [date(2026, 3, d) for d in (5, 7, 8, 9)]
    assert s.streak(days, today) == 3  # today not yet studied: the streak is still alive
    assert s.streak([*days, today], today) == 4
    assert s.streak([date(2026, 3, 1)], today) == 0


def test_intervals_grow_with_good_reviews_as_fsrs_says() -> None:
    scheduler = s.make_scheduler(0.9, fuzz=False)
    card = s.new_card(NOW)
    t = NOW
    intervals = []
    for _ in range(8):
        card = s.review(scheduler, card, Rating.Good, t, 5000)
        intervals.append(card.due - t)
        t = card.due
    # learning steps 1m and 10m first: Good from new goes to the 10-minute step
    assert intervals[0] == timedelta(minutes=10)
    review_intervals = intervals[1:]
    assert all(b > a for a, b in itertools.pairwise(review_intervals))
    assert card.state == State.Review


def test_preview_intervals_match_a_real_review() -> None:
    scheduler = s.make_scheduler(0.9, fuzz=False)
    card = s.review(scheduler, s.new_card(NOW), Rating.Good, NOW, None)
    later = card.due
    preview = s.preview_intervals(scheduler, card, later)
    for rating in Rating:
        assert preview[rating] == s.review(scheduler, card, rating, later, None).due - later
    assert (
        preview[Rating.Again] < preview[Rating.Hard] <= preview[Rating.Good] < preview[Rating.Easy]
    )


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=20), "1m"),
        (timedelta(minutes=10), "10m"),
        (timedelta(hours=5), "5h"),
        (timedelta(days=3), "3d"),
        (timedelta(days=75), "2.5mo"),
        (timedelta(days=365 * 2), "2y"),
    ],
)
def test_format_interval(delta: timedelta, text: str) -> None:
    assert s.format_interval(delta) == text


def test_retention_setting_changes_intervals() -> None:
    card = s.review(s.make_scheduler(fuzz=False), s.new_card(NOW), Rating.Good, NOW, None)
    card = s.review(s.make_scheduler(fuzz=False), card, Rating.Good, card.due, None)
    high = s.review(s.make_scheduler(0.97, fuzz=False), card, Rating.Good, card.due, None)
    low = s.review(s.make_scheduler(0.80, fuzz=False), card, Rating.Good, card.due, None)
    assert high.due < low.due


def reference_queue(specs: list[Spec], limits: s.Limits, done: dict[int, set[int]]) -> list[int]:
    """The queue rules written plainly over due times (the rules of the docstring of
    order_queue, sorting and comparing each time), as an oracle for the one-pass version."""
    learning = sorted(
        (e for e in specs if e.state in (State.Learning, State.Relearning)),
        key=lambda e: e.due,  # type: ignore[arg-type,return-value]
    )
    learning_now = [e for e in learning if e.due <= NOW]  # type: ignore[operator]
    queued = {e.fact for e in learning_now}

    def buried(e: Spec) -> bool:
        return bool(done.get(e.fact, set()) - {e.item}) or e.fact in queued

    reviews: list[Spec] = []
    for e in sorted(
        (e for e in specs if e.state == State.Review and e.due <= NOW),  # type: ignore[operator]
        key=lambda e: e.due,  # type: ignore[arg-type,return-value]
    ):
        if len(reviews) >= limits.reviews_left:
            break
        if not buried(e):
            reviews.append(e)
            queued.add(e.fact)
    new: list[Spec] = []
    for e in sorted((e for e in specs if e.state is None), key=lambda e: e.pos):
        if len(new) >= limits.new_left:
            break
        if not buried(e):
            new.append(e)
            queued.add(e.fact)
    queue = learning_now + reviews + new
    if not queue:
        queue = [e for e in learning if e.due <= NOW + s.LEARN_AHEAD]  # type: ignore[operator]
    return [e.item for e in queue]


@st.composite
def queues(draw: st.DrawFn) -> tuple[list[Spec], s.Limits, dict[int, set[int]]]:
    n = draw(st.integers(0, 12))
    specs = []
    for item in range(n):
        fact = draw(st.integers(0, 8))
        state = draw(st.sampled_from([None, State.Learning, State.Relearning, State.Review]))
        # either side of now and of the learn-ahead window, ties included
        minutes = draw(st.sampled_from([-600, -60, -5, 0, 5, 20, 25, 60]))
        due = None if state is None else NOW + timedelta(minutes=minutes)
        specs.append(Spec(item, fact, state, due, item))
    items = list(range(n))
    done = (
        {
            fact: set(draw(st.lists(st.sampled_from(items), min_size=1, max_size=3)))
            for fact in draw(st.sets(st.integers(0, 8), max_size=3))
        }
        if items
        else {}
    )
    limits = s.Limits(draw(st.integers(0, 10)), draw(st.integers(0, 10)))
    return specs, limits, done


@given(queues())
def test_one_pass_queue_follows_the_rules(case: tuple[list[Spec], s.Limits, dict]) -> None:
    specs, limits, done = case
    # specs come in item order: ties in due time go by item id, as in the SQL
    assert ids(order(specs, limits, done)) == reference_queue(specs, limits, done)
