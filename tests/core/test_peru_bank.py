"""The Peru bank and the solar-system fixture: they load, validate and say what the text says."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from pathlib import Path
from random import Random

import pytest

from quizapp.core.bank import load_bank
from quizapp.core.dates import Precision
from quizapp.core.generator import generate_all, weak_items
from quizapp.core.schema import FACT_KINDS, Bank, MembershipFact

ROOT = Path(__file__).resolve().parents[2]
PERU_BANK = ROOT / "question_bank" / "peru_foreign_relations.yaml"
PERU_TEXT = ROOT / "question_bank" / "peru_foreign_relations.txt"
SOLAR_BANK = ROOT / "tests" / "fixtures" / "banks" / "solar_system.yaml"
SOLAR_TEXT = ROOT / "tests" / "fixtures" / "banks" / "solar_system.txt"

# The seed document (/work/shared/seeds/000_911d6c3057b0aaab.txt), copied byte for byte.
PERU_TEXT_SHA256 = "571c0ed1796200a823462e2f3061ecf51234794585c5ca9508f893bc2215e627"

TEMPLATE_IDS = {
    "event.when",
    "event.what",
    "membership.since",
    "membership.which_group",
    "agreement.outcome",
    "agreement.when",
    "agreement.parties",
    "role.who",
    "role.term",
    "quantity.how_many",
    "dispute.subject",
    "dispute.parties",
    "policy.stance",
    "policy.period",
}

# Page furniture of the web page, not part of the article: never a source.
FURNITURE = ("UNITED24", "charitable donation", "mailing list", "Page last modified", "ZULU")


@pytest.fixture(scope="module")
def peru() -> Bank:
    return load_bank(PERU_BANK)


@pytest.fixture(scope="module")
def peru_text() -> str:
    return PERU_TEXT.read_text(encoding="utf-8")


def facts_of(bank: Bank, kind: str) -> list:
    return [f for f in bank.facts if f.kind == kind]


def fact(bank: Bank, fact_id: str):
    return next(f for f in bank.facts if f.id == fact_id)


def roles(membership: MembershipFact) -> dict[str, set[str]]:
    by_role: dict[str, set[str]] = {}
    for m in membership.members:
        by_role.setdefault(m.role, set()).add(m.entity)
    return by_role


# --------------------------------------------------------------------------- the document


def test_document_is_the_seed_byte_for_byte():
    assert hashlib.sha256(PERU_TEXT.read_bytes()).hexdigest() == PERU_TEXT_SHA256


# --------------------------------------------------------------------------- loading


def test_peru_bank_loads_and_validates(peru: Bank):
    assert peru.id == "peru-foreign-relations"
    assert peru.format == 1
    assert peru.language == "en"
    assert peru.source_text == "peru_foreign_relations.txt"
    assert peru.source.url == "https://www.globalsecurity.org/military/world/peru/forrel.htm"
    assert peru.source.last_modified is not None
    assert peru.source.last_modified.iso() == "2017-09-24"


def test_every_source_is_verbatim_in_the_document(peru: Bank, peru_text: str):
    # Stricter than the loader (which collapses whitespace): the text as written, quotes and
    # curly apostrophes included.
    missing = [f.id for f in peru.facts if f.source not in peru_text]
    assert missing == []


def test_the_documents_curly_apostrophes_are_kept(peru: Bank):
    source = fact(peru, "montesinos-intelligence-advisor").source
    assert "Peru’s intelligence agency" in source
    assert "Fujimori’s Japanese citizenship" in fact(peru, "fujimori-japanese-citizen").source


def test_no_page_furniture_is_a_source(peru: Bank):
    for f in peru.facts:
        for furniture in FURNITURE:
            assert furniture.lower() not in f.source.lower(), (f.id, furniture)


# --------------------------------------------------------------------------- shape


def test_counts_of_facts_by_kind(peru: Bank):
    assert Counter(f.kind for f in peru.facts) == {
        "event": 14,
        "membership": 9,
        "agreement": 8,
        "role": 5,
        "quantity": 7,
        "dispute": 8,
        "policy": 18,
    }
    assert len(peru.facts) == 69


def test_every_fact_kind_is_used(peru: Bank):
    # card and choice are the kinds of banks without a document (CSV banks).
    assert {f.kind for f in peru.facts} == set(FACT_KINDS) - {"card", "choice"}


def test_each_entity_kind_has_enough_entities_for_distractors(peru: Bank):
    counts = Counter(e.kind for e in peru.entities)
    main = ("country", "organization", "programme", "person", "agreement", "place", "government")
    assert all(counts[kind] >= 4 for kind in main), counts
    # Peru's intelligence agency has a kind of its own, so it is never offered as a group.
    assert counts["agency"] == 1
    assert set(counts) == {*main, "agency"}


def test_countries_have_regions(peru: Bank):
    countries = [e for e in peru.entities if e.kind == "country"]
    assert all(e.group for e in countries)
    assert sum(e.group == "south-america" for e in countries) == 12


def test_topics_are_few_and_all_used(peru: Bank):
    assert 5 <= len(peru.topics) <= 8
    assert {f.topic for f in peru.facts} == {t.id for t in peru.topics}


def test_every_fact_has_an_explanation(peru: Bank):
    assert [f.id for f in peru.facts if not f.explanation] == []


def test_prompts_use_known_template_ids_of_their_kind(peru: Bank):
    for f in peru.facts:
        for key in f.prompts:
            assert key in TEMPLATE_IDS, (f.id, key)
            assert key.startswith(f.kind + "."), (f.id, key)


def test_every_event_asks_when_in_its_own_words(peru: Bank):
    for f in facts_of(peru, "event"):
        assert f.prompts.get("event.when", "").endswith("?"), f.id


def test_the_repeated_paragraph_is_taken_once(peru: Bank):
    # The text says twice that the Ecuador dispute ended in 1998 and that Venezuela severed
    # relations in June-July 2001; each is one fact.
    severances = [f for f in facts_of(peru, "event") if f.date.iso() == "2001-06-28/2001-07-28"]
    assert [f.id for f in severances] == ["venezuela-severs-relations-2001"]
    ecuador = [f for f in facts_of(peru, "event") if "ecuador" in f.parties]
    assert [f.id for f in ecuador] == ["ecuador-border-dispute-ends-1998"]
    normalised = Counter(re.sub(r"\W+", " ", f.what).lower() for f in facts_of(peru, "event"))
    assert max(normalised.values()) == 1


# --------------------------------------------------------------------------- spot checks


def test_un_membership_keeps_1949_and_says_why(peru: Bank):
    un = fact(peru, "un-membership")
    assert un.group == "un"
    [member] = un.members
    assert (member.entity, member.role, member.since.iso()) == ("peru", "member", "1949")
    assert un.complete is False
    assert "1945" in un.note and "founding member" in un.note


def test_security_council_2006_and_2007(peru: Bank):
    [member] = fact(peru, "un-security-council-2006-2007").members
    assert (member.since.iso(), member.until.iso()) == ("2006", "2007")


def test_perez_de_cuellar_secretary_general_1981_to_1991(peru: Bank):
    role = fact(peru, "perez-de-cuellar-secretary-general")
    assert (role.person, role.role, role.organization) == (
        "perez-de-cuellar",
        "Secretary General",
        "un",
    )
    assert role.term.iso() == "1981/1991"
    assert role.term.display() == "1981–1991"


def test_210_troops_in_minustah(peru: Bank):
    troops = fact(peru, "minustah-troops")
    assert (troops.value, troops.unit, troops.qualifier) == (210, "troops", "exactly")
    assert "peru" in troops.parties
    assert "MINUSTAH" in troops.source


def test_venezuela_severed_relations_between_june_28_and_july_28_2001(peru: Bank):
    event = fact(peru, "venezuela-severs-relations-2001")
    assert event.date.iso() == "2001-06-28/2001-07-28"
    assert event.date.precision is Precision.DAY
    assert event.date.display() == "between June 28 and July 28, 2001"
    assert event.what == "Venezuela temporarily severed relations with Peru."
    assert (
        event.prompts["event.when"] == "When did Venezuela temporarily sever relations with Peru?"
    )


def test_more_than_200_soviet_advisers(peru: Bank):
    advisers = fact(peru, "soviet-military-advisers")
    assert (advisers.value, advisers.unit, advisers.qualifier) == (200, "advisers", "more than")


@pytest.mark.parametrize(
    ("fact_id", "value", "unit"),
    [
        ("peru-chile-agreements-1999-count", 3, "agreements"),
        ("eu-gsp-extension-years", 3, "years"),
        ("atpdea-extension-weeks", 6, "weeks"),
        ("mercosur-barrier-free-paraguay-uruguay", 13, "years"),
        ("mercosur-barrier-free-argentina-brazil", 15, "years"),
    ],
)
def test_figures(peru: Bank, fact_id: str, value: int, unit: str):
    quantity = fact(peru, fact_id)
    assert (quantity.value, quantity.unit) == (value, unit)


def test_mercosur_members_and_associates(peru: Bank):
    mercosur = fact(peru, "mercosur-members")
    assert mercosur.complete is True
    by_role = roles(mercosur)
    assert by_role["member"] == {"argentina", "brazil", "paraguay", "uruguay"}
    assert by_role["associate_member"] == {
        "bolivia",
        "chile",
        "colombia",
        "ecuador",
        "venezuela",
        "peru",
    }
    assert by_role["future_member"] == {"venezuela"}
    peru_member = next(m for m in mercosur.members if m.entity == "peru")
    assert peru_member.since.iso() == "2003-12-16"


def test_andean_community_since_1990(peru: Bank):
    can = fact(peru, "andean-community-members")
    assert can.complete is True
    assert roles(can) == {"member": {"peru", "bolivia", "colombia", "ecuador"}}
    assert next(m for m in can.members if m.entity == "peru").since.iso() == "1990"


def test_trade_preference_beneficiaries(peru: Bank):
    gsp = fact(peru, "eu-gsp-andean-beneficiary")
    assert [(m.entity, m.role, m.since.iso()) for m in gsp.members] == [
        ("peru", "beneficiary", "1990")
    ]
    assert gsp.complete is False
    atpdea = fact(peru, "atpdea-beneficiaries")
    assert atpdea.complete is True
    assert roles(atpdea) == {"beneficiary": {"peru", "bolivia", "ecuador", "colombia"}}
    assert next(m for m in atpdea.members if m.entity == "peru").since.iso() == "1991"


def test_apec_since_november_1998(peru: Bank):
    [member] = fact(peru, "apec-membership").members
    assert member.entity == "peru"
    assert member.since.iso() == "1998-11"
    assert member.since.precision is Precision.MONTH


def test_south_american_community_has_twelve_signatories(peru: Bank):
    sacn = fact(peru, "south-american-community-signatories")
    assert sacn.complete is True
    assert roles(sacn).keys() == {"signatory"}
    assert len(sacn.members) == 12
    agreement = fact(peru, "south-american-community-agreement-2004")
    assert set(agreement.parties) == {m.entity for m in sacn.members}
    assert agreement.date.iso() == "2004-12-08"


def test_boundary_disputes_including_other_countries(peru: Bank):
    parties = {frozenset(f.parties) for f in facts_of(peru, "dispute")}
    assert {
        frozenset({"colombia", "venezuela"}),
        frozenset({"argentina", "chile"}),
        frozenset({"venezuela", "guyana"}),
        frozenset({"peru", "ecuador"}),
        frozenset({"peru", "bolivia", "chile"}),
        frozenset({"peru", "chile"}),
    } <= parties
    beagle = fact(peru, "beagle-channel")
    assert beagle.territory == "beagle-channel"
    assert "settled" in beagle.status


def test_policy_shifts_by_decade(peru: Bank):
    periods = {f.id: f.period.iso() for f in facts_of(peru, "policy")}
    assert periods["nationalist-shift-1960s"] == "1960s"
    assert periods["military-government-nonaligned-1970s"] == "1970s"
    assert periods["third-world-voice-early-1970s"] == "1970s"
    assert periods["profile-recedes-late-1970s"] == "1970s"
    assert periods["soviet-military-client-1970s"] == "1970s"
    assert periods["soviets-andes-base-1985"] == "1985"
    assert fact(peru, "belaunde-closer-to-us").actor == "belaunde-government"
    assert fact(peru, "velasco-active-foreign-role").actor == "velasco-regime"


def test_people(peru: Bank):
    people = {e.id: e.name for e in peru.entities if e.kind == "person"}
    assert people == {
        "montesinos": "Vladimiro Montesinos",
        "fujimori": "Alberto Fujimori",
        "perez-de-cuellar": "Javier Perez de Cuellar",
        "velasco-alvarado": "Velasco Alvarado",
        "belaunde": "Belaunde",
    }
    assert fact(peru, "fujimori-japanese-citizen").organization == "japan"
    requests = [fact(peru, f"fujimori-extradition-request-{y}") for y in (2003, 2004)]
    assert [r.date.iso() for r in requests] == ["2003-07", "2004-10-15"]


def test_dates_keep_the_documents_precision(peru: Bank):
    assert fact(peru, "war-of-the-pacific-1879").date.precision is Precision.YEAR
    assert fact(peru, "peru-chile-agreements-1999").date.precision is Precision.MONTH
    assert fact(peru, "peru-chile-joint-statement-2004").date.iso() == "2004-11-04"
    assert fact(peru, "us-peru-fta").date.iso() == "2009-02"


# --------------------------------------------------------------------------- the second bank


def test_solar_system_fixture_loads_with_every_fact_kind():
    bank = load_bank(SOLAR_BANK)
    assert bank.id == "solar-system-exploration"
    assert {f.kind for f in bank.facts} == set(FACT_KINDS) - {"card", "choice"}
    text = SOLAR_TEXT.read_text(encoding="utf-8")
    assert [f.id for f in bank.facts if f.source not in text] == []
    # Nothing of Peru leaks into it: the generator must work on any subject.
    assert not any("peru" in e.id for e in bank.entities)
    assert "Peru" not in text


@pytest.fixture(scope="module")
def solar() -> Bank:
    return load_bank(SOLAR_BANK)


# --------------------------------------------------------------------------- through the generator


def test_every_peru_fact_gets_questions_beyond_its_flashcard(peru: Bank):
    weak = weak_items(peru)
    assert [item for item, _ in weak if item.startswith("fact.card:")] == []
    # The only templates left out: "which of these are members" for lists the document does
    # not give in full (APEC, the UN...), where a non-member cannot be offered safely.
    for item, _ in weak:
        template, _, fact_id = item.partition(":")
        assert template == "membership.members", item
        assert fact(peru, fact_id).complete is False, item


def test_the_solar_system_bank_has_no_weak_items(solar: Bank):
    assert weak_items(solar) == []


@pytest.mark.parametrize("bank_path", [PERU_BANK, SOLAR_BANK], ids=["peru", "solar"])
def test_generated_questions_read_cleanly(bank_path: Path):
    bank = load_bank(bank_path)
    text = (bank_path.parent / str(bank.source_text)).read_text(encoding="utf-8")
    for seed in range(5):
        for q in generate_all(bank, Random(seed)):
            shown = " ".join((q.prompt, *q.options, *q.answer))
            assert "{" not in q.prompt, q.id  # no placeholder left unfilled
            assert "the the " not in shown.lower(), q.id
            assert q.answer, q.id
            # The question cites the verbatim sources of every fact it involves.
            for fact_id in q.fact_ids:
                source = fact(bank, fact_id).source
                assert source in q.source and source in text, (q.id, fact_id)
