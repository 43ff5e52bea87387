"""The text form ``minicrm edit REF`` opens in $EDITOR, and reading it back as changes.

One ``key: value`` per line; repeated keys (email, phone, url, address) give several
values; ``custom.NAME`` lines are custom fields; ``#`` starts a comment line. Values are
single lines: a newline inside one is written as ``\\n``, a carriage return as ``\\r``;
lines are split at newlines only (other control characters stay in their value).
"""

from __future__ import annotations

from minicrm.contacts.models import Contact, Labelled
from minicrm.contacts.service import ContactChanges
from minicrm.core.errors import InvalidInput

SCALARS = (
    ("name", "name"),
    ("given_name", "given_name"),
    ("family_name", "family_name"),
    ("nickname", "nickname"),
    ("title", "title"),
    ("company", None),
    ("birthday", "birthday"),
    ("stage", "stage"),
    ("source", "source"),
    ("every", None),
    ("notes", "notes"),
)
LISTS = (
    ("email", "emails"),
    ("phone", "phones"),
    ("url", "urls"),
    ("address", "addresses"),
    ("date", "dates"),
)

HEADER = """\
# Edit this contact, save and quit; an unchanged or empty file changes nothing.
# Clear a value to remove it (a deleted line changes nothing). Repeat email, phone,
# url, address and date lines for several; LABEL:VALUE sets a label, e.g.
# "email: work:jane@acme.io". tags: comma-separated. custom.NAME: VALUE sets a custom
# field. Lines starting with # are ignored.
"""


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")


def _unescape(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value) and value[i + 1] in "nr\\":
            out.append({"n": "\n", "r": "\r"}.get(value[i + 1], "\\"))
            i += 2
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def _item(item: Labelled) -> str:
    return _escape(f"{item.label}:{item.value}" if item.label else item.value)


def _scalar(contact: Contact, key: str, attr: str | None) -> str:
    if key == "company":
        return contact.company.name if contact.company else ""
    if key == "every":
        return f"{contact.cadence_days}d" if contact.cadence_days else ""
    value = getattr(contact, attr or key)
    return _escape(value) if value else ""


def to_form(contact: Contact) -> str:
    lines = [HEADER.rstrip("\n"), f"# contact #{contact.id} ({contact.uid})", ""]
    lines += [f"{key}: {_scalar(contact, key, attr)}".rstrip() for key, attr in SCALARS]
    lines.append(f"tags: {', '.join(contact.tags)}".rstrip())
    for key, attr in LISTS:
        items = getattr(contact, attr)
        lines += [f"{key}: {_item(i)}" for i in items] or [f"{key}:"]
    lines += [f"custom.{name}: {_escape(value)}" for name, value in sorted(contact.custom.items())]
    return "\n".join(lines) + "\n"


def parse_form(original: Contact, text: str) -> ContactChanges:
    """The changes that turn ``original`` into what the form now says.

    What the form leaves out is left alone: a scalar, list or custom field whose line
    was deleted keeps its value (so an emptied file changes nothing); a cleared value
    removes it.
    """
    scalars = {key for key, _ in SCALARS}
    lists: dict[str, list[str]] = {}
    given: dict[str, str] = {}
    custom: dict[str, str] = {}
    tags: list[str] | None = None
    # split at newlines only (a CRLF editor's \r goes with it): str.splitlines would also
    # split at \x1c, \x85, U+2028 ..., which a value may hold
    for number, raw in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition(":")
        key, value = key.strip().lower(), _unescape(value.strip())
        if not sep:
            raise InvalidInput(f"line {number}: expected 'key: value', got {raw!r}")
        if key in scalars:
            if key in given:
                raise InvalidInput(f"line {number}: {key} is given twice")
            given[key] = value
        elif key in {k for k, _ in LISTS}:
            lists.setdefault(key, [])
            if value:
                lists[key].append(value)
        elif key == "tags":
            tags = [t.strip() for t in value.split(",") if t.strip()]
        elif key.startswith("custom."):
            custom[raw.strip().partition(":")[0].strip()[len("custom.") :]] = value
        else:
            raise InvalidInput(
                f"line {number}: unknown field {key!r}",
                hint="fields: " + ", ".join([*scalars, "tags", *lists, "custom.NAME"]),
            )
    changes = ContactChanges()
    for key, attr in SCALARS:
        if key in given and given[key] != _unescape(_scalar(original, key, attr)):
            changes.fields[key] = given[key]
    for key, attr in LISTS:
        if key not in lists:
            continue
        old = [_unescape(_item(i)) for i in getattr(original, attr)]
        new = lists[key]
        changes.remove[attr] = [v for v in old if v not in new]
        changes.add[attr] = [v for v in new if v not in old]
    if tags is not None:
        changes.add_tags = [t for t in tags if t.lstrip("#").casefold() not in original.tags]
        wanted = {t.lstrip("#").casefold() for t in tags}
        changes.remove_tags = [t for t in original.tags if t not in wanted]
    for name, value in custom.items():
        if original.custom.get(name) != value:
            changes.custom[name] = value
    return changes
