"""CSV import: the two shapes, the awkward files spreadsheets write, and precise errors."""

from __future__ import annotations

from random import Random

import pytest

from quizapp.core.bank import BankValidationError, dump_bank, parse_bank
from quizapp.core.generator import generate_all, item_specs
from quizapp.core.schema import Bank, CardFact, ChoiceFact
from quizapp.interchange.csv_bank import parse_csv, slugify


def errors(content: bytes | str, filename: str = "cards.csv", **kw: str) -> list[str]:
    data = content.encode("utf-8") if isinstance(content, str) else content
    with pytest.raises(BankValidationError) as caught:
        parse_csv(data, filename=filename, **kw)
    return [str(e) for e in caught.value.errors]


def cards(content: str, filename: str = "cards.csv") -> Bank:
    return parse_csv(content.encode("utf-8"), filename=filename)


# --------------------------------------------------------------------------- the two shapes


def test_cards() -> None:
    bank = cards("front,back,topic\nWhat is 2+2?,4,Maths\nCapital of France?,Paris,\n")
    assert [type(f) for f in bank.facts] == [CardFact, CardFact]
    first = bank.facts[0]
    assert isinstance(first, CardFact)
    assert (first.id, first.front, first.back, first.topic) == (
        "what-is-2-2",
        "What is 2+2?",
        "4",
        "maths",
    )
    assert first.source == "What is 2+2? — 4"
    assert [(t.id, t.title) for t in bank.topics] == [("maths", "Maths"), ("general", "General")]
    # A card gives its flashcard and nothing else.
    assert [s.id for s in item_specs(bank)] == [
        "fact.card:what-is-2-2",
        "fact.card:capital-of-france",
    ]
    card = generate_all(bank, Random(0))[0]
    assert (card.prompt, card.answer) == ("What is 2+2?", ("4",))


def test_choices() -> None:
    bank = cards(
        "question,answer,distractor1,distractor2,distractor3,topic\n"
        "Largest planet?,Jupiter,Saturn,Neptune,Earth,Planets\n"
        "Smallest planet?,Mercury,Mars,Venus,,Planets\n"
    )
    largest, smallest = bank.facts
    assert isinstance(largest, ChoiceFact) and isinstance(smallest, ChoiceFact)
    assert largest.distractors == ["Saturn", "Neptune", "Earth"]
    assert smallest.distractors == ["Mars", "Venus"]
    assert [s.id for s in item_specs(bank)] == [
        "choice.single:largest-planet",
        "fact.card:largest-planet",
        "choice.single:smallest-planet",
        "fact.card:smallest-planet",
    ]
    for seed in range(20):
        q = generate_all(bank, Random(seed), n_options=3)[0]
        assert q.answer == ("Jupiter",) and len(q.options) == 3
        assert set(q.options) - {"Jupiter"} <= {"Saturn", "Neptune", "Earth"}
    few = generate_all(bank, Random(0), n_options=5)[2]
    assert sorted(few.options) == ["Mars", "Mercury", "Venus"], "as many as there are"


def test_column_names_are_matched_loosely_and_in_any_order() -> None:
    bank = cards("Topic;Back;Front\nSpace;b;a\n")
    fact = bank.facts[0]
    assert isinstance(fact, CardFact) and (fact.front, fact.back, fact.topic) == ("a", "b", "space")
    tabbed = cards("Question\tAnswer\tDistractor 1\tdistractor_2\nQ?\tA\tB\tC\n")
    assert isinstance(tabbed.facts[0], ChoiceFact)


# --------------------------------------------------------------------------- awkward files


def test_bom_crlf_quotes_and_blank_lines() -> None:
    content = (
        "\ufefffront,back\r\n"
        "\r\n"
        '"Paris, France","a city\r\non the Seine"\r\n'
        ",\r\n"
        '"She said ""hi""",quoted\r\n'
    )
    bank = cards(content)
    assert [(f.front, f.back) for f in bank.facts] == [  # type: ignore[union-attr]
        ("Paris, France", "a city\non the Seine"),
        ('She said "hi"', "quoted"),
    ]


def test_formula_cells_stay_text() -> None:
    bank = cards('front,back\n=1+1,@SUM(A1)\n+33 1 23,-5\n"=HYPERLINK(""x"")",ok\n')
    assert [(f.front, f.back) for f in bank.facts] == [  # type: ignore[union-attr]
        ("=1+1", "@SUM(A1)"),
        ("+33 1 23", "-5"),
        ('=HYPERLINK("x")', "ok"),
    ]
    assert parse_bank(dump_bank(bank)) == bank


def test_invalid_utf8_names_the_byte_and_line() -> None:
    content = b"front,back\nok,fine\n" + b"caf\xe9,x\n"
    assert errors(content) == [
        "cards.csv:3: the file is not valid UTF-8: byte 22 (0xe9) is an invalid continuation "
        "byte; save the file as UTF-8 (in Excel: 'CSV UTF-8')"
    ]


def test_every_row_problem_at_once() -> None:
    content = (
        "question,answer,distractor1,distractor2\n"
        "A?,x,X,y\n"  # 2: a distractor is the answer
        "B?,y\n"  # 3: too few columns
        "C?,,a,b\n"  # 4: no answer
        "D?,d,a,a\n"  # 5: a distractor repeated
        "E?,e,a,b,c\n"  # 6: too many columns
        "F?,f,a,\n"  # 7: one distractor
        "G?,g,All of the above,b\n"  # 8: a catch-all
        "H?,h,a,b\n"  # fine
    )
    assert errors(content, "q.csv") == [
        "q.csv:2: column 'distractor1' is the answer itself; a distractor must be wrong",
        "q.csv:3: only 2 fields; expected at least 4 (question, answer, distractor1, distractor2)",
        "q.csv:4: column 'answer' is empty; expected the right answer",
        "q.csv:5: column 'distractor2' repeats column 'distractor1'",
        "q.csv:6: 5 fields, but the header names 4 columns; put a field that contains the "
        "delimiter in double quotes",
        "q.csv:7: 1 distractor; a question needs at least two wrong answers",
        "q.csv:8: column 'distractor1': 'All of the above' is never offered (it tests "
        "test-taking, not facts); write a plausible wrong answer",
    ]


def test_lines_count_from_the_start_of_multiline_records() -> None:
    content = 'front,back\n"one\ntwo",x\n\nok,\n'
    assert errors(content) == ["cards.csv:5: column 'back' is empty; expected the back of the card"]


def test_over_long_fields_and_control_characters() -> None:
    content = f"front,back\n{'x' * 5001},b\nok,bell\x07\n"
    assert errors(content) == [
        "cards.csv:2: column 'front' has 5,001 characters; at most 5,000 are allowed",
        "cards.csv:3: column 'back' contains the control character U+0007; remove it",
    ]
    assert cards(f"front,back\n{'x' * 5000},{'y' * 5000}\n").facts[0].source.endswith("…")


def test_broken_quotes() -> None:
    assert errors('front,back\nok,fine\n"never closed,x\n') == [
        "cards.csv:3: a quoted field that starts on this line is never closed (a '\"' is missing)"
    ]
    assert errors('"front,back\na,b\n') == [
        "cards.csv:1: a quoted field that starts on this line is never closed (a '\"' is missing)"
    ]
    assert errors('front,back\n"a"b,c\n') == [
        "cards.csv:2: text follows the closing '\"' of a quoted field; inside quotes, write a "
        "'\"' as '\"\"'"
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "cards.csv: the file is empty; expected a header row: front,back[,topic] for "
         "flashcards, or question,answer,distractor1,distractor2,...[,topic] for questions"),
        ("Paris,France\nRome,Italy\n", "cards.csv:1: the first row must be a header, "
         "front,back[,topic] for flashcards, or question,answer,distractor1,distractor2,...[,"
         "topic] for questions; found 'Paris,France'"),
        ("front,back\n", "cards.csv: no rows below the header; expected at least one card"),
        ("front,back,colour\na,b,c\n",
         "cards.csv:1: unknown column 'colour'; expected front, back, topic"),
        ("front,back,\na,b,\n",
         "cards.csv:1: unknown column number 3 (it has no name); expected front, back, topic"),
        ("front,front,back\n", "cards.csv:1: the header names the 'front' column 2 times"),
        ("front\na\n", "cards.csv:1: the header has no 'back' column (the back of the card)"),
        ("question,answer,distractor\nq,a,b\n",
         "cards.csv:1: the header needs at least two distractor columns (distractor1, "
         "distractor2)"),
        ("front,back,answer\n", "cards.csv:1: the header mixes flashcard columns (front, back) "
         "with question columns (question, answer, distractor...); use one shape per file"),
    ],
)  # fmt: skip
def test_header_problems(content: str, message: str) -> None:
    assert errors(content) == [message]


def test_too_large() -> None:
    content = b"front,back\n" + b"a,b\n" * 600_000
    assert errors(content)[0].startswith("cards.csv: the file is 2,400,011 bytes; a bank")


def test_a_bank_too_large_once_converted() -> None:
    row = "x" * 400 + ",y\n"
    content = "front,back\n" + "".join(f"{i} {row}" for i in range(3000))
    message = errors(content)[0]
    assert message.startswith("cards.csv: this file makes a bank of ")
    assert "split it into several files" in message


# --------------------------------------------------------------------------- ids and names


def test_ids_are_stable_across_uploads_and_reorderings() -> None:
    one = cards("front,back\nFirst card?,1\nSecond card?,2\n")
    two = cards("front,back\nSecond card?,two\nFirst card?,one\nThird?,3\n")
    assert [f.id for f in one.facts] == ["first-card", "second-card"]
    assert [f.id for f in two.facts] == ["second-card", "first-card", "third"]


def test_duplicate_fronts_get_numbered_ids() -> None:
    bank = cards("front,back\nSame?,a\nsame!,b\nSame?,c\n")
    assert [f.id for f in bank.facts] == ["same", "same-2", "same-3"]


def test_slugs() -> None:
    assert slugify("Café au lait — très bon", fallback="fact") == "cafe-au-lait-tres-bon"
    greek = slugify("Ποια είναι η πρωτεύουσα;", fallback="fact")
    assert greek.startswith("fact-") and len(greek) == len("fact-") + 10
    assert greek == slugify("Ποια  είναι η πρωτεύουσα;", fallback="fact")
    assert greek != slugify("Ποιο είναι το βουνό;", fallback="fact")
    mixed = slugify("Tokyo 東京", fallback="fact")
    assert mixed.startswith("tokyo-") and mixed != slugify("Tokyo", fallback="fact")
    long = slugify("word " * 40, fallback="fact")
    assert len(long) <= 80 and not long.endswith("-")


def test_non_latin_fronts_get_distinct_stable_ids() -> None:
    bank = cards("front,back\n日本の首都は？,東京\nフランスの首都は？,パリ\n")
    ids = [f.id for f in bank.facts]
    assert len(set(ids)) == 2 and all(i.startswith("fact-") for i in ids)
    assert ids == [
        f.id for f in cards("front,back\n日本の首都は？,x\nフランスの首都は？,y\n").facts
    ]


def test_bank_id_and_title_from_the_file_name_or_given() -> None:
    bank = cards("front,back\na,b\n", filename="uploads/French_capitals 2024.csv")
    assert (bank.id, bank.title) == ("french-capitals-2024", "French capitals 2024")
    assert bank.source.title == "French_capitals 2024.csv"
    assert bank.source_text is None
    given = parse_csv(b"front,back\na,b\n", filename="x.csv", bank_id="mine", title="My deck")
    assert (given.id, given.title) == ("mine", "My deck")
    assert errors("front,back\na,b\n", bank_id="Not A Slug") == [
        "cards.csv: id: String should match pattern '^[a-z0-9][a-z0-9_.-]*$'"
    ]


def test_the_result_is_a_valid_bank() -> None:
    bank = cards(
        "question,answer,distractor1,distractor2,topic\n"
        "Q {1}: a = b?,A ~ yes,B # no,C \\ no,Topic / one\n"
    )
    assert parse_bank(dump_bank(bank)) == bank
    assert bank.topics[0].id == "topic-one"


# --------------------------------------------------------------------------- YAML banks


def test_plain_kinds_in_a_yaml_bank() -> None:
    text = """
format: 1
id: plain
title: Plain
source: {title: A sheet}
topics: [{id: t, title: T}]
facts:
  - {id: c, kind: card, topic: t, front: F, back: B, source: F — B}
  - id: q
    kind: choice
    topic: t
    question: Q?
    answer: A
    distractors: [B, C]
    source: Q? — A
    prompts: {choice.single: "Which one, Q?"}
  - {id: weak, kind: choice, topic: t, question: W?, answer: A, distractors: [a, A], source: W}
"""
    bank = parse_bank(text)
    specs = [s.id for s in item_specs(bank)]
    assert specs == ["fact.card:c", "choice.single:q", "fact.card:q", "fact.card:weak"]
    q = next(x for x in generate_all(bank, Random(0)) if x.id == "choice.single:q")
    assert q.prompt == "Which one, Q?"
    card = next(x for x in generate_all(bank, Random(0)) if x.id == "fact.card:q")
    assert (card.prompt, card.answer) == ("Which one, Q?", ("A",))


def test_choice_needs_two_distractors_in_yaml_too() -> None:
    text = """
format: 1
id: plain
title: Plain
source: {title: A sheet}
topics: [{id: t, title: T}]
facts:
  - {id: q, kind: choice, topic: t, question: Q?, answer: A, distractors: [B], source: S}
"""
    with pytest.raises(BankValidationError) as caught:
        parse_bank(text, filename="p.yaml")
    assert "distractors" in str(caught.value)
