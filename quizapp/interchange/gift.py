"""GIFT (Moodle's plain-text quiz format) of a bank's questions.

Single choice: ``=right ~wrong``; select-all: ``~%w%`` weights, the right options sharing
+100 and the wrong ones -100. GIFT has no ordering type: ordering questions become a comment
line. Nor has it a self-graded card: a flashcard becomes a *description* (front, then back),
which Moodle shows without grading; a ``{=back}`` short answer would demand the back's exact
words, which few backs (often whole sentences) could be typed as.
"""

from __future__ import annotations

from random import Random

from ..core.questions import Question
from ..core.schema import Bank
from .common import category_path, feedback, percent, questions_by_topic, weights

# Moodle's own GIFT writer escapes these (the backslash first) and writes a line break as \n.
_ESCAPES = {"\\": "\\\\", "~": "\\~", "=": "\\=", "#": "\\#", "{": "\\{", "}": "\\}", ":": "\\:"}


def escape(text: str) -> str:
    out = "".join(_ESCAPES.get(c, c) for c in text.replace("\r\n", "\n").replace("\r", "\n"))
    return out.replace("\n", "\\n")


def export(bank: Bank, rng: Random, *, n_options: int = 4) -> bytes:
    blocks = [
        f"// {_comment(bank.title)} (bank {bank.id}), exported by quizapp.\n"
        "// Flashcards are descriptions (GIFT has no self-graded card); ordering questions are"
        " skipped."
    ]
    for topic, questions in questions_by_topic(bank, rng, n_options=n_options):
        # A category line is not unescaped by Moodle: only line breaks are taken out.
        blocks.append(f"$CATEGORY: {category_path(bank, topic)}")
        blocks.extend(_question(q) for q in questions)
    return ("\n\n".join(blocks) + "\n").encode("utf-8")


def _comment(text: str) -> str:
    return " ".join(text.split())


def _question(q: Question) -> str:
    name = f"::{escape(q.id)}::"
    if q.type == "ordering":
        return f"// ordering question {_comment(q.id)} skipped: GIFT has no ordering type"
    if q.type == "flashcard":
        return f"{name}{escape(q.prompt + chr(10) + chr(10) + q.answer[0])}"
    lines = [f"{name}{escape(q.prompt)} {{"]
    for option, weight in weights(q):
        mark = _mark(q, weight)
        lines.append(f"\t{mark}{_answer_text(option, bare=mark == '~')}")
    lines.append("\t####" + escape(feedback(q)))
    lines.append("}")
    return "\n".join(lines)


def _mark(q: Question, weight: float) -> str:
    if q.type == "single_choice":
        return "=" if weight > 0 else "~"
    return f"~%{percent(weight)}%"


def _answer_text(option: str, *, bare: bool) -> str:
    # After a bare '~', an option that starts with "%5%" would be read as a weight: an
    # explicit 0 weight before it keeps it text (GIFT cannot escape '%').
    text = escape(option)
    return "%0%" + text if bare and text.startswith("%") else text
