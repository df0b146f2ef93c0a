"""The statistics counted from plain rows, against figures worked out by hand.

Retrievabilities are computed here straight from fsrs for chosen stabilities and elapsed
days, so that some facts sit just above 0.9 and some just below.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from fsrs import Card, Scheduler, State

from quizapp.core import scheduling
from quizapp.core.statistics import (
    FactRef,
    LoggedReview,
    MonthRetention,
    StartedItem,
    TopicMastery,
    due_forecast,
    heat_level,
    heatmap,
    last_months,
    logged_review,
    mastery_by_topic,
    retention_by_month,
    reviews_per_day,
    window_start,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TODAY = date(2026, 3, 2)  # a Monday


def review(day: date, correct: bool = True, was_review: bool = True) -> LoggedReview:
    return LoggedReview(day=day, correct=correct, was_review=was_review)


# --- local days ---------------------------------------------------------------------------------


def test_a_late_utc_answer_counts_on_the_next_local_day_east_of_greenwich() -> None:
    # 23:30 UTC on 1 March is 00:30 on 2 March in Paris (UTC+1 in winter).
    late = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    assert logged_review(late, True, 2, "Europe/Paris").day == date(2026, 3, 2)
    assert logged_review(late, True, 2, "UTC").day == date(2026, 3, 1)
    # ...and 02:00 UTC on 4 March is still 3 March in Lima (UTC-5).
    early = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)
    assert logged_review(early, True, 2, "America/Lima").day == date(2026, 3, 3)


@pytest.mark.parametrize(
    ("state_before", "counts"),
    [
        (int(State.Review), True),
        (int(State.Learning), False),
        (int(State.Relearning), False),
        (None, False),
    ],
)
def test_only_answers_to_items_in_the_review_state_count_for_retention(
    state_before: int | None, counts: bool
) -> None:
    assert logged_review(NOW, False, state_before, "UTC").was_review is counts


def test_the_window_starts_364_days_before_today() -> None:
    assert window_start(TODAY) == date(2025, 3, 3)


# --- heatmap ------------------------------------------------------------------------------------


def test_heat_levels_are_quarters_of_the_busiest_day_rounded_up() -> None:
    assert [heat_level(n, 8) for n in (0, 1, 2, 3, 4, 6, 7, 8)] == [0, 1, 1, 2, 2, 3, 4, 4]
    assert heat_level(0, 0) == 0


def test_heatmap_counts_the_last_365_days() -> None:
    first = date(2025, 3, 3)  # a Monday, 364 days before today
    reviews = [
        *[review(TODAY)] * 3,
        review(date(2026, 2, 27), correct=False),
        *[review(first, was_review=False)] * 2,
        review(date(2025, 3, 2)),  # a day before the window
        review(date(2026, 3, 3)),  # tomorrow: not counted
    ]
    hm = heatmap(reviews, TODAY)

    assert len(hm.days) == 365
    assert (hm.days[0].day, hm.days[-1].day) == (first, TODAY)
    counts = {d.day: (d.count, d.level) for d in hm.days if d.count}
    assert counts == {TODAY: (3, 4), date(2026, 2, 27): (1, 2), first: (2, 3)}
    assert (hm.total, hm.busiest) == (6, 3)
    assert [d.day for d in hm.active_days] == [first, date(2026, 2, 27), TODAY]
    # Columns are weeks from the Monday on or before the first day; rows are weekdays.
    assert (hm.days[0].week, hm.days[0].weekday) == (0, 0)
    assert (hm.days[-1].week, hm.days[-1].weekday) == (52, 0)
    friday = next(d for d in hm.days if d.day == date(2026, 2, 27))
    assert (friday.week, friday.weekday) == (51, 4)
    assert hm.weeks == 53
    # Thirteen calendar months, the first one partial (from 3 March 2025).
    months = [(m.month, m.reviews, m.first_day) for m in hm.months]
    assert len(months) == 13
    assert months[0] == (date(2025, 3, 1), 2, first)
    assert months[-2] == (date(2026, 2, 1), 1, date(2026, 2, 1))
    assert months[-1] == (date(2026, 3, 1), 3, date(2026, 3, 1))
    assert sum(m.reviews for m in hm.months) == 6


def test_heatmap_weeks_start_on_the_monday_before_the_first_day() -> None:
    # Today Wednesday 4 March 2026: the window opens on Wednesday 5 March 2025, whose week
    # began on Monday 3 March 2025, so the first cell sits in row 2, and today 366 days after
    # that Monday in week 52.
    hm = heatmap([], date(2026, 3, 4))
    assert (hm.days[0].day, hm.days[0].week, hm.days[0].weekday) == (date(2025, 3, 5), 0, 2)
    assert (hm.days[-1].week, hm.days[-1].weekday) == (52, 2)
    assert (hm.total, hm.busiest) == (0, 0)
    assert {d.level for d in hm.days} == {0}


# --- the last 30 days and the forecast ----------------------------------------------------------


def test_reviews_per_day_splits_right_and_wrong_over_30_days() -> None:
    reviews = [
        review(TODAY),
        review(TODAY, was_review=False),
        review(TODAY, correct=False),
        review(date(2026, 2, 1), correct=False),
        review(date(2026, 1, 31)),  # 30 days ago: outside
    ]
    days = reviews_per_day(reviews, TODAY)
    assert len(days) == 30
    assert (days[0].day, days[-1].day) == (date(2026, 2, 1), TODAY)
    busy = {d.day: (d.right, d.wrong, d.total) for d in days if d.total}
    assert busy == {TODAY: (2, 1, 3), date(2026, 2, 1): (0, 1, 1)}


def test_due_forecast_puts_overdue_items_on_day_zero() -> None:
    dues = [
        date(2026, 2, 20),  # overdue
        TODAY,
        TODAY,
        date(2026, 3, 3),
        date(2026, 3, 31),  # day 29, the last one shown
        date(2026, 4, 1),  # day 30: beyond the forecast
    ]
    forecast = due_forecast(dues, TODAY)
    assert len(forecast) == 30
    assert (forecast[0].day, forecast[-1].day) == (TODAY, date(2026, 3, 31))
    assert {d.day: d.count for d in forecast if d.count} == {
        TODAY: 3,
        date(2026, 3, 3): 1,
        date(2026, 3, 31): 1,
    }


# --- true retention -----------------------------------------------------------------------------


def test_last_months_cross_the_new_year() -> None:
    assert last_months(date(2026, 1, 20), 3) == [date(2025, 11, 1), date(2025, 12, 1),
                                                 date(2026, 1, 1)]  # fmt: skip
    months = last_months(date(2026, 3, 15))
    assert len(months) == 12 and months[0] == date(2025, 4, 1) and months[-1] == date(2026, 3, 1)


def test_retention_per_month_counts_only_answers_to_learned_items() -> None:
    today = date(2026, 3, 15)
    reviews = [
        # March: three of four answers to learned items right; a new item's miss is not counted.
        review(date(2026, 3, 1)),
        review(date(2026, 3, 2)),
        review(date(2026, 3, 15)),
        review(date(2026, 3, 10), correct=False),
        review(date(2026, 3, 11), correct=False, was_review=False),
        # February: one of two.
        review(date(2026, 2, 28)),
        review(date(2026, 2, 1), correct=False),
        # April 2025, the oldest month shown: one of one; March 2025 is outside.
        review(date(2025, 4, 1)),
        review(date(2025, 3, 31), correct=False),
    ]
    months = retention_by_month(reviews, today)
    assert [m.month for m in months] == last_months(today)
    by_month = {m.month: (m.reviews, m.right, m.rate) for m in months}
    assert by_month[date(2026, 3, 1)] == (4, 3, 0.75)
    assert by_month[date(2026, 2, 1)] == (2, 1, 0.5)
    assert by_month[date(2025, 4, 1)] == (1, 1, 1.0)
    assert by_month[date(2026, 1, 1)] == (0, 0, None)
    assert sum(m.reviews for m in months) == 7
    assert MonthRetention(date(2026, 1, 1), 0, 0).rate is None


# --- mastery ------------------------------------------------------------------------------------


def card(stability: float, days_ago: int) -> Card:
    return Card(
        card_id=0,
        state=State.Review,
        stability=stability,
        difficulty=5.0,
        due=NOW,
        last_review=NOW - timedelta(days=days_ago),
    )


def fsrs_r(stability: float, days_ago: int) -> float:
    return Scheduler().get_card_retrievability(card(stability, days_ago), NOW)


def test_retrievability_is_fsrs_for_the_card() -> None:
    assert scheduling.retrievability(card(10, 9), NOW) == pytest.approx(fsrs_r(10, 9))
    assert scheduling.retrievability(card(10, 10), NOW) == pytest.approx(0.9)
    assert scheduling.retrievability(scheduling.new_card(NOW), NOW) == 0
    with pytest.raises(ValueError, match="aware"):
        scheduling.retrievability(card(10, 9), NOW.replace(tzinfo=None))


def test_mastery_per_topic_takes_each_facts_weakest_started_item() -> None:
    # The chosen cards, as fsrs sees them now: just above and just below 0.9.
    assert fsrs_r(10, 9) > 0.9 > fsrs_r(10, 11)  # 0.907, 0.893
    assert fsrs_r(20, 19) > 0.9 > fsrs_r(20, 21)  # 0.903, 0.897
    assert fsrs_r(5, 4) > 0.9 > fsrs_r(5, 6)  # 0.915, 0.887
    assert fsrs_r(3, 2) > 0.9 and fsrs_r(30, 1) > 0.99

    facts = [
        FactRef(1, bank_id=1, topic="a"),
        FactRef(2, bank_id=1, topic="a"),
        FactRef(3, bank_id=1, topic="a"),
        FactRef(4, bank_id=1, topic="a"),
        FactRef(5, bank_id=1, topic="b"),
        FactRef(6, bank_id=1, topic="b"),
        FactRef(7, bank_id=2, topic="a"),  # another bank's topic "a" is another topic
    ]
    started = [
        StartedItem(1, card(10, 9)),  # 0.907: mastered
        StartedItem(2, card(10, 11)),  # 0.893: not
        StartedItem(3, card(20, 19)),  # min(0.903, 0.915): mastered
        StartedItem(3, card(5, 4)),
        # min(0.996, 0.897) = 0.897: not mastered, though the mean (0.946) is above 0.9.
        StartedItem(4, card(30, 1)),
        StartedItem(4, card(20, 21)),
        # fact 5 is not started
        StartedItem(6, card(3, 2)),  # 0.925: mastered
        StartedItem(7, card(5, 6)),  # 0.887: not
        StartedItem(99, card(3, 2)),  # a retired fact: not among the facts, ignored
    ]
    assert (fsrs_r(30, 1) + fsrs_r(20, 21)) / 2 > 0.9

    topics = mastery_by_topic(facts, started, NOW)

    assert topics == [
        TopicMastery(bank_id=1, topic="a", facts=4, started=4, mastered=2),
        TopicMastery(bank_id=1, topic="b", facts=2, started=1, mastered=1),
        TopicMastery(bank_id=2, topic="a", facts=1, started=1, mastered=0),
    ]
    assert [t.share for t in topics] == [0.5, 0.5, 0.0]


def test_mastery_of_a_topic_nobody_started_is_zero() -> None:
    (topic,) = mastery_by_topic([FactRef(1, 1, "a"), FactRef(2, 1, "a")], [], NOW)
    assert (topic.facts, topic.started, topic.mastered, topic.share) == (2, 0, 0, 0.0)
    assert mastery_by_topic([], [], NOW) == []
