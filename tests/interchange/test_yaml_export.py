"""YAML export: exporting then loading gives the same bank."""

from __future__ import annotations

import shutil
from pathlib import Path
from random import Random

import pytest

from quizapp.core.bank import load_bank, parse_bank
from quizapp.interchange import yaml_io
from quizapp.interchange.csv_bank import parse_csv

from .banks import PERU_BANK, SOLAR_BANK, special_bank


@pytest.mark.parametrize("original", [PERU_BANK, SOLAR_BANK], ids=["peru", "solar"])
def test_export_then_load_gives_the_same_bank(original: Path, tmp_path: Path) -> None:
    bank = load_bank(original)
    exported = tmp_path / "copy.yaml"
    exported.write_bytes(yaml_io.export(bank, Random(0)))
    assert bank.source_text is not None
    # The bank names its document: it goes beside the copy, as beside the original.
    shutil.copy(original.parent / bank.source_text, tmp_path / bank.source_text)
    assert load_bank(exported) == load_bank(original)


def test_plain_kinds_and_special_characters_survive() -> None:
    bank = special_bank()
    assert parse_bank(yaml_io.export(bank)) == bank


def test_a_csv_bank_exports_as_a_yaml_bank() -> None:
    bank = parse_csv(b"front,back\nA?,a\nB?,b\n", filename="cards.csv")
    text = yaml_io.export(bank).decode("utf-8")
    assert "kind: card" in text and "source_text" not in text
    assert parse_bank(text) == bank
