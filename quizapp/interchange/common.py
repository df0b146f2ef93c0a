"""What the quiz exporters (Moodle XML, GIFT) share: questions per topic, weights, feedback."""

from __future__ import annotations

from random import Random

from ..core.generator import generate_all
from ..core.questions import Question
from ..core.schema import Bank, Topic


def questions_by_topic(
    bank: Bank, rng: Random, *, n_options: int = 4
) -> list[tuple[Topic, list[Question]]]:
    """Every topic (in bank order) with the questions of its facts, drawn as the app draws
    them: one ``generate_all`` pass, so the same seed gives the same questions."""
    questions = generate_all(bank, rng, n_options=n_options)
    return [(t, [q for q in questions if q.topic == t.id]) for t in bank.topics]


def category_path(bank: Bank, topic: Topic) -> str:
    """``Bank title/Topic title``, relative to the category chosen at import time (no
    ``$course$`` prefix: Moodle 5 keeps question banks in module contexts). A '/' inside a
    name is written '//', as Moodle reads category paths."""
    return "/".join(_one_line(name).replace("/", "//") for name in (bank.title, topic.title))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def percent(value: float) -> str:
    """A Moodle grade: 100, 50, 33.33333, -50. Moodle accepts only its listed grades
    (1/k for k up to 10, and their negatives) to 7 decimals of the fraction: 5 of the
    percentage."""
    text = f"{value:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def weights(question: Question) -> list[tuple[str, float]]:
    """(option, percentage) in display order.

    Single choice: 100 for the key, 0 for the rest. Select-all: the right options share +100
    and the wrong ones share -100, so ticking everything scores 0 and no guess pays.
    """
    right = set(question.answer)
    if question.type == "single_choice":
        return [(o, 100.0 if o in right else 0.0) for o in question.options]
    n_right = len(right)
    n_wrong = len(question.options) - n_right
    return [
        (o, 100.0 / n_right if o in right else -100.0 / max(n_wrong, 1)) for o in question.options
    ]


def in_order(question: Question) -> bool:
    """Whether the options are listed in order (dates, numbers): an LMS must not shuffle
    them. Date and number templates say so through their ``extra`` keys."""
    return "iso" in question.extra or "values" in question.extra


def feedback(question: Question) -> str:
    """The explanation, then the document's words (once, when they are the same text)."""
    if question.explanation.strip() == question.source.strip():
        return question.source
    return f"{question.explanation}\n\nSource: {question.source}"
