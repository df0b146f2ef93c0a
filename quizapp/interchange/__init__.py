"""Bank interchange: exports to Anki, Moodle XML, GIFT and YAML; CSV import.

``EXPORTERS`` maps a format name to its exporter, so the CLI (and any download route) offers
every format without an if-chain. Every ``export(bank, rng)`` returns the file's bytes; the
``rng`` draws the distractors and option order of the quiz formats (same seed, same file).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from random import Random

from ..core.schema import Bank
from . import apkg, gift, moodle, yaml_io


@dataclass(frozen=True)
class Exporter:
    name: str
    suffix: str
    mimetype: str
    text: bool
    """Whether the output is text (and may go to stdout)."""
    export: Callable[[Bank, Random], bytes]
    description: str
    seeded: bool = True
    """Whether the rng changes the output (it draws questions); a bank or deck needs none."""


EXPORTERS: dict[str, Exporter] = {
    e.name: e
    for e in (
        Exporter(
            "apkg",
            ".apkg",
            # No registered type exists for Anki packages; browsers then simply download.
            "application/octet-stream",
            False,
            apkg.export,
            "Anki deck: one note per fact (its flashcard), stable ids so a re-import updates",
            seeded=False,
        ),
        Exporter(
            "moodlexml",
            ".xml",
            "application/xml",
            True,
            moodle.export,
            "Moodle XML: a category per topic, choice and ordering questions",
        ),
        Exporter(
            "gift",
            ".gift.txt",
            "text/plain; charset=utf-8",
            True,
            gift.export,
            "GIFT: choice questions; flashcards as descriptions; no ordering questions",
        ),
        Exporter(
            "yaml",
            ".yaml",
            "application/yaml",
            True,
            yaml_io.export,
            "the bank itself, in the bank format",
            seeded=False,
        ),
    )
}
