"""Money, exactly: integer minor units (cents) and an ISO 4217 currency code.

No float ever holds an amount. What the user types is read as a decimal string into
minor units with :mod:`decimal` (``"0.1"`` is 10 cents, not 0.1000000000000000055…);
amounts are written back as decimal strings (``"0.30"``) from the integers. Rounding,
where a figure has to be divided (a probability-weighted value, an average), is half to
even on the integer minor units, in one function, :func:`divide`.
"""

from __future__ import annotations

import re

from minicrm.core.errors import InvalidInput

# ISO 4217 minor units where they differ from 2. Any other three-letter code has 2.
_ZERO_DECIMALS = frozenset(
    [
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "ISK",
        "JPY",
        "KMF",
        "KRW",
        "PYG",
        "RWF",
        "UGX",
        "UYI",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    ]
)
_THREE_DECIMALS = frozenset(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"])

MAX_WHOLE_DIGITS = 12  # up to 999,999,999,999 in the currency's major unit

_CURRENCY = re.compile(r"^[A-Za-z]{3}$")
_PLAIN = re.compile(r"^(\d+)(?:\.(\d+))?$")
_GROUPED_COMMA = re.compile(r"^(\d{1,3}(?:,\d{3})+)(?:\.(\d+))?$")
_GROUPED_UNDERSCORE = re.compile(r"^(\d{1,3}(?:_\d{3})+)(?:\.(\d+))?$")
_GROUPED_SPACE = re.compile(r"^(\d{1,3}(?: \d{3})+)(?:\.(\d+))?$")

VALUE_FORMS = "e.g. 12000, 12000.50, 12,000.50 or 12_000.50"


def currency(value: str) -> str:
    """A currency code, upper-cased: three letters (EUR, USD, JPY)."""
    cleaned = (value or "").strip()
    if not _CURRENCY.match(cleaned):
        raise InvalidInput(
            f"not a currency code: {value!r}", hint="three letters (ISO 4217), e.g. EUR, USD, JPY"
        )
    return cleaned.upper()


def exponent(code: str) -> int:
    """How many decimals the currency has (JPY 0, EUR 2, KWD 3)."""
    if code in _ZERO_DECIMALS:
        return 0
    if code in _THREE_DECIMALS:
        return 3
    return 2


def parse(text: str, code: str) -> int:
    """An amount as the user typed it -> integer minor units of ``code``.

    Accepts digits with an optional decimal point, and thousands grouped by ``,``, ``_``
    or a space (``12,000.50``, ``12_000.50``). Refuses a sign, an exponent, NaN or
    infinity, a decimal comma (``12,5``: is it 12.5 or 125?) and more decimals than the
    currency has (``0.001`` EUR).
    """
    raw = str(text).strip()
    places = exponent(code)
    for pattern in (_PLAIN, _GROUPED_COMMA, _GROUPED_UNDERSCORE, _GROUPED_SPACE):
        m = pattern.match(raw)
        if m:
            break
    else:
        if raw.startswith("-"):
            raise InvalidInput(f"a value cannot be negative: {text!r}", hint=VALUE_FORMS)
        if re.fullmatch(r"\d+,\d{1,2}", raw):
            raise InvalidInput(
                f"ambiguous value {text!r}: a comma groups thousands here",
                hint="write the decimals after a point, e.g. 12.50",
            )
        raise InvalidInput(f"not an amount: {text!r}", hint=VALUE_FORMS)
    whole = re.sub(r"[,_ ]", "", m.group(1)).lstrip("0") or "0"
    fraction = m.group(2) or ""
    if len(whole) > MAX_WHOLE_DIGITS:
        raise InvalidInput(
            f"value {text!r} is too large",
            hint=f"at most {MAX_WHOLE_DIGITS} digits before the point",
        )
    significant = fraction.rstrip("0")
    if len(significant) > places:
        allowed = "no decimals" if places == 0 else f"{places} decimals"
        raise InvalidInput(
            f"{code} has {allowed}: {text!r} is more precise than that",
            hint=f"e.g. {format_minor(123456 * 10 ** max(places - 2, 0), code)}",
        )
    return int(whole) * 10**places + (int(significant.ljust(places, "0")) if places else 0)


def format_minor(minor: int, code: str, *, grouped: bool = False) -> str:
    """Minor units as a decimal string with the currency's decimals: 30 EUR -> ``0.30``."""
    places = exponent(code)
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(minor), 10**places)
    head = f"{whole:,}" if grouped else str(whole)
    return f"{sign}{head}.{frac:0{places}d}" if places else f"{sign}{head}"


def show(minor: int, code: str) -> str:
    """For people: ``12,000.00 EUR``."""
    return f"{format_minor(minor, code, grouped=True)} {code}"


def divide(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half to even (banker's rounding), exactly."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    quotient, remainder = divmod(numerator, denominator)
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and quotient % 2 == 1):
        quotient += 1
    return quotient


def weighted(minor: int, probability: int) -> int:
    """The probability-weighted value of an amount: ``minor * probability / 100``, half-even."""
    return divide(minor * probability, 100)
