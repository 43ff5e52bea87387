"""history, undo and redo: an undo gives back exactly what was there (compared as the
JSON export, ids and uids included), refuses rather than undoing part of something, and
redo re-applies it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minicrm
from minicrm.history import service as history


def export(run, *db: str) -> dict:
    return json.loads(run(*db, "export", "--format", "json").stdout)


def changeset_count(db_path: Path) -> int:
    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT count(*) FROM changesets").fetchone()[0]


@pytest.fixture
def jane(run):
    """Jane with an email, tags, a company, a note, a shared interaction, follow-ups
    (one linked to a note) and a deal."""
    run("add", "Jane Doe", "-e", "jane@acme.io", "-p", "+1 555 0100", "-c", "Acme", "-t", "vip")
    run("add", "Bob Stone", "-e", "bob@stone.io")
    run("log", "jane", "Discussed pricing")
    run("log", "jane", "meeting", "Lunch together", "--with", "bob")
    run("follow", "jane", "Send proposal", "--due", "tomorrow")
    run("follow", "jane", "Call back", "--due", "next fri")
    run("done", "2", "--note", "Called, all good")
    run("deal", "add", "jane", "Website", "--value", "1000", "--currency", "EUR")
    return run


def test_a_company_or_deal_command_is_named_by_its_company_or_deal(run):
    """A trial's `company rm acme` was undone as "Undid company rm of Ann": the contacts
    it unlinked named the change, not the company the command was about."""
    run("add", "Ann Lee", "--company", "Acme")
    run("add", "Bo Chen", "--company", "Acme")
    run("deal", "add", "ann", "Renewal", "--value", "100")
    run("deal", "move", "1", "proposal")
    assert run("undo").stdout.startswith('Undid deal move of deal "Renewal" (#')
    run("company", "rm", "acme", "--yes")
    assert "company rm of company Acme" in run("history").stdout.splitlines()[0]
    assert run("undo").stdout.startswith("Undid company rm of company Acme (#")
    run("company", "edit", "acme", "--domain", "acme.io")
    assert run("undo").stdout.startswith("Undid company edit of company Acme (#")
    run("add", "Cy Dee", "--company", "NewCo")  # a contact's command: the contact
    assert run("undo").stdout.startswith("Undid add of Cy Dee (#")


def test_rm_then_undo_gives_back_everything_with_the_same_ids(jane, db_path):
    run = jane
    before = export(run)
    page = run.json("show", "jane")
    run("rm", "jane", "--yes")
    gone = export(run)
    assert not any(c["display_name"] == "Jane Doe" for c in gone["tables"]["contacts"])
    assert gone["tables"]["deals"][0]["contact_id"] is None  # the deal stayed, unlinked
    result = run("undo")
    assert result.stdout.startswith("Undid rm of Jane Doe (#")
    assert export(run) == before
    again = run.json("show", "jane")
    assert again["id"] == page["id"] and again["uid"] == page["uid"]
    assert [f["id"] for f in again["open_followups"]] == [f["id"] for f in page["open_followups"]]
    assert [i["uid"] for i in again["recent_interactions"]] == [
        i["uid"] for i in page["recent_interactions"]
    ]
    # the full-text index follows
    [found] = run.json("search", "pricing")
    assert found["contact"]["id"] == page["id"]
    assert [h["kind"] for h in found["hits"]] == ["interaction"]
    assert run.json("search", "jane")[0]["contact"]["uid"] == page["uid"]


def test_import_of_1000_contacts_is_undone_by_one_undo(run, tmp_path, db_path):
    run("add", "Existing Person", "-e", "existing@x.io")
    run("add", "Ann Other", "-e", "p7@example.com")  # the import merges into her
    before = export(run)
    lines = ["name,email,phone,tags"]
    lines += [f"Person {i},p{i}@example.com,+1 555 {i:04d},imported" for i in range(1000)]
    source = tmp_path / "people.csv"
    source.write_text("\n".join(lines) + "\n")
    run("import", str(source))
    after_import = export(run)
    assert len(after_import["tables"]["contacts"]) == 1001
    result = run("undo", "--json")
    outcome = json.loads(result.stdout)
    assert len(outcome["steps"]) == 1
    assert outcome["steps"][0]["changeset"]["command"].startswith("minicrm import")
    assert outcome["steps"][0]["changeset"]["counts"]["contacts"]["insert"] == 999
    assert export(run) == before
    assert run.json("search", "imported") == []
    run("redo")
    assert export(run) == after_import


def test_a_blocked_undo_names_the_blocking_change_set_and_changes_nothing(run, db_path):
    run("add", "Jane Doe")  # change set 1
    run("edit", "jane", "--title", "CTO")  # change set 2
    before = export(run)
    count = changeset_count(db_path)
    result = run("undo", "--changeset", "1", code=2)
    assert "cannot undo #1" in result.stderr and "minicrm add 'Jane Doe'" in result.stderr
    assert "#2 (" in result.stderr and "minicrm edit jane --title CTO" in result.stderr
    assert "undo #2 first" in result.stderr
    assert export(run) == before and changeset_count(db_path) == count
    # in order it works
    run("undo", "2")
    assert export(run)["tables"]["contacts"] == []


def test_an_undo_that_would_break_a_later_reference_is_refused(run):
    run("company", "add", "Acme")  # 1
    run("add", "Jane Doe", "-c", "Acme")  # 2: refers to the company
    before = export(run)
    result = run("undo", "--changeset", "1", code=2)
    assert "#2 (" in result.stderr and "companies row #1" in result.stderr
    assert export(run) == before


def test_an_undo_that_needs_a_row_deleted_later_is_refused(run):
    run("add", "Jane Doe", "-c", "Acme")  # 1
    run("rm", "jane", "--yes")  # 2
    run("company", "rm", "Acme", "--yes")  # 3: deletes the company jane referred to
    before = export(run)
    result = run("undo", "--changeset", "2", code=2)
    assert "#3 (" in result.stderr and "deleted companies row #1" in result.stderr
    assert export(run) == before
    run("undo", "2")  # in order: the company comes back, then jane
    assert export(run)["tables"]["contacts"][0]["company_id"] == 1


def test_undo_of_several_is_all_or_nothing(run, db_path):
    run("add", "Jane Doe")
    run("add", "Bob Stone")
    # a change made behind minicrm's back: jane is no longer as change set 1 left her
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE contacts SET title = 'sneaky' WHERE id = 1")
    before = export(run)
    count = changeset_count(db_path)
    result = run("undo", "2", code=2)
    assert "cannot undo #1" in result.stderr and "contacts row #1" in result.stderr
    assert export(run) == before and changeset_count(db_path) == count  # Bob is still there
    run("undo", "3", code=2)  # more than there is: refused whole
    assert export(run) == before


def test_redo_reapplies_and_a_new_change_clears_it(run):
    empty = export(run)
    run("add", "Jane Doe", "-t", "vip")
    run("tag", "jane", "friend")
    full = export(run)
    out = run("undo", "2", "--verbose").stdout.splitlines()
    assert [line.split(" ")[1] for line in out] == ["#2", "#1"]  # newest first
    assert export(run) == empty
    run("redo")
    assert [c["display_name"] for c in export(run)["tables"]["contacts"]] == ["Jane Doe"]
    run("redo")
    assert export(run) == full
    run("redo", code=3)  # nothing left to redo
    run("undo")
    run("add", "Bob")
    result = run("redo", code=2)
    assert "minicrm add Bob" in result.stderr and "recorded after the last undo" in result.stderr
    run("undo")  # Bob
    assert [t["tag"] for t in export(run)["tables"]["contact_tags"]] == ["vip"]
    # an undo after a redo takes back the re-applied change
    run("undo")
    assert export(run) == empty


def test_undo_and_redo_of_undo(run):
    run("add", "Jane Doe")
    run("undo")
    run("redo")
    run("undo")
    assert export(run)["tables"]["contacts"] == []
    run("redo")
    listed = run.json("history")
    assert [c["kind"] for c in listed] == ["redo", "undo", "redo", "undo", "command"]
    assert listed[1]["undone_by"] == listed[0]["id"]
    assert listed[0]["undoes"] == listed[1]["id"]


def test_dry_run_changes_nothing(run, db_path):
    run("add", "Jane Doe")
    before = export(run)
    count = changeset_count(db_path)
    result = run("undo", "--dry-run")
    assert result.stdout.startswith("Would undo add of Jane Doe (#1, ")
    assert run("undo", "--dry-run", "--verbose").stdout.startswith(
        "Would undo #1 minicrm add 'Jane Doe'"
    )
    data = run.json("undo", "--dry-run")
    assert data["dry_run"] is True and data["steps"][0]["recorded_as"] is None
    assert export(run) == before and changeset_count(db_path) == count
    run("undo")
    assert run.json("redo", "--dry-run")["steps"][0]["changeset"]["id"] == 1
    assert export(run)["tables"]["contacts"] == []


def test_nothing_to_undo(run):
    result = run("undo", code=3)
    assert "nothing to undo" in result.stderr
    run("undo", "0", code=2)
    run("undo", "--changeset", "99", code=3)
    run("add", "Jane Doe")
    run("undo")
    assert "already undone" in run("undo", "--changeset", "1", code=2).stderr
    assert "is an undo" in run("undo", "--changeset", "2", code=2).stderr


def test_import_merge_then_undo_gives_the_contact_back(run, tmp_path):
    run("add", "Jane Doe", "-e", "jane@acme.io", "-t", "vip")
    before = export(run)
    source = tmp_path / "x.csv"
    source.write_text("name,email,phone,title\nJane Doe,jane@acme.io,+1 555 0199,CEO\n")
    run("import", str(source))
    assert run.json("show", "jane")["title"] == "CEO"
    run("undo")
    assert export(run) == before


def test_history_lists_change_sets_with_field_changes(run):
    run("add", "Jane Doe", "-e", "jane@acme.io")
    run("add", "Bob Stone")
    run("edit", "jane", "--title", "CTO")
    listed = run.json("history")
    assert [c["command"] for c in listed] == [
        "minicrm edit jane --title CTO",
        "minicrm add 'Bob Stone'",
        "minicrm add 'Jane Doe' -e jane@acme.io",
    ]
    edit = listed[0]
    assert edit["kind"] == "command" and edit["at"] == "2026-11-22T09:30:00Z"
    assert edit["counts"] == {"contacts": {"update": 1}}
    [change] = edit["changes"]
    assert change["op"] == "update" and change["label"] == "Jane Doe" and change["row"] is None
    assert {"field": "title", "before": None, "after": "CTO"} in change["fields"]
    add = listed[2]
    assert add["counts"] == {"contacts": {"insert": 1}, "contact_emails": {"insert": 1}}
    assert add["changes"][1]["row"]["value"] == "jane@acme.io"
    assert add["more_changes"] == 0
    assert len(run.json("history", "-n", "1")) == 1
    text = run("history", "--verbose").stdout
    assert '~ contacts #1 Jane Doe: title: null → "CTO"' in text
    assert "+ contact_emails #1 jane@acme.io" in text
    run("history", "-n", "0", code=2)


def test_history_of_one_contact_and_show_history(jane, run):
    run("edit", "bob", "--title", "Chef")
    mine = run.json("history", "jane")
    commands = [c["command"] for c in mine]
    assert "minicrm edit bob --title Chef" not in commands
    assert any(c.startswith("minicrm follow jane") for c in commands)
    assert any(c.startswith("minicrm deal add jane") for c in commands)
    assert "minicrm done 2 --note 'Called, all good'" in commands  # its follow-up and note
    shared = next(c for c in mine if "Lunch together" in c["command"])
    # only jane's rows of the shared interaction, not bob's link
    links = [ch for ch in shared["changes"] if ch["entity"] == "interaction_contacts"]
    assert [ch["row"]["contact_id"] for ch in links] == [1]
    assert run.json("show", "jane", "--history") == mine
    run("rm", "jane", "--yes")
    # a deleted contact is still found by #id
    assert run.json("history", "#1")[0]["command"] == "minicrm rm jane --yes"
    run("history", "#99", code=3)


def test_history_text_of_an_undo(run):
    run("add", "Jane Doe")
    run("undo")
    text = run("history").stdout
    assert "#2  " in text and "[undoes #1]" in text and "[undone by #2]" in text


def test_library_undo_is_the_same_function(db_path):
    store = minicrm.open_store(db_path)
    try:
        minicrm.add_contact(store, "Jane Doe")
        outcome = minicrm.undo(store)
        assert outcome.steps[0].target.command == "python"
        assert minicrm.list_contacts(store) == []
        minicrm.redo(store)
        assert [c.name for c in minicrm.list_contacts(store)] == ["Jane Doe"]
        assert [c.kind for c in minicrm.list_changesets(store)] == ["redo", "undo", "command"]
        assert minicrm.undo is history.undo
    finally:
        store.close()


# -- undoing everything gives back the start ----------------------------------------------

NAMES = ["Ann Lee", "Bob Stone", "Cy Young"]
REFS = ["#1", "#2", "#3", "#4"]

command = st.one_of(
    st.builds(
        lambda n, tag: ["add", n, "-e", f"{n.split()[0].lower()}@x.io", "-t", tag],
        st.sampled_from(NAMES),
        st.sampled_from(["vip", "friend"]),
    ),
    st.builds(
        lambda r, t: ["edit", r, "--title", t],
        st.sampled_from(REFS),
        st.text("ab", min_size=1, max_size=3),
    ),
    st.builds(lambda r, t: ["tag", r, t], st.sampled_from(REFS), st.sampled_from(["vip", "x"])),
    st.builds(lambda r, t: ["untag", r, t], st.sampled_from(REFS), st.sampled_from(["vip"])),
    st.builds(lambda r: ["log", r, "talked"], st.sampled_from(REFS)),
    st.builds(lambda r: ["follow", r, "call", "--due", "tomorrow"], st.sampled_from(REFS)),
    st.builds(lambda f: ["done", f], st.sampled_from(["1", "2"])),
    st.builds(lambda r: ["rm", r, "--yes"], st.sampled_from(REFS)),
    st.builds(lambda r: ["deal", "add", r, "Deal", "--value", "10"], st.sampled_from(REFS)),
    st.builds(
        lambda names: ["import", "CSV", *names],
        st.lists(st.sampled_from([*NAMES, "Dee Dee"]), min_size=1, max_size=3, unique=True),
    ),
)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(command, min_size=1, max_size=6))
def test_undoing_everything_gives_back_the_start_and_redo_the_end(run, tmp_path, commands):
    folder = Path(tmp_path) / f"h{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    db = ["--db", str(folder / "m.db")]
    run(*db, "add", "Zed Base", "-e", "zed@x.io")  # something that was there before
    start = export(run, *db)
    for args in commands:
        if args[0] == "import":
            source = folder / "in.csv"
            rows = [f"{n},{n.split()[0].lower()}@x.io,Title {n}" for n in args[2:]]
            source.write_text("name,email,title\n" + "\n".join(rows) + "\n")
            args = ["import", str(source)]
        run(*db, *args, code=None)
    end = export(run, *db)
    done = [c for c in run.json(*db, "history", "-n", "1000") if c["kind"] == "command"]
    if len(done) > 1:
        run(*db, "undo", str(len(done) - 1))
    assert export(run, *db) == start
    if len(done) > 1:
        run(*db, "redo", str(len(done) - 1))
    assert export(run, *db) == end


def test_a_large_undo_asks_first_at_a_terminal(run, tmp_path, monkeypatch):
    source = tmp_path / "people.csv"
    source.write_text("name\n" + "\n".join(f"Person {i}" for i in range(101)) + "\n")
    run("import", str(source))
    before = export(run)
    monkeypatch.setattr("minicrm.cli.history.interactive", lambda: True)
    result = run("undo", input="n\n", code=1)
    assert "Undo 101 rows?" in result.stderr and "cancelled" in result.stderr
    assert export(run) == before
    run("undo", input="y\n")
    assert export(run)["tables"]["contacts"] == []
    run("redo", "--yes")  # --yes: no question
    assert export(run) == before


# -- history that does not bloat (issue 14.7) ---------------------------------------------


def _image_bytes(db_path: Path) -> dict[int, tuple[int, int, int]]:
    """change set -> (history rows, rows holding their image by reference, bytes of images)"""
    with sqlite3.connect(db_path) as conn:
        return {
            cs: (n, refs, size)
            for cs, n, refs, size in conn.execute(
                "SELECT changeset_id, count(*), count(image_from), "
                "coalesce(sum(length(before)), 0) + coalesce(sum(length(after)), 0) "
                "FROM history GROUP BY changeset_id"
            )
        }


def test_undo_and_redo_of_an_import_refer_to_its_row_images(run, tmp_path, db_path):
    """Undoing an import deletes every row exactly as the import inserted it, so its history
    rows refer to the import's images instead of copying them (a 100k vCard import's undo
    copied 113 MiB); redo and a second undo do the same, and all of it reads back whole."""
    lines = ["name,email,phone,tags,notes"]
    lines += [
        f"Person {i},p{i}@example.com,+1 555 {i:04d},imported,Met at café {i}" for i in range(50)
    ]
    source = tmp_path / "people.csv"
    source.write_text("\n".join(lines) + "\n")
    run("import", str(source))
    after_import = export(run)
    imported = _image_bytes(db_path)[1]
    run("undo")
    assert export(run)["tables"]["contacts"] == []
    rows, refs, size = _image_bytes(db_path)[2]
    assert (rows, refs, size) == (imported[0], imported[0], 0)
    shown = run.json("history", "--limit", "1")[0]
    assert shown["counts"]["contacts"]["delete"] == 50
    # the deleted rows and their labels, read through the references
    assert all(c["row"] and c["label"] for c in shown["changes"])
    assert {c["entity"] for c in shown["changes"]} >= {"contact_tags"}
    run("redo")
    assert export(run) == after_import
    assert _image_bytes(db_path)[3][1:] == (imported[0], 0)
    run("undo")
    assert _image_bytes(db_path)[4][1:] == (imported[0], 0)
    # a contact's own history finds the undo and the redo through their references
    run("redo")
    listed = run.json("history", "p7@example.com")
    assert [c["kind"] for c in listed] == ["redo", "undo", "redo", "undo", "command"]
    assert "history" in run("db", "check").stdout


def test_a_row_that_differs_from_the_image_it_names_is_recorded_whole(store):
    """The reference is written only where the row's JSON is the named image's; otherwise
    (a wrong or stale pointer) the image is copied as before."""
    with store.transaction():
        stamp = {"created_at": "2026-11-22T09:30:00Z", "updated_at": "2026-11-22T09:30:00Z"}
        ids = store.insert_many(
            "tag_cadences", [{"tag": "a", "days": 7} | stamp, {"tag": "b", "days": 9} | stamp]
        )
    with store.transaction():
        # row a named with b's insert (wrong), row b with its own (right)
        sources = {ids[0]: 2, ids[1]: 2}
        store.delete_many("tag_cadences", ids, image_from=sources)
    rows = store.query(
        "SELECT row_id, image_from, before FROM history WHERE op = 'delete' ORDER BY row_id"
    )
    assert rows[0]["image_from"] is None and json.loads(rows[0]["before"])["tag"] == "a"
    assert rows[1]["image_from"] == 2 and rows[1]["before"] is None


def test_db_check_reads_a_deletion_recorded_by_reference(run):
    """A series whose next occurrence the user removed is not reported missing, also when
    the removal was re-applied by redo (a history row holding its image by reference)."""
    run("add", "Jane Doe")
    run("follow", "jane", "Weekly call", "--due", "2026-11-23", "--every", "week")
    run("done", "1")
    run("followup", "rm", "2", "--yes")
    run("undo")
    run("redo")
    report = run("db", "check").stdout
    assert "FAIL" not in report and "problem" not in report.lower(), report
