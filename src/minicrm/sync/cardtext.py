"""A card written back to a vdir keeps what minicrm did not change, byte for byte.

minicrm models a card as fields (a postal address is one text value, a phone's TYPE list
one label), so a card rebuilt from the contact loses what the phone wrote: the address's
components, ``TYPE=WORK,VOICE``, the order of the lines. :func:`rebase` takes the card
rebuilt from the contact and the card the folder holds (the reference) and keeps the
reference's lines for every field whose value did not change (an item of a list that is
in both: its line); only changed fields are written as minicrm writes them. An address
written anew gets its structure back where it can (the components of the reference
address it still matches, else "street / city region postcode / country" by its lines).

The result is checked: it must read back as exactly the fields of the rebuilt card, else
a coarser result (whole fields only, then the rebuilt card) is used.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from minicrm.interchange.formats.vcard.lines import fold_line, split_structured
from minicrm.sync.merging import canonical_json

# property name -> the fields its value gives (LIST: one item of that list field)
_SCALAR = {
    "FN": ("name",),
    "N": ("given_name", "family_name"),
    "NICKNAME": ("nickname",),
    "TITLE": ("title",),
    "ORG": ("company",),
    "BDAY": ("birthday",),
    "NOTE": ("notes",),
    "CATEGORIES": ("tags",),
    "X-MINICRM-STAGE": ("stage",),
    "X-MINICRM-SOURCE": ("source",),
    "X-MINICRM-CADENCE": ("cadence_days",),
    "PHOTO": ("photo",),
    "X-ABDATE": ("dates",),
    "ANNIVERSARY": ("dates",),
    "X-ANNIVERSARY": ("dates",),
}
_LIST = {
    "EMAIL": "emails",
    "TEL": "phones",
    "ADR": "addresses",
    "URL": "urls",
    "IMPP": "urls",
    "X-SOCIALPROFILE": "urls",
}
_FRAME = {"BEGIN", "END", "VERSION", "PRODID", "REV", "UID"}
_NAME = re.compile(r"^(?:([A-Za-z0-9-]+)\.)?([A-Za-z0-9-]+)[;:]")
_PLACE = re.compile(r"^(?P<city>\S.*?)\s+(?P<region>[A-Z]{2,3})\s+(?P<code>\d{5}(?:-\d{4})?)$")


class _Block:
    """One property with its grouped companions (``item1.EMAIL`` + ``item1.X-ABLabel``)."""

    def __init__(self, name: str, group: str | None, lines: list[str]) -> None:
        self.name = name
        self.group = group
        self.lines = lines

    @property
    def key(self) -> str:
        """What it is compared by: a list field, a set of scalar fields, or the line."""
        if self.name in _LIST:
            return _LIST[self.name]
        if self.name in _SCALAR:
            return "+".join(_SCALAR[self.name])
        if self.name == "X-MINICRM-FIELD":
            return "custom"
        if self.name in _FRAME:
            return "frame:" + self.name
        return "extra"


def _blocks(text: str) -> list[_Block]:
    logical = text.replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")
    out: list[_Block] = []
    by_group: dict[str, _Block] = {}
    for line in logical:
        if not line:
            continue
        m = _NAME.match(line)
        name = m.group(2).upper() if m else ""
        group = m.group(1).lower() if m and m.group(1) else None
        if group is not None and group in by_group:
            block = by_group[group]
            block.lines.append(line)
            if block.name == "X-ABLABEL":
                block.name = name
            continue
        block = _Block(name, group, [line])
        out.append(block)
        if group is not None:
            by_group[group] = block
    return out


def _fields_equal(field: str, a: dict[str, Any], b: dict[str, Any]) -> bool:
    if field == "custom":
        return canonical_json(
            {k: v for k, v in a.items() if k.startswith("custom.")}
        ) == canonical_json({k: v for k, v in b.items() if k.startswith("custom.")})
    if field.startswith("frame:"):
        return False
    return all(canonical_json(a.get(f)) == canonical_json(b.get(f)) for f in field.split("+"))


Reader = Callable[[str], dict[str, Any]]


def _item_of(block: _Block, read: Reader) -> Any:
    """The list item (``[label, value]``) one list property gives, or None."""
    card = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\n" + "".join(fold_line(x) for x in block.lines)
    try:
        items = read(card + "END:VCARD\r\n").get(_LIST[block.name], [])
    except Exception:
        return None
    return items[0] if len(items) == 1 else None


def rebase(
    text: str, fields: dict[str, Any], reference: str, ref_fields: dict[str, Any], read: Reader
) -> str:
    """``text`` (the card rebuilt from the contact, reading as ``fields``) with the
    reference card's lines kept for what did not change; ``read`` reads a card's fields."""
    for per_item in (True, False):
        out = _rebase(text, fields, reference, ref_fields, read, per_item=per_item)
        if out == text:
            return text
        try:
            if canonical_json(read(out)) == canonical_json(fields):
                return out
        except Exception:
            continue
    return text


def _rebase(
    text: str,
    fields: dict[str, Any],
    reference: str,
    ref_fields: dict[str, Any],
    read: Reader,
    *,
    per_item: bool,
) -> str:
    new, old = _blocks(text), _blocks(reference)
    old_by_key: dict[str, list[_Block]] = {}
    for block in old:
        old_by_key.setdefault(block.key, []).append(block)
    done: set[str] = set()
    used: set[int] = set()
    chosen: list[_Block] = []
    for block in new:
        key = block.key
        if key in done:
            continue
        if key in old_by_key and _fields_equal(key, fields, ref_fields):
            chosen += old_by_key[key]  # unchanged: the reference's lines, all of them
            done.add(key)
            continue
        if block.name in _LIST:
            item = _item_of(block, read)
            match = None
            if per_item and item is not None:
                for candidate in old_by_key.get(key, []):
                    if id(candidate) not in used and canonical_json(
                        _item_of(candidate, read)
                    ) == canonical_json(item):
                        match = candidate
                        break
            if match is not None:
                used.add(id(match))
                chosen.append(match)
                continue
            if block.name == "ADR" and item is not None:
                block = _structured(block, item[1], old_by_key.get(key, []), read)
        chosen.append(block)
    return "".join(fold_line(line) for block in chosen for line in block.lines)


def _components(block: _Block) -> list[str] | None:
    line = next((x for x in block.lines if _prop_name(x) == "ADR"), None)
    value = None if line is None else _value_of(line)
    if value is None:
        return None
    return [*(p.strip() for p in split_structured(value)), "", "", "", "", "", "", ""][:7]


def _prop_name(line: str) -> str:
    m = _NAME.match(line)
    return m.group(2).upper() if m else ""


def _value_of(line: str) -> str | None:
    """The raw value of a content line: after the first colon outside quotes."""
    quoted = False
    for i, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            return line[i + 1 :]
    return None


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _split_address(text: str, references: list[_Block]) -> list[str] | None:
    """(box, extended, street, city, region, code, country) for an address text, or
    None when it is one line (nothing to structure)."""
    lines = text.split("\n")
    if len(lines) < 2 or any(not x.strip() for x in lines):
        return None
    for block in references:  # the components of an address it still matches
        parts = _components(block)
        if parts is None:
            continue
        _box, _ext, _street, city, region, code, country = parts
        place = " ".join(p for p in (city, region, code) if p)
        tail = [p for p in (place, country) if p]
        if tail and len(lines) > len(tail) and lines[-len(tail) :] == tail:
            street = "\n".join(lines[: -len(tail)])
            return ["", "", street, city, region, code, country]
    country = lines[-1] if len(lines) >= 3 else ""
    place = lines[-2] if len(lines) >= 3 else lines[-1]
    street = "\n".join(lines[:-2] if len(lines) >= 3 else lines[:-1])
    m = _PLACE.match(place)
    if m:
        return ["", "", street, m["city"], m["region"], m["code"], country]
    return ["", "", street, place, "", "", country]


def _structured(block: _Block, text: str, references: list[_Block], read: Reader) -> _Block:
    """An ADR written as ``;;all of it;;;;`` with its components, when they read back
    as the same text."""
    parts = _split_address(text, references)
    if parts is None:
        return block
    index = next((i for i, x in enumerate(block.lines) if _prop_name(x) == "ADR"), None)
    value = None if index is None else _value_of(block.lines[index])
    if index is None or value is None:
        return block
    head = block.lines[index]
    lines = list(block.lines)
    lines[index] = head[: len(head) - len(value)] + ";".join(_escape(p) for p in parts)
    out = _Block(block.name, block.group, lines)
    item = _item_of(out, read)
    return out if item is not None and item[1] == text else block
