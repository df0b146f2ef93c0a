"""Fuzzy dates: parsing at every precision, errors, display, truncation, comparison."""

from __future__ import annotations

from datetime import date

import pytest

from quizapp.core.dates import DateError, DatePoint, FuzzyDate, Precision


@pytest.mark.parametrize(
    ("text", "precision", "start", "end"),
    [
        ("1970s", Precision.DECADE, date(1970, 1, 1), date(1979, 12, 31)),
        ("1998", Precision.YEAR, date(1998, 1, 1), date(1998, 12, 31)),
        ("1998-11", Precision.MONTH, date(1998, 11, 1), date(1998, 11, 30)),
        ("1996-02", Precision.MONTH, date(1996, 2, 1), date(1996, 2, 29)),
        ("2004-11-04", Precision.DAY, date(2004, 11, 4), date(2004, 11, 4)),
        ("1996-02-29", Precision.DAY, date(1996, 2, 29), date(1996, 2, 29)),
        ("2000-02-29", Precision.DAY, date(2000, 2, 29), date(2000, 2, 29)),
        (" 1998-11 ", Precision.MONTH, date(1998, 11, 1), date(1998, 11, 30)),
    ],
)
def test_parse_every_precision(text: str, precision: Precision, start: date, end: date) -> None:
    d = FuzzyDate.parse(text)
    assert d.precision is precision
    assert not d.is_range
    assert (d.start, d.end) == (start, end)
    assert FuzzyDate.parse(d.iso()) == d


def test_parse_ints_and_dates() -> None:
    # YAML may hand over 1998 as a number; a datetime.date is taken at day precision.
    assert FuzzyDate.parse(1998) == FuzzyDate.parse("1998")
    assert FuzzyDate.parse(date(2004, 11, 4)) == FuzzyDate.parse("2004-11-04")


@pytest.mark.parametrize(
    ("text", "precision", "start", "end"),
    [
        ("2001-06-28/2001-07-28", Precision.DAY, date(2001, 6, 28), date(2001, 7, 28)),
        ("1998-05/1999-06", Precision.MONTH, date(1998, 5, 1), date(1999, 6, 30)),
        ("1990/2000", Precision.YEAR, date(1990, 1, 1), date(2000, 12, 31)),
        ("1970s/1980s", Precision.DECADE, date(1970, 1, 1), date(1989, 12, 31)),
        ("1998/1998", Precision.YEAR, date(1998, 1, 1), date(1998, 12, 31)),
    ],
)
def test_parse_ranges(text: str, precision: Precision, start: date, end: date) -> None:
    d = FuzzyDate.parse(text)
    assert d.is_range
    assert d.precision is precision
    assert (d.start, d.end) == (start, end)
    assert d.iso() == text
    assert str(d) == text
    assert FuzzyDate.parse(d.iso()) == d


NOT_A_DATE = (
    "is not a date; expected YYYY, YYYY-MM, YYYY-MM-DD, a decade like 1970s, "
    "or a range START/END of those"
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1998-02-30", "'1998-02-30': day 30 does not exist in February 1998 (it has 28 days)"),
        ("1900-02-29", "'1900-02-29': day 29 does not exist in February 1900 (it has 28 days)"),
        ("2001-04-31", "'2001-04-31': day 31 does not exist in April 2001 (it has 30 days)"),
        ("2001-04-00", "'2001-04-00': day 0 does not exist in April 2001 (it has 30 days)"),
        ("1998-13", "'1998-13': month 13 does not exist (expected 01 to 12)"),
        ("1998-00-10", "'1998-00-10': month 0 does not exist (expected 01 to 12)"),
        ("0000", "'0000': year must be 1 or later"),
        ("98", f"'98' {NOT_A_DATE}"),
        ("1998-1", f"'1998-1' {NOT_A_DATE}"),
        ("1975s", f"'1975s' {NOT_A_DATE}"),
        ("November 1998", f"'November 1998' {NOT_A_DATE}"),
        ("", f"'' {NOT_A_DATE}"),
        ("1998/", f"'' {NOT_A_DATE}"),
        ("2001-07-28/2001-06-28", "'2001-07-28/2001-06-28': the range ends before it starts"),
        ("2000/1990", "'2000/1990': the range ends before it starts"),
        ("1998/2001-06", "'1998/2001-06': both ends of a range need the same precision"),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(DateError) as info:
        FuzzyDate.parse(text)
    assert str(info.value) == message
    assert isinstance(info.value, ValueError)  # so pydantic reports it as a value error


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("1970s", "the 1970s"),
        ("1998", "1998"),
        ("1998-11", "November 1998"),
        ("2004-11-04", "November 4, 2004"),
        ("2001-06-28/2001-07-28", "between June 28 and July 28, 2001"),
        ("2001-12-28/2002-01-03", "December 28, 2001 to January 3, 2002"),
        ("1990/2000", "1990–2000"),
        ("1998-05/1999-06", "May 1998 to June 1999"),
        ("1970s/1980s", "the 1970s to the 1980s"),
    ],
)
def test_display(text: str, shown: str) -> None:
    assert FuzzyDate.parse(text).display() == shown


@pytest.mark.parametrize(
    ("text", "precision", "truncated"),
    [
        ("2004-11-04", Precision.DAY, "2004-11-04"),
        ("2004-11-04", Precision.MONTH, "2004-11"),
        ("2004-11-04", Precision.YEAR, "2004"),
        ("2004-11-04", Precision.DECADE, "2000s"),
        ("1998-11", Precision.DAY, "1998-11"),  # never finer than the date is
        ("1998", Precision.MONTH, "1998"),
        ("1970s", Precision.YEAR, "1970s"),
        ("1998-05/1999-06", Precision.YEAR, "1998/1999"),
        ("2001-06-28/2001-07-28", Precision.MONTH, "2001-06/2001-07"),
    ],
)
def test_truncate(text: str, precision: Precision, truncated: str) -> None:
    d = FuzzyDate.parse(text).truncate(precision)
    assert d.iso() == truncated
    assert d.precision == min(precision, FuzzyDate.parse(text).precision)


def test_precision_order_is_coarse_to_fine() -> None:
    assert Precision.DECADE < Precision.YEAR < Precision.MONTH < Precision.DAY
    assert min(Precision.DAY, Precision.YEAR) is Precision.YEAR


def test_same_at() -> None:
    nov = FuzzyDate.parse("1998-11")
    year = FuzzyDate.parse("1998")
    day = FuzzyDate.parse("1998-11-20")
    assert nov.same_at(year, Precision.YEAR)
    assert nov.same_at(day, Precision.MONTH)
    assert not nov.same_at(year, Precision.MONTH)  # shown with months they differ
    assert not day.same_at(FuzzyDate.parse("1998-11-21"), Precision.DAY)
    assert FuzzyDate.parse("1971").same_at(FuzzyDate.parse("1979-05"), Precision.DECADE)
    assert not FuzzyDate.parse("1979").same_at(FuzzyDate.parse("1980"), Precision.DECADE)
    a, b = FuzzyDate.parse("1990/2000"), FuzzyDate.parse("1990-03/2000-07")
    assert a.same_at(b, Precision.YEAR)
    assert not a.same_at(FuzzyDate.parse("1990"), Precision.YEAR)


def test_sort_keys_order_points_and_ranges() -> None:
    texts = ["1999", "1998", "1998-01", "1998/2000", "1990s", "1998-01-15", "1998-01-01"]
    ordered = sorted((FuzzyDate.parse(t) for t in texts), key=FuzzyDate.sort_key)
    assert [d.iso() for d in ordered] == [
        "1990s",  # starts first
        "1998-01-01",  # same start: the one that ends first comes first
        "1998-01",
        "1998",
        "1998/2000",
        "1998-01-15",
        "1999",
    ]
    assert FuzzyDate.parse("1998").sort_key() == (date(1998, 1, 1), date(1998, 12, 31))


def test_point_details() -> None:
    p = DatePoint.parse("1998-11")
    assert (p.year, p.month, p.day, p.precision) == (1998, 11, None, Precision.MONTH)
    assert DatePoint.parse("1970s").iso() == "1970s"
    assert DatePoint.parse("0998").iso() == "0998"
    assert DatePoint.parse("1998-02-03").display() == "February 3, 1998"


def test_decades_before_year_1000_round_trip_and_year_zero_is_refused() -> None:
    assert FuzzyDate.parse("0990s").iso() == "0990s"
    assert FuzzyDate.parse(FuzzyDate.parse("0990s").iso()).start.year == 990
    with pytest.raises(DateError, match="year 0 does not exist"):
        FuzzyDate.parse("0000s")
