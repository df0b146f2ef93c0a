"""The pure parts of drills: choosing items, timing, scoring and the report's sums."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from random import Random

import pytest

from quizapp.core import drills
from quizapp.core.drills import Attempt, Candidate, Scored
from quizapp.core.questions import Question

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def bank(facts_per_topic: dict[str, int], items_per_fact: int = 3) -> list[Candidate]:
    """Candidates: for each topic so many facts, each with so many items."""
    out = []
    fact_id = 0
    for topic, facts in facts_per_topic.items():
        for _ in range(facts):
            fact_id += 1
            for k in range(items_per_fact):
                out.append(Candidate(fact_id * 10 + k, fact_id, topic, "single_choice"))
    return out


def test_one_item_per_fact_while_facts_last() -> None:
    candidates = bank({"a": 5, "b": 5})
    for seed in range(20):
        chosen = drills.choose(candidates, 10, Random(seed))
        assert len(chosen) == 10
        assert len({c.fact_id for c in chosen}) == 10


def test_more_questions_than_facts_takes_second_items_evenly() -> None:
    chosen = drills.choose(bank({"a": 4}), 6, Random(1))
    per_fact = Counter(c.fact_id for c in chosen)
    assert len(chosen) == 6 and len(set(chosen)) == 6
    assert sorted(per_fact.values()) == [1, 1, 2, 2]


def test_a_short_drill_covers_every_topic() -> None:
    candidates = bank({"big": 20, "middle": 5, "small": 1})
    for seed in range(20):
        chosen = drills.choose(candidates, 6, Random(seed))
        topics = Counter(c.topic for c in chosen)
        assert topics["small"] == 1 and topics["middle"] >= 2 and topics["big"] >= 2


def test_all_takes_every_candidate_once() -> None:
    candidates = bank({"a": 3, "b": 2})
    chosen = drills.choose(candidates, None, Random(3))
    assert sorted(chosen, key=lambda c: c.item_id) == sorted(candidates, key=lambda c: c.item_id)
    assert drills.choose(candidates, 100, Random(3)) == chosen


def test_choosing_is_repeatable_with_the_same_seed_and_shuffled() -> None:
    candidates = bank({"a": 6, "b": 6})
    first = drills.choose(candidates, 8, Random(42))
    assert drills.choose(list(reversed(candidates)), 8, Random(42)) == first
    orders = {tuple(c.item_id for c in drills.choose(candidates, 8, Random(s))) for s in range(10)}
    assert len(orders) > 1


def test_choose_from_nothing_is_nothing() -> None:
    assert drills.choose([], 10, Random(1)) == []


def test_wrong_last_time_follows_the_latest_attempt() -> None:
    attempts = [
        Attempt(1, T0, False),
        Attempt(1, T0 + timedelta(days=1), True),  # put right since
        Attempt(2, T0 + timedelta(days=1), False),
        Attempt(2, T0, True),  # older, listed later
        Attempt(3, T0, True),
    ]
    assert drills.wrong_last_time(attempts) == {2}


def test_page_time_takes_the_browsers_figure_only_when_plausible() -> None:
    assert drills.page_time_ms(20_000, 18_000) == 18_000
    assert drills.page_time_ms(20_000, 24_000) == 24_000  # within the slack
    assert drills.page_time_ms(20_000, 90_000) == 20_000  # more than the server saw
    assert drills.page_time_ms(20_000, None) == 20_000
    assert drills.page_time_ms(None, 3_000) == 3_000
    assert drills.page_time_ms(-50, None) == 0
    assert drills.page_time_ms(3 * 3600 * 1000, None) == drills.MAX_PAGE_TIME_MS


def test_focus_times_are_taken_as_a_whole_or_not_at_all() -> None:
    assert drills.focus_times_ms({1: 4000, 2: 6000, 3: 0}, 10_000) == {1: 4000, 2: 6000}
    assert drills.focus_times_ms({1: 40_000, 2: 6000}, 10_000) == {}
    assert drills.focus_times_ms({1: 4000}, None) == {}
    assert drills.focus_times_ms({1: -1}, 10_000) == {}


@pytest.mark.parametrize(
    ("limit", "part", "whole", "expected"),
    [
        (600, 3, 10, 180),
        (600, 1, 20, 60),  # 30 s, rounded up to a minute
        (420, 1, 3, 180),  # 2 min 20 s
        (600, 10, 10, 600),
        (None, 3, 10, None),
    ],
)
def test_retry_time_limit_scales_and_rounds_up(
    limit: int | None, part: int, whole: int, expected: int | None
) -> None:
    assert drills.scaled_time_limit_s(limit, part, whole) == expected


def ordering(items: list[str]) -> Question:
    return Question(
        id="order:x",
        type="ordering",
        template="order",
        prompt="Put them in order, earliest first.",
        options=tuple(reversed(items)),
        answer=tuple(items),
        fact_ids=("x",),
        source="",
        explanation="",
        topic="t",
    )


@pytest.mark.parametrize(
    ("given", "score"),
    [
        ("ABCD", 1.0),
        ("BACD", 5 / 6),  # only the pair (A, B) is the wrong way round
        ("BCDA", 3 / 6),  # A comes after the three it precedes: 3 of 6 pairs wrong
        ("DCBA", 0.0),
        ("ACBD", 5 / 6),
    ],
)
def test_ordering_earns_the_share_of_pairs_in_the_right_order(given: str, score: float) -> None:
    grade = drills.grade_answer(ordering(list("ABCD")), list(given))
    assert grade is not None
    assert grade.score == pytest.approx(score)
    assert grade.correct is (given == "ABCD")


def test_unanswered_has_no_grade() -> None:
    assert drills.grade_answer(ordering(list("ABC")), None) is None
    assert drills.grade_answer(ordering(list("ABC")), []) is None


def test_summary_by_topic_and_type() -> None:
    summary = drills.summarise(
        [
            Scored("Milestones", "ordering", 0.5),
            Scored("Milestones", "single_choice", 1.0),
            Scored("People", "single_choice", 0.0),
            Scored("People", "flashcard", 1.0),
        ]
    )
    assert summary.score == 2.5 and summary.max_score == 4
    assert summary.percent == pytest.approx(62.5)
    assert [(t.label, t.questions, t.score) for t in summary.by_topic] == [
        ("Milestones", 2, 1.5),
        ("People", 2, 1.0),
    ]
    # types in the app's usual order, not alphabetical
    assert [t.label for t in summary.by_type] == ["single_choice", "ordering", "flashcard"]
    assert summary.by_type[0].percent == pytest.approx(50.0)
    assert drills.summarise([]).percent == 0.0
