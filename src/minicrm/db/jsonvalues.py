"""Reading the columns that hold JSON (schema.JSON_COLUMNS) so that one damaged value
cannot break a command.

A hand edit or another tool can leave ``{"k": "v`` in ``contacts.custom``. Reading
commands then show everything else: :func:`read` gives the column's empty value and
notes the damage on the Store (``store.damaged``), which the CLI reports in one line on
stderr. A command that would have to write the column (and so overwrite what is there)
uses :func:`read_strict`, which refuses with :class:`DamagedValue`. ``db check`` names
every damaged value and ``--repair`` moves unreadable contact fields into the notes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from minicrm.core.errors import DamagedValue
from minicrm.db.schema import JSON_COLUMNS

# what each column is, for people
LABELS = {
    ("contacts", "custom"): "custom fields",
    ("contacts", "vcard_extra"): "kept vCard properties",
    ("history", "before"): "'before' record",
    ("history", "after"): "'after' record",
}
_EMPTY: dict[str, Callable[[], Any]] = {
    "object of text": dict,
    "array of text": list,
    "object": lambda: None,
}
_EMPTY_TEXT = {"object of text": "{}", "array of text": "[]"}  # what most rows hold


@dataclass(frozen=True)
class Damage:
    """One damaged stored value: which row and column, and what is wrong with it."""

    table: str
    row_id: int
    column: str
    problem: str  # "not valid JSON", "not an object of text"
    owner: str  # "contact #3", "history row #12 (change set #4)"

    @property
    def label(self) -> str:
        """``custom fields of contact #3``"""
        return f"{LABELS[(self.table, self.column)]} of {self.owner}"


def empty(table: str, column: str) -> Any:
    """The value an empty (NULL or '') column reads as: {} , [] or None."""
    return _EMPTY[JSON_COLUMNS[(table, column)]]()


def decode(table: str, column: str, text: str | None) -> tuple[Any, str | None]:
    """(the value, None), or (the empty value, what is wrong) when ``text`` is not the JSON
    the column holds."""
    shape = JSON_COLUMNS[(table, column)]
    if text is None or text == "":
        return empty(table, column), None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError, TypeError):
        return empty(table, column), "not valid JSON"
    if shape == "object of text":
        ok = isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
    elif shape == "array of text":
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
    else:
        ok = isinstance(value, dict)
    if not ok:
        return empty(table, column), f"not an {shape}" if shape[0] in "aeiou" else f"not a {shape}"
    return value, None


def note(store: Any, damage: Damage) -> None:
    """Remember a damaged value the command read past (the CLI reports it once)."""
    store.damaged.setdefault((damage.table, damage.row_id, damage.column), damage)


def read(
    store: Any, table: str, column: str, row_id: int, text: str | None, owner: str | None = None
) -> Any:
    """The value, or the column's empty value if it is damaged (noted on ``store``).
    ``owner`` names the row for people (default ``contact #<id>``). On the hot path of
    `ls --json` and exports: the common empty value costs no parsing."""
    shape = JSON_COLUMNS[(table, column)]
    if text == _EMPTY_TEXT.get(shape):
        return _EMPTY[shape]()
    value, problem = decode(table, column, text)
    if problem is not None:
        where = owner or f"{table.removesuffix('s')} #{row_id}"
        note(store, Damage(table, row_id, column, problem, where))
    return value


def read_strict(table: str, column: str, row_id: int, text: str | None, owner: str) -> Any:
    """The value, for a command that will write it back: a damaged one is refused."""
    value, problem = decode(table, column, text)
    if problem is not None:
        raise DamagedValue(
            f"the {LABELS[(table, column)]} of {owner} cannot be read ({problem}); "
            "nothing was changed",
            hint=repair_hint(table),
        )
    return value


def repair_hint(table: str) -> str:
    if table == "contacts":
        return "minicrm db check --repair moves the unreadable text into the contact's notes"
    return "minicrm db check names it; restore a backup to get it back"


def summary(damaged: list[Damage]) -> str:
    """The one line a command prints after reading past damaged values."""
    n = len(damaged)
    named = "; ".join(f"{d.label} ({d.problem})" for d in damaged[:3])
    if n > 3:
        named += f"; and {n - 3} more"
    head = (
        "a stored value is damaged and was left out"
        if n == 1
        else f"{n} stored values are damaged and were left out"
    )
    fixable = any(d.table == "contacts" for d in damaged)
    hint = (
        "minicrm db check names them; db check --repair moves unreadable contact fields "
        "into the contact's notes"
        if fixable
        else "minicrm db check names them"
    )
    return f"warning: {head}: {named} ({hint})"
