"""The bank itself as YAML: ``load_bank`` reads the export back to an equal bank."""

from __future__ import annotations

from random import Random

from ..core.bank import dump_bank
from ..core.schema import Bank


def export(bank: Bank, rng: Random | None = None) -> bytes:
    """``rng`` is unused (a bank has no randomness); it keeps every exporter's signature."""
    return dump_bank(bank).encode("utf-8")
