"""The question-bank format as pydantic models.

These models check the shape of one bank (types, required fields, known kinds). Checks that
need the whole bank (entity references, duplicate ids, sources found in the document text)
live in ``bank.py``, which also turns every error into a message with file, path and line.
"""

from __future__ import annotations

import functools
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)

from .dates import FuzzyDate

FORMAT_VERSION = 1

Slug = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=100),
]
"""Lower-case letters, digits, ``-``, ``_`` and ``.``; stable once published."""

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
EntityRef = Slug


def _parse_date(value: Any) -> FuzzyDate:
    if isinstance(value, FuzzyDate):
        return value
    if isinstance(value, bool) or not isinstance(value, str | int | date):
        raise ValueError("expected a date such as 1998, 1998-11, 2004-11-04, 1970s or START/END")
    return _parse_date_text(value)


_parse_date_text = functools.lru_cache(maxsize=1 << 14)(FuzzyDate.parse)
"""``FuzzyDate.parse``, once per distinct text: a bank repeats its dates, and dates are
immutable, so facts may share them."""


Date = Annotated[
    FuzzyDate,
    BeforeValidator(_parse_date),
    PlainSerializer(lambda d: d.iso(), return_type=str),
    WithJsonSchema({"type": "string", "examples": ["1998", "1998-11", "2004-11-04", "1970s"]}),
]


# Empty lists as ``Field(default_factory=list)``, not ``= []``: pydantic deep-copies a mutable
# default for every object (a large bank's thousands of facts).


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class Topic(StrictModel):
    id: Slug
    title: Text


class SourceInfo(StrictModel):
    title: Text
    url: Text | None = None
    last_modified: Date | None = None
    author: Text | None = None


class Entity(StrictModel):
    id: Slug
    name: Text
    kind: Slug = Field(
        description="country, organization, person, agreement, programme, place, ..."
    )
    aliases: list[Text] = Field(default_factory=list)
    group: Slug | None = Field(
        default=None, description="e.g. a region; distractors prefer the same group"
    )
    description: Text | None = None


class FactBase(StrictModel):
    id: Slug
    topic: Slug
    source: Text = Field(description="the exact sentence(s) of the document, verbatim")
    explanation: Text | None = None
    note: Text | None = None
    prompts: dict[Slug, Text] = Field(
        default_factory=dict,
        description="optional wording per template id, overriding the template's default prompt",
    )
    card: FlashcardText | None = None


class FlashcardText(StrictModel):
    front: Text
    back: Text


MemberRole = Literal[
    "member",
    "founding_member",
    "associate_member",
    "future_member",
    "observer",
    "beneficiary",
    "signatory",
    "participant",
]


class EventFact(FactBase):
    kind: Literal["event"]
    what: Text = Field(description="what happened, as a sentence in the past tense")
    date: Date
    parties: list[EntityRef] = Field(default_factory=list)


class Member(StrictModel):
    entity: EntityRef
    role: MemberRole = "member"
    since: Date | None = None
    until: Date | None = None


class MembershipFact(FactBase):
    kind: Literal["membership"]
    group: EntityRef = Field(description="the organization, bloc or programme")
    members: list[Member] = Field(min_length=1)
    complete: bool = Field(
        default=False,
        description="true when the document lists every member with this role; only then are "
        "other entities safe to offer as non-members",
    )


class AgreementFact(FactBase):
    kind: Literal["agreement"]
    name: Text
    agreement: EntityRef | None = None
    parties: list[EntityRef] = Field(min_length=1)
    date: Date | None = None
    outcome: Text


class RoleFact(FactBase):
    kind: Literal["role"]
    person: EntityRef
    role: Text
    organization: EntityRef | None = None
    term: Date | None = None


class QuantityFact(FactBase):
    kind: Literal["quantity"]
    what: Text = Field(description="what is counted, e.g. 'Peruvian troops in MINUSTAH'")
    value: float
    unit: Text
    qualifier: Literal["exactly", "more than", "less than", "about", "at least"] = "exactly"
    date: Date | None = None
    parties: list[EntityRef] = Field(default_factory=list)


class DisputeFact(FactBase):
    kind: Literal["dispute"]
    parties: list[EntityRef] = Field(min_length=2)
    subject: Text = Field(description="what is disputed, e.g. 'the maritime boundary'")
    territory: EntityRef | None = None
    status: Text | None = None
    date: Date | None = None


class PolicyFact(FactBase):
    kind: Literal["policy"]
    actor: EntityRef = Field(description="the government or regime whose policy this was")
    period: Date
    stance: Text = Field(description="the policy, as a phrase that completes '<actor> ...'")


class CardFact(FactBase):
    """A plain flashcard, as a CSV bank gives it (such banks have no document)."""

    kind: Literal["card"]
    front: Text
    back: Text


class ChoiceFact(FactBase):
    """A question with its answer and the author's own distractors (CSV banks)."""

    kind: Literal["choice"]
    question: Text
    answer: Text
    distractors: list[Text] = Field(min_length=2)


Fact = Annotated[
    EventFact
    | MembershipFact
    | AgreementFact
    | RoleFact
    | QuantityFact
    | DisputeFact
    | PolicyFact
    | CardFact
    | ChoiceFact,
    Field(discriminator="kind"),
]

FACT_KINDS = (
    "event",
    "membership",
    "agreement",
    "role",
    "quantity",
    "dispute",
    "policy",
    "card",
    "choice",
)


class Bank(StrictModel):
    format: Literal[1] = FORMAT_VERSION
    id: Slug
    title: Text
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")] = "en"
    description: Text | None = None
    source: SourceInfo
    source_text: Text | None = Field(
        default=None,
        description="file name of the document's text, beside the bank; sources are checked "
        "against it",
    )
    topics: list[Topic] = Field(min_length=1)
    entities: list[Entity] = Field(default_factory=list)
    facts: list[Fact] = Field(min_length=1)

    def entity(self, entity_id: str) -> Entity:
        return self._entities_by_id()[entity_id]

    def _entities_by_id(self) -> dict[str, Entity]:
        cache = self.__dict__.get("_entity_index")
        if cache is None:
            cache = {e.id: e for e in self.entities}
            object.__setattr__(self, "_entity_index", cache)
        return cache

    def topic_title(self, topic_id: str) -> str:
        return next(t.title for t in self.topics if t.id == topic_id)


FactBase.model_rebuild()
for _model in (
    EventFact,
    MembershipFact,
    AgreementFact,
    RoleFact,
    QuantityFact,
    DisputeFact,
    PolicyFact,
    CardFact,
    ChoiceFact,
    Bank,
):
    _model.model_rebuild()
