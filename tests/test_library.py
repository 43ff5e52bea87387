"""The library API, without the CLI: the same functions the commands call."""

from __future__ import annotations

import pytest

import minicrm
from minicrm import ContactChanges


def test_script_drives_contacts_and_companies(db_path):
    store = minicrm.open_store(db_path)
    acme = minicrm.add_company(store, "Acme", domain="https://ACME.io/")
    assert acme.domain == "acme.io"
    jane = minicrm.add_contact(
        store,
        "Jane Doe",
        ContactChanges(
            add={"emails": ["jane@acme.io"]}, fields={"company": "acme"}, add_tags=["vip"]
        ),
    )
    assert isinstance(jane, minicrm.Contact)
    assert jane.company is not None and jane.company.id == acme.id
    assert jane.email == "jane@acme.io"
    assert minicrm.get_contact(store, "jane@ACME.io") == jane
    assert minicrm.get_contact(store, jane.id) == jane
    assert [c.name for c in minicrm.list_contacts(store, tags=["vip"])] == ["Jane Doe"]

    updated, changed = minicrm.update_contact(
        store, "jane", ContactChanges(fields={"title": "CTO"})
    )
    assert changed and updated.title == "CTO"
    _, changed = minicrm.update_contact(store, "jane", ContactChanges(fields={"title": "CTO"}))
    assert not changed

    assert minicrm.get_company(store, "ACME").contact_count == 1
    renamed, _ = minicrm.edit_company(store, "acme", name="Acme Corp")
    assert renamed.name == "Acme Corp"
    _company, unlinked = minicrm.remove_company(store, "acme corp")
    assert unlinked == 1
    assert minicrm.get_contact(store, "jane").company is None

    removed = minicrm.remove_contact(store, "jane")
    assert removed.name == "Jane Doe"
    with pytest.raises(minicrm.NotFound):
        minicrm.get_contact(store, "jane")
    store.close()


def test_memory_store_for_scripts():
    store = minicrm.memory_store()
    minicrm.add_contact(store, "Ann")
    assert [c.name for c in minicrm.list_contacts(store)] == ["Ann"]


def test_company_names_are_unique_case_insensitively():
    store = minicrm.memory_store()
    minicrm.add_company(store, "Acme")
    with pytest.raises(minicrm.Conflict):
        minicrm.add_company(store, "ACME")
    minicrm.add_company(store, "Initech")
    with pytest.raises(minicrm.Conflict):
        minicrm.edit_company(store, "initech", name="acme")


def test_ids_are_never_reused():
    store = minicrm.memory_store()
    first = minicrm.add_contact(store, "Ann")
    minicrm.remove_contact(store, first.id)
    assert minicrm.add_contact(store, "Bob").id == first.id + 1


def test_errors_carry_exit_codes():
    store = minicrm.memory_store()
    minicrm.add_contact(store, "Jane Doe")
    minicrm.add_contact(store, "Jane Roe")
    with pytest.raises(minicrm.Ambiguous) as info:
        minicrm.get_contact(store, "jane")
    assert info.value.exit_code == 4
    assert [cid for cid, _ in info.value.candidates] == [1, 2]
    with pytest.raises(minicrm.NotFound) as missing:
        minicrm.get_contact(store, "#7")
    assert missing.value.exit_code == 3
    with pytest.raises(minicrm.InvalidInput) as bad:
        minicrm.add_contact(store, " ")
    assert bad.value.exit_code == 2


def test_config_file_sets_stages(tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text('[contacts]\nstages = ["Cold", "Warm"]\n')
    store = minicrm.memory_store()
    assert minicrm.add_contact(store, "A", ContactChanges(fields={"stage": "warm"})).stage == "warm"
    with pytest.raises(minicrm.InvalidInput, match="cold, warm"):
        minicrm.add_contact(store, "B", ContactChanges(fields={"stage": "lead"}))
    config.write_text("[contacts\n")
    with pytest.raises(minicrm.InvalidInput, match="not valid TOML"):
        minicrm.add_contact(store, "C", ContactChanges(fields={"stage": "warm"}))
