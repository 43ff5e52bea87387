"""The README's phone-sync setup, as written, against a real Radicale: its vdirsyncer
config (only url, username and password replaced), `vdirsyncer discover` and `sync`,
`minicrm sync` with the README's [sync] table, and a phone on the same address book."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from clients import isolated_env, module_command, run_program, vcard

ROOT = Path(__file__).resolve().parents[2]


def readme_block(lang: str, containing: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(rf"```{lang}\n(.*?)```", text, re.S)
    blocks = ["\n".join(line.strip() for line in b.splitlines()) + "\n" for b in blocks]
    found = [b for b in blocks if containing in b]
    assert len(found) == 1, f"README: one ```{lang} block with {containing!r}"
    return found[0]


def test_the_readme_setup_works_from_nothing(
    run, radicale, phone, contact_factory, tmp_path, monkeypatch
):
    config = readme_block("ini", "[pair minicrm_contacts]")
    config = re.sub(r'(?m)^url = ".*"$', f'url = "{radicale.url}"', config)
    config = re.sub(r'(?m)^username = ".*"$', f'username = "{radicale.user}"', config)
    config = re.sub(r"(?m)^password\.fetch = .*$", f'password = "{radicale.password}"', config)
    home = tmp_path / "home"
    env = isolated_env(home)
    path = home / ".config" / "vdirsyncer" / "config"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(config, encoding="utf-8")
    radicale.create_addressbook("contacts")  # the server's address book (the phone's)
    phone.add("contacts", "carddav")
    phone.sync()
    phone.write_item("contacts", "p.vcf", vcard("phone-1", "Phone Person", "TITLE:Buyer"))
    phone.sync()

    vdirsyncer = [*module_command("vdirsyncer"), "-c", str(path)]
    run_program([*vdirsyncer, "discover", "minicrm_contacts"], env=env, cwd=home, input="y\n")
    run_program([*vdirsyncer, "sync", "minicrm_contacts"], env=env, cwd=home)
    folder = home / ".contacts" / "minicrm"
    assert [p.name for p in folder.glob("*.vcf")] == ["phone-1.vcf"]

    contact_factory("Laptop Person", "-e", "lap@example.org")
    table = readme_block("toml", "[sync]\ncontacts =")
    table = table.replace('"~/.contacts/minicrm"', json.dumps(str(folder)))
    command = json.dumps([*vdirsyncer, "sync", "minicrm_contacts"])
    table = re.sub(r"(?m)^command = .*$", f"command = {command}", table)
    Path(os.environ["MINICRM_CONFIG"]).write_text(table, encoding="utf-8")
    # the command inherits minicrm's environment: the isolated one vdirsyncer ran in
    for key, value in env.items():
        if key not in ("MINICRM_DB", "MINICRM_CONFIG"):
            monkeypatch.setenv(key, value)
    report = json.loads(run("sync", "--json").stdout)
    assert report["syncs"][0]["minicrm"]["created"] == 1
    assert report["syncs"][0]["vdir"]["created"] == 1
    phone.sync()
    listed = phone.khard("list", "--parsable").stdout
    assert "Laptop Person" in listed and "Phone Person" in listed
