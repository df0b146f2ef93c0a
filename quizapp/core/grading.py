"""Grading an answer to a question.

``correct`` is strict (exactly the key, exactly the set of keys, exactly the order); ``score``
gives partial credit. Ordering questions are scored by one of the rules of Moodle's
qtype_ordering, named as there.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .distractors import normalise
from .questions import Question

OrderingRule = Literal[
    "all_or_nothing",
    "absolute_position",
    "relative_next",
    "relative_all",
    "longest_subsequence",
]
ORDERING_RULES: tuple[OrderingRule, ...] = (
    "all_or_nothing",
    "absolute_position",
    "relative_next",
    "relative_all",
    "longest_subsequence",
)
FLASHCARD_ANSWERS = ("right", "wrong")


@dataclass(frozen=True)
class Grade:
    correct: bool
    score: float
    """0..1; partial credit for multiple-choice and ordering questions."""
    per_position: tuple[bool, ...] | None
    """Ordering questions: whether each position holds the right item; otherwise None."""
    chosen: tuple[str, ...]
    """The answer as the question's own option texts."""


def grade(
    question: Question,
    answer: Sequence[str],
    *,
    ordering_rule: OrderingRule = "all_or_nothing",
) -> Grade:
    """Grade ``answer`` (option texts; for flashcards ``["right"]`` or ``["wrong"]``).

    Raises ValueError when the answer is not made of the question's options (or, for a
    flashcard, is not a self-assessment), or has the wrong shape for the question type.
    """
    if isinstance(answer, str):
        raise ValueError("answer must be a sequence of option texts, not a single string")
    if question.type == "flashcard":
        return _grade_flashcard(answer)
    chosen = _as_options(question, answer)
    if question.type == "single_choice":
        if len(chosen) != 1:
            raise ValueError(
                f"a single-choice question takes exactly one answer, got {len(chosen)}"
            )
        right = chosen[0] == question.answer[0]
        return Grade(right, 1.0 if right else 0.0, None, chosen)
    if question.type == "multiple_choice":
        keys = set(question.answer)
        picked = set(chosen)
        hits, misses = len(picked & keys), len(picked - keys)
        score = max(0.0, (hits - misses) / len(keys))
        return Grade(picked == keys, score, None, chosen)
    if question.type == "ordering":
        return _grade_ordering(question, chosen, ordering_rule)
    raise ValueError(f"unknown question type {question.type!r}")


def _grade_flashcard(answer: Sequence[str]) -> Grade:
    if len(answer) != 1 or normalise(answer[0]) not in FLASHCARD_ANSWERS:
        raise ValueError(
            f"a flashcard is self-assessed: answer ['right'] or ['wrong'], not {list(answer)!r}"
        )
    right = normalise(answer[0]) == "right"
    return Grade(right, 1.0 if right else 0.0, None, (normalise(answer[0]),))


def _as_options(question: Question, answer: Sequence[str]) -> tuple[str, ...]:
    """Map each answer to its option (tolerating case and spacing); reject the unknown."""
    by_norm = {normalise(o): o for o in question.options}
    chosen = []
    for a in answer:
        option = by_norm.get(normalise(a)) if isinstance(a, str) else None
        if option is None:
            raise ValueError(
                f"{a!r} is not one of the options of {question.id}: "
                + "; ".join(repr(o) for o in question.options)
            )
        chosen.append(option)
    if len(set(chosen)) != len(chosen):
        raise ValueError(f"an option was chosen twice in {list(answer)!r}")
    return tuple(chosen)


def _grade_ordering(question: Question, chosen: tuple[str, ...], rule: str) -> Grade:
    if len(chosen) != len(question.answer):
        raise ValueError(
            f"an ordering answer must place all {len(question.answer)} items, got {len(chosen)}"
        )
    rank = {item: i for i, item in enumerate(question.answer)}
    given = [rank[c] for c in chosen]  # the right position of each item, in answer order
    n = len(given)
    per_position = tuple(g == i for i, g in enumerate(given))
    correct = all(per_position)
    if rule == "all_or_nothing":
        score = 1.0 if correct else 0.0
    elif rule == "absolute_position":
        score = sum(per_position) / n
    elif rule == "relative_next":
        # Each item (but the last) whose successor is the right one.
        score = sum(given[i + 1] == given[i] + 1 for i in range(n - 1)) / (n - 1)
    elif rule == "relative_all":
        pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
        score = sum(given[i] < given[j] for i, j in pairs) / len(pairs)
    elif rule == "longest_subsequence":
        score = _longest_increasing(given) / n
    else:
        raise ValueError(f"unknown ordering rule {rule!r}; expected one of {ORDERING_RULES}")
    return Grade(correct, score, per_position, chosen)


def _longest_increasing(values: Sequence[int]) -> int:
    """Length of the longest strictly increasing subsequence (patience sorting)."""
    tails: list[int] = []
    for v in values:
        i = bisect.bisect_left(tails, v)
        if i == len(tails):
            tails.append(v)
        else:
            tails[i] = v
    return len(tails)
