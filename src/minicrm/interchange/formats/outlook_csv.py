"""The columns of an Outlook CSV export of contacts, and its slash-date birthdays:
US order (``5/17/1990``; ``0/0/00`` for none) unless the file's dates, or ``--dates``,
say day first (``17/5/1990``, from an Outlook set to a European locale).
"""

from __future__ import annotations

import re
from datetime import date

from minicrm.interchange.formats.csvcolumns import IGNORE, Target

OUTLOOK_PHONES = {
    "primary phone": None,
    "mobile phone": "mobile",
    "business phone": "work",
    "business phone 2": "work",
    "home phone": "home",
    "home phone 2": "home",
    "company main phone": "main",
    "other phone": "other",
    "business fax": "fax",
    "home fax": "fax",
    "other fax": "fax",
    "pager": "pager",
    "car phone": "car",
    "assistant's phone": "assistant",
    "callback": "callback",
    "radio phone": "radio",
    "isdn": "isdn",
    "tty/tdd phone": "tty",
    "telex": "telex",
}


OUTLOOK_NAMED = {
    "first name": Target("given_name"),
    "middle name": Target("middle"),
    "last name": Target("family_name"),
    "title": Target("custom", key="honorific"),
    "suffix": Target("custom", key="suffix"),
    "nickname": Target("nickname"),
    "company": Target("company"),
    "job title": Target("title"),
    "department": Target("custom", key="department"),
    "e-mail address": Target("email"),
    "e-mail 2 address": Target("email"),
    "e-mail 3 address": Target("email"),
    "web page": Target("url"),
    "personal web page": Target("url", label="personal"),
    "birthday": Target("usdate", key="birthday"),
    "anniversary": Target("usdate", key="anniversary"),
    "categories": Target("tags", split=re.compile(r";")),
    "notes": Target("notes"),
    "initials": IGNORE,  # Outlook fills it in from the name
    # Outlook writes these for every contact; only a non-default value is kept
    "priority": Target("default", key="normal"),
    "sensitivity": Target("default", key="normal"),
    "private": Target("default", key="false"),
    "gender": Target("default", key="unspecified"),
}
OUTLOOK_NAMED |= {
    name: Target("phone", label=label, primary=name == "primary phone")
    for name, label in OUTLOOK_PHONES.items()
}
for _n in ("", " 2", " 3"):
    OUTLOOK_NAMED[f"e-mail{_n} type"] = IGNORE  # SMTP / EX
    OUTLOOK_NAMED[f"e-mail{_n} display name"] = IGNORE


_OUTLOOK_ADDRESS = re.compile(
    r"(business|home|other) (street|street 2|street 3|city|state|postal code|"
    r"country/region|country|address po box)"
)


_OUTLOOK_PARTS = {
    "street": "street",
    "street 2": "street2",
    "street 3": "street3",
    "city": "city",
    "state": "region",
    "postal code": "postcode",
    "country/region": "country",
    "country": "country",
    "address po box": "pobox",
}


def outlook_target(column: str) -> Target | None:
    lowered = " ".join(column.lower().split())
    if lowered in OUTLOOK_NAMED:
        return OUTLOOK_NAMED[lowered]
    if m := _OUTLOOK_ADDRESS.fullmatch(lowered):
        where, part = m.groups()
        return Target(
            "group",
            label={"business": "work", "home": "home", "other": "other"}[where],
            group=("address", where),
            role=_OUTLOOK_PARTS[part],
        )
    return None


_US_DATE = re.compile(
    r"(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AP]M)?)?"
)


DATE_ORDERS = ("auto", "dmy", "mdy")
DEFAULT_ORDER = "mdy"  # Outlook's US order, when no date of the file says otherwise


class ImpossibleSlashDate(ValueError):
    """A slash date that has no such day in the file's order (``31/2/1980``)."""


def slash_order(value: str) -> str | None:
    """The order a slash date proves: ``dmy`` (``13/1/1980``), ``mdy`` (``1/13/1980``),
    or None (both parts 12 or less, or not a slash date)."""
    m = _US_DATE.fullmatch(value.strip())
    if not m:
        return None
    first, second = int(m.group(1)), int(m.group(2))
    if first > 12 >= second >= 1:
        return "dmy"
    if second > 12 >= first >= 1:
        return "mdy"
    return None


def us_date(value: str, order: str = DEFAULT_ORDER) -> str | None:
    """Outlook's M/D/YYYY (or D/M/YYYY with ``order="dmy"``) as ISO; ``0/0/00`` (no date)
    as None; anything else as is. Raises ImpossibleSlashDate for a slash date with no
    such day in that order."""
    m = _US_DATE.fullmatch(value.strip())
    if not m:
        return value
    month, day, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if order == "dmy":
        month, day = day, month
    if month == 0 or day == 0:
        return None
    if len(m.group(3)) == 2:  # Outlook writes four digits; a two-digit year is 19xx/20xx
        year += 2000 if year <= 30 else 1900
    try:
        date(year, month, day)
    except ValueError:
        if not (month == 2 and day == 29):  # a leap day is checked as every birthday is
            raise ImpossibleSlashDate(value) from None
    return f"{year:04d}-{month:02d}-{day:02d}"
