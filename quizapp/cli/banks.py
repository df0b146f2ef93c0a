"""`flask banks ...`: import bank files into the database."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..core.bank import BankValidationError
from ..interchange import EXPORTERS

banks = AppGroup("banks", help="Import and export question banks.")

BANK_SUFFIXES = (".yaml", ".yml", ".json")


@banks.command("import")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def import_command(paths: tuple[Path, ...]) -> None:
    """Import bank files (or every bank file in a folder), keeping students' progress.

    With no PATHS, imports the bundled banks (QUIZAPP_BANKS_DIR, by default question_bank/).
    Every file is validated first; when any is invalid nothing is imported.
    """
    if not paths:
        paths = (Path(current_app.config["BANKS_DIR"]),)
    from ..core.bank import load_bank, load_document_text
    from ..services.banks import import_bank

    files = [p for path in paths for p in _bank_files(path)]
    if not files:
        click.echo(
            f"No bank files ({', '.join(BANK_SUFFIXES)}) in {', '.join(map(str, paths))}", err=True
        )
        sys.exit(2)
    loaded = []
    failed = False
    for file in files:
        try:
            bank = load_bank(file)
        except BankValidationError as exc:
            failed = True
            for error in exc.errors:
                click.echo(str(error), err=True)
            continue
        loaded.append((bank, load_document_text(bank, file.parent)))
    if failed:
        click.echo("Nothing was imported: fix the errors above and run the import again.", err=True)
        sys.exit(2)
    for bank, text in loaded:
        click.echo(import_bank(bank, document_text=text).summary())


def _bank_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in BANK_SUFFIXES)
    return [path]


@banks.command("export", with_appcontext=False)
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(EXPORTERS)),
    required=True,
    help="apkg: Anki deck; moodlexml: Moodle XML; gift: GIFT; yaml: the bank itself.",
)
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
    required=True,
    help="File to write; '-' writes to stdout (text formats only).",
)
@click.option(
    "--seed",
    type=int,
    default=None,
    help="Seed for distractors and option order (default: random, reported on stderr).",
)
def export_command(path: Path, fmt: str, output: Path, seed: int | None) -> None:
    """Export the bank at PATH to another format (no database needed)."""
    from ..core.bank import load_bank

    exporter = EXPORTERS[fmt]
    to_stdout = str(output) == "-"
    if to_stdout and not exporter.text:
        raise click.BadParameter(f"{fmt} is binary: give a file name", param_hint="--output")
    if not path.is_file():
        click.echo(f"{path}: no such bank file", err=True)
        sys.exit(2)
    try:
        bank = load_bank(path)
    except BankValidationError as exc:
        for error in exc.errors:
            click.echo(str(error), err=True)
        sys.exit(2)
    if seed is None:
        seed = random.SystemRandom().randrange(2**32)
        if exporter.seeded:  # reported so that a run can be repeated
            click.echo(f"banks export: --seed {seed}", err=True)
    data = exporter.export(bank, random.Random(seed))
    if to_stdout:
        click.echo(data, nl=False)  # bytes go to the binary stdout as they are
        return
    output.write_bytes(data)
    click.echo(f"{output}: {fmt}, {len(data):,} bytes", err=True)
    if fmt == "yaml" and bank.source_text and not (output.parent / bank.source_text).exists():
        # The bank names its document; without it beside the copy, the copy will not load.
        click.echo(f"note: copy {bank.source_text} beside {output} to load it", err=True)
