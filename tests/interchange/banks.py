"""Banks for the interchange tests: one whose texts hold every character the export formats
treat specially (GIFT's ``~ = # { } :`` and backslash, HTML's ``< &``, a leading ``%``, line
breaks), and the two banks of the repository."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from quizapp.core.schema import Bank

ROOT = Path(__file__).resolve().parents[2]
PERU_BANK = ROOT / "question_bank" / "peru_foreign_relations.yaml"
SOLAR_BANK = ROOT / "tests" / "fixtures" / "banks" / "solar_system.yaml"

SPECIAL = "~ = # { } : \\ < & >"


def _country(cid: str, name: str) -> dict[str, Any]:
    return {"id": cid, "name": name, "kind": "country", "group": "odd"}


def _fact(fid: str, topic: str, **fields: Any) -> dict[str, Any]:
    return {"id": fid, "topic": topic, "source": f"Source of {fid}: {{{SPECIAL}}}.", **fields}


def special_bank() -> Bank:
    """Every question type, with special characters in prompts, options and feedback."""
    countries = [
        _country("civ", "Côte d'Ivoire: {North}"),
        _country("stp", "São ~Tomé"),
        _country("bih", "Bosnia = Herzegovina"),
        _country("tt", "Trinidad # Tobago"),
        _country("bs", "Back\\slash Land"),
        _country("lt", "Less <than> & more"),
        _country("pct", "%5% Republic"),
    ]
    events = [
        ("ev-1", "The {first} event: a = b", "1901"),
        ("ev-2", "The second ~event~ # two", "1925"),
        ("ev-3", "The third event \\ with a backslash", "1950"),
        ("ev-4", "The fourth event <b>bold</b> & co", "1975"),
        ("ev-5", "The fifth event: 100% done", "2000"),
    ]
    facts = [
        _fact(fid, "history", kind="event", what=what, date=date, explanation=f"{what} {SPECIAL}")
        for fid, what, date in events
    ]
    facts += [
        _fact("d-1", "disputes", kind="dispute", parties=["civ", "stp"], subject="the {x} ~line~"),
        _fact("d-2", "disputes", kind="dispute", parties=["bih", "tt"], subject="the = river #2"),
        _fact("d-3", "disputes", kind="dispute", parties=["bs", "lt"], subject="the : island"),
        _fact("d-4", "disputes", kind="dispute", parties=["pct", "civ"], subject="the \\ bay"),
        _fact(
            "c-1",
            "plain",
            kind="choice",
            question="What is 2 + 2 = ? {curly} #hash: colon",
            answer="4 ~ four",
            distractors=["%5% of 100", "=3", "#5", "{6}", "a\\b"],
        ),
        _fact(
            "card-1",
            "plain",
            kind="card",
            front="Key: {value} = ?",
            back="Line one\nLine two = #2 ~ok",
        ),
        # A quantity: number options, listed in order.
        _fact("q-1", "plain", kind="quantity", what="Things counted", value=120, unit="things"),
    ]
    return Bank.model_validate(
        {
            "id": "special-bank",
            "title": "Special: {chars} / bank",
            "source": {"title": "Nothing"},
            "topics": [
                {"id": "history", "title": "History / dates: {1}"},
                {"id": "disputes", "title": "Disputes ~ = #"},
                {"id": "plain", "title": "Plain"},
            ],
            "entities": countries,
            "facts": facts,
        }
    )
