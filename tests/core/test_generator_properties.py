"""Properties of every generated question, over random valid banks (hypothesis) and over the
real banks: answers among the options, options unique, no distractor that is also right,
date and number options sorted, orderings strictly chronological, same seed same questions.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from random import Random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizapp.core import generator
from quizapp.core.dates import FuzzyDate
from quizapp.core.distractors import dates_overlap, is_catch_all, normalise
from quizapp.core.generator import BankContext, agreement_key, party_pairs
from quizapp.core.questions import Question
from quizapp.core.schema import (
    AgreementFact,
    Bank,
    DisputeFact,
    EventFact,
    MembershipFact,
    PolicyFact,
    QuantityFact,
    RoleFact,
)

ROOT = Path(__file__).resolve().parents[2]
REAL_BANKS = [
    ROOT / "question_bank" / "peru_foreign_relations.yaml",
    ROOT / "tests" / "fixtures" / "banks" / "solar_system.yaml",
]
DATE_TEMPLATES = {
    "event.when", "membership.since", "agreement.when", "role.term", "policy.period",
}  # fmt: skip

# --------------------------------------------------------------------------- strategies

REGIONS = ["north", "south", "east", "west"]
PRECISIONS = ["decade", "year", "month", "day"]


def _point(d: date, precision: str) -> str:
    return {
        "decade": f"{d.year // 10 * 10}s",
        "year": f"{d.year}",
        "month": f"{d.year}-{d.month:02d}",
        "day": d.isoformat(),
    }[precision]


@st.composite
def fuzzy_dates(draw: st.DrawFn, ranges: bool = True, precision: str | None = None) -> str:
    p = precision or draw(st.sampled_from(PRECISIONS))
    a = draw(st.dates(date(1500, 1, 1), date(2049, 12, 31)))
    if ranges and draw(st.integers(0, 4)) == 0:
        b = draw(st.dates(date(1500, 1, 1), date(2049, 12, 31)))
        lo, hi = sorted([_point(a, p), _point(b, p)])
        return f"{lo}/{hi}"
    return _point(a, p)


def _text(draw: st.DrawFn, stem: str, i: int) -> str:
    # Sometimes a text shared with another fact: de-duplication must cope.
    return draw(st.sampled_from([f"{stem} {i}", f"{stem} {i}", f"{stem} shared"]))


@st.composite
def banks(draw: st.DrawFn) -> Bank:
    regions = REGIONS[: draw(st.integers(1, 4))]

    def region(extra: tuple[str | None, ...] = ()) -> str | None:
        return draw(st.sampled_from([*regions, *regions, None, *extra]))

    countries = [
        {"id": f"c{i}", "name": f"Country {i}", "kind": "country", "group": region()}
        for i in range(draw(st.integers(2, 12)))
    ]
    orgs = [
        {"id": f"o{i}", "name": f"Org {i}", "kind": "organization", "group": region(("global",))}
        for i in range(draw(st.integers(1, 6)))
    ]
    people = [
        {"id": f"p{i}", "name": f"Person {i}", "kind": "person", "group": region()}
        for i in range(draw(st.integers(0, 6)))
    ]
    entities = [{k: v for k, v in e.items() if v is not None} for e in countries + orgs + people]
    country_ids = [c["id"] for c in countries]
    org_ids = [o["id"] for o in orgs]
    kinds = ["event", "event", "membership", "agreement", "quantity", "dispute", "policy"]
    if people:
        kinds.append("role")

    facts: list[dict[str, Any]] = []
    for i in range(draw(st.integers(1, 25))):
        kind = draw(st.sampled_from(kinds))
        base: dict[str, Any] = {"id": f"f{i}", "topic": "t", "source": f"Source {i}.", "kind": kind}
        if kind == "event":
            base |= {"what": _text(draw, "Event", i), "date": draw(fuzzy_dates())}
        elif kind == "membership":
            chosen = draw(
                st.lists(st.sampled_from(country_ids), min_size=1, max_size=4, unique=True)
            )
            members = []
            for c in chosen:
                m: dict[str, Any] = {
                    "entity": c,
                    "role": draw(st.sampled_from(["member", "member", "associate_member"])),
                }
                if draw(st.booleans()):
                    since = draw(st.dates(date(1900, 1, 1), date(2020, 12, 31)))
                    p = draw(st.sampled_from(PRECISIONS[1:]))
                    m["since"] = _point(since, p)
                    if draw(st.integers(0, 3)) == 0:
                        m["until"] = str(since.year + draw(st.integers(1, 20)))
                members.append(m)
            base |= {
                "group": draw(st.sampled_from(org_ids)),
                "members": members,
                "complete": draw(st.booleans()),
            }
        elif kind == "agreement":
            parties = draw(
                st.lists(
                    st.sampled_from(country_ids + org_ids), min_size=1, max_size=3, unique=True
                )
            )
            base |= {
                "name": _text(draw, "Treaty", i),
                "parties": parties,
                "outcome": _text(draw, "Outcome", i),
            }
            if draw(st.booleans()):
                base["date"] = draw(fuzzy_dates(ranges=False))
        elif kind == "role":
            base |= {
                "person": draw(st.sampled_from([p["id"] for p in people])),
                "role": draw(st.sampled_from(["President", "Minister"])),
            }
            if draw(st.booleans()):
                base["organization"] = draw(st.sampled_from(org_ids))
            if draw(st.booleans()):
                base["term"] = draw(fuzzy_dates(precision="year"))
        elif kind == "quantity":
            value = draw(st.one_of(
                st.integers(0, 5_000_000),
                st.integers(-500, -1),
                st.floats(0.01, 1000, allow_nan=False).map(lambda x: round(x, 2)),
            ))  # fmt: skip
            base |= {
                "what": f"Thing {i}",
                "value": value,
                "unit": "units",
                "qualifier": draw(st.sampled_from(["exactly", "about", "more than"])),
            }
        elif kind == "dispute":
            base |= {
                "parties": draw(
                    st.lists(st.sampled_from(country_ids), min_size=2, max_size=3, unique=True)
                ),
                "subject": _text(draw, "Subject", i),
            }
        else:
            base |= {
                "actor": draw(st.sampled_from(country_ids + org_ids)),
                "period": draw(fuzzy_dates()),
                "stance": _text(draw, "Stance", i),
            }
        facts.append(base)
    return Bank.model_validate(
        {"id": "random", "title": "Random", "source": {"title": "Doc"},
         "topics": [{"id": "t", "title": "T"}], "entities": entities, "facts": facts}
    )  # fmt: skip


# --------------------------------------------------------------------------- invariants


def check_question(q: Question, bank: Bank, ctx: BankContext, n_options: int) -> None:
    fact = ctx.facts[q.id.partition(":")[2]]
    assert q.fact_ids[0] == fact.id and q.prompt and q.explanation and q.source
    if q.type == "flashcard":
        assert q.options == () and len(q.answer) == 1 and q.answer[0]
        return
    norms = [normalise(o) for o in q.options]
    assert len(set(norms)) == len(norms), f"{q.id}: options repeat: {q.options}"
    assert 3 <= len(q.options) <= n_options, q.id
    assert not any(is_catch_all(o) for o in q.options)
    assert set(q.answer) <= set(q.options), q.id
    if q.type == "ordering":
        assert sorted(q.options) == sorted(q.answer) and q.options != q.answer
        _check_chronological(q, ctx, strict_first_only=False)
        return
    if q.type == "single_choice":
        assert len(q.answer) == 1
    else:
        assert 1 <= len(q.answer) < len(q.options)
    wrong = [o for o in q.options if o not in q.answer]
    _check_wrong_options(q, fact, ctx, wrong)


def _check_chronological(q: Question, ctx: BankContext, strict_first_only: bool) -> None:
    # Through the question's facts: two facts of the bank may read the same.
    by_text = {ctx.timeline_by_fact[f].text: ctx.timeline_by_fact[f] for f in q.fact_ids}
    assert len(by_text) == len(q.options) == len(q.fact_ids)
    chosen = [by_text[t] for t in (q.options if strict_first_only else q.answer)]
    p = min(e.precision for e in chosen)
    ords = [e.ords[p - 1] for e in chosen]
    assert len(set(ords)) == len(ords), f"{q.id}: ties at the shown precision"
    if strict_first_only:
        assert by_text[q.answer[0]].ords[p - 1] == min(ords)
    else:
        assert ords == sorted(ords), f"{q.id}: not chronological"


def _entity(ctx: BankContext, name: str) -> str:
    found = [e.id for e in ctx.entities.values() if e.name == name]
    assert len(found) == 1, name
    return found[0]


def _check_wrong_options(q: Question, fact: Any, ctx: BankContext, wrong: list[str]) -> None:
    t = q.template
    if t in DATE_TEMPLATES:
        iso = q.extra["iso"]
        dates = [FuzzyDate.parse(x) for x in iso]
        assert [d.display() for d in dates] == list(q.options)
        assert dates == sorted(dates, key=FuzzyDate.sort_key), f"{q.id}: dates unsorted"
        key = dates[q.options.index(q.answer[0])]
        for d in dates:
            if d is not key:
                assert d.precision == key.precision
                assert not d.same_at(key, key.precision)
                assert not (key.is_range and dates_overlap(d, key))
    elif t == "quantity.how_many":
        values = q.extra["values"]
        assert values == sorted(values) and len(set(values)) == len(values)
    elif t == "event.what":
        for w in wrong:
            for e in ctx.events_by_text[normalise(w)]:
                assert not dates_overlap(e.date, fact.date), f"{q.id}: {w} happened then too"
    elif t == "timeline.first":
        _check_chronological(q, ctx, strict_first_only=True)
    elif t == "membership.members":
        for w in wrong:
            assert _entity(ctx, w) not in ctx.listed[fact.group], f"{q.id}: {w} is listed"
    elif t == "membership.which_group":
        member = q.extra["member"]
        for w in wrong:
            assert member not in ctx.listed.get(_entity(ctx, w), set())
    elif t in ("agreement.parties", "dispute.parties"):
        for w in wrong:
            assert _entity(ctx, w) not in fact.parties
        if t == "agreement.parties":
            others = ctx.agreement_parties[agreement_key(fact)]
            assert not {_entity(ctx, w) for w in wrong} & others
    elif t == "agreement.outcome":
        right = ctx.agreement_outcomes[agreement_key(fact)]
        assert not {normalise(w) for w in wrong} & right
    elif t == "role.who":
        for w in wrong:
            pid = _entity(ctx, w)
            for other in ctx.role_holders[(normalise(fact.role), fact.organization)]:
                if other.person == pid:
                    assert fact.term and other.term and not dates_overlap(fact.term, other.term)
    elif t == "dispute.subject":
        for w in wrong:
            for other in ctx.bank.facts:
                if isinstance(other, DisputeFact) and normalise(other.subject) == normalise(w):
                    assert not set(party_pairs(other.parties)) & set(party_pairs(fact.parties))
    elif t == "policy.stance":
        for w in wrong:
            for other in ctx.bank.facts:
                if isinstance(other, PolicyFact) and normalise(other.stance) == normalise(w):
                    assert not dates_overlap(other.period, fact.period)


def check_bank(bank: Bank, seeds: range = range(3), n_options: int = 4) -> list[Question]:
    ctx = generator.build_context(bank)
    specs = generator.item_specs(bank, ctx)
    all_questions = []
    for seed in seeds:
        questions = generator.generate_all(bank, Random(seed), n_options=n_options)
        assert [q.id for q in questions] == [s.id for s in specs]
        for q in questions:
            check_question(q, bank, ctx, n_options)
        all_questions += questions
    # Every fact has its flashcard; the facts' kinds get their questions where data allows.
    cards = {s.fact_id for s in specs if s.type == "flashcard"}
    assert cards == {f.id for f in bank.facts}
    return all_questions


def key_positions_vary(bank: Bank, seeds: range = range(16)) -> None:
    ctx = generator.build_context(bank)
    positions: dict[str, set[int]] = {}
    for seed in seeds:
        for q in generator.generate_all(bank, Random(seed)):
            if q.type == "single_choice":
                positions.setdefault(q.id, set()).add(q.options.index(q.answer[0]))
    for item, seen in positions.items():
        fact = ctx.facts[item.partition(":")[2]]
        if isinstance(fact, QuantityFact) and abs(fact.value) <= 1:
            continue  # nothing plausible below 1: the key is always first
        assert len(seen) > 1, f"{item}: the key is always at position {seen}"


# --------------------------------------------------------------------------- properties

SETTINGS = settings(
    max_examples=60, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)  # fmt: skip


@SETTINGS
@given(banks(), st.integers(3, 5))
def test_every_question_of_a_random_bank_is_sound(bank: Bank, n_options: int) -> None:
    check_bank(bank, range(2), n_options)


@SETTINGS
@given(banks(), st.integers(0, 2**32))
def test_same_seed_same_questions(bank: Bank, seed: int) -> None:
    a = generator.generate_all(bank, Random(seed))
    b = generator.generate_all(bank, Random(seed))
    assert [q.to_dict() for q in a] == [q.to_dict() for q in b]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(banks())
def test_the_keys_position_varies_over_seeds(bank: Bank) -> None:
    key_positions_vary(bank)


@SETTINGS
@given(banks())
def test_render_item_matches_generate_all_specs(bank: Bank) -> None:
    ctx = generator.build_context(bank)
    for spec in generator.item_specs(bank, ctx):
        q = generator.render_item(bank, spec.id, Random(1), ctx=ctx)
        assert (q.id, q.type, q.template) == (spec.id, spec.type, spec.template)


@SETTINGS
@given(banks())
def test_weak_items_are_never_items(bank: Bank) -> None:
    specs = {s.id for s in generator.item_specs(bank)}
    for item_id, reason in generator.weak_items(bank):
        assert reason
        assert item_id not in specs or item_id.startswith("fact.card:")


def test_every_kind_is_generated_in_random_banks() -> None:
    kinds: Counter[str] = Counter()

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(banks())
    def collect(bank: Bank) -> None:
        for s in generator.item_specs(bank):
            kinds[s.template] += 1

    collect()
    assert {"event.when", "timeline.order", "fact.card", "quantity.how_many"} <= set(kinds)


# --------------------------------------------------------------------------- real banks


@pytest.fixture(scope="module", params=REAL_BANKS, ids=lambda p: p.stem)
def real_bank(request: pytest.FixtureRequest) -> Bank:
    path: Path = request.param
    if not path.exists():
        pytest.skip(f"{path.name} is not written yet")
    from quizapp.core.bank import load_bank

    return load_bank(path)


@pytest.mark.parametrize("n_options", [3, 4, 5])
def test_real_banks_questions_are_sound(real_bank: Bank, n_options: int) -> None:
    check_bank(real_bank, range(4), n_options)


def test_real_banks_key_positions_vary(real_bank: Bank) -> None:
    key_positions_vary(real_bank, range(24))


def test_real_banks_every_fact_gets_another_question(real_bank: Bank) -> None:
    specs = generator.item_specs(real_bank)
    weak = dict(generator.weak_items(real_bank))
    for fact in real_bank.facts:
        types = {s.type for s in specs if s.fact_id == fact.id}
        assert "flashcard" in types
        if len(types) == 1:  # only a card: the preview must say so
            assert f"fact.card:{fact.id}" in weak


def test_real_banks_kinds_all_covered(real_bank: Bank) -> None:
    kinds = {type(f) for f in real_bank.facts}
    specs = generator.item_specs(real_bank)
    templates = {s.template.partition(".")[0] for s in specs}
    names = {EventFact: "event", MembershipFact: "membership", AgreementFact: "agreement",
             RoleFact: "role", QuantityFact: "quantity", DisputeFact: "dispute",
             PolicyFact: "policy"}  # fmt: skip
    assert {names[k] for k in kinds} <= templates | {"timeline", "fact"}
