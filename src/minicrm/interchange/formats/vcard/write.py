"""Writing contacts as vCards (see the package's docstring)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from minicrm.contacts.models import Contact
from minicrm.core.errors import InvalidInput
from minicrm.interchange.formats.vcard.lines import (
    PRODID,
    VERSIONS,
    dump_line,
    fold_line,
    parse_content_line,
    split_structured,
)
from minicrm.interchange.formats.vcard.read import ANNIVERSARY_NAMES

# -- writing ------------------------------------------------------------------------------

# Labels written as a TYPE, per property; the reader maps each back to the same label.
_STANDARD_TYPES: dict[str, dict[str, str]] = {
    "EMAIL": {"work": "work", "home": "home"},
    "TEL": {"work": "work", "home": "home", "mobile": "cell", "fax": "fax", "pager": "pager"},
    "ADR": {"work": "work", "home": "home"},
    "URL": {"work": "work", "home": "home"},
}
_TEL_TYPES = {
    "3.0": {"main": "main", "iphone": "iphone"},  # Apple's, in its 3.0 exports
    "4.0": {"text": "text", "video": "video", "textphone": "textphone"},  # RFC 6350
}
_APPLE_LABELS = {"other": "Other", "homepage": "HomePage", "anniversary": "Anniversary"}
_STRUCTURAL = {"BEGIN", "END", "VERSION", "PRODID", "REV", "PROFILE", "FN", "UID"}
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_MONTH_DAY = re.compile(r"--(\d{2})-(\d{2})")
_FROM_LINES = ("birthday_text", "anniversary_text")
FIELD_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,63}")  # validate.custom_key's names
# Family-name particles: "Ludwig van Beethoven" sorts under "van Beethoven".
_PARTICLES = {
    "al", "bin", "da", "das", "de", "dei", "del", "della", "der", "des", "di", "do",
    "dos", "du", "el", "la", "le", "st.", "te", "ten", "ter", "van", "von", "zu",
}  # fmt: skip
_DATA_URI = re.compile(r"data:([\w.+-]+/[\w.+-]+)?;base64\\?,(.*)", re.I | re.S)


def to_vcards(
    contacts: Iterable[Contact], *, version: str = "4.0", include_photo: bool = True
) -> str:
    """The contacts as one .vcf text."""
    return "".join(to_vcard(c, version=version, include_photo=include_photo) for c in contacts)


def to_vcard(
    contact: Contact,
    *,
    version: str = "4.0",
    include_photo: bool = True,
    uid: str | None = None,
    sync: bool = False,
) -> str:
    """One contact as a vCard ``version`` 4.0 or 3.0: CRLF line ends, folded at 75 octets.

    ``uid``: the UID to write, byte for byte (a synced card keeps the UID its file has
    had). ``sync``: the forms a vdir's other readers (Radicale, vobject-based clients,
    khard, khal, phones) read back: the contact's own UID as it is (no ``urn:uuid:``
    added), a year-less date as ``--MMDD`` in 3.0 too, and an inline photo as
    ``ENCODING=b`` in 4.0 too (a 4.0 ``data:`` URI is destroyed by vobject's parser)."""
    from vobject.base import backslashEscape as esc

    if version not in VERSIONS:
        raise InvalidInput(f"unknown vCard version {version!r}", hint="3.0 or 4.0")
    v4 = version == "4.0"
    extras = _usable_extras(contact, include_photo)
    groups = _Groups({group.lower() for _n, group, _v, _l in extras if group})
    out = _Writer()
    out.raw("BEGIN:VCARD")
    out.raw(f"VERSION:{version}")
    out.add("PRODID", esc(PRODID))
    if uid is not None or (sync and contact.uid):
        out.add("UID", esc(uid if uid is not None else contact.uid))
    elif contact.uid:
        if v4 and _UUID.fullmatch(contact.uid):
            out.add("UID", f"urn:uuid:{contact.uid}")
        else:
            out.add("UID", esc(contact.uid), {"VALUE": ["text"]} if v4 else None)
    out.add("FN", esc(contact.name))

    family, given = contact.family_name or "", contact.given_name or ""
    kept_n = _matching(extras, "N", lambda parts: parts[:2] == [family, given])
    if kept_n:
        out.raw(kept_n)
    else:
        if not family and not given:
            family, given = split_name(
                contact.name, contact.company.name if contact.company else None
            )
        out.add("N", ";".join(esc(p) for p in (family, given, "", "", "")))
    if contact.nickname:
        out.add("NICKNAME", esc(contact.nickname))
    if contact.company:
        company = contact.company.name
        kept_org = _matching(extras, "ORG", lambda parts: parts[:1] == [company])
        if kept_org:
            out.raw(kept_org)
        else:
            out.add("ORG", esc(company))
    if contact.title:
        out.add("TITLE", esc(contact.title))

    for prop, items in (
        ("EMAIL", contact.emails),
        ("TEL", contact.phones),
        ("ADR", contact.addresses),
        ("URL", contact.urls),
    ):
        standard = dict(_STANDARD_TYPES[prop])
        if prop == "TEL":
            standard.update(_TEL_TYPES[version])
        for position, item in enumerate(items):
            value = esc(item.value)
            if prop == "ADR":
                value = f";;{value};;;;"
            _labelled(out, groups, prop, value, item.label, standard, v4, position, len(items))

    if contact.birthday and (formatted := _date_out(contact.birthday, v4, sync)):
        out.add("BDAY", formatted[0], formatted[1])
    anniversary_written = False
    for item in contact.dates:
        formatted = _date_out(item.value, v4, sync)
        if formatted is None:
            continue
        if v4 and item.label == "anniversary" and not anniversary_written:
            anniversary_written = True
            out.add("ANNIVERSARY", formatted[0], formatted[1])
            continue
        group = groups.next() if item.label else None
        out.add("X-ABDATE", formatted[0], formatted[1], group=group)
        if group and item.label:
            out.add("X-ABLabel", esc(_apple_label(item.label)), group=group)
    if contact.tags:
        out.add("CATEGORIES", ",".join(esc(t) for t in contact.tags))
    if contact.notes:
        out.add("NOTE", esc(contact.notes))
    if contact.stage:
        out.add("X-MINICRM-STAGE", esc(contact.stage))
    if contact.source:
        out.add("X-MINICRM-SOURCE", esc(contact.source))
    if contact.cadence_days:
        out.add("X-MINICRM-CADENCE", str(contact.cadence_days))
    for key, text in sorted(contact.custom.items()):
        if key in _FROM_LINES or not FIELD_KEY.fullmatch(key):
            # read from a kept BDAY/ANNIVERSARY line, which is written back; or a name
            # `minicrm edit --set` would refuse (a hand-edited database): no vCard form
            continue
        out.add("X-MINICRM-FIELD", esc(text), {"X-NAME": [key]})
    if include_photo and contact.photo:
        photo = _photo_out(contact.photo, v4 and not sync)
        if photo:
            out.raw(photo)

    has_anniversary = any(d.label == "anniversary" for d in contact.dates)
    for name, _group, _value, line in extras:
        if name in ("N", "ORG"):
            continue  # written above when it still matches, else out of date
        if name == "BDAY" and contact.birthday:
            continue  # the birthday minicrm has replaces the text one
        if name in ANNIVERSARY_NAMES and has_anniversary:
            continue
        out.raw(line)
    if contact.updated_at and (rev := _rev(contact.updated_at, v4)):
        out.add("REV", rev)
    out.raw("END:VCARD")
    return out.text()


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def raw(self, line: str) -> None:
        self.lines.append(line)

    def add(
        self,
        name: str,
        value: str,
        params: dict[str, list[str]] | None = None,
        *,
        group: str | None = None,
    ) -> None:
        """``value`` already escaped; vobject writes the name, group and parameters."""
        from vobject.base import ContentLine

        line = ContentLine(name, [], value, group=group, encoded=True)
        line.params = dict(params or {})
        self.lines.append(dump_line(line))

    def text(self) -> str:
        return "".join(fold_line(line) for line in self.lines)


class _Groups:
    """``item1``, ``item2``, ... skipping the groups the kept lines already use."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = taken
        self.count = 0

    def next(self) -> str:
        while True:
            self.count += 1
            name = f"item{self.count}"
            if name not in self.taken:
                return name


def _labelled(
    out: _Writer,
    groups: _Groups,
    prop: str,
    value: str,
    label: str | None,
    standard: dict[str, str],
    v4: bool,
    position: int,
    count: int,
) -> None:
    from vobject.base import backslashEscape as esc

    types: list[str] = []
    params: dict[str, list[str]] = {}
    group = None
    if label and label in standard:
        types.append(standard[label])
    elif label:
        group = groups.next()
    if position == 0 and count > 1:  # the primary one
        if v4:
            params["PREF"] = ["1"]
        else:
            types.append("pref")
    if types:
        params["TYPE"] = types
    out.add(prop, value, params, group=group)
    if group and label:
        out.add("X-ABLabel", esc(_apple_label(label)), group=group)


def _apple_label(label: str) -> str:
    builtin = _APPLE_LABELS.get(label)
    return f"_$!<{builtin}>!$_" if builtin else label


def _date_out(
    value: str, v4: bool, sync: bool = False
) -> tuple[str, dict[str, list[str]] | None] | None:
    """(value, params) of a stored date: basic format in 4.0 (RFC 6350), extended in 3.0
    with Apple's X-APPLE-OMIT-YEAR for a date without a year; ``sync``: ``--MMDD``, the
    one year-less form khard and khal both read (docs/interop.md)."""
    if match := _ISO.fullmatch(value):
        year, month, day = match.groups()
        return (f"{year}{month}{day}" if v4 else value), None
    if match := _MONTH_DAY.fullmatch(value):
        month, day = match.groups()
        if v4 or sync:
            return f"--{month}{day}", None
        return f"1604-{month}-{day}", {"X-APPLE-OMIT-YEAR": ["1604"]}
    return None


def _rev(stamp: str, v4: bool) -> str | None:
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ" if v4 else "%Y-%m-%dT%H:%M:%SZ")


def _usable_extras(contact: Contact, include_photo: bool) -> list[tuple[str, str | None, str, str]]:
    """(name, group, value, line) of the kept lines that can be written back."""
    kept = []
    for line in contact.vcard_extra:
        parsed = parse_content_line(line) if line else None
        if parsed is None:
            continue
        name, _params, value, group = parsed
        if name in _STRUCTURAL or (name == "PHOTO" and not include_photo):
            continue
        kept.append((name, group, value, line))
    return kept


def _matching(extras: list[tuple[str, str | None, str, str]], name: str, test: Any) -> str | None:
    """The kept N or ORG line whose first parts still match the contact (so the middle name,
    prefix, suffix or department it has are written back), if any."""
    for prop, _group, value, line in extras:
        if prop != name:
            continue
        parts = [part.strip() for part in split_structured(value)]
        if test(parts):
            return line
    return None


def _photo_out(photo: str, v4: bool) -> str | None:
    """The stored PHOTO line in the form of the version written: inline data is
    ``ENCODING=b;TYPE=JPEG`` in 3.0 and a ``data:`` URI in 4.0; a link stays a link."""
    from vobject.base import ContentLine

    parsed = parse_content_line(photo)
    if parsed is None or parsed[0] != "PHOTO":
        return None
    _name, params, value, group = parsed
    line = ContentLine("PHOTO", params, value, group, encoded=True)
    encodings = [v.lower() for v in line.params.get("ENCODING", [])]
    inline = "b" in encodings or "base64" in encodings
    if v4 and inline:
        kinds = line.params.get("TYPE", []) + line.singletonparams
        kind = (kinds[0] if kinds else "jpeg").lower()
        media = kind if "/" in kind else f"image/{kind}"
        out = ContentLine("PHOTO", [], f"data:{media};base64,{value}", group, encoded=True)
        return dump_line(out)
    if not v4 and (match := _DATA_URI.fullmatch(value)):
        media = match.group(1) or "image/jpeg"
        out = ContentLine("PHOTO", [], match.group(2), group, encoded=True)
        out.params = {"ENCODING": ["b"], "TYPE": [media.split("/", 1)[1].upper()]}
        return dump_line(out)
    if not v4 and not inline and "VALUE" not in line.params:
        line.params["VALUE"] = ["uri"]  # 3.0's PHOTO is binary unless said otherwise
        return dump_line(line)
    return photo


def split_name(name: str, company: str | None = None) -> tuple[str, str]:
    """(family, given) for the N of a contact that has only a display name, so phones sort
    it by family name: "Doe, Jane" is family "Doe", given "Jane"; otherwise the last word
    is the family name, with the lower-case particles before it ("Ludwig van Beethoven":
    "van Beethoven", "Ludwig"), the words before it the given name; one word (or a name
    that is the company's) is a given name only, as phones file a single name."""
    text = " ".join(name.split())
    if company and text.casefold() == " ".join(company.split()).casefold():
        return "", ""
    if "," in text:
        family, _comma, given = text.partition(",")
        if family.strip() and given.strip():
            return family.strip(), given.strip()
    words = text.split(" ")
    if len(words) < 2:
        return "", text
    start = len(words) - 1
    while start > 1 and words[start - 1] in _PARTICLES:
        start -= 1
    return " ".join(words[start:]), " ".join(words[:start])
