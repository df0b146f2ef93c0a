"""Loading banks: every bad bank gives the exact error, with file, line and path."""

from __future__ import annotations

import json
import pathlib
import sys
import types

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from quizapp.core import bank as bank_module
from quizapp.core.bank import (
    MAX_BANK_BYTES,
    BankError,
    BankValidationError,
    dump_bank,
    format_path,
    load_bank,
    load_document_text,
    parse_bank,
)
from quizapp.core.dates import Precision
from quizapp.core.schema import Bank, EventFact, MembershipFact

# Line numbers below refer to this text; keep it stable.
MINIMAL = """\
id: peru
title: Foreign relations of Peru
source:
  title: Foreign relations of Peru (Wikipedia)
topics:
  - id: history
    title: History
entities:
  - id: peru
    name: Peru
    kind: country
  - id: ecuador
    name: Ecuador
    kind: country
  - id: un
    name: United Nations
    kind: organization
facts:
  - id: brasilia-act
    kind: event
    topic: history
    what: Peru and Ecuador signed the Brasilia Presidential Act
    date: 1998-10-26
    parties: [peru, ecuador]
    source: In 1998 Peru and Ecuador signed the Brasilia Presidential Act.
  - id: un-founding
    kind: membership
    topic: history
    group: un
    members:
      - entity: peru
        role: founding_member
        since: 1945-10-24
    source: Peru is a founding member of the United Nations.
"""

DOCUMENT = """Peru's foreign relations.

In 1998 Peru and Ecuador signed the Brasilia
Presidential Act.   Peru is a founding member of the
United Nations.
"""


def edit(old: str, new: str, text: str = MINIMAL) -> str:
    """``text`` with one exact, unique piece replaced (so a typo in a test fails loudly)."""
    assert text.count(old) == 1, old
    return text.replace(old, new)


def errors(content: str | bytes, filename: str = "peru.yaml", **kwargs: object) -> list[str]:
    with pytest.raises(BankValidationError) as info:
        parse_bank(content, filename=filename, **kwargs)  # type: ignore[arg-type]
    assert str(info.value) == "\n".join(str(e) for e in info.value.errors)
    return [str(e) for e in info.value.errors]


def pure_python_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bank_module, "BankLoader", bank_module.plain_data_loader(yaml.SafeLoader))


@pytest.fixture
def fake_templates(monkeypatch: pytest.MonkeyPatch) -> None:
    """Known template ids, whatever the real ``templates`` module holds."""
    templates = types.ModuleType("quizapp.core.templates")
    templates.TEMPLATE_IDS = (  # type: ignore[attr-defined]
        "event.date",
        "event.parties",
        "membership.members",
        "agreement.outcome",
    )
    monkeypatch.setitem(sys.modules, "quizapp.core.templates", templates)


# --------------------------------------------------------------------------- valid banks


def test_minimal_bank_parses_and_keeps_dates_as_text() -> None:
    bank = parse_bank(MINIMAL, document_text=DOCUMENT)
    assert bank.id == "peru"
    event = bank.facts[0]
    assert isinstance(event, EventFact)
    # An unquoted 1998-10-26 must reach the schema as text, at day precision.
    assert event.date.iso() == "1998-10-26"
    assert event.date.precision is Precision.DAY
    assert isinstance(bank.facts[1], MembershipFact)
    assert bank.facts[1].members[0].since is not None


def test_yes_and_no_stay_text_so_norway_keeps_its_id() -> None:
    text = edit("  - id: un\n", "  - id: no\n    name: Norway\n    kind: country\n  - id: un\n")
    text = edit("parties: [peru, ecuador]", "parties: [peru, ecuador, no]", text)
    bank = parse_bank(text)
    assert bank.entity("no").name == "Norway"
    assert bank.facts[0].parties == ["peru", "ecuador", "no"]  # type: ignore[union-attr]


def test_a_few_aliases_are_fine() -> None:
    text = edit("parties: [peru, ecuador]", "parties: &both [peru, ecuador]")
    text += "  - id: rio-protocol\n    kind: agreement\n    topic: history\n"
    text += "    name: Rio Protocol\n    parties: *both\n    outcome: a border\n"
    text += "    source: The Rio Protocol.\n"
    bank = parse_bank(text)
    assert bank.facts[2].parties == ["peru", "ecuador"]  # type: ignore[union-attr]


QUICK_CASES = [
    MINIMAL,
    # Every implicit scalar type, quoted look-alikes, odd keys, flow style, empty values.
    "a: 1\nb: -2.5\nc: 0x1F\nd: 1_000\ne: .inf\nf: true\ng: False\nh: ~\ni: null\n"
    "j: '1'\nk: \"true\"\nl: yes\nm: no\n1998: year\n'': empty\nn: [1, x, {o: p}]\nq:\n"
    "r: !!str 12\ns: !!int '7'\nt: 2004-11-04\nu: <<\nv: =\nw: |\n  two\n  lines\n",
]


@pytest.mark.parametrize("text", QUICK_CASES)
def test_quick_build_gives_the_careful_builds_data(text: str) -> None:
    root = bank_module._compose(text)
    careful = bank_module._careful_tree(root, bank_module._Collector("x"))[0]
    quick = bank_module._quick_tree(text)
    assert quick == careful
    assert [type(v) for v in quick.values()] == [type(v) for v in careful.values()]


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\na: 2\n",  # duplicate key
        "? [a]\n: 1\n",  # a key that is not text
        "a: !!int abc\n",  # a bad scalar
        "a: !!python/name:os.system x\n",  # a forbidden tag
        "a: !!seq x\n",  # a collection tag on a scalar
        "a: " + "[" * 25 + "]" * 25 + "\n",  # deep nesting
    ],
)
def test_quick_build_hands_anything_doubtful_to_the_careful_one(text: str) -> None:
    with pytest.raises(bank_module._NeedsCare):
        bank_module._quick_tree(text)


def test_errors_of_a_quickly_built_bank_still_have_lines() -> None:
    text = edit("    date: 1998-10-26\n", "    date: 1998-13-26\n")
    assert "&" not in text  # the quick path
    found = errors(text)
    line = MINIMAL.splitlines().index("    date: 1998-10-26") + 1
    assert found[0].startswith(f"peru.yaml:{line}: facts[0].date: ")


def test_load_bank_reads_the_document_beside_it(tmp_path: pathlib.Path) -> None:
    (tmp_path / "peru.txt").write_text(DOCUMENT, encoding="utf-8")
    path = tmp_path / "peru.yml"
    path.write_text(MINIMAL + "source_text: peru.txt\n", encoding="utf-8")
    bank = load_bank(path)
    assert bank.source_text == "peru.txt"
    assert load_document_text(bank, tmp_path) == DOCUMENT
    assert load_document_text(bank, None) is None
    assert load_document_text(bank, tmp_path / "elsewhere") is None
    assert load_document_text(parse_bank(MINIMAL), tmp_path) is None


def test_load_document_text_stays_in_the_bank_folder(tmp_path: pathlib.Path) -> None:
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    (tmp_path / "banks").mkdir()
    bank = parse_bank(MINIMAL + "source_text: ../secret.txt\n", document_text=DOCUMENT)
    assert load_document_text(bank, tmp_path / "banks") is None


# --------------------------------------------------------------------------- syntax


@pytest.mark.parametrize("loader", ["libyaml", "python"])
@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "title: Foreign relations of Peru\n",
            "title: Peru: foreign relations\n",
            "peru.yaml:2: invalid YAML at column 12: a ': ' cannot appear here; "
            "put text that contains ': ' in quotes",
        ),
        (
            "    title: History\n",
            "\ttitle: History\n",
            "peru.yaml:7: invalid YAML at column 1: a tab indents this line; "
            "indent with spaces, not tabs",
        ),
        (
            "    title: History\n",
            '    title: "History\n',
            "peru.yaml:35: invalid YAML at column 1: the quoted text is never closed "
            "(it starts at line 7)",
        ),
        (
            "    parties: [peru, ecuador]\n",
            "    parties: [peru, ecuador\n",
            "peru.yaml:25: invalid YAML at column 11: the list opened with '[' is not closed "
            "with ']' (it starts at line 24)",
        ),
    ],
)
def test_malformed_yaml_gives_line_column_and_plain_words(
    monkeypatch: pytest.MonkeyPatch, loader: str, old: str, new: str, expected: str
) -> None:
    if loader == "python":
        pure_python_loader(monkeypatch)
    assert errors(edit(old, new)) == [expected]


def test_bad_indentation() -> None:
    assert errors(edit("    kind: organization\n", "   kind: organization\n")) == [
        "peru.yaml:17: invalid YAML at column 4: the indentation is wrong: every item of this "
        "list starts with '- ' at the same column (it starts at line 9)"
    ]


def test_two_documents() -> None:
    assert errors(MINIMAL + "---\nid: other\n") == [
        "peru.yaml:35: invalid YAML at column 1: a bank is a single YAML document; "
        "remove the '---' line"
    ]


def test_duplicate_key() -> None:
    text = edit("    date: 1998-10-26\n", "    date: 1998-10-26\n    date: 1998-10-27\n")
    assert errors(text) == [
        "peru.yaml:24: facts[0].date: duplicate key 'date' (first at line 23); keep one"
    ]


def test_empty_file_and_a_file_that_is_not_a_mapping() -> None:
    expected = (
        "peru.yaml: the file is empty; expected a bank with id, title, source, topics and facts"
    )
    assert errors("") == [expected]
    assert errors("# only a comment\n") == [expected]
    assert errors("- id: peru\n") == [
        "peru.yaml:1: expected a mapping with the bank's fields (id, title, source, topics, "
        "facts), got a list"
    ]


# --------------------------------------------------------------------------- safety


def test_python_tags_are_refused_and_never_run(tmp_path: pathlib.Path) -> None:
    marker = tmp_path / "ran"
    command = f'!!python/object/apply:os.system ["touch {marker}"]'
    text = edit("title: Foreign relations of Peru\n", f"title: {command}\n")
    assert errors(text) == [
        "peru.yaml:2: tag '!!python/object/apply:os.system' is not allowed; banks are plain data"
    ]
    assert not marker.exists()


def test_every_forbidden_tag_is_reported() -> None:
    text = edit("    name: Peru\n", "    name: !custom Peru\n")
    text = edit("    name: Ecuador\n", "    name: !!binary RWN1YWRvcg==\n", text)
    assert errors(text) == [
        "peru.yaml:10: tag '!custom' is not allowed; banks are plain data",
        "peru.yaml:13: tag '!!binary' is not allowed; banks are plain data",
    ]


def billion_laughs(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_rejected_before_expanding() -> None:
    # Aliases up to a4 add 74,718 values; a5's second *a4 (line 6) adds 2 x 66,430 more.
    assert errors(billion_laughs()) == [
        "peru.yaml:6: aliases ('*name') here expand to more than 200,000 values, which looks "
        "like an alias bomb; write the values out instead"
    ]


def test_alias_problems_are_placed_at_the_referring_line() -> None:
    text = "a: &a [1, 2]\nb: *a\nc:\n  d: *a\n  e: [*a, *a]\nf: &f {g: *f}\n"
    assert errors(text) == [
        "peru.yaml:6: an alias refers to the value that contains it; banks are plain data"
    ]


def test_many_aliases_are_rejected() -> None:
    text = "a: &a x\nb: [" + ", ".join(["*a"] * 101) + "]\n"
    assert errors(text) == [
        "peru.yaml:2: more than 100 aliases ('*name'); write the values out instead"
    ]


def test_recursive_alias_is_rejected() -> None:
    assert errors("a: &a [1, *a]\n") == [
        "peru.yaml:1: an alias refers to the value that contains it; banks are plain data"
    ]


def test_fifty_levels_of_nesting_are_rejected() -> None:
    text = "".join("  " * i + f"k{i}:\n" for i in range(50)) + "  " * 50 + "end\n"
    # Keys count as a level: the 21st is the key k19 on line 20.
    assert errors(text) == [
        "peru.yaml:20: nested more than 20 levels deep; a bank needs about 6 "
        "(bank, facts, fact, members, member, value)"
    ]


def test_invalid_utf8_names_the_byte_and_line() -> None:
    content = MINIMAL.encode("utf-8")
    at = content.index(b"Ecuador")
    content = content[:at] + b"\xff" + content[at:]
    assert errors(content) == [
        f"peru.yaml:13: the file is not valid UTF-8: byte {at} (0xff) is an invalid start byte; "
        "save the file as UTF-8"
    ]


def test_too_large() -> None:
    expected = (
        "peru.yaml: the file is 2,097,153 bytes; a bank may be at most 2,097,152 bytes (2 MB); "
        "split it into several banks"
    )
    assert errors(b"#" * (MAX_BANK_BYTES + 1)) == [expected]
    assert errors("#" * (MAX_BANK_BYTES + 1)) == [expected]


def test_too_large_file_is_not_read(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"#" * (MAX_BANK_BYTES + 1))
    with pytest.raises(BankValidationError) as info:
        load_bank(path)
    assert [e.message for e in info.value.errors] == [
        "the file is 2,097,153 bytes; a bank may be at most 2,097,152 bytes (2 MB); "
        "split it into several banks"
    ]


def test_load_bank_refuses_other_suffixes_and_missing_files(tmp_path: pathlib.Path) -> None:
    with pytest.raises(BankValidationError) as info:
        load_bank(tmp_path / "bank.txt")
    assert str(info.value) == (
        f"{tmp_path / 'bank.txt'}: '.txt' is not a bank file; expected .yaml, .yml or .json"
    )
    with pytest.raises(BankValidationError) as info:
        load_bank(tmp_path / "missing.yaml")
    assert str(info.value) == (
        f"{tmp_path / 'missing.yaml'}: cannot read the file: No such file or directory"
    )


# --------------------------------------------------------------------------- schema


def test_unknown_field_with_suggestion() -> None:
    assert errors(edit("    date: 1998-10-26\n", "    dat: 1998-10-26\n")) == [
        "peru.yaml:19: facts[0].date: field required: 'date'",
        "peru.yaml:23: facts[0].dat: unknown field 'dat' (did you mean 'date'?)",
    ]


def test_unknown_field_without_a_close_match_lists_the_fields() -> None:
    assert errors(edit("    title: History\n", "    title: History\n    colour: red\n")) == [
        "peru.yaml:8: topics[0].colour: unknown field 'colour'; expected one of id, title"
    ]


def test_wrong_types() -> None:
    text = edit("title: Foreign relations of Peru\n", "title: 1998\n")
    text = edit("parties: [peru, ecuador]", "parties: peru", text)
    assert errors(text) == [
        "peru.yaml:2: title: expected text, got the number 1998; put it in quotes",
        "peru.yaml:24: facts[0].parties: expected a list, got 'peru'",
    ]


def test_missing_required_field_points_at_its_mapping() -> None:
    text = edit("    what: Peru and Ecuador signed the Brasilia Presidential Act\n", "")
    assert errors(text) == ["peru.yaml:19: facts[0].what: field required: 'what'"]


def test_unknown_and_missing_fact_kind() -> None:
    text = edit("    kind: event\n", "    kind: happening\n")
    text = edit("    kind: membership\n", "", text)
    kinds = "event, membership, agreement, role, quantity, dispute, policy, card, choice"
    assert errors(text) == [
        f"peru.yaml:20: facts[0].kind: 'happening' is not a fact kind; expected one of {kinds}",
        f"peru.yaml:26: facts[1].kind: field required: 'kind' (one of {kinds})",
    ]


def test_literal_and_pattern_errors() -> None:
    text = edit("role: founding_member", "role: chair")
    text = edit("  - id: history\n", "  - id: History\n", text)
    assert errors(text) == [
        "peru.yaml:6: topics[0].id: 'History' is not a valid id; use lower-case letters, "
        "digits, '-', '_' and '.', starting with a letter or digit",
        "peru.yaml:21: facts[0].topic: unknown topic 'history'; did you mean 'History'? "
        "Declare it under topics",
        "peru.yaml:28: facts[1].topic: unknown topic 'history'; did you mean 'History'? "
        "Declare it under topics",
        "peru.yaml:32: facts[1].members[0].role: 'chair' is not a valid role; expected one of "
        "member, founding_member, associate_member, future_member, observer, beneficiary, "
        "signatory, participant",
    ]


def test_empty_list_and_empty_text() -> None:
    members = "      - entity: peru\n        role: founding_member\n        since: 1945-10-24\n"
    text = edit("    members:\n" + members, "    members: []\n")
    text = edit("    title: History\n", "    title: '  '\n", text)
    assert errors(text) == [
        "peru.yaml:7: topics[0].title: must not be empty",
        "peru.yaml:30: facts[1].members: needs at least 1 item, got 0",
    ]


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("date", "message"),
    [
        ("1998-02-30", "'1998-02-30': day 30 does not exist in February 1998 (it has 28 days)"),
        ("1998-13", "'1998-13': month 13 does not exist (expected 01 to 12)"),
        ("2001-07-28/2001-06-28", "'2001-07-28/2001-06-28': the range ends before it starts"),
        ("1998/2001-06", "'1998/2001-06': both ends of a range need the same precision"),
        (
            "late 1998",
            "'late 1998' is not a date; expected YYYY, YYYY-MM, YYYY-MM-DD, a decade like "
            "1970s, or a range START/END of those",
        ),
    ],
)
def test_impossible_dates_keep_their_path_and_line(date: str, message: str) -> None:
    assert errors(edit("date: 1998-10-26", f"date: {date}")) == [
        f"peru.yaml:23: facts[0].date: {message}"
    ]


def test_membership_until_before_since() -> None:
    since = "        since: 1945-10-24\n"
    text = edit(since, since + "        until: 1944-12\n")
    assert errors(text) == [
        "peru.yaml:34: facts[1].members[0].until: 'until' 1944-12 is before 'since' 1945-10-24; "
        "a membership must end after it starts"
    ]
    # Fuzzy dates that share a period are consistent: since 1945-10-24, until 1945.
    bank = parse_bank(edit(since, since + "        until: 1945\n"))
    assert bank.facts[1].members[0].until is not None  # type: ignore[union-attr]


# --------------------------------------------------------------------------- whole-bank checks


def test_duplicate_entity_and_fact_ids() -> None:
    text = edit("  - id: ecuador\n", "  - id: peru\n")
    text = edit("  - id: un-founding\n", "  - id: brasilia-act\n", text)
    assert errors(text) == [
        "peru.yaml:12: entities[1].id: duplicate entity id 'peru' (first at entities[0], line 9)",
        "peru.yaml:24: facts[0].parties[1]: unknown entity 'ecuador'; declare it under entities",
        "peru.yaml:26: facts[1].id: duplicate fact id 'brasilia-act' (first at facts[0], line 19)",
    ]


def test_unknown_entity_with_and_without_suggestion() -> None:
    text = edit("parties: [peru, ecuador]", "parties: [peruu, chile]")
    text = edit("    group: un\n", "    group: unn\n", text)
    assert errors(text) == [
        "peru.yaml:24: facts[0].parties[0]: unknown entity 'peruu'; did you mean 'peru'? "
        "Declare it under entities",
        "peru.yaml:24: facts[0].parties[1]: unknown entity 'chile'; declare it under entities",
        "peru.yaml:29: facts[1].group: unknown entity 'unn'; did you mean 'un'? "
        "Declare it under entities",
    ]


def test_unknown_topic() -> None:
    assert errors(edit("    topic: history\n    group", "    topic: histroy\n    group")) == [
        "peru.yaml:28: facts[1].topic: unknown topic 'histroy'; did you mean 'history'? "
        "Declare it under topics"
    ]


def test_member_listed_twice_with_the_same_role() -> None:
    twice = "      - entity: peru\n        role: founding_member\n"
    text = edit("        since: 1945-10-24\n", "        since: 1945-10-24\n" + twice)
    assert errors(text) == [
        "peru.yaml:34: facts[1].members[1].entity: 'peru' is listed twice as founding_member "
        "in this membership (first at members[0])"
    ]
    # Twice with different roles is a history (observer, then member), not a slip.
    other = "      - entity: peru\n        role: observer\n"
    parse_bank(edit("        since: 1945-10-24\n", "        since: 1945-10-24\n" + other))


def test_source_not_in_document() -> None:
    text = edit(
        "source: In 1998 Peru and Ecuador signed the Brasilia Presidential Act.",
        "source: In 1998 Peru and Ecuador signed the Brasília Presidential Act.",
    )
    text += "source_text: peru_foreign_relations.txt\n"
    assert errors(text, document_text=DOCUMENT) == [
        "peru.yaml:25: facts[0].source: 'In 1998 Peru and Ecuador signed the Brasília "
        "Presidential Ac…' not found in peru_foreign_relations.txt; copy the sentence verbatim "
        "(it matches the document up to 'ru and Ecuador signed the Bras')"
    ]


def test_source_checked_against_the_file_beside_the_bank(tmp_path: pathlib.Path) -> None:
    (tmp_path / "peru.txt").write_text("Nothing about Peru here.", encoding="utf-8")
    path = tmp_path / "peru.yaml"
    path.write_text(MINIMAL + "source_text: peru.txt\n", encoding="utf-8")
    with pytest.raises(BankValidationError) as info:
        load_bank(path)
    assert [(e.path, e.line, e.message) for e in info.value.errors] == [
        (
            "facts[0].source",
            25,
            "'In 1998 Peru and Ecuador signed the Brasilia Presidential Ac…' not found in "
            "peru.txt; copy the sentence verbatim",
        ),
        (
            "facts[1].source",
            34,
            "'Peru is a founding member of the United Nations.' not found in peru.txt; "
            "copy the sentence verbatim",
        ),
    ]
    assert all(e.file == str(path) for e in info.value.errors)


def test_missing_document(tmp_path: pathlib.Path) -> None:
    text = MINIMAL + "source_text: peru.txt\n"
    assert errors(text, base_dir=tmp_path) == [
        f"peru.yaml:35: source_text: the document 'peru.txt' is not in {tmp_path}; "
        "put it beside the bank"
    ]
    assert errors(text) == [
        "peru.yaml:35: source_text: the document 'peru.txt' was not supplied with the bank; "
        "upload its text too"
    ]
    assert errors(MINIMAL + "source_text: ../peru.txt\n", base_dir=tmp_path) == [
        "peru.yaml:35: source_text: '../peru.txt' is outside the bank's folder; put the "
        "document beside the bank and give its file name"
    ]


def test_prompt_keys_are_template_ids(
    monkeypatch: pytest.MonkeyPatch, fake_templates: None
) -> None:
    prompts = (
        "    prompts:\n"
        "      event.dat: When?\n"
        "      membership.members: Who?\n"
        "      eventdate: When?\n"
        "      event.date: When did it happen?\n"
    )
    text = edit("    parties: [peru, ecuador]\n", "    parties: [peru, ecuador]\n" + prompts)
    assert errors(text) == [
        "peru.yaml:26: facts[0].prompts['event.dat']: unknown template id 'event.dat'; "
        "did you mean 'event.date'?",
        "peru.yaml:27: facts[0].prompts['membership.members']: template 'membership.members' "
        "is for membership facts; this is an event fact",
        "peru.yaml:28: facts[0].prompts.eventdate: 'eventdate' is not a template id; "
        "expected kind.name such as event.date",
    ]
    # Without the templates module only the shape of the keys is checked.
    monkeypatch.setitem(sys.modules, "quizapp.core.templates", None)
    assert len(errors(text)) == 2


# --------------------------------------------------------------------------- several at once


@pytest.mark.parametrize("loader", ["libyaml", "python"])
def test_every_problem_is_reported_at_once_in_file_order(
    monkeypatch: pytest.MonkeyPatch, loader: str
) -> None:
    if loader == "python":
        pure_python_loader(monkeypatch)
    text = edit("    date: 1998-10-26\n", "    date: 1998-02-30\n")
    text = edit("    name: Ecuador\n", "    nme: Ecuador\n", text)
    text = edit("      - entity: peru\n", "      - entity: peruu\n", text)
    text = edit("  - id: un-founding\n", "  - id: brasilia-act\n", text)
    assert errors(text) == [
        "peru.yaml:12: entities[1].name: field required: 'name'",
        "peru.yaml:13: entities[1].nme: unknown field 'nme' (did you mean 'name'?)",
        "peru.yaml:23: facts[0].date: '1998-02-30': day 30 does not exist in February 1998 "
        "(it has 28 days)",
        "peru.yaml:26: facts[1].id: duplicate fact id 'brasilia-act' (first at facts[0], line 19)",
        "peru.yaml:31: facts[1].members[0].entity: unknown entity 'peruu'; did you mean 'peru'? "
        "Declare it under entities",
    ]


# --------------------------------------------------------------------------- JSON


def as_json(text: str = MINIMAL) -> str:
    return json.dumps(yaml.safe_load(text), indent=2, default=str)


def test_json_bank() -> None:
    assert parse_bank(as_json(), fmt="json") == parse_bank(MINIMAL)
    assert parse_bank(as_json(), filename="peru.json") == parse_bank(MINIMAL)


def test_json_syntax_error_has_its_line() -> None:
    text = as_json().replace('"id": "peru",', '"id": "peru"', 1)
    assert errors(text, filename="peru.json") == [
        "peru.json:3: invalid JSON at column 3: expected ',' between values"
    ]
    assert errors('{\n  "id": "peru",\n}\n', filename="peru.json") == [
        "peru.json:3: invalid JSON at column 1: expected a key in double quotes "
        "(is there a comma before '}'?)"
    ]


def test_json_schema_errors_have_lines(tmp_path: pathlib.Path) -> None:
    text = as_json(edit("date: 1998-10-26", "dat: 1998-10-26"))
    path = tmp_path / "peru.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BankValidationError) as info:
        load_bank(path)
    date_line = text.splitlines().index('      "dat": "1998-10-26",') + 1
    fact_line = text.splitlines().index('      "id": "brasilia-act",')  # its "{" line
    assert [(e.path, e.line, e.message) for e in info.value.errors] == [
        ("facts[0].date", fact_line, "field required: 'date'"),
        ("facts[0].dat", date_line, "unknown field 'dat' (did you mean 'date'?)"),
    ]


def test_json_duplicate_keys_are_reported() -> None:
    text = as_json().replace('"title": "History"', '"title": "History", "title": "Past"', 1)
    assert errors(text, fmt="json") == [
        "peru.yaml:10: topics[0].title: duplicate key 'title' (first at line 10); keep one"
    ]


def test_deep_json_is_rejected() -> None:
    assert errors("[" * 50 + "]" * 50, fmt="json") == [
        "peru.yaml: nested more than 20 levels deep; a bank needs about 6"
    ]


# --------------------------------------------------------------------------- dumping


RICH = """\
format: 1
id: peru
title: Foreign relations of Peru
language: es
description: A bank about Peru.
source:
  title: Foreign relations of Peru (Wikipedia)
  url: https://en.wikipedia.org/wiki/Foreign_relations_of_Peru
  last_modified: 2024-05-01
topics:
  - {id: history, title: History}
  - {id: today, title: "Today: trade and borders"}
entities:
  - {id: peru, name: Perú, kind: country, aliases: [Republic of Peru], group: south-america}
  - {id: ecuador, name: Ecuador, kind: country, description: "null"}
  - {id: chile, name: Chile, kind: country}
  - {id: no, name: Norway, kind: country}
  - {id: un, name: United Nations, kind: organization, aliases: [UN, ONU]}
  - {id: can, name: Andean Community, kind: organization}
  - {id: rio, name: Rio Protocol, kind: agreement}
  - {id: fujimori, name: Alberto Fujimori, kind: person}
  - {id: pacific, name: Pacific Ocean, kind: place}
  - {id: velasco, name: Velasco government, kind: government}
facts:
  - id: brasilia-act
    kind: event
    topic: history
    what: Peru and Ecuador signed the Brasilia Presidential Act
    date: 1998-10-26
    parties: [peru, ecuador]
    source: |
      In 1998 Peru and Ecuador signed
      the Brasilia Presidential Act.
  - id: andean
    kind: membership
    topic: today
    group: can
    complete: true
    members:
      - {entity: peru, since: 1969, until: 2030}
      - {entity: chile, role: observer, since: 1969-05/1969-06}
      - {entity: "no", role: observer}
    source: The Andean Community.
  - id: rio-protocol
    kind: agreement
    topic: history
    name: Rio Protocol
    agreement: rio
    parties: [peru, ecuador]
    date: 1942-01-29
    outcome: Ecuador gave up its claim to the Amazon
    source: The Rio Protocol of 1942.
    explanation: Signed in Rio de Janeiro.
    prompts:
      agreement.outcome: "What did the Rio Protocol settle?"
    card:
      front: Rio Protocol
      back: "1942"
  - id: fujimori
    kind: role
    topic: history
    person: fujimori
    role: President of Peru
    organization: peru
    term: 1990-07-28/2000-11-22
    source: Fujimori was president from 1990 to 2000.
  - id: minustah
    kind: quantity
    topic: today
    what: Peruvian troops in MINUSTAH
    value: 205
    unit: troops
    qualifier: about
    date: 2000s
    parties: [peru]
    source: About 205 troops.
  - id: share
    kind: quantity
    topic: today
    what: share of exports to China
    value: 0.25
    unit: of exports
    source: A quarter of exports.
  - id: maritime
    kind: dispute
    topic: today
    parties: [peru, chile]
    subject: the maritime boundary
    territory: pacific
    status: settled by the ICJ in 2014
    date: 2008/2014
    source: The maritime dispute.
  - id: nonalignment
    kind: policy
    topic: history
    actor: velasco
    period: 1968-10/1975-08
    stance: sought non-alignment
    note: "yes"
    source: "Velasco: non-aligned."
"""


def test_round_trip_of_a_rich_bank(fake_templates: None) -> None:
    bank = parse_bank(RICH)
    assert len(bank.facts) == 8
    text = dump_bank(bank)
    assert parse_bank(text) == bank
    assert dump_bank(parse_bank(text)) == text


def test_round_trip_of_the_minimal_bank_and_its_json() -> None:
    bank = parse_bank(MINIMAL)
    assert parse_bank(dump_bank(bank)) == bank
    assert parse_bank(as_json(dump_bank(bank)), fmt="json") == bank


@settings(max_examples=150, deadline=None)
@given(text=st.text(min_size=1, max_size=40))
def test_round_trip_of_any_text(text: str) -> None:
    # Quotes, colons, '#', 'yes', '1998-10-26', line breaks, control characters...
    data = parse_bank(MINIMAL).model_dump()
    data["facts"][0]["what"] = text
    data["entities"][0]["aliases"] = [text]
    try:
        bank = Bank.model_validate(data)
    except ValidationError:
        return  # e.g. only whitespace: not a valid bank to begin with
    assert parse_bank(dump_bank(bank)) == bank


def test_dump_is_readable(fake_templates: None) -> None:
    text = dump_bank(parse_bank(RICH))
    assert "null" not in text.replace("'null'", "")  # None fields are left out
    assert "aliases: []" not in text and "prompts: {}" not in text
    assert "value: 205\n" in text  # not 205.0
    assert "  source: |-\n    In 1998 Peru and Ecuador signed\n    the Brasilia" in text
    assert "Brasília" not in text and "ONU" in text
    fact = yaml.safe_load(text)["facts"][0]
    assert list(fact)[:3] == ["id", "kind", "topic"]
    assert list(fact)[-1] == "source"


# --------------------------------------------------------------------------- errors


def test_bank_error_str() -> None:
    assert str(BankError("peru.yaml", "facts[12].date", 123, "bad")) == (
        "peru.yaml:123: facts[12].date: bad"
    )
    assert str(BankError("peru.yaml", "facts[12].date", None, "bad")) == (
        "peru.yaml: facts[12].date: bad"
    )
    assert str(BankError("<upload>", "", 4, "bad")) == "<upload>:4: bad"
    assert str(BankError("<upload>", "", None, "bad")) == "<upload>: bad"
    exc = BankValidationError([BankError("a", "", 1, "x"), BankError("a", "id", 2, "y")])
    assert str(exc) == "a:1: x\na:2: id: y"


def test_format_path() -> None:
    assert format_path(()) == ""
    assert format_path(("facts", 12, "date")) == "facts[12].date"
    assert format_path(("facts", 0, "prompts", "event.date")) == "facts[0].prompts['event.date']"
    assert format_path(("facts", 0, "members", 1)) == "facts[0].members[1]"


def test_default_filename_is_upload() -> None:
    with pytest.raises(BankValidationError) as info:
        parse_bank("")
    assert info.value.errors[0].file == "<upload>"


def test_parse_bank_returns_the_schema_model() -> None:
    assert type(parse_bank(MINIMAL)) is Bank
