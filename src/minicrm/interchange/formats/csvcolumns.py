"""What a CSV column can become when contacts are read (a *target*: a field, maybe with a
label, or a list split by a pattern), the names people give columns, and ``--map
COLUMN=FIELD``. Each dialect (generic_csv, google_csv, outlook_csv) maps its column
names to targets with these.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from minicrm.core.errors import InvalidInput

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


_SCALARS = ("name", "given_name", "family_name", "nickname", "title", "company", "uid")


LIST_ATTR = {
    "email": "emails",
    "phone": "phones",
    "address": "addresses",
    "url": "urls",
    "date": "dates",
}


CUSTOM_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")


LIST_SPLIT = re.compile(r"\s*[,;]\s*")  # emails and phones never contain , or ;

TAG_SEP = re.compile(r"[,;|]")


@dataclass(frozen=True)
class Target:
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


IGNORE = Target("ignore")


def _bad_field(field: str, item: str) -> InvalidInput:
    return InvalidInput(
        f"unknown field {field!r} in --map {item!r}",
        hint="fields: "
        + ", ".join(FIELDS)
        + "; email, phone, address and url also take a label (phone:work), and"
        " date:LABEL reads a yearly date (date:anniversary)",
    )


def field_target(field: str, item: str) -> Target:
    name, colon, arg = field.partition(":")
    name = name.strip().lower()
    arg = arg.strip()
    if name == "custom" and colon:
        if not CUSTOM_KEY.match(arg):
            raise InvalidInput(
                f"not a field name in --map {item!r}: {arg!r}",
                hint="custom:KEY, KEY a letter then letters, digits, _ . - (custom:linkedin_id)",
            )
        return Target("custom", key=arg)
    if name in LABELLED_FIELDS and (colon or name != "date"):
        label = column_label(arg) if colon else None
        if colon and label is None:
            raise InvalidInput(
                f"not a label in --map {item!r}: {arg!r}", hint="e.g. phone:work, email:home"
            )
        split = LIST_SPLIT if name in ("email", "phone") else None
        return Target(name, label=label, split=split)
    if colon:
        raise _bad_field(field, item)
    if name in _SCALARS or name in ("birthday", "notes", "ignore"):
        return Target(name)
    if name == "tags":
        return Target("tags", split=TAG_SEP)
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
        field_target(field, item)  # validates
        if mapping.get(column, field) != field:
            raise InvalidInput(
                f"--map gives column {column!r} twice: {mapping[column]} and {field}",
                hint="map each column once",
            )
        mapping[column] = field
    return mapping


def normalised(column: str) -> str:
    """Case, spaces, underscores, dashes and dots don't matter: ``E-mail Address``
    -> ``emailaddress``."""
    return re.sub(r"[\s_.\-]+", "", column.casefold())


def snake(column: str) -> str:
    """A custom-field key from a column name: ``Téléphone fixe`` -> ``telephone_fixe``."""
    ascii_text = unicodedata.normalize("NFKD", column).encode("ascii", "ignore").decode()
    key = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")
    if key and not key[0].isalpha():
        key = "f_" + key
    return key[:64].rstrip("_")


def column_label(text: str | None) -> str | None:
    """A Google/Outlook type as a minicrm label: ``* Work`` -> ``work``, ``Work Fax`` ->
    ``work-fax``; None when nothing usable is left."""
    if not text:
        return None
    cleaned = text.strip().removeprefix("*").strip().lower()
    cleaned = re.sub(r"[^a-z0-9_-]+", "-", cleaned).strip("-")[:24].rstrip("-")
    return cleaned if cleaned[:1].isalpha() else None


_WORK = {"work", "business", "office", "company"}


_HOME = {"home", "personal", "private"}


def prefix_label(prefix: str) -> str | None:
    if prefix in _WORK:
        return "work"
    if prefix in _HOME:
        return "home"
    if prefix in ("mobile", "cell"):
        return "mobile"
    return prefix or None


PREFIX = r"(work|business|office|company|home|personal|private|mobile|cell|other|main)?"
