"""Author forms: upload, bank details, entities, and one form per fact kind.

The forms only turn what was typed into the bank's data and back; the bank loader checks that
data (the same checks as for a file), and ``place_errors`` puts each of its messages beside
the field it concerns.
"""

from __future__ import annotations

import math
import re
from typing import Any, ClassVar

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from ..core.bank import BankError
from ..core.schema import FACT_KINDS
from ..services.authoring import BANK_SUFFIXES, DOCUMENT_SUFFIXES

DATE_HELP = (
    "As precise as the document: 1998 (a year), 1998-11 (a month), 2004-11-04 (a day), "
    "1970s (a decade), or a range such as 1981/1991 or 2001-06-28/2001-07-28. Questions ask "
    "at the precision you write: a year is asked as a year."
)
SLUG_HELP = "Lower-case letters, digits, '-', '_' and '.', e.g. apollo-11-landing."
ROLES = (
    "member",
    "founding_member",
    "associate_member",
    "future_member",
    "observer",
    "beneficiary",
    "signatory",
    "participant",
)


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


# --- fields that hold lists, typed as lines or comma-separated --------------------------------


class _RawKeeping:
    """Shows what was typed after a POST (not the parsed data), so nothing typed is lost."""

    raw: str | None = None

    def _value(self) -> str:
        if self.raw is not None:
            return self.raw
        return self.format(self.data)  # type: ignore[attr-defined]


class LinesField(_RawKeeping, TextAreaField):
    """One text per line; blank lines are skipped."""

    item_noun = "Line"

    def format(self, data: Any) -> str:
        return "\n".join(str(x) for x in data) if isinstance(data, list) else (data or "")

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist:
            self.raw = str(valuelist[0])
            self.data = [line.strip() for line in self.raw.splitlines() if line.strip()]


class CommaListField(_RawKeeping, StringField):
    """Texts separated by commas, e.g. aliases."""

    item_noun = "Item"

    def format(self, data: Any) -> str:
        return ", ".join(str(x) for x in data) if isinstance(data, list) else (data or "")

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist:
            self.raw = str(valuelist[0])
            self.data = [part.strip() for part in self.raw.split(",") if part.strip()]


class TopicsField(_RawKeeping, TextAreaField):
    """Topics as ``id: title`` lines."""

    item_noun = "Topic"

    def format(self, data: Any) -> str:
        if not isinstance(data, list):
            return data or ""
        return "\n".join(f"{t.get('id', '')}: {t.get('title', '')}" for t in data)

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        self.raw = str(valuelist[0])
        topics, bad = [], []
        for n, line in enumerate(self.raw.splitlines(), 1):
            if not line.strip():
                continue
            key, sep, title = line.partition(":")
            if not sep:
                bad.append(n)
            topics.append({"id": key.strip(), "title": title.strip()})
        self.data = topics
        if bad:
            raise ValueError(
                f"Line {bad[0]} has no ':'. Write each topic as 'id: title', e.g. "
                "'milestones: Milestones of space flight'."
            )


class MembersField(_RawKeeping, TextAreaField):
    """Members as ``entity, role, since, until`` lines (role, since and until optional)."""

    item_noun = "Member"

    def format(self, data: Any) -> str:
        if not isinstance(data, list):
            return data or ""
        lines = []
        for m in data:
            parts = [m.get("entity") or "", m.get("role") or "member"]
            parts += [m.get("since") or "", m.get("until") or ""]
            while len(parts) > 2 and not parts[-1]:
                parts.pop()
            lines.append(", ".join(parts))
        return "\n".join(lines)

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        self.raw = str(valuelist[0])
        members, problems = [], []
        for n, line in enumerate(self.raw.splitlines(), 1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split(",")]
            if len(parts) > 4:
                problems.append(
                    f"Line {n} has {len(parts)} parts; write 'entity, role, since, until' "
                    "(role, since and until may be left out)."
                )
                continue
            parts += [""] * (4 - len(parts))
            entity, role, since, until = parts
            members.append(
                {
                    "entity": entity,
                    "role": role or "member",
                    "since": since or None,
                    "until": until or None,
                }
            )
        self.data = members
        if problems:
            raise ValueError(" ".join(problems))


class NumberText(StringField):
    """A finite number typed as text ("210", "3.5")."""

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        if isinstance(self.data, float | int):
            return str(int(self.data)) if float(self.data).is_integer() else repr(self.data)
        return self.data or ""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        text = str(valuelist[0]).strip().replace(",", "")
        if not text:
            self.data = None
            return
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            self.data = None
            raise ValueError("Enter a number such as 210 or 3.5.")
        self.data = value


class EntityField(SelectField):
    """One entity of the bank (its id); the bank's checks report an unknown one."""

    def __init__(self, *args: Any, required: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("validate_choice", False)
        super().__init__(*args, **kwargs)
        self.required = required


class EntitiesField(SelectMultipleField):
    """Several entities of the bank, as checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("validate_choice", False)
        super().__init__(*args, **kwargs)


class DateText(StringField):
    """A date as the bank writes it; the bank's checks read it."""


# --- upload -----------------------------------------------------------------------------------


class UploadForm(FlaskForm):
    bank_file = FileField(
        "Bank file",
        validators=[
            FileRequired("Choose a bank file to upload."),
            FileAllowed(
                list(BANK_SUFFIXES),
                "Upload a .yaml, .yml, .json or .csv file; other files are not banks.",
            ),
        ],
        description="YAML or JSON in the bank format (see the format's reference), or a CSV "
        "of flashcards and questions.",
    )
    document_file = FileField(
        "Document text file (optional)",
        validators=[
            FileAllowed(
                list(DOCUMENT_SUFFIXES),
                "The document must be a plain-text file (.txt or .md), saved as UTF-8.",
            )
        ],
        description="The text of the document the bank comes from: every fact's source is "
        "checked against it. Required when the bank names a source_text.",
    )
    document_text = TextAreaField(
        "…or paste the document's text (optional)",
        render_kw={"rows": 4},
    )
    bank_id = StringField(
        "Bank id (CSV only, optional)",
        filters=[_strip],
        description="For a CSV file: the new bank's id. Left empty, it comes from the file name.",
        render_kw={"autocapitalize": "none", "spellcheck": "false"},
    )
    title = StringField(
        "Title (CSV only, optional)",
        filters=[_strip],
        description="For a CSV file: the bank's title.",
    )
    submit = SubmitField("Check and import")

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.document_file.data and (self.document_text.data or "").strip():
            self.document_text.errors = [
                *self.document_text.errors,
                "Give the document once: upload a file or paste the text, not both.",
            ]
            ok = False
        return ok


class ConfirmUploadForm(FlaskForm):
    """The confirmation page carries the checked bank and its document back, to be checked
    again before it replaces the stored bank."""

    content = TextAreaField("Bank")
    document_text = TextAreaField("Document")
    base_hash = HiddenField()
    submit = SubmitField("Replace")


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


# --- bank details -----------------------------------------------------------------------------


def _text(field: Field, required: bool = False) -> str | None:
    value = field.data.strip() if isinstance(field.data, str) else field.data
    if value:
        return str(value)
    return "" if required else None


class DetailsForm(FlaskForm):
    id = StringField(
        "Bank id",
        filters=[_strip],
        description=f"{SLUG_HELP} It names the bank in addresses and cannot change later.",
        render_kw={"autocapitalize": "none", "spellcheck": "false"},
    )
    title = StringField("Title", filters=[_strip])
    description = TextAreaField(
        "Description (optional)",
        description="Shown to students choosing a bank.",
        render_kw={"rows": 3},
    )
    language = StringField(
        "Language",
        default="en",
        filters=[_strip],
        description="A language code such as en, es or pt-BR.",
    )
    source_title = StringField("Document title", filters=[_strip])
    source_url = StringField("Document address (optional)", filters=[_strip])
    source_author = StringField("Document author (optional)", filters=[_strip])
    source_last_modified = DateText(
        "Document last modified (optional)", filters=[_strip], description=DATE_HELP
    )
    topics = TopicsField(
        "Topics",
        description="One per line, as 'id: title', e.g. 'milestones: Milestones of space "
        "flight'. Every fact belongs to one topic; students can drill a topic.",
        render_kw={"rows": 5},
    )
    document_text = TextAreaField(
        "Document text",
        description="The document's full text, copied exactly. Every fact's source must occur "
        "in it, word for word (line breaks and runs of spaces do not count).",
        render_kw={"rows": 8},
    )
    base_hash = HiddenField()
    submit = SubmitField("Save")

    # Loader paths that land on a field whose name is not the path with '.' → '_'.
    PATHS: ClassVar[dict[str, str]] = {"source_text": "document_text"}

    @classmethod
    def data_from(cls, content: dict[str, Any], document_text: str | None) -> dict[str, Any]:
        source = content.get("source") or {}
        return {
            "id": content.get("id"),
            "title": content.get("title"),
            "description": content.get("description"),
            "language": content.get("language") or "en",
            "source_title": source.get("title"),
            "source_url": source.get("url"),
            "source_author": source.get("author"),
            "source_last_modified": source.get("last_modified"),
            "topics": content.get("topics") or [],
            "document_text": document_text or "",
        }

    def values(self) -> dict[str, Any]:
        """The bank's top-level fields (not its id, entities or facts)."""
        return {
            "title": _text(self.title, required=True),
            "description": _text(self.description),
            "language": _text(self.language, required=True),
            "source": {
                "title": _text(self.source_title, required=True),
                "url": _text(self.source_url),
                "author": _text(self.source_author),
                "last_modified": _text(self.source_last_modified),
            },
            "topics": self.topics.data if isinstance(self.topics.data, list) else [],
        }


class NewBankForm(DetailsForm):
    """A new bank: its details and a first fact (a bank holds at least one)."""

    fact_id = StringField(
        "Fact id", filters=[_strip], description=SLUG_HELP, render_kw={"autocapitalize": "none"}
    )
    fact_what = StringField(
        "What happened",
        filters=[_strip],
        description="A sentence in the past tense, e.g. 'Apollo 11 landed the first humans on "
        "the Moon.'",
    )
    fact_date = DateText("When", filters=[_strip], description=DATE_HELP)
    fact_source = TextAreaField(
        "Source",
        description="The sentence of the document that says it, copied word for word.",
        render_kw={"rows": 3},
    )
    submit = SubmitField("Create the bank")

    PATHS: ClassVar[dict[str, str]] = {
        "source_text": "document_text",
        "facts[0].id": "fact_id",
        "facts[0].what": "fact_what",
        "facts[0].date": "fact_date",
        "facts[0].source": "fact_source",
        "facts[0].topic": "topics",
        "facts": "fact_what",
    }

    def content(self) -> dict[str, Any]:
        values = self.values()
        topics = values["topics"]
        first_topic = topics[0]["id"] if topics else ""
        return {
            "format": 1,
            "id": _text(self.id, required=True),
            **values,
            "entities": [],
            "facts": [
                {
                    "id": _text(self.fact_id, required=True),
                    "kind": "event",
                    "topic": first_topic,
                    "what": _text(self.fact_what, required=True),
                    "date": _text(self.fact_date),
                    "source": _text(self.fact_source, required=True),
                }
            ],
        }


# --- entities ---------------------------------------------------------------------------------


class EntityForm(FlaskForm):
    id = StringField(
        "Entity id",
        filters=[_strip],
        description=f"{SLUG_HELP} Facts name the entity by it.",
        render_kw={"autocapitalize": "none", "spellcheck": "false"},
    )
    name = StringField(
        "Name", filters=[_strip], description="As shown in questions and options, e.g. Mercosur."
    )
    kind = StringField(
        "Kind",
        filters=[_strip],
        description="country, organization, person, agreement, programme, place... Options "
        "are drawn from entities of the same kind, so give each kind you use at least four.",
        render_kw={"list": "entity-kinds", "autocapitalize": "none"},
    )
    group = StringField(
        "Group (optional)",
        filters=[_strip],
        description="e.g. a region (south-america) or a family (trade-bloc); options prefer "
        "entities of the same group.",
        render_kw={"autocapitalize": "none"},
    )
    aliases = CommaListField(
        "Aliases (optional)", description="Other names, separated by commas, e.g. UN, the U.N."
    )
    description = TextAreaField("Description (optional)", render_kw={"rows": 2})
    base_hash = HiddenField()
    submit = SubmitField("Save entity")

    PATHS: ClassVar[dict[str, str]] = {}

    @classmethod
    def data_from(cls, entity: dict[str, Any]) -> dict[str, Any]:
        return {k: entity.get(k) for k in ("id", "name", "kind", "group", "aliases", "description")}

    def values(self, new: bool) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": _text(self.name, required=True),
            "kind": _text(self.kind, required=True),
            "group": _text(self.group),
            "aliases": self.aliases.data if isinstance(self.aliases.data, list) else [],
            "description": _text(self.description),
        }
        if new:
            data = {"id": _text(self.id, required=True), **data}
        return data


# --- facts ------------------------------------------------------------------------------------


class FactForm(FlaskForm):
    """The fields every fact has; a subclass per kind adds its own (``FIELDS``)."""

    KIND: ClassVar[str] = ""
    LABEL: ClassVar[str] = ""
    HELP: ClassVar[str] = ""
    FIELDS: ClassVar[tuple[str, ...]] = ()
    REQUIRED: ClassVar[frozenset[str]] = frozenset()
    """Text fields sent as "" when blank, so the bank's check says "must not be empty"."""
    CARD_OVERRIDE: ClassVar[bool] = True
    PATHS: ClassVar[dict[str, str]] = {}

    id = StringField(
        "Fact id",
        filters=[_strip],
        description=f"{SLUG_HELP} Students' schedules hang on it: it cannot change later.",
        render_kw={"autocapitalize": "none", "spellcheck": "false"},
    )
    topic = SelectField("Topic", validate_choice=False)
    source = TextAreaField(
        "Source",
        description="The exact sentence or sentences of the document that state the fact, "
        "copied word for word.",
        render_kw={"rows": 3},
    )
    explanation = TextAreaField(
        "Explanation (optional)",
        description="One or two sentences the student reads after answering.",
        render_kw={"rows": 2},
    )
    note = TextAreaField(
        "Note for instructors (optional)",
        description="A caveat, a choice you made, an error in the document. Students never see it.",
        render_kw={"rows": 2},
    )
    card_front = StringField(
        "Flashcard front (optional)",
        filters=[_strip],
        description="Replaces the generated flashcard; give both sides.",
    )
    card_back = StringField("Flashcard back (optional)", filters=[_strip])
    base_hash = HiddenField()
    confirm_reset = BooleanField("Yes, reset their progress on this fact")
    submit = SubmitField("Save fact")

    def setup(self, topics: list[dict[str, Any]], entities: list[dict[str, Any]]) -> None:
        """Fill the choices from the bank: its topics and its entities."""
        self.topic.choices = [SelectChoice(t["id"], f"{t['title']} ({t['id']})") for t in topics]
        ordered = sorted(entities, key=lambda e: (e.get("kind") or "", e.get("name") or ""))
        for f in self:
            if isinstance(f, EntitiesField):
                f.choices = [SelectChoice(e["id"], f"{e['name']} ({e['kind']})") for e in ordered]
            elif isinstance(f, EntityField):
                none = "Choose an entity" if f.required else "— none —"
                f.choices = [
                    SelectChoice("", none),
                    *(SelectChoice(e["id"], e["name"], optgroup=e["kind"]) for e in ordered),
                ]

    def kind_fields(self) -> list[Field]:
        return [getattr(self, name) for name in self.FIELDS]

    @classmethod
    def data_from(cls, fact: dict[str, Any]) -> dict[str, Any]:
        data = dict(fact)
        card = fact.get("card") or {}
        data["card_front"] = card.get("front")
        data["card_back"] = card.get("back")
        return data

    def values(self, new: bool) -> dict[str, Any]:
        """The fact's data as the bank holds it (without its id when editing)."""
        data: dict[str, Any] = {"kind": self.KIND, "topic": self.topic.data or ""}
        if new:
            data = {"id": _text(self.id, required=True), **data}
        for name in self.FIELDS:
            data[name] = self._value_of(name, getattr(self, name))
        data["source"] = _text(self.source, required=True)
        data["explanation"] = _text(self.explanation)
        data["note"] = _text(self.note)
        if self.CARD_OVERRIDE:
            front, back = _text(self.card_front), _text(self.card_back)
            data["card"] = {"front": front or "", "back": back or ""} if front or back else None
        return data

    def _value_of(self, name: str, field: Field) -> Any:
        if isinstance(field, EntitiesField | LinesField | MembersField | CommaListField):
            return list(field.data or [])
        if isinstance(field, BooleanField):
            return bool(field.data)
        if isinstance(field, NumberText):
            return field.data
        if isinstance(field, SelectField):
            return field.data or None
        return _text(field, required=name in self.REQUIRED)


def _what(help_text: str) -> StringField:
    return StringField("What", filters=[_strip], description=help_text)


class EventForm(FactForm):
    KIND, LABEL = "event", "Event"
    HELP = "Something that happened at a date."
    FIELDS = ("what", "date", "parties")
    REQUIRED = frozenset({"what"})
    what = _what("What happened, as a sentence in the past tense.")
    date = DateText("Date", filters=[_strip], description=DATE_HELP)
    parties = EntitiesField("Parties (optional)", description="The entities involved.")


class MembershipForm(FactForm):
    KIND, LABEL = "membership", "Membership"
    HELP = "Who belongs to a group, in which role."
    FIELDS = ("group", "members", "complete")
    group = EntityField("Group", required=True, description="The organization, bloc or programme.")
    members = MembersField(
        "Members",
        description="One per line: entity id, role, since, until, e.g. 'peru, "
        "associate_member, 2003-12-16'. Role (default member) is one of "
        + ", ".join(ROLES)
        + "; since and until are dates and may be left out.",
        render_kw={"rows": 5, "autocapitalize": "none", "spellcheck": "false"},
    )
    complete = BooleanField(
        "The document lists every member in each role given",
        description="Only then are other entities offered as non-members.",
    )


class AgreementForm(FactForm):
    KIND, LABEL = "agreement", "Agreement"
    HELP = "A treaty, pact or statement: its parties and outcome."
    FIELDS = ("name", "agreement", "parties", "date", "outcome")
    REQUIRED = frozenset({"name", "outcome"})
    name = StringField(
        "Name",
        filters=[_strip],
        description="As used in a sentence, e.g. 'the Outer Space Treaty'.",
    )
    agreement = EntityField("The agreement's entity (optional)")
    parties = EntitiesField("Parties", description="Every party (at least one).")
    date = DateText("Date (optional)", filters=[_strip], description=DATE_HELP)
    outcome = TextAreaField("Outcome", description="What it did, as a sentence.")


class RoleForm(FactForm):
    KIND, LABEL = "role", "Role"
    HELP = "A person's role."
    FIELDS = ("person", "role", "organization", "term")
    REQUIRED = frozenset({"role"})
    person = EntityField("Person", required=True)
    role = StringField("Role", filters=[_strip], description="The title, e.g. Secretary General.")
    organization = EntityField("Organization (optional)")
    term = DateText("Term (optional)", filters=[_strip], description=DATE_HELP)


class QuantityForm(FactForm):
    KIND, LABEL = "quantity", "Quantity"
    HELP = "A figure."
    FIELDS = ("what", "value", "unit", "qualifier", "date", "parties")
    REQUIRED = frozenset({"what", "unit"})
    what = _what("What is counted, e.g. 'Peruvian troops in MINUSTAH'.")
    value = NumberText("Value", description="A number, e.g. 210.")
    unit = StringField("Unit", filters=[_strip], description="A plural noun: troops, years.")
    qualifier = SelectField(
        "Qualifier",
        choices=[
            SelectChoice(q) for q in ("exactly", "more than", "less than", "about", "at least")
        ],
        default="exactly",
        validate_choice=False,
        description="'More than 200 advisers' is 200, more than.",
    )
    date = DateText("Date (optional)", filters=[_strip], description=DATE_HELP)
    parties = EntitiesField("Parties (optional)")


class DisputeForm(FactForm):
    KIND, LABEL = "dispute", "Dispute"
    HELP = "A disagreement between parties."
    FIELDS = ("parties", "subject", "territory", "status", "date")
    REQUIRED = frozenset({"subject"})
    parties = EntitiesField("Parties", description="At least two.")
    subject = StringField(
        "Subject",
        filters=[_strip],
        description="What is disputed, without naming the parties, e.g. 'their common boundary'.",
    )
    territory = EntityField("Territory (optional)")
    status = StringField("Status (optional)", filters=[_strip], description="e.g. now settled.")
    date = DateText("Date (optional)", filters=[_strip], description=DATE_HELP)


class PolicyForm(FactForm):
    KIND, LABEL = "policy", "Policy"
    HELP = "A government's stance over a period."
    FIELDS = ("actor", "period", "stance")
    REQUIRED = frozenset({"stance"})
    actor = EntityField("Actor", required=True, description="The government, regime or state.")
    period = DateText("Period", filters=[_strip], description=DATE_HELP)
    stance = TextAreaField(
        "Stance", description="A phrase that completes '<actor> ...', e.g. 'sought closer ties'."
    )


class CardForm(FactForm):
    KIND, LABEL = "card", "Flashcard"
    HELP = "A plain flashcard: a front and a back."
    FIELDS = ("front", "back")
    REQUIRED = frozenset({"front", "back"})
    CARD_OVERRIDE = False
    front = TextAreaField("Front", render_kw={"rows": 2})
    back = TextAreaField("Back", render_kw={"rows": 2})


class ChoiceForm(FactForm):
    KIND, LABEL = "choice", "Question with its options"
    HELP = "A question, its answer and your own wrong options."
    FIELDS = ("question", "answer", "distractors")
    REQUIRED = frozenset({"question", "answer"})
    question = StringField("Question", filters=[_strip])
    answer = StringField("Answer", filters=[_strip])
    distractors = LinesField(
        "Wrong options", description="One per line, at least two.", render_kw={"rows": 4}
    )


_ALL_FORMS: tuple[type[FactForm], ...] = (
    EventForm,
    MembershipForm,
    AgreementForm,
    RoleForm,
    QuantityForm,
    DisputeForm,
    PolicyForm,
    CardForm,
    ChoiceForm,
)
FACT_FORMS: dict[str, type[FactForm]] = {f.KIND: f for f in _ALL_FORMS if f.KIND in FACT_KINDS}
"""The form of each fact kind the bank format knows."""


# --- errors from the bank's checks, beside their fields ---------------------------------------

_NOT_DATA = {"csrf_token", "submit", "base_hash", "confirm_reset"}


def place_errors(form: FlaskForm, errors: list[BankError], focus: str = "") -> list[BankError]:
    """Put each of the loader's errors beside the form field its path names (``facts[3].date``
    → the ``date`` field when ``focus`` is ``facts[3]``); return the errors that fit none."""
    rest = []
    for error in errors:
        placed = _field_for(form, error.path, focus)
        if placed is None:
            rest.append(error)
            continue
        field, detail = placed
        field.errors = [*field.errors, f"{detail}{error.message}"]
    return rest


def _field_for(form: FlaskForm, path: str, focus: str) -> tuple[Field, str] | None:
    paths: dict[str, str] = getattr(form, "PATHS", {})
    for prefix in sorted(paths, key=len, reverse=True):
        if path == prefix or path.startswith((prefix + ".", prefix + "[")):
            return getattr(form, paths[prefix]), ""
    if focus:
        if not path.startswith((focus + ".", focus + "[")):
            return None
        path = path[len(focus) :].lstrip(".")
    m = re.match(r"([A-Za-z_]\w*)(?:\.([A-Za-z_]\w*))?(?:\[(\d+)\])?(?:\.(\w+))?", path)
    if not m:
        return None
    head, sub, index, deeper = m.groups()
    candidates = [f"{head}_{sub}"] if sub else []
    candidates.append(head)
    for name in candidates:
        field = form._fields.get(name)
        if field is None or name in _NOT_DATA:
            continue
        detail = ""
        noun = getattr(field, "item_noun", None)
        if index is not None and noun:
            detail = f"{noun} {int(index) + 1}" + (f", {deeper}" if deeper else "") + ": "
        return field, detail
    return None
