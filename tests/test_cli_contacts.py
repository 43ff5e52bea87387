"""Contacts through the CLI, as a user types them."""

from __future__ import annotations

import csv
import io
import json

import minicrm


def count_contacts(db_path) -> int:
    store = minicrm.open_store(db_path)
    try:
        return len(minicrm.list_contacts(store, archived=None))
    finally:
        store.close()


def test_add_then_ls_and_show_json(run):
    result = run("add", "Jane Doe", "--email", "jane@acme.io", "--company", "Acme", "--tag", "vip")
    assert result.stdout.strip() == "Added #1 Jane Doe"
    listed = run.json("ls")
    assert [c["name"] for c in listed] == ["Jane Doe"]
    jane = run.json("show", "jane")
    assert jane["emails"] == [{"label": None, "value": "jane@acme.io"}]
    assert jane["company"]["name"] == "Acme"
    assert jane["tags"] == ["vip"]
    assert jane["created_at"] == "2026-11-22T09:30:00Z"
    assert {k: jane[k] for k in listed[0]} == listed[0]  # show adds the page: follow-ups, timeline


def test_every_add_option_lands(run, contact_factory):
    c = contact_factory(
        "Ann Lee",
        "--email",
        "work:ann@x.io",
        "--email",
        "ann@home.org",
        "--phone",
        "mobile:+1 555 0100",
        "--url",
        "linkedin:https://linkedin.com/in/ann",
        "--url",
        "https://ann.dev",
        "--address",
        "home:1 Main St, Springfield",
        "--title",
        "CTO",
        "--stage",
        "Customer",
        "--birthday",
        "may 17",
        "--every",
        "2w",
        "--source",
        "conference",
        "--nickname",
        "Annie",
        "--given",
        "Ann",
        "--family",
        "Lee",
        "--set",
        "linkedin_id=annlee",
        "--tag",
        "VIP",
        "--tag",
        "#board",
    )
    assert c["emails"] == [
        {"label": "work", "value": "ann@x.io"},
        {"label": None, "value": "ann@home.org"},
    ]
    assert c["phones"] == [{"label": "mobile", "value": "+1 555 0100"}]
    assert c["urls"] == [
        {"label": "linkedin", "value": "https://linkedin.com/in/ann"},
        {"label": None, "value": "https://ann.dev"},
    ]
    assert c["addresses"] == [{"label": "home", "value": "1 Main St, Springfield"}]
    assert (c["title"], c["stage"], c["birthday"], c["keep_in_touch_days"]) == (
        "CTO",
        "customer",
        "--05-17",
        14,
    )
    assert (c["source"], c["nickname"], c["given_name"], c["family_name"]) == (
        "conference",
        "Annie",
        "Ann",
        "Lee",
    )
    assert c["custom"] == {"linkedin_id": "annlee"}
    assert c["tags"] == ["board", "vip"]


def test_bad_input_exits_2_and_writes_nothing(run, db_path):
    run("add", "Keep Me")
    cases = [
        ("add", ""),
        ("add", "   "),
        ("add", "X", "--email", "not-an-email"),
        ("add", "X", "--email", "a@b.io", "--email", "A@B.IO "),
        ("add", "X", "--birthday", "2026-02-30"),
        ("add", "X", "--birthday", "03/04/2026"),
        ("add", "X", "--every", "often"),
        ("add", "X", "--stage", "whale"),
        ("add", "X", "--phone", "call me"),
        ("add", "X", "--tag", "two words"),
        ("add", "X", "--set", "no-equals-sign"),
        ("add", "X", "--set", "9bad=1"),
        ("add", "X", "--company", "Good", "--email", "bad"),
    ]
    for args in cases:
        result = run(*args, code=2)
        assert result.stdout == ""
        err = result.stderr.strip()
        assert err.startswith("minicrm: ") and "\n" not in err, (args, err)
        assert "Traceback" not in result.output
    assert count_contacts(db_path) == 1
    assert run.json("company", "ls") == []  # the failed add created no company either


def test_error_names_accepted_form(run):
    err = run("add", "X", "--birthday", "2026-02-30", code=2).stderr
    assert "2026-02-30" in err and "1990-05-17" in err
    err = run("add", "X", "--email", "nope", code=2).stderr
    assert "jane@acme.io" in err


def test_markup_is_printed_literally(run, tmp_path):
    run("add", "[bold]Markup[/]")
    run("add", "Ann [/]")
    run("add", "[link=https://evil.example]Click[/link] :thumbs_up:")
    out = run("ls").stdout
    assert "[bold]Markup[/]" in out
    assert "Ann [/]" in out
    assert "[link=https://evil.example]Click[/link] :thumbs_up:" in out
    assert "\x1b" not in out
    shown = run("show", "markup").stdout
    assert "[bold]Markup[/]" in shown


def test_ambiguous_reference_lists_candidates(run):
    run("add", "Jane Doe")
    run("add", "Jane Smith")
    result = run("show", "jane", code=4)
    assert "#1 Jane Doe" in result.stderr and "#2 Jane Smith" in result.stderr
    assert result.stdout == ""
    # an exact full name wins over fragment matches; ids and emails always work
    run("add", "Jane")
    assert run.json("show", "jane")["id"] == 3
    assert run.json("show", "#2")["name"] == "Jane Smith"


def test_reference_by_email_accent_and_case(run):
    run("add", "Zoë Ünal", "--email", "Zoe@Example.ORG")
    assert run.json("show", "zoe unal")["name"] == "Zoë Ünal"
    assert run.json("show", "ZOE@example.org")["name"] == "Zoë Ünal"
    assert run.json("show", "1")["name"] == "Zoë Ünal"
    run("show", "#99", code=3)
    run("show", "nobody", code=3)


def test_edit_fields_lists_and_custom(run, contact_factory):
    contact_factory("Jane Doe", "--email", "jane@acme.io", "--tag", "vip", "--set", "x=1")
    jane = run.json(
        "edit",
        "jane",
        "--title",
        "CTO",
        "--add-email",
        "home:jane@home.org",
        "--rm-email",
        "JANE@acme.io",
        "--add-phone",
        "+49 30 1234567",
        "--untag",
        "vip",
        "--tag",
        "board",
        "--set",
        "linkedin=jd",
        "--unset",
        "x",
        "--company",
        "Initech",
    )
    assert jane["title"] == "CTO"
    assert jane["emails"] == [{"label": "home", "value": "jane@home.org"}]
    assert jane["phones"] == [{"label": None, "value": "+49 30 1234567"}]
    assert jane["tags"] == ["board"]
    assert jane["custom"] == {"linkedin": "jd"}
    assert jane["company"]["name"] == "Initech"
    # --set reaches built-in fields too; an empty value clears
    jane = run.json("edit", "jane", "--set", "title=", "--company", "")
    assert jane["title"] is None and jane["company"] is None
    assert run("edit", "jane", "--title", "", "--company", "").stdout.startswith("No change to #1")


def test_edit_errors(run):
    run("add", "Jane Doe", "--email", "jane@acme.io")
    assert "nothing to change" in run("edit", "jane", code=2).stderr
    run("edit", "jane", "--rm-email", "other@acme.io", code=3)
    run("edit", "jane", "--add-email", "JANE@acme.io", code=2)
    run("edit", "jane", "--name", "", code=2)
    assert run.json("show", "1")["emails"][0]["value"] == "jane@acme.io"


def test_tag_untag_archive(run):
    run("add", "Jane Doe")
    assert "vip" in run("tag", "jane", "vip", "VIP", "hot").stdout
    assert run.json("show", "jane")["tags"] == ["hot", "vip"]
    assert run("tag", "jane", "vip").stdout.startswith("#1 Jane Doe already has tag vip")
    run("untag", "jane", "hot")
    assert run.json("show", "jane")["tags"] == ["vip"]
    run("archive", "jane")
    assert run.json("ls") == []
    assert [c["name"] for c in run.json("ls", "--archived")] == ["Jane Doe"]
    assert [c["name"] for c in run.json("ls", "--all")] == ["Jane Doe"]
    run("unarchive", "1")
    assert [c["archived"] for c in run.json("ls")] == [False]


def test_ls_filters_sort_limit(run):
    run("add", "Bob", "--company", "Acme", "--tag", "vip", "--stage", "lead")
    run("add", "alice", "--company", "Initech", "--tag", "vip")
    run("add", "Carol", "--company", "acme", "--email", "carol@acme.io")
    names = lambda *a: [c["name"] for c in run.json("ls", *a)]  # noqa: E731
    assert names() == ["alice", "Bob", "Carol"]
    assert names("--tag", "vip") == ["alice", "Bob"]
    assert names("--tag", "vip", "--company", "ACME") == ["Bob"]
    assert names("--stage", "lead") == ["Bob"]
    assert names("acme.io") == ["Carol"]
    assert names("--sort", "id", "--reverse") == ["Carol", "alice", "Bob"]
    assert names("--sort", "company", "--limit", "2") == ["Bob", "Carol"]
    run("ls", "--sort", "nonsense", code=2)
    run("ls", "--limit", "-1", code=2)
    run("ls", "--company", "nowhere", code=3)


def test_ls_csv_is_spreadsheet_safe(run):
    run("add", '=HYPERLINK("http://x","y")', "--phone", "+1 555 0100", "--tag", "a")
    rows = list(csv.DictReader(io.StringIO(run("ls", "--format", "csv").stdout)))
    assert rows[0]["name"] == '\'=HYPERLINK("http://x","y")'
    assert rows[0]["phones"] == "'+1 555 0100"
    raw = list(csv.DictReader(io.StringIO(run("ls", "--format", "csv", "--raw").stdout)))
    assert raw[0]["name"] == '=HYPERLINK("http://x","y")'


def test_ls_tsv(run):
    run("add", "Ann", "--address", "1 Main St\nSpringfield")
    out = run("ls", "-f", "tsv").stdout.splitlines()
    assert out[0].split("\t")[:3] == ["id", "uid", "name"]
    assert len(out) == 2


def test_json_and_format_conflict(run):
    run("ls", "--json", "--format", "csv", code=2)
    run("add", "X")
    run("show", "x", "--format", "csv", code=2)


def test_empty_lists_are_silent_in_scripts_and_said_on_a_terminal(run, monkeypatch):
    for args in (
        ["ls"],
        ["due"],
        ["agenda"],
        ["stale"],
        ["birthdays"],
        ["company", "ls"],
        ["followup", "ls"],
    ):
        result = run(*args)
        assert result.stdout == "" and result.stderr == "", args  # cron mails nothing
    assert run.json("ls") == []
    monkeypatch.setattr("minicrm.ui.render.stdout_is_terminal", lambda: True)
    assert "No contacts" in run("ls").stderr
    assert "Nothing due" in run("due").stderr


def test_rm_needs_yes_in_a_script(run, db_path):
    run("add", "Jane Doe", "--email", "jane@acme.io", "--tag", "vip")
    result = run("rm", "jane", code=1)
    assert "--yes" in result.stderr
    assert count_contacts(db_path) == 1
    assert run("rm", "jane", "--yes").stdout.strip() == "Deleted #1 Jane Doe"
    assert count_contacts(db_path) == 0
    run("rm", "jane", "--yes", code=3)


def test_shared_email_gives_a_note(run):
    run("add", "Ann", "--email", "info@acme.io")
    result = run("add", "Bob", "--email", "INFO@acme.io")
    assert "also an email of #1 Ann" in result.stderr
    run("show", "info@acme.io", code=4)


def test_usage_errors_are_one_line_and_exit_2(run):
    for args in (
        ["add"],
        ["nonsense"],
        ["ls", "--limit", "many"],
        ["--bogus"],
        ["ls", "--format", "xml"],
    ):
        err = run(*args, code=2).stderr
        assert err.startswith("minicrm: ") and err.count("\n") == 1, err
        assert "--help" in err
    assert "Missing argument 'NAME'" in run("add", code=2).stderr


def test_ctrl_c_at_a_prompt_cancels_with_130(run, monkeypatch):
    run("add", "Jane Doe")
    monkeypatch.setattr("minicrm.cli.common.interactive", lambda: True)
    result = run("rm", "jane", input="", code=130)  # end of input at the question
    assert "cancelled; nothing was changed" in result.stderr
    result = run("rm", "jane", input="n\n", code=1)
    assert "cancelled" in result.stderr
    assert run.json("ls")[0]["name"] == "Jane Doe"
    assert run("rm", "jane", input="y\n").stdout.strip().endswith("Deleted #1 Jane Doe")


def test_ambiguity_prompt_on_a_terminal(run, monkeypatch):
    run("add", "Jane Doe")
    run("add", "Jane Smith")
    monkeypatch.setattr("minicrm.cli.common.interactive", lambda: True)
    result = run("show", "jane", "--json", input="2\n")
    assert "1) #1 Jane Doe" in result.stderr and "2) #2 Jane Smith" in result.stderr
    assert '"name": "Jane Smith"' in result.stdout
    run("show", "jane", input="7\n", code=2)


def test_company_by_id_on_add_and_edit(run):
    run("company", "add", "Acme")
    assert run.json("add", "Jane", "--company", "#1")["company"]["name"] == "Acme"
    run("add", "Bob", "--company", "#9", code=3)
    assert run.json("edit", "jane", "--company", "Initech")["company"]["id"] == 2


def test_phone_extensions_are_distinct(run):
    run("add", "Desk", "--phone", "+1 555 0100 x12", "--phone", "+1 555 0100 x13")
    c = run.json("edit", "desk", "--rm-phone", "+1 (555) 0100 ext. 12")
    assert [p["value"] for p in c["phones"]] == ["+1 555 0100 x13"]
    run("add", "Dup", "--phone", "+1 555 0100", "--phone", "+1-555-0100", code=2)


def test_json_output_escapes_terminal_controls(run):
    run("add", "Evil\u202eName")
    out = run("ls", "--json").stdout
    assert "\u202e" not in out and "\\u202e" in out
    assert json.loads(out)[0]["name"] == "Evil\u202eName"
    assert "\u202e" not in run("ls").stdout


def test_company_commands(run):
    run("add", "Ann", "--company", "Acme")
    run("add", "Bob", "--company", "ACME")
    run("company", "add", "acme", code=2)
    run("company", "add", "Initech", "--domain", "initech.com", "--notes", "Big")
    listed = run.json("company", "ls")
    assert [(c["name"], c["contact_count"]) for c in listed] == [("Acme", 2), ("Initech", 0)]
    card = run("company", "show", "acme").stdout
    assert "People:          2" in card and "\n1   Ann" in card and "\n2   Bob" in card
    assert not any(line.startswith(":") for line in card.splitlines())
    shown = run.json("company", "show", "1")
    assert [m["name"] for m in shown["contacts"]] == ["Ann", "Bob"]
    run("company", "add", "X", "--domain", "not a domain", code=2)
    assert (
        run.json("company", "edit", "initech", "--domain", "", "--name", "Initech Inc")["domain"]
        is None
    )
    run("company", "edit", "initech", code=2)
    run("company", "rm", "acme", code=1)
    assert "2 contacts unlinked" in run("company", "rm", "acme", "--yes").stdout
    assert run.json("show", "ann")["company"] is None
    run("company", "show", "acme", code=3)
