"""Item analysis against figures computed by hand (Moodle's quiz statistics formulas).

Notation: x = score on the unit, R = rest of the attempt, s = attempts, cov and var divided by
s-1; discrimination = 100·cov(x,R)/sqrt(var x·var R); efficiency = 100·cov(x,R)/cov_max with
cov_max = cov(sorted x, sorted R).
"""

from __future__ import annotations

import math

import pytest

from quizapp.core.item_analysis import (
    MIN_SHOWINGS,
    DistractorRate,
    Showing,
    analyse,
)

# Five attempts over items A, B, C (and D, right every time); every attempt holds all four, so
# R is exactly "total minus the item" (adding D's constant 1 to R changes no covariance).
#
#   attempt   A   B   C    D
#   1         1   1   1    1
#   2         1   0   1    1
#   3         0   1   0.5  1
#   4         1   1   0    1
#   5         0   0   0    1
FIVE = [
    {"A": 1.0, "B": 1.0, "C": 1.0, "D": 1.0},
    {"A": 1.0, "B": 0.0, "C": 1.0, "D": 1.0},
    {"A": 0.0, "B": 1.0, "C": 0.5, "D": 1.0},
    {"A": 1.0, "B": 1.0, "C": 0.0, "D": 1.0},
    {"A": 0.0, "B": 0.0, "C": 0.0, "D": 1.0},
]


def test_five_attempts_match_the_figures_worked_by_hand() -> None:
    stats = analyse(FIVE)

    # A: x = 1 1 0 1 0, mean 0.6; R = B+C+D = 3 2 2.5 2 1, mean 2.1
    #   x - mean = .4 .4 -.6 .4 -.6;  R - mean = .9 -.1 .4 -.1 -1.1
    #   products .36 -.04 -.24 -.04 .66 = .70  → cov = .70/4 = .175
    #   var x = (3·.16 + 2·.36)/4 = 1.2/4 = .3;  var R = (.81+.01+.16+.01+1.21)/4 = 2.2/4 = .55
    #   discrimination = 100·.175/sqrt(.3·.55) = 17.5/.406202 = 43.0820
    #   sorted: x 0 0 1 1 1 with R 1 2 2 2.5 3 → products
    #   (-.6)(-1.1) + (-.6)(-.1) + (.4)(-.1) + (.4)(.4) + (.4)(.9) = .66+.06-.04+.16+.36 = 1.2
    #   cov_max = 1.2/4 = .3 → efficiency = 100·.175/.3 = 58.3333
    a = stats["A"]
    assert a.n == 5
    assert a.facility == pytest.approx(0.6)
    assert round(a.discrimination, 4) == 43.0820
    assert round(a.efficiency, 4) == 58.3333

    # B: x = 1 0 1 1 0, mean .6; R = A+C+D = 3 3 1.5 2 1, mean 2.1
    #   x - mean = .4 -.6 .4 .4 -.6;  R - mean = .9 .9 -.6 -.1 -1.1
    #   products .36 -.54 -.24 -.04 .66 = .20 → cov = .05
    #   var x = .3;  var R = (.81+.81+.36+.01+1.21)/4 = 3.2/4 = .8
    #   discrimination = 100·.05/sqrt(.24) = 5/.489898 = 10.2062
    #   sorted: x 0 0 1 1 1 with R 1 1.5 2 3 3 → R - mean = -1.1 -.6 -.1 .9 .9
    #   products .66 + .36 - .04 + .36 + .36 = 1.7 → cov_max = .425
    #   efficiency = 100·.05/.425 = 11.7647
    b = stats["B"]
    assert b.facility == pytest.approx(0.6)
    assert round(b.discrimination, 4) == 10.2062
    assert round(b.efficiency, 4) == 11.7647

    # C: x = 1 1 .5 0 0, mean .5; R = A+B+D = 3 2 2 3 1, mean 2.2
    #   x - mean = .5 .5 0 -.5 -.5;  R - mean = .8 -.2 -.2 .8 -1.2
    #   products .4 -.1 0 -.4 .6 = .5 → cov = .125
    #   var x = (4·.25)/4 = .25;  var R = (.64+.04+.04+.64+1.44)/4 = 2.8/4 = .7
    #   discrimination = 100·.125/sqrt(.175) = 12.5/.418330 = 29.8807
    #   sorted: x 0 0 .5 1 1 with R 1 2 2 3 3 → R - mean = -1.2 -.2 -.2 .8 .8
    #   products .6 + .1 + 0 + .4 + .4 = 1.5 → cov_max = .375
    #   efficiency = 100·.125/.375 = 33.3333
    c = stats["C"]
    assert c.facility == pytest.approx(0.5)
    assert round(c.discrimination, 4) == 29.8807
    assert round(c.efficiency, 4) == 33.3333
    assert a.flags == b.flags == c.flags == ()

    # D: right every time, var x = 0 → both figures undefined; facility 1 > .9 → too easy.
    d = stats["D"]
    assert (d.facility, d.discrimination, d.efficiency) == (1.0, None, None)
    assert d.flags == ("too_easy",)


def test_a_constant_rest_or_a_single_attempt_gives_no_figures() -> None:
    # X varies but its rest (Y, always right) does not: var R = 0, cov_max = 0.
    stats = analyse([{"X": 1.0, "Y": 1.0}, {"X": 0.0, "Y": 1.0}, {"X": 0.5, "Y": 1.0}])
    assert stats["X"].facility == pytest.approx(0.5)
    assert stats["X"].discrimination is None and stats["X"].efficiency is None

    # One attempt: no sample covariance (s - 1 = 0).
    one = analyse([{"X": 1.0, "Y": 0.0}])
    assert one["X"].n == 1 and one["X"].facility == 1.0
    assert one["X"].discrimination is None and one["X"].efficiency is None


def test_attempts_of_different_lengths_scale_the_rest_to_the_longest() -> None:
    # The longest attempt has L = 3 questions, so R = mean of the other questions × 2.
    #   attempt 1: A 1, B 1, C 0 → R_A = mean(1, 0)·2 = 1
    #   attempt 2: A 0, B 1      → R_A = 1·2 = 2
    #   attempt 3: A 1, C 1      → R_A = 1·2 = 2
    #   attempt 4: A 0 alone     → no rest: counted in n and the facility only
    # A: n = 4, facility = (1+0+1+0)/4 = .5
    #   with a rest: x = 1 0 1 (mean 2/3), R = 1 2 2 (mean 5/3)
    #   x - mean = 1/3 -2/3 1/3;  R - mean = -2/3 1/3 1/3
    #   products -2/9 -2/9 1/9 = -1/3 → cov = -1/6
    #   var x = (1/9+4/9+1/9)/2 = 1/3;  var R = (4/9+1/9+1/9)/2 = 1/3
    #   discrimination = 100·(-1/6)/(1/3) = -50
    #   sorted: x 0 1 1 with R 1 2 2 → products 4/9+1/9+1/9 = 2/3 → cov_max = 1/3
    #   efficiency = 100·(-1/6)/(1/3) = -50
    # (Plain sums of the other questions would give R = 1 1 1: no spread, no figure at all.)
    stats = analyse(
        [{"A": 1.0, "B": 1.0, "C": 0.0}, {"A": 0.0, "B": 1.0}, {"A": 1.0, "C": 1.0}, {"A": 0.0}]
    )
    a = stats["A"]
    assert (a.n, a.facility) == (4, 0.5)
    assert round(a.discrimination, 4) == -50.0
    assert round(a.efficiency, 4) == -50.0
    assert a.flags == ("negative_discrimination",)


def test_per_fact_x_is_the_mean_of_the_facts_questions_and_r_the_other_questions() -> None:
    group_of = {"t1:f1": "f1", "t2:f1": "f1", "t1:f2": "f2", "t1:f3": "f3"}
    attempts = [
        {"t1:f1": 1.0, "t2:f1": 0.0, "t1:f2": 1.0, "t1:f3": 1.0},
        {"t1:f1": 1.0, "t2:f1": 1.0, "t1:f2": 0.0, "t1:f3": 0.0},
        {"t1:f1": 0.0, "t1:f2": 1.0, "t1:f3": 1.0},
    ]
    # L = 4, so R = mean of the questions on other facts × 3.
    # f1: x = mean(1, 0) = .5, mean(1, 1) = 1, 0;  R = 1·3 = 3, 0·3 = 0, 1·3 = 3
    #   facility = 1.5/3 = .5; mean R = 2
    #   x - mean = 0 .5 -.5;  R - mean = 1 -2 1;  products 0 -1 -.5 = -1.5 → cov = -.75
    #   var x = (0+.25+.25)/2 = .25;  var R = (1+4+1)/2 = 3
    #   discrimination = 100·(-.75)/sqrt(.75) = -86.6025
    #   sorted: x 0 .5 1 with R 0 3 3 → products (-.5)(-2) + 0 + (.5)(1) = 1.5 → cov_max = .75
    #   efficiency = -100
    stats = analyse(attempts, group_of=group_of)
    assert set(stats) == {"f1", "f2", "f3"}
    f1 = stats["f1"]
    assert (f1.n, f1.facility) == (3, 0.5)
    assert round(f1.discrimination, 4) == round(-100 * 0.75 / math.sqrt(0.75), 4) == -86.6025
    assert round(f1.efficiency, 4) == -100.0


def test_distractor_pick_rates_and_non_functioning_ones() -> None:
    options = ("Venus", "Mars", "Jupiter", "Saturn")
    showings = [
        # 12 answered showings of all four: Jupiter picked once, Saturn once, Mars otherwise.
        *(Showing("q", options, ("Mars",), ("Jupiter",)) for _ in range(1)),
        *(Showing("q", options, ("Mars",), ("Saturn",)) for _ in range(1)),
        *(Showing("q", options, ("Mars",), ("Mars",)) for _ in range(10)),
        # 8 with Pluto and Saturn, 1 with Pluto only, all answered Mars.
        *(Showing("q", ("Pluto", "Mars", "Saturn"), ("Mars",), ("Mars",)) for _ in range(8)),
        Showing("q", ("Pluto", "Mars"), ("Mars",), ("Mars",)),
        # Left unanswered: counts for no distractor.
        Showing("q", options, ("Mars",), None),
    ]
    # Venus   shown 12, picked 0 → 0%, judged (12 ≥ 10): non-functioning
    # Pluto   shown  9, picked 0 → 0%, not judged (9 < 10)
    # Saturn  shown 20, picked 1 → 1/20 = 5%: not under 5%, functioning
    # Jupiter shown 12, picked 1 → 1/12 = 8.3333%
    assert MIN_SHOWINGS == 10
    q = analyse([], showings)["q"]
    assert q.distractors == (
        DistractorRate("Pluto", 9, 0, False),
        DistractorRate("Venus", 12, 0, True),
        DistractorRate("Saturn", 20, 1, False),
        DistractorRate("Jupiter", 12, 1, False),
    )
    assert round(q.distractors[3].rate, 4) == 0.0833
    assert q.n == 0 and q.facility is None
    assert q.flags == ("non_functioning_distractors",)


def test_multiple_choice_keys_are_not_distractors_and_orderings_have_none() -> None:
    # Keys A and B; C picked along with A once in 10 showings (10%), D never (0%).
    showings = [Showing("m", "ABCD", "AB", "AC")] + [Showing("m", "ABCD", "AB", "AB")] * 9
    showings.append(Showing("o", ("1", "2", "3"), ("1", "2", "3"), ("3", "2", "1")))
    stats = analyse([{"o": 0.5}], showings)
    assert stats["m"].distractors == (
        DistractorRate("D", 10, 0, True),
        DistractorRate("C", 10, 1, False),
    )
    assert stats["o"].distractors == () and stats["o"].flags == ()


@pytest.mark.parametrize(
    ("scores", "flags"),
    [
        ([1.0] * 10, ("too_easy",)),  # facility 1.0 > .9
        ([1.0] * 9 + [0.0], ()),  # facility .9: not above .9
        ([1.0] + [0.0] * 9, ("too_hard",)),  # facility .1 < .2
        ([1.0] * 2 + [0.0] * 8, ()),  # facility .2: not below .2
    ],
)
def test_facility_flags_at_and_beyond_the_thresholds(
    scores: list[float], flags: tuple[str, ...]
) -> None:
    assert analyse([{"Q": s} for s in scores])["Q"].flags == flags


@pytest.mark.parametrize("bad", [1.5, -0.1, math.nan])
def test_a_score_outside_zero_to_one_is_refused(bad: float) -> None:
    with pytest.raises(ValueError, match=r"must lie in 0\.\.1"):
        analyse([{"A": 1.0}, {"A": bad}])
