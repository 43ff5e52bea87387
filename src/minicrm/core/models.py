"""What every feature's records share. Each feature keeps its own records beside its code
(``contacts/models.py``, ``activity/models.py``, ``deals/models.py``); ``to_dict()`` is
each record's documented JSON shape (docs/json.md).

The records are plain dataclasses, not frozen ones: a frozen dataclass generates twice the
methods (``__setattr__``, ``__delattr__``, ``__hash__`` beside ``__init__``, ``__repr__``,
``__eq__``), which every command pays to define the record classes at start-up, and
sets each field through ``object.__setattr__``, which a listing of thousands of rows
pays again. Treat them as values all the same: nothing in minicrm changes a record once made
(``dataclasses.replace`` makes a changed copy).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Ref:
    """A contact or company named inside another record (a deal's company, a follow-up's
    contact): its id, uid and name."""

    id: int
    uid: str
    name: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "uid": self.uid, "name": self.name}


def first_line(text: str) -> str:
    """The first non-empty line of ``text``, stripped."""
    if text.isprintable():  # one line (every line break is unprintable): most bodies
        return text.strip()
    return next((line.strip() for line in text.splitlines() if line.strip()), "")
