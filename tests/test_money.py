"""Money is exact: integer minor units, decimal strings in and out, never a float."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minicrm.core import money
from minicrm.core.errors import InvalidInput

CURRENCIES = st.sampled_from(["EUR", "USD", "JPY", "KWD", "CHF", "KRW", "BHD"])


@pytest.mark.parametrize(
    ("text", "code", "minor"),
    [
        ("12000", "EUR", 1_200_000),
        ("12000.5", "EUR", 1_200_050),
        ("12,000.50", "EUR", 1_200_050),
        ("12_000.50", "EUR", 1_200_050),
        ("1 234 567.89", "USD", 123_456_789),
        ("0.1", "EUR", 10),
        ("0.30", "EUR", 30),
        ("007", "EUR", 700),
        ("12.500", "EUR", 1250),  # trailing zeros are not extra precision
        ("1500", "JPY", 1500),
        ("1.5", "KWD", 1500),
        ("0.001", "KWD", 1),
    ],
)
def test_parse(text, code, minor):
    assert money.parse(text, code) == minor


@pytest.mark.parametrize(
    ("text", "code", "needle"),
    [
        ("-5", "EUR", "negative"),
        ("NaN", "EUR", "not an amount"),
        ("inf", "EUR", "not an amount"),
        ("1e3", "EUR", "not an amount"),
        ("12,5", "EUR", "ambiguous"),
        ("1,23,456", "EUR", "not an amount"),
        ("0.001", "EUR", "2 decimals"),
        ("1.5", "JPY", "no decimals"),
        ("", "EUR", "not an amount"),
        ("1" * 13, "EUR", "too large"),
    ],
)
def test_refused(text, code, needle):
    with pytest.raises(InvalidInput) as info:
        money.parse(text, code)
    assert needle in str(info.value)
    assert info.value.hint  # the accepted form


def test_currency_codes():
    assert money.currency(" usd ") == "USD"
    with pytest.raises(InvalidInput):
        money.currency("EURO")
    assert [money.exponent(c) for c in ("EUR", "JPY", "KWD", "XYZ")] == [2, 0, 3, 2]


def test_point_one_plus_point_two_is_point_three():
    total = money.parse("0.1", "EUR") + money.parse("0.2", "EUR")
    assert money.format_minor(total, "EUR") == "0.30"


def test_half_even_rounding():
    assert [money.divide(n, 100) for n in (50, 150, 250, 149, 151)] == [0, 2, 2, 1, 2]
    assert money.weighted(1_200_050, 40) == 480_020
    assert money.weighted(5, 50) == 2  # 2.5 -> 2 (even)
    assert money.weighted(7, 50) == 4  # 3.5 -> 4 (even)


@given(minor=st.integers(0, 10**12 - 1), code=CURRENCIES)
def test_minor_units_round_trip_through_the_decimal_string(minor, code):
    text = money.format_minor(minor, code)
    assert money.parse(text, code) == minor
    assert Decimal(text) * 10 ** money.exponent(code) == minor
    assert money.parse(money.format_minor(minor, code, grouped=True), code) == minor


@given(
    whole=st.integers(0, 10**12 - 1),
    digits=st.integers(0, 3),
    fraction=st.integers(0, 999),
    code=CURRENCIES,
)
def test_parse_equals_exact_decimal_arithmetic(whole, digits, fraction, code):
    frac = str(fraction).zfill(3)[:digits]
    text = f"{whole}.{frac}" if digits else str(whole)
    exact = Decimal(text) * 10 ** money.exponent(code)
    if exact == exact.to_integral_value():
        assert money.parse(text, code) == int(exact)
    else:
        with pytest.raises(InvalidInput):
            money.parse(text, code)
