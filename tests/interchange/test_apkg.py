"""Anki export: the .apkg is imported into a real Anki collection (the ``anki`` package)."""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from random import Random

import genanki
import pytest
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

from quizapp.core.bank import load_bank
from quizapp.core.schema import Bank, CardFact
from quizapp.interchange import apkg

from .banks import SOLAR_BANK, special_bank


@pytest.fixture
def collection(tmp_path: Path) -> Iterator[Collection]:
    col = Collection(str(tmp_path / "c.anki2"))
    try:
        yield col
    finally:
        col.close()


def import_into(col: Collection, bank: Bank, path: Path, timestamp: float = 1_700_000_000) -> None:
    path.write_bytes(apkg.export(bank, Random(0), timestamp=timestamp))
    request = ImportAnkiPackageRequest(
        package_path=str(path), options=ImportAnkiPackageOptions(with_scheduling=True)
    )
    col.import_anki_package(request)


def notes_of(col: Collection, deck: str) -> dict[str, dict[str, str]]:
    """GUID → fields (and tags) of every note in the deck."""
    out = {}
    for nid in col.find_notes(f'"deck:{deck}"'):
        note = col.get_note(nid)
        out[note.guid] = {**dict(note.items()), "tags": " ".join(sorted(note.tags))}
    return out


def test_one_note_per_fact_with_stable_guids(collection: Collection, tmp_path: Path) -> None:
    bank = load_bank(SOLAR_BANK)
    import_into(collection, bank, tmp_path / "solar.apkg")
    assert collection.decks.id_for_name(bank.title) is not None
    notes = notes_of(collection, bank.title)
    assert len(notes) == len(bank.facts)
    assert set(notes) == {genanki.guid_for(bank.id, f.id) for f in bank.facts}
    sputnik = notes[genanki.guid_for(bank.id, "sputnik-1-launch")]
    assert sputnik["Front"] == "When did the Soviet Union launch Sputnik 1?"
    assert sputnik["Back"].startswith("October 4, 1957")
    assert sputnik["Source"].startswith("The Soviet Union launched Sputnik 1")
    assert sputnik["Topic"] == "Milestones"
    assert sputnik["tags"] == "event milestones"
    note_type = collection.models.by_name(f"quizapp: {bank.title}")
    assert note_type is not None
    assert [f["name"] for f in note_type["flds"]] == list(apkg.FIELDS)


def test_reimport_updates_notes_in_place(collection: Collection, tmp_path: Path) -> None:
    bank = special_bank()
    import_into(collection, bank, tmp_path / "one.apkg", timestamp=1_700_000_000)
    facts = [
        f.model_copy(update={"back": "A new back"}) if isinstance(f, CardFact) else f
        for f in bank.facts
    ]
    edited = bank.model_copy(update={"facts": facts})
    import_into(collection, edited, tmp_path / "two.apkg", timestamp=1_800_000_000)
    notes = notes_of(collection, apkg.deck_name(bank))
    assert len(notes) == len(bank.facts), "updated, not duplicated"
    assert notes[genanki.guid_for(bank.id, "card-1")]["Back"] == "A new back"
    assert collection.note_count() == len(bank.facts)


def test_fields_are_escaped_html(collection: Collection, tmp_path: Path) -> None:
    bank = special_bank()
    import_into(collection, bank, tmp_path / "s.apkg")
    notes = notes_of(collection, apkg.deck_name(bank))
    card = notes[genanki.guid_for(bank.id, "card-1")]
    assert card["Front"] == "Key: {value} = ?"
    assert card["Back"] == "Line one<br>Line two = #2 ~ok"
    assert card["Source"] == "", "a CSV-style card has no document to quote"
    event = notes[genanki.guid_for(bank.id, "ev-4")]
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co" in event["Back"]
    assert event["Explanation"].startswith("The fourth event &lt;b&gt;")


def test_ids_are_stable_and_in_genankis_range() -> None:
    bank = load_bank(SOLAR_BANK)
    deck = apkg.build_deck(bank, Random(1))
    again = apkg.build_deck(bank, Random(2))
    assert deck.deck_id == again.deck_id == apkg.stable_id("deck", bank.id)
    model_ids = {n.model.model_id for n in deck.notes}
    assert model_ids == {apkg.stable_id("model", bank.id)}
    for value in (deck.deck_id, *model_ids):
        assert (1 << 30) <= value < (1 << 31)
    assert apkg.stable_id("deck", "other-bank") != deck.deck_id
    assert apkg.stable_id("deck", bank.id) != apkg.stable_id("model", bank.id)


def test_package_layout_and_no_leftover_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # genanki's own writer leaves its temporary database behind; ours must not.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    data = apkg.export(special_bank(), Random(0))
    (tmp_path / "x.apkg").write_bytes(data)
    with zipfile.ZipFile(tmp_path / "x.apkg") as archive:
        assert sorted(archive.namelist()) == ["collection.anki2", "media"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.apkg"]


def test_deck_name_is_one_deck() -> None:
    bank = special_bank().model_copy(update={"title": "A::B  title"})
    assert apkg.deck_name(bank) == "A:B title"
