"""``flask export-questions``: its exact output shape, seeds, options, and invalid banks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from quizapp.cli.export import export_questions
from tests.core.bankfactory import sample_bank

ROOT = Path(__file__).resolve().parents[2]
PERU_BANK = ROOT / "question_bank" / "peru_foreign_relations.yaml"
EXPORT_KEYS = ["id", "type", "prompt", "options", "answer", "fact_ids", "source", "explanation"]


@pytest.fixture(scope="module")
def bank_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The factory's sample bank, written as a YAML file (no document to check against)."""
    path = tmp_path_factory.mktemp("bank") / "sample.yaml"
    data = sample_bank().model_dump(mode="json", exclude_defaults=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")
    return path


def run(*args: str) -> Result:
    return CliRunner().invoke(export_questions, list(args))


def parsed(result: Result) -> dict[str, Any]:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_output_shape(bank_file: Path) -> None:
    data = parsed(run(str(bank_file), "--seed", "1"))
    assert list(data) == ["bank", "questions"]
    assert data["bank"] == {"id": "test-bank", "title": "Test bank"}
    for q in data["questions"]:
        assert list(q) == EXPORT_KEYS
        assert q["type"] in ("single_choice", "multiple_choice", "ordering", "flashcard")
        assert set(q["answer"]) <= set(q["options"]) or q["type"] == "flashcard"


def test_every_fact_has_a_card_and_a_question(bank_file: Path) -> None:
    data = parsed(run(str(bank_file), "--seed", "1"))
    bank = sample_bank()
    ids = [q["id"] for q in data["questions"]]
    for fact in bank.facts:
        mine = [i for i in ids if i.endswith(f":{fact.id}")]
        assert f"fact.card:{fact.id}" in mine and len(mine) >= 2
    assert len(ids) == len(set(ids))


def test_same_seed_gives_byte_identical_output(bank_file: Path) -> None:
    a, b = run(str(bank_file), "--seed", "42"), run(str(bank_file), "--seed", "42")
    assert a.exit_code == b.exit_code == 0
    assert a.stdout_bytes == b.stdout_bytes
    assert run(str(bank_file), "--seed", "43").stdout_bytes != a.stdout_bytes


def test_without_a_seed_one_is_drawn_and_reported(bank_file: Path) -> None:
    result = run(str(bank_file))
    data = parsed(result)
    assert data["questions"]
    seed = result.stderr.strip().rpartition(" ")[2]
    again = run(str(bank_file), "--seed", seed)
    assert again.stdout_bytes == result.stdout_bytes


@pytest.mark.parametrize("n", ["3", "5"])
def test_options_count(bank_file: Path, n: str) -> None:
    data = parsed(run(str(bank_file), "--seed", "3", "--options", n))
    counts = {len(q["options"]) for q in data["questions"]
              if q["type"] in ("single_choice", "multiple_choice")}  # fmt: skip
    assert max(counts) == int(n) and min(counts) >= 3


def test_options_out_of_range_is_a_usage_error(bank_file: Path) -> None:
    result = run(str(bank_file), "--options", "6")
    assert result.exit_code == 2 and "6 is not in the range 3<=x<=5" in result.stderr


def test_invalid_bank_exits_2_with_one_error_per_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "id: bad\ntitle: Bad\nsource: {title: X}\ntopics: [{id: t, title: T}]\n"
        "facts:\n  - id: f1\n    kind: event\n    topic: t\n    source: s\n"
        "    what: Something\n    date: 1998-13\n"
        "  - id: f2\n    kind: membership\n    topic: nope\n    source: s\n"
        "    group: ghost\n    members: [{entity: ghost2}]\n",
        "utf-8",
    )
    result = run(str(path), "--seed", "1")
    assert result.exit_code == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) >= 3
    for line in lines:
        assert line.startswith(f"{path}:"), line
    assert "Traceback" not in result.stderr
    assert any("1998-13" in line for line in lines)


def test_missing_file_exits_2_with_a_clear_message(tmp_path: Path) -> None:
    result = run(str(tmp_path / "nowhere.yaml"))
    assert result.exit_code == 2 and "no such bank file" in result.stderr
    assert "Traceback" not in result.stderr


def test_through_the_flask_app_cli(runner: Any, bank_file: Path) -> None:
    # The command registered on the app (conftest's runner: app.test_cli_runner()).
    result = runner.invoke(args=["export-questions", str(bank_file), "--seed", "9"])
    assert result.exit_code == 0
    direct = run(str(bank_file), "--seed", "9")
    assert json.loads(result.stdout) == json.loads(direct.stdout)


def _flask(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QUIZAPP_DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite'}"}
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "quizapp", "export-questions", *args],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )  # fmt: skip


def test_as_a_real_subprocess(bank_file: Path, tmp_path: Path) -> None:
    target = PERU_BANK if PERU_BANK.exists() else bank_file
    first = _flask(str(target), "--seed", "7", tmp_path=tmp_path)
    assert first.returncode == 0, first.stderr
    data = json.loads(first.stdout)
    assert data["questions"] and list(data["questions"][0]) == EXPORT_KEYS
    second = _flask(str(target), "--seed", "7", tmp_path=tmp_path)
    assert second.stdout == first.stdout

    bad = tmp_path / "bad.yaml"
    bad.write_text("id: [unclosed\n", "utf-8")
    failed = _flask(str(bad), tmp_path=tmp_path)
    assert failed.returncode == 2 and failed.stdout == ""
    assert failed.stderr.startswith(f"{bad}:") and "Traceback" not in failed.stderr
