"""vdirsyncer 0.21, as measured for docs/interop.md ("vdirsyncer"): each test is one fact
the sync work relies on, shown by running the real program. If an upgrade changes one,
the test says which, and docs/interop.md is to be corrected with it."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import stat

from clients import Device, RadicaleAccount, vcard

UUID_NAME = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.vcf")


def uid_of(text: str) -> str:
    return next(line[4:] for line in text.splitlines() if line.startswith("UID:"))


def status_rows(device: Device, collection: str) -> list[sqlite3.Row]:
    path = device.status / device.pair_name(collection) / f"{collection}.items"
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    try:
        return db.execute("SELECT * FROM status ORDER BY ident").fetchall()
    finally:
        db.close()


def test_the_filesystem_etag_is_mtime_ns_formatted_as_a_float_and_the_inode(
    radicale: RadicaleAccount, laptop: Device, phone: Device
):
    laptop.add("contacts", "carddav")
    phone.add("contacts", "carddav")
    for i in range(5):
        laptop.write_item("contacts", f"c{i}.vcf", vcard(f"c{i}", f"Person {i}"))
    laptop.sync()
    phone.sync()

    rows = status_rows(phone, "contacts")
    assert len(rows) == 5
    for row in rows:
        st = os.stat(phone.vdir("contacts") / row["href_a"])
        # exactly utils.get_etag_from_file: an int formatted with :.9f goes through float,
        # so the digits are st_mtime_ns rounded to a double (steps of 256 ns today)
        assert row["etag_a"] == f"{st.st_mtime_ns:.9f};{st.st_ino}"
        assert row["etag_a"] == f"{float(st.st_mtime_ns):.9f};{st.st_ino}"
        assert row["etag_a"].endswith(f".000000000;{st.st_ino}")
        # the server side keeps the server's ETag (quoted sha256 from Radicale)
        assert re.fullmatch(r'"[0-9a-f]{64}"', row["etag_b"])
        assert row["hash_a"] == row["hash_b"]


def test_only_a_content_change_is_uploaded_not_a_touch_a_reorder_or_rev(
    radicale: RadicaleAccount, laptop: Device
):
    laptop.add("contacts", "carddav")
    card = vcard("ann", "Ann A", "N:A;Ann;;;", "TITLE:CEO", "EMAIL:ann@example.org")
    path = laptop.write_item("contacts", "ann.vcf", card)
    laptop.sync()
    before = radicale.stored("contacts")["ann.vcf"]

    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # etag changes
    assert "Copying" not in laptop.sync().stderr
    lines = card.splitlines()
    reordered = [lines[0], *reversed(lines[1:-1]), lines[-1]]
    laptop.write_item("contacts", "ann.vcf", "\r\n".join(reordered) + "\r\n")
    assert "Copying" not in laptop.sync().stderr
    ignored = ["REV:20261201T000000Z", "PRODID:-//Other//EN", "X-RADICALE-NAME:x.vcf"]
    laptop.write_item(
        "contacts", "ann.vcf", card.replace("END:VCARD", "\r\n".join(ignored) + "\r\nEND:VCARD")
    )
    assert "Copying" not in laptop.sync().stderr
    assert radicale.stored("contacts")["ann.vcf"] == before

    laptop.write_item("contacts", "ann.vcf", card.replace("CEO", "CTO"))
    assert "Copying (updating) item ann" in laptop.sync().stderr
    assert "TITLE:CTO" in radicale.stored("contacts")["ann.vcf"]


def test_items_from_the_server_are_named_by_uid_only_when_it_is_safe(
    radicale: RadicaleAccount, phone: Device
):
    uids = {
        "safe": "a+b_c.d-E9",
        "colon": "urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427",
        "slash": "a/b",
        "at": "abc@example.com",
        "space": "with space",
        "nonascii": "zoë-1",
        "ios": "3F2A9C1E-7B55-4B8E-9D77-0C2A1B9E4F10:ABPerson",
    }
    radicale.create_addressbook("contacts")
    for key, uid in uids.items():
        status, _, _ = radicale.put("contacts", f"{key}.vcf", vcard(uid, f"Person {key}"))
        assert status == 201
    phone.add("contacts", "carddav")
    phone.sync()

    names = {uid_of(text): name for name, text in phone.items("contacts").items()}
    assert names.pop(uids.pop("safe")) == "a+b_c.d-E9.vcf"  # [A-Za-z0-9_.+-] only
    assert set(names) == set(uids.values())
    for name in names.values():
        assert UUID_NAME.fullmatch(name), name  # a random uuid4, nothing of the UID
    # vdirsyncer remembers the server's own hrefs, whatever it named the files
    hrefs = {row["href_b"] for row in status_rows(phone, "contacts")}
    assert hrefs == {f"/{radicale.user}/contacts/{k}.vcf" for k in [*uids, "safe"]}


def test_a_local_file_keeps_its_name_and_the_server_gets_a_random_one_for_an_unsafe_uid(
    radicale: RadicaleAccount, laptop: Device, phone: Device
):
    laptop.add("contacts", "carddav")
    phone.add("contacts", "carddav")
    laptop.write_item("contacts", "my-own-name.vcf", vcard("3F2A:ABPerson", "Ios Person"))
    laptop.write_item("contacts", "other-name.vcf", vcard("plain-1", "Plain Person"))
    laptop.sync()
    phone.sync()

    assert sorted(laptop.items("contacts")) == ["my-own-name.vcf", "other-name.vcf"]
    on_server = sorted(radicale.stored("contacts"))
    assert "plain-1.vcf" in on_server
    [random_href] = [n for n in on_server if n != "plain-1.vcf"]
    assert UUID_NAME.fullmatch(random_href)
    on_phone = sorted(phone.items("contacts"))
    assert "plain-1.vcf" in on_phone
    [phone_name] = [n for n in on_phone if n != "plain-1.vcf"]
    assert UUID_NAME.fullmatch(phone_name)
    assert phone_name != random_href  # three names for one card, linked by UID only


def test_two_files_with_one_uid_stop_the_whole_collection(
    radicale: RadicaleAccount, laptop: Device
):
    laptop.add("contacts", "carddav")
    laptop.write_item("contacts", "a.vcf", vcard("dup-1", "Ann A"))
    laptop.sync()
    laptop.write_item("contacts", "a-copy.vcf", vcard("dup-1", "Ann A (copy)"))
    laptop.write_item("contacts", "new.vcf", vcard("new-1", "Someone New"))

    ran = laptop.sync(check=False)
    assert ran.returncode == 1
    assert "contains multiple items with the same UID or even content" in ran.stderr
    assert "vdirsyncer repair laptop_contacts_local/contacts" in ran.stderr
    assert "'a-copy.vcf'" in ran.stderr and "'a.vcf'" in ran.stderr
    assert sorted(radicale.stored("contacts")) == ["dup-1.vcf"]  # new-1 was not uploaded


def test_an_emptied_side_is_refused_unless_force_delete(radicale: RadicaleAccount, laptop: Device):
    laptop.add("contacts", "carddav")
    for i in range(3):
        laptop.write_item("contacts", f"c{i}.vcf", vcard(f"c{i}", f"Person {i}"))
    laptop.sync()
    for name in laptop.items("contacts"):
        os.remove(laptop.vdir("contacts") / name)

    ran = laptop.sync(check=False)
    assert ran.returncode == 1
    assert 'Storage "laptop_contacts_local/contacts" was completely emptied' in ran.stderr
    assert "--force-delete" in ran.stderr
    assert len(radicale.stored("contacts")) == 3
    # one file left is enough to delete all the others
    laptop.write_item("contacts", "c0.vcf", vcard("c0", "Person 0"))
    laptop.sync()
    assert sorted(radicale.stored("contacts")) == ["c0.vcf"]

    os.remove(laptop.vdir("contacts") / "c0.vcf")
    assert laptop.sync(force_delete=True).returncode == 0
    assert radicale.stored("contacts") == {}


def test_a_conflict_fails_the_sync_and_changes_nothing_unless_a_side_is_told_to_win(
    radicale: RadicaleAccount, laptop: Device, phone: Device
):
    laptop.add("contacts", "carddav")
    phone.add("contacts", "carddav")
    laptop.write_item("contacts", "ann.vcf", vcard("ann", "Ann A", "TITLE:CEO"))
    laptop.sync()
    phone.sync()
    laptop.write_item("contacts", "ann.vcf", vcard("ann", "Ann A", "TITLE:CTO"))
    phone.write_item("contacts", "ann.vcf", vcard("ann", "Ann A", "TITLE:COO"))
    laptop.sync()

    for _ in range(2):  # every sync, until resolved
        ran = phone.sync(check=False)
        assert ran.returncode == 1
        assert "One item changed on both sides" in ran.stderr
        assert "Item ID: ann" in ran.stderr
        assert "TITLE:COO" in phone.items("contacts")["ann.vcf"]
        assert "TITLE:CTO" in radicale.stored("contacts")["ann.vcf"]

    phone.add("contacts", "carddav", conflict_resolution="a wins")  # a = the local vdir
    phone.sync()
    assert "TITLE:COO" in radicale.stored("contacts")["ann.vcf"]

    # ["command", PROGRAM]: PROGRAM A_FILE B_FILE must leave both files equal
    merge = phone.root / "merge.sh"
    merge.write_text('#!/bin/sh\nsed -i "s/^TITLE:.*/TITLE:Merged/" "$1"\ncp "$1" "$2"\n')
    merge.chmod(0o755)
    phone.add("contacts", "carddav", conflict_resolution=["command", str(merge)])
    laptop.sync()
    laptop.write_item("contacts", "ann.vcf", vcard("ann", "Ann A", "TITLE:CFO"))
    phone.write_item("contacts", "ann.vcf", vcard("ann", "Ann A", "TITLE:CIO"))
    laptop.sync()
    phone.sync()
    assert "TITLE:Merged" in radicale.stored("contacts")["ann.vcf"]
    assert "TITLE:Merged" in phone.items("contacts")["ann.vcf"]


def test_files_are_written_private_through_a_temporary_file(
    radicale: RadicaleAccount, laptop: Device, phone: Device
):
    laptop.add("contacts", "carddav")
    phone.add("contacts", "carddav")
    laptop.write_item("contacts", "ann.vcf", vcard("ann", "Ann A"))
    laptop.sync()
    phone.sync()
    path = phone.vdir("contacts") / "ann.vcf"
    first = path.stat()
    assert stat.S_IMODE(first.st_mode) == 0o600  # tempfile.mkstemp's mode, kept
    laptop.write_item("contacts", "ann.vcf", vcard("ann", "Ann B"))
    laptop.sync()
    phone.sync()
    # an update is a new file renamed over the old one (utils.atomic_write)
    assert path.stat().st_ino != first.st_ino
    assert [p.name for p in phone.vdir("contacts").iterdir()] == ["ann.vcf"]


def test_items_downloaded_over_dav_have_lf_line_endings(
    radicale: RadicaleAccount, laptop: Device, phone: Device
):
    laptop.add("contacts", "carddav")
    phone.add("contacts", "carddav")
    laptop.write_item("contacts", "ann.vcf", vcard("ann", "Ann A"))
    laptop.sync()
    phone.sync()
    assert "\r\n" in radicale.stored("contacts")["ann.vcf"]
    assert "\r" not in phone.items("contacts")["ann.vcf"]  # XML normalises CRLF


def test_the_status_path_holds_one_sqlite_file_per_collection(
    radicale: RadicaleAccount, laptop: Device
):
    laptop.add("contacts", "carddav")
    laptop.write_item("contacts", "ann.vcf", vcard("ann", "Ann A"))
    laptop.sync()

    files = sorted(p.relative_to(laptop.status).as_posix() for p in laptop.status.rglob("*"))
    assert files == [
        "laptop_contacts",
        "laptop_contacts.collections",
        "laptop_contacts/contacts.items",
    ]
    collections = json.loads((laptop.status / "laptop_contacts.collections").read_text())
    assert collections["collections"][0][0] == "contacts"
    db = sqlite3.connect(laptop.status / "laptop_contacts" / "contacts.items")
    try:
        columns = [r[1] for r in db.execute("PRAGMA table_info(status)")]
        assert columns == ["ident", "href_a", "href_b", "hash_a", "hash_b", "etag_a", "etag_b"]
    finally:
        db.close()
    [row] = status_rows(laptop, "contacts")
    assert (row["ident"], row["href_a"]) == ("ann", "ann.vcf")
    assert re.fullmatch(r"[0-9a-f]{64}", row["hash_a"])  # sha256 of the normalised item


def test_a_card_without_uid_is_sent_under_its_hash_and_radicale_refuses_it(
    radicale: RadicaleAccount, laptop: Device
):
    laptop.add("contacts", "carddav")
    laptop.write_item(
        "contacts", "nouid.vcf", "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:No Uid\r\nEND:VCARD\r\n"
    )
    ran = laptop.sync(check=False)
    assert ran.returncode == 1
    assert re.search(r"400, message='Bad Request', url='.*/contacts/[0-9a-f]{64}\.vcf'", ran.stderr)
