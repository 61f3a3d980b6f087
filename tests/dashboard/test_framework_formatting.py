"""Numbers and dates as French and English readers expect them (formatting.py)."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from dashboards import formatting

NNBSP = "\u202f"  # narrow no-break space: the French thousands separator


@pytest.mark.parametrize("value, locale, expected", [
    (28451975.4, "fr", f"28{NNBSP}451{NNBSP}975{NNBSP}€"),
    (28451975.4, "en", "€28,451,975"),
    (-50, "en", "-€50"),
    (-50, "fr", f"-50{NNBSP}€"),
    (-0.4, "en", "€0"),  # rounded to zero: no minus sign
])
def test_amounts_in_whole_euros(value, locale, expected):
    assert formatting.amount(value, locale) == expected


def test_amounts_with_cents_when_asked():
    assert formatting.amount(1234.5, "fr", decimals=2) == f"1{NNBSP}234,50{NNBSP}€"
    assert formatting.amount(1234.5, "en", decimals=2) == "€1,234.50"


@pytest.mark.parametrize("value, decimals, locale, expected", [
    (0.256, 1, "fr", f"25,6{NNBSP}%"),
    (0.256, 1, "en", "25.6%"),
    (0.25649, 2, "fr", f"25,65{NNBSP}%"),
    (1.5, 0, "en", "150%"),
])
def test_rates_are_fractions_shown_as_percentages(value, decimals, locale, expected):
    assert formatting.percent(value, decimals, locale) == expected


def test_numbers_and_days():
    assert formatting.number(1234567.891, 2, "fr") == f"1{NNBSP}234{NNBSP}567,89"
    assert formatting.number(1234567.891, 2, "en") == "1,234,567.89"
    assert formatting.number(-0.04, 1, "en") == "0.0"
    assert formatting.days(42.26, "en") == "42.3 d"
    assert formatting.days(42, "fr", 0) == f"42{NNBSP}j"


@pytest.mark.parametrize("value", ["2026-10-31", dt.date(2026, 10, 31),
                                   dt.datetime(2026, 10, 31, 14, 5),
                                   pd.Timestamp("2026-10-31")])
def test_dates(value):
    assert formatting.date(value, "fr") == "31/10/2026"
    assert formatting.date(value, "en") == "2026-10-31"


def test_timestamps_and_months():
    assert formatting.timestamp(dt.datetime(2026, 10, 31, 14, 5), "fr") == "31/10/2026 14:05"
    assert formatting.timestamp("2026-10-31T14:05:59", "en") == "2026-10-31 14:05"
    assert formatting.month("2026-02-28", "fr") == "févr. 2026"
    assert formatting.month(dt.date(2026, 10, 31), "en") == "Oct 2026"


@pytest.mark.parametrize("missing", [None, math.nan, pd.NA, pd.NaT])
def test_missing_values_say_so_in_the_reader_s_language(missing):
    assert formatting.amount(missing, "en") == "n/a"
    assert formatting.percent(missing, 1, "fr") == "n.d."
    assert formatting.kpi(missing, "days", 1, "en") == "n/a"
    assert formatting.date(missing, "fr") == ""


@pytest.mark.parametrize("unit, decimals, expected_en, expected_fr", [
    ("amount", 0, "€28,451,975", f"28{NNBSP}451{NNBSP}975{NNBSP}€"),
    ("rate", 1, "2,845,197,540.0%", f"2{NNBSP}845{NNBSP}197{NNBSP}540,0{NNBSP}%"),
    ("days", 1, "28,451,975.4 d", f"28{NNBSP}451{NNBSP}975,4{NNBSP}j"),
    ("index", 1, "28,451,975.4", f"28{NNBSP}451{NNBSP}975,4"),
    ("count", 0, "28,451,975", f"28{NNBSP}451{NNBSP}975"),
])
def test_a_kpi_is_formatted_by_its_catalogue_unit(unit, decimals, expected_en, expected_fr):
    assert formatting.kpi(28451975.4, unit, decimals, "en") == expected_en
    assert formatting.kpi(28451975.4, unit, decimals, "fr") == expected_fr


def test_other_column_units():
    assert formatting.kpi("2026-10-31", "date", None, "fr") == "31/10/2026"
    assert formatting.kpi(True, "bool", None, "fr") == "oui"
    assert formatting.kpi("Beta SARL", "text", None, "en") == "Beta SARL"
    assert formatting.kpi(0.256, "rate", None, "fr") == f"25,6{NNBSP}%"  # default decimals
