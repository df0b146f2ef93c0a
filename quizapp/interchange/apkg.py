"""An Anki deck (.apkg) of a bank: one note per fact, its flashcard.

Anki schedules notes itself, so one note per *fact* (not per question): the fact's
flashcard (the ``fact.card`` template) is front and back. Ids are derived from the bank and
fact ids, never random: importing a newer export of the same bank updates its notes in place
(Anki matches notes by GUID) and keeps the student's Anki schedule.
"""

from __future__ import annotations

import hashlib
import html
import io
import itertools
import sqlite3
import tempfile
import time
import zipfile
from pathlib import Path
from random import Random

import genanki

from ..core.generator import build_context, render_item
from ..core.schema import Bank, Fact

FIELDS = ("Front", "Back", "Source", "Explanation", "Topic")
_PLAIN_KINDS = ("card", "choice")
"""Kinds whose ``source`` is the row itself, not a document's words: no Source field."""

_CARD = {
    "name": "Card",
    "qfmt": "<div class=front>{{Front}}</div>",
    "afmt": (
        "{{FrontSide}}<hr id=answer><div class=back>{{Back}}</div>"
        "{{#Explanation}}<div class=explanation>{{Explanation}}</div>{{/Explanation}}"
        "{{#Source}}<blockquote class=source>{{Source}}</blockquote>{{/Source}}"
        "<div class=topic>{{Topic}}</div>"
    ),
}
_CSS = """.card { font-family: sans-serif; font-size: 20px; text-align: left; max-width: 40em;
  margin: 0 auto; color: black; background-color: white; }
.back { font-weight: bold; }
.explanation { margin-top: 1em; }
.source { margin: 1em 0 0; padding-left: 1em; border-left: 3px solid #999; font-size: 16px; }
.topic { margin-top: 1em; font-size: 14px; color: #666; }
"""


def stable_id(kind: str, bank_id: str) -> int:
    """A deck or note type id from the bank id, in the range genanki recommends
    ([2**30, 2**31)): the same bank always gets the same deck and note type."""
    digest = hashlib.sha256(f"quizapp:{kind}:{bank_id}".encode()).digest()
    return (1 << 30) + int.from_bytes(digest[:4], "big") % (1 << 30)


def note_guid(bank: Bank, fact: Fact) -> str:
    return str(genanki.guid_for(bank.id, fact.id))


def deck_name(bank: Bank) -> str:
    # '::' makes a sub-deck in Anki; a title is one deck.
    return " ".join(bank.title.split()).replace("::", ":")


def _field(text: str) -> str:
    """Anki fields are HTML: the bank's text is plain, so escape it and keep its lines."""
    return html.escape(text, quote=False).replace("\n", "<br>")


def build_deck(bank: Bank, rng: Random) -> genanki.Deck:
    model = genanki.Model(
        stable_id("model", bank.id),
        f"quizapp: {deck_name(bank)}",
        fields=[{"name": name} for name in FIELDS],
        templates=[_CARD],
        css=_CSS,
    )
    deck = genanki.Deck(stable_id("deck", bank.id), deck_name(bank), description=_deck_note(bank))
    ctx = build_context(bank)
    for fact in bank.facts:
        card = render_item(bank, f"fact.card:{fact.id}", rng, ctx=ctx)
        source = "" if fact.kind in _PLAIN_KINDS else fact.source
        # Only the bank's own explanation: a generated one restates the back.
        values = (card.prompt, card.answer[0], source, fact.explanation or "")
        fields = [_field(v) for v in values] + [_field(bank.topic_title(fact.topic))]
        deck.add_note(
            genanki.Note(
                model=model,
                fields=fields,
                tags=[fact.topic, fact.kind],
                guid=note_guid(bank, fact),
            )
        )
    return deck


def _deck_note(bank: Bank) -> str:
    parts = [bank.description or "", f"From the bank '{bank.id}' ({bank.source.title})."]
    return _field("\n".join(p for p in parts if p))


def export(bank: Bank, rng: Random, *, timestamp: float | None = None) -> bytes:
    """The .apkg as bytes. ``timestamp`` (default: now) is the notes' modification time:
    Anki updates a note on import only when the package's copy is newer."""
    package = genanki.Package(build_deck(bank, rng))
    stamp = time.time() if timestamp is None else timestamp
    out = io.BytesIO()
    # genanki's write_to_file leaves its temporary database behind: build it ourselves.
    with tempfile.TemporaryDirectory(prefix="quizapp-apkg-") as tmp:
        db_path = Path(tmp) / "collection.anki2"
        conn = sqlite3.connect(db_path)
        try:
            package.write_to_db(conn.cursor(), stamp, itertools.count(int(stamp * 1000)))
            conn.commit()
        finally:
            conn.close()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(db_path, "collection.anki2")
            archive.writestr("media", "{}")
    return out.getvalue()
