"""Each distractor rule, on its own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from random import Random

import pytest

from quizapp.core.dates import FuzzyDate, Precision
from quizapp.core.distractors import (
    Concat,
    DatePools,
    Slice,
    can_pick_apart,
    dates_overlap,
    decimals_of,
    display_precision,
    draw,
    format_number,
    has_at_least,
    is_catch_all,
    normalise,
    number_candidates,
    number_count,
    number_distractors,
    pick_apart,
    point_ord,
    split_rank,
)

SEEDS = range(60)


def fd(text: str) -> FuzzyDate:
    return FuzzyDate.parse(text)


# --------------------------------------------------------------------------- texts


def test_normalise_ignores_case_and_spacing() -> None:
    assert normalise("  The  Maritime\nBoundary ") == normalise("the maritime boundary")


@pytest.mark.parametrize(
    "text", ["All of the above", "none of the above.", "Both of the above", "None of these"]
)
def test_catch_all_options_are_recognised(text: str) -> None:
    assert is_catch_all(text)


def test_ordinary_texts_are_not_catch_all() -> None:
    assert not is_catch_all("All members signed the treaty")
    assert not is_catch_all("Nonaligned course")


# --------------------------------------------------------------------------- drawing


def test_draw_exhausts_earlier_tiers_first() -> None:
    for seed in SEEDS:
        got = draw([["a", "b"], ["c", "d", "e"]], 3, Random(seed), lambda x: x)
        assert set(got[:2]) == {"a", "b"} and got[2] in {"c", "d", "e"}


def test_draw_skips_rejected_and_duplicate_items() -> None:
    items = ["Chile", "chile ", "Peru", "Bolivia"]
    got = draw([items], 4, Random(1), lambda x: None if x == "Peru" else normalise(x))
    assert sorted(normalise(x) for x in got) == ["bolivia", "chile"]


def test_draw_respects_taken_identities() -> None:
    got = draw([["a", "b", "c"]], 3, Random(0), lambda x: x, {"b"})
    assert sorted(got) == ["a", "c"]


def test_draw_from_a_large_tier_finds_rare_acceptable_items() -> None:
    pool = list(range(10_000))
    got = draw([pool], 2, Random(3), lambda x: x if x in (17, 9_001) else None)
    assert sorted(got) == [17, 9_001]


def test_draw_is_deterministic_for_a_seed() -> None:
    pool = list(range(1000))
    assert draw([pool], 5, Random(9), lambda x: x) == draw([pool], 5, Random(9), lambda x: x)


def test_has_at_least_counts_distinct_accepted_items() -> None:
    assert has_at_least([["x", "X"], ["y"]], 2, normalise)
    assert not has_at_least([["x", "X"]], 2, normalise)
    assert not has_at_least([["x", "y"]], 2, normalise, {"x"})


def test_concat_and_slice_are_sequences_without_copies() -> None:
    c = Concat([1, 2], [], Slice([0, 3, 4, 5], 1, 3))
    assert len(c) == 4 and list(c) == [1, 2, 3, 4]
    with pytest.raises(IndexError):
        c[4]


def test_split_rank_clips_to_what_each_side_has() -> None:
    for seed in SEEDS:
        lo, hi = split_rank(3, 1, 10, Random(seed))
        assert lo <= 1 and lo + hi == 3
        lo, hi = split_rank(3, 0, 1, Random(seed))
        assert (lo, hi) == (0, 1)


# --------------------------------------------------------------------------- dates


def test_date_distractors_have_the_keys_precision_and_differ_from_it() -> None:
    pools = DatePools([fd("1998-11"), fd("2001-06-28"), fd("1970s"), fd("2004")])
    for key in ("1998", "1998-11", "2001-06-28", "1970s"):
        k = fd(key)
        for seed in SEEDS:
            got = pools.distractors(k, 3, Random(seed))
            assert len(got) == 3
            assert all(d.precision == k.precision and not d.is_range for d in got)
            assert all(not d.same_at(k, k.precision) for d in got)
            assert len({d.iso() for d in got}) == 3


def test_bank_dates_near_the_key_come_first() -> None:
    bank = [fd(y) for y in ("1990", "1991", "1993", "1996", "1999", "2000", "2002", "2003")]
    pools = DatePools(bank)
    for seed in SEEDS:
        got = pools.distractors(fd("1997"), 3, Random(seed))
        assert {d.iso() for d in got} <= {d.iso() for d in bank}


def test_finer_bank_dates_feed_coarser_pools() -> None:
    pools = DatePools([fd("1994-05-02")])
    assert pools.points[Precision.YEAR] == [1994]
    assert pools.points[Precision.DECADE] == [199]


def test_far_bank_dates_are_not_plausible() -> None:
    pools = DatePools([fd("1821"), fd("2150")])
    for seed in SEEDS:
        got = pools.distractors(fd("1998"), 3, Random(seed))
        assert all(abs(d.first.year - 1998) <= 5 for d in got)


@pytest.mark.parametrize(
    ("key", "max_distance"),
    [("1970s", 30), ("1998", 5), ("1998-11", 5 * 12), ("2001-06-28", 3 * 366)],
)
def test_generated_dates_are_nearby(key: str, max_distance: int) -> None:
    k = fd(key)
    pools = DatePools([])
    for seed in SEEDS:
        for d in pools.distractors(k, 4, Random(seed)):
            if k.precision in (Precision.DECADE, Precision.YEAR):
                assert abs(d.first.year - k.first.year) <= max_distance
            elif k.precision is Precision.MONTH:
                delta = point_ord(d.first, Precision.MONTH) - point_ord(k.first, Precision.MONTH)
                assert abs(delta) <= max_distance
            else:
                assert abs((d.start - k.start).days) <= max_distance


def test_generated_days_exist() -> None:
    # 29 February and 31 January shifted by months or years must not invent 29 Feb 2005.
    pools = DatePools([])
    for key in ("2004-02-29", "2005-01-31", "0001-01-01", "9999-12-31"):
        for seed in SEEDS:
            for d in pools.distractors(fd(key), 4, Random(seed)):
                assert FuzzyDate.parse(d.iso()) == d  # parses back: a real date


def test_ranges_get_ranges_that_do_not_overlap_the_key() -> None:
    pools = DatePools([fd("1990/2000"), fd("1995/1997"), fd("2003/2004")])
    for key in ("1990/2000", "2001-06-28/2001-07-28", "1968/1975", "1800s/1890s"):
        k = fd(key)
        for seed in SEEDS:
            got = pools.distractors(k, 3, Random(seed))
            assert len(got) == 3
            for d in got:
                assert d.is_range and d.precision == k.precision
                assert not dates_overlap(d, k)


def test_the_keys_rank_among_sorted_dates_varies() -> None:
    pools = DatePools([fd("1999"), fd("2004")])
    k = fd("2001")
    ranks = set()
    for seed in SEEDS:
        dates = sorted([k, *pools.distractors(k, 3, Random(seed))], key=FuzzyDate.sort_key)
        ranks.add(dates.index(k))
    assert ranks == {0, 1, 2, 3}


def test_date_count_matches_what_can_be_drawn() -> None:
    pools = DatePools([fd("1998")])
    assert pools.count(fd("1999")) >= 10


# --------------------------------------------------------------------------- numbers


def test_numbers_are_rounded_like_the_key_and_never_equal_to_it() -> None:
    for seed in SEEDS:
        got = number_distractors(210, 3, Random(seed))
        assert len(got) == 3 and 210 not in got
        assert all(x % 10 == 0 and 100 <= x <= 420 for x in got)


def test_small_integers_get_their_neighbours() -> None:
    below, above = number_candidates(3)
    assert {x for tier in below + above for x in tier} == {1, 2, 4, 5, 6, 7}
    for seed in SEEDS:
        assert set(number_distractors(3, 3, Random(seed))) <= {1, 2, 4, 5, 6, 7}


def test_one_has_no_zero_or_negative_distractor() -> None:
    for seed in SEEDS:
        assert all(x >= 2 for x in number_distractors(1, 3, Random(seed)))


def test_decimals_are_kept() -> None:
    assert decimals_of(0.387) == 3 and decimals_of(210.0) == 0 and decimals_of(5.2) == 1
    for seed in SEEDS:
        got = number_distractors(0.387, 3, Random(seed))
        shown = {format_number(x, 3) for x in got}
        assert len(shown) == 3 and "0.387" not in shown


def test_small_decimals_still_get_distinct_options() -> None:
    assert number_count(0.1) >= 3
    for seed in SEEDS:
        got = number_distractors(0.1, 3, Random(seed))
        assert len({format_number(x, 1) for x in got} | {"0.1"}) == 4


def test_negative_keys_stay_negative() -> None:
    for seed in SEEDS:
        got = number_distractors(-170, 3, Random(seed))
        assert len(got) == 3 and all(x < 0 and x != -170 for x in got)


def test_large_round_numbers_stay_round() -> None:
    for seed in SEEDS:
        got = number_distractors(1_500_000, 3, Random(seed))
        assert all(x % 100_000 == 0 for x in got)


def test_the_keys_rank_among_sorted_numbers_varies() -> None:
    ranks = set()
    for seed in SEEDS:
        values = sorted([210, *number_distractors(210, 3, Random(seed))])
        ranks.add(values.index(210))
    assert ranks == {0, 1, 2, 3}


def test_format_number_groups_thousands() -> None:
    assert format_number(1_500_000, 0) == "1,500,000"
    assert format_number(0.5, 2) == "0.50"


# --------------------------------------------------------------------------- timelines


@dataclass(eq=False)
class Entry:
    label: str
    date: FuzzyDate

    @property
    def norm(self) -> str:
        return normalise(self.label)

    @property
    def ords(self) -> tuple[int, ...]:
        return tuple(point_ord(self.date.first, p) for p in Precision if p <= self.precision)

    @property
    def precision(self) -> Precision:
        return self.date.precision


def entries(*dates: str) -> list[Entry]:
    return [Entry(f"item {d}", fd(d)) for d in dates]


def no_ties(chosen: list[Entry]) -> bool:
    p = display_precision(chosen)
    shown = [e.date.truncate(p).iso() for e in chosen]
    return len(set(shown)) == len(shown)


def test_pick_apart_never_picks_ties_at_the_display_precision() -> None:
    pool = entries(
        "1998",
        "1998-11",
        "2001-03",
        "2001-06",
        "1970s",
        "1975",
        "2004-11-04",
        "2004-11",
        "1990",
        "2010",
    )
    for anchor in pool:
        for seed in SEEDS:
            chosen = pick_apart(anchor, pool, 4, Random(seed))
            assert chosen[0] is anchor and len(chosen) >= 3
            assert no_ties(chosen)
            assert len({id(e) for e in chosen}) == len(chosen)


def test_a_coarse_pick_does_not_block_the_finer_ones() -> None:
    # Picking the 1990s first would tie 1995 and 1999 with it; the fallback finds them.
    pool = entries("1990s", "1995", "1999")
    anchor = Entry("anchor", fd("2001"))
    pool.append(anchor)
    assert can_pick_apart(anchor, pool)
    for seed in SEEDS:
        chosen = pick_apart(anchor, pool, 3, Random(seed))
        assert len(chosen) >= 3 and no_ties(chosen)


def test_cannot_pick_apart_when_everything_ties() -> None:
    pool = entries("2001", "2001-05", "2001-06-07", "2000s")
    assert not can_pick_apart(pool[0], pool)


def test_equal_texts_are_never_picked_together() -> None:
    pool = [
        Entry("same", fd("1990")),
        Entry("same", fd("1995")),
        Entry("other", fd("2000")),
        Entry("third", fd("2005")),
    ]
    for seed in SEEDS:
        chosen = pick_apart(pool[0], pool, 3, Random(seed))
        assert len({e.norm for e in chosen}) == len(chosen)


def test_dates_overlap() -> None:
    assert dates_overlap(fd("2001"), fd("2001-06"))
    assert not dates_overlap(fd("2001-03"), fd("2001-06"))
    assert dates_overlap(fd("1990/2000"), fd("2000-05"))
    assert date(2001, 1, 1) == fd("2001").start
