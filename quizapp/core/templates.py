"""Question templates: a registry, one class per template.

A template turns one fact into one *item* (``"{template}:{fact_id}"``). It says whether it
applies to a fact (``relevant``: the fact has the data, e.g. a date; ``weakness``: None, or why
plausible distractors are lacking) and renders a ``Question`` from the bank context and an
explicit ``random.Random``. Adding a template is adding one decorated class here.

A fact may reword a template's prompt with ``prompts[template_id]``; the text may use the
placeholders a template offers (``{member}``, ``{group}``...). A template that picks one of
several members at random sticks to the first when the reworded prompt names none.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Hashable, Iterable, Sequence
from random import Random
from typing import Any, ClassVar

from .dates import FuzzyDate, Precision
from .distractors import (
    MIN_OPTIONS,
    Concat,
    Slice,
    can_pick_apart,
    choose,
    date_ords,
    decimals_of,
    display_precision,
    draw,
    format_number,
    has_at_least,
    is_catch_all,
    normalise,
    number_count,
    number_distractors,
    ords_text,
    pick_apart,
    randint,
    sample,
    shuffle,
)

# The generator imports this module only inside its functions, so this import is no cycle (and
# an import inside a function, as there used to be, costs a microsecond at every call).
from .generator import (
    BankContext,
    TimelineEntry,
    agreement_key,
    events_apart_from,
    party_pairs,
)
from .questions import Question, QuestionType
from .schema import (
    FACT_KINDS,
    AgreementFact,
    CardFact,
    ChoiceFact,
    DisputeFact,
    Entity,
    EventFact,
    Fact,
    Member,
    MembershipFact,
    PolicyFact,
    QuantityFact,
    RoleFact,
)

# --------------------------------------------------------------------------- wording


def join_names(names: Sequence[str]) -> str:
    """A, A and B, A, B and C."""
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def article(phrase: str) -> str:
    return "an" if phrase[:1].lower() in "aeiou" else "a"


_TAKES_THE = re.compile(
    r"\b(united|union|community|organi[sz]ation|nations|states|republic|kingdom|cooperation|"
    r"system|mission|council|bank|fund|agreement|treaty|pact|alliance|association|forum|group|"
    r"court|assembly|commission|programme|program|federation|declaration|summit|conference|"
    r"netherlands|philippines|bahamas|gambia|emirates|islands|international|station|agency)\b",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=1 << 14)
def with_article(name: str, kind: str | None = None) -> str:
    """'the United Nations', 'the Community of Andean Nations', but 'Peru', 'Mercosur', 'APEC'.

    Entity names are stored bare (they are also options); prose needs the article that
    institutional names and a few country names take.
    """
    if kind == "person" or name[:4].lower() == "the ":
        return name
    return "the " + name if _TAKES_THE.search(name) else name


_HEAD_ENDS = re.compile(r"\b(?:of|with|between|on|for|to|in)\b")


def is_plural_name(name: str) -> bool:
    """'the 1999 Peru–Chile agreements' and 'Camp David Accords' are plural, 'Treaty of Lima'
    is not: the head noun is the last word before 'of', 'with', 'between'..."""
    head = _HEAD_ENDS.split(name, maxsplit=1)[0].split()
    last = head[-1].lower() if head else ""
    return last.endswith("s") and not last.endswith(("ss", "us", "is"))


def role_words(role: str) -> str:
    return role.replace("_", " ")


_Y_PLURAL = re.compile(r"[^aeiou]y$")
_ES_PLURAL = re.compile(r"(s|x|z|ch|sh)$")


def plural(phrase: str) -> str:
    """Pluralise the last word: member → members, beneficiary → beneficiaries."""
    head, _, last = phrase.rpartition(" ")
    if _Y_PLURAL.search(last):
        last = last[:-1] + "ies"
    elif _ES_PLURAL.search(last):
        last += "es"
    else:
        last += "s"
    return f"{head} {last}" if head else last


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def strip_period(text: str) -> str:
    return text.rstrip().rstrip(".")


def sentence(text: str) -> str:
    text = cap(text.strip())
    return text if text.endswith((".", "!", "?")) else text + "."


def when_phrase(d: FuzzyDate) -> str:
    """'on June 28, 2001', 'in 1998', 'in the 1970s', 'between June 28 and July 28, 2001'."""
    if d.last is None:
        return ("on " if d.precision is Precision.DAY else "in ") + d.display()
    shown = d.display()
    if shown.startswith("between"):
        return shown
    if d.precision is Precision.YEAR:
        return f"from {d.first.year} to {d.last.year}"
    return "from " + shown


_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def prompt_for(fact: Fact, template_id: str, default: str, **fields: str) -> str:
    """The fact's own wording for this template if it has one, else ``default``."""
    if not fact.prompts:
        return default
    override = fact.prompts.get(template_id)
    if override is None:
        return default
    return _PLACEHOLDER.sub(lambda m: fields.get(m[1], m[0]), override)


def pinned(fact: Fact, template_id: str, placeholder: str) -> bool:
    """Whether a reworded prompt fixes the choice (it does not name ``{placeholder}``)."""
    override = fact.prompts.get(template_id)
    return override is not None and "{" + placeholder + "}" not in override


def prose(ctx: BankContext, entity_id: str) -> str:
    """An entity's name as it reads inside a sentence (with its article)."""
    text = ctx.prose_names.get(entity_id)
    if text is None:
        text = with_article(ctx.name(entity_id), ctx.kind_of(entity_id))
        ctx.prose_names[entity_id] = text
    return text


def prose_list(ctx: BankContext, ids: Iterable[str]) -> str:
    return join_names([prose(ctx, i) for i in dict.fromkeys(ids)])


def member_text(ctx: BankContext, m: Member) -> str:
    parts = [prose(ctx, m.entity)]
    if m.since and m.until:
        parts.append(f"({m.since.display()} to {m.until.display()})")
    elif m.since:
        parts.append(f"(since {m.since.display()})")
    elif m.until:
        parts.append(f"(until {m.until.display()})")
    return " ".join(parts)


def agreement_name(fact: AgreementFact) -> str:
    return with_article(fact.name, "agreement")


def quantity_text(fact: QuantityFact) -> str:
    return format_number(fact.value, decimals_of(fact.value))


def _group_kind(ctx: BankContext, group_id: str) -> str:
    return (ctx.kind_of(group_id) or "organization").replace("_", " ")


def describe(fact: Fact, ctx: BankContext) -> str:
    """A sentence stating the fact, for explanations when the bank gives none."""
    if isinstance(fact, EventFact):
        return sentence(f"{strip_period(fact.what)} {when_phrase(fact.date)}")
    if isinstance(fact, MembershipFact):
        return _describe_membership(fact, ctx)
    if isinstance(fact, AgreementFact):
        when = f", {when_phrase(fact.date)}" if fact.date else ""
        name = agreement_name(fact)
        return sentence(
            f"{name} ({prose_list(ctx, fact.parties)}{when}): {strip_period(fact.outcome)}"
        )
    if isinstance(fact, RoleFact):
        org = f" of {prose(ctx, fact.organization)}" if fact.organization else ""
        when = f" {when_phrase(fact.term)}" if fact.term else ""
        return sentence(f"{ctx.name(fact.person)} was {fact.role}{org}{when}")
    if isinstance(fact, QuantityFact):
        q = "" if fact.qualifier == "exactly" else fact.qualifier + " "
        when = f" ({when_phrase(fact.date)})" if fact.date else ""
        return sentence(f"{fact.what}{when}: {q}{quantity_text(fact)} {fact.unit}")
    if isinstance(fact, DisputeFact):
        status = f" ({strip_period(fact.status)})" if fact.status else ""
        return sentence(f"{prose_list(ctx, fact.parties)} disputed {fact.subject}{status}")
    if isinstance(fact, CardFact):
        return f"{fact.front} — {fact.back}"
    if isinstance(fact, ChoiceFact):
        return f"{fact.question} — {fact.answer}"
    assert isinstance(fact, PolicyFact)
    return sentence(f"{cap(when_phrase(fact.period))}, {prose(ctx, fact.actor)} {fact.stance}")


def _describe_membership(fact: MembershipFact, ctx: BankContext) -> str:
    group = prose(ctx, fact.group)
    if len(fact.members) == 1:
        m = fact.members[0]
        who, role = cap(prose(ctx, m.entity)), role_words(m.role)
        a_role = f"{article(role)} {role}"
        if m.until is not None:
            since = f" from {m.since.display()}" if m.since else ""
            return sentence(f"{who} was {a_role} of {group}{since} until {m.until.display()}")
        since = f" since {m.since.display()}" if m.since else ""
        return sentence(f"{who} has been {a_role} of {group}{since}")
    parts = []
    for r in dict.fromkeys(m.role for m in fact.members):
        for former in (False, True):
            ms = [m for m in fact.members if m.role == r and (m.until is not None) == former]
            if not ms:
                continue
            role = role_words(r)
            names = join_names([member_text(ctx, m) for m in ms])
            if len(ms) == 1:
                verb, what = ("was" if former else "is"), f"{article(role)} {role}"
            else:
                verb, what = ("were" if former else "are"), plural(role)
            parts.append(f"{names} {verb} {what} of {group}")
    return sentence(cap("; ".join(parts)))


def explain(fact: Fact, ctx: BankContext) -> str:
    if fact.explanation:
        return fact.explanation
    text = ctx.descriptions.get(fact.id)
    if text is None:
        text = ctx.descriptions[fact.id] = describe(fact, ctx)
    return text


def timeline_text(fact: Fact, ctx: BankContext) -> tuple[str, FuzzyDate] | None:
    """How a fact with a single point date reads on a timeline (without its date)."""
    if isinstance(fact, EventFact) and not fact.date.is_range:
        return strip_period(fact.what), fact.date
    if isinstance(fact, AgreementFact) and fact.date is not None and not fact.date.is_range:
        verb = "were" if is_plural_name(fact.name) else "was"
        return f"{cap(agreement_name(fact))} {verb} concluded", fact.date
    if isinstance(fact, MembershipFact):
        dates = {m.since for m in fact.members}
        roles = {m.role for m in fact.members}
        if len(dates) == 1 and len(roles) == 1:
            since = next(iter(dates))
            if since is not None and not since.is_range:
                role = role_words(fact.members[0].role)
                names = [prose(ctx, m.entity) for m in fact.members]
                group = prose(ctx, fact.group)
                if len(names) == 1:
                    text = f"{cap(names[0])} became {article(role)} {role} of {group}"
                else:
                    text = f"{cap(join_names(names))} became {plural(role)} of {group}"
                return text, since
    if isinstance(fact, PolicyFact) and not fact.period.is_range:
        return f"{cap(prose(ctx, fact.actor))} {strip_period(fact.stance)}", fact.period
    if isinstance(fact, RoleFact) and fact.term is not None and not fact.term.is_range:
        org = f" of {prose(ctx, fact.organization)}" if fact.organization else ""
        return f"{cap(prose(ctx, fact.person))} was {fact.role}{org}", fact.term
    return None


# --------------------------------------------------------------------------- registry


class Template:
    """One kind of question about one kind of fact."""

    id: ClassVar[str]
    type: ClassVar[QuestionType]
    fact_kinds: ClassVar[tuple[str, ...]]

    @property
    def fact_kind(self) -> str:
        return self.fact_kinds[0] if len(self.fact_kinds) == 1 else "*"

    def relevant(self, fact: Any, ctx: BankContext) -> bool:
        """Whether the fact has what the template asks about (a date, a since...)."""
        return True

    def weakness(self, fact: Any, ctx: BankContext) -> str | None:
        """None, or why the bank lacks plausible distractors for this fact."""
        return None

    def applies(self, fact: Fact, ctx: BankContext) -> bool:
        return (
            fact.kind in self.fact_kinds
            and self.relevant(fact, ctx)
            and self.weakness(fact, ctx) is None
        )

    def applying(self, facts: Iterable[Fact], ctx: BankContext) -> list[Fact]:
        """Those of ``facts`` (all of this template's kinds) that it applies to: ``applies``
        for a whole bank at once, without a call per fact."""
        relevant, weakness = self.relevant, self.weakness
        return [f for f in facts if relevant(f, ctx) and weakness(f, ctx) is None]

    def render(self, fact: Any, ctx: BankContext, rng: Random, n_options: int) -> Question:
        raise NotImplementedError

    def question(
        self,
        fact: Fact,
        ctx: BankContext,
        prompt: str,
        options: Sequence[str],
        answer: Sequence[str],
        *,
        involved: Sequence[TimelineEntry] = (),
        explanation: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Question:
        """The question of this template about ``fact``; ``involved``: the timeline entries
        shown with it (the fact's own among them), whose facts it also cites."""
        if involved:
            others = [e for e in involved if e.fact is not fact]
            fact_ids = (fact.id, *[e.fact_id for e in others])
            # One line per fact, so the feedback shows each sentence as its own paragraph.
            source = "\n".join(dict.fromkeys([fact.source, *[e.source for e in others]]))
        else:
            fact_ids, source = (fact.id,), fact.source
        return Question(
            id=f"{self.id}:{fact.id}",
            type=self.type,
            template=self.id,
            prompt=prompt,
            options=tuple(options),
            answer=tuple(answer),
            fact_ids=fact_ids,
            source=source,
            explanation=explanation or explain(fact, ctx),
            topic=fact.topic,
            extra=extra or {},
        )


TEMPLATES: dict[str, Template] = {}
_BY_KIND: dict[str, list[Template]] = {kind: [] for kind in FACT_KINDS}


def register(cls: type[Template]) -> type[Template]:
    if cls.id in TEMPLATES:
        raise ValueError(f"template {cls.id} registered twice")
    tpl = cls()
    TEMPLATES[cls.id] = tpl
    for kind in cls.fact_kinds:
        _BY_KIND[kind].append(tpl)
    return cls


def templates_for(kind: str) -> Sequence[Template]:
    """The templates for a fact kind, in registration order (the order of item specs)."""
    return _BY_KIND.get(kind, ())


# --------------------------------------------------------------------------- shared shapes


_PRECISION_NAMES = {p: p.name.lower() for p in Precision}
"""As questions' ``extra`` names them (an enum's ``name`` is slow to read)."""


def date_weakness(ctx: BankContext, key: FuzzyDate) -> str | None:
    if ctx.dates.count(key) < MIN_OPTIONS - 1:
        return f"fewer than {MIN_OPTIONS - 1} plausible dates besides {key.iso()}"
    return None


def date_question(
    tpl: Template,
    fact: Fact,
    ctx: BankContext,
    rng: Random,
    n: int,
    key: FuzzyDate,
    prompt: str,
    extra: dict[str, Any] | None = None,
) -> Question:
    """A 'when' question: dates at the key's precision, shown in chronological order."""
    # As ordinals: sorting and showing them is cheaper than building dates.
    p, is_range = key.precision, key.is_range
    mine = date_ords(key)
    shown = [
        ords_text(a, b, p, is_range)
        for a, b in sorted([mine, *ctx.dates.distractor_ords(key, n - 1, rng)])
    ]
    return tpl.question(
        fact,
        ctx,
        prompt,
        [d for d, _ in shown],
        [ords_text(*mine, p, is_range)[0]],
        extra={"precision": _PRECISION_NAMES[p], "iso": [i for _, i in shown], **(extra or {})},
    )


Accept = Callable[[Any], Hashable | None]


def text_accept(exclude: set[str]) -> Accept:
    def accept(text: str) -> str | None:
        n = normalise(text)
        return None if n in exclude or is_catch_all(text) else n

    return accept


def entity_accept(exclude_ids: set[str], exclude_names: set[str]) -> Accept:
    def accept(e: Entity) -> str | None:
        if e.id in exclude_ids:
            return None
        n = normalise(e.name)
        return None if n in exclude_names or is_catch_all(e.name) else n

    return accept


def entity_tiers(
    ctx: BankContext, kinds: Iterable[str], regions: Iterable[str | None]
) -> list[Sequence[Entity]]:
    """Entities of the same kinds: those of the same groups (regions) first. Built once per
    (kinds, regions) as plain lists: drawing indexes them often."""
    ks, rs = tuple(sorted(set(kinds))), tuple(sorted({r for r in regions if r}))
    return ctx.memoised(("entity tiers", ks, rs), _entity_tiers, ctx, ks, rs)


def _entity_tiers(
    ctx: BankContext, kinds: tuple[str, ...], regions: tuple[str, ...]
) -> list[Sequence[Entity]]:
    same = [e for k in kinds for r in regions for e in ctx.by_kind_group.get((k, r), ())]
    return [same, [e for k in kinds for e in ctx.by_kind.get(k, ())]]


def _parties_tiers(parties: list[str], ctx: BankContext) -> list[Sequence[Entity]]:
    """Entities of the parties' kinds, those of their groups first."""
    kinds = {ctx.kind_of(p) or "country" for p in parties}
    return entity_tiers(ctx, kinds, [ctx.region_of(p) for p in parties])


def choice_question(
    tpl: Template,
    fact: Fact,
    ctx: BankContext,
    rng: Random,
    n: int,
    key: str,
    tiers: Sequence[Sequence[Any]],
    accept: Accept,
    show: Callable[[Any], str],
    prompt: str,
    extra: dict[str, Any] | None = None,
) -> Question:
    """A single choice among shuffled texts."""
    wrong = draw(tiers, n - 1, rng, accept, {normalise(key)})
    options = [key, *map(show, wrong)]
    shuffle(rng, options)
    return tpl.question(fact, ctx, prompt, options, [key], extra=extra)


def select_all_question(
    tpl: Template,
    fact: Fact,
    ctx: BankContext,
    rng: Random,
    n: int,
    correct: Sequence[str],
    tiers: Sequence[Sequence[Entity]],
    accept: Accept,
    prompt: str,
    extra: dict[str, Any] | None = None,
) -> Question:
    """'Which of these...' with 1..k right answers among ``n`` shuffled options."""
    correct = list(dict.fromkeys(correct))
    wrong_pool = draw(tiers, n - 1, rng, accept, {normalise(c) for c in correct})
    hi = min(len(correct), n - 1)
    lo = min(max(1, n - len(wrong_pool)), hi)
    if tpl.id in fact.prompts:
        lo = hi  # a reworded prompt may count the answers ("Which two countries..."): show all
    k = randint(rng, lo, hi)
    right = sample(rng, correct, k)
    options = right + [e.name for e in wrong_pool[: n - k]]
    shuffle(rng, options)
    return tpl.question(fact, ctx, prompt, options, [o for o in options if o in right], extra=extra)


# --------------------------------------------------------------------------- events


@register
class EventWhen(Template):
    id = "event.when"
    type = "single_choice"
    fact_kinds = ("event",)

    def weakness(self, fact: EventFact, ctx: BankContext) -> str | None:
        return date_weakness(ctx, fact.date)

    def prompt(self, fact: EventFact) -> str:
        default = f"When did this happen? {sentence(fact.what)}"
        return prompt_for(fact, self.id, default, what=strip_period(fact.what))

    def render(self, fact: EventFact, ctx: BankContext, rng: Random, n: int) -> Question:
        return date_question(self, fact, ctx, rng, n, fact.date, self.prompt(fact))


@register
class EventWhat(Template):
    """What happened then? Other events are offered only when they cannot have happened at
    the same time (1998 never beside 1998-11: both could be right)."""

    id = "event.what"
    type = "single_choice"
    fact_kinds = ("event",)

    def _tiers(self, fact: EventFact, ctx: BankContext) -> list[Sequence[str]]:
        """What the other events say (as texts: all that is shown and compared of them)."""
        # Events of the same span share their tiers.
        return ctx.memoised((self.id, "tiers", ctx.span(fact.date)), self._tiers_now, fact, ctx)

    @staticmethod
    def _tiers_now(fact: EventFact, ctx: BankContext) -> list[Sequence[str]]:
        before, after = events_apart_from(ctx, fact.date)
        texts = ctx.event_texts_by_start
        return [Concat(Slice(ctx.event_texts_by_end, 0, before), Slice(texts, after, len(texts)))]

    def _accept(self, fact: EventFact, ctx: BankContext) -> Accept:
        return ctx.memoised((self.id, fact.id), self._accept_now, fact, ctx)

    @staticmethod
    def _accept_now(fact: EventFact, ctx: BankContext) -> Accept:
        key = normalise(fact.what)
        lo, hi = ctx.span(fact.date)
        spans, shared = ctx.event_spans_by_text, ctx.shared_event_texts

        def accept(what: str) -> str | None:
            n = normalise(what)
            if n == key or is_catch_all(what):
                return None
            # The same words may tell of another event, at the key's time: right too. (Words
            # of one event only are that candidate's, which never overlaps the key's time.)
            if n in shared and any(a <= hi and lo <= b for a, b in spans[n]):
                return None
            return n

        return accept

    def weakness(self, fact: EventFact, ctx: BankContext) -> str | None:
        if not has_at_least(self._tiers(fact, ctx), MIN_OPTIONS - 1, self._accept(fact, ctx)):
            return f"fewer than {MIN_OPTIONS - 1} other events at other times"
        return None

    def render(self, fact: EventFact, ctx: BankContext, rng: Random, n: int) -> Question:
        when = when_phrase(fact.date)
        prompt = prompt_for(fact, self.id, f"What happened {when}?", when=when)
        return choice_question(
            self,
            fact,
            ctx,
            rng,
            n,
            fact.what,
            self._tiers(fact, ctx),
            self._accept(fact, ctx),
            str,
            prompt,
        )


# --------------------------------------------------------------------------- memberships


def _membership_fields(ctx: BankContext, fact: MembershipFact, m: Member) -> dict[str, str]:
    role = role_words(m.role)
    return {
        "member": prose(ctx, m.entity),
        "group": prose(ctx, fact.group),
        "role": role,
        "a_role": f"{article(role)} {role}",
        "kind": _group_kind(ctx, fact.group),
        "since": m.since.display() if m.since else "",
        "until": m.until.display() if m.until else "",
    }


@register
class MembershipSince(Template):
    id = "membership.since"
    type = "single_choice"
    fact_kinds = ("membership",)

    def _eligible(self, fact: MembershipFact, ctx: BankContext) -> list[Member]:
        return ctx.memoised((self.id, fact.id), self._eligible_now, fact, ctx)

    def _eligible_now(self, fact: MembershipFact, ctx: BankContext) -> list[Member]:
        found = [
            m for m in fact.members if m.since is not None and date_weakness(ctx, m.since) is None
        ]
        return found[:1] if pinned(fact, self.id, "member") else found

    def relevant(self, fact: MembershipFact, ctx: BankContext) -> bool:
        return any(m.since is not None for m in fact.members)

    def weakness(self, fact: MembershipFact, ctx: BankContext) -> str | None:
        return None if self._eligible(fact, ctx) else "too few plausible dates"

    def render(self, fact: MembershipFact, ctx: BankContext, rng: Random, n: int) -> Question:
        m = choose(rng, self._eligible(fact, ctx))
        assert m.since is not None
        f = _membership_fields(ctx, fact, m)
        if m.until is None:
            default = f"Since when has {f['member']} been {f['a_role']} of {f['group']}?"
        else:
            default = f"When did {f['member']} become {f['a_role']} of {f['group']}?"
        prompt = prompt_for(fact, self.id, default, **f)
        return date_question(self, fact, ctx, rng, n, m.since, prompt, {"member": m.entity})


@register
class MembershipWhichGroup(Template):
    """Which organization? Offered groups are of the group's kind and never list the member.

    With a ``since`` date (or a prompt reworded by the bank) the question tells the groups
    apart, so any such group will do. Without one, "Which organization is Bolivia a member
    of?" would be wrong to offer the UN merely because the bank does not list Bolivia there:
    only groups whose membership the bank gives as complete are offered then.
    """

    id = "membership.which_group"
    type = "single_choice"
    fact_kinds = ("membership",)

    def _choices(
        self, fact: MembershipFact, ctx: BankContext
    ) -> list[tuple[Member, list[Sequence[Entity]], Accept]]:
        return ctx.memoised((self.id, fact.id), self._choices_now, fact, ctx)

    def _choices_now(
        self, fact: MembershipFact, ctx: BankContext
    ) -> list[tuple[Member, list[Sequence[Entity]], Accept]]:
        kind = ctx.kind_of(fact.group) or "organization"
        region = ctx.region_of(fact.group)
        tiers, complete_only = ctx.memoised(
            (self.id, "tiers", kind, region), self._group_tiers, ctx, kind, region
        )
        out = []
        for m in fact.members:
            accept = entity_accept(
                ctx.groups_of.get(m.entity, set()) | {fact.group, m.entity},
                {normalise(ctx.name(fact.group))},
            )
            # A date, or the bank's own wording, tells the groups apart.
            precise = m.since is not None or self.id in fact.prompts
            usable = tiers if precise else complete_only
            if has_at_least(usable, MIN_OPTIONS - 1, accept):
                out.append((m, usable, accept))
            if out and pinned(fact, self.id, "member"):
                break
        return out

    @staticmethod
    def _group_tiers(
        ctx: BankContext, kind: str, region: str | None
    ) -> tuple[list[Sequence[Entity]], list[Sequence[Entity]]]:
        # Entities that are groups in the bank first ("Peru's intelligence agency" is an
        # organization nobody is a member of).
        groups = [e for e in ctx.by_kind.get(kind, ()) if e.id in ctx.listed]
        tiers = [groups, *entity_tiers(ctx, [kind], [region])]
        complete = [e for e in groups if e.id in ctx.complete_groups]
        return tiers, [complete]

    def weakness(self, fact: MembershipFact, ctx: BankContext) -> str | None:
        if not self._choices(fact, ctx):
            kind = _group_kind(ctx, fact.group)
            return (
                f"fewer than {MIN_OPTIONS - 1} other {plural(kind)} to offer (without a "
                "'since' date, only groups with a complete membership list)"
            )
        return None

    def render(self, fact: MembershipFact, ctx: BankContext, rng: Random, n: int) -> Question:
        m, tiers, accept = choose(rng, self._choices(fact, ctx))
        f = _membership_fields(ctx, fact, m)
        head = f"Which {f['kind']}"
        if m.since and m.until:
            default = (
                f"{head} was {f['member']} {f['a_role']} of from {f['since']} to {f['until']}?"
            )
        elif m.since:
            default = f"{head} has {f['member']} been {f['a_role']} of since {f['since']}?"
        elif m.until:
            default = f"{head} was {f['member']} {f['a_role']} of until {f['until']}?"
        else:
            default = f"{head} is {f['member']} {f['a_role']} of?"
        prompt = prompt_for(fact, self.id, default, **f)
        return choice_question(
            self,
            fact,
            ctx,
            rng,
            n,
            ctx.name(fact.group),
            tiers,
            accept,
            lambda e: e.name,
            prompt,
            {"member": m.entity},
        )


GLOBAL_REGIONS = frozenset({"global", "world", "worldwide", "international", "multilateral"})
"""Groups whose members may come from anywhere: no entity is 'clearly' outside them."""


@register
class MembershipMembers(Template):
    """Which of these are members? Non-members are offered only when that is safe: the list is
    ``complete``; or the group is regional (it has a region, not a global one, and every
    entity the bank lists in it is of that region) and the entity is of another region.
    APEC (asia_pacific) listing Peru (south_america) is not regional by that test: Japan
    (asia) must not be offered as a non-member."""

    id = "membership.members"
    type = "multiple_choice"
    fact_kinds = ("membership",)

    def _choices(
        self, fact: MembershipFact, ctx: BankContext
    ) -> list[tuple[str, list[Member], bool, list[Sequence[Entity]], Accept]]:
        return ctx.memoised((self.id, fact.id), self._choices_now, fact, ctx)

    def _choices_now(
        self, fact: MembershipFact, ctx: BankContext
    ) -> list[tuple[str, list[Member], bool, list[Sequence[Entity]], Accept]]:
        out = []
        for role in dict.fromkeys(m.role for m in fact.members):
            with_role = [m for m in fact.members if m.role == role]
            current = [m for m in with_role if m.until is None]
            correct = current or with_role
            kinds = {ctx.kind_of(m.entity) or "country" for m in correct}
            accept = self._accept(fact.group, ctx)
            if fact.complete:
                tiers = entity_tiers(ctx, kinds, [ctx.region_of(m.entity) for m in correct])
            else:
                tiers = self._outside_tiers(fact, ctx, kinds)
            if has_at_least(tiers, MIN_OPTIONS - 1, accept):
                out.append((role, correct, bool(current), tiers, accept))
            if out and pinned(fact, self.id, "role"):
                break
        return out

    def _accept(self, group: str, ctx: BankContext) -> Accept:
        """Anyone the bank lists in the group (under any name) is no distractor; once per
        group, as a group may be told of by many facts."""
        return ctx.memoised((self.id, "accept", group), self._accept_now, group, ctx)

    @staticmethod
    def _accept_now(group: str, ctx: BankContext) -> Accept:
        listed = ctx.listed.get(group, set())
        return entity_accept(listed | {group}, {normalise(ctx.name(e)) for e in listed})

    @staticmethod
    def _outside_tiers(
        fact: MembershipFact, ctx: BankContext, kinds: set[str]
    ) -> list[Sequence[Entity]]:
        own = ctx.region_of(fact.group)
        regions = ctx.listed_regions.get(fact.group, set())
        if own is None or own in GLOBAL_REGIONS or regions != {own}:
            return []
        outside = [
            ctx.by_kind_group[(k, r)]
            for (k, r) in ctx.by_kind_group
            if k in kinds and r is not None and r != own
        ]
        return [Concat(*outside)]

    def weakness(self, fact: MembershipFact, ctx: BankContext) -> str | None:
        if self._choices(fact, ctx):
            return None
        if not fact.complete:
            return (
                "membership list not marked complete, and the group is not clearly "
                "regional (its region set, every listed member in it), or too few "
                "entities of other regions"
            )
        return f"fewer than {MIN_OPTIONS - 1} entities of the same kind outside the group"

    def render(self, fact: MembershipFact, ctx: BankContext, rng: Random, n: int) -> Question:
        role, correct, current, tiers, accept = choose(rng, self._choices(fact, ctx))
        words = role_words(role)
        group = prose(ctx, fact.group)
        verb = "are" if current else "were"
        default = f"Which of these {verb} {plural(words)} of {group}?"
        prompt = prompt_for(fact, self.id, default, role=words, group=group)
        names = [ctx.name(m.entity) for m in correct]
        return select_all_question(
            self, fact, ctx, rng, n, names, tiers, accept, prompt, {"role": role}
        )


# --------------------------------------------------------------------------- agreements


@register
class AgreementOutcome(Template):
    id = "agreement.outcome"
    type = "single_choice"
    fact_kinds = ("agreement",)

    def _tiers(self, ctx: BankContext) -> list[Sequence[str]]:
        # Other agreements' outcomes; if too few, outcome-like texts of other facts.
        return [ctx.outcome_texts, ctx.fallback_outcome_texts]

    def _accept(self, fact: AgreementFact, ctx: BankContext) -> Accept:
        return ctx.memoised((self.id, fact.id), self._accept_now, fact, ctx)

    @staticmethod
    def _accept_now(fact: AgreementFact, ctx: BankContext) -> Accept:
        return text_accept(ctx.agreement_outcomes.get(agreement_key(fact), set()))

    def weakness(self, fact: AgreementFact, ctx: BankContext) -> str | None:
        if not has_at_least(self._tiers(ctx), MIN_OPTIONS - 1, self._accept(fact, ctx)):
            return f"fewer than {MIN_OPTIONS - 1} other outcomes to offer"
        return None

    def render(self, fact: AgreementFact, ctx: BankContext, rng: Random, n: int) -> Question:
        prompt = prompt_for(
            fact, self.id, f"What was the outcome of {agreement_name(fact)}?", name=fact.name
        )
        return choice_question(
            self,
            fact,
            ctx,
            rng,
            n,
            fact.outcome,
            self._tiers(ctx),
            self._accept(fact, ctx),
            str,
            prompt,
        )


@register
class AgreementWhen(Template):
    id = "agreement.when"
    type = "single_choice"
    fact_kinds = ("agreement",)

    def relevant(self, fact: AgreementFact, ctx: BankContext) -> bool:
        return fact.date is not None

    def weakness(self, fact: AgreementFact, ctx: BankContext) -> str | None:
        assert fact.date is not None
        return date_weakness(ctx, fact.date)

    def render(self, fact: AgreementFact, ctx: BankContext, rng: Random, n: int) -> Question:
        assert fact.date is not None
        verb = "were" if is_plural_name(fact.name) else "was"
        default = f"When {verb} {agreement_name(fact)} concluded?"
        prompt = prompt_for(fact, self.id, default, name=fact.name)
        return date_question(self, fact, ctx, rng, n, fact.date, prompt)


@register
class AgreementParties(Template):
    id = "agreement.parties"
    type = "multiple_choice"
    fact_kinds = ("agreement",)

    def _tiers(self, fact: AgreementFact, ctx: BankContext) -> list[Sequence[Entity]]:
        return ctx.memoised((self.id, "tiers", fact.id), _parties_tiers, fact.parties, ctx)

    def _accept(self, fact: AgreementFact, ctx: BankContext) -> Accept:
        return ctx.memoised((self.id, "accept", fact.id), self._accept_now, fact, ctx)

    @staticmethod
    def _accept_now(fact: AgreementFact, ctx: BankContext) -> Accept:
        parties = ctx.agreement_parties.get(agreement_key(fact), set()) | set(fact.parties)
        return entity_accept(parties, {normalise(ctx.name(p)) for p in parties})

    def weakness(self, fact: AgreementFact, ctx: BankContext) -> str | None:
        if not has_at_least(self._tiers(fact, ctx), MIN_OPTIONS - 1, self._accept(fact, ctx)):
            return f"fewer than {MIN_OPTIONS - 1} entities of the parties' kind to offer"
        return None

    def render(self, fact: AgreementFact, ctx: BankContext, rng: Random, n: int) -> Question:
        prompt = prompt_for(
            fact,
            self.id,
            f"Which of these were parties to {agreement_name(fact)}?",
            name=fact.name,
        )
        names = [ctx.name(p) for p in fact.parties]
        return select_all_question(
            self,
            fact,
            ctx,
            rng,
            n,
            names,
            self._tiers(fact, ctx),
            self._accept(fact, ctx),
            prompt,
        )


# --------------------------------------------------------------------------- roles


def _role_fields(fact: RoleFact, ctx: BankContext) -> dict[str, str]:
    org = prose(ctx, fact.organization) if fact.organization else ""
    return {
        "person": ctx.name(fact.person),
        "role": fact.role,
        "organization": org,
        "of_org": f" of {org}" if org else "",
        "when": f" {when_phrase(fact.term)}" if fact.term else "",
    }


@register
class RoleWho(Template):
    """Who held the role? Other holders of the same role are fine distractors, unless their
    term overlaps (or one of the terms is unknown)."""

    id = "role.who"
    type = "single_choice"
    fact_kinds = ("role",)

    def _accept(self, fact: RoleFact, ctx: BankContext) -> Accept:
        return ctx.memoised((self.id, fact.id), self._accept_now, fact, ctx)

    @staticmethod
    def _accept_now(fact: RoleFact, ctx: BankContext) -> Accept:
        exclude = {fact.person}
        for other in ctx.role_holders.get((normalise(fact.role), fact.organization), ()):
            if fact.term is None or other.term is None or ctx.overlap(fact.term, other.term):
                exclude.add(other.person)
        return entity_accept(exclude, {normalise(ctx.name(p)) for p in exclude})

    def _tiers(self, fact: RoleFact, ctx: BankContext) -> list[Sequence[Entity]]:
        return entity_tiers(
            ctx, [ctx.kind_of(fact.person) or "person"], [ctx.region_of(fact.person)]
        )

    def weakness(self, fact: RoleFact, ctx: BankContext) -> str | None:
        if not has_at_least(self._tiers(fact, ctx), MIN_OPTIONS - 1, self._accept(fact, ctx)):
            return f"fewer than {MIN_OPTIONS - 1} other people to offer"
        return None

    def render(self, fact: RoleFact, ctx: BankContext, rng: Random, n: int) -> Question:
        f = _role_fields(fact, ctx)
        prompt = prompt_for(fact, self.id, f"Who was {f['role']}{f['of_org']}{f['when']}?", **f)
        return choice_question(
            self,
            fact,
            ctx,
            rng,
            n,
            f["person"],
            self._tiers(fact, ctx),
            self._accept(fact, ctx),
            lambda e: e.name,
            prompt,
        )


@register
class RoleTerm(Template):
    id = "role.term"
    type = "single_choice"
    fact_kinds = ("role",)

    def relevant(self, fact: RoleFact, ctx: BankContext) -> bool:
        return fact.term is not None

    def weakness(self, fact: RoleFact, ctx: BankContext) -> str | None:
        assert fact.term is not None
        return date_weakness(ctx, fact.term)

    def render(self, fact: RoleFact, ctx: BankContext, rng: Random, n: int) -> Question:
        assert fact.term is not None
        f = _role_fields(fact, ctx)
        default = f"When was {f['person']} {f['role']}{f['of_org']}?"
        return date_question(
            self, fact, ctx, rng, n, fact.term, prompt_for(fact, self.id, default, **f)
        )


# --------------------------------------------------------------------------- quantities

_HOW_MANY = {
    "exactly": "how many",
    "about": "about how many",
    "more than": "more than how many",
    "less than": "less than how many",
    "at least": "at least how many",
}


@register
class QuantityHowMany(Template):
    """How many? The qualifier goes in the prompt, not the options: 'more than 150' would be
    true of a key of 'more than 200'."""

    id = "quantity.how_many"
    type = "single_choice"
    fact_kinds = ("quantity",)

    def weakness(self, fact: QuantityFact, ctx: BankContext) -> str | None:
        if number_count(fact.value) < MIN_OPTIONS - 1:
            return f"fewer than {MIN_OPTIONS - 1} plausible numbers near {fact.value}"
        return None

    def prompt(self, fact: QuantityFact) -> str:
        when = f" ({when_phrase(fact.date)})" if fact.date else ""
        how = _HOW_MANY[fact.qualifier]
        unit = fact.unit.strip()
        if unit.lower() in {"%", "percent", "per cent"}:
            ask = how.replace("how many", "what percentage")
        else:
            ask = f"{how} {unit}"
        default = f"{cap(strip_period(fact.what))}{when}: {ask}?"
        return prompt_for(fact, self.id, default, what=fact.what, unit=unit, when=when)

    def render(self, fact: QuantityFact, ctx: BankContext, rng: Random, n: int) -> Question:
        d = decimals_of(fact.value)
        values = sorted([fact.value, *number_distractors(fact.value, n - 1, rng)])
        return self.question(
            fact,
            ctx,
            self.prompt(fact),
            [format_number(v, d) for v in values],
            [format_number(fact.value, d)],
            extra={"unit": fact.unit, "values": values},
        )


# --------------------------------------------------------------------------- disputes


def _dispute_parties(fact: DisputeFact, ctx: BankContext) -> str:
    return prose_list(ctx, fact.parties)


@register
class DisputeSubject(Template):
    id = "dispute.subject"
    type = "single_choice"
    fact_kinds = ("dispute",)

    def _accept(self, fact: DisputeFact, ctx: BankContext) -> Accept:
        return ctx.memoised((self.id, fact.id), self._accept_now, fact, ctx)

    @staticmethod
    def _accept_now(fact: DisputeFact, ctx: BankContext) -> Accept:
        # A subject disputed by any two of the same parties could be right too.
        exclude = {normalise(fact.subject)}
        for pair in party_pairs(fact.parties):
            exclude |= ctx.dispute_subjects_by_pair.get(pair, set())
        return text_accept(exclude)

    def weakness(self, fact: DisputeFact, ctx: BankContext) -> str | None:
        if not has_at_least([ctx.dispute_subjects], MIN_OPTIONS - 1, self._accept(fact, ctx)):
            return f"fewer than {MIN_OPTIONS - 1} other disputes' subjects to offer"
        return None

    def render(self, fact: DisputeFact, ctx: BankContext, rng: Random, n: int) -> Question:
        parties = _dispute_parties(fact, ctx)
        prompt = prompt_for(fact, self.id, f"What did {parties} dispute?", parties=parties)
        return choice_question(
            self,
            fact,
            ctx,
            rng,
            n,
            fact.subject,
            [ctx.dispute_subjects],
            self._accept(fact, ctx),
            str,
            prompt,
        )


@register
class DisputeParties(Template):
    id = "dispute.parties"
    type = "multiple_choice"
    fact_kinds = ("dispute",)

    def _tiers(self, fact: DisputeFact, ctx: BankContext) -> list[Sequence[Entity]]:
        return ctx.memoised((self.id, "tiers", fact.id), _parties_tiers, fact.parties, ctx)

    def _accept(self, fact: DisputeFact, ctx: BankContext) -> Accept:
        return ctx.memoised((self.id, "accept", fact.id), self._accept_now, fact, ctx)

    @staticmethod
    def _accept_now(fact: DisputeFact, ctx: BankContext) -> Accept:
        parties = ctx.dispute_parties_by_subject.get(normalise(fact.subject), set())
        parties = parties | set(fact.parties)
        return entity_accept(parties, {normalise(ctx.name(p)) for p in parties})

    def weakness(self, fact: DisputeFact, ctx: BankContext) -> str | None:
        if not has_at_least(self._tiers(fact, ctx), MIN_OPTIONS - 1, self._accept(fact, ctx)):
            return f"fewer than {MIN_OPTIONS - 1} entities of the parties' kind to offer"
        return None

    def render(self, fact: DisputeFact, ctx: BankContext, rng: Random, n: int) -> Question:
        default = f"Which of these were parties to the dispute over {fact.subject}?"
        prompt = prompt_for(fact, self.id, default, subject=fact.subject)
        names = [ctx.name(p) for p in fact.parties]
        return select_all_question(
            self,
            fact,
            ctx,
            rng,
            n,
            names,
            self._tiers(fact, ctx),
            self._accept(fact, ctx),
            prompt,
        )


# --------------------------------------------------------------------------- policies


@register
class PolicyStance(Template):
    id = "policy.stance"
    type = "single_choice"
    fact_kinds = ("policy",)

    def _accept(self, fact: PolicyFact, ctx: BankContext) -> Accept:
        return ctx.memoised((self.id, fact.id), self._accept_now, fact, ctx)

    @staticmethod
    def _accept_now(fact: PolicyFact, ctx: BankContext) -> Accept:
        # Stances of overlapping times may be just as true, whoever the actor: "Peru" and
        # "Peru's military government" are the same country in the 1970s.
        exclude = {normalise(fact.stance)}
        exclude.update(ctx.stances_overlapping(fact.period))
        return text_accept(exclude)

    def weakness(self, fact: PolicyFact, ctx: BankContext) -> str | None:
        if not has_at_least([ctx.policy_stances], MIN_OPTIONS - 1, self._accept(fact, ctx)):
            return f"fewer than {MIN_OPTIONS - 1} other policies to offer"
        return None

    def render(self, fact: PolicyFact, ctx: BankContext, rng: Random, n: int) -> Question:
        actor, when = prose(ctx, fact.actor), when_phrase(fact.period)
        default = f"Which describes the policy of {actor} {when}?"
        prompt = prompt_for(fact, self.id, default, actor=actor, when=when)
        return choice_question(
            self,
            fact,
            ctx,
            rng,
            n,
            fact.stance,
            [ctx.policy_stances],
            self._accept(fact, ctx),
            str,
            prompt,
        )


@register
class PolicyPeriod(Template):
    id = "policy.period"
    type = "single_choice"
    fact_kinds = ("policy",)

    def weakness(self, fact: PolicyFact, ctx: BankContext) -> str | None:
        return date_weakness(ctx, fact.period)

    def render(self, fact: PolicyFact, ctx: BankContext, rng: Random, n: int) -> Question:
        actor = prose(ctx, fact.actor)
        default = f"When did {actor} pursue this policy: {strip_period(fact.stance)}?"
        prompt = prompt_for(fact, self.id, default, actor=actor, stance=fact.stance)
        return date_question(self, fact, ctx, rng, n, fact.period, prompt)


# --------------------------------------------------------------------------- plain choices


@register
class ChoiceSingle(Template):
    """The author's own question and distractors (CSV banks): nothing to infer, so the
    distractors are only filtered (no copy of the answer, no 'all of the above')."""

    id = "choice.single"
    type = "single_choice"
    fact_kinds = ("choice",)

    @staticmethod
    def _accept(fact: ChoiceFact) -> Accept:
        return text_accept({normalise(fact.answer)})

    def weakness(self, fact: ChoiceFact, ctx: BankContext) -> str | None:
        if not has_at_least([fact.distractors], MIN_OPTIONS - 1, self._accept(fact)):
            return f"fewer than {MIN_OPTIONS - 1} distractors that differ from the answer"
        return None

    def render(self, fact: ChoiceFact, ctx: BankContext, rng: Random, n: int) -> Question:
        return choice_question(
            self,
            fact,
            ctx,
            rng,
            n,
            fact.answer,
            [fact.distractors],
            self._accept(fact),
            str,
            prompt_for(fact, self.id, fact.question),
        )


# --------------------------------------------------------------------------- timelines


def _timeline_explanation(entries: Sequence[TimelineEntry], p: Precision) -> str:
    i = p - 1
    return "In order: " + "; ".join([f"{e.shown[i]}: {e.text}" for e in entries]) + "."


class _Timeline(Template):
    """Shared by the two timeline templates: the anchor fact and others, never tying."""

    def _pool(self, ctx: BankContext) -> Sequence[TimelineEntry]:
        return ctx.timeline_pool

    def relevant(self, fact: Fact, ctx: BankContext) -> bool:
        entry = ctx.timeline_by_fact.get(fact.id)
        return entry is not None and (not self.events_only or isinstance(fact, EventFact))

    events_only: ClassVar[bool] = False

    def weakness(self, fact: Fact, ctx: BankContext) -> str | None:
        if not can_pick_apart(ctx.timeline_by_fact[fact.id], self._pool(ctx)):
            return f"fewer than {MIN_OPTIONS - 1} other dated facts that do not tie with it"
        return None

    def _pick(
        self, fact: Fact, ctx: BankContext, rng: Random, n: int
    ) -> tuple[list[TimelineEntry], Precision]:
        chosen = pick_apart(ctx.timeline_by_fact[fact.id], self._pool(ctx), n - 1, rng)
        p = display_precision(chosen)
        return sorted(chosen, key=lambda e: e.ords[p - 1]), p


@register
class TimelineFirst(_Timeline):
    id = "timeline.first"
    type = "single_choice"
    fact_kinds = ("event",)
    events_only = True

    def _pool(self, ctx: BankContext) -> Sequence[TimelineEntry]:
        return ctx.timeline_events_pool

    def render(self, fact: Fact, ctx: BankContext, rng: Random, n: int) -> Question:
        ordered, p = self._pick(fact, ctx, rng, n)
        options = [e.text for e in ordered]
        shuffle(rng, options)
        return self.question(
            fact,
            ctx,
            prompt_for(fact, self.id, "Which came first?"),
            options,
            [ordered[0].text],
            involved=ordered,
            explanation=_timeline_explanation(ordered, p),
            extra={"precision": _PRECISION_NAMES[p]},
        )


@register
class TimelineOrder(_Timeline):
    id = "timeline.order"
    type = "ordering"
    fact_kinds = FACT_KINDS

    def render(self, fact: Fact, ctx: BankContext, rng: Random, n: int) -> Question:
        ordered, p = self._pick(fact, ctx, rng, n)
        answer = [e.text for e in ordered]
        options = answer[:]
        while options == answer:  # never hand out the solution as the starting order
            shuffle(rng, options)
        return self.question(
            fact,
            ctx,
            prompt_for(fact, self.id, "Put these in chronological order, earliest first."),
            options,
            answer,
            involved=ordered,
            explanation=_timeline_explanation(ordered, p),
            extra={
                "precision": _PRECISION_NAMES[p],
                "dates": [e.shown[p - 1] for e in ordered],
            },
        )


# --------------------------------------------------------------------------- flashcards


def card_text(fact: Fact, ctx: BankContext) -> tuple[str, str]:
    """(front, back) derived from the fact; the bank's ``card`` overrides it. The front is the
    question of the fact's main template, in the bank's own wording when it gives one."""
    if fact.card is not None:
        return fact.card.front, fact.card.back
    if isinstance(fact, EventFact):
        front = TEMPLATES["event.when"].prompt(fact)  # type: ignore[attr-defined]
        return front, sentence(f"{cap(fact.date.display())}: {strip_period(fact.what)}")
    if isinstance(fact, MembershipFact):
        return _membership_card(fact, ctx)
    if isinstance(fact, AgreementFact):
        parties = join_names([ctx.name(p) for p in fact.parties])
        when = f"; {fact.date.display()}" if fact.date else ""
        default = f"What was the outcome of {agreement_name(fact)}?"
        return (
            prompt_for(fact, "agreement.outcome", default, name=fact.name),
            f"{sentence(fact.outcome)} (Parties: {parties}{when}.)",
        )
    if isinstance(fact, RoleFact):
        f = _role_fields(fact, ctx)
        default = f"Who was {f['role']}{f['of_org']}{f['when']}?"
        return prompt_for(fact, "role.who", default, **f), f["person"]
    if isinstance(fact, QuantityFact):
        q = "" if fact.qualifier == "exactly" else fact.qualifier + " "
        front = TEMPLATES["quantity.how_many"].prompt(fact)  # type: ignore[attr-defined]
        return front, f"{cap(q)}{quantity_text(fact)} {fact.unit}"
    if isinstance(fact, DisputeFact):
        parties = _dispute_parties(fact, ctx)
        status = f" ({strip_period(fact.status)})" if fact.status else ""
        front = prompt_for(fact, "dispute.subject", f"What did {parties} dispute?", parties=parties)
        return front, cap(fact.subject) + status
    if isinstance(fact, CardFact):
        return fact.front, fact.back
    if isinstance(fact, ChoiceFact):
        return prompt_for(fact, "choice.single", fact.question), fact.answer
    assert isinstance(fact, PolicyFact)
    actor, when = prose(ctx, fact.actor), when_phrase(fact.period)
    default = f"What was the policy of {actor} {when}?"
    return (
        prompt_for(fact, "policy.stance", default, actor=actor, when=when),
        sentence(f"{cap(actor)} {fact.stance}"),
    )


def _membership_card(fact: MembershipFact, ctx: BankContext) -> tuple[str, str]:
    group = prose(ctx, fact.group)
    roles = list(dict.fromkeys(m.role for m in fact.members))
    if len(fact.members) == 1:
        m = fact.members[0]
        role = role_words(m.role)
        if m.since is not None and m.until is None:
            if "membership.since" in fact.prompts:
                front = prompt_for(fact, "membership.since", "", **_membership_fields(ctx, fact, m))
                return front, cap(m.since.display())
            return (
                f"Since when has {prose(ctx, m.entity)} been {article(role)} {role} of {group}?",
                cap(m.since.display()),
            )
        return (
            f"What is {prose(ctx, m.entity)}'s relation to {group}?",
            sentence(cap(describe(fact, ctx))),
        )
    verb = "were" if all(m.until for m in fact.members) else "are"
    asked = join_names([plural(role_words(r)) for r in roles])
    front = f"Who {verb} the {asked} of {group}" + ("?" if fact.complete else " named here?")
    lists = []
    for r in roles:
        names = join_names([member_text(ctx, m) for m in fact.members if m.role == r])
        lists.append(names if len(roles) == 1 else f"{cap(plural(role_words(r)))}: {names}")
    return front, "; ".join(lists)


@register
class FactCard(Template):
    id = "fact.card"
    type = "flashcard"
    fact_kinds = FACT_KINDS

    def render(self, fact: Fact, ctx: BankContext, rng: Random, n: int) -> Question:
        front, back = card_text(fact, ctx)
        return self.question(fact, ctx, front, (), [back])


TEMPLATE_IDS: tuple[str, ...] = tuple(TEMPLATES)
