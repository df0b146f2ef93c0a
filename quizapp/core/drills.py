"""Drills: which items a drill asks, how its answers score, and the report's sums.

A drill is a self-assessment test: a fixed set of questions answered, then submitted once.
Pure: candidates come in as plain values, randomness as a ``random.Random``, time as values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from random import Random

from . import grading
from .questions import QUESTION_TYPES, Question

ORDERING_RULE: grading.OrderingRule = "relative_all"
"""Moodle's "relative to all previous and next items": the share of item pairs placed in the
right order relative to each other, so one item out of place costs only its own pairs."""

DEADLINE_GRACE = timedelta(seconds=10)
"""Answers still accepted after a timed drill's deadline: the form the countdown submits at
zero takes a moment to arrive."""

MAX_PAGE_TIME_MS = 10 * 60 * 1000
"""Longest time one showing of a page counts for: beyond it the student has walked away."""

CLIENT_SLACK_MS = 5000
"""How much a browser's own timing may exceed the server's measure (clocks, latency)."""


# --- choosing the items ------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    item_id: int
    fact_id: int
    topic: str
    """Any key that groups items into topics (a drill may span banks)."""
    type: str


def choose(candidates: Iterable[Candidate], count: int | None, rng: Random) -> list[Candidate]:
    """Up to ``count`` candidates (all when None), in random order.

    One item per fact while facts last, since two questions on one fact give each other away;
    only when more questions are wanted than there are facts does a fact get a second item.
    Within each such round the facts are taken from the topics in turn, so a short drill
    covers every topic rather than the biggest one.
    """
    by_fact: dict[int, list[Candidate]] = {}
    for candidate in sorted(set(candidates), key=lambda c: c.item_id):
        by_fact.setdefault(candidate.fact_id, []).append(candidate)
    facts_by_topic: dict[str, list[list[Candidate]]] = {}
    for items in by_fact.values():
        rng.shuffle(items)
        facts_by_topic.setdefault(items[0].topic, []).append(items)
    topics = sorted(facts_by_topic)
    rng.shuffle(topics)
    for facts in facts_by_topic.values():
        rng.shuffle(facts)
    depth = max((len(items) for items in by_fact.values()), default=0)
    order: list[Candidate] = []
    for round_ in range(depth):
        columns = [
            [items[round_] for items in facts_by_topic[topic] if len(items) > round_]
            for topic in topics
        ]
        order += _interleave(columns)
    chosen = order if count is None else order[:count]
    rng.shuffle(chosen)
    return chosen


def _interleave(columns: Sequence[Sequence[Candidate]]) -> list[Candidate]:
    longest = max((len(c) for c in columns), default=0)
    return [column[i] for i in range(longest) for column in columns if i < len(column)]


@dataclass(frozen=True)
class Attempt:
    item_id: int
    at: datetime
    correct: bool


def wrong_last_time(attempts: Iterable[Attempt]) -> set[int]:
    """Items whose latest attempt (a review or a drill answer) was wrong."""
    latest: dict[int, Attempt] = {}
    for attempt in attempts:
        known = latest.get(attempt.item_id)
        if known is None or attempt.at >= known.at:
            latest[attempt.item_id] = attempt
    return {item_id for item_id, attempt in latest.items() if not attempt.correct}


# --- time ----------------------------------------------------------------------------------------


def page_time_ms(measured_ms: int | None, claimed_ms: int | None) -> int:
    """Time spent on one showing of a page: the browser's own measure when it is plausible
    (not longer than the server saw), else the server's; capped, since a tab left open over
    lunch says nothing about the question."""
    measured = max(measured_ms or 0, 0)
    if claimed_ms is not None and 0 <= claimed_ms <= measured + CLIENT_SLACK_MS:
        measured = claimed_ms
    return min(measured, MAX_PAGE_TIME_MS)


def focus_times_ms(claimed: dict[int, int], measured_ms: int | None) -> dict[int, int]:
    """Time per question on a page of several, as the browser measured it (focus in each
    question). Accepted only as a whole, when the times add up to no more than the server
    saw; each is capped. Empty when unknown."""
    if measured_ms is None or any(ms < 0 for ms in claimed.values()):
        return {}
    if sum(claimed.values()) > max(measured_ms, 0) + CLIENT_SLACK_MS:
        return {}
    return {position: min(ms, MAX_PAGE_TIME_MS) for position, ms in claimed.items() if ms > 0}


def scaled_time_limit_s(limit_s: int | None, part: int, whole: int) -> int | None:
    """A time limit for ``part`` of ``whole`` questions, rounded up to a whole minute."""
    if limit_s is None or whole <= 0:
        return limit_s
    minutes = -(-limit_s * part // (whole * 60))  # ceiling, in integers
    return max(minutes, 1) * 60


# --- scoring -------------------------------------------------------------------------------------


def grade_answer(question: Question, answer: Sequence[str] | None) -> grading.Grade | None:
    """The grade of one answer with drill rules; None when unanswered (it scores 0)."""
    if not answer:
        return None
    return grading.grade(question, answer, ordering_rule=ORDERING_RULE)


def percent(score: float, max_score: float) -> float:
    return 100.0 * score / max_score if max_score else 0.0


@dataclass(frozen=True)
class Scored:
    topic: str
    type: str
    score: float


@dataclass(frozen=True)
class Tally:
    label: str
    questions: int
    score: float

    @property
    def percent(self) -> float:
        return percent(self.score, self.questions)


@dataclass(frozen=True)
class Summary:
    score: float
    max_score: int
    by_topic: tuple[Tally, ...]
    by_type: tuple[Tally, ...]

    @property
    def percent(self) -> float:
        return percent(self.score, self.max_score)


def summarise(scored: Sequence[Scored]) -> Summary:
    """Score in points (one per question, partial credit included), by topic and by type."""
    type_rank = {t: i for i, t in enumerate(QUESTION_TYPES)}
    return Summary(
        score=sum(s.score for s in scored),
        max_score=len(scored),
        by_topic=_tallies(scored, lambda s: s.topic, lambda label: (label,)),
        by_type=_tallies(
            scored, lambda s: s.type, lambda label: (type_rank.get(label, len(type_rank)), label)
        ),
    )


def _tallies(
    scored: Sequence[Scored],
    key: Callable[[Scored], str],
    order: Callable[[str], tuple[int | str, ...]],
) -> tuple[Tally, ...]:
    groups: dict[str, list[float]] = {}
    for s in scored:
        groups.setdefault(key(s), []).append(s.score)
    return tuple(
        Tally(label, len(scores), sum(scores))
        for label, scores in sorted(groups.items(), key=lambda kv: order(kv[0]))
    )
