"""The text forms ``$EDITOR`` opens for an interaction, a follow-up or a deal: ``key: value``
lines, ``#`` comment lines, and (for a form with a body) the free text below a line that
is just ``---``. What the user left out is left alone; a cleared value clears it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from minicrm.core.errors import InvalidInput

SEPARATOR = "---"


def render(header: Sequence[str], fields: Mapping[str, str], body: str | None = None) -> str:
    """The form: the header as comment lines, a blank line, the fields, then ``---`` and
    the body when there is one."""
    lines = [f"# {line}".rstrip() for line in header]
    lines.append("")
    lines += [f"{key}: {value}".rstrip() for key, value in fields.items()]
    if body is not None:
        lines += [SEPARATOR, body]
    return "\n".join(lines).rstrip("\n") + "\n"


def parse(
    text: str, keys: Sequence[str], *, with_body: bool = False
) -> tuple[dict[str, str], str | None]:
    """(the fields given, the body) of an edited form. The body is None when the ``---``
    line was deleted (the body is then left alone); its surrounding blank lines go."""
    lines = text.replace("\r\n", "\n").split("\n")
    head, body = lines, None
    if with_body and SEPARATOR in (line.rstrip() for line in lines):
        cut = next(i for i, line in enumerate(lines) if line.rstrip() == SEPARATOR)
        head, body = lines[:cut], "\n".join(lines[cut + 1 :]).strip("\n")
    fields: dict[str, str] = {}
    for number, raw in enumerate(head, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, colon, value = line.partition(":")
        key = key.strip().lower()
        if not colon:
            raise InvalidInput(f"line {number}: expected 'key: value', got {raw!r}")
        if key not in keys:
            raise InvalidInput(
                f"line {number}: unknown field {key!r}", hint="fields: " + ", ".join(keys)
            )
        if key in fields:
            raise InvalidInput(f"line {number}: {key} is given twice")
        fields[key] = value.strip()
    return fields, body


def changed(before: Mapping[str, str], after: Mapping[str, str]) -> dict[str, str]:
    """The fields whose value the user changed (a deleted line is no change)."""
    return {key: value for key, value in after.items() if value != before.get(key, "")}
