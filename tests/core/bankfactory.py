"""Small hand-written banks for generator tests, built with ``Bank.model_validate``.

``make_bank(facts=..., entities=...)`` fills in what a test does not care about: ids, topics,
sources. ``entity(...)`` and the ``*_fact`` helpers keep the tests short and readable.
"""

from __future__ import annotations

import itertools
from typing import Any

from quizapp.core.schema import Bank

_counter = itertools.count(1)

SOUTH_AMERICA = [
    "peru",
    "chile",
    "bolivia",
    "ecuador",
    "colombia",
    "venezuela",
    "brazil",
    "argentina",
    "paraguay",
    "uruguay",
]
EUROPE = ["france", "spain", "germany", "italy"]
ASIA = ["japan", "china", "india"]


def entity(
    id: str, kind: str = "country", group: str | None = None, name: str | None = None
) -> dict[str, Any]:
    return {
        "id": id,
        "name": name or id.replace("_", " ").title(),
        "kind": kind,
        **({"group": group} if group else {}),
    }


def countries() -> list[dict[str, Any]]:
    return (
        [entity(c, "country", "south_america") for c in SOUTH_AMERICA]
        + [entity(c, "country", "europe") for c in EUROPE]
        + [entity(c, "country", "asia") for c in ASIA]
    )


def organizations() -> list[dict[str, Any]]:
    return [
        entity("can", "organization", "south_america", "Community of Andean Nations"),
        entity("mercosur", "organization", "south_america", "Mercosur"),
        entity("apec", "organization", "asia_pacific", "Asia-Pacific Economic Cooperation"),
        entity("un", "organization", "global", "United Nations"),
        entity("eu", "organization", "europe", "European Union"),
        entity("oas", "organization", "americas", "Organization of American States"),
    ]


def people() -> list[dict[str, Any]]:
    return [
        entity("perez_de_cuellar", "person", name="Javier Pérez de Cuéllar"),
        entity("fujimori", "person", name="Alberto Fujimori"),
        entity("toledo", "person", name="Alejandro Toledo"),
        entity("garcia", "person", name="Alan García"),
        entity("montesinos", "person", name="Vladimiro Montesinos"),
    ]


def base(fact_id: str | None = None, **fields: Any) -> dict[str, Any]:
    fid = fact_id or f"fact-{next(_counter)}"
    return {"id": fid, "topic": "general", "source": f"Source sentence of {fid}.", **fields}


def event(what: str, date: str, fact_id: str | None = None, **kw: Any) -> dict[str, Any]:
    return base(fact_id, kind="event", what=what, date=date, **kw)


def membership(
    group: str, members: list[dict[str, Any] | str], fact_id: str | None = None, **kw: Any
) -> dict[str, Any]:
    ms = [m if isinstance(m, dict) else {"entity": m} for m in members]
    return base(fact_id, kind="membership", group=group, members=ms, **kw)


def agreement(
    name: str,
    parties: list[str],
    outcome: str,
    date: str | None = None,
    fact_id: str | None = None,
    **kw: Any,
) -> dict[str, Any]:
    extra = {"date": date} if date else {}
    return base(
        fact_id, kind="agreement", name=name, parties=parties, outcome=outcome, **extra, **kw
    )


def role(
    person: str,
    role: str,
    organization: str | None = None,
    term: str | None = None,
    fact_id: str | None = None,
    **kw: Any,
) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if organization:
        extra["organization"] = organization
    if term:
        extra["term"] = term
    return base(fact_id, kind="role", person=person, role=role, **extra, **kw)


def quantity(
    what: str, value: float, unit: str, fact_id: str | None = None, **kw: Any
) -> dict[str, Any]:
    return base(fact_id, kind="quantity", what=what, value=value, unit=unit, **kw)


def dispute(
    parties: list[str], subject: str, fact_id: str | None = None, **kw: Any
) -> dict[str, Any]:
    return base(fact_id, kind="dispute", parties=parties, subject=subject, **kw)


def policy(
    actor: str, period: str, stance: str, fact_id: str | None = None, **kw: Any
) -> dict[str, Any]:
    return base(fact_id, kind="policy", actor=actor, period=period, stance=stance, **kw)


def make_bank(
    facts: list[dict[str, Any]], entities: list[dict[str, Any]] | None = None, **kw: Any
) -> Bank:
    """A valid bank of these facts; entities default to countries, organizations, people."""
    topics = sorted({f["topic"] for f in facts})
    data = {
        "id": kw.pop("id", "test-bank"),
        "title": kw.pop("title", "Test bank"),
        "source": {"title": "A document"},
        "topics": [{"id": t, "title": t.title()} for t in topics],
        "entities": entities if entities is not None else countries() + organizations() + people(),
        "facts": facts,
        **kw,
    }
    return Bank.model_validate(data)


def sample_bank() -> Bank:
    """A bank with every fact kind, in the spirit of the Peru document."""
    return make_bank(
        [
            event("Peru's border dispute with Ecuador ended", "1998", "ecuador-peace"),
            event(
                "Venezuela temporarily severed relations with Peru",
                "2001-06-28/2001-07-28",
                "venezuela-break",
            ),
            event(
                "Peru presented an extradition request for Fujimori to Japan",
                "2003-07",
                "extradition-1",
            ),
            event("Peru made a second extradition request", "2004-10-15", "extradition-2"),
            event(
                "The foreign ministers of Peru and Chile signed a joint statement",
                "2004-11-04",
                "joint-statement",
            ),
            event(
                "Peru participated in the Summit of the Americas in Miami", "1994", "miami-summit"
            ),
            membership("apec", [{"entity": "peru", "since": "1998-11"}], "peru-apec"),
            membership(
                "can",
                [{"entity": "peru", "since": "1990"}, "bolivia", "colombia", "ecuador"],
                "can-members",
                complete=True,
            ),
            membership(
                "mercosur",
                ["argentina", "brazil", "paraguay", "uruguay"],
                "mercosur-members",
                complete=True,
            ),
            membership(
                "mercosur",
                [{"entity": "peru", "role": "associate_member", "since": "2003-12-16"}],
                "peru-mercosur",
            ),
            membership("un", [{"entity": "peru", "since": "1949"}], "peru-un"),
            agreement(
                "the 1999 Peru–Chile agreements",
                ["peru", "chile"],
                "removed the obstacles to implementing the 1929 Border Treaty",
                "1999-11",
                "lima-agreements",
            ),
            agreement(
                "the CAN–Mercosur trade pact",
                ["can", "mercosur"],
                "created a free trade zone between the two blocs",
                "2003-12-16",
                "can-mercosur",
            ),
            agreement(
                "the Cusco Declaration",
                ["peru", "argentina", "bolivia", "brazil"],
                "created the South American Community of Nations",
                "2004-12-08",
                "cusco",
            ),
            role("perez_de_cuellar", "Secretary-General", "un", "1982/1991", "pdc-sg"),
            role("fujimori", "President of Peru", None, "1990/2000", "fujimori-president"),
            role("toledo", "President of Peru", None, "2001/2006", "toledo-president"),
            quantity("Peruvian troops in MINUSTAH", 210, "troops", "minustah-troops"),
            quantity(
                "Soviet military advisers in Peru",
                200,
                "advisers",
                "soviet-advisers",
                qualifier="more than",
                date="1985",
            ),
            dispute(["peru", "chile"], "the maritime boundary", "maritime-dispute"),
            dispute(
                ["peru", "ecuador"],
                "the jungle border area",
                "jungle-dispute",
                status="settled in 1998",
            ),
            dispute(["argentina", "chile"], "the Beagle Channel", "beagle"),
            dispute(["venezuela", "colombia"], "the waters off their border", "gulf"),
            policy("peru", "1970s", "sought an independent, nonaligned course", "nonaligned"),
            policy(
                "peru", "1980/1985", "worked toward closer ties with the United States", "belaunde"
            ),
            policy("peru", "1968/1975", "sought to reduce foreign influence", "velasco"),
        ]
    )
