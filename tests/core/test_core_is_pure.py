"""``quizapp.core`` is pure: no web framework or database, no hidden randomness, no clock.

Randomness comes in as a ``random.Random`` argument and time as a ``now`` argument, so that
the same inputs give the same questions and schedules, in tests and in production.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "quizapp" / "core"
MODULES = sorted(p for p in CORE.glob("*.py"))
FORBIDDEN_PACKAGES = ("flask", "sqlalchemy", "flask_sqlalchemy", "flask_login", "werkzeug")

# The parent package's __init__ imports Flask (it builds the app); core must not need it, so
# the subprocess stands in an empty ``quizapp`` package before importing the core modules.
_PROBE = """
import importlib, json, pkgutil, sys, types
pkg = types.ModuleType("quizapp")
pkg.__path__ = [sys.argv[1]]
sys.modules["quizapp"] = pkg
import quizapp.core
names = [m.name for m in pkgutil.iter_modules(quizapp.core.__path__)]
for name in names:
    importlib.import_module("quizapp.core." + name)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in json.loads(sys.argv[2]))
print(json.dumps({"modules": names, "loaded": loaded}))
"""


def test_core_imports_neither_flask_nor_sqlalchemy() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, str(ROOT / "quizapp"), json.dumps(FORBIDDEN_PACKAGES)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    result = json.loads(out.stdout)
    assert {"generator", "templates", "distractors", "grading"} <= set(result["modules"])
    assert result["loaded"] == []


def _violations(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "random":
            found += [f"from random import {a.name}" for a in node.names if a.name != "Random"]
        if isinstance(node, ast.ImportFrom) and node.module == "time":
            found += [f"from time import {a.name}" for a in node.names]
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name | ast.Attribute):
            # ``datetime.now`` and ``datetime.datetime.now`` alike: the last name counts.
            value = node.value
            owner = value.id if isinstance(value, ast.Name) else value.attr
            attr = node.attr
            if owner == "random" and attr != "Random":
                found.append(f"random.{attr}")
            if owner in ("datetime", "date") and attr in ("now", "utcnow", "today"):
                found.append(f"{owner}.{attr}")
            if owner == "time" and attr in ("time", "monotonic", "perf_counter", "time_ns"):
                found.append(f"time.{attr}")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name | ast.Attribute)
            and (node.func.id if isinstance(node.func, ast.Name) else node.func.attr) == "Random"
            and not node.args
            and not node.keywords
        ):
            found.append("Random() seeded from the system")
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_no_global_randomness_or_clock(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    assert _violations(tree) == []


def test_the_checker_catches_what_it_should() -> None:
    bad = ast.parse(
        "import random\nfrom random import choice\nimport datetime\n"
        "x = random.choice([1])\ny = datetime.datetime.now()\nz = random.Random()\n"
        "from datetime import date\nw = date.today()\n"
    )
    found = _violations(bad)
    assert {"from random import choice", "random.choice", "datetime.now", "date.today",
            "Random() seeded from the system"} <= set(found)  # fmt: skip
    good = ast.parse("import random\nrng = random.Random(5)\ndef f(r: random.Random): ...\n")
    assert _violations(good) == []
