"""Validation and normalisation of user-given values. Raises InvalidInput, never prints.

Every message names the problem and shows an accepted form.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from minicrm.core import dateparse, dates
from minicrm.core.errors import InvalidInput

MAX_NAME = 300
MAX_FIELD = 1_000
MAX_TEXT = 100_000

# One rule for every text a person gives (add, edit, log, follow, import): it is stored
# as given, control characters included, because display escapes them (render.visible)
# and refusing a value over an invisible byte would refuse or drop a person. The one
# exception is NUL: SQLite's text functions (length, LIKE, the search index) stop at it,
# so it is replaced by U+2400 SYMBOL FOR NUL, which shows where it was.
# Structured values (emails, phones, URLs, tags, dates, field names) have their own forms,
# and a control character makes a value not one of them.
UNSTORABLE = "\x00"
REPLACEMENT = "\u2400"  # ␀
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def storable(value: str) -> str:
    """``value`` with what cannot be stored (NUL) replaced by a visible U+2400."""
    return value.replace(UNSTORABLE, REPLACEMENT) if UNSTORABLE in value else value


def key(text: str) -> str:
    """The form used to compare names: case-folded, accents removed, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def company_key(text: str) -> str:
    """Company names are unique case-insensitively (accents stay significant)."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def text(
    value: str,
    what: str,
    *,
    max_len: int = MAX_FIELD,
    required: bool = False,
) -> str | None:
    """A user string, stripped. Empty gives None (or an error if ``required``).

    Control characters are kept as given (display escapes them); NUL is replaced by
    U+2400 (:func:`storable`). Only text that is not UTF-8 is refused."""
    if not value.isascii():  # ASCII (most values) is UTF-8: no need to encode it to know
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidInput(
                f"{what} is not valid UTF-8", hint="re-type it or fix the file's encoding"
            ) from None
    value = value.strip()
    if not value:
        if required:
            example = {
                "name": '"Jane Doe"',
                "company name": '"Acme"',
                "title": '"Send proposal"',
                "text": '"Talked pricing"',
                "email": "jane@acme.io",
                "phone": "+1 555 0100",
                "tag": "vip",
                "URL": "https://example.com",
            }
            hint = f"e.g. {example[what]}" if what in example else "give a value"
            raise InvalidInput(f"{what} must not be empty", hint=hint)
        return None
    value = storable(value)
    if len(value) > max_len:
        raise InvalidInput(f"{what} is {len(value):,} characters long; the limit is {max_len:,}")
    return value


def _has_control(raw: str) -> bool:
    """Does a structured value (email, URL) hold a control character? It is then not
    such a value, whatever else it looks like."""
    return not raw.isprintable() and _CONTROL.search(raw) is not None


def required_name(value: str, what: str = "name") -> str:
    result = text(value, what, max_len=MAX_NAME, required=True)
    assert result is not None
    return result


_EMAIL = re.compile(
    r"^[^@\s<>(),;:\"\[\]\\]+@(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,}$", re.UNICODE
)


def email(value: str) -> str:
    cleaned = text(value, "email", max_len=254, required=True)
    assert cleaned is not None
    if not _EMAIL.match(cleaned) or ".." in cleaned or _has_control(value):
        raise InvalidInput(f"not an email address: {cleaned!r}", hint="e.g. jane@acme.io")
    return cleaned


# A mailbox to deliver to (the digest's recipients and sender): any host name, dots or
# not (RFC 5321): `root@localhost`, `me@mail-1` on a server's own mail system.
_HOST_LABEL = r"[^\W_](?:(?:[^\W_]|-)*[^\W_])?"  # letters and digits, hyphens inside
_MAILBOX = re.compile(rf"^[^@\s<>(),;:\"\[\]\\]+@{_HOST_LABEL}(?:\.{_HOST_LABEL})*$", re.UNICODE)


def mailbox(value: str) -> str:
    """An address to send mail to or from: :func:`email`, or one whose host has no dot
    (``root@localhost``). A contact's email keeps the stricter rule, which catches a
    missing top-level domain."""
    cleaned = text(value, "email", max_len=254, required=True)
    assert cleaned is not None
    if not _MAILBOX.match(cleaned) or ".." in cleaned or _has_control(value):
        raise InvalidInput(
            f"not an email address: {cleaned!r}", hint="e.g. jane@acme.io or root@localhost"
        )
    return cleaned


def email_key(value: str) -> str:
    return value.strip().casefold()


_PHONE = re.compile(r"^\+?[\d\s().\-/]+(?:\s*(?:x|ext\.?|#)\s*\d+)?$", re.IGNORECASE)


def phone(value: str) -> str:
    cleaned = text(value, "phone", max_len=40, required=True)
    assert cleaned is not None
    digits = re.sub(r"\D", "", cleaned)
    if not _PHONE.match(cleaned) or len(digits) < 3:
        raise InvalidInput(
            f"not a phone number: {cleaned!r}", hint="e.g. +1 555 0100 or 030 1234567"
        )
    return cleaned


_EXTENSION = re.compile(r"(?i)\s*(?:x|ext\.?|#)\s*(\d+)$")


def phone_key(value: str) -> str:
    """Digits (with a leading + kept), then ``x`` and the extension if there is one:
    ``+1 (555) 010-0 ext. 12`` -> ``+15550100x12``."""
    value = value.strip()
    ext = _EXTENSION.search(value)
    main = value[: ext.start()] if ext else value
    key = ("+" if main.startswith("+") else "") + re.sub(r"\D", "", main)
    return key + (f"x{ext.group(1)}" if ext else "")


def url(value: str) -> str:
    cleaned = text(value, "URL", max_len=2_000, required=True)
    assert cleaned is not None
    if any(ch.isspace() for ch in cleaned):
        raise InvalidInput(
            f"URL contains spaces: {cleaned!r}", hint="e.g. https://example.com/jane"
        )
    if _has_control(value):
        raise InvalidInput(
            f"URL contains a control character: {cleaned!r}", hint="e.g. https://example.com/jane"
        )
    return cleaned


def address(value: str) -> str:
    cleaned = text(value, "address", max_len=MAX_FIELD, required=True)
    assert cleaned is not None
    return cleaned


_LABEL = re.compile(r"^([A-Za-z][A-Za-z0-9_-]{0,23}):(.*)$", re.DOTALL)


def split_label(value: str) -> tuple[str | None, str]:
    """``work:jane@acme.io`` -> ("work", "jane@acme.io"); a URL scheme is not a label."""
    match = _LABEL.match(value.strip())
    if not match or match.group(2).startswith("//"):
        return None, value
    return match.group(1).lower(), match.group(2)


_TAG = re.compile(r"^[^\W_][\w.:/+-]*$")


MAX_TAG = 64


def tag(value: str) -> str:
    """A tag as typed (``#VIP`` -> ``vip``); anything else is refused, naming the tag
    :func:`tag_of_label` would make of it."""
    cleaned = text(value, "tag", max_len=MAX_TAG, required=True)
    assert cleaned is not None
    cleaned = cleaned.lstrip("#").casefold()
    if not _TAG.match(cleaned):
        hint = "a tag is one word of letters, digits and . : / + - _ (e.g. vip, q3-2026)"
        suggested = tag_of_label(value)
        if suggested:
            hint += f"; did you mean {suggested}?"
        raise InvalidInput(f"not a tag: {value!r}", hint=hint)
    return cleaned


_NOT_IN_TAG = re.compile(r"[^\w.:/+-]+")


def tag_of_label(value: str) -> str | None:
    """The tag an imported label becomes (vCard CATEGORIES, Google Labels, Outlook
    Categories, a CSV tags column): the one rule for every import format and for sync.

    A valid tag is kept as :func:`tag` reads it (``#VIP`` -> ``vip``). Otherwise the label
    is casefolded, each run of spaces and characters a tag cannot hold becomes one ``-``,
    runs of ``-`` become one, what cannot start a tag (``- _ . : / +``) is stripped from
    the start and ``-`` from the end, and it is cut to 64 characters: ``Book Club`` ->
    ``book-club``, ``Family & Friends`` -> ``family-friends``, ``Clients (2026)`` ->
    ``clients-2026``. None when nothing is left (``***``, an empty label). Never raises."""
    cleaned = value.strip().lstrip("#").casefold()
    if _TAG.match(cleaned):
        try:
            return tag(value)
        except InvalidInput:
            pass  # too long, or not UTF-8: converted below
    cleaned = _NOT_IN_TAG.sub("-", cleaned)
    cleaned = re.sub(r"-{2,}", "-", cleaned).lstrip("-_.:/+").rstrip("-")
    cleaned = cleaned[:MAX_TAG].rstrip("-")
    return cleaned if _TAG.match(cleaned) else None


_CUSTOM_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")


def custom_key(value: str) -> str:
    cleaned = value.strip()
    if not _CUSTOM_KEY.match(cleaned):
        raise InvalidInput(
            f"not a field name: {value!r}",
            hint="a letter, then letters, digits, _ . - (e.g. linkedin_id)",
        )
    return cleaned


def assignment(value: str) -> tuple[str, str]:
    """``key=value`` (as given to --set)."""
    if "=" not in value:
        raise InvalidInput(f"--set needs KEY=VALUE, got {value!r}", hint="e.g. --set title=CTO")
    name, _, rest = value.partition("=")
    return name.strip(), rest


_CADENCE = re.compile(r"^\s*(\d{1,5})\s*(d|days?|w|weeks?|m|months?|y|years?)?\s*$", re.IGNORECASE)
_CADENCE_UNIT = {"d": 1, "w": 7, "m": 30, "y": 365}


def cadence_days(value: str) -> int | None:
    """Keep-in-touch cadence in days: ``30``, ``30d``, ``2w``, ``3m`` (=90d), ``1y`` (=365d).

    ``none``/``off``/``0`` clear it (None).
    """
    cleaned = value.strip().lower()
    if cleaned in {"", "none", "off", "never", "0"}:
        return None
    match = _CADENCE.match(cleaned)
    if not match:
        raise InvalidInput(
            f"not a keep-in-touch cadence: {value!r}",
            hint="e.g. 30d, 2w, 3m (90 days), 1y (365 days), or none",
        )
    unit = (match.group(2) or "d")[0]
    days = int(match.group(1)) * _CADENCE_UNIT[unit]
    if not 1 <= days <= 3_650:
        raise InvalidInput(f"cadence of {days} days is out of range", hint="1 day to 10 years")
    return days


_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_MONTH_DAY = re.compile(r"^(?:--)?(\d{2})-?(\d{2})$")

BIRTHDAY_FORMS = "1990-05-17, --05-17 (no year), may 17, 17 may 1990"


def important_date(value: str) -> str:
    """An anniversary or other yearly date: like a birthday, with or without the year."""
    try:
        result = birthday(value)
    except InvalidInput as exc:
        hint = (exc.hint or "").replace("between 1850 and today", "in the past (a yearly date)")
        raise InvalidInput(exc.message.replace("birthday", "date"), hint=hint or None) from None
    if result is None:
        raise InvalidInput("date must not be empty", hint=f"accepted: {BIRTHDAY_FORMS}")
    return result


class ImpossibleDate(InvalidInput):
    """A date written in an accepted form that does not exist (2026-02-30, 1975-02-29)."""


def birthday(value: str, today: date | None = None) -> str | None:
    """A full date (``YYYY-MM-DD``) or a month-day (stored as ``--MM-DD``). A full date
    must not be after ``today`` (default: the local day, from the clock)."""
    cleaned = " ".join(value.strip().lower().split())
    if cleaned in {"", "none"}:
        return None
    year = month = day = None
    if m := _ISO_DATE.match(cleaned):
        year, month, day = (int(g) for g in m.groups())
    elif m := _MONTH_DAY.match(cleaned):
        month, day = int(m.group(1)), int(m.group(2))
    elif words := dateparse.month_day_words(cleaned):
        month, day, year = words
    else:
        raise InvalidInput(f"not a birthday: {value!r}", hint=f"accepted: {BIRTHDAY_FORMS}")
    try:
        date(year or 2000, month, day)  # 2000 is a leap year: --02-29 is a real birthday
    except ValueError:
        raise ImpossibleDate(
            f"impossible date: {value!r}", hint=f"accepted: {BIRTHDAY_FORMS}"
        ) from None
    if year is None:
        return f"--{month:02d}-{day:02d}"
    born = date(year, month, day)
    if born > (today or dates.today()) or year < 1850:
        raise InvalidInput(
            f"birthday out of range: {value!r}", hint="a date between 1850 and today"
        )
    return born.isoformat()
