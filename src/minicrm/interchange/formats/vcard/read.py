"""Reading vCards into :class:`Incoming` records (see the package's docstring)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from minicrm.interchange.formats.vcard.lines import (
    ANY_VCARD,
    CardError,
    CardProp,
    describe_error,
    dump_line,
    prop_components,
    prop_text,
    prop_types,
    prop_values,
    read_props,
    serialize_prop,
    split_cards,
    unescape_all,
)
from minicrm.interchange.incoming import Incoming, Meter, RecordError

_IGNORED = {"VERSION", "PRODID", "REV", "PROFILE"}
_LISTS = {"EMAIL": "emails", "TEL": "phones", "ADR": "addresses", "URL": "urls"}
_URL_LIKE = {"IMPP", "X-SOCIALPROFILE"}
ANNIVERSARY_NAMES = {"ANNIVERSARY", "X-ANNIVERSARY"}
# minicrm's own properties: the stage, source, cadence and custom fields (X-NAME=key)
_MINICRM = {
    "X-MINICRM-STAGE": "stage",
    "X-MINICRM-SOURCE": "source",
    "X-MINICRM-CADENCE": "cadence_days",
    "X-MINICRM-FIELD": "custom",
}

# TYPE values that say nothing a label should (capabilities, encodings, "preferred").
_NOT_LABELS = {"pref", "internet", "x400", "voice", "dom", "intl", "postal", "parcel"}
_TYPE_ALIASES = {"cell": "mobile", "x-mobile": "mobile"}
_MOST_SPECIFIC = ("iphone", "mobile", "fax", "pager", "main", "work", "home", "other")
_GOOGLE_GROUPS = {"myContacts"}  # Google puts every contact in it

_FULL_DATE = re.compile(r"(?:(\d{4})-(\d{2})-(\d{2})|(\d{4})(\d{2})(\d{2}))(?:T[0-9:.,+\-Z]*)?")
_NO_YEAR = re.compile(r"--(\d{2})-?(\d{2})")


def parse_vcards(
    text: str,
    *,
    source: str | None = None,
    meter: Meter | None = None,
    encoding: str | None = None,
) -> Iterator[Incoming | RecordError]:
    """One :class:`Incoming` per card in ``text``, in order, or a :class:`RecordError` for a
    card that cannot be read (and reading goes on). Positions are ``card 3 (line 41)``,
    ``of <source>`` added when given; text outside any card is reported as ``line N``.
    ``meter.done`` grows with the share of ``text`` read (in characters, by its lines).

    Bytes that were not UTF-8 (``text`` decoded with ``surrogateescape``) are read in
    their property's CHARSET, else cp1252; ``encoding`` (the import's ``--encoding``) is
    the charset of quoted-printable values that name none (see ``lines.decode_value``)."""
    suffix = f" of {source}" if source else ""
    if not ANY_VCARD.search(text):
        yield RecordError(f"card 1{suffix}", "no vCard found")
        return
    base = meter.done if meter is not None else 0
    for item in split_cards(text, meter, base):
        if isinstance(item, tuple):
            line_no, excerpt = item
            yield RecordError(f"line {line_no}{suffix}", f"text outside a vCard: {excerpt}")
            continue
        position = f"card {item.number} (line {item.line}){suffix}"
        if item.error:
            yield RecordError(position, item.error)
            continue
        try:
            yield _parse_card(item.lines, position, encoding)
        except CardError as exc:
            yield RecordError(position, str(exc))
        except Exception as exc:  # vobject raises far more than ParseError on bad input
            yield RecordError(position, f"cannot be read: {describe_error(exc)}")


def _pref(prop: CardProp, types: list[str]) -> int:
    for value in prop.line.params.get("PREF", []):
        if value.strip().isdigit():
            return max(1, min(100, int(value)))
    return 1 if "pref" in types else 101


def _clean_label(text: str | None) -> str | None:
    if not text:
        return None
    label = text.strip()
    if label.startswith("_$!<") and label.endswith(">!$_"):
        label = label[4:-4]
    return "-".join(label.lower().split()) or None


def _type_label(types: list[str]) -> str | None:
    candidates = []
    for kind in types:
        if kind in _NOT_LABELS:
            continue
        kind = _TYPE_ALIASES.get(kind, kind)
        if kind.startswith("x-") and len(kind) > 2:
            kind = kind[2:]
        candidates.append(kind)
    for kind in _MOST_SPECIFIC:
        if kind in candidates:
            return kind
    return _clean_label(candidates[0]) if candidates else None


def _date(prop: CardProp) -> str | None:
    """The stored form (``1990-05-17``, ``--05-17``) of a date value, or None when it is
    text; a date in a date's form that does not exist (``2026-02-30``) is an error."""
    if any(v.strip().lower() == "text" for v in prop.line.params.get("VALUE", [])):
        return None
    value = prop_text(prop).strip()
    if match := _FULL_DATE.fullmatch(value):
        groups = match.group(1, 2, 3) if match.group(1) else match.group(4, 5, 6)
        year, month, day = (int(g) for g in groups)
        try:
            date(year, month, day)
        except ValueError:
            raise CardError(f"{prop.name} {value!r} is an impossible date") from None
        omit = prop.line.params.get("X-APPLE-OMIT-YEAR", [])
        if any(v.strip().isdigit() and int(v) == year for v in omit):
            return f"--{month:02d}-{day:02d}"
        return f"{year:04d}-{month:02d}-{day:02d}"
    if match := _NO_YEAR.fullmatch(value):
        month, day = int(match.group(1)), int(match.group(2))
        try:
            date(2000, month, day)  # a leap year: --02-29 is a real birthday
        except ValueError:
            raise CardError(f"{prop.name} {value!r} is an impossible date") from None
        return f"--{month:02d}-{day:02d}"
    return None


def _photo(prop: CardProp) -> str | None:
    """The PHOTO line as vobject writes it: inline data checked and re-encoded as
    ``PHOTO;ENCODING=b;TYPE=JPEG:...``; a URI as it is."""
    import base64
    import binascii

    from vobject.base import ContentLine

    line = prop.line
    encodings = [v.upper() for v in line.params.get("ENCODING", [])]
    singles = list(line.singletonparams)
    if not (
        any(e in ("B", "BASE64") for e in encodings) or any(s.upper() == "BASE64" for s in singles)
    ):
        return serialize_prop(prop) if line.value.strip() else None
    compact = "".join(line.value.split())
    if not compact:
        return None
    try:
        data = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise CardError("PHOTO is not valid base64") from None
    params: dict[str, list[str]] = {"ENCODING": ["b"]}
    types = list(line.params.get("TYPE", [])) + [
        s for s in singles if s.upper() not in ("BASE64", "7BIT", "8BIT")
    ]
    if types:
        params["TYPE"] = types
    for key, values in line.params.items():
        if key not in ("ENCODING", "CHARSET", "TYPE"):
            params[key] = list(values)
    out = ContentLine("PHOTO", [], base64.b64encode(data).decode("ascii"), group=line.group)
    out.encoded = True
    out.params = params
    return dump_line(out)


def _parse_card(lines: list[str], position: str, encoding: str | None = None) -> Incoming:
    props = read_props(lines, encoding)
    record = Incoming(position=position)

    labels: dict[str, int] = {}  # group -> index of its X-ABLabel
    for index, prop in enumerate(props):
        if prop.name == "X-ABLABEL" and prop.group:
            labels.setdefault(prop.group.lower(), index)
    used: set[int] = set()

    def group_label(prop: CardProp) -> str | None:
        """The X-ABLabel of the property's group, which the property now owns."""
        index = labels.get(prop.group.lower()) if prop.group else None
        if index is None:
            return None
        used.add(index)
        return _clean_label(prop_text(props[index]))

    extras: list[tuple[int, str]] = []
    lists: dict[str, list[tuple[int, int, str | None, str]]] = {k: [] for k in _LISTS.values()}
    nicknames: list[str] = []
    notes: list[str] = []
    seen: set[str] = set()

    for index, prop in enumerate(props):
        name = prop.name
        first = name not in seen
        seen.add(name)
        if name in _IGNORED or name == "X-ABLABEL":
            continue
        if name == "FN":
            group_label(prop)
            if record.name is None:
                record.name = prop_text(prop).strip() or None
        elif name == "N":
            group_label(prop)
            if first:
                parts = [*prop_components(prop), "", "", "", "", ""][:5]
                record.family_name = parts[0] or None
                record.given_name = parts[1] or None
                if any(parts[2:]):  # middle name, prefix, suffix: kept for writing back
                    extras.append((index, serialize_prop(prop)))
        elif name == "NICKNAME":
            group_label(prop)
            nicknames += prop_values(prop)
        elif name == "TITLE" and first:
            group_label(prop)
            record.title = prop_text(prop).strip() or None
        elif name == "ORG" and first:
            group_label(prop)
            parts = prop_components(prop)
            record.company = parts[0] if parts and parts[0] else None
            if any(parts[1:]):  # the department: kept for writing back
                extras.append((index, serialize_prop(prop)))
        elif name in _LISTS or name in _URL_LIKE:
            value = _address(prop) if name == "ADR" else prop_text(prop).strip()
            if name == "TEL" and value.lower().startswith("tel:"):
                value = _tel_uri(value)
            elif name == "EMAIL" and value.lower().startswith("mailto:"):
                value = value[7:].strip()
            label = group_label(prop)
            if not value:
                continue
            types = prop_types(prop)
            if name == "IMPP":
                service = prop.line.params.get("X-SERVICE-TYPE", [])
                scheme = value.split(":", 1)[0] if ":" in value else None
                label = (
                    _clean_label(service[0] if service else None)
                    or label
                    or _clean_label(scheme)
                    or _type_label(types)
                )
            else:
                label = label or _type_label(types)
            kind = _LISTS.get(name, "urls")
            pref = _pref(prop, types) if name in _LISTS else 101  # a chat account's "pref"
            lists[kind].append((pref, index, label, value))  # is not the primary URL
        elif (name == "BDAY" or name == "X-ABDATE" or name in ANNIVERSARY_NAMES) and not (
            prop.line.value.strip()
        ):
            continue  # an empty date says nothing
        elif name == "BDAY":
            day = _date(prop)
            if day is not None and record.birthday is None:
                group_label(prop)
                record.birthday = day
            else:
                if day is None:
                    record.custom.setdefault("birthday_text", prop_text(prop).strip())
                extras.append((index, serialize_prop(prop)))
        elif name in ANNIVERSARY_NAMES or name == "X-ABDATE":
            when = _date(prop)
            if when is None:
                if name in ANNIVERSARY_NAMES:
                    record.custom.setdefault("anniversary_text", prop_text(prop).strip())
                extras.append((index, serialize_prop(prop)))
            elif name == "X-ABDATE":
                label = group_label(prop) or _type_label(prop_types(prop))
                record.dates.append((label, when))
            else:
                group_label(prop)
                record.dates.append(("anniversary", when))
        elif name == "CATEGORIES":
            group_label(prop)
            record.tags += [t for t in prop_values(prop) if t not in _GOOGLE_GROUPS]
        elif name == "NOTE":
            group_label(prop)
            note = prop_text(prop).strip()
            if note:
                notes.append(note)
        elif name in _MINICRM:
            value = prop_text(prop).strip()
            if name == "X-MINICRM-FIELD":
                keys = prop.line.params.get("X-NAME", [])
                if keys and keys[0].strip() and value:
                    record.custom[keys[0].strip()] = value
                else:
                    extras.append((index, serialize_prop(prop)))
            elif value:
                setattr(record, _MINICRM[name], value)
        elif name == "UID":
            if record.uid is None:
                record.card_uid = (
                    prop.line.value if prop.qp else unescape_all(prop.line.value, None)[0]
                )
                uid = prop_text(prop).strip()
                if uid.lower().startswith("urn:uuid:"):
                    uid = uid[9:]
                record.uid = uid or None
        elif name == "PHOTO" and record.photo is None:
            record.photo = _photo(prop)
        else:
            extras.append((index, serialize_prop(prop)))

    for index, prop in enumerate(props):
        if prop.name == "X-ABLABEL" and index not in used:
            prop_text(prop)
            extras.append((index, serialize_prop(prop)))

    for kind, items in lists.items():
        items.sort(key=lambda item: (item[0], item[1]))
        setattr(record, kind, [(label, value) for _p, _i, label, value in items])
    record.nickname = ", ".join(nicknames) or None
    record.notes = "\n\n".join(notes) or None
    record.vcard_extra = [line for _i, line in sorted(extras)]
    if not record.name:
        built = " ".join(p for p in (record.given_name, record.family_name) if p)
        record.name = built or record.company or (record.emails[0][1] if record.emails else None)
    if not record.name:
        raise CardError("card has no name (no FN, N, ORG or EMAIL)")
    return record


def _tel_uri(value: str) -> str:
    """``tel:+1-418-656-9254;ext=102`` (RFC 3966) -> ``+1-418-656-9254 ext. 102``."""
    number, *params = value[4:].split(";")
    ext = next((p.split("=", 1)[1] for p in params if p.lower().startswith("ext=")), "")
    return f"{number.strip()} ext. {ext.strip()}" if ext.strip() else number.strip()


def _address(prop: CardProp) -> str:
    """ADR as text: street lines, then "city region postcode", then the country."""
    parts = [*prop_components(prop), "", "", "", "", "", "", ""][:7]
    box, extended, street, city, region, code, country = parts
    place = " ".join(p for p in (city, region, code) if p)
    return "\n".join(p for p in (street, extended, box, place, country) if p)
