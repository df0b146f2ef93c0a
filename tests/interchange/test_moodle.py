"""Moodle XML export: parsed with ElementTree and compared with the generator's questions."""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from random import Random

import pytest

from quizapp.core.bank import load_bank
from quizapp.core.generator import generate_all
from quizapp.core.schema import Bank
from quizapp.interchange import moodle

from .banks import PERU_BANK, SOLAR_BANK, SPECIAL, special_bank

ALLOWED = {  # Moodle's grade list (question_bank::fraction_options_full), as percentages
    round(sign * f * 100, 5)
    for f in (1, 0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333, 0.3,
              0.25, 0.2, 0.1666667, 0.1428571, 0.125, 0.1111111, 0.1, 0.05, 0)
    for sign in (1, -1)
}  # fmt: skip


def text_of(element: ET.Element, tag: str) -> str:
    """A Moodle text field back to the plain text it was made from."""
    node = element.find(f"{tag}/text")
    assert node is not None, tag
    return html.unescape((node.text or "").replace("<br>", "\n"))


def export(bank: Bank, seed: int, **kw: str) -> ET.Element:
    data = moodle.export(bank, Random(seed), **kw)  # type: ignore[arg-type]
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<quiz>')
    return ET.fromstring(data)


@pytest.fixture(scope="module")
def peru() -> Bank:
    return load_bank(PERU_BANK)


@pytest.mark.parametrize("which", ["special", "peru", "solar"])
def test_questions_match_the_generator(which: str, peru: Bank) -> None:
    banks = {"special": special_bank, "peru": lambda: peru, "solar": lambda: load_bank(SOLAR_BANK)}
    bank = banks[which]()
    quiz = export(bank, seed=11)
    expected = {q.id: q for q in generate_all(bank, Random(11)) if q.type != "flashcard"}
    category = ""
    head = bank.title.replace("/", "//")
    paths = {f"{head}/{t.title.replace('/', '//')}": t.id for t in bank.topics}
    for element in quiz.findall("question"):
        kind = element.get("type")
        if kind == "category":
            category = paths[element.findtext("category/text") or ""]
            continue
        q = expected.pop(text_of(element, "name"))
        assert q.topic == category, "each question follows its topic's category"
        assert text_of(element, "questiontext") == q.prompt
        answers = [
            (text_of(a, "."), float(a.get("fraction", "nan"))) for a in element.iter("answer")
        ]
        if kind == "ordering":
            assert q.type == "ordering"
            assert [a for a, _ in answers] == list(q.answer), "answers in the right order"
            assert [f for _, f in answers] == list(range(1, len(q.answer) + 1))
            assert element.findtext("selecttype") == "ALL"
            assert element.findtext("selectcount") == str(len(q.answer))
            assert element.findtext("gradingtype") == "ALL_OR_NOTHING"
            assert element.findtext("layouttype") == "VERTICAL"
            continue
        assert kind == "multichoice"
        assert [a for a, _ in answers] == list(q.options)
        assert [a for a, f in answers if f > 0] == [o for o in q.options if o in q.answer]
        single = element.findtext("single")
        assert single == ("true" if q.type == "single_choice" else "false")
        feedback = text_of(element, "generalfeedback")
        assert q.explanation in feedback and q.source in feedback
    assert expected == {}, "every choice and ordering question is exported"


def test_fractions(peru: Bank) -> None:
    quiz = export(peru, seed=4)
    kinds = set()
    for element in quiz.findall("question[@type='multichoice']"):
        fractions = [float(a.get("fraction", "nan")) for a in element.findall("answer")]
        assert all(round(f, 5) in ALLOWED for f in fractions)
        assert sum(f for f in fractions if f > 0) == pytest.approx(100, abs=1e-3)
        if element.findtext("single") == "true":
            assert sorted(fractions) == [0.0] * (len(fractions) - 1) + [100.0]
        else:
            assert sum(fractions) == pytest.approx(0, abs=1e-3), "ticking all scores 0"
            assert all(f < 0 for f in fractions if f <= 0)
        kinds.add(element.findtext("single"))
    assert kinds == {"true", "false"}


def test_dates_and_numbers_are_not_shuffled() -> None:
    bank = special_bank()
    quiz = export(bank, seed=1)
    shuffle = {
        text_of(e, "name"): e.findtext("shuffleanswers")
        for e in quiz.findall("question[@type='multichoice']")
    }
    assert shuffle["event.when:ev-1"] == "false"
    assert shuffle["quantity.how_many:q-1"] == "false"
    assert shuffle["event.what:ev-1"] == "true"
    assert shuffle["timeline.first:ev-1"] == "true"
    assert shuffle["choice.single:c-1"] == "true"


def test_a_category_per_topic_with_escaped_paths() -> None:
    quiz = export(special_bank(), seed=1)
    paths = [e.findtext("category/text") for e in quiz.findall("question[@type='category']")]
    assert paths == [
        "Special: {chars} // bank/History // dates: {1}",
        "Special: {chars} // bank/Disputes ~ = #",
        "Special: {chars} // bank/Plain",
    ]


def test_text_is_escaped_not_markup() -> None:
    data = moodle.export(special_bank(), Random(1)).decode("utf-8")
    # '<b>' in a text is shown as text: HTML-escaped, then XML-escaped.
    assert "&amp;lt;b&amp;gt;bold&amp;lt;/b&amp;gt;" in data
    assert "<b>" not in data
    quiz = ET.fromstring(data.encode())
    feedbacks = [text_of(e, "generalfeedback") for e in quiz.iter("question")
                 if e.get("type") != "category"]  # fmt: skip
    assert any(SPECIAL in f for f in feedbacks)


def test_ordering_rule_maps_to_moodle_grading(peru: Bank) -> None:
    quiz = export(peru, seed=1, ordering_rule="relative_all")
    grading = {e.findtext("gradingtype") for e in quiz.findall("question[@type='ordering']")}
    assert grading == {"RELATIVE_ALL_PREVIOUS_AND_NEXT"}
    assert set(moodle.GRADING_TYPES) == {
        "all_or_nothing",
        "absolute_position",
        "relative_next",
        "relative_all",
        "longest_subsequence",
    }


def test_flashcards_are_left_out(peru: Bank) -> None:
    quiz = export(peru, seed=1)
    names = [text_of(e, "name") for e in quiz.iter("question") if e.get("type") != "category"]
    assert names and not any(n.startswith("fact.card:") for n in names)
