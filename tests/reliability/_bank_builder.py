"""A large synthetic bank as a YAML file, from the generator benchmark's builder.

``benchmarks/generate.py`` already builds a valid bank of any size with every fact kind;
this only writes it where a test wants it and says how many facts and items it holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from benchmarks.generate import synthetic_bank
from quizapp.core import generator
from quizapp.core.bank import load_bank


@dataclass(frozen=True)
class BuiltBank:
    path: Path
    slug: str
    facts: int
    items: int
    """What the generator makes of the bank: the rows a complete import leaves in ``items``."""


def write_synthetic_bank(path: Path, n_facts: int, seed: int = 1) -> BuiltBank:
    data = synthetic_bank(n_facts, seed)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    path.write_text(
        yaml.dump(data, Dumper=dumper, sort_keys=False, default_flow_style=None, width=120),
        "utf-8",
    )
    bank = load_bank(path)
    return BuiltBank(
        path=path, slug=bank.id, facts=len(bank.facts), items=len(generator.item_specs(bank))
    )
