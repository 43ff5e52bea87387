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
    "add_company": "minicrm.companies",
    "edit_company": "minicrm.companies",
    "get_company": "minicrm.companies",
    "list_companies": "minicrm.companies",
    "remove_company": "minicrm.companies",
    "ContactChanges": "minicrm.contacts",
    "change_tags": "minicrm.contacts",
    "add_contact": "minicrm.contacts",
    "get_contact": "minicrm.contacts",
    "list_contacts": "minicrm.contacts",
    "remove_contact": "minicrm.contacts",
    "set_archived": "minicrm.contacts",
    "tag_contacts": "minicrm.contacts",
    "update_contact": "minicrm.contacts",
    "Ambiguous": "minicrm.errors",
    "Conflict": "minicrm.errors",
    "DatabaseBusy": "minicrm.errors",
    "DatabaseError": "minicrm.errors",
    "InvalidInput": "minicrm.errors",
    "MinicrmError": "minicrm.errors",
    "NotFound": "minicrm.errors",
    "list_changesets": "minicrm.history",
    "redo": "minicrm.history",
    "undo": "minicrm.history",
    "Company": "minicrm.models",
    "CompanyRef": "minicrm.models",
    "Contact": "minicrm.models",
    "Labelled": "minicrm.models",
    "resolve_db_path": "minicrm.paths",
    "Store": "minicrm.store.db",
    "memory_store": "minicrm.store.db",
    "open_store": "minicrm.store.db",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value
    try:  # a submodule: minicrm.interactions, minicrm.followups, ...
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError:
        raise AttributeError(f"module 'minicrm' has no attribute {name!r}") from None


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


def version_line() -> str:
    return f"minicrm {__version__}"
