"""Issue 13.7: file names in an exported vdir are collision-free; a collision is an error
naming both contacts, never an overwrite."""

from __future__ import annotations

import hashlib

import pytest

from minicrm.core.errors import Conflict
from minicrm.interchange import exports


def _cards(*uids: str) -> str:
    return "".join(
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:Person {n}\r\nEND:VCARD\r\n"
        for n, uid in enumerate(uids, start=1)
    )


def test_a_uid_equal_to_another_contacts_hashed_name_gets_a_file_of_its_own(run, tmp_path):
    hashed = hashlib.sha256(b"../x").hexdigest()[:32]
    run("import", "-", "-f", "vcard", input=_cards("../x", hashed))
    folder = tmp_path / "vdir"
    result = run("export", "-f", "vcard", "--vdir", str(folder))
    assert "Wrote 2 vCard files" in result.stderr
    files = sorted(folder.iterdir())
    assert len(files) == 2
    uids = sorted(
        next(line for line in f.read_text().splitlines() if line.startswith("UID")) for f in files
    )
    assert uids == sorted([f"UID;VALUE=text:{hashed}", "UID;VALUE=text:../x"])


def test_names_are_a_function_of_the_uid_and_never_equal_for_two_uids():
    hashed = hashlib.sha256(b"../x").hexdigest()[:32]
    assert exports.vdir_name("../x") != exports.vdir_name(hashed)
    assert exports.vdir_name("abc-123") == "abc-123.vcf"  # plain uids keep their name
    assert exports.vdir_name("ABCDEF0123456789ABCDEF0123456789") == (
        "ABCDEF0123456789ABCDEF0123456789.vcf"
    )


def test_a_collision_is_an_error_naming_both_contacts_and_writes_nothing(run, tmp_path):
    # two uids that differ only in case are one file on a case-insensitive disk
    run("import", "-", "-f", "vcard", input=_cards("Same-Uid", "same-uid"))
    folder = tmp_path / "vdir"
    err = run("export", "-f", "vcard", "--vdir", str(folder), code=2).stderr
    assert "#1 Person 1" in err and "#2 Person 2" in err and "same-uid.vcf" in err.lower()
    assert not folder.exists() or list(folder.iterdir()) == []


def test_write_vdir_refuses_a_collision_before_writing(tmp_path, store):
    import minicrm

    with store.transaction():
        a = minicrm.add_contact(store, "Ann")
        b = minicrm.add_contact(store, "Bob")
    from dataclasses import replace

    clash = [a, replace(b, uid=a.uid.upper())]
    with pytest.raises(Conflict, match="#1 Ann"):
        exports.write_vdir(tmp_path / "v", clash)
    assert list((tmp_path / "v").glob("*.vcf")) == []
