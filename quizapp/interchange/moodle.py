"""Moodle XML: a category per topic, then its choice and ordering questions.

Each question is one showing drawn by the generator (``--seed`` picks which), since Moodle
keeps fixed options. Flashcards are left out: Moodle has no self-graded card. Ordering
questions use the ordering type that is core since Moodle 4.4 (qtype_ordering), whose
answers are listed in the right order. Texts are plain in the bank, so they are HTML-escaped
and written with ElementTree, which escapes them again for XML.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from random import Random

from ..core.grading import OrderingRule
from ..core.questions import Question
from ..core.schema import Bank
from .common import category_path, feedback, in_order, percent, questions_by_topic, weights

GRADING_TYPES: dict[OrderingRule, str] = {
    "all_or_nothing": "ALL_OR_NOTHING",
    "absolute_position": "ABSOLUTE_POSITION",
    "relative_next": "RELATIVE_NEXT_EXCLUDE_LAST",
    "relative_all": "RELATIVE_ALL_PREVIOUS_AND_NEXT",
    "longest_subsequence": "LONGEST_ORDERED_SUBSET",
}
"""Our ordering rules (core/grading.py) under their qtype_ordering names."""


def export(
    bank: Bank,
    rng: Random,
    *,
    n_options: int = 4,
    ordering_rule: OrderingRule = "all_or_nothing",
) -> bytes:
    quiz = ET.Element("quiz")
    for topic, questions in questions_by_topic(bank, rng, n_options=n_options):
        quiz.append(_category(category_path(bank, topic)))
        for q in questions:
            if q.type in ("single_choice", "multiple_choice"):
                quiz.append(_multichoice(q))
            elif q.type == "ordering":
                quiz.append(_ordering(q, GRADING_TYPES[ordering_rule]))
    ET.indent(quiz)
    # The declaration as Moodle writes it (ElementTree's own uses single quotes).
    body = ET.tostring(quiz, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'.encode()


def _html(text: str) -> str:
    return html.escape(text, quote=False).replace("\n", "<br>")


def _sub(parent: ET.Element, tag: str, value: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if value is not None:
        element.text = value
    return element


def _text(parent: ET.Element, tag: str, value: str, *, fmt: str | None = "html") -> ET.Element:
    """``<tag format="html"><text>value</text></tag>``, Moodle's shape for every text."""
    element = _sub(parent, tag, **({"format": fmt} if fmt else {}))
    _sub(element, "text", _html(value) if fmt == "html" else value)
    return element


def _category(path: str) -> ET.Element:
    question = ET.Element("question", type="category")
    _text(question, "category", path, fmt=None)
    _text(question, "info", "")
    return question


def _head(q: Question, qtype: str) -> ET.Element:
    question = ET.Element("question", type=qtype)
    _text(question, "name", q.id, fmt=None)
    _text(question, "questiontext", q.prompt)
    _text(question, "generalfeedback", feedback(q))
    _sub(question, "defaultgrade", "1")
    _sub(question, "penalty", "0.3333333")
    _sub(question, "hidden", "0")
    return question


def _combined_feedback(question: ET.Element) -> None:
    for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
        _text(question, tag, "")
    _sub(question, "shownumcorrect")


def _multichoice(q: Question) -> ET.Element:
    question = _head(q, "multichoice")
    _sub(question, "single", "true" if q.type == "single_choice" else "false")
    # Dates and numbers are listed in order; shuffling them would give hints away.
    _sub(question, "shuffleanswers", "false" if in_order(q) else "true")
    _sub(question, "answernumbering", "abc")
    _sub(question, "showstandardinstruction", "1")
    _combined_feedback(question)
    for option, weight in weights(q):
        answer = _text(question, "answer", option)
        answer.set("fraction", percent(weight))
        _text(answer, "feedback", "")
    return question


def _ordering(q: Question, grading_type: str) -> ET.Element:
    question = _head(q, "ordering")
    _sub(question, "layouttype", "VERTICAL")
    _sub(question, "selecttype", "ALL")
    _sub(question, "selectcount", str(len(q.answer)))
    _sub(question, "gradingtype", grading_type)
    _sub(question, "showgrading", "SHOW")
    _sub(question, "numberingstyle", "none")
    _combined_feedback(question)
    # The right order is the answers' order; Moodle shuffles them for the student.
    for position, item in enumerate(q.answer, start=1):
        _text(question, "answer", item).set("fraction", str(position))
    return question
