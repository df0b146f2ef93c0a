"""Item analysis, as Moodle's quiz statistics: how hard each question is, whether it separates
the students who know the material from those who do not, and which distractors nobody picks.

Over the ``s`` attempts that hold a unit (a question's item, or a fact), with ``x`` the score on
the unit (0..1) and ``R`` the rest of the attempt, and sample (co)variances (divided by s-1):

- facility = mean(x);
- discrimination index = 100·cov(x, R) / sqrt(var(x)·var(R));
- discriminative efficiency = 100·cov(x, R) / cov_max, where cov_max is cov(x, R) with the
  sorted x paired with the sorted R (the largest covariance these scores allow).

Both are None when undefined: under 2 attempts with a rest, no spread in x or in R, cov_max 0.

Attempts need not hold the same questions (a drill draws its own). ``R`` is therefore the mean
score of the attempt's *other* questions times ``L - 1``, where ``L`` is the number of questions
in the longest attempt: for attempts of one length it is exactly Moodle's "total minus the item",
and a constant factor changes neither figure anyway. An attempt with no other question has no
rest: it counts in n and the facility, not in the discrimination.

A distractor's pick rate is its picks over the answered showings it appeared in (distractors
are drawn anew at each showing). Under 5% is non-functioning (Tarrant, Ware & Mohammed 2009),
but only judged after ``MIN_SHOWINGS`` showings: below that one pick more or less swings the
rate by 10 points or more, so no verdict is given.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from statistics import covariance, fmean, variance
from typing import Literal

TOO_EASY_ABOVE = 0.9
TOO_HARD_BELOW = 0.2
NON_FUNCTIONING_BELOW = 0.05
MIN_SHOWINGS = 10
"""Showings a distractor needs before it is judged non-functioning."""

_UnitOf = Callable[[str], str]

# Sums of float scores leave rounding dust: a spread smaller than this is no spread.
_ZERO = 1e-12

Flag = Literal["too_easy", "too_hard", "negative_discrimination", "non_functioning_distractors"]
FLAGS: tuple[Flag, ...] = (
    "too_easy",
    "too_hard",
    "negative_discrimination",
    "non_functioning_distractors",
)
FLAG_LABELS: dict[Flag, str] = {
    "too_easy": "too easy",
    "too_hard": "too hard",
    "negative_discrimination": "negative discrimination",
    "non_functioning_distractors": "non-functioning distractors",
}


@dataclass(frozen=True)
class Showing:
    """One showing of a question: the options it had, its keys, what was picked (None when
    it was left unanswered)."""

    item: str
    options: Sequence[str]
    keys: Sequence[str]
    picked: Sequence[str] | None


@dataclass(frozen=True)
class DistractorRate:
    text: str
    shown: int
    picked: int
    non_functioning: bool
    """Picked under 5% of the time, after at least ``MIN_SHOWINGS`` showings."""

    @property
    def rate(self) -> float:
        return self.picked / self.shown


@dataclass(frozen=True)
class UnitStats:
    key: str
    n: int
    """Attempts that hold the unit."""
    facility: float | None
    """0..1; None when no attempt holds the unit (it comes from the showings alone)."""
    discrimination: float | None
    efficiency: float | None
    distractors: tuple[DistractorRate, ...]
    flags: tuple[Flag, ...]


def analyse(
    attempts: Sequence[Mapping[str, float]],
    showings: Iterable[Showing] = (),
    *,
    group_of: Mapping[str, str] | None = None,
) -> dict[str, UnitStats]:
    """Statistics per unit. Each attempt maps item keys to scores (0..1).

    Without ``group_of`` every item is its own unit; with it, items are grouped (e.g. by fact):
    a unit's x in an attempt is the mean score of its items there, and its rest is the mean of
    the attempt's items outside the unit.
    """
    for attempt in attempts:
        for item, score in attempt.items():
            if not 0.0 <= score <= 1.0:  # also refuses NaN
                raise ValueError(f"the score of {item!r} must lie in 0..1, got {score!r}")
    groups = group_of or {}

    def unit(item: str) -> str:
        return groups.get(item, item)

    longest = max((len(a) for a in attempts), default=0)
    pairs = _unit_scores(attempts, unit, longest)
    rates = _distractor_rates(showings, unit)
    return {
        key: _stats(key, pairs.get(key, []), rates.get(key, ()))
        for key in dict.fromkeys([*pairs, *rates])
    }


def _unit_scores(
    attempts: Sequence[Mapping[str, float]], unit: _UnitOf, longest: int
) -> dict[str, list[tuple[float, float | None]]]:
    """Per unit, one (x, R) pair per attempt holding it; R is None without other questions."""
    pairs: dict[str, list[tuple[float, float | None]]] = defaultdict(list)
    for attempt in attempts:
        by_unit: dict[str, list[float]] = defaultdict(list)
        for item, score in attempt.items():
            by_unit[unit(item)].append(score)
        total = math.fsum(attempt.values())
        for key, scores in by_unit.items():
            others = len(attempt) - len(scores)
            rest = (total - math.fsum(scores)) / others * (longest - 1) if others else None
            pairs[key].append((fmean(scores), rest))
    return pairs


def _stats(
    key: str, pairs: list[tuple[float, float | None]], distractors: tuple[DistractorRate, ...]
) -> UnitStats:
    facility = fmean(x for x, _ in pairs) if pairs else None
    with_rest = [(x, r) for x, r in pairs if r is not None]
    xs = [x for x, _ in with_rest]
    rs = [r for _, r in with_rest]
    stats = UnitStats(
        key=key,
        n=len(pairs),
        facility=facility,
        discrimination=discrimination_index(xs, rs),
        efficiency=discriminative_efficiency(xs, rs),
        distractors=distractors,
        flags=(),
    )
    return replace(stats, flags=flags_of(stats))


def discrimination_index(xs: Sequence[float], rs: Sequence[float]) -> float | None:
    """100 times the correlation of the unit's scores with the rest scores."""
    if len(xs) < 2:
        return None
    spread = variance(xs) * variance(rs)
    if spread <= _ZERO:
        return None
    return 100 * covariance(xs, rs) / math.sqrt(spread)


def discriminative_efficiency(xs: Sequence[float], rs: Sequence[float]) -> float | None:
    """100 times cov(x, R) over the covariance of the sorted x with the sorted R."""
    if len(xs) < 2:
        return None
    cov_max = covariance(sorted(xs), sorted(rs))
    if cov_max <= _ZERO:
        return None
    return 100 * covariance(xs, rs) / cov_max


def flags_of(stats: UnitStats) -> tuple[Flag, ...]:
    found: list[Flag] = []
    if stats.facility is not None and stats.facility > TOO_EASY_ABOVE:
        found.append("too_easy")
    if stats.facility is not None and stats.facility < TOO_HARD_BELOW:
        found.append("too_hard")
    if stats.discrimination is not None and stats.discrimination < 0:
        found.append("negative_discrimination")
    if any(d.non_functioning for d in stats.distractors):
        found.append("non_functioning_distractors")
    return tuple(found)


def _distractor_rates(
    showings: Iterable[Showing], unit: _UnitOf
) -> dict[str, tuple[DistractorRate, ...]]:
    shown: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    picked: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for showing in showings:
        if showing.picked is None:
            continue
        key = unit(showing.item)
        chosen = set(showing.picked)
        for option in dict.fromkeys(showing.options):
            if option in showing.keys:
                continue
            shown[key][option] += 1
            picked[key][option] += option in chosen
    return {
        key: tuple(
            sorted(
                (_rate(text, count, picked[key][text]) for text, count in counts.items()),
                key=lambda d: (d.picked / d.shown, d.text),
            )
        )
        for key, counts in shown.items()
    }


def _rate(text: str, shown: int, picked: int) -> DistractorRate:
    judged = shown >= MIN_SHOWINGS
    return DistractorRate(text, shown, picked, judged and picked / shown < NON_FUNCTIONING_BELOW)
