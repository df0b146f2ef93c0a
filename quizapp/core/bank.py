"""Loading question banks: safe parsing, schema validation and whole-bank checks.

A bank is written by hand (or by a language model) and read by people who are not YAML
experts, so every problem is reported as ``file:line: path: message`` where the message says
what is wrong *and* what is expected, and every problem found is reported at once.

The stages, each guarding the next:

1. bytes: size limit, then strict UTF-8 decoding;
2. syntax: YAML composed into a node tree by a safe loader (or JSON by ``json``);
3. shape of the tree, before anything is constructed: only plain-data tags, a bounded number
   of aliases, values added by aliases and nesting levels (so alias bombs cost nothing);
4. construction into plain dicts and lists, recording the line of every path;
5. the pydantic schema (``schema.py``) and the checks that need the whole bank (ids,
   references, sources found in the document), reported together.
"""

from __future__ import annotations

import contextlib
import difflib
import gc
import json
import pathlib
import re
import types
import typing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ValidationError

from .dates import DateError, FuzzyDate
from .schema import Bank

MAX_BANK_BYTES = 2 * 1024 * 1024
"""Larger than any real bank (a long article gives a few hundred kB) and small enough that
parsing an upload stays cheap."""
MAX_ALIASES = 100
"""Aliases (``*name``) are legal YAML but banks hardly need them; many of them is a bomb."""
MAX_ALIAS_VALUES = 200_000
"""Values that aliases may add when expanded (a billion-laughs document adds 10**9). The
values written out plainly are bounded by ``MAX_BANK_BYTES`` instead."""
MAX_DEPTH = 20
"""A bank nests about 6 levels (bank, facts, fact, members, member, value)."""

Format = Literal["yaml", "json"]
DataPath = tuple[str | int, ...]
"""Where a value sits in the bank's data, e.g. ``("facts", 12, "date")``."""
Lines = dict[DataPath, int] | Callable[[], dict[DataPath, int]]
"""The line of every path, or how to find them when first needed."""


# --------------------------------------------------------------------------- errors


@dataclass(frozen=True)
class BankError:
    file: str
    """The file name as given, or ``"<upload>"``."""
    path: str
    """Where in the bank, e.g. ``facts[12].date``; ``""`` for the whole file."""
    line: int | None
    """1-based line in the YAML/JSON text, where known."""
    message: str
    """What is wrong and what is expected."""

    def __str__(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
        if self.path:
            parts.append(f" {self.path}")
        return ":".join(parts) + f": {self.message}"


class BankValidationError(Exception):
    """Every problem found in one bank; ``str()`` lists them one per line."""

    def __init__(self, errors: list[BankError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


def format_path(path: DataPath) -> str:
    """``("facts", 12, "date")`` → ``facts[12].date``; odd keys are quoted."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part):
            text += f".{part}" if text else part
        else:
            text += f"[{part!r}]"
    return text


class _Collector:
    """Errors of one file, each placed at the line of its path (or of the nearest parent)."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self._lines: dict[DataPath, int] = {}
        self._locate: Callable[[], dict[DataPath, int]] | None = None
        self.errors: list[BankError] = []
        self._seen: set[BankError] = set()

    @property
    def lines(self) -> dict[DataPath, int]:
        """The line of every path; found only when first asked (an error needs a line)."""
        if self._locate is not None:
            locate, self._locate = self._locate, None
            self._lines = locate()
        return self._lines

    @lines.setter
    def lines(self, lines: Lines) -> None:
        if callable(lines):
            self._locate = lines
        else:
            self._lines, self._locate = lines, None

    def line_of(self, path: DataPath) -> int | None:
        # A missing field has no line of its own: the parent mapping's line is the useful one.
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None

    def add(self, path: DataPath, message: str, line: int | None = None) -> None:
        if line is None:
            line = self.line_of(path)
        self.keep(BankError(self.filename, format_path(path), line, message))

    def keep(self, error: BankError) -> None:
        if error not in self._seen:  # the same problem found by two checks is shown once
            self._seen.add(error)
            self.errors.append(error)

    def raise_if_any(self) -> None:
        if self.errors:
            raise self.failure()

    def failure(self) -> BankValidationError:
        # File order reads best; errors without a line (rare) go last.
        ordered = sorted(self.errors, key=lambda e: (e.line is None, e.line or 0))
        return BankValidationError(ordered)


class _Fatal(Exception):
    """A problem that stops parsing early (no tree to check further)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message, self.line = message, line


# --------------------------------------------------------------------------- bytes → text


def _too_large(size: int) -> str:
    return (
        f"the file is {size:,} bytes; a bank may be at most {MAX_BANK_BYTES:,} bytes "
        f"({MAX_BANK_BYTES // (1024 * 1024)} MB); split it into several banks"
    )


def _decode(content: str | bytes) -> str:
    size = (
        len(content.encode("utf-8", "surrogatepass")) if isinstance(content, str) else len(content)
    )
    if size > MAX_BANK_BYTES:
        raise _Fatal(_too_large(size))
    if isinstance(content, str):
        text = content
    else:
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = content[exc.start]
            line = content[: exc.start].count(b"\n") + 1
            raise _Fatal(
                f"the file is not valid UTF-8: byte {exc.start} (0x{bad:02x}) is an "
                f"{exc.reason}; save the file as UTF-8",
                line,
            ) from None
    # A byte-order mark is harmless for YAML but json.loads refuses it.
    return text.removeprefix("\ufeff")


# --------------------------------------------------------------------------- YAML loader

_YAML_TAG = "tag:yaml.org,2002:"
_PLAIN_TAGS = frozenset(
    _YAML_TAG + t for t in ("str", "int", "float", "bool", "null", "seq", "map")
)
# Implicit types that turn innocent text into something else: 2004-11-04 into a date (the
# schema parses dates itself, at their precision), "<<" into a merge, "=" into a value.
_DROPPED_RESOLVERS = frozenset(
    _YAML_TAG + t for t in ("timestamp", "merge", "value", "yaml", "bool")
)
# YAML 1.1 also reads yes/no/on/off as booleans, which would make Norway's id "no" false.
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")


def plain_data_loader(base: type[Any]) -> type[Any]:
    """``base`` (a safe loader) with plain-data implicit types.

    Used only to compose a node tree; values are constructed by ``_Builder`` after the tree
    is checked. Both libyaml and the pure-Python parser keep line and column marks on every
    node.
    """
    loader = type("BankLoader", (base,), {})
    loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag not in _DROPPED_RESOLVERS]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    loader.add_implicit_resolver(_YAML_TAG + "bool", _BOOL, list("tTfF"))
    _quick_resolver(loader)
    return loader


def _quick_resolver(loader: type[Any]) -> None:
    """Give ``loader`` a ``resolve`` that does what PyYAML's does for a loader without path
    resolvers, in fewer steps: the composer calls it (and the two no-ops below) for every
    node, a third of the time libyaml takes to compose a large bank otherwise."""
    assert not loader.yaml_path_resolvers
    wildcard = loader.yaml_implicit_resolvers.get(None, [])
    by_first = {
        first: tuple(resolvers + wildcard)
        for first, resolvers in loader.yaml_implicit_resolvers.items()
        if first is not None
    }
    other = tuple(wildcard)
    scalar_node, sequence_node = yaml.ScalarNode, yaml.SequenceNode
    str_tag = loader.DEFAULT_SCALAR_TAG
    seq_tag, map_tag = loader.DEFAULT_SEQUENCE_TAG, loader.DEFAULT_MAPPING_TAG

    def resolve(self: Any, kind: type[yaml.Node], value: Any, implicit: Any) -> str:
        if kind is scalar_node:
            if implicit[0]:
                for tag, regexp in by_first.get(value[:1], other):
                    if regexp.match(value):
                        return tag  # type: ignore[no-any-return]
            return str_tag  # type: ignore[no-any-return]
        return seq_tag if kind is sequence_node else map_tag  # type: ignore[no-any-return]

    def descend_resolver(self: Any, current_node: Any, current_index: Any) -> None:
        pass

    def ascend_resolver(self: Any) -> None:
        pass

    loader.resolve = resolve
    loader.descend_resolver = descend_resolver
    loader.ascend_resolver = ascend_resolver
    # For ``_quick_tree``, which resolves most scalars without calling ``resolve``.
    loader.implicit_by_first = by_first
    loader.implicit_other = other


# libyaml when PyYAML was built with it: several times faster on a large bank.
BankLoader = plain_data_loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _show_tag(tag: str) -> str:
    return "!!" + tag.removeprefix(_YAML_TAG) if tag.startswith(_YAML_TAG) else tag


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


_YAML_HINTS: tuple[tuple[str, str], ...] = (
    (
        "mapping values are not allowed",
        "a ': ' cannot appear here; put text that contains ': ' in quotes",
    ),
    ("tab character", "a tab indents this line; indent with spaces, not tabs"),
    ("cannot start any token", "this character cannot start a value; put the text in quotes"),
    ("found unexpected end of stream", "the quoted text is never closed"),
    (
        "did not find expected key",
        "the indentation is wrong, or this line is not 'key: value' or '- item'",
    ),
    (
        "expected <block end>",
        "the indentation is wrong, or this line is not 'key: value' or '- item'",
    ),
    (
        "did not find expected '-' indicator",
        "the indentation is wrong: every item of this list starts with '- ' at the same column",
    ),
    ("could not find expected ':'", "a line has no ':'; expected 'key: value'"),
    ("expected ',' or ']'", "the list opened with '[' is not closed with ']'"),
    ("did not find expected ',' or ']'", "the list opened with '[' is not closed with ']'"),
    ("expected ',' or '}'", "the mapping opened with '{' is not closed with '}'"),
    ("did not find expected ',' or '}'", "the mapping opened with '{' is not closed with '}'"),
    ("found undefined alias", "an alias '*name' refers to no anchor '&name' above it"),
    ("found duplicate anchor", "the same anchor '&name' is defined twice"),
    ("found another document", "a bank is a single YAML document; remove the '---' line"),
    (
        "found unknown escape character",
        "unknown escape in double-quoted text; write '\\\\' for a backslash, or use single quotes",
    ),
    ("exceeded maximum nesting depth", f"nested far more than {MAX_DEPTH} levels deep"),
)


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.split("\n")
    return lines[line][column : column + 1] if line < len(lines) else ""


def _yaml_syntax_error(exc: yaml.YAMLError, text: str) -> _Fatal:
    """The parser's problem in plain words, at its line and column."""
    if isinstance(exc, yaml.reader.ReaderError):
        # Raised on control characters; its position is an index into the text.
        line = text.count("\n", 0, exc.position) + 1
        return _Fatal(
            f"character #x{exc.character:04x} is not allowed in YAML (control characters "
            "are not); remove it",
            line,
        )
    if not isinstance(exc, yaml.MarkedYAMLError):
        return _Fatal(f"invalid YAML: {exc}")
    mark = exc.problem_mark or exc.context_mark
    problem = (exc.problem or exc.context or "invalid YAML").strip()
    context = (exc.context or "") + " " + problem
    if mark is not None and _char_at(text, mark.line, mark.column) == "\t":
        context += " tab character"  # the pure-Python and libyaml messages differ here
    words = next((hint for key, hint in _YAML_HINTS if key in context), problem)
    where = ""
    opened = exc.context_mark
    # Where an unclosed quote, bracket or block began is often far above the error.
    spans = any(w in (exc.context or "") for w in ("quoted", "flow", "block", "simple key"))
    if spans and opened is not None and mark is not None and opened.line != mark.line:
        where = f" (it starts at line {opened.line + 1})"
    if mark is None:
        return _Fatal(f"invalid YAML: {words}{where}")
    return _Fatal(f"invalid YAML at column {mark.column + 1}: {words}{where}", mark.line + 1)


def _compose(text: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=BankLoader)
    except yaml.YAMLError as exc:
        raise _yaml_syntax_error(exc, text) from None
    except RecursionError:
        # Only the pure-Python composer recurses; libyaml stops at 1000 levels itself.
        raise _Fatal(f"nested far more than {MAX_DEPTH} levels deep") from None


# --------------------------------------------------------------------------- tree checks


class _TreeChecker:
    """Checks the composed tree *before* anything is constructed.

    An alias is the same node object reached again, so a billion-laughs document is a tiny
    tree here; sizes and heights are memoised per node, which makes this linear in the text.
    An alias node carries the marks of its anchor, so problems with an alias are placed at
    the line that refers to it: its key's line, or the start of the list holding it.
    """

    def __init__(self, errors: _Collector) -> None:
        self.errors = errors
        # Nodes hash by identity; as keys they spread better than id(node) (aligned addresses).
        self.known: dict[yaml.Node, tuple[int, int]] = {}  # node → (expanded size, height)
        self.open: set[yaml.Node] = set()  # nodes being visited: meeting one again is a cycle
        self.aliases = 0
        self.alias_values = 0  # values the aliases met so far would add when expanded

    def check(self, root: yaml.Node) -> None:
        self._visit(root, 1, _line(root))

    def _visit(self, node: yaml.Node, depth: int, at: int) -> tuple[int, int]:
        if node in self.known:
            return self._revisit(node, depth, at)
        if node in self.open:
            raise _Fatal("an alias refers to the value that contains it; banks are plain data", at)
        if depth > MAX_DEPTH:
            raise _Fatal(
                f"nested more than {MAX_DEPTH} levels deep; a bank needs about 6 "
                "(bank, facts, fact, members, member, value)",
                _line(node),
            )
        if node.tag not in _PLAIN_TAGS:
            self.errors.add(
                (), f"tag '{_show_tag(node.tag)}' is not allowed; banks are plain data", _line(node)
            )
        if isinstance(node, yaml.ScalarNode):
            self.known[node] = (1, 1)
            return 1, 1
        self.open.add(node)
        sizes = [self._visit(child, depth + 1, line) for child, line in self._children(node)]
        self.open.discard(node)
        result = (1 + sum(s for s, _ in sizes), 1 + max((h for _, h in sizes), default=0))
        self.known[node] = result
        return result

    def _revisit(self, node: yaml.Node, depth: int, at: int) -> tuple[int, int]:
        self.aliases += 1
        if self.aliases > MAX_ALIASES:
            raise _Fatal(
                f"more than {MAX_ALIASES} aliases ('*name'); write the values out instead", at
            )
        size, height = self.known[node]
        # The expanded tree is the written one plus, for each alias, its anchor's expanded
        # size: counting that as aliases are met stops a bomb at the alias that sets it off.
        self.alias_values += size
        if self.alias_values > MAX_ALIAS_VALUES:
            raise _Fatal(
                f"aliases ('*name') here expand to more than {MAX_ALIAS_VALUES:,} values, "
                "which looks like an alias bomb; write the values out instead",
                at,
            )
        if depth + height - 1 > MAX_DEPTH:
            raise _Fatal(f"an alias here nests the bank more than {MAX_DEPTH} levels deep", at)
        return size, height

    @staticmethod
    def _children(node: yaml.Node) -> list[tuple[yaml.Node, int]]:
        """Each child with the line that refers to it."""
        if isinstance(node, yaml.SequenceNode):
            line = _line(node)
            return [(child, line) for child in node.value]
        pairs = []
        for key_node, value_node in node.value:
            line = _line(key_node)
            pairs += [(key_node, line), (value_node, line)]
        return pairs


class _Builder:
    """Constructs plain data from a checked tree, recording the line of every path."""

    def __init__(self, errors: _Collector) -> None:
        self.errors = errors
        self.lines: dict[DataPath, int] = {}
        self._scalars = yaml.constructor.SafeConstructor()

    def build(self, node: yaml.Node, path: DataPath = ()) -> Any:
        self.lines.setdefault(path, _line(node))
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, (*path, i)) for i, child in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        return self._scalar(node, path)

    def _mapping(self, node: yaml.MappingNode, path: DataPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.errors.add(
                    path, "a key must be plain text, not a list or mapping", _line(key_node)
                )
                continue
            # The key's text as written: "1998:" is the key "1998", never the number.
            key = key_node.value
            child = (*path, key)
            if key in result:
                first = self.lines[child]
                self.errors.add(
                    child,
                    f"duplicate key '{key}' (first at line {first}); keep one",
                    _line(key_node),
                )
                continue
            self.lines[child] = _line(key_node)
            result[key] = self.build(value_node, child)
        return result

    def _scalar(self, node: yaml.ScalarNode, path: DataPath) -> Any:
        if node.tag == _YAML_TAG + "str" or node.tag not in _PLAIN_TAGS:
            return node.value  # disallowed tags are already reported; never construct them
        try:
            return self._scalars.construct_object(node)
        except (ValueError, KeyError, yaml.YAMLError):  # e.g. "!!int abc", "!!bool maybe"
            self.errors.add(
                path, f"{_quote(node.value)} is not a valid {_show_tag(node.tag)}", _line(node)
            )
            return node.value


class _NeedsCare(Exception):
    """The quick build met something that the careful one reports (or checks) in detail."""


_TAG_STR = _YAML_TAG + "str"
# What ``construct_object`` calls for these scalar tags, called directly.
_QUICK_SCALARS = {
    _YAML_TAG + t: yaml.constructor.SafeConstructor.yaml_constructors[_YAML_TAG + t]
    for t in ("int", "float", "bool", "null")
}


def _quick_tree(text: str) -> Any:
    """Plain data from a text without anchors (so without aliases: nothing to expand), as
    ``_compose`` then ``_TreeChecker`` and ``_Builder`` would give it but without recording
    lines, which a valid bank never needs, and built straight from the parser's events: no
    node tree (a quarter less time to read a large bank's YAML). Raises ``_NeedsCare`` at
    anything either of them would report (a forbidden tag, deep nesting, a key that is not
    text, a duplicate key, a bad scalar) and ``yaml.YAMLError`` at a syntax error (which
    ``_compose`` then reports): the careful path finds and words every problem."""
    parser = BankLoader(text)
    try:
        return _build_from_events(parser)
    finally:
        parser.dispose()


def _build_from_events(parser: Any) -> Any:
    get, resolve = parser.get_event, parser.resolve
    by_first, other = parser.implicit_by_first, parser.implicit_other
    constructor = yaml.constructor.SafeConstructor()
    plain, quick = _PLAIN_TAGS, _QUICK_SCALARS
    scalar_node, scalar_event = yaml.ScalarNode, yaml.ScalarEvent
    map_start, seq_start = yaml.MappingStartEvent, yaml.SequenceStartEvent
    map_end, seq_end = yaml.MappingEndEvent, yaml.SequenceEndEvent

    def value(event: Any, depth: int) -> Any:
        cls = event.__class__
        if cls is scalar_event:
            if depth > MAX_DEPTH or event.anchor is not None:
                raise _NeedsCare
            text, tag = event.value, event.tag
            if tag is None:
                # Plain text unless an implicit type may match it (inlined ``resolve``: most
                # values of a bank are text whose first character no implicit type starts with).
                if not event.implicit[0] or not by_first.get(text[:1], other):
                    return text
                tag = resolve(scalar_node, text, event.implicit)
            elif tag == "!":
                tag = resolve(scalar_node, text, event.implicit)
            if tag == _TAG_STR:
                return text
            construct = quick.get(tag)
            if construct is None:  # a forbidden tag, or !!seq on a scalar
                raise _NeedsCare
            try:
                return construct(constructor, scalar_node(tag, text))
            except (ValueError, KeyError, yaml.YAMLError):
                raise _NeedsCare from None
        if cls is not map_start and cls is not seq_start:
            raise _NeedsCare  # an alias
        if depth > MAX_DEPTH or event.anchor is not None:
            raise _NeedsCare
        tag = event.tag
        if tag is not None and tag != "!" and tag not in plain:
            raise _NeedsCare
        depth += 1
        if cls is seq_start:
            items = []
            while (event := get()).__class__ is not seq_end:
                items.append(value(event, depth))
            return items
        result: dict[str, Any] = {}
        while (event := get()).__class__ is not map_end:
            if event.__class__ is not scalar_event or event.anchor is not None:
                raise _NeedsCare  # a key that is a list or mapping, or an alias
            # The key's text as written: "1998:" is the key "1998", never the number. (An
            # implicit tag is always a plain one.)
            key, tag = event.value, event.tag
            if tag is not None and tag != "!" and tag not in plain:
                raise _NeedsCare
            if key in result:
                raise _NeedsCare
            result[key] = value(get(), depth)
        return result

    if get().__class__ is not yaml.StreamStartEvent:
        raise _NeedsCare
    if get().__class__ is not yaml.DocumentStartEvent:
        raise _NeedsCare  # an empty text
    root = value(get(), 1)
    if get().__class__ is not yaml.DocumentEndEvent or get().__class__ is not yaml.StreamEndEvent:
        raise _NeedsCare  # several documents
    return root


def _careful_tree(root: yaml.Node, errors: _Collector) -> tuple[Any, dict[DataPath, int]]:
    _TreeChecker(errors).check(root)
    errors.raise_if_any()  # a forbidden tag: build nothing from this tree
    builder = _Builder(errors)
    return builder.build(root), builder.lines


def _yaml_lines(text: str) -> dict[DataPath, int]:
    """The line of every path of a text that ``_quick_tree`` read (composed: only a bank
    with errors needs its lines)."""
    root = _compose(text)
    return {} if root is None else _careful_tree(root, _Collector("<lines>"))[1]


def _yaml_tree(text: str, errors: _Collector) -> tuple[Any, Lines]:
    if "&" not in text:  # no anchor, so no alias: a plain tree, built quickly
        try:
            return _quick_tree(text), lambda: _yaml_lines(text)
        except (_NeedsCare, yaml.YAMLError):
            pass  # composed again below, which words the problem and finds its line
    root = _compose(text)
    if root is None:
        return None, {}
    return _careful_tree(root, errors)


# --------------------------------------------------------------------------- JSON

_JSON_HINTS = {
    "Expecting property name enclosed in double quotes": "expected a key in double quotes "
    "(is there a comma before '}'?)",
    "Expecting value": "expected a value (is there a comma before ']' or '}'?)",
    "Expecting ',' delimiter": "expected ',' between values",
    "Expecting ':' delimiter": "expected ':' after the key",
    "Extra data": "unexpected text after the end of the bank",
}


def _json_tree(text: str, errors: _Collector) -> tuple[Any, Lines]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        words = _JSON_HINTS.get(exc.msg, exc.msg)
        raise _Fatal(f"invalid JSON at column {exc.colno}: {words}", exc.lineno) from None
    except ValueError as exc:  # a number with thousands of digits
        raise _Fatal(f"invalid JSON: {exc}") from None
    except RecursionError:
        raise _Fatal(f"nested far more than {MAX_DEPTH} levels deep") from None
    # JSON is (nearly) YAML, so the YAML tree gives the lines and finds duplicate keys,
    # which json.loads silently merges. If the YAML reading differs, lines are unknown.
    side = _Collector(errors.filename)
    lines: Lines
    try:
        _, lines = _yaml_tree(text, side)
    except (_Fatal, BankValidationError):
        lines = {}
        _check_depth(data)
    for error in side.errors:
        if "duplicate key" in error.message:
            errors.keep(error)
    return data, lines


def _check_depth(data: Any) -> None:
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _Fatal(f"nested more than {MAX_DEPTH} levels deep; a bank needs about 6")
        children = value.values() if isinstance(value, dict) else value
        if isinstance(value, dict | list):
            stack.extend((child, depth + 1) for child in children)


# --------------------------------------------------------------------------- schema errors


def _unwrap(annotation: Any) -> Any:
    """Strip ``Annotated`` and ``| None`` so the type underneath shows."""
    while True:
        if typing.get_origin(annotation) is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
            continue
        if typing.get_origin(annotation) in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) == 1:
                annotation = args[0]
                continue
        return annotation


def _tagged_models(annotation: Any) -> dict[str, type[BaseModel]]:
    """``{"event": EventFact, ...}`` when the annotation is a union of models by ``kind``."""
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return {}
    models: dict[str, type[BaseModel]] = {}
    for arg in typing.get_args(annotation):
        field = getattr(arg, "model_fields", {}).get("kind")
        if field is not None:
            models.update(dict.fromkeys(typing.get_args(field.annotation), arg))
    return models


def _child_annotation(annotation: Any, part: str | int) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(str(part))
        return field.annotation if field else None
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is list and args:
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    return None


def _resolve_loc(loc: tuple[str | int, ...]) -> tuple[DataPath, Any]:
    """A pydantic loc as a data path, and the (unwrapped) type expected there.

    Pydantic adds parts that are not in the data: the tag of a discriminated union
    (``facts, 12, 'event', date``) and ``'[key]'`` for dict keys; both are dropped.
    """
    path: list[str | int] = []
    current: Any = Bank
    for part in loc:
        current = _unwrap(current)
        models = _tagged_models(current)
        if models and isinstance(part, str) and part in models:
            current = models[part]
            continue
        if part == "[key]":
            current = None
            continue
        path.append(part)
        current = _child_annotation(current, part)
    return tuple(path), _unwrap(current)


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _quote(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "…")


def _join(options: Iterable[Any]) -> str:
    items = [str(o) for o in options]
    if any(" " in i for i in items):
        items = [repr(i) for i in items]
    return ", ".join(items)


_SLUG_HELP = "use lower-case letters, digits, '-', '_' and '.', starting with a letter or digit"


def _schema_message(err: Any, path: DataPath, expected: Any) -> tuple[DataPath, str]:
    """One pydantic error as (path, message saying what is expected)."""
    kind, value, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    name = next((p for p in reversed(path) if isinstance(p, str)), "value")
    if kind == "missing":
        return path, f"field required: '{path[-1]}'"
    if kind == "extra_forbidden":
        return path, _unknown_field(err["loc"], str(path[-1]))
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tags = _join(_tagged_models(expected)) or ctx.get("expected_tags", "")
        noun = name.removesuffix("s")
        if kind == "union_tag_not_found":
            return (*path, "kind"), f"field required: 'kind' (one of {tags})"
        tag = ctx.get("tag", value)
        return (*path, "kind"), f"{_describe(tag)} is not a {noun} kind; expected one of {tags}"
    if kind == "value_error":
        error = ctx.get("error")
        return path, str(error) if error else err["msg"].removeprefix("Value error, ")
    if kind == "literal_error":
        options = typing.get_args(expected)
        if len(options) == 1:
            return path, f"expected {options[0]}, got {_describe(value)}"
        return path, f"{_describe(value)} is not a valid {name}; expected one of {_join(options)}"
    if kind == "string_pattern_mismatch":
        return path, _pattern_message(value, ctx.get("pattern", ""), name)
    return path, _simple_message(kind, value, ctx, err["msg"])


def _pattern_message(value: Any, pattern: str, name: str) -> str:
    if pattern.startswith("^[a-z0-9]"):
        return f"{_describe(value)} is not a valid id; {_SLUG_HELP}"
    if name == "language":
        return f"{_describe(value)} is not a language code; expected e.g. en, es or pt-BR"
    return f"{_describe(value)} does not match the pattern {pattern}"


_TYPE_NAMES = {
    "string": "text",
    "float": "a number",
    "int": "a whole number",
    "bool": "true or false",
    "list": "a list",
    "dict": "a mapping (key: value lines)",
    "model": "a mapping (key: value lines)",
    "model_attributes": "a mapping (key: value lines)",
}


def _simple_message(kind: str, value: Any, ctx: dict[str, Any], msg: str) -> str:
    base, _, suffix = kind.rpartition("_")
    if suffix in ("type", "parsing") and base in _TYPE_NAMES:
        hint = "; put it in quotes" if base == "string" and value is not None else ""
        return f"expected {_TYPE_NAMES[base]}, got {_describe(value)}{hint}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"too long ({len(value)} characters); at most {ctx.get('max_length')}"
    if kind == "too_short":
        least, got = ctx.get("min_length"), ctx.get("actual_length")
        return f"needs at least {least} item{'s' if least != 1 else ''}, got {got}"
    if kind == "too_long":
        return f"has {ctx.get('actual_length')} items; at most {ctx.get('max_length')}"
    return msg[:1].lower() + msg[1:]


def _unknown_field(loc: tuple[str | int, ...], field: str) -> str:
    _, model = _resolve_loc(loc[:-1])
    allowed = list(getattr(model, "model_fields", {}))
    close = difflib.get_close_matches(field, allowed, n=1, cutoff=0.6)
    if close:
        return f"unknown field '{field}' (did you mean '{close[0]}'?)"
    if allowed:
        return f"unknown field '{field}'; expected one of {', '.join(allowed)}"
    return f"unknown field '{field}'"


def _validate(data: Any, errors: _Collector) -> Bank | None:
    if data is None:
        errors.add(
            (), "the file is empty; expected a bank with id, title, source, topics and facts"
        )
        return None
    try:
        return Bank.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            path, expected = _resolve_loc(err["loc"])
            if not path and err["type"] in ("model_type", "dict_type"):
                errors.add(
                    (),
                    f"expected a mapping with the bank's fields (id, title, source, "
                    f"topics, facts), got {_describe(err.get('input'))}",
                )
                continue
            where, message = _schema_message(err, path, expected)
            errors.add(where, message)
        return None


# --------------------------------------------------------------------------- whole-bank checks

# Fields of facts that name an entity; each holds one id or a list of ids.
ENTITY_REF_FIELDS = (
    "group",
    "parties",
    "person",
    "organization",
    "actor",
    "territory",
    "agreement",
)


def _fact_models() -> dict[str, type[BaseModel]]:
    facts = _unwrap(Bank.model_fields["facts"].annotation)
    return _tagged_models(_unwrap(typing.get_args(facts)[0]))


def _dicts(data: Any, key: str) -> list[tuple[int, dict[str, Any]]]:
    """``data[key]`` as (index, mapping) pairs, skipping anything malformed (the schema
    reports that)."""
    items = data.get(key) if isinstance(data, dict) else None
    if not isinstance(items, list):
        return []
    return [(i, item) for i, item in enumerate(items) if isinstance(item, dict)]


def _unknown(noun: str, name: str, known: Iterable[str], section: str) -> str:
    """The message for an undeclared id, suggesting declared ids that look alike."""
    close = difflib.get_close_matches(name, list(known), n=2, cutoff=0.6)
    if not close:
        return f"unknown {noun} '{name}'; declare it under {section}"
    options = " or ".join(f"'{c}'" for c in close)
    return f"unknown {noun} '{name}'; did you mean {options}? Declare it under {section}"


def _check_duplicate_ids(data: Any, errors: _Collector) -> None:
    for key, noun in (("topics", "topic"), ("entities", "entity"), ("facts", "fact")):
        first: dict[str, int] = {}
        for i, item in _dicts(data, key):
            item_id = item.get("id")
            if not isinstance(item_id, str):
                continue
            if item_id in first:
                at = (key, first[item_id])
                line = errors.line_of((*at, "id"))
                where = f"{format_path(at)}, line {line}" if line else format_path(at)
                errors.add((key, i, "id"), f"duplicate {noun} id '{item_id}' (first at {where})")
            else:
                first[item_id] = i


def _check_references(data: Any, errors: _Collector) -> None:
    entities, topics = _declared(data, "entities"), _declared(data, "topics")
    ref_fields = {
        kind: [f for f in ENTITY_REF_FIELDS if f in model.model_fields]
        for kind, model in _fact_models().items()
    }
    for i, fact in _dicts(data, "facts"):
        path: DataPath = ("facts", i)
        topic = fact.get("topic")
        if isinstance(topic, str) and topics is not None and topic not in topics:
            errors.add((*path, "topic"), _unknown("topic", topic, topics, "topics"))
        kind = fact.get("kind")
        fields = ref_fields.get(kind) if isinstance(kind, str) else None
        if fields is None:
            continue  # an unknown kind is reported by the schema; its fields mean nothing
        for field in fields:
            if field in fact:
                _check_refs(fact[field], (*path, field), entities, errors)
        for j, member in _dicts(fact, "members"):
            _check_refs(member.get("entity"), (*path, "members", j, "entity"), entities, errors)
        if fact.get("kind") == "membership":
            _check_members(fact, path, errors)


def _declared(data: Any, key: str) -> set[str] | None:
    """The ids declared under ``key``; None when that section is malformed, since every
    reference would then look unknown (the schema reports the section itself)."""
    section = data.get(key, []) if isinstance(data, dict) else None
    if not isinstance(section, list):
        return None
    return {item["id"] for _, item in _dicts(data, key) if isinstance(item.get("id"), str)}


def _check_refs(value: Any, path: DataPath, entities: set[str] | None, errors: _Collector) -> None:
    if entities is None:
        return
    if isinstance(value, str):
        if value not in entities:
            errors.add(path, _unknown("entity", value, entities, "entities"))
    elif isinstance(value, list):
        for j, ref in enumerate(value):
            if isinstance(ref, str) and ref not in entities:
                errors.add((*path, j), _unknown("entity", ref, entities, "entities"))


def _check_members(fact: dict[str, Any], path: DataPath, errors: _Collector) -> None:
    # The same entity may appear twice with different roles (observer, then member);
    # twice with the same role is a copy-paste slip that would skew the questions.
    seen: dict[tuple[str, str], int] = {}
    for j, member in _dicts(fact, "members"):
        where: DataPath = (*path, "members", j)
        entity, role = member.get("entity"), member.get("role", "member")
        if isinstance(entity, str) and isinstance(role, str):
            if (entity, role) in seen:
                errors.add(
                    (*where, "entity"),
                    f"'{entity}' is listed twice as {role} in this "
                    f"membership (first at members[{seen[entity, role]}])",
                )
            else:
                seen[entity, role] = j
        _check_member_dates(member, where, errors)


def _check_member_dates(member: dict[str, Any], where: DataPath, errors: _Collector) -> None:
    if "since" not in member or "until" not in member:
        return  # nothing to compare
    try:
        since = FuzzyDate.parse(member["since"])
        until = FuzzyDate.parse(member["until"])
    except (KeyError, TypeError, ValueError, DateError):
        return  # absent or malformed: nothing to compare (the schema reports malformed)
    # Fuzzy dates overlap when they share a period (since 1998, until 1998-05 is fine).
    if since.start > until.end:
        errors.add(
            (*where, "until"),
            f"'until' {until.iso()} is before 'since' {since.iso()}; "
            "a membership must end after it starts",
        )


def _check_prompts(data: Any, errors: _Collector) -> None:
    known = _template_ids()
    kinds = _fact_models()
    for i, fact in _dicts(data, "facts"):
        prompts = fact.get("prompts")
        if not isinstance(prompts, dict):
            continue
        for key in prompts:
            message = _prompt_key_problem(str(key), fact.get("kind"), known, kinds)
            if message:
                errors.add(("facts", i, "prompts", key), message)


def _template_ids() -> tuple[str, ...] | None:
    try:
        # Imported here: templates may import bank, and may not exist yet.
        from .templates import TEMPLATE_IDS
    except ImportError:
        return None
    return tuple(TEMPLATE_IDS)


def _prompt_key_problem(
    key: str, kind: Any, known: tuple[str, ...] | None, kinds: dict[str, Any]
) -> str | None:
    if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", key):
        return None  # not even an id: the schema reports it
    if not re.fullmatch(r"[a-z0-9_-]+\.[a-z0-9_-]+", key):
        return f"'{key}' is not a template id; expected kind.name such as event.date"
    prefix = key.partition(".")[0]
    if prefix in kinds and isinstance(kind, str) and kind in kinds and prefix != kind:
        article = "an" if kind[0] in "aeiou" else "a"
        return f"template '{key}' is for {prefix} facts; this is {article} {kind} fact"
    if known is not None and key not in known:
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        if close:
            return f"unknown template id '{key}'; did you mean '{close[0]}'?"
        return f"unknown template id '{key}'; expected one of {', '.join(known)}"
    return None


# --------------------------------------------------------------------------- sources


def _normalise(text: str) -> str:
    """Runs of whitespace as one space: line breaks in the document or the bank don't count."""
    return " ".join(text.split())


def _document_path(source_text: str, base_dir: pathlib.Path) -> pathlib.Path | None:
    """The document beside the bank, or None when the name would leave the bank's folder."""
    base = pathlib.Path(base_dir).resolve()
    path = (base / source_text).resolve()
    return path if path.is_relative_to(base) else None


def load_document_text(bank: Bank, base_dir: str | pathlib.Path | None) -> str | None:
    """The text of ``bank.source_text`` beside the bank, or None when the bank names no
    document, no folder is given, or the file is missing, unreadable or outside the folder."""
    if bank.source_text is None or base_dir is None:
        return None
    path = _document_path(bank.source_text, pathlib.Path(base_dir))
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None


def _read_document(
    data: Any, document_text: str | None, base_dir: pathlib.Path | None, errors: _Collector
) -> tuple[str, str] | None:
    """(name, text) of the document to check sources against, reporting why it is missing."""
    name = data.get("source_text") if isinstance(data, dict) else None
    if not isinstance(name, str) or not name.strip():
        return ("the document", document_text) if document_text is not None else None
    name = name.strip()
    if document_text is not None:
        return name, document_text
    if base_dir is None:
        errors.add(
            ("source_text",),
            f"the document '{name}' was not supplied with the bank; upload its text too",
        )
        return None
    path = _document_path(name, base_dir)
    if path is None:
        errors.add(
            ("source_text",),
            f"'{name}' is outside the bank's folder; put the document "
            "beside the bank and give its file name",
        )
        return None
    try:
        return name, path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        errors.add(
            ("source_text",), f"the document '{name}' is not in {base_dir}; put it beside the bank"
        )
    except UnicodeDecodeError as exc:
        errors.add(
            ("source_text",),
            f"the document '{name}' is not valid UTF-8 (byte {exc.start}); save it as UTF-8",
        )
    except OSError as exc:
        errors.add(("source_text",), f"the document '{name}' cannot be read: {exc.strerror}")
    return None


def _check_sources(data: Any, document: tuple[str, str], errors: _Collector) -> None:
    name, text = document
    haystack = _normalise(text)
    for i, fact in _dicts(data, "facts"):
        source = fact.get("source")
        if not isinstance(source, str) or not source.strip():
            continue
        needle = _normalise(source)
        if needle in haystack:
            continue
        errors.add(
            ("facts", i, "source"),
            f"{_quote(needle)} not found in {name}; copy the "
            f"sentence verbatim{_where_it_differs(needle, haystack)}",
        )


def _where_it_differs(needle: str, haystack: str) -> str:
    """Where a near-verbatim copy goes wrong: the longest start of it found in the document."""
    low, high = 0, len(needle)  # invariant: needle[:low] is found, needle[:high + 1] is not
    while low < high:
        mid = (low + high + 1) // 2
        if needle[:mid] in haystack:
            low = mid
        else:
            high = mid - 1
    if low < 15:
        return ""
    return f" (it matches the document up to {_quote(needle[max(0, low - 30) : low])})"


# --------------------------------------------------------------------------- public API


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a bank is parsed.

    Parsing creates a few hundred thousand small objects that all stay alive; the collector
    rescans them again and again, finding nothing, which makes a large bank 3-4 times slower
    to load. Nothing built here forms cycles that need it.

    What was built is then moved to the oldest generation (``gc.freeze`` then
    ``gc.unfreeze``, which moves lists without visiting them): otherwise the first young
    collection after the pause visits every object built, and the next ones visit them again.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def _detect_format(filename: str, fmt: Format | None) -> Format:
    if fmt is not None:
        return fmt
    return "json" if filename.lower().endswith(".json") else "yaml"


def parse_bank(
    content: str | bytes,
    *,
    filename: str = "<upload>",
    document_text: str | None = None,
    base_dir: pathlib.Path | None = None,
    fmt: Format | None = None,
) -> Bank:
    """Parse and check one bank; raise ``BankValidationError`` listing every problem.

    ``document_text`` is the text sources must occur in (an upload brings it along);
    otherwise ``source_text`` is read from ``base_dir``.
    """
    errors = _Collector(filename)
    with _gc_paused():
        data = _read_tree(content, _detect_format(filename, fmt), errors)
        bank = _validate(data, errors)
        _check_duplicate_ids(data, errors)
        _check_references(data, errors)
        _check_prompts(data, errors)
        document = _read_document(data, document_text, base_dir, errors)
        if document is not None:
            _check_sources(data, document, errors)
    errors.raise_if_any()
    assert bank is not None  # no errors means the schema passed
    return bank


def _read_tree(content: str | bytes, fmt: Format, errors: _Collector) -> Any:
    """Plain data from the content, recording lines in ``errors``; raises at once when
    there is no trustworthy tree to check further."""
    try:
        text = _decode(content)
        reader = _json_tree if fmt == "json" else _yaml_tree
        data, errors.lines = reader(text, errors)
    except _Fatal as fatal:
        errors.add((), fatal.message, fatal.line)
        raise errors.failure() from None
    return data


_SUFFIXES: dict[str, Format] = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}


def _file_error(name: str, message: str) -> BankValidationError:
    return BankValidationError([BankError(name, "", None, message)])


def load_bank(path: str | pathlib.Path) -> Bank:
    """Read and check a bank file; its document is looked for in the same folder."""
    path = pathlib.Path(path)
    name = str(path)
    fmt = _SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise _file_error(
            name, f"'{path.suffix}' is not a bank file; expected .yaml, .yml or .json"
        )
    try:
        size = path.stat().st_size
        # Refuse a huge file without reading it into memory.
        content = path.read_bytes() if size <= MAX_BANK_BYTES else b""
    except OSError as exc:
        raise _file_error(name, f"cannot read the file: {exc.strerror}") from None
    if size > MAX_BANK_BYTES:
        raise _file_error(name, _too_large(size))
    return parse_bank(content, filename=name, base_dir=path.parent, fmt=fmt)


# --------------------------------------------------------------------------- dumping


class _BankDumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """yaml.safe_dump's dumper (libyaml's when built: several times faster) that writes
    multi-line text as a ``|`` block, the way a person would."""


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.Node:
    style = "|" if "\n" in text else None  # the emitter falls back to quotes when it must
    return dumper.represent_scalar(_YAML_TAG + "str", text, style=style)


_BankDumper.add_representer(str, _represent_str)
_FACT_BASE_ORDER = ("source", "explanation", "note", "prompts", "card")


def _drop_empty(value: Any) -> Any:
    """Drop None and empty containers: in this schema every such field defaults to them."""
    if isinstance(value, dict):
        return {
            k: _drop_empty(v) for k, v in value.items() if v is not None and v != [] and v != {}
        }
    if isinstance(value, list):
        return [_drop_empty(v) for v in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)  # "value: 1200" reads better than 1200.0 and parses back equal
    return value


def _fact_order(fact: dict[str, Any]) -> dict[str, Any]:
    """id, kind and topic first, then what the fact says, then its source and extras."""
    head = [k for k in ("id", "kind", "topic") if k in fact]
    tail = [k for k in _FACT_BASE_ORDER if k in fact]
    middle = [k for k in fact if k not in head and k not in tail]
    return {k: fact[k] for k in (*head, *middle, *tail)}


def dump_bank(bank: Bank) -> str:
    """The bank as readable YAML that ``parse_bank`` reads back to an equal bank."""
    data = _drop_empty(bank.model_dump(mode="json"))
    data["facts"] = [_fact_order(f) for f in data["facts"]]
    with _gc_paused():
        return yaml.dump(data, Dumper=_BankDumper, sort_keys=False, allow_unicode=True, width=100)
