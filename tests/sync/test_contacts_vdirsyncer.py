"""`minicrm sync contacts` against the real thing: Radicale as the server, vdirsyncer
carrying the laptop's vdir (the one minicrm syncs with) and "the phone" (a second
vdirsyncer with its own folder), cards edited the way phones and khard edit them, and
khard as the judge. After each scenario both sides hold the same data, nothing is
duplicated, and a second run changes nothing. (tests/clients.py starts the programs.)"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import clients
from clients import Device, crlf, minicrm_sync, vcard

COLL = "contacts"


@pytest.fixture
def pair(laptop: Device, phone: Device) -> tuple[Device, Device]:
    laptop.add(COLL, "carddav", conflict_resolution="a wins")
    phone.add(COLL, "carddav", conflict_resolution="a wins")
    return laptop, phone


def sync(run, laptop: Device, *args: str) -> dict:
    return minicrm_sync(run, laptop, *args, kind=COLL)


def round_trip(run, laptop: Device, phone: Device) -> dict:
    return clients.round_trip(run, laptop, phone, kind=COLL)


def in_step(run, laptop: Device, phone: Device) -> None:
    """A second sync changes nothing, both vdirs hold the same cards, one per UID."""
    again = json.loads(run("sync", "contacts", str(laptop.vdir(COLL)), "--json").stdout)
    assert again["changes"] == [] and again["conflicts"] == [] and again["problems"] == []
    laptop.sync()
    phone.sync()
    uids = [uid_of(t) for t in phone.items(COLL).values()]
    assert len(uids) == len(set(uids))
    assert sorted(uids) == sorted(uid_of(t) for t in laptop.items(COLL).values())
    assert len(uids) == len(json.loads(run("ls", "--json").stdout))
    # khard, as a judge, reads minicrm's own folder (lock file and all): one line a card
    listed = laptop.khard("list", "--parsable").stdout.splitlines()
    assert len(listed) == len(uids)


def uid_of(text: str) -> str:
    match = re.search(r"^UID:(.*?)\r?$", text, re.M)
    assert match, text
    return match.group(1)


def card(device: Device, uid: str) -> tuple[str, str]:
    """(file name, text) of the card with this UID."""
    found = [(n, t) for n, t in device.items(COLL).items() if uid_of(t) == uid]
    assert len(found) == 1, (uid, list(device.items(COLL)))
    return found[0]


def edit(device: Device, uid: str, change) -> None:
    """Rewrite the card as phones do: lines changed by ``change`` (a function of the
    list of unfolded lines), the rest reordered, LF line ends, a new REV."""
    name, text = card(device, uid)
    lines = re.sub(r"\r?\n[ \t]", "", text).splitlines()
    body = [ln for ln in lines[2:-1] if not ln.startswith("REV:")]
    body = change(body)
    body.reverse()  # reordered
    out = [lines[0], lines[1], *body, "REV:20261202T100000Z", lines[-1]]
    device.write_item(COLL, name, "\n".join(out) + "\n")


def show(run, ref: str) -> dict:
    return json.loads(run("show", ref, "--json").stdout)


def test_edits_on_each_side_reach_the_other_and_a_second_run_changes_nothing(
    run, pair, contact_factory
):
    laptop, phone = pair
    ann = contact_factory(
        "Ann Example", "-e", "ann@example.org", "-p", "mobile:+1 555 0100", "--title", "CTO",
        "-t", "vip", "--stage", "customer", "--every", "30d", "--birthday", "--04-12",
    )  # fmt: skip
    zoe = contact_factory("Zoë Ünïcode", "--notes", "Grüße\nzweite Zeile, mit Komma; Semikolon")
    run("edit", "Zoë", "--set", "linkedin_id=zoe-u")
    first = sync(run, laptop)
    assert first["vdir"]["created"] == 2
    phone.sync()
    listed = phone.khard("list", "--parsable").stdout
    assert "Ann Example" in listed and "Zoë Ünïcode" in listed
    _, text = card(phone, ann["uid"])
    assert "X-MINICRM-STAGE:customer" in text and "X-MINICRM-CADENCE:30" in text
    assert "BDAY:--0412" in text and "N:Example;Ann;;;" in text
    assert "--04-12" in phone.khard("birthdays").stdout  # year-less, not 1604

    # the phone changes the title, replaces the number, drops the email
    def phone_edit(body: list[str]) -> list[str]:
        body = [ln for ln in body if not ln.startswith("EMAIL")]
        body = [("TITLE:CEO" if ln.startswith("TITLE") else ln) for ln in body]
        return [re.sub(r"^TEL.*", "TEL;TYPE=CELL:+1 555 0199", ln) for ln in body]

    edit(phone, ann["uid"], phone_edit)
    report = round_trip(run, laptop, phone)
    assert report["minicrm"]["updated"] == 1 and report["conflicts"] == []
    now = show(run, f"#{ann['id']}")
    assert now["title"] == "CEO" and now["emails"] == []
    assert now["phones"] == [{"label": "mobile", "value": "+1 555 0199"}]
    assert now["stage"] == "customer" and now["keep_in_touch_days"] == 30
    assert now["birthday"] == "--04-12" and now["tags"] == ["vip"]

    # minicrm changes Zoë; the phone gets it
    run("edit", "Zoë", "--title", "Geschäftsführerin")
    report = sync(run, laptop)
    assert report["vdir"]["updated"] == 1
    phone.sync()
    _, text = card(phone, zoe["uid"])
    assert "TITLE:Geschäftsführerin" in re.sub(r"\r?\n[ \t]", "", text)
    assert show(run, f"#{zoe['id']}")["custom"] == {"linkedin_id": "zoe-u"}
    assert "X-MINICRM-FIELD;X-NAME=linkedin_id:zoe-u" in text
    in_step(run, laptop, phone)


def test_the_same_field_on_both_sides_goes_to_the_winner_and_the_other_is_kept(
    run, pair, contact_factory
):
    laptop, phone = pair
    ann = contact_factory("Ann Example", "--title", "CTO", "-e", "ann@example.org")
    sync(run, laptop)
    phone.sync()
    edit(
        phone,
        ann["uid"],
        lambda b: (
            [("TITLE:Chief" if ln.startswith("TITLE") else ln) for ln in b] + ["NICKNAME:Annie"]
        ),
    )
    phone.sync()
    laptop.sync()
    run("edit", "Ann", "--title", "Founder")
    report = sync(run, laptop)
    assert [(c["field"], c["winner"], c["kept"], c["lost"]) for c in report["conflicts"]] == [
        ("title", "minicrm", "Founder", "Chief")
    ]
    now = show(run, f"#{ann['id']}")
    assert now["title"] == "Founder" and now["nickname"] == "Annie"  # both edits kept
    assert "the folder had title: Chief" in now["notes"]
    phone.sync()
    _, text = card(phone, ann["uid"])
    assert "TITLE:Founder" in text and "NICKNAME:Annie" in text
    in_step(run, laptop, phone)


def test_deletions_go_both_ways_undo_brings_one_back_and_an_emptied_folder_is_refused(
    run, pair, contact_factory
):
    laptop, phone = pair
    people = [contact_factory(f"Person {n}", "-e", f"p{n}@example.org") for n in range(6)]
    sync(run, laptop)
    phone.sync()
    name, _ = card(phone, people[0]["uid"])
    (phone.vdir(COLL) / name).unlink()  # deleted on the phone
    run("rm", "Person 1", "--yes")  # deleted in minicrm
    report = round_trip(run, laptop, phone)
    assert report["minicrm"]["deleted"] == 1 and report["vdir"]["deleted"] == 1
    assert len(phone.items(COLL)) == 4
    run("show", f"#{people[0]['id']}", code=3)
    in_step(run, laptop, phone)

    run("undo")  # the sync that deleted Person 0: it comes back, and onto the phone
    sync(run, laptop)
    phone.sync()
    assert card(phone, people[0]["uid"])
    in_step(run, laptop, phone)

    for path in laptop.vdir(COLL).glob("*.vcf"):  # a failed pull empties the folder
        path.unlink()
    refused = run("sync", "contacts", str(laptop.vdir(COLL)), code=1)
    assert "would delete 5 of the 5 contacts" in refused.stderr
    assert "--force-delete" in refused.stderr
    assert len(json.loads(run("ls", "--json").stdout)) == 5


def test_a_new_contact_on_each_side_and_an_ios_uid_and_a_photo(run, pair, contact_factory):
    laptop, phone = pair
    contact_factory("Laptop Person", "-e", "lap@example.org")
    sync(run, laptop)
    photo = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    ios = "3F2A9C1E-7B6D-4E21-9A3C-2B1D4E5F6A7B:ABPerson"
    phone.sync()
    phone.write_item(
        COLL,
        "new.vcf",
        vcard(
            ios, "Phone Person", "N:Person;Phone;;;", "item1.EMAIL;type=INTERNET:ph@example.org",
            "item1.X-ABLabel:_$!<Other>!$_", "item2.TEL:+1 555 0111", "item2.X-ABLabel:Assistant",
            "BDAY;X-APPLE-OMIT-YEAR=1604:1604-04-12", "X-UNKNOWN;X-P=1:kept as is",
            f"PHOTO;ENCODING=b;TYPE=PNG:{photo}",
        ),
    )  # fmt: skip
    report = round_trip(run, laptop, phone)
    assert report["minicrm"]["created"] == 1
    people = json.loads(run("ls", "--json").stdout)
    assert sorted(p["name"] for p in people) == ["Laptop Person", "Phone Person"]
    new = show(run, "Phone Person")
    assert new["uid"] == ios  # byte for byte
    assert new["emails"] == [{"label": "other", "value": "ph@example.org"}]
    assert new["phones"] == [{"label": "assistant", "value": "+1 555 0111"}]
    assert new["birthday"] == "--04-12" and new["has_photo"]
    assert "X-UNKNOWN;X-P=1:kept as is" in new["vcard_properties"]
    assert len(phone.items(COLL)) == 2 and card(
        phone,
        "Laptop Person"
        and uid_of(
            card(
                laptop,
                people[0]["uid"] if people[0]["name"] == "Laptop Person" else people[1]["uid"],
            )[1]
        ),
    )
    # minicrm changes it: its file keeps its name and UID, the photo survives Radicale
    run("edit", "Phone Person", "--title", "Buyer")
    sync(run, laptop)
    phone.sync()
    name, text = card(phone, ios)
    assert name == "new.vcf"
    assert photo in re.sub(r"\r?\n[ \t]", "", text) and "TITLE:Buyer" in text
    assert phone.khard("list", "--parsable").stdout.count("Phone Person") == 1
    in_step(run, laptop, phone)


def test_the_first_sync_adopts_existing_cards_by_uid_then_by_email(run, laptop, contact_factory):
    laptop.add(COLL, "carddav")
    ann = contact_factory("Ann Example", "-e", "ann@example.org")
    bob = contact_factory("Bob Builder", "-e", "bob@example.org")
    laptop.write_item(COLL, "a.vcf", vcard(ann["uid"], "Ann Example", "EMAIL:ann@example.org"))
    laptop.write_item(COLL, "b.vcf", vcard("other-uid", "Bob Builder", "EMAIL:BOB@example.org"))
    report = json.loads(run("sync", "contacts", str(laptop.vdir(COLL)), "--json").stdout)
    assert report["minicrm"]["linked"] == 2 and report["minicrm"]["created"] == 0
    assert len(json.loads(run("ls", "--json").stdout)) == 2
    assert sorted(laptop.items(COLL)) == ["a.vcf", "b.vcf"]  # no file added beside them
    assert uid_of(laptop.items(COLL)["b.vcf"]) == "other-uid"
    again = json.loads(run("sync", "contacts", str(laptop.vdir(COLL)), "--json").stdout)
    assert again["changes"] == []
    run("edit", "Bob", "--title", "Boss")
    run("sync", "contacts", str(laptop.vdir(COLL)))
    assert (
        "UID:other-uid" in laptop.items(COLL)["b.vcf"]
        and "TITLE:Boss" in laptop.items(COLL)["b.vcf"]
    )
    assert bob["uid"] == show(run, "Bob")["uid"]


def test_a_uid_in_two_files_is_reported_not_merged(run, tmp_path: Path):
    folder = tmp_path / "v"
    folder.mkdir()
    (folder / "one.vcf").write_text(
        crlf("BEGIN:VCARD", "VERSION:3.0", "UID:x", "FN:One", "END:VCARD")
    )
    (folder / "two.vcf").write_text(
        crlf("BEGIN:VCARD", "VERSION:3.0", "UID:x", "FN:Two", "END:VCARD")
    )
    report = json.loads(run("sync", "contacts", str(folder), "--json").stdout)
    assert sorted(p["file"] for p in report["problems"]) == ["one.vcf", "two.vcf"]
    assert json.loads(run("ls", "--json").stdout) == []
