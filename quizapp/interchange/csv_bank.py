"""CSV banks: a spreadsheet of flashcards, or of questions with their distractors, as a bank.

Two shapes, told apart by the header row (which is required):

- ``front,back[,topic]``: one ``card`` fact per row;
- ``question,answer,distractor1,distractor2,...[,topic]``: one ``choice`` fact per row, with
  at least two distractors that differ from the answer.

Column names are matched without regard to case, spaces or underscores; the delimiter may be
``,``, ``;`` or a tab (whichever makes a header). Every problem is reported at once, each with
its line and column. Cells are text and stay text: a cell such as ``=1+1`` or ``@SUM(A1)`` is
never evaluated here or in any export.

Fact ids are slugs of the front (or question) text, so uploading the same file again keeps the
students' progress; topic ids are slugs of the topic text (``general`` when none is given).
The bank then passes the same checks as a YAML bank (``parse_bank``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from pydantic import ValidationError

from ..core.bank import MAX_BANK_BYTES, BankError, BankValidationError, dump_bank, parse_bank
from ..core.distractors import is_catch_all, normalise
from ..core.schema import Bank

MAX_FIELD_CHARS = 5000
"""The longest text a bank holds (``schema.Text``)."""
MAX_SLUG_BASE = 80
"""Slugs may have 100 characters: room is left for a hash and a ``-2`` suffix."""
DEFAULT_TOPIC = ("general", "General")
SHAPES = (
    "front,back[,topic] for flashcards, or "
    "question,answer,distractor1,distractor2,...[,topic] for questions"
)
_DELIMITERS = (",", ";", "\t")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WHAT = {
    "front": "the front of the card",
    "back": "the back of the card",
    "question": "the question",
    "answer": "the right answer",
    "distractor": "a wrong answer",
    "topic": "the topic",
}


def parse_csv(
    content: bytes,
    *,
    filename: str,
    bank_id: str | None = None,
    title: str | None = None,
) -> Bank:
    """The bank a CSV file holds; ``BankValidationError`` lists every problem."""
    reader = _Reader(filename)
    text = reader.decode(content)
    if text is not None:
        reader.read(text)
    reader.raise_if_any()
    stem = PurePath(filename).stem
    data = reader.bank_data(
        bank_id if bank_id is not None else slugify(stem, fallback="csv-bank"),
        title if title is not None else _title_from(stem),
        PurePath(filename).name,
    )
    return reader.validate(data)


# --------------------------------------------------------------------------- ids


def slugify(text: str, *, fallback: str) -> str:
    """A stable id for a text: ``What is 2+2?`` → ``what-is-2-2``.

    Letters are reduced to ASCII (é → e). When some letters have no ASCII form (Greek,
    Japanese...), a hash of the text is appended, so that such texts still get distinct ids
    and the same text always the same one.
    """
    folded = unicodedata.normalize("NFKD", text.casefold())
    ascii_part = folded.encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_part).strip("-")
    if len(slug) > MAX_SLUG_BASE:
        cut = slug[:MAX_SLUG_BASE]
        slug = (cut.rsplit("-", 1)[0] if "-" in cut else cut).strip("-")
    lost = any(c.isalnum() and not c.isascii() for c in folded)
    if lost or not slug:
        digest = hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:10]
        slug = f"{slug or fallback}-{digest}"
    return slug


def _unique(slug: str, used: set[str]) -> str:
    candidate, n = slug, 1
    while candidate in used:
        n += 1
        candidate = f"{slug}-{n}"
    used.add(candidate)
    return candidate


def _title_from(stem: str) -> str:
    words = " ".join(stem.replace("_", " ").split())
    return (words[:1].upper() + words[1:]) or "CSV bank"


# --------------------------------------------------------------------------- header


def _role(name: str) -> str | None:
    key = re.sub(r"[\s_-]+", "", name.strip().lower())
    if key in _WHAT:
        return key
    return "distractor" if re.fullmatch(r"distractors?\d*", key) else None


@dataclass
class _Header:
    names: list[str]
    roles: list[str]
    kind: str

    def index(self, role: str) -> int:
        return self.roles.index(role)

    @property
    def required(self) -> int:
        """How many leading columns a row needs to hold every required one."""
        wanted = ("front", "back") if self.kind == "card" else ("question", "answer")
        last = max(self.index(r) for r in wanted)
        if self.kind == "choice":
            last = max(last, [i for i, r in enumerate(self.roles) if r == "distractor"][1])
        return last + 1


def _choose_delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    for delimiter in _DELIMITERS:
        cells = next(csv.reader([first], delimiter=delimiter), [])
        if {"front", "back", "question", "answer"} & {_role(c) for c in cells}:
            return delimiter
    return ","


# --------------------------------------------------------------------------- reading


@dataclass
class _Reader:
    filename: str
    errors: list[BankError] = field(default_factory=list)
    facts: list[dict[str, Any]] = field(default_factory=list)
    fact_lines: list[int] = field(default_factory=list)
    topics: dict[str, str] = field(default_factory=dict)
    _ids: set[str] = field(default_factory=set)

    def error(self, line: int | None, message: str) -> None:
        self.errors.append(BankError(self.filename, "", line, message))

    def raise_if_any(self) -> None:
        if self.errors:
            raise BankValidationError(self.errors)

    def decode(self, content: bytes) -> str | None:
        if len(content) > MAX_BANK_BYTES:
            self.error(
                None,
                f"the file is {len(content):,} bytes; a bank may be at most "
                f"{MAX_BANK_BYTES:,} bytes; split it into several files",
            )
            return None
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = content[: exc.start].count(b"\n") + 1
            self.error(
                line,
                f"the file is not valid UTF-8: byte {exc.start} (0x{content[exc.start]:02x}) is "
                f"an {exc.reason}; save the file as UTF-8 (in Excel: 'CSV UTF-8')",
            )
            return None
        return text.removeprefix("\ufeff")

    def read(self, text: str) -> None:
        rows = self._rows(text, _choose_delimiter(text))
        first = next(rows, None)
        if first is None:
            if not self.errors:  # else the header itself could not be read
                self.error(None, f"the file is empty; expected a header row: {SHAPES}")
            return
        header = self._header(*first)
        if header is None:
            return
        for line, cells in rows:
            self._row(header, line, cells)
        if not self.facts and not self.errors:
            self.error(None, f"no rows below the header; expected at least one {header.kind}")

    def _rows(self, text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
        """(first line, cells) of every record that is not blank. Quoted cells may hold
        delimiters and line breaks; ``strict`` makes a broken quote an error, not a guess."""
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        start = 1
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                self.error(start, _csv_problem(str(exc)))
                return
            if any(c.strip() for c in cells):  # spreadsheets write empty rows as ",,,"
                yield start, cells
            start = reader.line_num + 1

    def _header(self, line: int, cells: list[str]) -> _Header | None:
        names = [c.strip().removeprefix("\ufeff") for c in cells]
        roles = [_role(n) for n in names]
        found = set(roles)
        if not found & {"front", "back", "question", "answer"}:
            shown = ",".join(names)[:80]
            self.error(line, f"the first row must be a header, {SHAPES}; found '{shown}'")
            return None
        kind = "card" if found & {"front", "back"} else "choice"
        problems = []
        if kind == "card" and found & {"question", "answer", "distractor"}:
            problems.append(
                "the header mixes flashcard columns (front, back) with question columns "
                "(question, answer, distractor...); use one shape per file"
            )
        wanted = ("front", "back") if kind == "card" else ("question", "answer")
        for role in (*wanted, "topic"):
            count = roles.count(role)
            if count == 0 and role != "topic":
                problems.append(f"the header has no '{role}' column ({_WHAT[role]})")
            elif count > 1:
                problems.append(f"the header names the '{role}' column {count} times")
        if kind == "choice" and roles.count("distractor") < 2:
            problems.append(
                "the header needs at least two distractor columns (distractor1, distractor2)"
            )
        for number, (name, role) in enumerate(zip(names, roles, strict=True), start=1):
            if role is None:
                expected = "front, back, topic" if kind == "card" else "question, answer, "
                if kind == "choice":
                    expected += "distractor1, distractor2, ..., topic"
                label = f"'{name}'" if name else f"number {number} (it has no name)"
                problems.append(f"unknown column {label}; expected {expected}")
        for problem in problems:
            self.error(line, problem)
        if problems:
            return None
        return _Header(names, [r or "" for r in roles], kind)

    def _row(self, header: _Header, line: int, cells: list[str]) -> None:
        size = len(header.names)
        if len(cells) > size:
            self.error(
                line,
                f"{len(cells)} fields, but the header names {size} columns; put a field "
                "that contains the delimiter in double quotes",
            )
            return
        if len(cells) < header.required:
            needed = ", ".join(header.names[: header.required])
            self.error(
                line,
                f"only {len(cells)} field{'s' if len(cells) != 1 else ''}; expected at "
                f"least {header.required} ({needed})",
            )
            return
        # Line breaks inside quoted cells become plain "\n", whatever the file's own were.
        values = [_lines(c).strip() for c in cells] + [""] * (size - len(cells))
        ok = True
        for name, role, value in zip(header.names, header.roles, values, strict=True):
            ok = self._check_cell(line, name, role, value) and ok
        if not ok:
            return
        if header.kind == "card":
            self._card(header, line, values)
        else:
            self._choice(header, line, values)

    def _check_cell(self, line: int, name: str, role: str, value: str) -> bool:
        where = f"column '{name}'"
        if not value and role in ("front", "back", "question", "answer"):
            self.error(line, f"{where} is empty; expected {_WHAT[role]}")
            return False
        if len(value) > MAX_FIELD_CHARS:
            self.error(
                line,
                f"{where} has {len(value):,} characters; at most {MAX_FIELD_CHARS:,} are allowed",
            )
            return False
        bad = _CONTROL.search(value)
        if bad:
            self.error(
                line, f"{where} contains the control character U+{ord(bad[0]):04X}; remove it"
            )
            return False
        return True

    def _topic(self, header: _Header, values: list[str]) -> str:
        text = values[header.index("topic")] if "topic" in header.roles else ""
        if not text:
            self.topics.setdefault(*DEFAULT_TOPIC)
            return DEFAULT_TOPIC[0]
        topic_id = slugify(text, fallback="topic")
        self.topics.setdefault(topic_id, " ".join(text.split()))
        return topic_id

    def _add(self, line: int, key_text: str, fact: dict[str, Any]) -> None:
        fact_id = _unique(slugify(key_text, fallback="fact"), self._ids)
        self.facts.append({"id": fact_id, **fact})
        self.fact_lines.append(line)

    def _card(self, header: _Header, line: int, values: list[str]) -> None:
        front, back = values[header.index("front")], values[header.index("back")]
        fact = {"kind": "card", "topic": self._topic(header, values), "front": front}
        self._add(line, front, {**fact, "back": back, "source": _source(front, back)})

    def _choice(self, header: _Header, line: int, values: list[str]) -> None:
        question, answer = values[header.index("question")], values[header.index("answer")]
        key = normalise(answer)
        distractors: list[str] = []
        seen: dict[str, str] = {}
        ok = True
        for name, role, value in zip(header.names, header.roles, values, strict=True):
            if role != "distractor" or not value:
                continue
            where = f"column '{name}'"
            if normalise(value) == key:
                self.error(line, f"{where} is the answer itself; a distractor must be wrong")
                ok = False
            elif normalise(value) in seen:
                self.error(line, f"{where} repeats column '{seen[normalise(value)]}'")
                ok = False
            elif is_catch_all(value):
                self.error(
                    line,
                    f"{where}: '{value}' is never offered (it tests test-taking, not facts); "
                    "write a plausible wrong answer",
                )
                ok = False
            else:
                seen[normalise(value)] = name
                distractors.append(value)
        if ok and len(distractors) < 2:
            self.error(
                line,
                f"{len(distractors)} distractor{'s' if len(distractors) != 1 else ''}; a "
                "question needs at least two wrong answers",
            )
            ok = False
        if ok:
            fact = {"kind": "choice", "topic": self._topic(header, values), "question": question}
            self._add(
                line,
                question,
                {
                    **fact,
                    "answer": answer,
                    "distractors": distractors,
                    "source": _source(question, answer),
                },
            )

    # ----------------------------------------------------------------------- the bank

    def bank_data(self, bank_id: str, title: str, source_name: str) -> dict[str, Any]:
        return {
            "format": 1,
            "id": bank_id,
            "title": title,
            # A spreadsheet has no document: the file is the source.
            "source": {"title": source_name},
            "topics": [{"id": i, "title": t} for i, t in self.topics.items()],
            "facts": self.facts,
        }

    def validate(self, data: dict[str, Any]) -> Bank:
        """Run the checks of every bank; problems are placed at the row they came from."""
        bank: Bank | None = None
        try:
            bank = Bank.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                self._bank_error(".".join(str(p) for p in err["loc"]), err["msg"])
        self.raise_if_any()
        assert bank is not None
        dumped = dump_bank(bank)
        size = len(dumped.encode("utf-8"))
        if size > MAX_BANK_BYTES:
            self.error(
                None,
                f"this file makes a bank of {size:,} bytes; a bank may be at most "
                f"{MAX_BANK_BYTES:,} bytes; split it into several files",
            )
        self.raise_if_any()
        # No public function runs the whole-bank checks alone: read the bank back as a
        # YAML bank is read, and place its errors at the CSV rows.
        try:
            return parse_bank(dumped, filename=self.filename)
        except BankValidationError as exc:
            for error in exc.errors:
                self._bank_error(error.path, error.message)
        raise BankValidationError(self.errors)

    def _bank_error(self, path: str, message: str) -> None:
        found = re.match(r"facts(?:\[|\.)(\d+)\]?\.?(.*)", path)
        if found is None:
            self.error(None, f"{path}: {message}" if path else message)
            return
        line = self.fact_lines[int(found[1])]
        self.error(line, f"{found[2]}: {message}" if found[2] else message)


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _source(first: str, second: str) -> str:
    """The row as the fact's source (a CSV bank has no document to quote); cut to the
    longest text a bank holds, since it is only shown."""
    text = f"{first} — {second}"
    return text if len(text) <= MAX_FIELD_CHARS else text[: MAX_FIELD_CHARS - 1] + "…"


def _csv_problem(message: str) -> str:
    if "unexpected end of data" in message:
        return "a quoted field that starts on this line is never closed (a '\"' is missing)"
    if "expected after" in message:
        return (
            "text follows the closing '\"' of a quoted field; inside quotes, write a '\"' as '\"\"'"
        )
    if "field larger than field limit" in message:
        return f"a field is far longer than {MAX_FIELD_CHARS:,} characters"
    return f"unreadable CSV: {message}"
