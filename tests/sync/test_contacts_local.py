"""`minicrm sync contacts` on a plain folder: merges, archiving, the vCard forms, the
no-change path, the lock, the options."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from minicrm.sync import vdir

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


def sync(run, folder: Path, *args: str) -> dict:
    return json.loads(run("sync", "contacts", str(folder), "--json", *args).stdout)


def cards(folder: Path) -> dict[str, str]:
    return {p.name: p.read_bytes().decode("utf-8") for p in sorted(folder.glob("*.vcf"))}


def by_name(folder: Path, name: str) -> tuple[str, str]:
    found = [(n, t) for n, t in cards(folder).items() if f"FN:{name}\r\n" in t]
    assert len(found) == 1
    return found[0]


def test_a_merged_contact_loses_its_file_and_the_survivor_gets_its_values(
    run, tmp_path, contact_factory
):
    folder = tmp_path / "v"
    contact_factory("Ann Example", "-e", "ann@example.org")
    contact_factory("Ann Example2", "-e", "ann@work.example", "--title", "CTO")
    sync(run, folder)
    run("merge", "Ann Example", "Ann Example2", "--yes")
    report = sync(run, folder)
    assert report["vdir"] == {"created": 0, "updated": 1, "deleted": 1}
    ((_, text),) = cards(folder).items()
    assert "ann@work.example" in text and "TITLE:CTO" in text


def test_archived_contacts_leave_the_folder_and_come_back_when_unarchived(
    run, tmp_path, contact_factory
):
    folder = tmp_path / "v"
    contact_factory("Ann Example")
    contact_factory("Bob Example")
    sync(run, folder)
    run("archive", "Ann")
    assert sync(run, folder)["vdir"]["deleted"] == 1
    assert len(cards(folder)) == 1
    run("unarchive", "Ann")
    assert sync(run, folder)["vdir"]["created"] == 1
    assert len(cards(folder)) == 2


def test_a_no_change_sync_reads_no_file_and_no_contact(run, tmp_path, contact_factory, monkeypatch):
    folder = tmp_path / "v"
    for n in range(5):
        contact_factory(f"Person {n}", "-e", f"p{n}@example.org")
    sync(run, folder)
    run("log", "Person 1", "call", "Talked")  # touches the contact, not its card

    def no_reading(*args, **kwargs):
        raise AssertionError("a file was read")

    monkeypatch.setattr(vdir, "read_item", no_reading)
    report = sync(run, folder)
    assert report["changes"] == [] and report["files_read"] == 0
    assert report["records_read"] == 1  # the one the history names, compared, unchanged
    again = sync(run, folder)
    assert again["records_read"] == 0


def test_a_touched_or_reordered_file_is_not_a_change(run, tmp_path, contact_factory):
    folder = tmp_path / "v"
    contact_factory("Ann Example", "-e", "ann@example.org", "--title", "CTO")
    sync(run, folder)
    name, text = by_name(folder, "Ann Example")
    lines = text.split("\r\n")
    body = lines[2:-2]
    body.reverse()
    (folder / name).write_text("\n".join([*lines[:2], *body, "END:VCARD"]) + "\n")
    report = sync(run, folder)
    assert report["changes"] == [] and report["files_read"] == 1
    assert sync(run, folder)["files_read"] == 0  # the new etag is remembered


def test_vcard_4_keeps_the_uid_and_writes_a_photo_radicale_keeps(run, tmp_path, radicale):
    folder = tmp_path / "v"
    folder.mkdir()
    (folder / "a.vcf").write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:urn:uuid:5f1c1a7e-0000-4000-8000-000000000001\r\n"
        f"FN:Ann Example\r\nPHOTO;ENCODING=b;TYPE=PNG:{PNG}\r\nEND:VCARD\r\n"
    )
    sync(run, folder)
    run("edit", "Ann", "--title", "CTO")
    sync(run, folder, "--vcard-version", "4.0")
    text = cards(folder)["a.vcf"]
    assert "VERSION:4.0" in text and "UID:urn:uuid:5f1c1a7e-0000-4000-8000-000000000001\r\n" in text
    assert "data:image" not in text  # a 4.0 data: URI is destroyed by vobject's parser
    radicale.create_addressbook("book")
    status, _h, _b = radicale.put("book", "a.vcf", text)
    assert status == 201
    _status, _h, back = radicale.get("book", "a.vcf")
    assert PNG in re.sub(r"\r\n[ \t]", "", back)


def test_khards_rewritten_labels_read_as_plain_labels(run, tmp_path):
    folder = tmp_path / "v"
    folder.mkdir()
    (folder / "k.vcf").write_text(  # a card after `khard edit` (docs/interop.md)
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:k1\r\nFN:Kay Example\r\nN:Example;Kay;;;\r\n"
        "itememail1.EMAIL;TYPE=X-_$!<Other>!$_,INTERNET,pref:kay@example.org\r\n"
        "itememail1.X-ABLABEL:_$!<Other>!$_\r\n"
        "itemtel1.TEL;TYPE=X-Assistant:+1 555 0100\r\nX-KIND:individual\r\nEND:VCARD\r\n"
    )
    sync(run, folder)
    kay = json.loads(run("show", "Kay", "--json").stdout)
    assert kay["emails"] == [{"label": "other", "value": "kay@example.org"}]
    assert kay["phones"] == [{"label": "assistant", "value": "+1 555 0100"}]
    assert "X-KIND:individual" in kay["vcard_properties"]


def test_a_second_sync_of_a_folder_waits_for_none(run, tmp_path):
    folder = tmp_path / "v"
    folder.mkdir()
    with vdir.FolderLock(folder):
        result = run("sync", "contacts", str(folder), code=5)
    assert "another sync of" in result.stderr and "is running" in result.stderr


def test_the_folder_can_win_from_the_command_line(run, tmp_path, contact_factory):
    folder = tmp_path / "v"
    contact_factory("Ann Example", "--title", "CTO")
    sync(run, folder)
    name, text = by_name(folder, "Ann Example")
    (folder / name).write_text(text.replace("TITLE:CTO", "TITLE:CEO"))
    run("edit", "Ann", "--title", "Founder")
    report = sync(run, folder, "--winner", "vdir")
    assert report["conflicts"][0]["winner"] == "vdir"
    ann = json.loads(run("show", "Ann", "--json").stdout)
    assert ann["title"] == "CEO" and "minicrm had title: Founder" in ann["notes"]


@pytest.mark.parametrize("bad", ["--winner phone", "--vcard-version 2.1"])
def test_bad_options_are_one_line(run, tmp_path, bad):
    result = run("sync", "contacts", str(tmp_path / "v"), *bad.split(), code=2)
    assert "Traceback" not in result.stderr


def test_a_dry_run_writes_nothing_and_creates_no_folder(run, tmp_path, contact_factory):
    contact_factory("Ann Example")
    report = sync(run, tmp_path / "v", "--dry-run")
    assert report["dry_run"] and report["vdir"]["created"] == 1
    assert not (tmp_path / "v").exists()
    text = run("sync", "contacts", str(tmp_path / "v"), "--dry-run").stdout
    assert "would be created in the folder" in text and "dry run: nothing written" in text


def test_a_phones_category_with_a_space_syncs_as_a_tag_and_stays_on_the_phone(run, tmp_path):
    folder = tmp_path / "v"
    folder.mkdir()
    (folder / "a.vcf").write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:a1\r\nFN:Ann Lee\r\nN:Lee;Ann;;;\r\n"
        "CATEGORIES:Book Club,Family & Friends\r\nEND:VCARD\r\n"
    )
    report = sync(run, folder)
    assert report["minicrm"]["created"] == 1, report
    ann = json.loads(run("show", "Ann", "--json").stdout)
    assert ann["tags"] == ["book-club", "family-friends"]
    assert "labels" not in ann["custom"]  # the card keeps them as written
    sync(run, folder)  # nothing changed: the phone's labels are not rewritten
    assert "CATEGORIES:Book Club,Family & Friends\r\n" in cards(folder)["a.vcf"]
    run("edit", "Ann", "--title", "Chair")  # another change keeps the line too
    sync(run, folder)
    text = cards(folder)["a.vcf"]
    assert "TITLE:Chair" in text and "CATEGORIES:Book Club,Family & Friends\r\n" in text
