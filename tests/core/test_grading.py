"""Grading: strict ``correct``, partial ``score``, Moodle's ordering rules."""

from __future__ import annotations

import pytest

from quizapp.core.grading import ORDERING_RULES, Grade, grade
from quizapp.core.questions import Question


def q(type_: str, options: list[str], answer: list[str]) -> Question:
    return Question(
        id=f"test.{type_}:fact",
        type=type_,  # type: ignore[arg-type]
        template="test",
        prompt="?",
        options=tuple(options),
        answer=tuple(answer),
        fact_ids=("fact",),
        source="s",
        explanation="e",
        topic="t",
    )


SINGLE = q("single_choice", ["1998", "1999", "2000", "2001"], ["1999"])
MULTI = q("multiple_choice", ["Peru", "Chile", "Brazil", "Japan"], ["Peru", "Chile"])
ORDER = q("ordering", ["C", "A", "D", "B"], ["A", "B", "C", "D"])
CARD = q("flashcard", [], ["1998: something happened."])


# --------------------------------------------------------------------------- single choice


def test_single_choice_right_and_wrong() -> None:
    assert grade(SINGLE, ["1999"]) == Grade(True, 1.0, None, ("1999",))
    assert grade(SINGLE, ["2000"]) == Grade(False, 0.0, None, ("2000",))


def test_answers_match_options_ignoring_case_and_spacing() -> None:
    g = grade(MULTI, [" peru ", "CHILE"])
    assert g.correct and g.chosen == ("Peru", "Chile")


def test_single_choice_takes_exactly_one_answer() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        grade(SINGLE, ["1999", "2000"])
    with pytest.raises(ValueError, match="exactly one"):
        grade(SINGLE, [])


def test_unknown_answers_are_rejected_with_the_options_listed() -> None:
    with pytest.raises(ValueError, match=r"'1850' is not one of the options .*'1998'"):
        grade(SINGLE, ["1850"])


def test_a_bare_string_is_rejected() -> None:
    with pytest.raises(ValueError, match="sequence"):
        grade(SINGLE, "1999")


def test_an_option_chosen_twice_is_rejected() -> None:
    with pytest.raises(ValueError, match="twice"):
        grade(MULTI, ["Peru", "peru"])


# --------------------------------------------------------------------------- multiple choice


@pytest.mark.parametrize(
    ("answer", "correct", "score"),
    [
        (["Peru", "Chile"], True, 1.0),
        (["Chile", "Peru"], True, 1.0),
        (["Peru"], False, 0.5),
        (["Peru", "Chile", "Japan"], False, 0.5),
        (["Peru", "Japan"], False, 0.0),
        (["Brazil", "Japan"], False, 0.0),
        ([], False, 0.0),
    ],
)
def test_multiple_choice_is_exact_with_partial_score(
    answer: list[str], correct: bool, score: float
) -> None:
    g = grade(MULTI, answer)
    assert (g.correct, g.score, g.per_position) == (correct, score, None)


# --------------------------------------------------------------------------- ordering


def test_ordering_right_order_is_correct_under_every_rule() -> None:
    for rule in ORDERING_RULES:
        g = grade(ORDER, ["A", "B", "C", "D"], ordering_rule=rule)
        assert g.correct and g.score == 1.0 and g.per_position == (True,) * 4


@pytest.mark.parametrize(
    ("rule", "score"),
    [
        ("all_or_nothing", 0.0),
        ("absolute_position", 0.5),  # A and D in place
        ("relative_next", 0.0),  # A→C, C→B, B→D: no right successor
        ("relative_all", 5 / 6),  # only (C, B) is inverted
        ("longest_subsequence", 0.75),  # A, B, D
    ],
)
def test_ordering_rules(rule: str, score: float) -> None:
    g = grade(ORDER, ["A", "C", "B", "D"], ordering_rule=rule)  # type: ignore[arg-type]
    assert not g.correct
    assert g.score == pytest.approx(score)
    assert g.per_position == (True, False, False, True)


@pytest.mark.parametrize(
    ("rule", "score"),
    [
        ("absolute_position", 0.0),
        ("relative_next", 2 / 3),  # B→C, C→D right; A→B... A is last
        ("relative_all", 3 / 6),
        ("longest_subsequence", 0.75),
    ],
)
def test_ordering_rules_on_a_rotation(rule: str, score: float) -> None:
    g = grade(ORDER, ["B", "C", "D", "A"], ordering_rule=rule)  # type: ignore[arg-type]
    assert g.score == pytest.approx(score) and not g.correct


def test_reversed_order_scores_nothing_but_one_subsequence() -> None:
    assert grade(ORDER, list("DCBA"), ordering_rule="relative_all").score == 0.0
    assert grade(ORDER, list("DCBA"), ordering_rule="longest_subsequence").score == 0.25


def test_ordering_needs_every_item_once() -> None:
    with pytest.raises(ValueError, match="all 4 items"):
        grade(ORDER, ["A", "B", "C"])
    with pytest.raises(ValueError, match="not one of the options"):
        grade(ORDER, ["A", "B", "C", "E"])


def test_unknown_ordering_rule() -> None:
    with pytest.raises(ValueError, match="unknown ordering rule"):
        grade(ORDER, list("ABCD"), ordering_rule="nonsense")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- flashcards


def test_flashcards_are_self_assessed() -> None:
    assert grade(CARD, ["right"]) == Grade(True, 1.0, None, ("right",))
    assert grade(CARD, ["wrong"]) == Grade(False, 0.0, None, ("wrong",))
    with pytest.raises(ValueError, match="self-assessed"):
        grade(CARD, ["1998"])
    with pytest.raises(ValueError, match="self-assessed"):
        grade(CARD, [])
