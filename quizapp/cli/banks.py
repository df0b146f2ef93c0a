"""`flask banks ...`: import bank files into the database."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..core.bank import BankValidationError

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
