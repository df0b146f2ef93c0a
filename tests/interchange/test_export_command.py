"""``flask banks export PATH --format ... --output ...``: no database, clean failures."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from random import Random

import pytest
from click.testing import CliRunner, Result

from quizapp.cli.banks import banks
from quizapp.core.bank import load_bank, parse_bank
from quizapp.interchange import EXPORTERS

from .banks import ROOT, SOLAR_BANK


def run(*args: str) -> Result:
    return CliRunner().invoke(banks, ["export", *args])


@pytest.mark.parametrize("fmt", sorted(EXPORTERS))
def test_every_format_writes_its_file(fmt: str, tmp_path: Path) -> None:
    out = tmp_path / f"out{EXPORTERS[fmt].suffix}"
    result = run(str(SOLAR_BANK), "--format", fmt, "--output", str(out), "--seed", "4")
    assert result.exit_code == 0, result.stderr
    if fmt != "apkg":  # an .apkg holds its build time
        assert out.read_bytes() == EXPORTERS[fmt].export(load_bank(SOLAR_BANK), Random(4))
    assert f"{out}: {fmt}" in result.stderr


def test_text_formats_go_to_stdout(tmp_path: Path) -> None:
    result = run(str(SOLAR_BANK), "--format", "moodlexml", "--output", "-", "--seed", "1")
    assert result.exit_code == 0, result.stderr
    assert ET.fromstring(result.stdout_bytes).tag == "quiz"
    yaml_out = run(str(SOLAR_BANK), "--format", "yaml", "--output", "-")
    base = {"base_dir": SOLAR_BANK.parent}
    assert parse_bank(yaml_out.stdout_bytes, **base) == parse_bank(SOLAR_BANK.read_bytes(), **base)
    assert "--seed" not in yaml_out.stderr, "a bank has nothing to draw"


def test_same_seed_same_output_and_a_drawn_seed_is_reported() -> None:
    one = run(str(SOLAR_BANK), "--format", "gift", "--output", "-", "--seed", "9")
    two = run(str(SOLAR_BANK), "--format", "gift", "--output", "-", "--seed", "9")
    assert one.stdout == two.stdout
    drawn = run(str(SOLAR_BANK), "--format", "gift", "--output", "-")
    seed = drawn.stderr.split("--seed ")[1].split()[0]
    again = run(str(SOLAR_BANK), "--format", "gift", "--output", "-", "--seed", seed)
    assert again.stdout == drawn.stdout


def test_binary_format_refuses_stdout() -> None:
    result = run(str(SOLAR_BANK), "--format", "apkg", "--output", "-")
    assert result.exit_code == 2
    assert "apkg is binary" in result.stderr and result.stdout == ""


def test_unknown_format_is_refused_by_click(tmp_path: Path) -> None:
    result = run(str(SOLAR_BANK), "--format", "docx", "--output", str(tmp_path / "x"))
    assert result.exit_code == 2
    assert "'docx' is not one of" in result.stderr


def test_missing_and_invalid_banks_exit_2_without_traceback(tmp_path: Path) -> None:
    missing = run(str(tmp_path / "nope.yaml"), "--format", "gift", "--output", "-")
    assert missing.exit_code == 2 and "no such bank file" in missing.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("format: 1\nid: Bad Id\ntitle: x\n", encoding="utf-8")
    result = run(str(broken), "--format", "yaml", "--output", str(tmp_path / "o.yaml"))
    assert result.exit_code == 2
    assert f"{broken}:2: id: 'Bad Id' is not a valid id" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "o.yaml").exists()


def test_yaml_copy_away_from_its_document_gets_a_note(tmp_path: Path) -> None:
    result = run(str(SOLAR_BANK), "--format", "yaml", "--output", str(tmp_path / "s.yaml"))
    assert "note: copy solar_system.txt beside" in result.stderr


def test_flask_command_line(tmp_path: Path) -> None:
    """The real ``flask --app quizapp`` entry point, with no database configured or created."""
    out = tmp_path / "deck.apkg"
    env = {**os.environ, "QUIZAPP_DATABASE_URL": f"sqlite:///{tmp_path / 'never.sqlite'}"}
    flask = [sys.executable, "-m", "flask", "--app", "quizapp", "banks", "export"]
    done = subprocess.run(
        [*flask, str(SOLAR_BANK), "--format", "apkg", "--output", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert out.read_bytes()[:2] == b"PK"
    assert not (tmp_path / "never.sqlite").exists()
