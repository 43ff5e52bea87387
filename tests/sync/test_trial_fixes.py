"""Defects a new-user trial found in `minicrm sync contacts` (plain folders, no server):
structured properties flattened on write-back, the on-sync hook never run, the card's
name shown twice, the dry run's counts worded unlike its items."""

from __future__ import annotations

import json
import os
import re
import stat
import sys
from pathlib import Path

from minicrm.sync.contacts import ContactsKind

RICH = (
    "BEGIN:VCARD\r\n"
    "VERSION:3.0\r\n"
    "UID:rich-1\r\n"
    "FN:Rich Person\r\n"
    "N:Person;Rich;;;\r\n"
    "TEL;TYPE=WORK,VOICE:+1 555 0100\r\n"
    "ADR;TYPE=HOME:;;1 Main St;Springfield;IL;62701;USA\r\n"
    "EMAIL;TYPE=INTERNET:rich@example.org\r\n"
    "END:VCARD\r\n"
)


def sync(run, folder: Path, *args: str) -> dict:
    return json.loads(run("sync", "contacts", str(folder), "--json", *args).stdout)


def only_card(folder: Path) -> str:
    (path,) = sorted(folder.glob("*.vcf"))
    return path.read_bytes().decode("utf-8")


def unfolded(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_an_unchanged_address_and_phone_are_written_back_byte_for_byte(run, tmp_path):
    folder = tmp_path / "v"
    folder.mkdir()
    (folder / "rich-1.vcf").write_bytes(RICH.encode())
    assert sync(run, folder)["minicrm"]["created"] == 1
    run("edit", "Rich", "--title", "Boss")
    report = sync(run, folder)
    assert report["vdir"]["updated"] == 1
    lines = unfolded(only_card(folder))
    assert "TITLE:Boss" in lines
    assert "ADR;TYPE=HOME:;;1 Main St;Springfield;IL;62701;USA" in lines
    assert "TEL;TYPE=WORK,VOICE:+1 555 0100" in lines
    assert "EMAIL;TYPE=INTERNET:rich@example.org" in lines
    # and the next sync finds everything in step
    assert sync(run, folder)["changes"] == []


def test_a_changed_address_keeps_the_components_it_did_not_change(run, tmp_path):
    folder = tmp_path / "v"
    folder.mkdir()
    (folder / "rich-1.vcf").write_bytes(RICH.encode())
    sync(run, folder)
    shown = json.loads(run("show", "Rich", "--json").stdout)
    (address,) = shown["addresses"]
    assert address["value"] == "1 Main St\nSpringfield IL 62701\nUSA"
    run("edit", "Rich", "--rm-address", address["value"])
    run("edit", "Rich", "--add-address", "home:2 Elm St\nSpringfield IL 62701\nUSA")
    sync(run, folder)
    adr = [line for line in unfolded(only_card(folder)) if line.startswith("ADR")]
    assert len(adr) == 1
    assert adr[0].endswith(":;;2 Elm St;Springfield;IL;62701;USA"), adr
    assert sync(run, folder)["changes"] == []


def test_a_new_multi_line_address_is_not_collapsed_into_the_street():
    kind = ContactsKind("3.0")
    base = kind.parse(RICH)
    fields = dict(base.fields)
    fields["addresses"] = [["work", "9 Side Rd\nPortland OR 97201\nUSA"]]
    text = RICH.replace(
        "ADR;TYPE=HOME:;;1 Main St;Springfield;IL;62701;USA",
        "ADR;TYPE=work:;;9 Side Rd\\nPortland OR 97201\\nUSA;;;;",
    )
    item = kind.parse(text)
    out = kind.rebase(item, base)
    assert "ADR;TYPE=work:;;9 Side Rd;Portland;OR;97201;USA" in unfolded(out.text)
    assert kind.parse(out.text).fields == item.fields


def test_show_does_not_repeat_the_name_a_card_gave(run, tmp_path):
    folder = tmp_path / "v"
    folder.mkdir()
    (folder / "rich-1.vcf").write_bytes(RICH.encode())
    sync(run, folder)
    text = run("show", "Rich").stdout
    assert "Rich Person" in text
    assert "Full name" not in text
    run("edit", "Rich", "--given", "Richard")
    assert re.search(r"Full name: +Richard Person", run("show", "Rich").stdout)


def test_the_dry_run_counts_use_the_items_words(run, tmp_path, contact_factory):
    folder = tmp_path / "v"
    contact_factory("Ann Example")
    text = run("sync", "contacts", str(folder), "--dry-run").stdout
    assert "1 would be created in the folder" in text
    assert "changed" not in text.splitlines()[0]
    sync(run, folder)
    run("edit", "Ann", "--title", "CTO")
    text = run("sync", "contacts", str(folder)).stdout
    assert "1 updated in the folder" in text


def _hook(tmp_path: Path) -> Path:
    hooks = tmp_path / "hooks"  # MINICRM_CONFIG is tmp_path / "config.toml"
    hooks.mkdir()
    out = tmp_path / "hook-out.jsonl"
    hook = hooks / "on-sync"
    hook.write_text(
        f"#!{sys.executable}\nimport sys\nopen({str(out)!r}, 'a').write(sys.stdin.read())\n"
    )
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR)
    return out


def test_the_on_sync_hook_runs_after_a_sync_with_its_counts(
    run, tmp_path, contact_factory, monkeypatch
):
    monkeypatch.delenv("MINICRM_NO_HOOKS", raising=False)
    out = _hook(tmp_path)
    folder = tmp_path / "v"
    contact_factory("Ann Example")
    contact_factory("Bob Example")
    run("sync", "contacts", str(folder), "--dry-run")
    assert not out.exists()  # a dry run commits nothing: no hook
    sync(run, folder)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert {r["direction"] for r in rows} == {"to-minicrm", "to-folder"}
    to_folder = next(r for r in rows if r["direction"] == "to-folder")
    assert to_folder == {
        "collection": "contacts",
        "folder": str(folder.absolute()),
        "direction": "to-folder",
        "added": 2,
        "changed": 0,
        "removed": 0,
        "conflicts": 0,
    }
    os.remove(out)
    sync(run, folder)  # nothing changed: no hook
    assert not out.exists()


def test_the_on_sync_hook_runs_once_per_configured_folder(
    run, tmp_path, contact_factory, monkeypatch
):
    monkeypatch.delenv("MINICRM_NO_HOOKS", raising=False)
    out = _hook(tmp_path)
    one, two = tmp_path / "one", tmp_path / "two"
    (tmp_path / "config.toml").write_text(f'[sync]\ncontacts = ["{one}", "{two}"]\n')
    contact_factory("Ann Example")
    run("sync")
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(r["folder"] for r in rows if r["direction"] == "to-folder") == [
        str(one),
        str(two),
    ]


def test_a_merge_of_both_sides_keeps_the_folder_lines_minicrm_did_not_change(run, tmp_path):
    folder = tmp_path / "v"
    folder.mkdir()
    card = folder / "rich-1.vcf"
    card.write_bytes(RICH.encode())
    sync(run, folder)
    run("edit", "Rich", "--title", "Boss")
    card.write_bytes(RICH.replace("END:VCARD", "NOTE:met at the fair\r\nEND:VCARD").encode())
    report = sync(run, folder)
    assert report["vdir"]["updated"] == 1 and report["minicrm"]["updated"] == 1
    lines = unfolded(only_card(folder))
    assert {"TITLE:Boss", "NOTE:met at the fair"} <= set(lines)
    assert "ADR;TYPE=HOME:;;1 Main St;Springfield;IL;62701;USA" in lines
    assert "TEL;TYPE=WORK,VOICE:+1 555 0100" in lines
    assert sync(run, folder)["changes"] == []
