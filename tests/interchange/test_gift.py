"""GIFT export: read back with a small parser that follows Moodle's own GIFT reader (escapes
first, then '=' and '~' split the answers), and compared with the generator's questions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from random import Random

import pytest

from quizapp.core.bank import load_bank
from quizapp.core.generator import generate_all
from quizapp.core.questions import Question
from quizapp.core.schema import Bank
from quizapp.interchange import gift

from .banks import PERU_BANK, SPECIAL, special_bank

Token = tuple[str, bool]  # (character, escaped)

# Moodle's reader: qformat_gift::readquestion, the weight regex it uses on '~' answers.
MOODLE_WEIGHT = re.compile(r"^%-*([0-9]{1,2})\.?([0-9]*)%")
MOODLE_GRADES = {
    round(sign * f, 7)
    for f in (1, 0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333, 0.3,
              0.25, 0.2, 0.1666667, 0.1428571, 0.125, 0.1111111, 0.1, 0.05, 0)
    for sign in (1, -1)
}  # fmt: skip


@dataclass
class Parsed:
    name: str
    category: str
    prompt: str
    answers: list[tuple[str, float]] = field(default_factory=list)
    general_feedback: str = ""
    description: bool = False


def scan(text: str) -> list[Token]:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append((text[i + 1], True))
            i += 2
        else:
            out.append((text[i], False))
            i += 1
    return out


def plain(tokens: list[Token]) -> str:
    return "".join("\n" if esc and c == "n" else c for c, esc in tokens).strip()


def find(tokens: list[Token], char: str, start: int = 0) -> int:
    return next((i for i in range(start, len(tokens)) if tokens[i] == (char, False)), -1)


def parse_gift(text: str) -> tuple[list[Parsed], list[str]]:
    """(questions, comment lines). Questions are separated by blank lines, as Moodle reads."""
    questions, comments, category = [], [], ""
    for block in text.split("\n\n"):
        lines = [line for line in block.split("\n") if line.strip()]
        comments += [line for line in lines if line.strip().startswith("//")]
        lines = [line for line in lines if not line.strip().startswith("//")]
        if not lines:
            continue
        body = "\n".join(lines)
        if body.startswith("$CATEGORY:"):
            category = body.removeprefix("$CATEGORY:").strip()
            continue
        questions.append(parse_question(scan(body), category))
    return questions, comments


def parse_question(tokens: list[Token], category: str) -> Parsed:
    assert tokens[:2] == [(":", False), (":", False)], plain(tokens)
    end = next(i for i in range(2, len(tokens)) if tokens[i : i + 2] == [(":", False)] * 2)
    name, rest = plain(tokens[2:end]), tokens[end + 2 :]
    opening, closing = find(rest, "{"), find(rest, "}")
    if opening == -1 and closing == -1:
        return Parsed(name, category, plain(rest), description=True)
    assert opening != -1 and closing == len(rest) - 1, "one answer block, at the end"
    assert find(rest, "{", opening + 1) == -1, "no unescaped brace inside the answers"
    parsed = Parsed(name, category, plain(rest[:opening]))
    inner = rest[opening + 1 : closing]
    hashes = [i for i in range(len(inner)) if inner[i : i + 4] == [("#", False)] * 4]
    if hashes:
        parsed.general_feedback = plain(inner[hashes[-1] + 4 :])
        inner = inner[: hashes[-1]]
    # As Moodle: '=' marks a right answer, '~' starts any answer.
    pieces: list[list[Token]] = [[]]
    for token in inner:
        if token in (("~", False), ("=", False)):
            pieces.append([token] if token[0] == "=" else [])
        else:
            pieces[-1].append(token)
    for piece in pieces:
        answer_text = plain(piece)
        if not answer_text:
            continue
        assert find(piece, "#") == -1, "no per-answer feedback is written"
        if piece and piece[0] == ("=", False):
            parsed.answers.append((plain(piece[1:]), 100.0))
            continue
        weight = MOODLE_WEIGHT.match(answer_text)
        if weight:
            value = float(answer_text[1 : answer_text.index("%", 1)])
            parsed.answers.append((answer_text[weight.end() :], value))
        else:
            parsed.answers.append((answer_text, 0.0))
    return parsed


def exported(bank: Bank, seed: int) -> tuple[list[Parsed], list[str], list[Question]]:
    text = gift.export(bank, Random(seed)).decode("utf-8")
    parsed, comments = parse_gift(text)
    return parsed, comments, generate_all(bank, Random(seed))


@pytest.fixture(scope="module")
def peru() -> Bank:
    return load_bank(PERU_BANK)


@pytest.mark.parametrize("which", ["special", "peru"])
def test_every_question_reads_back_with_our_answers(which: str, peru: Bank) -> None:
    bank = special_bank() if which == "special" else peru
    parsed, comments, questions = exported(bank, seed=7)
    by_name = {p.name: p for p in parsed}
    assert len(by_name) == len(parsed)
    for q in questions:
        if q.type == "ordering":
            assert f"// ordering question {q.id} skipped: GIFT has no ordering type" in comments
            assert q.id not in by_name
            continue
        p = by_name.pop(q.id)
        if q.type == "flashcard":
            assert p.description and p.prompt == f"{q.prompt}\n\n{q.answer[0]}"
            continue
        assert p.prompt == q.prompt
        assert [a for a, _ in p.answers] == list(q.options)
        right = [a for a, w in p.answers if w > 0]
        assert right == [o for o in q.options if o in q.answer]
        assert q.explanation in p.general_feedback and q.source in p.general_feedback
    assert by_name == {}, "nothing exported that the generator did not make"


def test_weights_single_and_select_all(peru: Bank) -> None:
    parsed, _, questions = exported(peru, seed=3)
    types = {q.id: q.type for q in questions}
    seen = set()
    for p in parsed:
        if p.description:
            continue
        weights = [w for _, w in p.answers]
        assert sum(w for w in weights if w > 0) == pytest.approx(100, abs=1e-3)
        for w in weights:
            assert round(w / 100, 7) in MOODLE_GRADES
        if types[p.name] == "multiple_choice":
            # Ticking every option scores nothing.
            assert sum(weights) == pytest.approx(0, abs=1e-3)
            assert all(w != 0 for w in weights)
        else:
            assert sorted(weights) == [0.0] * (len(weights) - 1) + [100.0]
        seen.add(types[p.name])
    assert seen == {"single_choice", "multiple_choice"}


def test_special_characters_are_escaped() -> None:
    text = gift.export(special_bank(), Random(1)).decode("utf-8")
    # Raw (unescaped) special characters appear only as GIFT's own syntax.
    assert "{curly}" not in text and "\\{curly\\}" in text
    assert "Back\\\\slash Land" in text
    assert "Line one\\nLine two \\= \\#2 \\~ok" in text
    # A '%' that starts a bare wrong answer is kept as text by an explicit 0 weight.
    parsed, _ = parse_gift(text)
    choice = next(p for p in parsed if p.name == "choice.single:c-1")
    assert ("%5% of 100", 0.0) in choice.answers
    assert "\t~%0%%5% of 100\n" in text
    assert any(SPECIAL in p.general_feedback for p in parsed if p.name.startswith("event"))


def test_escape_covers_every_special_character() -> None:
    assert gift.escape("a~b=c#d{e}f:g\\h\ni") == "a\\~b\\=c\\#d\\{e\\}f\\:g\\\\h\\ni"
    assert plain(scan(gift.escape(SPECIAL + "\nnext"))) == SPECIAL + "\nnext"


def test_categories_follow_topics() -> None:
    bank = special_bank()
    parsed, _, questions = exported(bank, seed=2)
    topic_of = {q.id: q.topic for q in questions}
    titles = {t.id: t.title.replace("/", "//") for t in bank.topics}
    for p in parsed:
        assert p.category == f"Special: {{chars}} // bank/{titles[topic_of[p.name]]}"


def test_same_seed_same_file_other_seed_other_draw(peru: Bank) -> None:
    one = gift.export(peru, Random(5))
    assert one == gift.export(peru, Random(5))
    assert one != gift.export(peru, Random(6))
