"""`minicrm sync` runs what [sync] in the config file says: its command (vdirsyncer sync)
before and after, every folder; and refuses a bad [sync] table with one clear line."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from clients import Device, vcard


def config(text: str) -> None:
    Path(os.environ["MINICRM_CONFIG"]).write_text(text, encoding="utf-8")


def test_one_command_converges_phone_and_laptop(
    run, laptop: Device, phone: Device, contact_factory
):
    laptop.add("contacts", "carddav", conflict_resolution="a wins")
    phone.add("contacts", "carddav", conflict_resolution="a wins")
    laptop.discover()
    phone.sync()
    phone.write_item("contacts", "p.vcf", vcard("from-phone", "Phone Person"))
    phone.sync()
    contact_factory("Laptop Person")
    command = [sys.executable, "-m", "vdirsyncer", "-c", str(laptop.vdirsyncer_config), "sync"]
    config(
        f"[sync]\ncontacts = {json.dumps(str(laptop.vdir('contacts')))}\n"
        f"command = {json.dumps(command)}\n",
    )
    report = json.loads(run("sync", "--json").stdout)
    assert [c["when"] for c in report["commands"]] == ["before", "after"]
    assert [c["exit_code"] for c in report["commands"]] == [0, 0]
    (one,) = report["syncs"]
    assert one["minicrm"]["created"] == 1 and one["vdir"]["created"] == 1
    phone.sync()
    listed = phone.khard("list", "--parsable").stdout
    assert "Laptop Person" in listed and "Phone Person" in listed
    assert len(listed.splitlines()) == 2
    quiet = run("sync")
    assert quiet.stdout == ""  # nothing changed, not a terminal: nothing for cron to mail


def test_a_failing_command_stops_before_anything_is_synced(run, tmp_path):
    folder = tmp_path / "v"
    config(
        f'[sync]\ncontacts = "{folder}"\ncommand = ["{sys.executable}", "-c", "import sys; print(\'no network\'); sys.exit(3)"]\n',
    )
    result = run("sync", code=1)
    assert "failed (exit 3); nothing was synced: no network" in result.stderr
    assert not folder.exists()


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('[sync]\nwinner = "phone"\n', 'sync.winner must be "minicrm" or "vdir"'),
        ("[sync]\ncontacts = 3\n", "sync.contacts must be a folder or a list of folders"),
        ('[sync]\nversion = "2.1"\n', 'sync.version must be "3.0" or "4.0"'),
        ("[sync]\nmax_delete_percent = 200\n", "max_delete_percent must be a whole number"),
        ('[sync]\nwidgets = "~/w"\n', "[sync] names 'widgets', which minicrm cannot sync"),
        ("", "nothing to sync: the config file has no [sync] folders"),
    ],
)
def test_a_bad_sync_table_is_one_clear_line(run, text, said):
    config(text)
    result = run("sync", code=2)
    assert said in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_deleted_archive_setting_archives_instead(run, tmp_path, contact_factory):
    folder = tmp_path / "v"
    config(f'[sync]\ncontacts = "{folder}"\ndeleted = "archive"\n')
    ann = contact_factory("Ann Example")
    contact_factory("Bob Example")
    contact_factory("Cy Example")
    run("sync")
    (next(p for p in folder.glob("*.vcf") if "Ann" in p.read_text())).unlink()
    report = json.loads(run("sync", "--json").stdout)
    assert report["syncs"][0]["minicrm"]["archived"] == 1
    assert json.loads(run("show", f"#{ann['id']}", "--json").stdout)["archived"] is True
    assert json.loads(run("sync", "--json").stdout)["syncs"][0]["changes"] == []


def test_a_dry_run_runs_no_command_and_writes_nothing(run, tmp_path, contact_factory):
    folder = tmp_path / "v"
    marker = tmp_path / "ran"
    script = f"open({str(marker)!r}, 'a').write('x')"
    config(
        f'[sync]\ncontacts = "{folder}"\ncommand = {json.dumps([sys.executable, "-c", script])}\n'
    )
    contact_factory("Ann Example")
    report = json.loads(run("sync", "--dry-run", "--json").stdout)
    assert report["commands"] == [] and report["syncs"][0]["vdir"]["created"] == 1
    assert not marker.exists() and not folder.exists()
    run("sync")
    assert marker.read_text() == "xx"  # before and after
