"""``flask export-questions PATH``: every question a bank yields, as JSON on stdout.

Other tools read this output, so its shape is fixed::

    {"bank": {"id": ..., "title": ...}, "questions": [Question.to_export(), ...]}

No database is needed. The same ``--seed`` gives byte-identical output; without one a seed is
drawn and reported on stderr so that a run can be repeated. An invalid bank exits with status
2 and its errors on stderr, one per line.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import click

from ..core import generator
from ..core.bank import BankValidationError, load_bank

EXIT_INVALID = 2


@click.command("export-questions")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--seed",
    type=int,
    default=None,
    help="Seed for distractors and option order (default: random, reported on stderr).",
)
@click.option(
    "--options",
    "n_options",
    type=click.IntRange(3, 5),
    default=4,
    show_default=True,
    help="Options per choice question.",
)
def export_questions(path: Path, seed: int | None, n_options: int) -> None:
    """Print every question of the bank at PATH as JSON."""
    if not path.is_file():
        click.echo(f"{path}: no such bank file", err=True)
        raise SystemExit(EXIT_INVALID)
    try:
        bank = load_bank(path)
    except BankValidationError as exc:
        for error in exc.errors:
            click.echo(str(error), err=True)
        raise SystemExit(EXIT_INVALID) from None
    if seed is None:
        seed = random.SystemRandom().randrange(2**32)
        click.echo(f"export-questions: --seed {seed}", err=True)
    questions = generator.generate_all(bank, random.Random(seed), n_options=n_options)
    payload = {
        "bank": {"id": bank.id, "title": bank.title},
        "questions": [q.to_export() for q in questions],
    }
    click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
