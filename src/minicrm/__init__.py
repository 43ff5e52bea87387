"""minicrm: a local-first personal CRM in one SQLite file.

The CLI is a thin layer over these functions; a script can call them directly::

    import minicrm
    store = minicrm.open_store("crm.db")
    jane = minicrm.add_contact(store, "Jane Doe", minicrm.ContactChanges(
        add={"emails": ["jane@acme.io"]}, fields={"company": "Acme"}, add_tags=["vip"]))
    minicrm.list_contacts(store, tags=["vip"])

The names below are imported on first use (PEP 562), so ``import minicrm`` costs next to
nothing and ``minicrm --version`` does not pay for the whole library.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "add_company": "minicrm.contacts.companies",
    "edit_company": "minicrm.contacts.companies",
    "get_company": "minicrm.contacts.companies",
    "list_companies": "minicrm.contacts.companies",
    "remove_company": "minicrm.contacts.companies",
    "ContactChanges": "minicrm.contacts.service",
    "change_tags": "minicrm.contacts.tags",
    "add_contact": "minicrm.contacts.service",
    "get_contact": "minicrm.contacts.reading",
    "list_contacts": "minicrm.contacts.reading",
    "remove_contact": "minicrm.contacts.service",
    "set_archived": "minicrm.contacts.service",
    "tag_contacts": "minicrm.contacts.tags",
    "update_contact": "minicrm.contacts.service",
    "Ambiguous": "minicrm.core.errors",
    "Conflict": "minicrm.core.errors",
    "DatabaseBusy": "minicrm.core.errors",
    "DatabaseError": "minicrm.core.errors",
    "InvalidInput": "minicrm.core.errors",
    "MinicrmError": "minicrm.core.errors",
    "NotFound": "minicrm.core.errors",
    "list_changesets": "minicrm.history.changesets",
    "redo": "minicrm.history.service",
    "undo": "minicrm.history.service",
    "Company": "minicrm.contacts.models",
    "Contact": "minicrm.contacts.models",
    "Labelled": "minicrm.contacts.models",
    "Ref": "minicrm.core.models",
    "resolve_db_path": "minicrm.core.paths",
    "Store": "minicrm.db.store",
    "memory_store": "minicrm.db.opening",
    "open_store": "minicrm.db.opening",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


# Former names, still answered for scripts written against them.
_RENAMED = {"CompanyRef": "Ref"}


def __getattr__(name: str) -> Any:
    if name in _RENAMED:
        return __getattr__(_RENAMED[name])
    module = _EXPORTS.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value
    try:  # a submodule: minicrm.activity.interactions, minicrm.activity.followups, ...
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError:
        raise AttributeError(f"module 'minicrm' has no attribute {name!r}") from None


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


def version_line() -> str:
    return f"minicrm {__version__}"
