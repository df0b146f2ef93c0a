"""Wrong options ("distractors") and the rules they follow.

Everything here is a pure function of its arguments and an explicit ``random.Random``: the
same seed gives the same options. The rules, each with a unit test:

* of the answer's kind: dates at the key's precision (the bank's nearby dates first, then
  generated nearby ones), numbers near the key and rounded like it, entities of the same kind
  (same group first), texts of the same field of other facts;
* never a correct answer and never two options that read the same (compared case-insensitively
  after whitespace normalisation), never "all/none of the above";
* date and number options are shown sorted, so the key's rank is drawn first and distractors
  are then taken from below and above it: the key's position varies even when sorted.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import re
from collections.abc import Callable, Hashable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from random import Random
from typing import NamedTuple, Protocol, TypeVar

from .dates import DatePoint, FuzzyDate, Precision

T = TypeVar("T")

MIN_OPTIONS = 3
"""A choice question with fewer options than this is not worth asking."""

# --------------------------------------------------------------------------- texts


@functools.lru_cache(maxsize=1 << 16)
def normalise(text: str) -> str:
    """How options are compared for equality: case- and whitespace-insensitive.

    Cached: a bank compares the same few thousand texts over and over."""
    return " ".join(text.split()).casefold()


_CATCH_ALL = re.compile(r"^(all|none|both|neither)\b.*\babove\b|^(all|none) of (these|them)\b")


@functools.lru_cache(maxsize=1 << 16)
def is_catch_all(text: str) -> bool:
    """'All of the above' and friends are never offered: they test test-taking, not facts.

    Cached, like ``normalise``: the same candidates are looked at again and again."""
    return bool(_CATCH_ALL.match(normalise(text)))


# --------------------------------------------------------------------------- randomness

# Built on ``rng.random()`` alone: it is implemented in C (``randrange``, ``shuffle`` and
# ``sample`` run Python code per element, the main cost of generating a large bank), and its
# stream is documented as stable across Python versions, so a seed keeps its questions.


def pick_index(rng: Random, n: int) -> int:
    """A uniform index in range(n) (n > 0)."""
    return int(rng.random() * n)


def choose(rng: Random, seq: Sequence[T]) -> T:
    return seq[int(rng.random() * len(seq))]


def shuffle(rng: Random, items: list[T]) -> None:
    """Fisher–Yates, in place."""
    random = rng.random
    for i in range(len(items) - 1, 0, -1):
        j = int(random() * (i + 1))
        items[i], items[j] = items[j], items[i]


def sample(rng: Random, seq: Sequence[T], k: int) -> list[T]:
    """``k`` distinct items of ``seq`` in random order."""
    pool = list(seq)
    n = len(pool)
    for i in range(k):
        j = i + int(rng.random() * (n - i))
        pool[i], pool[j] = pool[j], pool[i]
    return pool[:k]


def randint(rng: Random, lo: int, hi: int) -> int:
    """A uniform integer in [lo, hi]."""
    return lo + int(rng.random() * (hi - lo + 1))


# --------------------------------------------------------------------------- drawing


def draw(
    tiers: Sequence[Sequence[T]],
    count: int,
    rng: Random,
    accept: Callable[[T], Hashable | None] | None,
    taken: set[Hashable] | None = None,
) -> list[T]:
    """Up to ``count`` items at random, exhausting earlier tiers before later ones.

    ``accept`` returns the item's identity for de-duplication, or None to reject it (None for
    ``accept`` itself: items are their own identity, as dates and numbers are); identities
    already in ``taken`` (which is updated) are skipped. Large tiers are sampled by random
    index so that drawing 3 items from 10,000 costs a few steps, not a scan.

    Items are looked at in the order ``_random_order`` gives, inlined (this runs for nearly
    every question): the same draws from ``rng``, none after the last item needed.
    """
    out: list[T] = []
    if count <= 0:
        return out
    taken = set() if taken is None else taken
    random = rng.random
    for tier in tiers:
        need = count - len(out)
        if need <= 0:
            break
        n = len(tier)
        if n <= 4 * need + 16:
            # A lazy Fisher–Yates over a copy: item i is drawn from the n - i not yet seen.
            pool = list(tier)
            for i in range(n):
                j = i + int(random() * (n - i))
                item = pool[j]
                pool[j] = pool[i]
                key = item if accept is None else accept(item)
                if key is None or key in taken:
                    continue
                taken.add(key)
                out.append(item)
                if len(out) == count:
                    return out
            continue
        # A large tier: random probes, as in ``_random_order``, inlined too.
        seen: set[int] = set()
        for _ in range(6 * need + 20):
            i = int(random() * n)
            if i in seen:
                continue
            seen.add(i)
            item = tier[i]
            key = item if accept is None else accept(item)
            if key is None or key in taken:
                continue
            taken.add(key)
            out.append(item)
            if len(out) == count:
                return out
        # Mostly turned down so far: the rest of the tier, from a random start (rare).
        start = int(random() * n)
        for j in range(n):
            i = (start + j) % n
            if i in seen:
                continue
            item = tier[i]
            key = item if accept is None else accept(item)
            if key is None or key in taken:
                continue
            taken.add(key)
            out.append(item)
            if len(out) == count:
                return out
    return out


def _random_order(n: int, need: int, rng: Random) -> Iterator[int]:
    if n <= 4 * need + 16:
        # A lazy Fisher–Yates: only as many draws as items looked at.
        order = list(range(n))
        for i in range(n):
            j = i + int(rng.random() * (n - i))
            order[i], order[j] = order[j], order[i]
            yield order[i]
        return
    seen: set[int] = set()
    for _ in range(6 * need + 20):
        i = int(rng.random() * n)
        if i not in seen:
            seen.add(i)
            yield i
    # Mostly rejected so far: fall back to a full pass from a random start.
    start = int(rng.random() * n)
    for j in range(n):
        i = (start + j) % n
        if i not in seen:
            yield i


def has_at_least(
    tiers: Sequence[Sequence[T]],
    count: int,
    accept: Callable[[T], Hashable | None],
    taken: set[Hashable] | None = None,
) -> bool:
    """Whether ``draw`` could find ``count`` items; deterministic, stops as soon as it knows."""
    seen = set(taken or ())
    found = 0
    for tier in tiers:
        for item in tier:
            key = accept(item)
            if key is None or key in seen:
                continue
            seen.add(key)
            found += 1
            if found >= count:
                return True
    return found >= count


def split_rank(count: int, below: int, above: int, rng: Random) -> tuple[int, int]:
    """How many of ``count`` sorted distractors go below the key and how many above it.

    The key's rank is drawn uniformly, then clipped to what is available on each side.
    """
    count = min(count, below + above)
    lo = min(int(rng.random() * (count + 1)), below)
    hi = min(count - lo, above)
    lo = min(count - hi, below)
    return lo, hi


# --------------------------------------------------------------------------- dates

# A date at a precision becomes one integer ("ordinal") so that pools sort and compare fast.


def point_ord(point: DatePoint, precision: Precision) -> int:
    """The point truncated to ``precision`` (which must not be finer than the point's)."""
    if precision is _DECADE:
        return point.year // 10
    if precision is _YEAR:
        return point.year
    if precision is _MONTH:
        return point.year * 12 + (point.month or 1) - 1
    return date(point.year, point.month or 1, point.day or 1).toordinal()


def point_ords(point: DatePoint) -> tuple[int, ...]:
    """``point_ord`` at every precision from DECADE to the point's own (index = precision - 1),
    in one call (a timeline needs them for each of a bank's dated facts)."""
    y, p = point.year, point.precision
    if p is _DECADE:
        return (y // 10,)
    if p is _YEAR:
        return (y // 10, y)
    m = point.month or 1
    if p is _MONTH:
        return (y // 10, y, y * 12 + m - 1)
    return (y // 10, y, y * 12 + m - 1, date(y, m, point.day or 1).toordinal())


_MAX_DAY = date(9999, 12, 31).toordinal()
_PRECISIONS = tuple(Precision)
"""Iterating the enum itself is slow (it builds its members anew each time)."""


# The members as module constants: reading one off its class costs a lookup through the enum's
# metaclass (three times a global's), and date code does it at every step.
_DECADE, _YEAR, _MONTH, _DAY = (Precision.DECADE, Precision.YEAR, Precision.MONTH, Precision.DAY)


def ord_valid(o: int, precision: Precision) -> bool:
    """Whether the ordinal is a date that exists (years 1 to 9999)."""
    if precision is _DECADE:
        return 1 <= o <= 999
    if precision is _YEAR:
        return 1 <= o <= 9999
    if precision is _MONTH:
        return 12 <= o <= 9999 * 12 + 11
    return 1 <= o <= _MAX_DAY


def ord_point(o: int, precision: Precision) -> DatePoint:
    if precision is _DECADE:
        return DatePoint(o * 10, None, None, precision)
    if precision is _YEAR:
        return DatePoint(o, None, None, precision)
    if precision is _MONTH:
        return DatePoint(o // 12, o % 12 + 1, None, precision)
    d = date.fromordinal(o)
    return DatePoint(d.year, d.month, d.day, precision)


def date_ords(value: FuzzyDate, precision: Precision | None = None) -> tuple[int, int]:
    """(first, last) ordinals at ``precision`` (default: the date's own); equal for points."""
    p = value.precision if precision is None else min(precision, value.precision)
    a = point_ord(value.first, p)
    return a, (point_ord(value.last, p) if value.last is not None else a)


def ords_date(a: int, b: int, precision: Precision, is_range: bool) -> FuzzyDate:
    first = ord_point(a, precision)
    return FuzzyDate(first, ord_point(b, precision) if is_range else None)


def dates_overlap(x: FuzzyDate, y: FuzzyDate) -> bool:
    """Whether the two dates could name the same moment (2001 and 2001-06 do)."""
    return x.start <= y.end and y.start <= x.end


_WINDOW = {Precision.DECADE: 5, Precision.YEAR: 15, Precision.MONTH: 36, Precision.DAY: 730}
"""How far (in units of the precision) a bank date may be from the key to be plausible."""
_NEAR = 6
"""How many of the bank's dates on each side of the key are candidates."""


def _shift_day(o: int, months: int = 0, years: int = 0) -> int | None:
    return _shift(date.fromordinal(o), months, years)


def _shift(d: date, months: int, years: int) -> int | None:
    m = d.month - 1 + months
    y = d.year + years + m // 12
    try:
        return date(y, m % 12 + 1, d.day).toordinal()
    except ValueError:  # 31 April, 29 February of a common year, year 0...
        return None


_STEPS = {
    Precision.DECADE: tuple(s * i for i in (1, 2, 3) for s in (-1, 1)),
    Precision.YEAR: tuple(s * i for i in range(1, 6) for s in (-1, 1)),
    Precision.MONTH: tuple(s * i for i in (1, 2, 3, 12, 24, 36, 48, 60) for s in (-1, 1)),
    Precision.DAY: tuple(s * i for i in (1, 2, 3, 5, 7, 10) for s in (-1, 1)),
}
"""The generated points' distances from the key, in units of the precision, in order."""
_DAY_SHIFTS = tuple(s * i for i in (1, 2, 3) for s in (-1, 1))
"""Months, then years, that day dates are also moved by."""
_VALID = {
    Precision.DECADE: (1, 999),
    Precision.YEAR: (1, 9999),
    Precision.MONTH: (12, 9999 * 12 + 11),
    Precision.DAY: (1, _MAX_DAY),
}
"""The ordinals of dates that exist (years 1 to 9999), as ``ord_valid`` tells them."""


@functools.lru_cache(maxsize=1 << 14)
def _generated_points(k: int, precision: Precision) -> tuple[int, ...]:
    """Plausible dates near ``k``: ±1..3 decades, ±1..5 years, ±1..3 months, nearby days.

    Cached, like ``ords_text``: they depend on the date alone, so each context built for a
    bank (and any bank with the same dates) reuses them."""
    out = [k + step for step in _STEPS[precision]]
    if precision is _DAY:
        # The same day some months, then some years, away (what ``_shift`` does, inlined:
        # a large bank has thousands of days).
        day = date.fromordinal(k)
        y, m0, d = day.year, day.month - 1, day.day
        # try/except, not contextlib.suppress: no context manager to make for each date.
        for step in _DAY_SHIFTS:
            m = m0 + step
            try:  # noqa: SIM105
                out.append(date(y + m // 12, m % 12 + 1, d).toordinal())
            except ValueError:  # 31 April, 29 February of a common year...
                pass
        for step in _DAY_SHIFTS:
            try:  # noqa: SIM105
                out.append(date(y + step, m0 + 1, d).toordinal())
            except ValueError:  # ... year 0
                pass
    lo, hi = _VALID[precision]
    return tuple([o for o in out if lo <= o <= hi])


def _generated_ranges(a: int, b: int, precision: Precision) -> list[tuple[int, int]]:
    """The key's range moved, whole, far enough not to overlap it."""
    length = b - a
    out: list[tuple[int, int]] = []
    if precision is _DAY:
        # Shifting by days gives odd-looking ranges; move the same days to other years.
        years = length // 365 + 1
        for y in range(years, years + 3):
            for s in (-1, 1):
                a2, b2 = _shift_day(a, years=s * y), _shift_day(b, years=s * y)
                if a2 is not None and b2 is not None:
                    out.append((a2, b2))
    else:
        shifts = [length + i for i in (1, 2, 3, 4)]
        if precision is _MONTH:
            shifts += [12 * y for y in (1, 2, 3) if 12 * y > length]
        out = [(a + s * d, b + s * d) for d in shifts for s in (-1, 1)]
    return [
        (a2, b2)
        for a2, b2 in out
        if ord_valid(a2, precision) and ord_valid(b2, precision) and (b2 < a or a2 > b)
    ]


class _Sides(NamedTuple):
    before: list[Sequence[tuple[int, int]]]
    after: list[Sequence[tuple[int, int]]]
    n_before: int
    n_after: int


class DatePools:
    """The bank's dates, per precision, as sorted unique ordinals (built once per bank)."""

    def __init__(self, dates: Sequence[FuzzyDate]) -> None:
        points: dict[Precision, set[int]] = {p: set() for p in _PRECISIONS}
        ranges: dict[Precision, set[tuple[int, int]]] = {p: set() for p in _PRECISIONS}
        for d in set(dates):  # dates are values: each distinct one adds the same ordinals
            if d.is_range:
                ranges[d.precision].add(date_ords(d))
            else:
                # A finer date is also a candidate at every coarser precision.
                first, precision = d.first, d.precision
                for p in _PRECISIONS[:precision]:
                    points[p].add(point_ord(first, p))
        self.points = {p: sorted(v) for p, v in points.items()}
        self.ranges = {p: sorted(v) for p, v in ranges.items()}
        self._cache: dict[FuzzyDate, _Sides] = {}
        # The same, by the key's identity: a bank's facts share their date objects, and a
        # date's hash is computed in Python (twice over: the date, then its point).
        self._by_id: dict[int, tuple[FuzzyDate, _Sides]] = {}

    def _sides(self, key: FuzzyDate) -> _Sides:
        """The bank's nearby dates, then generated ones, before and after the key, as (first,
        last) ordinals (equal for points). Cached per key."""
        known = self._by_id.get(id(key))
        if known is not None and known[0] is key:
            return known[1]
        hit = self._cache.get(key)
        if hit is None:
            before, after = self._compute_sides(key)
            hit = self._cache[key] = _Sides(
                before,
                after,
                len({x for tier in before for x in tier}),
                len({x for tier in after for x in tier}),
            )
        self._by_id[id(key)] = (key, hit)  # keeps ``key`` alive: its id stays its own
        return hit

    def _compute_sides(
        self, key: FuzzyDate
    ) -> tuple[list[Sequence[tuple[int, int]]], list[Sequence[tuple[int, int]]]]:
        p = key.precision
        a, b = date_ords(key)
        window = _WINDOW[p]
        if key.is_range:
            ranges = self.ranges[p]
            i = bisect.bisect_left(ranges, (a, a))
            near_before = ranges[max(0, i - _NEAR) : i]
            rb = [r for r in reversed(near_before) if r[1] < a and a - r[0] <= window]
            ra = [r for r in ranges[i : i + 2 * _NEAR] if r[0] > b and r[0] - b <= window]
            gen = _generated_ranges(a, b, p)
            return (
                [rb, [r for r in gen if r[1] < a]],
                [ra[:_NEAR], [r for r in gen if r[0] > b]],
            )
        points = self.points[p]
        i = bisect.bisect_left(points, a)
        j = bisect.bisect_right(points, a)
        pb = [(o, o) for o in reversed(points[max(0, i - _NEAR) : i]) if a - o <= window]
        pa = [(o, o) for o in points[j : j + _NEAR] if o - a <= window]
        gen_points = _generated_points(a, p)
        return (
            [pb, [(o, o) for o in gen_points if o < a]],
            [pa, [(o, o) for o in gen_points if o > a]],
        )

    def count(self, key: FuzzyDate) -> int:
        """How many distinct distractors ``distractors`` can find for ``key``."""
        sides = self._sides(key)
        return sides.n_before + sides.n_after

    def distractor_ords(self, key: FuzzyDate, count: int, rng: Random) -> list[tuple[int, int]]:
        """Up to ``count`` dates at the key's precision as (first, last) ordinals, none equal
        to it (nor overlapping it, for ranges), the bank's nearby dates first; the key's
        sorted rank is random."""
        before, after, n_before, n_after = self._sides(key)
        lo, hi = split_rank(count, n_before, n_after, rng)
        # (No call for a side that gets nothing: the key is often first or last.)
        return (draw(before, lo, rng, None) if lo else []) + (
            draw(after, hi, rng, None) if hi else []
        )

    def distractors(self, key: FuzzyDate, count: int, rng: Random) -> list[FuzzyDate]:
        """``distractor_ords`` as dates."""
        p, is_range = key.precision, key.is_range
        return [ords_date(a, b, p, is_range) for a, b in self.distractor_ords(key, count, rng)]


@functools.lru_cache(maxsize=1 << 16)
def ords_text(a: int, b: int, precision: Precision, is_range: bool) -> tuple[str, str]:
    """(display, ISO) of a date given as ordinals; cached, as the same dates recur."""
    d = ords_date(a, b, precision, is_range)
    return d.display(), d.iso()


# --------------------------------------------------------------------------- numbers

_BELOW = (0.5, 0.6, 0.7, 0.75, 0.8, 0.9)
_ABOVE = (1.1, 1.2, 1.25, 1.3, 1.4, 1.5, 1.75, 2.0)
_SCALES = (*_BELOW, *_ABOVE)
_SMALL = 12
"""Integers up to this are 'small': their distractors are the neighbours (3 → 2, 4, 5, 6)."""


@functools.lru_cache(maxsize=1 << 14)
def decimals_of(value: float) -> int:
    """How many decimals the key is given with (0.387 → 3, 210.0 → 0), at most 6."""
    if float(value).is_integer():
        return 0
    exponent = Decimal(repr(float(value))).normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return min(max(-exponent, 0), 6)


def format_number(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


def _step(value: float, decimals: int) -> float:
    """Round distractors like the key: 210 → tens, 1,500,000 → hundred-thousands, 0.39 → 0.01."""
    if decimals:
        return 10.0**-decimals
    n = int(abs(value))
    if n == 0:
        return 1.0
    zeros = len(str(n)) - len(str(n).rstrip("0"))
    # Never coarser than the second significant digit, or 100 would only give 200 and 300.
    return float(10 ** min(zeros, max(len(str(n)) - 2, 0)))


@functools.lru_cache(maxsize=1 << 14)
def number_candidates(value: float) -> tuple[list[list[float]], list[list[float]]]:
    """(below tiers, above tiers): plausible values near ``value``, none equal to it."""
    d = decimals_of(value)
    key = round(value, d)
    step = _step(value, d)
    magnitude = abs(key)
    if d == 0 and magnitude <= _SMALL:
        near = [magnitude + i for i in (-3, -2, -1, 1, 2, 3, 4)]
        # 0 only when the key is 0: "how many" answers of zero read as a trick.
        near = [x for x in near if x >= 1 or (magnitude == 0 and x >= 0)]
        scaled: list[float] = []
    else:
        # Each scaled value to the nearest multiple of the step, shown with the key's decimals.
        floor = math.floor
        if d:
            scaled = [round(floor(magnitude * f / step + 0.5) * step, d) for f in _SCALES]
            near = [round(magnitude + i * step, d) for i in (-3, -2, -1, 1, 2, 3, 4)]
        else:  # whole already: round(x, 0) would give x back (and it is slow)
            scaled = [floor(magnitude * f / step + 0.5) * step for f in _SCALES]
            near = [magnitude + i * step for i in (-3, -2, -1, 1, 2, 3, 4)]
    sign = -1.0 if key < 0 else 1.0
    tiers: list[list[float]] = []
    for group in (scaled, near):
        # Keep the sign; never cross zero (a count of -5 is impossible, a temperature is not
        # better for it either).
        values = sorted({sign * x for x in group if x > 0 or (x == 0 and magnitude == 0)})
        # Already rounded to d decimals (rounding again gives the same float): none shows
        # the key's text once it differs from the key.
        tiers.append([v for v in values if v != key])
    below = [[v for v in tier if v < key] for tier in tiers]
    above = [[v for v in tier if v > key] for tier in tiers]
    return below, above


def number_distractors(value: float, count: int, rng: Random) -> list[float]:
    """Up to ``count`` numbers near ``value``, rounded like it, displayed differently from it.

    Candidates are rounded to the key's decimals and de-duplicated, so distinct values show
    distinct texts."""
    below, above = number_candidates(value)
    n_below, n_above = _side_counts(value)
    lo, hi = split_rank(count, n_below, n_above, rng)
    taken: set[Hashable] = set()
    return draw(below, lo, rng, None, taken) + draw(above, hi, rng, None, taken)


@functools.lru_cache(maxsize=1 << 14)
def _side_counts(value: float) -> tuple[int, int]:
    below, above = number_candidates(value)
    return len({x for tier in below for x in tier}), len({x for tier in above for x in tier})


def number_count(value: float) -> int:
    """How many distinct distractors ``number_distractors`` can find."""
    return sum(_side_counts(value))


# --------------------------------------------------------------------------- sequences


class Concat(Sequence[T]):
    """Several sequences seen as one, without copying (for tiers built from pool slices).
    Indices are non-negative, as ``draw`` uses them."""

    def __init__(self, *parts: Sequence[T]) -> None:
        # Runs of (sequence, start, length): a Slice is read straight from its sequence.
        self._runs: list[tuple[Sequence[T], int, int]] = []
        for part in parts:
            if isinstance(part, Slice):
                run = (part._seq, part._start, part._len)
            else:
                run = (part, 0, len(part))
            if run[2]:
                self._runs.append(run)
        self._len = sum(n for _, _, n in self._runs)

    def __len__(self) -> int:
        return self._len

    def __getitem__(self, i: int) -> T:  # type: ignore[override]
        for seq, start, n in self._runs:
            if i < n:
                return seq[start + i]
            i -= n
        raise IndexError(i)

    def __iter__(self) -> Iterator[T]:
        for seq, start, n in self._runs:
            yield from itertools.islice(seq, start, start + n)


class Slice(Sequence[T]):
    """``seq[start:stop]`` without copying."""

    def __init__(self, seq: Sequence[T], start: int, stop: int) -> None:
        self._seq, self._start, self._len = seq, start, max(stop - start, 0)

    def __len__(self) -> int:
        return self._len

    def __getitem__(self, i: int) -> T:  # type: ignore[override]
        if not 0 <= i < self._len:
            raise IndexError(i)
        return self._seq[self._start + i]

    def __iter__(self) -> Iterator[T]:
        return itertools.islice(self._seq, self._start, self._start + self._len)


# --------------------------------------------------------------------------- timelines


class Dated(Protocol):
    """What timeline picking needs of an entry (``generator.TimelineEntry``)."""

    norm: str
    ords: tuple[int, ...]

    @property
    def precision(self) -> Precision: ...


E = TypeVar("E", bound=Dated)


def display_precision(entries: Sequence[Dated]) -> Precision:
    """Items are shown at the coarsest precision among them (1998-11 beside 1970s → decade)."""
    return min(e.precision for e in entries)


def _joins(chosen: list[E], p: Precision, cand: E) -> Precision | None:
    """The new display precision if ``cand`` can join without a tie, else None.

    Two items tie when they look the same at the display precision: 2001-03 and 2001-06 tie
    once a decade is shown beside them. Points that differ there cannot overlap either.
    """
    q = min(p, cand.precision)
    i = q - 1
    mine, norm = cand.ords[i], cand.norm
    if q < p:
        # A coarser display: the items chosen so far must not tie among themselves either.
        seen = set()
        for c in chosen:
            o = c.ords[i]
            if o == mine or o in seen or c.norm == norm:
                return None
            seen.add(o)
    else:
        for c in chosen:
            if c.ords[i] == mine or c.norm == norm:
                return None
    return q


def _extremes_first(items: list[E]) -> list[E]:
    """items[0], items[-1], items[1], items[-2]...: the extremes of a time-sorted pool are the
    likeliest to fit beside anything."""
    n = len(items)
    out = items[:]
    out[0::2] = items[: (n + 1) // 2]
    out[1::2] = items[::-1][: n // 2]
    return out


class TimelinePool(Sequence[E]):
    """Timeline entries sorted by time, with the sub-pools of entries at least as fine as each
    precision, in the greedy pick's order (built once per bank: that pick runs for every
    dated fact)."""

    def __init__(self, entries: Sequence[E]) -> None:
        self.entries = list(entries)
        self.greedy = _extremes_first(self.entries)
        self.greedy_finer = {
            p: _extremes_first([e for e in self.entries if e.precision >= p]) for p in _PRECISIONS
        }

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, i: int) -> E:  # type: ignore[override]
        return self.entries[i]


def _pool(pool: Sequence[E]) -> TimelinePool[E]:
    return pool if isinstance(pool, TimelinePool) else TimelinePool(pool)


def _greedy(anchor: E, pool: TimelinePool[E], count: int, chosen: list[E]) -> list[E]:
    # First only items that keep the display precision (a decade among years would force
    # ties), from the extremes of time inwards; then any item.
    p = display_precision(chosen)
    i = p - 1
    # Every item of the first pass is at least as fine as p, so the display stays at p and
    # ``_joins`` comes down to: a date at p and a text that no chosen item has.
    ords, norms = {c.ords[i] for c in chosen}, {c.norm for c in chosen}
    for cand in pool.greedy_finer[p]:
        if len(chosen) > count:
            return chosen
        o = cand.ords[i]
        if o in ords or cand.norm in norms:
            continue  # a tie, or an item already chosen
        chosen.append(cand)
        ords.add(o)
        norms.add(cand.norm)
    taken = {id(c) for c in chosen}
    for cand in pool.greedy:
        if len(chosen) > count:
            return chosen
        if id(cand) in taken:
            continue
        q = _joins(chosen, p, cand)
        if q is not None:
            chosen.append(cand)
            taken.add(id(cand))
            p = q
    return chosen


def can_pick_apart(anchor: E, pool: Sequence[E], count: int = MIN_OPTIONS - 1) -> bool:
    """Whether ``count`` items of ``pool`` can stand beside ``anchor`` without ties."""
    return len(_greedy(anchor, _pool(pool), count, [anchor])) > count


def pick_apart(anchor: E, pool: Sequence[E], count: int, rng: Random) -> list[E]:
    """The anchor and up to ``count`` other items at random, no two tying at the display
    precision (the coarsest among them); at least ``MIN_OPTIONS - 1`` others whenever
    ``can_pick_apart`` says so."""
    timeline = _pool(pool)
    entries = timeline.entries
    chosen = [anchor]
    p = anchor.precision
    i = p - 1
    # The chosen items' dates at the display precision p, and their texts: an item at least
    # as fine as p joins when both of its are new (what ``_joins`` checks, without a call).
    # That also turns away the items already chosen.
    ords, norms = {anchor.ords[i]}, {anchor.norm}
    attempts = 0
    limit = 8 * count + 24
    for k in _random_order(len(entries), count, rng):
        attempts += 1
        if len(chosen) > count or attempts > limit:
            break
        cand = entries[k]
        if cand.precision >= p:
            o = cand.ords[i]
            if o in ords or cand.norm in norms:
                continue
            chosen.append(cand)
            ords.add(o)
            norms.add(cand.norm)
            continue
        q = _joins(chosen, p, cand)  # a coarser item: the display becomes coarser
        if q is not None:
            chosen.append(cand)
            p, i = q, q - 1
            ords = {c.ords[i] for c in chosen}
            norms.add(cand.norm)
    if len(chosen) <= count:
        chosen = _greedy(anchor, timeline, count, chosen)
    if len(chosen) < MIN_OPTIONS:
        # The random start blocked the rest (a decade beside years): the deterministic pick
        # that ``can_pick_apart`` vouched for.
        chosen = _greedy(anchor, timeline, count, [anchor])
    return chosen
