"""minicrm: a local-first personal CRM in one SQLite file.

The CLI is a thin layer over these functions; a script can call them directly::

    import minicrm
    store = minicrm.open_store("crm.db")
    jane = minicrm.add_contact(store, "Jane Doe", minicrm.ContactChanges(
        add={"emails": ["jane@acme.io"]}, fields={"company": "Acme"}, add_tags=["vip"]))
    minicrm.list_contacts(store, tags=["vip"])
"""

from minicrm.companies import add_company, edit_company, get_company, list_companies, remove_company
from minicrm.contacts import (
    ContactChanges,
    add_contact,
    get_contact,
    list_contacts,
    remove_contact,
    set_archived,
    tag_contacts,
    update_contact,
)
from minicrm.errors import (
    Ambiguous,
    Conflict,
    DatabaseBusy,
    DatabaseError,
    InvalidInput,
    MinicrmError,
    NotFound,
)
from minicrm.models import Company, CompanyRef, Contact, Labelled
from minicrm.paths import resolve_db_path
from minicrm.store.db import Store, memory_store, open_store

__version__ = "0.1.0"

__all__ = [
    "Ambiguous",
    "Company",
    "CompanyRef",
    "Conflict",
    "Contact",
    "ContactChanges",
    "DatabaseBusy",
    "DatabaseError",
    "InvalidInput",
    "Labelled",
    "MinicrmError",
    "NotFound",
    "Store",
    "__version__",
    "add_company",
    "add_contact",
    "edit_company",
    "get_company",
    "get_contact",
    "list_companies",
    "list_contacts",
    "memory_store",
    "open_store",
    "remove_company",
    "remove_contact",
    "resolve_db_path",
    "set_archived",
    "tag_contacts",
    "update_contact",
]
