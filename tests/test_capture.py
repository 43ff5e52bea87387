"""minicrm capture mail: Maildir, mbox, .eml; matching, direction, excerpts, noise,
never twice, incremental reading, one undoable change set, suggestions (issue 20)."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mailgen import maildir, mbox, message, raw_maildir_file

ME = "me@example.org"


@pytest.fixture
def config(tmp_path: Path):
    def write(text: str = "") -> Path:
        path = tmp_path / "config.toml"
        path.write_text(f'[me]\nemails = ["{ME}"]\n' + text)
        return path

    write()
    return write


@pytest.fixture
def people(contact_factory):
    jane = contact_factory(
        "Jane Doe", "--email", "Jane@Acme.io", "--email", "jane.doe@home.example"
    )
    bob = contact_factory("Bob Stone", "--email", "bob@stone.example")
    return jane, bob


def capture(run, *args: str) -> dict:
    return run.json("capture", "mail", *args)


def notes(run, ref: str) -> list[dict]:
    return run.json("notes", ref)


def test_a_maildir_logs_mail_with_contacts_in_both_directions(run, tmp_path, config, people):
    box = tmp_path / "Mail" / "INBOX"
    maildir(
        box,
        [
            message("Jane Doe <JANE@acme.io>", ME, "Pricing", "The price is fine.\n"),
            message(
                ME,
                ["jane.doe@home.example", "Bob Stone <bob@stone.example>"],
                "Re: Pricing",
                "Great, thanks!\n",
            ),
            message("stranger@else.example", ME, "Hi", "Who are you?\n"),
        ],
    )
    result = capture(run, str(tmp_path / "Mail"))
    assert result["counts"]["messages"] == 3
    assert result["counts"]["logged"] == 2
    assert result["counts"]["unknown"] == 1
    by_title = {i["title"]: i for i in result["items"]}
    assert by_title["Pricing"]["direction"] == "in"
    assert by_title["Re: Pricing"]["direction"] == "out"
    assert {c["name"] for c in by_title["Re: Pricing"]["contacts"]} == {"Jane Doe", "Bob Stone"}
    assert by_title["Pricing"]["occurred_at"] == "2026-11-20T10:00:00Z"
    jane = run.json("show", "jane")
    assert jane["last_contacted_at"] == "2026-11-20T10:00:00Z"
    timeline = notes(run, "bob")
    assert [n["kind"] for n in timeline] == ["email"]
    assert timeline[0]["body"] == "Re: Pricing\n\nGreat, thanks!"


def test_plus_addresses_match_unless_the_config_says_otherwise(run, tmp_path, config, people):
    box = tmp_path / "box"
    maildir(box, [message("Bob <bob+lists@stone.example>", ME, "Plus")])
    assert capture(run, str(box), "--dry-run")["counts"]["logged"] == 1
    config("[capture]\nplus_addresses = false\n")
    assert capture(run, str(box), "--dry-run")["counts"]["logged"] == 0
    config('[capture]\nplus_addresses = ["stone.example"]\n')
    assert capture(run, str(box), "--dry-run")["counts"]["logged"] == 1


def test_excerpt_drops_quotes_signatures_and_html(run, tmp_path, config, people):
    box = tmp_path / "box"
    maildir(
        box,
        [
            message(
                "jane@acme.io",
                ME,
                "Quoted",
                "Yes, Thursday works.\n\nOn Tue, Nov 17, 2026 at 9:00 AM Me <me@example.org>\n"
                "wrote:\n> Does Thursday work?\n-- \nJane Doe\nCEO\n",
            ),
            message(
                "bob@stone.example",
                ME,
                "Html only",
                "",
                html=None,
                headers={},
            ),
        ],
    )
    html = message(
        "bob@stone.example", ME, "Html", "x", message_id="<html@x>"
    )  # replaced by an HTML-only body below
    from email import message_from_bytes
    from email.policy import default

    msg = message_from_bytes(html, policy=default)
    msg.set_content(
        "<html><head><style>p{}</style></head><body><p>Hello <b>Bob</b> &amp; team</p>"
        "<script>alert(1)</script><blockquote>old stuff</blockquote>"
        '<div class="gmail_quote">On Mon wrote: quoted</div></body></html>',
        subtype="html",
    )
    maildir(box, [msg.as_bytes()])
    result = capture(run, str(box))
    bodies = {i["title"]: i["excerpt"] for i in result["items"]}
    assert bodies["Quoted"] == "Yes, Thursday works."
    assert bodies["Html"] == "Hello Bob & team"


def test_excerpt_length_and_no_body(run, tmp_path, config, people):
    box = tmp_path / "box"
    maildir(box, [message("jane@acme.io", ME, "Long", "word " * 200)])
    short = capture(run, str(box), "--dry-run", "--excerpt", "20")["items"][0]["excerpt"]
    assert len(short) <= 20 and short.endswith("…")
    config("[capture]\nexcerpt = 50\n")
    assert len(capture(run, str(box), "--dry-run")["items"][0]["excerpt"]) <= 50
    item = capture(run, str(box), "--no-body")["items"][0]
    assert item["excerpt"] == ""
    assert notes(run, "jane")[0]["body"] == "Long"
    run("capture", "mail", str(box), "--excerpt", "-1", code=2)


def test_lists_newsletters_and_automated_mail_are_skipped(run, tmp_path, config, people):
    box = tmp_path / "box"
    maildir(
        box,
        [
            message("jane@acme.io", ME, "List", headers={"List-Id": "<team.acme.io>"}),
            message("jane@acme.io", ME, "News", headers={"List-Unsubscribe": "<mailto:u@x>"}),
            message("jane@acme.io", ME, "Bulk", headers={"Precedence": "bulk"}),
            message("jane@acme.io", ME, "Away", headers={"Auto-Submitted": "auto-replied"}),
            message("no-reply@acme.io", [ME, "jane@acme.io"], "Receipt"),
            message("MAILER-DAEMON@acme.io", "jane@acme.io", "Undelivered"),
            message("jane@acme.io", ME, "Real", headers={"Auto-Submitted": "no"}),
        ],
    )
    result = capture(run, str(box))
    assert result["counts"]["noise"] == 6
    assert [i["title"] for i in result["items"]] == ["Real"]


def test_the_ignore_list_takes_addresses_and_domains(
    run, tmp_path, config, people, contact_factory
):
    contact_factory("Vendor", "--email", "sales@vendor.example")
    config('[capture]\nignore = ["bob@stone.example", "vendor.example"]\n')
    box = tmp_path / "box"
    maildir(
        box,
        [
            message("bob@stone.example", ME, "From Bob"),
            message("sales@mail.vendor.example", ME, "Sub-domain"),
            message(ME, ["bob@stone.example", "jane@acme.io"], "Both"),
        ],
    )
    result = capture(run, str(box))
    assert result["counts"]["ignored"] == 2
    assert [(i["title"], [c["name"] for c in i["contacts"]]) for i in result["items"]] == [
        ("Both", ["Jane Doe"])
    ]


def test_copies_in_sent_and_inbox_and_reruns_add_nothing(run, tmp_path, config, people):
    sent = message(ME, "jane@acme.io", "Proposal", message_id="<p1@example.org>")
    maildir(tmp_path / "Mail" / "Sent", [sent])
    maildir(tmp_path / "Mail" / "INBOX", [sent], seen=True)
    maildir(tmp_path / "Mail" / "Archive", [sent])
    first = capture(run, str(tmp_path / "Mail"))
    assert first["counts"]["logged"] == 1 and first["counts"]["duplicates"] == 2
    again = capture(run, str(tmp_path / "Mail"), "--full")
    assert again["counts"]["logged"] == 0 and again["counts"]["duplicates"] == 3
    assert len(notes(run, "jane")) == 1
    # overlapping paths: the folder and its parent
    overlap = capture(run, str(tmp_path / "Mail"), str(tmp_path / "Mail" / "Sent"), "--full")
    assert overlap["counts"]["logged"] == 0


def test_a_message_without_message_id_is_keyed_by_its_headers(run, tmp_path, config, people):
    raw = message("jane@acme.io", ME, "No id", message_id=None)
    maildir(tmp_path / "a", [raw])
    maildir(tmp_path / "b", [raw])
    result = capture(run, str(tmp_path / "a"), str(tmp_path / "b"))
    assert result["counts"]["logged"] == 1
    assert result["items"][0]["key"].startswith("sha256:")


def test_a_rerun_reads_only_what_is_new(run, tmp_path, config, people):
    box = tmp_path / "box"
    maildir(box, [message("jane@acme.io", ME, f"m{i}") for i in range(5)])
    assert capture(run, str(box))["counts"]["messages"] == 5
    assert capture(run, str(box))["counts"]["messages"] == 0
    # the client reads one: it moves from new/ to cur/ and gains flags; still not new
    first = sorted((box / "new").iterdir())[0]
    first.rename(box / "cur" / (first.name + ":2,S"))
    maildir(box, [message("bob@stone.example", ME, "new one")])
    result = capture(run, str(box))
    assert result["counts"]["messages"] == 1
    assert [i["title"] for i in result["items"]] == ["new one"]


def test_an_unchanged_maildir_is_not_even_listed(run, tmp_path, config, people, monkeypatch):
    box = tmp_path / "box"
    maildir(box, [message("jane@acme.io", ME, "one")])
    old = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    for sub in ("cur", "new"):
        os.utime(box / sub, (old, old))
    capture(run, str(box))
    from minicrm.capture import sources

    def listed(path: str) -> dict:
        raise AssertionError("listed an unchanged folder")

    monkeypatch.setattr(sources, "_listing", listed)
    assert capture(run, str(box))["counts"]["messages"] == 0


def test_mbox_is_read_from_where_the_last_run_stopped(run, tmp_path, config, people):
    box = tmp_path / "archive.mbox"
    mbox(
        box,
        [
            message("jane@acme.io", ME, "one", "From the start\nline"),
            message("bob@stone.example", ME, "two"),
        ],
    )
    first = capture(run, str(box))
    assert first["counts"]["messages"] == 2 and first["counts"]["logged"] == 2
    assert capture(run, str(box))["counts"]["messages"] == 0
    mbox(box, [message("jane@acme.io", ME, "three")])
    third = capture(run, str(box))
    assert third["counts"]["messages"] == 1
    assert [i["title"] for i in third["items"]] == ["three"]
    # the client rewrote the file (a message deleted): read again, nothing logged twice
    data = box.read_bytes()
    box.write_bytes(data[data.index(b"\nFrom sender@") + 1 :])
    again = capture(run, str(box))
    assert again["counts"]["messages"] == 2 and again["counts"]["logged"] == 0


def test_eml_files_and_folders(run, tmp_path, config, people):
    folder = tmp_path / "saved"
    folder.mkdir()
    (folder / "a.eml").write_bytes(message("jane@acme.io", ME, "A"))
    (folder / "b.eml").write_bytes(message("bob@stone.example", ME, "B"))
    single = tmp_path / "c.eml"
    single.write_bytes(message("jane@acme.io", ME, "C"))
    result = capture(run, str(folder), str(single))
    assert sorted(i["title"] for i in result["items"]) == ["A", "B", "C"]
    assert capture(run, str(folder), str(single))["counts"]["messages"] == 0


def test_dates_are_checked_against_delivery(run, tmp_path, config, people):
    box = tmp_path / "box"
    delivered = int(datetime(2026, 11, 21, 8, 0, tzinfo=UTC).timestamp())
    raw_maildir_file(
        box,
        f"{delivered}.M1P1.host",
        message("jane@acme.io", ME, "future", date="Fri, 01 Jan 2038 00:00:00 +0000"),
    )
    raw_maildir_file(
        box, f"{delivered}.M2P2.host", message("jane@acme.io", ME, "garbage", date="yesterday-ish")
    )
    raw_maildir_file(box, f"{delivered}.M3P3.host", message("jane@acme.io", ME, "fine"))
    items = {i["title"]: i["occurred_at"] for i in capture(run, str(box))["items"]}
    assert items == {
        "future": "2026-11-21T08:00:00Z",
        "garbage": "2026-11-21T08:00:00Z",
        "fine": "2026-11-20T10:00:00Z",
    }


@pytest.mark.parametrize(
    ("subject", "charset"),
    [
        ("Grüße aus Köln", "iso-8859-1"),
        ("Привет", "koi8-r"),
        ("こんにちは", "shift_jis"),
        ("Zoë ☕", "utf-8"),
    ],
)
def test_non_ascii_names_and_subjects_in_several_charsets(
    run, tmp_path, config, people, subject, charset
):
    from email.header import Header

    encoded = Header(subject, charset).encode()
    name = Header("Jäne Dœ", "utf-8").encode()
    raw = (
        f"From: {name} <jane@acme.io>\r\nTo: {ME}\r\nSubject: {encoded}\r\n"
        f"Date: Fri, 20 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{charset}@x>\r\n"
        f"Content-Type: text/plain; charset={charset}\r\n\r\n"
    ).encode() + subject.encode(charset)
    raw_maildir_file(tmp_path / "box", "1.M1.host", raw)
    item = capture(run, str(tmp_path / "box"))["items"][0]
    assert item["title"] == subject
    assert item["excerpt"] == subject


def test_dry_run_writes_nothing_and_lists_in_a_pipe(run, tmp_path, config, people):
    maildir(tmp_path / "box", [message("jane@acme.io", ME, "Dry")])
    out = run("capture", "mail", str(tmp_path / "box"), "--dry-run").stdout
    assert "Dry" in out and "Would log 1 email" in out
    assert notes(run, "jane") == []
    assert run.json("history") == [] or all(
        "capture" not in c["command"] for c in run.json("history")
    )
    # and it read nothing for good: a real run still finds the message
    assert capture(run, str(tmp_path / "box"))["counts"]["logged"] == 1


def test_cron_silence_when_not_a_terminal(run, tmp_path, config, people):
    maildir(tmp_path / "box", [message("jane@acme.io", ME, "Quiet")])
    result = run("capture", "mail", str(tmp_path / "box"))
    assert result.stdout == "" and result.stderr == ""
    assert len(notes(run, "jane")) == 1
    verbose = run("capture", "mail", str(tmp_path / "box"), "--verbose")
    assert "Logged 0 emails from 0 new messages" in verbose.stdout


def test_one_change_set_undone_as_a_whole_then_captured_again(run, tmp_path, config, people):
    box = tmp_path / "box"
    maildir(box, [message("jane@acme.io", ME, "one"), message("bob@stone.example", ME, "two")])
    result = capture(run, str(box))
    assert result["changeset"] is not None
    history = run.json("history")
    assert history[0]["id"] == result["changeset"]
    run("undo")
    assert notes(run, "jane") == [] and notes(run, "bob") == []
    assert run.json("show", "jane")["last_contacted_at"] is None
    again = capture(run, str(box))
    assert again["counts"]["messages"] == 2 and again["counts"]["logged"] == 2


def test_capture_alone_runs_what_the_config_names(run, tmp_path, config, people):
    maildir(tmp_path / "Mail" / "INBOX", [message("jane@acme.io", ME, "configured")])
    config(f'[capture]\nmail = ["{tmp_path / "Mail"}"]\n')
    result = run.json("capture")
    assert result["mail"]["counts"]["logged"] == 1
    assert result["calendar"] is None


def test_capture_alone_without_config_says_what_to_set(run, config):
    result = run("capture", code=2)
    assert "[capture]" in result.stderr


def test_bad_paths_and_options(run, tmp_path, config):
    assert "no such file" in run("capture", "mail", str(tmp_path / "nope"), code=2).stderr
    (tmp_path / "empty").mkdir()
    assert "no mail" in run("capture", "mail", str(tmp_path / "empty"), code=2).stderr
    assert "--suggest" in run("capture", "mail", str(tmp_path), "--add", code=2).stderr
    (tmp_path / "config.toml").write_text("[capture]\nexcerpt = -3\n")
    assert "capture.excerpt" in run("capture", "mail", str(tmp_path), code=2).stderr


def test_without_me_every_message_counts_as_received(run, tmp_path, people):
    maildir(tmp_path / "box", [message(ME, "jane@acme.io", "sent")])
    result = capture(run, str(tmp_path / "box"))
    assert result["items"][0]["direction"] == "in"
    assert result["notices"] and "[me]" in result["notices"][0]


def test_suggest_lists_frequent_correspondents_and_add_creates_them(run, tmp_path, config, people):
    box = tmp_path / "box"
    maildir(
        box,
        [
            message(ME, "Carol King <carol@king.example>", "1"),
            message("Carol King <carol@king.example>", ME, "2"),
            message(ME, "carol@king.example", "3", date=datetime(2026, 11, 21, tzinfo=UTC)),
            message(ME, "dan@d.example", "4"),
            message("spam@spam.example", ME, "only writes to me"),
            message("news@n.example", ME, "list", headers={"List-Id": "<l>"}),
        ],
    )
    found = run.json("capture", "mail", str(box), "--suggest")
    assert [(s["address"], s["sent"], s["received"]) for s in found["suggestions"]] == [
        ("carol@king.example", 2, 1),
        ("dan@d.example", 1, 0),
    ]
    assert found["suggestions"][0]["name"] == "Carol King"
    assert found["suggestions"][0]["last"] == "2026-11-21T00:00:00Z"
    assert found["added"] is False
    assert run.json("ls") and len(run.json("ls")) == 2  # nothing written
    added = run.json("capture", "mail", str(box), "--suggest", "--add", "--limit", "1")
    assert added["suggestions"][0]["contact"]["name"] == "Carol King"
    assert added["capture"]["counts"]["logged"] == 3
    assert len(notes(run, "carol")) == 3
    run("undo")
    assert len(run.json("ls")) == 2


def test_hostile_subject_is_never_an_escape_on_the_screen(run, tmp_path, config, people):
    from email.header import Header

    evil = Header("\x1b[2J\x1b]8;;http://evil\x07[bold]x[/bold]", "utf-8").encode()
    raw = (
        f"From: jane@acme.io\r\nTo: {ME}\r\nSubject: {evil}\r\nMessage-ID: <e@x>\r\n\r\nbody\x1b[31m\r\n"
    ).encode()
    raw_maildir_file(tmp_path / "box", "1.M1.host", raw)
    out = run("capture", "mail", str(tmp_path / "box"), "--verbose").stdout
    assert "\x1b" not in out and "\x07" not in out
    assert "[bold]x[/bold]" in out
    shown = run("notes", "jane").stdout
    assert "\x1b" not in shown


def test_json_shape(run, tmp_path, config, people):
    maildir(tmp_path / "box", [message("jane@acme.io", ME, "shape")])
    data = capture(run, str(tmp_path / "box"))
    assert set(data) == {
        "what",
        "dry_run",
        "sources",
        "counts",
        "changeset",
        "items",
        "upcoming",
        "problems",
        "notices",
    }
    item = data["items"][0]
    assert set(item) == {
        "interaction_id",
        "key",
        "kind",
        "occurred_at",
        "direction",
        "title",
        "excerpt",
        "contacts",
        "source",
    }
    assert json.dumps(data)


def test_capture_alone_is_one_change_set_for_mail_and_calendar(run, tmp_path, config, people):
    from mailgen import ics, vevent

    maildir(tmp_path / "Mail" / "INBOX", [message("jane@acme.io", ME, "mail")])
    cal = tmp_path / "cal"
    cal.mkdir()
    (cal / "m.ics").write_text(
        ics(vevent("m", "DTSTART:20261120T100000Z", summary="Met", attendees=["bob@stone.example"]))
    )
    config(f'[capture]\nmail = ["{tmp_path / "Mail"}"]\ncalendar = ["{cal}"]\n')
    result = run.json("capture")
    assert result["mail"]["counts"]["logged"] == 1
    assert result["calendar"]["counts"]["logged"] == 1
    assert result["mail"]["changeset"] == result["calendar"]["changeset"] is not None
    run("undo")
    assert notes(run, "jane") == [] and notes(run, "bob") == []
    again = run.json("capture", "--dry-run")
    assert again["mail"]["counts"]["logged"] == 1 and again["calendar"]["counts"]["logged"] == 1
