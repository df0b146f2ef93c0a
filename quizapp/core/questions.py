"""What the generator hands out: items (stable) and questions (drawn anew at every showing).

An *item* is one template applied to one fact; its id is stable across edits of the bank, so a
student's schedule hangs on it. A *question* is one showing of an item: its distractors and
their order come from an explicit ``random.Random``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields
from typing import Any, Literal

QuestionType = Literal["single_choice", "multiple_choice", "ordering", "flashcard"]
QUESTION_TYPES: tuple[QuestionType, ...] = (
    "single_choice",
    "multiple_choice",
    "ordering",
    "flashcard",
)


@dataclass(frozen=True)
class ItemSpec:
    """A template that applies to a fact. ``id`` is ``"{template}:{fact_id}"``."""

    id: str
    template: str
    type: QuestionType
    fact_id: str
    topic: str


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    """The item id this question shows."""
    type: QuestionType
    template: str
    prompt: str
    options: tuple[str, ...]
    """Choice types: every option in display order. Ordering: the items, shuffled.
    Flashcards: empty."""
    answer: tuple[str, ...]
    """Choice types: the correct options. Ordering: the items in the right order.
    Flashcards: the back, as one string."""
    fact_ids: tuple[str, ...]
    source: str
    explanation: str
    topic: str
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_export(self) -> dict[str, Any]:
        """The exact shape ``export-questions`` prints (other tools rely on it)."""
        return {
            "id": self.id,
            "type": self.type,
            "prompt": self.prompt,
            "options": list(self.options),
            "answer": list(self.answer),
            "fact_ids": list(self.fact_ids),
            "source": self.source,
            "explanation": self.explanation,
        }

    def to_dict(self) -> dict[str, Any]:
        # Not asdict(): it deep-copies every field, which the study loop pays at each answer;
        # only ``extra`` can hold anything mutable.
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        for key in ("options", "answer", "fact_ids"):
            data[key] = list(data[key])
        data["extra"] = copy.deepcopy(self.extra)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Question:
        return cls(
            **{
                **data,
                "options": tuple(data["options"]),
                "answer": tuple(data["answer"]),
                "fact_ids": tuple(data["fact_ids"]),
                "extra": dict(data.get("extra") or {}),
            }
        )
