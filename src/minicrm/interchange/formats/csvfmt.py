"""CSV contacts: generic spreadsheets, Google Contacts and Outlook exports in; Google out.

Reading. :func:`parse_csv` yields one :class:`~minicrm.interchange.incoming.Incoming` per data row
(or a :class:`~minicrm.interchange.incoming.RecordError` naming the row's first physical line).
Each header cell becomes a *target*: what ``--map COLUMN=FIELD`` says, else the column as
the detected export (Google, Outlook) names it, else a common spreadsheet name (``E-mail``,
``Job Title``, ``Mobile`` ...), else a custom field named after the column in snake_case.
Nothing is dropped unless mapped to ``ignore``. Values are passed on as the file has them
(trimmed, line ends inside a cell made ``\n``); :mod:`minicrm.interchange.imports` validates them. A few things are normalised here because
only this module knows the format: Outlook's US-order birthdays (``5/17/1990``, ``0/0/00``
for none), Google's ``" ::: "`` multi-value cells and ``"* "`` primary markers, labels
(``"Work Fax"`` -> ``work-fax``), tags (``"Book Club"`` -> ``Book-Club``), and the ``'``
that a formula guard put before ``= + - @`` (so minicrm's own guarded CSV reads back).

Writing is :mod:`minicrm.interchange.formats.google_csv` (the columns Google Contacts' import
accepts, every cell through :func:`minicrm.ui.machine.guard_formula` unless ``raw``).
"""

from __future__ import annotations

import csv
import itertools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TextIO

from minicrm.core.errors import InvalidInput
from minicrm.interchange.formats import minicrm_csv
from minicrm.interchange.incoming import Incoming, Meter, RecordError
from minicrm.ui.machine import unguard_formula

FIELDS = (
    "name",
    "given_name",
    "family_name",
    "nickname",
    "title",
    "company",
    "email",
    "phone",
    "address",
    "url",
    "birthday",
    "tags",
    "notes",
    "uid",
    "ignore",
    "custom:KEY",
)
LABELLED_FIELDS = ("email", "phone", "address", "url", "date")  # take FIELD:LABEL in --map
KINDS = ("auto", "csv", "google", "outlook", "minicrm")

FIELD_SIZE_LIMIT = 10 * 1024 * 1024
MULTI_SEP = " ::: "  # Google joins several values of one cell with this

_SCALARS = ("name", "given_name", "family_name", "nickname", "title", "company", "uid")
_LIST_ATTR = {
    "email": "emails",
    "phone": "phones",
    "address": "addresses",
    "url": "urls",
    "date": "dates",
}
_CUSTOM_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")
_GENERIC_TAG_SEP = re.compile(r"[,;|]")
_GOOGLE_SEP = re.compile(r"\s*:::\s*")
_LIST_SPLIT = re.compile(r"\s*[,;]\s*")  # emails and phones never contain , or ;


@dataclass(frozen=True)
class _Target:
    """What one column feeds.

    kind: a scalar (``name`` ... ``uid``, ``birthday``, ``notes``, ``middle``), a list
    (``email`` ``phone`` ``address`` ``url`` ``date``, with ``label``), ``tags``,
    ``custom`` (``key``), ``ignore``, ``usdate`` (Outlook M/D/YYYY into ``key``: birthday
    or a date label), ``default`` (custom unless the value is Outlook's filler ``key``),
    or ``group``: one part (``role``) of a numbered group (``group``), e.g. Google's
    "E-mail 2 - Label" + "E-mail 2 - Value", or the parts of an address.
    """

    kind: str
    label: str | None = None
    key: str | None = None
    split: re.Pattern[str] | None = None
    primary: bool = False
    group: tuple[str, str] | None = None  # (list kind or "custom", group id)
    role: str | None = None


_IGNORE = _Target("ignore")

# -- --map --------------------------------------------------------------------------------


def _bad_field(field: str, item: str) -> InvalidInput:
    return InvalidInput(
        f"unknown field {field!r} in --map {item!r}",
        hint="fields: "
        + ", ".join(FIELDS)
        + "; email, phone, address and url also take a label (phone:work), and"
        " date:LABEL reads a yearly date (date:anniversary)",
    )


def _field_target(field: str, item: str) -> _Target:
    name, colon, arg = field.partition(":")
    name = name.strip().lower()
    arg = arg.strip()
    if name == "custom" and colon:
        if not _CUSTOM_KEY.match(arg):
            raise InvalidInput(
                f"not a field name in --map {item!r}: {arg!r}",
                hint="custom:KEY, KEY a letter then letters, digits, _ . - (custom:linkedin_id)",
            )
        return _Target("custom", key=arg)
    if name in LABELLED_FIELDS and (colon or name != "date"):
        label = _label(arg) if colon else None
        if colon and label is None:
            raise InvalidInput(
                f"not a label in --map {item!r}: {arg!r}", hint="e.g. phone:work, email:home"
            )
        split = _LIST_SPLIT if name in ("email", "phone") else None
        return _Target(name, label=label, split=split)
    if colon:
        raise _bad_field(field, item)
    if name in _SCALARS or name in ("birthday", "notes", "ignore"):
        return _Target(name)
    if name == "tags":
        return _Target("tags", split=_GENERIC_TAG_SEP)
    raise _bad_field(field, item)


def parse_mapping(items: list[str]) -> dict[str, str]:
    """``["Mail=email", "Org=company", "Ref=custom:ref"]`` -> ``{column: field}``.

    Raises InvalidInput for an item without ``=``, an empty column, an unknown field, or
    a column mapped twice to different fields."""
    mapping: dict[str, str] = {}
    for item in items:
        column, eq, field = item.rpartition("=")
        column = column.strip()
        if not eq or not column:
            raise InvalidInput(
                f"--map needs COLUMN=FIELD, got {item!r}", hint="e.g. --map 'E-Mail 1=email'"
            )
        name, colon, arg = field.strip().partition(":")
        field = name.strip().lower() + (":" + arg.strip() if colon else "")
        _field_target(field, item)  # validates
        if mapping.get(column, field) != field:
            raise InvalidInput(
                f"--map gives column {column!r} twice: {mapping[column]} and {field}",
                hint="map each column once",
            )
        mapping[column] = field
    return mapping


# -- column recognition -------------------------------------------------------------------


def _norm(column: str) -> str:
    """Case, spaces, underscores, dashes and dots don't matter: ``E-mail Address``
    -> ``emailaddress``."""
    return re.sub(r"[\s_.\-]+", "", column.casefold())


def _snake(column: str) -> str:
    """A custom-field key from a column name: ``Téléphone fixe`` -> ``telephone_fixe``."""
    ascii_text = unicodedata.normalize("NFKD", column).encode("ascii", "ignore").decode()
    key = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")
    if key and not key[0].isalpha():
        key = "f_" + key
    return key[:64].rstrip("_")


def _label(text: str | None) -> str | None:
    """A Google/Outlook type as a minicrm label: ``* Work`` -> ``work``, ``Work Fax`` ->
    ``work-fax``; None when nothing usable is left."""
    if not text:
        return None
    cleaned = text.strip().removeprefix("*").strip().lower()
    cleaned = re.sub(r"[^a-z0-9_-]+", "-", cleaned).strip("-")[:24].rstrip("-")
    return cleaned if cleaned[:1].isalpha() else None


_WORK = {"work", "business", "office", "company"}
_HOME = {"home", "personal", "private"}


def _prefix_label(prefix: str) -> str | None:
    if prefix in _WORK:
        return "work"
    if prefix in _HOME:
        return "home"
    if prefix in ("mobile", "cell"):
        return "mobile"
    return prefix or None


_GENERIC_SCALARS = {
    "name": ("name", "fullname", "displayname", "contact", "contactname"),
    "given_name": ("firstname", "givenname", "first", "forename"),
    "family_name": ("lastname", "surname", "familyname", "last"),
    "middle": ("middlename", "additionalname"),
    "nickname": ("nickname", "nick"),
    "title": ("title", "jobtitle", "position"),
    "company": (
        "company",
        "companyname",
        "organization",
        "organisation",
        "organizationname",
        "organisationname",
        "org",
        "employer",
    ),
    "birthday": ("birthday", "birthdate", "dateofbirth", "dob", "bday"),
    "notes": ("notes", "note", "comments", "comment"),
    "uid": ("uid",),
}
_GENERIC = {alias: _Target(kind) for kind, aliases in _GENERIC_SCALARS.items() for alias in aliases}
_GENERIC |= {
    alias: _Target("tags", split=_GENERIC_TAG_SEP)
    for alias in ("tags", "tag", "labels", "groups", "group", "categories", "category")
}
_GENERIC |= {
    "anniversary": _Target("date", label="anniversary"),
    "linkedin": _Target("url", label="linkedin"),
    "linkedinurl": _Target("url", label="linkedin"),
    "linkedinprofile": _Target("url", label="linkedin"),
}
_PREFIX = r"(work|business|office|company|home|personal|private|mobile|cell|other|main)?"
_EMAIL_RE = re.compile(_PREFIX + r"(?:e?mail)(?:address)?(?:\d+)?(?:address)?")
_PHONE_RE = re.compile(
    _PREFIX + r"(phone|telephone|tel|mobile|cell|fax)(?:phone)?(?:number|no)?(?:\d+)?"
)
_URL_RE = re.compile(
    r"(personal|work|business|company|home)?(url|website|web|webpage|homepage|site)\d*"
)
_ADDRESS_RE = re.compile(_PREFIX + r"(?:street|postal|mailing)?address(?:\d+)?")
_ADDRESS_PARTS = {
    "street": "street",
    "streetaddress": "street",
    "street1": "street",
    "address1": "street",
    "addressline1": "street",
    "street2": "street2",
    "address2": "street2",
    "addressline2": "street2",
    "city": "city",
    "town": "city",
    "state": "region",
    "region": "region",
    "province": "region",
    "county": "region",
    "zip": "postcode",
    "zipcode": "postcode",
    "postcode": "postcode",
    "postalcode": "postcode",
    "country": "country",
}
_CITYISH = {"city", "region", "postcode", "country"}


def _generic(column: str, has_parts: bool) -> _Target | None:
    """A spreadsheet's column name, if it is one minicrm knows; ``has_parts``: the header
    also has city/zip/country columns, so Address and Street are one address's street."""
    norm = _norm(column)
    if has_parts and norm in _ADDRESS_PARTS:
        return _Target("group", group=("address", ""), role=_ADDRESS_PARTS[norm])
    if has_parts and norm == "address":
        return _Target("group", group=("address", ""), role="street")
    if norm in _GENERIC:
        return _GENERIC[norm]
    if m := _EMAIL_RE.fullmatch(norm):
        return _Target("email", label=_prefix_label(m.group(1) or ""), split=_LIST_SPLIT)
    if m := _PHONE_RE.fullmatch(norm):
        prefix, word = m.group(1) or "", m.group(2)
        if word in ("mobile", "cell"):
            label = "mobile"
        elif word == "fax":
            label = "fax"
        else:
            label = _prefix_label(prefix)
        return _Target("phone", label=label, split=_LIST_SPLIT)
    if m := _URL_RE.fullmatch(norm):
        return _Target("url", label=_prefix_label(m.group(1) or ""))
    if m := _ADDRESS_RE.fullmatch(norm):
        return _Target("address", label=_prefix_label(m.group(1) or ""))
    return None


_GOOGLE_NUMBERED = re.compile(
    r"(e-mail|phone|address|website|event|custom field|relation|im|organization) (\d+) - (.+)",
    re.IGNORECASE,
)
_GOOGLE_GROUP_KIND = {
    "e-mail": "email",
    "phone": "phone",
    "website": "url",
    "event": "date",
    "address": "address",
    "custom field": "custom",
    "relation": "custom",
    "im": "custom",
}
_GOOGLE_ROLES = {
    "type": "type",
    "label": "type",
    "service": "service",
    "value": "value",
    "formatted": "formatted",
    "street": "street",
    "extended address": "extended",
    "po box": "pobox",
    "city": "city",
    "region": "region",
    "postal code": "postcode",
    "country": "country",
}
_GOOGLE_TAGS = re.compile(r"\s*:::\s*")
_GOOGLE_NAMED = {
    "name": _Target("name"),
    "file as": _Target("name"),
    "given name": _Target("given_name"),
    "first name": _Target("given_name"),
    "additional name": _Target("middle"),
    "middle name": _Target("middle"),
    "family name": _Target("family_name"),
    "last name": _Target("family_name"),
    "name prefix": _Target("custom", key="honorific"),
    "name suffix": _Target("custom", key="suffix"),
    "nickname": _Target("nickname"),
    "birthday": _Target("birthday"),
    "notes": _Target("notes"),
    "group membership": _Target("tags", split=_GOOGLE_TAGS),
    "labels": _Target("tags", split=_GOOGLE_TAGS),
    "organization name": _Target("company"),
    "organization title": _Target("title"),
    "organization department": _Target("custom", key="department"),
    "photo": _IGNORE,  # a URL of Google's copy, useless elsewhere
}


def _google(column: str) -> _Target | None:
    lowered = " ".join(column.lower().split())
    if lowered in _GOOGLE_NAMED:
        return _GOOGLE_NAMED[lowered]
    m = _GOOGLE_NUMBERED.fullmatch(lowered)
    if not m:
        return None
    what, number, part = m.groups()
    if what == "organization":
        if number != "1":
            return None
        return {
            "name": _Target("company"),
            "title": _Target("title"),
            "department": _Target("custom", key="department"),
        }.get(part)
    role = _GOOGLE_ROLES.get(part)
    if role is None or (role == "service" and what != "im"):
        return None
    return _Target("group", group=(_GOOGLE_GROUP_KIND[what], f"{what} {number}"), role=role)


_OUTLOOK_PHONES = {
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
_OUTLOOK_NAMED = {
    "first name": _Target("given_name"),
    "middle name": _Target("middle"),
    "last name": _Target("family_name"),
    "title": _Target("custom", key="honorific"),
    "suffix": _Target("custom", key="suffix"),
    "nickname": _Target("nickname"),
    "company": _Target("company"),
    "job title": _Target("title"),
    "department": _Target("custom", key="department"),
    "e-mail address": _Target("email"),
    "e-mail 2 address": _Target("email"),
    "e-mail 3 address": _Target("email"),
    "web page": _Target("url"),
    "personal web page": _Target("url", label="personal"),
    "birthday": _Target("usdate", key="birthday"),
    "anniversary": _Target("usdate", key="anniversary"),
    "categories": _Target("tags", split=re.compile(r";")),
    "notes": _Target("notes"),
    "initials": _IGNORE,  # Outlook fills it in from the name
    # Outlook writes these for every contact; only a non-default value is kept
    "priority": _Target("default", key="normal"),
    "sensitivity": _Target("default", key="normal"),
    "private": _Target("default", key="false"),
    "gender": _Target("default", key="unspecified"),
}
_OUTLOOK_NAMED |= {
    name: _Target("phone", label=label, primary=name == "primary phone")
    for name, label in _OUTLOOK_PHONES.items()
}
for _n in ("", " 2", " 3"):
    _OUTLOOK_NAMED[f"e-mail{_n} type"] = _IGNORE  # SMTP / EX
    _OUTLOOK_NAMED[f"e-mail{_n} display name"] = _IGNORE
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


def _outlook(column: str) -> _Target | None:
    lowered = " ".join(column.lower().split())
    if lowered in _OUTLOOK_NAMED:
        return _OUTLOOK_NAMED[lowered]
    if m := _OUTLOOK_ADDRESS.fullmatch(lowered):
        where, part = m.groups()
        return _Target(
            "group",
            label={"business": "work", "home": "home", "other": "other"}[where],
            group=("address", where),
            role=_OUTLOOK_PARTS[part],
        )
    return None


def detect_kind(header: list[str]) -> str:
    """``minicrm``, ``google``, ``outlook`` or ``csv`` (anything else) from the header row."""
    cells = {" ".join(c.replace("\ufeff", "").lower().split()) for c in header}
    if {"uid", "name", "emails", "phones", "keep_in_touch_days"} <= cells:
        return "minicrm"
    first = bool(cells & {"given name", "first name"})
    numbered = any(_GOOGLE_NUMBERED.fullmatch(c) for c in cells)
    google_only = {"group membership", "file as", "organization name", "phonetic first name"}
    if first and (numbered or bool(cells & google_only)):
        return "google"
    outlook_only = {
        "business phone",
        "business street",
        "home street",
        "business fax",
        "web page",
        "job title",
        "e-mail 2 address",
        "e-mail display name",
    }
    if first and "e-mail address" in cells and len(cells & outlook_only) >= 2:
        return "outlook"
    return "csv"


# -- reading ------------------------------------------------------------------------------


@dataclass
class _Column:
    index: int
    name: str
    key: str  # custom-field key if the value has nowhere else to go
    target: _Target | None  # None: not recognised (goes to custom[key])


def _plan(header: list[str], kind: str, mapping: dict[str, str]) -> tuple[list[_Column], bool]:
    """Each column's target, and whether any column was recognised at all."""
    by_exact = {name: i for i, name in reversed(list(enumerate(header)))}
    by_fold = {name.casefold(): i for i, name in reversed(list(enumerate(header)))}
    mapped: dict[int, _Target] = {}
    for column, field in mapping.items():
        index = by_exact.get(column, by_fold.get(column.strip().casefold()))
        if index is None:
            shown = ", ".join(repr(h) for h in header[:20])
            raise InvalidInput(
                f"--map names column {column!r}, which the header does not have",
                hint=f"the columns are: {shown}" + (" ..." if len(header) > 20 else ""),
            )
        mapped[index] = _field_target(field, f"{column}={field}")
    normed = {_norm(h) for h in header}
    has_parts = bool({n for n in normed if _ADDRESS_PARTS.get(n) in _CITYISH})
    specific = {"google": _google, "outlook": _outlook}.get(kind)
    columns, seen_keys, known = [], set(), False
    for index, name in enumerate(header):
        target = mapped.get(index)
        if target is None and specific is not None:
            target = specific(name)
        if target is None:
            target = _generic(name, has_parts)
        known = known or target is not None
        key = _snake(name) or f"column_{index + 1}"
        while key in seen_keys:
            key = f"{key}_{index + 1}"
        seen_keys.add(key)
        columns.append(_Column(index, name, key, target))
    return columns, known


_US_DATE = re.compile(
    r"(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AP]M)?)?"
)


def _us_date(value: str) -> str | None:
    """Outlook's M/D/YYYY as ISO; ``0/0/00`` (no date) as None; anything else as is."""
    m = _US_DATE.fullmatch(value.strip())
    if not m:
        return value
    month, day, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if month == 0 or day == 0:
        return None
    if len(m.group(3)) == 2:  # Outlook writes four digits; a two-digit year is 19xx/20xx
        year += 2000 if year <= 30 else 1900
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return value
    return f"{year:04d}-{month:02d}-{day:02d}"


def _tag(text: str) -> str | None:
    tag = text.strip()
    if tag.startswith("* "):  # a Google system group
        tag = tag[2:].strip()
        if tag.lower() in ("mycontacts", "starred"):
            return None
    return re.sub(r"\s+", "-", tag) or None


def _split(value: str, pattern: re.Pattern[str] | None) -> list[str]:
    if pattern is None:
        return [value]
    return [part.strip() for part in pattern.split(value) if part.strip()]


def _address_from_parts(parts: dict[str, str]) -> list[str]:
    """One address per " ::: "-joined position of the parts (Google), in postal lines."""
    split = {role: _GOOGLE_SEP.split(v) for role, v in parts.items()}
    count = max((len(v) for v in split.values()), default=0)
    result = []
    for i in range(count):
        part = {role: (v[i].strip() if i < len(v) else "") for role, v in split.items()}
        pobox = part.get("pobox", "")
        if pobox and pobox[:1].isdigit():
            pobox = f"PO Box {pobox}"
        place = " ".join(p for p in (part.get("region", ""), part.get("postcode", "")) if p)
        lines = [
            part.get("street", ""),
            part.get("street2", ""),
            part.get("street3", ""),
            part.get("extended", ""),
            pobox,
            ", ".join(p for p in (part.get("city", ""), place) if p),
            part.get("country", ""),
        ]
        text = "\n".join(line for line in lines if line)
        if text:
            result.append(text)
    return result


def _preview(cells: list[str]) -> str:
    shown = [c.strip() for c in cells if c.strip()][:4]
    text = ", ".join(repr(c if len(c) <= 40 else c[:37] + "...") for c in shown)
    return text or "an empty row"


class _Row:
    """Collects one row's values; :meth:`finish` makes the Incoming."""

    def __init__(self, position: str) -> None:
        self.record = Incoming(position)
        self.middle: str | None = None
        self.items: dict[str, list[tuple[bool, int, str | None, str]]] = {k: [] for k in _LIST_ATTR}
        self.groups: dict[tuple[str, str], dict[str, str]] = {}
        self.group_labels: dict[tuple[str, str], str | None] = {}
        self.seq = 0

    def custom(self, key: str, value: str) -> None:
        custom = self.record.custom
        if key in custom:
            if custom[key] == value:
                return
            n = 2
            while f"{key}_{n}" in custom:
                n += 1
            key = f"{key}_{n}"
        custom[key] = value

    def add_item(self, kind: str, label: str | None, value: str, primary: bool = False) -> None:
        if value.startswith("* "):  # Google marks the primary value
            value, primary = value[2:].strip(), True
        if value:
            self.items[kind].append((primary, self.seq, label, value))
            self.seq += 1

    def scalar(self, field: str, value: str, column: _Column) -> None:
        record = self.record
        if field == "notes":
            record.notes = f"{record.notes}\n\n{value}" if record.notes else value
        elif field == "middle":
            if self.middle is None:
                self.middle = value
                self.custom("middle_name", value)
            else:
                self.custom(column.key, value)
        elif getattr(record, field) is None:
            setattr(record, field, value)
        elif getattr(record, field) != value:  # a second column for the same field
            self.custom(column.key, value)

    def put(self, column: _Column, value: str) -> None:
        t = column.target
        if t is None:
            self.custom(column.key, value)
        elif t.kind == "ignore":
            pass
        elif t.kind in _LIST_ATTR:
            for part in _split(value, t.split):
                self.add_item(t.kind, t.label, part, t.primary)
        elif t.kind == "tags":
            self.record.tags.extend(tag for part in _split(value, t.split) if (tag := _tag(part)))
        elif t.kind == "custom":
            self.custom(t.key or column.key, value)
        elif t.kind == "usdate":
            converted = _us_date(value)
            if converted is not None:
                if t.key == "birthday":
                    self.scalar("birthday", converted, column)
                else:
                    self.add_item("date", t.key, converted)
        elif t.kind == "default":
            if value.lower() != t.key:
                self.custom(column.key, value)
        elif t.kind == "group":
            assert t.group is not None and t.role is not None
            group = self.groups.setdefault(t.group, {})
            if t.role in group:  # the same part twice: keep both
                group[t.role] += "\n" + value if t.group[0] == "address" else MULTI_SEP + value
            else:
                group[t.role] = value
            self.group_labels.setdefault(t.group, t.label)
        else:
            self.scalar(t.kind, value, column)

    def _finish_groups(self) -> None:
        for (kind, gid), parts in self.groups.items():
            type_ = parts.get("service") or parts.get("type") or ""
            primary = type_.strip().startswith("*")
            label = _label(type_) or self.group_labels.get((kind, gid))
            if kind == "address":
                if "formatted" in parts:
                    values = _split(parts["formatted"], _GOOGLE_SEP)
                else:
                    values = _address_from_parts({k: v for k, v in parts.items() if k != "type"})
                for n, value in enumerate(values):
                    self.add_item("address", label, value, primary and n == 0)
            elif kind == "custom":
                value = parts.get("value", "")
                if value:
                    raw_key = type_.strip()
                    key = raw_key if _CUSTOM_KEY.match(raw_key) else _snake(raw_key)
                    self.custom(key or _snake(gid), value)
            else:
                for n, value in enumerate(_split(parts.get("value", ""), _GOOGLE_SEP)):
                    self.add_item(kind, label, value, primary and n == 0)

    def finish(self, cells: list[str]) -> Incoming | RecordError:
        self._finish_groups()
        record = self.record
        for kind, attr in _LIST_ATTR.items():
            ordered = sorted(self.items[kind], key=lambda item: (not item[0], item[1]))
            setattr(record, attr, [(label, value) for _, _, label, value in ordered])
        if not record.name:
            parts = (record.given_name, self.middle, record.family_name)
            record.name = (
                " ".join(p for p in parts if p)
                or record.nickname
                or record.company
                or (record.emails[0][1] if record.emails else None)
            )
        if not record.name:
            return RecordError(
                record.position,
                "no name: the row has no name, given or family name, nickname, company "
                f"or email (it has {_preview(cells)})",
            )
        return record


def _delimiter(first_line: str) -> str:
    """Comma unless the header line has more semicolons or tabs (a European Excel)."""
    outside = re.sub(r'"[^"]*"', "", first_line)
    counts = {d: outside.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


class _Lines:
    """The stream's physical lines as csv.reader takes them: numbered from 1, remembering
    those of the row being read (``taken``), and able to give some again."""

    def __init__(self, lines: Iterator[str], meter: Meter | None = None) -> None:
        self._lines = lines
        self._again: list[tuple[int, str]] = []  # a stack: the next line to give is last
        self._count = 0
        self.taken: list[tuple[int, str]] = []
        self._meter = meter

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self._again:
            number, line = self._again.pop()
        else:
            line = next(self._lines)
            self._count += 1
            number = self._count
            if self._meter is not None:
                self._meter.done += len(line)
        self.taken.append((number, line))
        return line

    @property
    def next_number(self) -> int:
        return self._again[-1][0] if self._again else self._count + 1

    def read_again(self, lines: list[tuple[int, str]]) -> None:
        self._again.extend(reversed(lines))


def _excerpt(line: str) -> str:
    text = line.rstrip("\r\n")
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _rows(
    lines: _Lines, delimiter: str, where: str
) -> Iterator[tuple[int, list[str]] | RecordError]:
    """(first line, cells) of each row, or a RecordError for a row that cannot be read.

    Read strictly, so that a quote that is never closed is found where it is: at the end
    of the file ("unexpected end of data"), or when the quote that seemed to close it is
    followed by more text ("',' expected after '\"'"), several lines later. That row is
    an error naming its first line, and the lines it swallowed are read again as rows of
    their own. A quote inside a single line (``"Ann" Lee``) is read leniently, as
    spreadsheets do."""
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    while True:
        lines.taken = []
        start = lines.next_number
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            taken = lines.taken
            message = str(exc)
            at_end = message == "unexpected end of data"
            if not at_end and "expected after" not in message:
                yield RecordError(f"line {start}{where}", f"cannot read the CSV: {exc}")
                return
            if len(taken) == 1 and not at_end:
                cells = next(csv.reader([taken[0][1]], delimiter=delimiter))
            else:
                opened = _excerpt(taken[0][1]) if taken else "''"
                if at_end:
                    why = f"is never closed: the file ends inside it ({opened})"
                else:
                    why = (
                        f"is not closed on its line: it runs on to the quote on line "
                        f"{taken[-1][0]} ({opened})"
                    )
                yield RecordError(
                    f"line {start}{where}",
                    f'a quote (") opens a value that {why}; close it, or remove it',
                )
                lines.read_again(taken[1:])
                continue
        yield start, cells


def parse_csv(
    stream: TextIO,
    *,
    kind: str = "auto",
    mapping: dict[str, str] | None = None,
    source: str | None = None,
    meter: Meter | None = None,
) -> Iterator[Incoming | RecordError]:
    """The contacts of a CSV file, one per data row, in file order. ``meter.done`` grows
    by the characters of each line read.

    ``kind``: ``auto`` (detect from the header), ``csv`` (generic), ``google`` or
    ``outlook``. ``mapping``: ``{column: field}`` from :func:`parse_mapping`; it wins over
    recognition. Empty rows are skipped; an empty or header-only file yields nothing.
    Raises InvalidInput for an unknown ``kind`` or a ``mapping`` column not in the header.
    """
    if kind not in KINDS:
        raise InvalidInput(f"unknown CSV kind {kind!r}", hint="one of: " + ", ".join(KINDS))
    csv.field_size_limit(max(csv.field_size_limit(), FIELD_SIZE_LIMIT))
    where = f" of {source}" if source else ""
    first = stream.readline()
    if first.startswith("\ufeff"):
        first = first[1:]
    if not first:
        return
    rows = _rows(_Lines(itertools.chain([first], stream), meter), _delimiter(first), where)
    header: list[str] | None = None
    columns: list[_Column] = []
    for item in rows:
        if isinstance(item, RecordError):
            yield item
            continue
        start, cells = item
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = [c.replace("\ufeff", "").strip() for c in cells]
            if kind == "auto":
                kind = detect_kind(header)
            if kind == "minicrm" and not mapping:
                yield from minicrm_csv.read_rows(rows, header, where)
                return
            if kind == "minicrm":
                kind = "csv"
            columns, known = _plan(header, kind, mapping or {})
            if not known:
                yield RecordError(
                    f"line {start}{where}",
                    f"no header row I recognise: {_preview(header)}; use --map COLUMN=FIELD",
                )
                return
            continue
        position = f"line {start}{where}"
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            yield RecordError(
                position,
                f"{len(cells)} cells but the header has {len(header)} columns "
                "(a stray comma or an unquoted value?)",
            )
            continue
        row = _Row(position)
        size = len(cells)
        for column in columns:
            if column.index < size:
                value = cells[column.index]
                if not value:
                    continue
                if value[0] == "'":
                    value = unguard_formula(value)
                if "\r" in value:
                    value = value.replace("\r\n", "\n").replace("\r", "\n")
                value = value.strip()
                if value:
                    row.put(column, value)
        yield row.finish(cells)
