"""The question generator: which items a bank has, and one showing of an item.

``build_context`` indexes a bank once (entities by kind and group, dates by precision, events
by time, who is listed in which group...) so that every template renders in about constant
time: a bank of 10,000 facts generates all its questions in under a second.
"""

from __future__ import annotations

import bisect
import contextlib
import gc
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from random import Random
from typing import TYPE_CHECKING, Any, TypeVar

from .dates import FuzzyDate, Precision
from .distractors import DatePools, TimelinePool, normalise, ords_text, point_ords
from .questions import ItemSpec, Question
from .schema import (
    AgreementFact,
    Bank,
    DisputeFact,
    Entity,
    EventFact,
    Fact,
    MembershipFact,
    PolicyFact,
    QuantityFact,
    RoleFact,
)

if TYPE_CHECKING:
    from .templates import Template

T = TypeVar("T")
_PRECISIONS = tuple(Precision)
"""Coarse to fine (iterating the enum itself is slow)."""


@dataclass(eq=False, slots=True)
class TimelineEntry:
    """A fact with one point date, as it appears in "which came first" and ordering items.
    Not frozen, only because a frozen dataclass is slow to build (a bank has thousands)."""

    fact: Fact
    fact_id: str
    source: str
    """The fact's, copied: questions cite the facts of the entries they show."""
    text: str
    date: FuzzyDate
    norm: str
    ords: tuple[int, ...]
    """The date's ordinal at each precision from DECADE up to its own (index = precision - 1)."""
    shown: tuple[str, ...]
    """The date as shown at each of those precisions ("the 1990s", "1998", "November 1998")."""
    start: int
    """Day ordinal of the date's first day, for sorting."""
    precision: Precision


@dataclass(eq=False)
class BankContext:
    """Everything templates look up, indexed once per bank."""

    bank: Bank
    entities: dict[str, Entity] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    """Entity id → name."""
    prose_names: dict[str, str] = field(default_factory=dict)
    """Entity id → its name as it reads in a sentence (filled by ``templates.prose``)."""
    by_kind: dict[str, list[Entity]] = field(default_factory=dict)
    by_kind_group: dict[tuple[str, str | None], list[Entity]] = field(default_factory=dict)
    facts: dict[str, Fact] = field(default_factory=dict)
    facts_by_kind: dict[str, list[Fact]] = field(default_factory=dict)
    dates: DatePools = field(default_factory=lambda: DatePools(()))
    # Events by their (day) span, for "what happened then" without scanning all events.
    events_by_start: list[EventFact] = field(default_factory=list)
    event_starts: list[int] = field(default_factory=list)
    events_by_end: list[EventFact] = field(default_factory=list)
    event_ends: list[int] = field(default_factory=list)
    event_texts_by_start: list[str] = field(default_factory=list)
    event_texts_by_end: list[str] = field(default_factory=list)
    """What the events of ``events_by_start`` and ``events_by_end`` say: "what happened
    then" draws from these (a list of texts is quicker to read at random than the facts)."""
    events_by_text: dict[str, list[EventFact]] = field(default_factory=dict)
    event_spans_by_text: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    """The (first day, last day) of the events under each text, in ``events_by_text`` order."""
    shared_event_texts: set[str] = field(default_factory=set)
    """Texts that several events share (most events have words of their own)."""
    # Memberships: group entity id -> entities listed in it with any role, in any fact.
    listed: dict[str, set[str]] = field(default_factory=dict)
    listed_regions: dict[str, set[str | None]] = field(default_factory=dict)
    groups_of: dict[str, set[str]] = field(default_factory=dict)
    complete_groups: set[str] = field(default_factory=set)
    # Agreements: the same agreement may be told by several facts.
    agreement_parties: dict[str, set[str]] = field(default_factory=dict)
    agreement_outcomes: dict[str, set[str]] = field(default_factory=dict)
    outcome_texts: list[str] = field(default_factory=list)
    fallback_outcome_texts: list[str] = field(default_factory=list)
    dispute_parties_by_subject: dict[str, set[str]] = field(default_factory=dict)
    role_holders: dict[tuple[str, str | None], list[RoleFact]] = field(default_factory=dict)
    dispute_subjects: list[str] = field(default_factory=list)
    dispute_subjects_by_pair: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    policy_stances: list[str] = field(default_factory=list)
    policies_by_start: list[PolicyFact] = field(default_factory=list)
    policy_starts: list[int] = field(default_factory=list)
    policy_ends: list[int] = field(default_factory=list)
    policy_norms: list[str] = field(default_factory=list)
    policy_longest: int = 0
    timeline: list[TimelineEntry] = field(default_factory=list)
    timeline_events: list[TimelineEntry] = field(default_factory=list)
    timeline_by_fact: dict[str, TimelineEntry] = field(default_factory=dict)
    timeline_pool: TimelinePool[TimelineEntry] = field(default_factory=lambda: TimelinePool([]))
    timeline_events_pool: TimelinePool[TimelineEntry] = field(
        default_factory=lambda: TimelinePool([])
    )

    descriptions: dict[str, str] = field(default_factory=dict)
    """Fact id → ``templates.describe`` of it (every question of the fact explains with it)."""
    memo: dict[Hashable, Any] = field(default_factory=dict)
    """Per-fact work shared by ``applies`` and ``render`` (and by later showings)."""
    _spans: dict[int, tuple[FuzzyDate, int, int]] = field(default_factory=dict)

    def memoised(self, key: Hashable, compute: Callable[..., T], *args: Any) -> T:
        """``compute(*args)``, once per key. (Arguments rather than a closure: a closure would
        be made anew at every look-up, and most look-ups find the value.)"""
        try:
            return self.memo[key]  # type: ignore[no-any-return]
        except KeyError:
            value = self.memo[key] = compute(*args)
            return value

    def span(self, when: FuzzyDate) -> tuple[int, int]:
        """(first day, last day) as ordinals; cached, as ``FuzzyDate`` computes them anew."""
        hit = self._spans.get(id(when))
        if hit is not None and hit[0] is when:
            return hit[1], hit[2]
        a, b = when.start.toordinal(), when.end.toordinal()
        self._spans[id(when)] = (when, a, b)  # keeps ``when`` alive: its id stays its own
        return a, b

    def overlap(self, x: FuzzyDate, y: FuzzyDate) -> bool:
        """Whether the two dates could name the same moment (2001 and 2001-06 do)."""
        xa, xb = self.span(x)
        ya, yb = self.span(y)
        return xa <= yb and ya <= xb

    def policies_overlapping(self, when: FuzzyDate) -> list[PolicyFact]:
        """Policies whose period overlaps ``when`` (by bisection over the sorted periods)."""
        policies = self.policies_by_start
        return [policies[i] for i in self._policies_overlapping(when)]

    def stances_overlapping(self, when: FuzzyDate) -> list[str]:
        """The stances (normalised) of the policies whose period overlaps ``when``."""
        norms = self.policy_norms
        return [norms[i] for i in self._policies_overlapping(when)]

    def _policies_overlapping(self, when: FuzzyDate) -> list[int]:
        lo, hi = self.span(when)
        stop = bisect.bisect_right(self.policy_starts, hi)
        # Periods are short next to the bank's span: look back only as far as they could reach.
        first = bisect.bisect_left(self.policy_starts, lo - self.policy_longest)
        ends = self.policy_ends
        return [i for i in range(stop - 1, first - 1, -1) if ends[i] >= lo]

    def name(self, entity_id: str) -> str:
        return self.names.get(entity_id, entity_id)

    def kind_of(self, entity_id: str) -> str | None:
        entity = self.entities.get(entity_id)
        return entity.kind if entity is not None else None

    def region_of(self, entity_id: str) -> str | None:
        entity = self.entities.get(entity_id)
        return entity.group if entity is not None else None


def agreement_key(fact: AgreementFact) -> str:
    """Facts about the same agreement share this key (its entity, or its name)."""
    return fact.agreement or "name:" + normalise(fact.name)


def party_pairs(parties: list[str]) -> list[tuple[str, str]]:
    """Every unordered pair of parties: two disputes sharing a pair may share an answer."""
    ids = sorted(set(parties))
    return [(a, b) for i, a in enumerate(ids) for b in ids[i + 1 :]]


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Building a bank's questions allocates a great many small objects and frees few: the
    cyclic collector would re-scan them all several times for nothing (~15% of the time).
    Only the caller's own work runs with it paused; it is restored after, with what was
    built moved to the oldest generation (``gc.freeze`` then ``gc.unfreeze``, which moves
    lists without visiting them): otherwise the first young collection after the pause
    visits every object built, and the next ones visit them again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def build_context(bank: Bank) -> BankContext:
    """Index the bank once; every template then renders in about constant time."""
    with _gc_paused():
        return _build_context(bank)


def _build_context(bank: Bank) -> BankContext:
    # Imported here: templates import this module.
    from .templates import timeline_text

    ctx = BankContext(bank=bank)
    for e in bank.entities:
        ctx.entities[e.id] = e
        ctx.names[e.id] = e.name
        ctx.by_kind.setdefault(e.kind, []).append(e)
        ctx.by_kind_group.setdefault((e.kind, e.group), []).append(e)

    all_dates: list[FuzzyDate] = []
    listed: dict[str, set[str]] = defaultdict(set)
    groups_of: dict[str, set[str]] = defaultdict(set)
    agreement_parties: dict[str, set[str]] = defaultdict(set)
    agreement_outcomes: dict[str, set[str]] = defaultdict(set)
    dispute_parties: dict[str, set[str]] = defaultdict(set)
    events: list[EventFact] = []
    for fact in bank.facts:
        ctx.facts[fact.id] = fact
        ctx.facts_by_kind.setdefault(fact.kind, []).append(fact)
        if isinstance(fact, EventFact):
            events.append(fact)
            ctx.events_by_text.setdefault(normalise(fact.what), []).append(fact)
            all_dates.append(fact.date)
            ctx.fallback_outcome_texts.append(fact.what)
        elif isinstance(fact, MembershipFact):
            if fact.complete:
                ctx.complete_groups.add(fact.group)
            for m in fact.members:
                listed[fact.group].add(m.entity)
                groups_of[m.entity].add(fact.group)
                all_dates.extend(d for d in (m.since, m.until) if d is not None)
        elif isinstance(fact, AgreementFact):
            key = agreement_key(fact)
            agreement_parties[key].update(fact.parties)
            agreement_outcomes[key].add(normalise(fact.outcome))
            ctx.outcome_texts.append(fact.outcome)
            if fact.date is not None:
                all_dates.append(fact.date)
        elif isinstance(fact, RoleFact):
            ctx.role_holders.setdefault((normalise(fact.role), fact.organization), []).append(fact)
            if fact.term is not None:
                all_dates.append(fact.term)
        elif isinstance(fact, DisputeFact):
            subject = normalise(fact.subject)
            dispute_parties[subject].update(fact.parties)
            ctx.dispute_subjects.append(fact.subject)
            for pair in party_pairs(fact.parties):
                ctx.dispute_subjects_by_pair.setdefault(pair, set()).add(subject)
            if fact.status:
                ctx.fallback_outcome_texts.append(fact.status)
            if fact.date is not None:
                all_dates.append(fact.date)
        elif isinstance(fact, PolicyFact):
            all_dates.append(fact.period)
            ctx.policy_stances.append(fact.stance)
            ctx.policies_by_start.append(fact)
        elif isinstance(fact, QuantityFact) and fact.date is not None:
            all_dates.append(fact.date)

    ctx.dates = DatePools(all_dates)
    ctx.listed = dict(listed)
    ctx.groups_of = dict(groups_of)
    ctx.listed_regions = {g: {ctx.region_of(e) for e in ids} for g, ids in listed.items()}
    ctx.agreement_parties = dict(agreement_parties)
    ctx.agreement_outcomes = dict(agreement_outcomes)
    ctx.dispute_parties_by_subject = dict(dispute_parties)

    # Sorted as (key, index) tuples: the same stable order as sorting by key, compared in C.
    policies = ctx.policies_by_start
    spans = [ctx.span(f.period) for f in policies]
    order = sorted([(a, b, i) for i, (a, b) in enumerate(spans)])
    ctx.policies_by_start = [policies[i] for _, _, i in order]
    ctx.policy_starts = [a for a, _, _ in order]
    ctx.policy_ends = [b for _, b, _ in order]
    ctx.policy_norms = [normalise(f.stance) for f in ctx.policies_by_start]
    ctx.policy_longest = max((b - a for a, b, _ in order), default=0)
    spans = [ctx.span(f.date) for f in events]
    by_start = sorted([(a, i) for i, (a, _) in enumerate(spans)])
    by_end = sorted([(b, i) for i, (_, b) in enumerate(spans)])
    ctx.events_by_start = [events[i] for _, i in by_start]
    ctx.event_starts = [a for a, _ in by_start]
    ctx.events_by_end = [events[i] for _, i in by_end]
    ctx.event_ends = [b for b, _ in by_end]
    ctx.event_texts_by_start = [f.what for f in ctx.events_by_start]
    ctx.event_texts_by_end = [f.what for f in ctx.events_by_end]
    ctx.event_spans_by_text = {
        text: [ctx.span(f.date) for f in same] for text, same in ctx.events_by_text.items()
    }
    ctx.shared_event_texts = {t for t, same in ctx.events_by_text.items() if len(same) > 1}

    for fact in bank.facts:
        found = timeline_text(fact, ctx)
        if found is None:
            continue
        text, when = found
        ords = point_ords(when.first)
        shown = tuple(
            [ords_text(o, o, p, False)[0] for o, p in zip(ords, _PRECISIONS, strict=False)]
        )
        entry = TimelineEntry(
            fact=fact,
            fact_id=fact.id,
            source=fact.source,
            text=text,
            date=when,
            norm=normalise(text),
            ords=ords,
            shown=shown,
            start=ctx.span(when)[0],
            precision=when.precision,
        )
        ctx.timeline.append(entry)
        ctx.timeline_by_fact[fact.id] = entry
    ctx.timeline.sort(key=lambda e: (e.start, e.precision))
    ctx.timeline_events = [e for e in ctx.timeline if isinstance(e.fact, EventFact)]
    ctx.timeline_pool = TimelinePool(ctx.timeline)
    ctx.timeline_events_pool = TimelinePool(ctx.timeline_events)
    return ctx


def events_apart_from(ctx: BankContext, when: FuzzyDate) -> tuple[int, int]:
    """(n, m): the first n of ``events_by_end`` end before ``when``, and the events from
    index m of ``events_by_start`` start after it; together, every event that cannot have
    happened at the same time (found by bisection, not by a scan)."""
    a, b = ctx.span(when)
    n = bisect.bisect_left(ctx.event_ends, a)
    m = bisect.bisect_right(ctx.event_starts, b)
    return n, m


# --------------------------------------------------------------------------- public API


def item_specs(bank: Bank, ctx: BankContext | None = None) -> list[ItemSpec]:
    """Every (template, fact) that applies, in bank order then template order (stable)."""
    with _gc_paused():
        return _item_specs(bank, ctx or build_context(bank))


def _item_specs(bank: Bank, ctx: BankContext) -> list[ItemSpec]:
    applying = _applying(ctx)
    specs = []
    for fact in bank.facts:
        for tpl in applying.get(id(fact), ()):
            specs.append(
                ItemSpec(
                    id=f"{tpl.id}:{fact.id}",
                    template=tpl.id,
                    type=tpl.type,
                    fact_id=fact.id,
                    topic=fact.topic,
                )
            )
    return specs


def _applying(ctx: BankContext) -> dict[int, list[Template]]:
    """The templates that apply to each fact (by ``id()``), in ``templates_for`` order. Found
    one template at a time: what a template looks up then stays in the processor's caches
    (about 5% faster for a large bank than fact by fact, in bank order)."""
    from .templates import TEMPLATES

    applying: dict[int, list[Template]] = {}
    for tpl in TEMPLATES.values():  # registration order, as ``templates_for`` gives them
        for kind in tpl.fact_kinds:
            for fact in tpl.applying(ctx.facts_by_kind.get(kind, ()), ctx):
                found = applying.setdefault(id(fact), [])
                # A fact (object) listed twice still gets each template once here.
                if not found or found[-1] is not tpl:
                    found.append(tpl)
    return applying


def render_item(
    bank: Bank,
    item_id: str,
    rng: Random,
    *,
    n_options: int = 4,
    ctx: BankContext | None = None,
) -> Question:
    """One showing of an item. KeyError when the item does not exist (unknown template or
    fact, or a template that does not apply to that fact)."""
    from .templates import TEMPLATES

    template_id, sep, fact_id = item_id.partition(":")
    tpl = TEMPLATES.get(template_id)
    ctx = ctx or build_context(bank)
    fact = ctx.facts.get(fact_id)
    if not sep or tpl is None or fact is None or not tpl.applies(fact, ctx):
        raise KeyError(item_id)
    return tpl.render(fact, ctx, rng, _clamp(n_options))


def generate_all(bank: Bank, rng: Random, *, n_options: int = 4) -> list[Question]:
    """One question per item, in ``item_specs`` order, all drawn from ``rng`` in turn (so the
    same seed and bank give the same questions)."""
    n = _clamp(n_options)
    with _gc_paused():
        ctx = _build_context(bank)
        # Nothing is drawn from rng to find which items exist: only the rendering must follow
        # the order of the items.
        applying = _applying(ctx)
        # What ``_item_specs`` lists, rendered as it is found (no specs to build and look up).
        return [
            tpl.render(fact, ctx, rng, n)
            for fact in bank.facts
            for tpl in applying.get(id(fact), ())
        ]


def weak_items(bank: Bank, ctx: BankContext | None = None) -> list[tuple[str, str]]:
    """(item id, reason) for every template that fits a fact's data but lacks plausible
    distractors, and for facts that get no question besides their flashcard."""
    from .templates import templates_for

    ctx = ctx or build_context(bank)
    out = []
    for fact in bank.facts:
        asked = Counter[str]()
        for tpl in templates_for(fact.kind):
            if not tpl.relevant(fact, ctx):
                continue
            reason = tpl.weakness(fact, ctx)
            if reason is not None:
                out.append((f"{tpl.id}:{fact.id}", reason))
            elif tpl.type != "flashcard":
                asked[tpl.type] += 1
        if not asked:
            out.append(
                (f"fact.card:{fact.id}", "only a flashcard: no question template applies to it")
            )
    return out


def _clamp(n_options: int) -> int:
    if not 3 <= n_options <= 5:
        raise ValueError(f"n_options must be 3 to 5, not {n_options}")
    return n_options
