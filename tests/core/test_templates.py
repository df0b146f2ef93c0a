"""Each template on small hand-written banks: when it applies, and what it asks."""

from __future__ import annotations

from random import Random

import pytest

from quizapp.core import generator
from quizapp.core.dates import FuzzyDate
from quizapp.core.distractors import dates_overlap, normalise
from quizapp.core.questions import Question
from quizapp.core.schema import Bank
from quizapp.core.templates import (
    TEMPLATE_IDS,
    TEMPLATES,
    Template,
    register,
    with_article,
)
from tests.core.bankfactory import (
    agreement,
    countries,
    dispute,
    entity,
    event,
    make_bank,
    membership,
    organizations,
    people,
    policy,
    quantity,
    role,
    sample_bank,
)

SEEDS = range(40)
BRIEF_TEMPLATES = {
    "event.when", "event.what", "membership.since", "membership.which_group",
    "membership.members", "agreement.outcome", "agreement.when", "agreement.parties",
    "role.who", "role.term", "quantity.how_many", "dispute.subject", "dispute.parties",
    "policy.stance", "policy.period", "timeline.first", "timeline.order", "fact.card",
    "choice.single",
}  # fmt: skip


def render(bank: Bank, item_id: str, seed: int = 0, n: int = 4) -> Question:
    return generator.render_item(bank, item_id, Random(seed), n_options=n)


def renders(bank: Bank, item_id: str, n: int = 4) -> list[Question]:
    ctx = generator.build_context(bank)
    return [generator.render_item(bank, item_id, Random(s), n_options=n, ctx=ctx) for s in SEEDS]


def items(bank: Bank) -> set[str]:
    return {s.id for s in generator.item_specs(bank)}


def events_bank(*extra: dict, **kw: object) -> Bank:
    return make_bank(
        [
            event("Peru's border dispute with Ecuador ended", "1998", "ecuador"),
            event("Peru joined APEC", "1998-11", "apec"),
            event(
                "Venezuela temporarily severed relations with Peru",
                "2001-06-28/2001-07-28",
                "venezuela",
            ),
            event("Peru made a second extradition request", "2004-10-15", "extradition"),
            event("Peru attended the Miami summit", "1994", "miami"),
            event("The military government sought a nonaligned course", "1970s", "nonaligned"),
            *extra,
        ],
        **kw,
    )


# --------------------------------------------------------------------------- registry


def test_the_registry_has_every_template_of_the_brief() -> None:
    assert set(TEMPLATE_IDS) == BRIEF_TEMPLATES
    assert tuple(TEMPLATES) == TEMPLATE_IDS


def test_template_ids_are_prefixed_by_their_fact_kind() -> None:
    # The loader rejects a prompt keyed 'event.x' on a membership fact: prefixes must match.
    for tid, tpl in TEMPLATES.items():
        prefix = tid.partition(".")[0]
        if prefix not in ("timeline", "fact"):
            assert tpl.fact_kinds == (prefix,)
            assert tpl.fact_kind == prefix


def test_registering_a_template_twice_fails() -> None:
    class Again(Template):
        id = "event.when"
        type = "single_choice"
        fact_kinds = ("event",)

    with pytest.raises(ValueError, match="twice"):
        register(Again)


def test_render_item_raises_key_error_for_unknown_items() -> None:
    bank = events_bank()
    for bad in (
        "event.when:nope",
        "nope.when:ecuador",
        "event.when",
        "agreement.when:ecuador",
        "membership.since:ecuador",
    ):
        with pytest.raises(KeyError):
            render(bank, bad)


def test_n_options_must_be_3_to_5() -> None:
    with pytest.raises(ValueError, match="3 to 5"):
        render(events_bank(), "event.when:ecuador", n=6)


def test_item_specs_are_in_bank_then_template_order() -> None:
    bank = sample_bank()
    specs = generator.item_specs(bank)
    fact_order = {f.id: i for i, f in enumerate(bank.facts)}
    tpl_order = {t: i for i, t in enumerate(TEMPLATE_IDS)}
    keys = [(fact_order[s.fact_id], tpl_order[s.template]) for s in specs]
    assert keys == sorted(keys)
    assert all(s.id == f"{s.template}:{s.fact_id}" for s in specs)
    assert specs == generator.item_specs(bank)


def test_every_fact_has_a_flashcard_and_another_question() -> None:
    bank = sample_bank()
    specs = generator.item_specs(bank)
    for fact in bank.facts:
        types = {s.type for s in specs if s.fact_id == fact.id}
        assert "flashcard" in types and len(types) >= 2, fact.id


# --------------------------------------------------------------------------- events


def test_event_when_offers_dates_at_the_facts_precision_in_order() -> None:
    bank = events_bank()
    for q in renders(bank, "event.when:apec"):
        assert q.type == "single_choice" and q.answer == ("November 1998",)
        assert q.prompt == "When did this happen? Peru joined APEC."
        dates = [FuzzyDate.parse(_iso(o)) for o in q.options]
        assert all(d.precision == FuzzyDate.parse("1998-11").precision for d in dates)
        assert dates == sorted(dates, key=FuzzyDate.sort_key)
        assert q.extra["precision"] == "month"


def _iso(shown: str) -> str:
    """Back from 'November 1998' to '1998-11' (test helper for month displays)."""
    from quizapp.core.dates import MONTH_NAMES

    month, year = shown.split()
    return f"{year}-{MONTH_NAMES.index(month) + 1:02d}"


def test_event_when_for_a_range_offers_ranges() -> None:
    for q in renders(events_bank(), "event.when:venezuela"):
        assert q.answer == ("between June 28 and July 28, 2001",)
        assert all(o.startswith("between June 28 and July 28") for o in q.options)


def test_event_explanation_is_a_sentence_stating_the_fact() -> None:
    q = render(events_bank(), "event.when:venezuela")
    assert q.explanation == (
        "Venezuela temporarily severed relations with Peru between June 28 and July 28, 2001."
    )
    assert q.source == "Source sentence of venezuela."
    assert q.fact_ids == ("venezuela",)


def test_event_what_never_offers_an_event_of_the_same_time() -> None:
    bank = events_bank()
    for q in renders(bank, "event.what:ecuador"):
        assert q.prompt == "What happened in 1998?"
        assert q.answer == ("Peru's border dispute with Ecuador ended",)
        # 1998-11 happened in 1998: never a distractor. The 1970s cannot contain 1998 either.
        assert "Peru joined APEC" not in q.options
    for q in renders(bank, "event.what:apec"):
        assert "Peru's border dispute with Ecuador ended" not in q.options


def test_event_what_needs_two_other_events_at_other_times() -> None:
    bank = make_bank([event("A", "2001", "a"), event("B", "2001-05", "b"), event("C", "1990")])
    assert "event.what:a" not in items(bank) and "event.what:b" not in items(bank)
    assert "event.what:a" in dict(generator.weak_items(bank))


# --------------------------------------------------------------------------- memberships


def membership_bank(*facts: dict) -> Bank:
    return make_bank([*facts, event("Something", "2000", "x")])


def test_membership_since_asks_about_a_member_with_a_date() -> None:
    bank = membership_bank(
        membership("can", [{"entity": "peru", "since": "1990"}, "bolivia"], "can"),
    )
    for q in renders(bank, "membership.since:can"):
        assert q.prompt == "Since when has Peru been a member of the Community of Andean Nations?"
        assert q.answer == ("1990",) and q.extra["member"] == "peru"


def test_membership_since_with_until_asks_when_it_began() -> None:
    bank = membership_bank(
        membership("can", [{"entity": "venezuela", "since": "1973", "until": "2006"}], "v"),
    )
    q = render(bank, "membership.since:v")
    assert q.prompt == "When did Venezuela become a member of the Community of Andean Nations?"


def test_membership_since_does_not_apply_without_dates() -> None:
    bank = membership_bank(membership("can", ["peru", "bolivia"], "can"))
    assert "membership.since:can" not in items(bank)


def test_which_group_with_since_offers_groups_the_member_is_not_in() -> None:
    bank = membership_bank(
        membership("apec", [{"entity": "peru", "since": "1998-11"}], "apec"),
        membership("un", [{"entity": "peru", "since": "1949"}], "un"),
        membership("eu", ["france", "spain"], "eu", complete=True),
    )
    for q in renders(bank, "membership.which_group:apec"):
        assert q.prompt == "Which organization has Peru been a member of since November 1998?"
        assert q.answer == ("Asia-Pacific Economic Cooperation",)
        assert "United Nations" not in q.options  # Peru is listed there
        assert len(q.options) >= 3


def test_which_group_without_since_offers_only_complete_groups() -> None:
    facts = [
        membership("can", ["bolivia"], "can"),
        membership("eu", ["france", "spain"], "eu", complete=True),
    ]
    assert "membership.which_group:can" not in items(membership_bank(*facts))
    facts.append(membership("mercosur", ["brazil", "argentina"], "m", complete=True))
    bank = membership_bank(*facts)
    for q in renders(bank, "membership.which_group:can"):
        assert set(q.options) == {
            "Community of Andean Nations", "European Union", "Mercosur"
        }  # fmt: skip


def test_members_of_a_complete_list_never_offers_a_listed_entity() -> None:
    bank = membership_bank(
        membership("can", ["peru", "bolivia", "colombia", "ecuador"], "can", complete=True),
        membership("can", [{"entity": "chile", "role": "associate_member"}], "can-assoc"),
    )
    seen_counts = set()
    for q in renders(bank, "membership.members:can"):
        assert q.type == "multiple_choice"
        assert q.prompt == "Which of these are members of the Community of Andean Nations?"
        assert set(q.answer) <= {"Peru", "Bolivia", "Colombia", "Ecuador"} and q.answer
        wrong = set(q.options) - set(q.answer)
        assert wrong and "Chile" not in wrong  # listed with another role: neither right nor wrong
        seen_counts.add(len(q.answer))
        assert len(q.options) == 4
    assert len(seen_counts) > 1  # the number of right answers varies


def test_members_prefers_entities_of_the_members_region() -> None:
    bank = membership_bank(
        membership("can", ["peru", "bolivia"], "can", complete=True),
    )
    for q in renders(bank, "membership.members:can"):
        wrong = set(q.options) - set(q.answer)
        assert all(
            normalise(w)
            in {
                "chile",
                "ecuador",
                "colombia",
                "venezuela",
                "brazil",
                "argentina",
                "paraguay",
                "uruguay",
            }
            for w in wrong
        )


def test_members_of_an_incomplete_regional_list_offers_other_regions_only() -> None:
    bank = membership_bank(membership("mercosur", ["brazil", "argentina"], "m"))
    for q in renders(bank, "membership.members:m"):
        wrong = set(q.options) - set(q.answer)
        assert wrong and all(
            w in {"France", "Spain", "Germany", "Italy", "Japan", "China", "India"} for w in wrong
        )


def test_members_of_an_incomplete_global_or_mixed_list_does_not_apply() -> None:
    bank = membership_bank(
        membership("un", ["peru"], "un"),  # a global group: anyone may be a member
        membership("apec", ["peru", "japan"], "apec"),  # members of several regions
    )
    assert "membership.members:un" not in items(bank)
    assert "membership.members:apec" not in items(bank)
    weak = dict(generator.weak_items(bank))
    assert "not marked complete" in weak["membership.members:un"]


def test_members_with_a_reworded_prompt_shows_every_right_answer() -> None:
    bank = membership_bank(
        membership(
            "mercosur",
            ["brazil", "argentina"],
            "m",
            complete=True,
            prompts={"membership.members": "Which two countries are in Mercosur?"},
        ),
    )
    for q in renders(bank, "membership.members:m"):
        assert set(q.answer) == {"Brazil", "Argentina"}
        assert q.prompt == "Which two countries are in Mercosur?"


# --------------------------------------------------------------------------- agreements


def agreements_bank(*extra: dict) -> Bank:
    return make_bank(
        [
            agreement(
                "the 1999 Peru–Chile agreements",
                ["peru", "chile"],
                "removed the obstacles to the 1929 Border Treaty",
                "1999-11",
                "lima",
            ),
            agreement(
                "the Cusco Declaration",
                ["peru", "brazil"],
                "created the South American Community of Nations",
                "2004-12-08",
                "cusco",
            ),
            agreement(
                "the CAN–Mercosur pact",
                ["can", "mercosur"],
                "created a free trade zone between the blocs",
                None,
                "pact",
            ),
            *extra,
        ]
    )


def test_agreement_outcome_offers_other_outcomes() -> None:
    bank = agreements_bank(event("Peru joined APEC", "1998-11"))
    for q in renders(bank, "agreement.outcome:lima"):
        assert q.prompt == "What was the outcome of the 1999 Peru–Chile agreements?"
        assert q.answer == ("removed the obstacles to the 1929 Border Treaty",)
        # Only two other agreements: the event's text fills the fourth option.
        assert "Peru joined APEC" in q.options and len(q.options) == 4


def test_agreement_outcome_needs_two_outcomes_to_offer() -> None:
    bank = make_bank([agreement("A", ["peru", "chile"], "x"), agreement("B", ["peru"], "y")])
    assert not any(i.startswith("agreement.outcome") for i in items(bank))


def test_agreement_when_only_with_a_date_and_with_plural_grammar() -> None:
    bank = agreements_bank()
    assert "agreement.when:pact" not in items(bank)
    q = render(bank, "agreement.when:lima")
    assert q.prompt == "When were the 1999 Peru–Chile agreements concluded?"
    assert render(bank, "agreement.when:cusco").prompt == (
        "When was the Cusco Declaration concluded?"
    )


def test_agreement_parties_excludes_parties_of_the_same_agreement_elsewhere() -> None:
    bank = agreements_bank(
        agreement(
            "the Cusco Declaration",
            ["argentina", "bolivia"],
            "same",
            None,
            "cusco-2",
            agreement=None,
        ),
    )
    for q in renders(bank, "agreement.parties:cusco"):
        assert set(q.answer) <= {"Peru", "Brazil"}
        wrong = set(q.options) - set(q.answer)
        assert not wrong & {"Argentina", "Bolivia"}  # parties by the other fact on it


def test_agreement_parties_of_organizations_offers_organizations() -> None:
    for q in renders(agreements_bank(), "agreement.parties:pact"):
        wrong = set(q.options) - set(q.answer)
        assert wrong <= {o["name"] for o in organizations()}


# --------------------------------------------------------------------------- roles


def roles_bank() -> Bank:
    return make_bank(
        [
            role("fujimori", "President of Peru", None, "1990/2000", "fujimori"),
            role("toledo", "President of Peru", None, "2001/2006", "toledo"),
            role("garcia", "President of Peru", None, "1985/1990", "garcia"),
            role("perez_de_cuellar", "Secretary-General", "un", "1982/1991", "pdc"),
        ]
    )


def test_role_who_offers_people_and_other_holders_at_other_times() -> None:
    bank = roles_bank()
    offered: set[str] = set()
    for q in renders(bank, "role.who:fujimori"):
        assert q.prompt == "Who was President of Peru from 1990 to 2000?"
        assert q.answer == ("Alberto Fujimori",)
        offered |= set(q.options)
    # García's term (1985–1990) overlaps 1990–2000 at year precision: never offered.
    assert "Alan García" not in offered and "Alejandro Toledo" in offered


def test_role_who_uses_the_organization_with_its_article() -> None:
    q = render(roles_bank(), "role.who:pdc")
    assert q.prompt == "Who was Secretary-General of the United Nations from 1982 to 1991?"


def test_role_term_offers_ranges_that_do_not_overlap() -> None:
    for q in renders(roles_bank(), "role.term:toledo"):
        assert q.prompt == "When was Alejandro Toledo President of Peru?"
        assert q.answer == ("2001–2006",)
        key = FuzzyDate.parse("2001/2006")
        for o in q.options:
            if o != q.answer[0]:
                a, b = o.split("–")
                assert not dates_overlap(FuzzyDate.parse(f"{a}/{b}"), key)


def test_role_who_needs_other_people() -> None:
    bank = make_bank([role("fujimori", "President")], entities=people()[:2])
    assert not any(i.startswith("role.who") for i in items(bank))


# --------------------------------------------------------------------------- quantities


def test_quantity_how_many_offers_sorted_numbers() -> None:
    bank = make_bank([quantity("Peruvian troops in MINUSTAH", 210, "troops", "q")])
    for q in renders(bank, "quantity.how_many:q"):
        assert q.prompt == "Peruvian troops in MINUSTAH: how many troops?"
        values = [int(o.replace(",", "")) for o in q.options]
        assert values == sorted(values) and q.answer == ("210",)


def test_quantity_qualifier_goes_in_the_prompt_not_the_options() -> None:
    bank = make_bank(
        [
            quantity(
                "Soviet military advisers", 200, "advisers", "q", qualifier="more than", date="1985"
            )
        ]
    )
    q = render(bank, "quantity.how_many:q")
    assert q.prompt == "Soviet military advisers (in 1985): more than how many advisers?"
    assert all(o.replace(",", "").isdigit() for o in q.options)


def test_quantity_percentages() -> None:
    bank = make_bank([quantity("Share of exports", 12.5, "%", "q")])
    q = render(bank, "quantity.how_many:q")
    assert q.prompt == "Share of exports: what percentage?" and q.answer == ("12.5",)


# --------------------------------------------------------------------------- disputes


def disputes_bank() -> Bank:
    return make_bank(
        [
            dispute(["peru", "chile"], "the maritime boundary", "maritime"),
            dispute(["peru", "chile"], "the Tacna region", "tacna"),
            dispute(["peru", "ecuador"], "a jungle area", "jungle"),
            dispute(["argentina", "chile"], "the Beagle Channel", "beagle"),
            dispute(["venezuela", "colombia"], "waters off their border", "gulf"),
            dispute(["bolivia", "chile"], "the maritime boundary", "bolivia-sea"),
        ]
    )


def test_dispute_subject_never_offers_another_subject_of_the_same_parties() -> None:
    for q in renders(disputes_bank(), "dispute.subject:maritime"):
        assert q.prompt == "What did Peru and Chile dispute?"
        assert q.answer == ("the maritime boundary",)
        assert "the Tacna region" not in q.options


def test_dispute_parties_excludes_parties_to_a_dispute_over_the_same_subject() -> None:
    for q in renders(disputes_bank(), "dispute.parties:maritime"):
        assert set(q.answer) <= {"Peru", "Chile"}
        assert "Bolivia" not in q.options


# --------------------------------------------------------------------------- policies


def policies_bank() -> Bank:
    return make_bank(
        [
            policy("peru", "1970s", "sought a nonaligned course", "nonaligned"),
            policy("peru", "1980/1985", "sought closer ties with the United States", "belaunde"),
            policy("peru", "1990s", "sought free trade", "fujimori"),
            policy("chile", "1975", "sought a free market", "chile-1975"),
            policy("peru", "2000s", "joined trade blocs", "2000s"),
        ]
    )


def test_policy_stance_never_offers_a_stance_of_an_overlapping_time() -> None:
    bank = policies_bank()
    for q in renders(bank, "policy.stance:nonaligned"):
        assert q.prompt == "Which describes the policy of Peru in the 1970s?"
        # Chile's 1975 stance is of the same time: it could be true of Peru as well.
        assert "sought a free market" not in q.options
        assert q.answer == ("sought a nonaligned course",)


def test_policy_period_offers_periods_of_the_same_shape() -> None:
    for q in renders(policies_bank(), "policy.period:belaunde"):
        assert q.prompt.startswith("When did Peru pursue this policy: sought closer ties")
        assert all("–" in o for o in q.options) and q.answer == ("1980–1985",)


# --------------------------------------------------------------------------- timelines


def test_timeline_first_is_anchored_and_answers_the_earliest() -> None:
    bank = events_bank()
    for q in renders(bank, "timeline.first:apec"):
        assert q.prompt == "Which came first?"
        assert "Peru joined APEC" in q.options  # the anchor
        assert q.fact_ids[0] == "apec"
        ctx = generator.build_context(bank)
        by_text = {e.text: e for e in ctx.timeline}
        chosen = [by_text[o] for o in q.options]
        p = min(e.precision for e in chosen)
        first = min(chosen, key=lambda e: e.ords[p - 1])
        assert q.answer == (first.text,)


def test_timeline_first_only_for_events_with_a_point_date() -> None:
    found = items(events_bank())
    assert "timeline.first:venezuela" not in found  # a range
    assert "timeline.first:apec" in found


def test_timeline_order_answers_in_strict_chronological_order() -> None:
    bank = events_bank(
        agreement("the Cusco Declaration", ["peru", "brazil"], "x", "2004-12-08", "cusco"),
        membership("un", [{"entity": "peru", "since": "1949"}], "un"),
    )
    assert "timeline.order:cusco" in items(bank) and "timeline.order:un" in items(bank)
    ctx = generator.build_context(bank)
    by_text = {e.text: e for e in ctx.timeline}
    for item in ("timeline.order:cusco", "timeline.order:ecuador", "timeline.order:un"):
        for q in renders(bank, item):
            assert q.type == "ordering" and q.options != q.answer
            assert sorted(q.options) == sorted(q.answer)
            chosen = [by_text[t] for t in q.answer]
            p = min(e.precision for e in chosen)
            ords = [e.ords[p - 1] for e in chosen]
            assert ords == sorted(set(ords))  # strictly increasing: no ties shown
            assert len(q.extra["dates"]) == len(q.answer)


def test_timeline_texts_read_as_sentences() -> None:
    bank = events_bank(
        agreement("the 1999 agreements", ["peru", "chile"], "x", "1999-11", "a"),
        membership("un", [{"entity": "peru", "since": "1949"}], "un"),
        membership(
            "mercosur",
            [{"entity": "brazil", "since": "1991"}, {"entity": "argentina", "since": "1991"}],
            "m",
        ),
    )
    ctx = generator.build_context(bank)
    texts = {e.fact.id: e.text for e in ctx.timeline}
    assert texts["a"] == "The 1999 agreements were concluded"
    assert texts["un"] == "Peru became a member of the United Nations"
    assert texts["m"] == "Brazil and Argentina became members of Mercosur"
    assert "venezuela" not in texts  # a range is not a point in time


# --------------------------------------------------------------------------- flashcards


def test_every_fact_kind_has_a_card() -> None:
    bank = sample_bank()
    ctx = generator.build_context(bank)
    for fact in bank.facts:
        q = generator.render_item(bank, f"fact.card:{fact.id}", Random(0), ctx=ctx)
        assert q.type == "flashcard" and q.options == ()
        assert q.prompt and len(q.answer) == 1 and q.answer[0]


def test_cards_by_kind() -> None:
    bank = sample_bank()
    card = {f.id: render(bank, f"fact.card:{f.id}") for f in bank.facts}
    assert card["venezuela-break"].answer == (
        "Between June 28 and July 28, 2001: Venezuela temporarily severed relations with Peru.",
    )
    assert card["can-members"].prompt == "Who are the members of the Community of Andean Nations?"
    assert card["can-members"].answer == ("Peru (since 1990), Bolivia, Colombia and Ecuador",)
    assert card["peru-apec"].answer == ("November 1998",)
    assert card["soviet-advisers"].answer == ("More than 200 advisers",)
    assert card["pdc-sg"].answer == ("Javier Pérez de Cuéllar",)
    assert card["maritime-dispute"].answer == ("The maritime boundary",)
    assert card["belaunde"].answer == ("Peru worked toward closer ties with the United States.",)


def test_card_and_prompt_overrides() -> None:
    bank = make_bank(
        [
            event(
                "Sputnik 1 was launched",
                "1957-10-04",
                "s",
                card={"front": "Sputnik?", "back": "1957"},
                prompts={"event.when": "When did {what}?", "event.what": "On {when}?"},
            ),
            event("B", "1960"),
            event("C", "1970"),
        ]
    )
    assert render(bank, "fact.card:s").prompt == "Sputnik?"
    assert render(bank, "fact.card:s").answer == ("1957",)
    assert render(bank, "event.when:s").prompt == "When did Sputnik 1 was launched?"
    assert render(bank, "event.what:s").prompt == "On on October 4, 1957?"


def test_a_reworded_prompt_without_placeholder_pins_the_member() -> None:
    bank = membership_bank(
        membership(
            "can",
            [{"entity": "peru", "since": "1990"}, {"entity": "bolivia", "since": "1969"}],
            "can",
            prompts={"membership.since": "When did Peru join the CAN?"},
        ),
    )
    for q in renders(bank, "membership.since:can"):
        assert q.prompt == "When did Peru join the CAN?" and q.answer == ("1990",)


def test_unpinned_membership_questions_vary_the_member() -> None:
    bank = membership_bank(
        membership(
            "can",
            [{"entity": "peru", "since": "1990"}, {"entity": "bolivia", "since": "1969"}],
            "can",
        ),
    )
    assert {q.answer for q in renders(bank, "membership.since:can")} == {("1990",), ("1969",)}


# --------------------------------------------------------------------------- wording


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("United Nations", "the United Nations"),
        ("Community of Andean Nations", "the Community of Andean Nations"),
        ("United States", "the United States"),
        ("Mercosur", "Mercosur"),
        ("APEC", "APEC"),
        ("Peru", "Peru"),
        ("the EU", "the EU"),
    ],
)
def test_names_get_their_article_in_prose(name: str, shown: str) -> None:
    assert with_article(name, "organization") == shown


def test_people_never_get_an_article() -> None:
    assert with_article("Bank Smith", "person") == "Bank Smith"


# --------------------------------------------------------------------------- weak items


def test_weak_items_report_facts_with_only_a_flashcard() -> None:
    bank = make_bank(
        [role("fujimori", "President", fact_id="fujimori")],
        entities=[entity("fujimori", "person", name="Alberto Fujimori")],
    )
    weak = dict(generator.weak_items(bank))
    assert "role.who:fujimori" in weak
    assert weak["fact.card:fujimori"].startswith("only a flashcard")
    assert [s.template for s in generator.item_specs(bank)] == ["fact.card"]


def test_sample_bank_weak_items_are_explained() -> None:
    for item_id, reason in generator.weak_items(sample_bank()):
        assert ":" in item_id and reason


def test_countries_helper_has_regions() -> None:
    assert {c.get("group") for c in countries()} == {"south_america", "europe", "asia"}
