"""Import and export through the CLI and the library: the JSON dump round trip, duplicate
handling, atomicity, dry runs, and safe files."""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import sqlite3
import stat
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minicrm
from minicrm.interchange import exports, imports
from minicrm.interchange.incoming import Incoming, RecordError


def counts(db_path) -> dict[str, int]:
    conn = sqlite3.connect(db_path)
    return {
        t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("contacts", "contact_emails", "companies", "changesets", "history")
    }


def test_json_dump_restores_identically(run, tmp_path):
    run(
        "add",
        "Jane Doe",
        "--email",
        "work:jane@acme.io",
        "--company",
        "Acme",
        "--tag",
        "vip",
        "--birthday",
        "may 17",
        "--date",
        "anniversary:2015-06-20",
        "--set",
        "x=1",
        "--every",
        "2w",
    )
    run("add", "Raj", "--phone", "+1 555 0100")
    run("archive", "raj")
    run("follow", "jane", "Call", "--due", "2026-12-01", "--every", "month")
    run("log", "jane", "call", "Talked", "--with", "raj")
    run("tag", "cadence", "vip", "10d")
    first = run("export").stdout
    other = tmp_path / "other.db"
    run("--db", str(other), "import", "-", input=first)
    assert run("--db", str(other), "export").stdout == first
    data = json.loads(first)
    assert data["format"] == "minicrm-dump" and data["version"] == 1
    assert {t: len(rows) for t, rows in data["tables"].items()}["interaction_contacts"] == 2


names = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=20
).filter(str.strip)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    people=st.lists(
        st.tuples(
            names, st.lists(st.sampled_from(["vip", "lead", "x-1"]), max_size=2), st.booleans()
        ),
        min_size=1,
        max_size=5,
    ),
    notes=st.lists(names, max_size=3),
)
def test_any_database_round_trips_through_the_dump(tmp_path_factory, people, notes):
    folder = tmp_path_factory.mktemp("rt")
    source = minicrm.open_store(folder / "a.db")
    for number, (name, tags, with_email) in enumerate(people):
        changes = minicrm.ContactChanges(add_tags=tags)
        if with_email:
            changes.add["emails"] = [f"p{number}@example.org"]
        contact = minicrm.add_contact(source, name, changes)
        for text in notes:
            from minicrm.activity import interactions

            interactions.log(source, [f"#{contact.id}"], text)
    text = exports.to_json_text(exports.dump(source))
    target = minicrm.open_store(folder / "b.db")
    exports.restore(target, json.loads(text))
    assert exports.to_json_text(exports.dump(target)) == text


def test_import_twice_changes_nothing_the_second_time(run, tmp_path, db_path):
    people = [
        {"name": "Ann Lee", "emails": [{"label": "work", "value": "ann@x.io"}], "tags": ["vip"]},
        {"name": "Bob", "phones": [{"label": None, "value": "+1 555 0100"}]},
    ]
    source = tmp_path / "people.json"
    source.write_text(json.dumps(people))
    first = json.loads(run("import", str(source), "--json").stdout)
    assert first["created"] == 2
    before = counts(db_path)
    second = json.loads(run("import", str(source), "--json").stdout)
    assert (second["created"], second["unchanged"]) == (0, 2)
    after = counts(db_path)
    assert after["contacts"] == before["contacts"] and after["history"] == before["history"]


def test_merge_fills_gaps_and_never_overwrites(run, tmp_path):
    run("add", "Ann Lee", "--email", "ann@x.io", "--title", "CTO")
    incoming = [
        {
            "name": "Ann Lee",
            "title": "Intern",
            "nickname": "Annie",
            "emails": [
                {"label": None, "value": "ANN@x.io"},
                {"label": "home", "value": "ann@home.org"},
            ],
            "tags": ["met-2026"],
        }
    ]
    source = tmp_path / "in.json"
    source.write_text(json.dumps(incoming))
    report = json.loads(run("import", str(source), "--json").stdout)
    assert report["merged"] == 1 and "same email" in report["records"][0]["reason"]
    ann = run.json("show", "ann")
    assert ann["title"] == "CTO" and ann["nickname"] == "Annie"
    assert [e["value"] for e in ann["emails"]] == ["ann@x.io", "ann@home.org"]
    assert ann["tags"] == ["met-2026"]


def test_skip_and_new_policies(run, tmp_path):
    run("add", "Ann Lee")
    source = tmp_path / "in.json"
    source.write_text(json.dumps([{"name": "ann lee", "title": "CEO"}]))
    skipped = json.loads(run("import", str(source), "--on-duplicate", "skip", "--json").stdout)
    assert (
        skipped["skipped"] == 1 and "duplicate of #1 (same name)" in skipped["records"][0]["reason"]
    )
    assert run.json("show", "1")["title"] is None
    copied = json.loads(run("import", str(source), "--on-duplicate", "new", "--json").stdout)
    assert copied["created"] == 1
    assert len(run.json("ls")) == 2


def test_a_bad_record_fails_the_whole_import(run, tmp_path, db_path):
    source = tmp_path / "in.json"
    source.write_text(
        json.dumps([{"name": "Good"}, {"name": "Bad", "emails": [{"value": "nope"}]}, {"name": ""}])
    )
    before = counts(db_path) if db_path.exists() else None
    err = run("import", str(source), code=2).stderr
    assert "item 2 of in.json" in err and "nothing was imported" in err and "--skip-invalid" in err
    assert before is None or counts(db_path) == before
    assert run.json("ls") == []
    report = json.loads(run("import", str(source), "--skip-invalid", "--json").stdout)
    assert (report["created"], report["invalid"]) == (1, 2)
    assert [r["position"] for r in report["records"]] == ["item 2 of in.json", "item 3 of in.json"]


def test_dry_run_writes_nothing(run, tmp_path, db_path):
    run("add", "Keep")
    source = tmp_path / "in.json"
    source.write_text(json.dumps([{"name": "New One"}, {"name": "Keep", "title": "x"}]))
    before = counts(db_path)
    out = run("import", str(source), "--dry-run").stdout
    assert out.startswith("Would import") and "1 created, 1 merged" in out
    assert counts(db_path) == before


def test_an_import_is_one_change_set(run, tmp_path, db_path):
    source = tmp_path / "in.json"
    source.write_text(
        json.dumps([{"name": f"P{i}", "emails": [{"value": f"p{i}@x.io"}]} for i in range(2500)])
    )
    before = counts(db_path) if db_path.exists() else {"changesets": 0}
    run("import", str(source), "--tag", "imported")
    after = counts(db_path)
    assert after["changesets"] - before["changesets"] == 1
    assert after["contacts"] == 2500 and after["contact_emails"] == 2500
    assert len(run.json("ls", "--tag", "imported", "--limit", "3000")) == 2500


def test_interrupted_import_leaves_the_database_as_it_was(store):
    minicrm.add_contact(store, "Before")
    records = [Incoming(position=f"item {i}", name=f"P{i}") for i in range(3000)]

    def interrupt(done: int, total: int) -> None:
        if done >= 1500:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        imports.run_import(store, records, source="x", fmt="json", progress=interrupt)
    assert [c.name for c in minicrm.list_contacts(store)] == ["Before"]


def test_record_errors_from_parsers_name_their_position(store):
    with pytest.raises(minicrm.InvalidInput, match="card 2: cannot read it"):
        imports.run_import(
            store,
            [Incoming("card 1", name="A"), RecordError("card 2", "cannot read it")],
            source="x",
            fmt="vcard",
        )
    assert minicrm.list_contacts(store) == []


def test_not_utf8_is_a_clear_error_unless_encoding(run, tmp_path):
    source = tmp_path / "latin.csv"
    source.write_bytes("name,email\nJos\xe9,jose@x.io\n".encode("latin-1"))
    err = run("import", str(source), code=2).stderr
    assert "not valid UTF-8 (line 2" in err and "--encoding" in err


def test_export_csv_is_spreadsheet_safe(run):
    run("add", '=HYPERLINK("http://x")')
    rows = list(csv.DictReader(io.StringIO(run("export", "--format", "csv").stdout)))
    assert rows[0]["name"] == '\'=HYPERLINK("http://x")'


def test_export_writes_a_0600_file_and_refuses_folders(run, tmp_path):
    run("add", "Ann")
    target = tmp_path / "out.json"
    run("export", "-o", str(target))
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    run("export", "-o", str(tmp_path), code=2)


def test_export_through_a_symlink_replaces_its_target_and_keeps_the_link(run, tmp_path):
    run("add", "Ann")
    real = tmp_path / "nas" / "real.json"
    real.parent.mkdir()
    real.write_text("{}")
    link = tmp_path / "latest.json"
    link.symlink_to(real)
    assert run("export", "-o", str(link)).stderr == f"Wrote {link}\n"
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert json.loads(real.read_text())["tables"]["contacts"][0]["display_name"] == "Ann"
    assert oct(real.stat().st_mode & 0o777) == "0o600"
    assert sorted(p.name for p in real.parent.iterdir()) == ["real.json"]  # no temp left
    # a link to nothing yet: its target is created, the link stays a link
    dangling = tmp_path / "next.json"
    dangling.symlink_to(real.parent / "new.json")
    run("export", "-o", str(dangling))
    assert dangling.is_symlink() and (real.parent / "new.json").is_file()


def test_export_into_a_fifo_writes_through_it(run, tmp_path):
    run("add", "Ann")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    try:
        run("export", "-o", str(fifo))
    finally:
        reader.join(timeout=10)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)  # still a FIFO, not a file
    assert json.loads(got[0])["tables"]["contacts"][0]["display_name"] == "Ann"


def test_export_refuses_a_socket_and_a_link_to_a_folder(run, tmp_path):
    folder_link = tmp_path / "folder-link"
    folder_link.symlink_to(tmp_path)
    assert "is a folder" in run("export", "-o", str(folder_link), code=2).stderr
    path = tmp_path / "sock"
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(path))
        err = run("export", "-o", str(path), code=2).stderr
    finally:
        sock.close()
    assert err.startswith(f"minicrm: {path} is a socket") and stat.S_ISSOCK(path.lstat().st_mode)


def test_export_dash_o_dash_is_standard_output(run, tmp_path, monkeypatch):
    run("add", "Ann")
    monkeypatch.chdir(tmp_path)
    assert run("export", "-o", "-").stdout == run("export").stdout
    assert not (tmp_path / "-").exists()


def test_vdir_file_names_cannot_escape(tmp_path):
    assert exports.vdir_name("abc-123") == "abc-123.vcf"
    for hostile in ("../../.bashrc", "a/b", "..", ".hidden"):
        name = exports.vdir_name(hostile)
        assert "/" not in name and not name.startswith(".")


def test_own_csv_export_imports_back_with_everything(run, tmp_path):
    run(
        "add",
        "Ann Lee",
        "--email",
        "work:ann@x.io",
        "--phone",
        "+1 555 0100",
        "--stage",
        "lead",
        "--source",
        "fair",
        "--every",
        "2w",
        "--tag",
        "vip",
        "--set",
        "k=v",
        "--notes",
        "Likes tea",
    )
    run("add", "Ann Lee", "--email", "other-ann@y.io")
    run("archive", "#2")
    exported = tmp_path / "out.csv"
    run("export", "--format", "csv", "--archived", "-o", str(exported))
    other = tmp_path / "other.db"
    report = json.loads(run("--db", str(other), "import", str(exported), "--json").stdout)
    assert report["created"] == 2 and report["format"] == "csv"
    people = run.json("--db", str(other), "ls", "--all", "--sort", "id")
    first, second = people
    assert first["emails"] == [{"label": "work", "value": "ann@x.io"}]
    assert (first["stage"], first["source"], first["keep_in_touch_days"]) == ("lead", "fair", 14)
    assert first["tags"] == ["vip"] and first["custom"] == {"k": "v"}
    assert second["archived"] is True and second["emails"][0]["value"] == "other-ann@y.io"


def test_an_old_or_odd_birthday_is_kept_as_text(run, tmp_path):
    card = tmp_path / "old.vcf"
    card.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada Lovelace\r\nBDAY:1815-12-10\r\nEND:VCARD\r\n"
    )
    run("import", str(card))
    ada = run.json("show", "ada")
    assert ada["birthday"] is None and ada["custom"]["birthday_text"] == "1815-12-10"


def test_notes_on_the_card_and_settable(run):
    run("add", "Ann", "--notes", "Met at the fair\nlikes tea")
    assert "Met at the fair" in run("show", "ann").stdout
    assert run.json("edit", "ann", "--set", "notes=")["notes"] is None


def test_matching_within_a_file_is_the_same_into_an_empty_or_a_used_database(tmp_path):
    # Into a database without contacts the importer matches from what it has imported so
    # far, without queries; it must decide exactly as the query path does.
    from minicrm import open_store
    from minicrm.interchange import imports

    source = tmp_path / "dupes.csv"
    source.write_text(
        "Name,E-mail,Phone\n"
        "Ann Lee,ann@a.io,\n"
        "Ann Lee,,+1 555 0100\n"  # same name, no email: the same Ann
        "Ann Lee,ann2@b.io,\n"  # same name, another email: another Ann
        "Bob Stone,,\n"
        "Bob Stone,bob@b.io,\n"  # gains an email by merging into Bob
        "Robert Stone,bob@b.io,\n"  # ...which a later record then matches
        "Cy Twombly,cy@c.io,\n"
        "C. Twombly,CY@C.IO,\n",
        encoding="utf-8",
    )
    outcomes = []
    for seed in (None, "Zed Unrelated"):
        with open_store(tmp_path / f"{seed}.db") as store:
            if seed:
                with store.transaction():
                    minicrm.add_contact(store, seed)
            report = imports.import_source(store, str(source))
            outcomes.append(
                [(o.action, o.contact_id and o.contact_id - bool(seed)) for o in report.outcomes]
            )
    assert outcomes[0] == outcomes[1]
    assert outcomes[0] == [
        ("created", 1),
        ("merged", 1),  # Ann without email: same name, one side has no email
        ("created", 2),  # Ann with another email: another person
        ("created", 3),
        ("merged", 3),  # Bob gains bob@b.io
        ("merged", 3),  # Robert matches Bob by that email: his name is kept aside
        ("created", 4),
        ("merged", 4),  # same email, other case: "C. Twombly" kept aside
    ]
    kept = [o.kept_aside for o in report.outcomes if o.kept_aside]
    assert kept == [(("name", "Robert Stone"),), (("name", "C. Twombly"),)]
    with open_store(tmp_path / "Zed Unrelated.db") as store:  # a second run: nothing new
        again = imports.import_source(store, str(source))
    assert [o.action for o in again.outcomes] == ["unchanged"] * 8


def test_a_dump_from_before_last_interaction_id_restores_with_it_filled(run, tmp_path):
    run("add", "Ann Lee")
    run("add", "Bob Stone")
    run("log", "ann", "first", "--at", "2026-11-01")
    run("log", "ann", "call", "latest", "--with", "bob", "--at", "2026-11-20")
    run("log", "ann", "older", "--at", "2026-11-10")
    dump = json.loads(run("export", "--format", "json").stdout)
    for row in dump["tables"]["contacts"]:  # as a minicrm before migration 0010 wrote it
        del row["last_interaction_id"]
    dump["schema"] = [name for name in dump["schema"] if name < "0010"]
    source = tmp_path / "old.json"
    source.write_text(json.dumps(dump), encoding="utf-8")
    run("--db", str(tmp_path / "new.db"), "import", str(source))
    shown = json.loads(
        run("--db", str(tmp_path / "new.db"), "due", "--json", "--on", "2026-11-22").stdout or "[]"
    )
    assert shown == []
    fresh = json.loads(run("--db", str(tmp_path / "new.db"), "export", "--format", "json").stdout)
    ids = {c["display_name"]: c["last_interaction_id"] for c in fresh["tables"]["contacts"]}
    latest = [i["id"] for i in fresh["tables"]["interactions"] if i["body"] == "latest"]
    assert ids == {"Ann Lee": latest[0], "Bob Stone": latest[0]}
    run("--db", str(tmp_path / "new.db"), "db", "check")
