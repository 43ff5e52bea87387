"""khard 0.22, as measured for docs/interop.md ("khard"): what it reads from a card (the
birthday forms, Apple's labels) and what `khard new` and `khard edit` write."""

from __future__ import annotations

import base64
import re
from pathlib import Path

from clients import Device, vcard

PNG = base64.b64encode(bytes(range(256))).decode()

BIRTHDAYS = {  # key: (vCard version, BDAY line, what `khard birthdays` shows)
    "a": ("3.0", "BDAY:--0412", "--04-12"),
    "b": ("3.0", "BDAY;X-APPLE-OMIT-YEAR=1604:1604-04-12", "1604-04-12"),
    "c": ("3.0", "BDAY;VALUE=text:April 12", "April 12"),
    "d": ("3.0", "BDAY:1980-04-12", "1980-04-12"),
    "e": ("3.0", "BDAY:19800412", "1980-04-12"),
    "f": ("4.0", "BDAY:--0412", "--04-12"),
    "g": ("4.0", "BDAY;VALUE=text:April 12", "April 12"),
    "h": ("3.0", "BDAY:--04-12", "--04-12"),
}


def editor(device: Device, script: str) -> Path:
    """An $EDITOR for khard: a shell script run on the file khard opens."""
    path = device.root / "editor.sh"
    path.write_text("#!/bin/sh\n" + script + "\n", encoding="utf-8")
    path.chmod(0o755)
    device.khard_options["general"] = {"editor": str(path)}
    return path


def test_how_khard_shows_each_birthday_form(laptop: Device):
    laptop.add("contacts", "carddav")
    for key, (version, line, _) in BIRTHDAYS.items():
        laptop.write_item(
            "contacts",
            f"{key}.vcf",
            vcard(f"bday-{key}", f"Form {key.upper()}", line, version=version),
        )
    shown = {}
    for row in laptop.khard("birthdays").stdout.splitlines()[1:]:
        name, date = re.split(r"\s{2,}", row.strip())
        shown[name[-1].lower()] = date
    assert shown == {key: expected for key, (_, _, expected) in BIRTHDAYS.items()}
    # X-APPLE-OMIT-YEAR is not read: the placeholder year shows as a year
    assert "Birthday: 1604-04-12" in laptop.khard("show", "bday-b").stdout


def test_khard_new_writes_n_and_fn_sorted_with_a_random_uid_and_refuses_a_3_0_yearless_birthday(
    laptop: Device,
):
    laptop.add("contacts", "carddav")
    person = (
        "First name : Zoë\nLast name : Čapek\nPhone :\n    cell : +49 30 1234\n"
        "Email :\n    work : zoe@example.org\n"
    )
    refused = laptop.khard(
        "new",
        "-a",
        "contacts",
        "--vcard-version",
        "3.0",
        input=person + "Birthday : --04-12\n",
        check=False,
    )
    assert refused.returncode == 1
    assert "--mm-dd and --mmdd only usable with vcard version 4.0" in refused.stderr
    no_name = laptop.khard("new", "-a", "contacts", input="Formatted name : Only FN\n", check=False)
    assert no_name.returncode == 1
    assert "You must either enter a name or an organisation" in no_name.stderr
    assert laptop.items("contacts") == {}

    laptop.khard("new", "-a", "contacts", "--vcard-version", "3.0", input=person)
    laptop.khard(
        "new", "-a", "contacts", "--vcard-version", "4.0", input=person.replace("Zoë", "Zoe")
    )
    cards = {
        re.search(r"^VERSION:(.*)\r$", t, re.M)[1]: (n, t)
        for n, t in laptop.items("contacts").items()
    }
    for version, (name, text) in cards.items():
        uid = re.search(r"^UID:(.*)\r$", text, re.M)[1]
        assert re.fullmatch(r"[a-z0-9]{36}", uid)
        assert name == f"{uid}.vcf"
        assert text.count("\r\n") == text.count("\n")  # CRLF line endings
        names = [line.split(":")[0].split(";")[0] for line in text.splitlines()]
        assert names == ["BEGIN", "VERSION", "UID", "EMAIL", "FN", "N", "REV", "TEL", "END"], (
            version
        )
    assert "\r\nN:Čapek;Zoë;;;\r\n" in cards["3.0"][1]
    assert "\r\nTEL;TYPE=cell:+49 30 1234\r\n" in cards["3.0"][1]
    assert "\r\nTEL;TYPE=cell;VALUE=uri:tel:+49 30 1234\r\n" in cards["4.0"][1]
    assert "KIND" not in cards["3.0"][1] + cards["4.0"][1]


def test_khard_edit_rewrites_apple_groups_drops_omit_year_and_adds_x_kind(laptop: Device):
    laptop.add("contacts", "carddav")
    laptop.write_item(
        "contacts",
        "apple.vcf",
        vcard(
            "3F2A9C1E-7B55:ABPerson",
            "Ann Apple",
            "N:Apple;Ann;;;",
            "TITLE:CEO",
            "item1.EMAIL;type=INTERNET;type=pref:ann@example.org",
            "item1.X-ABLabel:_$!<Other>!$_",
            "item2.TEL:+1 555 0100",
            "item2.X-ABLabel:Assistant",
            f"PHOTO;ENCODING=b;TYPE=PNG:{PNG}",
            "X-MINICRM-STAGE:lead",
            "X-CUSTOM;X-P=1:keep me",
            "BDAY;X-APPLE-OMIT-YEAR=1604:1604-04-12",
            "PRODID:-//Apple Inc.//iPhone OS 17.0//EN",
            "REV:2026-11-01T10:00:00Z",
        ),
    )
    shown = laptop.khard("show", "uid:3F2A9C1E-7B55:ABPerson").stdout
    assert "_$!<Other>!$_, INTERNET, pref: ann@example.org" in shown  # raw Apple label
    assert "Assistant: +1 555 0100" in shown  # a custom label reads as the type

    editor(laptop, "sed -i 's/^Title *:.*/Title : CTO/' \"$1\"")
    laptop.khard("edit", "--format", "yaml", "uid:3F2A9C1E-7B55:ABPerson")
    [(name, text)] = laptop.items("contacts").items()
    lines = text.splitlines()
    assert name == "apple.vcf"  # the file keeps its name, the card its UID and PRODID
    assert "UID:3F2A9C1E-7B55:ABPerson" in lines
    assert "PRODID:-//Apple Inc.//iPhone OS 17.0//EN" in lines
    assert "TITLE:CTO" in lines
    assert "itememail1.EMAIL;TYPE=X-_$!<Other>!$_,INTERNET,pref:ann@example.org" in lines
    assert "itememail1.X-ABLABEL:_$!<Other>!$_" in lines
    assert "itemtel1.TEL;TYPE=X-Assistant:+1 555 0100" in lines
    assert "itemtel1.X-ABLABEL:Assistant" in lines
    assert "BDAY:1604-04-12" in lines  # the omit-year marker is gone: 1604 is a year now
    assert "X-KIND:individual" in lines
    assert {
        "X-MINICRM-STAGE:lead",
        "X-CUSTOM;X-P=1:keep me",
        f"PHOTO;ENCODING=b;TYPE=PNG:{PNG}",
    } <= set(lines)
    assert not any(line.startswith("REV:2026-11-01") for line in lines)


def test_khard_edit_destroys_a_vcard_4_data_uri_photo(laptop: Device):
    laptop.add("contacts", "carddav")
    uid = "urn:uuid:4b4e28ba-2fa1-11d2-883f-0016d3cca427"
    laptop.write_item(
        "contacts",
        "four.vcf",
        vcard(
            uid,
            "Four Photo",
            "N:Photo;Four;;;",
            "TITLE:CEO",
            f"PHOTO:data:image/png;base64,{PNG}",
            version="4.0",
        ),
    )
    editor(laptop, "sed -i 's/^Title *:.*/Title : CTO/' \"$1\"")
    laptop.khard("edit", "--format", "yaml", f"uid:{uid}")
    text = laptop.items("contacts")["four.vcf"]
    assert "\r\nPHOTO:data:image/png\\;base64\r\n" in text
    assert PNG[:40] not in text
    assert f"\r\nUID:{uid}\r\n" in text  # urn:uuid: kept as it was
    assert "\r\nKIND:individual\r\n" in text


def test_khard_edit_without_a_change_leaves_the_file_alone(laptop: Device):
    laptop.add("contacts", "carddav")
    path = laptop.write_item("contacts", "x.vcf", vcard("x-1", "Ann X", "TITLE:CEO"))
    before = path.stat()
    editor(laptop, "true")
    assert "Nothing changed" in laptop.khard("edit", "--format", "yaml", "uid:x-1").stdout
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
