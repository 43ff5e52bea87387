"""minicrm digest: sections, formats, cron behaviour, catching up after a gap, SMTP."""

from __future__ import annotations

import email
import json
import re
import socket
import sqlite3
import subprocess
import sys
import time
from email import policy

import pytest

import minicrm

pytestmark = pytest.mark.usefixtures("berlin")


@pytest.fixture
def prepared(run):
    run(
        "add",
        "Ann Lee",
        "--email",
        "ann@acme.io",
        "--phone",
        "+1 555 0100",
        "--every",
        "14d",
        "--birthday",
        "1990-12-03",
    )
    run("add", "Bob <script>alert(1)</script> [bold]x[/]", "--email", "bob@x.io")
    run("log", "ann", "call", "Pricing talk\nsecond line", "--at", "2026-11-10 10:00")
    run("follow", "ann", "Send proposal", "--due", "2026-11-28")
    run("follow", "ann", "Call back", "--due", "2026-12-01", "--at", "16:30", "--priority", "high")
    run("follow", "bob", "Lunch", "--due", "2026-12-04")
    run("follow", "bob", "Far away", "--due", "2026-12-20")
    return run


def test_text_digest_lists_every_section_with_contact_details(prepared):
    out = prepared("digest", "--on", "2026-12-01").stdout
    assert out.startswith("minicrm digest for Tue 2026-12-01\n")
    for heading in (
        "OVERDUE",
        "TODAY",
        "COMING UP (NEXT 7 DAYS)",
        "TIME TO GET IN TOUCH",
        "BIRTHDAYS AND DATES (NEXT 7 DAYS)",
    ):
        assert heading in out
    overdue = out.split("OVERDUE")[1].split("TODAY")[0]
    assert "Send proposal - Ann Lee" in overdue and "3 days overdue" in overdue
    assert "+1 555 0100 / ann@acme.io" in overdue
    assert "Last: 2026-11-10 call: Pricing talk" in overdue
    assert "Call back - Ann Lee [high]" in out.split("TODAY")[1]
    assert "Lunch" in out and "Far away" not in out
    assert "turns 36" in out
    assert "\x1b" not in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_json_digest_is_stable_and_parses(prepared):
    data = json.loads(prepared("digest", "--on", "2026-12-01", "--format", "json").stdout)
    assert set(data) == {
        "as_of",
        "days",
        "generated_at",
        "previous_digest",
        "gap",
        "empty",
        "summary",
        "missed",
        "missed_dates",
        "overdue",
        "today",
        "upcoming",
        "stale",
        "dates",
        "deals",
        "limit",
        "counts",
    }
    assert data["limit"] == 20
    assert data["counts"]["overdue"] == 1 and data["counts"]["stale"] == len(data["stale"])
    assert [i["title"] for i in data["overdue"]] == ["Send proposal"]
    assert data["overdue"][0]["days_overdue"] == 3
    assert data["overdue"][0]["reach"]["email"] == "ann@acme.io"
    assert [i["title"] for i in data["today"]] == ["Call back"]
    assert [i["title"] for i in data["upcoming"]] == ["Lunch"]
    assert [s["contact"]["name"] for s in data["stale"]] == ["Ann Lee"]
    assert [d["label"] for d in data["dates"]] == ["birthday"]


def test_json_flag_is_format_json_as_for_every_command(prepared):
    """README: every command that shows data takes --json. The digest had only --format
    json (a trial's `digest --json` got "No such option")."""
    flag = prepared("digest", "--on", "2026-12-01", "--json").stdout
    formatted = prepared("digest", "--on", "2026-12-01", "--format", "json").stdout
    assert json.loads(flag)["summary"] == json.loads(formatted)["summary"]
    assert prepared("digest", "--on", "2026-12-01", "--json", "-f", "json").stdout == flag
    clash = prepared("digest", "--json", "--format", "html", code=2)
    assert clash.stdout == "" and "--json and --format disagree" in clash.stderr
    sending = prepared("digest", "--json", "--send-to", "a@b.io", code=2)
    assert "--json does not apply to --send-to" in sending.stderr


def test_html_digest_is_a_complete_escaped_page(prepared):
    page = prepared("digest", "--on", "2026-12-01", "--format", "html").stdout
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert '<meta charset="utf-8">' in page and "<style" not in page  # inline styles only
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Send proposal" in page


def test_markdown_digest_escapes_user_text(prepared):
    md = prepared("digest", "--on", "2026-12-01", "--format", "markdown").stdout
    assert md.startswith("# minicrm digest for Tue 2026-12-01")
    assert "## Overdue" in md
    assert "\\[bold\\]x\\[/\\]" in md and "<script>" not in md


def test_quiet_if_empty_prints_zero_bytes(run):
    result = run("digest", "--quiet-if-empty")
    assert result.stdout == "" and result.stderr == ""
    assert "Nothing is due" in run("digest").stdout


def test_a_gap_since_the_last_digest_gets_its_own_heading(prepared):
    prepared("digest", "--on", "2026-11-27")
    prepared("run", code=2)  # unrelated usage error: not a digest run
    data = json.loads(prepared("digest", "--on", "2026-12-05", "--format", "json").stdout)
    assert data["gap"] is True and data["previous_digest"] == "2026-11-27"
    assert {i["title"] for i in data["missed"]} == {"Send proposal", "Call back", "Lunch"}
    assert data["overdue"] == []
    assert [d["date"] for d in data["missed_dates"]] == ["2026-12-03"]  # Ann's birthday
    missed = prepared("digest", "--on", "2026-12-05").stdout.split("MISSED SINCE")[1]
    assert "Thu 2026-12-03 (2 days ago, turns 36)" in missed
    text = prepared("digest", "--on", "2026-12-06").stdout
    assert "MISSED SINCE" not in text  # the previous digest was yesterday: no gap
    assert "OVERDUE" in text


def test_every_run_is_recorded(prepared, db_path):
    prepared("digest", "--on", "2026-12-01")
    prepared("digest", "--on", "2026-12-02", "--format", "json")
    rows = (
        sqlite3.connect(db_path).execute("SELECT as_of, format, status FROM digest_runs").fetchall()
    )
    assert rows == [("2026-12-01", "text", "printed"), ("2026-12-02", "json", "printed")]
    history = (
        sqlite3.connect(db_path)
        .execute("SELECT count(*) FROM changesets WHERE command LIKE '%digest%'")
        .fetchone()[0]
    )
    assert history == 0  # a digest run is bookkeeping, not an undoable change


def test_a_writer_holding_the_lock_does_not_stop_the_digest(prepared, db_path):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import sqlite3, sys, time\n"
                f"c = sqlite3.connect({str(db_path)!r}, isolation_level=None)\n"
                "c.execute('BEGIN IMMEDIATE')\n"
                "c.execute(\"UPDATE contacts SET title = 'busy'\")\n"
                "print('locked', flush=True)\n"
                "time.sleep(2)\n"
                "c.execute('COMMIT')\n"
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        out = prepared("digest", "--on", "2026-12-01").stdout
        assert "Send proposal" in out
        assert time.monotonic() - started < 30
    finally:
        holder.wait(timeout=30)
        holder.stdout.close()
    assert holder.returncode == 0


def test_reminder_when_the_last_digest_is_old(prepared, monkeypatch, db_path):
    prepared("digest")
    monkeypatch.setattr("minicrm.cli.common.interactive", lambda: True)
    assert "last digest" not in prepared("ls").stderr
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE digest_runs SET ran_at = '2026-11-19T06:00:00Z'")
    conn.commit()
    err = prepared("ls").stderr
    assert re.search(r"the last digest ran 3 days ago", err)
    monkeypatch.setattr("minicrm.cli.common.interactive", lambda: False)
    assert prepared("ls").stderr == ""  # scripts and cron are not nagged


# -- SMTP ---------------------------------------------------------------------------------


class Inbox:
    def __init__(self, reply: str | None = None) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.reply = reply

    async def handle_DATA(self, server, session, envelope):
        if self.reply:
            return self.reply
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp(monkeypatch):
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("MINICRM_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("MINICRM_SMTP_PORT", str(port))
    monkeypatch.setenv("MINICRM_SMTP_SECURITY", "none")
    monkeypatch.setenv("MINICRM_SMTP_FROM", "crm@example.org")
    yield inbox
    controller.stop()


def test_send_to_delivers_a_two_part_message(prepared, smtp):
    result = prepared("digest", "--on", "2026-12-01", "--send-to", "me@example.org")
    assert result.stdout == ""  # cron gets nothing to mail on success
    assert smtp.envelopes == [("crm@example.org", ["me@example.org"])]
    message = smtp.messages[0]
    assert message.get_content_type() == "multipart/alternative"
    assert message["Subject"].startswith("minicrm digest for Tue 2026-12-01: 1 overdue")
    parts = [p.get_content_type() for p in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    assert "Send proposal" in message.get_body(("plain",)).get_content()
    assert message.get_body(("html",)).get_content().startswith("<!DOCTYPE html>")


def test_send_to_a_local_mailbox_and_from_one(prepared, smtp, monkeypatch):
    """A server's own mail (cron's MAILTO=root, a local Postfix) is addressed to a host
    without dots: `me@localhost` was refused as "not an email address". Contacts' emails
    still need a domain with a dot (a typo guard); mail delivery takes any host name."""
    monkeypatch.setenv("MINICRM_SMTP_FROM", "minicrm@localhost")
    prepared(
        "digest", "--on", "2026-12-01", "--send-to", "me@localhost", "--send-to", "root@mail-1"
    )
    assert smtp.envelopes == [("minicrm@localhost", ["me@localhost", "root@mail-1"])]
    for bad in ("me@", "me@-host", "me@host_name", "me@.local", "two@@host"):
        result = prepared("digest", "--send-to", bad, code=2)
        assert f"not an email address: {bad!r}" in result.stderr
    prepared("add", "Local Only", "--email", "jane@localhost", code=2)


def test_quiet_if_empty_sends_nothing(run, smtp):
    run("digest", "--quiet-if-empty", "--send-to", "me@example.org")
    assert smtp.messages == []


def test_refused_delivery_exits_7_with_the_servers_reason(prepared, smtp, db_path):
    smtp.reply = "554 5.7.1 Message rejected as spam"
    result = prepared("digest", "--send-to", "me@example.org", code=7)
    assert "554" in result.stderr and "rejected as spam" in result.stderr
    status = sqlite3.connect(db_path).execute("SELECT status FROM digest_runs").fetchall()
    assert status == [("failed",)]


def test_unreachable_server_and_missing_settings(prepared, monkeypatch):
    monkeypatch.setenv("MINICRM_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("MINICRM_SMTP_PORT", "1")
    monkeypatch.setenv("MINICRM_SMTP_SECURITY", "none")
    monkeypatch.setenv("MINICRM_SMTP_FROM", "crm@example.org")
    assert (
        "cannot reach the SMTP server" in prepared("digest", "--send-to", "a@b.io", code=7).stderr
    )
    monkeypatch.delenv("MINICRM_SMTP_HOST")
    assert "no SMTP server" in prepared("digest", "--send-to", "a@b.io", code=2).stderr
    prepared("digest", "--send-to", "not-an-address", code=2)
    monkeypatch.setenv("MINICRM_SMTP_HOST", "127.0.0.1")
    prepared("digest", "--send-to", "a@b.io", "--format", "html", code=2)


def test_smtp_settings_from_the_config_file(tmp_path, monkeypatch):
    from minicrm.digest import mail

    for name in ("HOST", "PORT", "SECURITY", "USER", "PASSWORD", "FROM"):
        monkeypatch.delenv(f"MINICRM_SMTP_{name}", raising=False)
    config = tmp_path / "config.toml"
    config.write_text(
        '[smtp]\nhost = "mail.example.org"\nuser = "me@example.org"\nsecurity = "ssl"\n'
    )
    monkeypatch.setenv("MINICRM_CONFIG", str(config))
    settings = mail.settings()
    assert (settings.host, settings.port, settings.security, settings.sender) == (
        "mail.example.org",
        465,
        "ssl",
        "me@example.org",
    )
    monkeypatch.setenv("MINICRM_SMTP_PORT", "2525")
    assert mail.settings().port == 2525
    monkeypatch.setenv("MINICRM_SMTP_HOST", "")  # empty counts as not set
    assert mail.settings().host == "mail.example.org"
    monkeypatch.setenv("MINICRM_SMTP_SECURITY", "tls-please")
    with pytest.raises(minicrm.InvalidInput):
        mail.settings()


@pytest.mark.parametrize(
    ("table", "named"),
    [
        ('host = "mail.example.org"\npasword = "hunter2"\n', "pasword"),  # the password lost
        ('host = "mail.example.org"\nsender = "me@example.org"\n', "sender"),
        (
            'host = "mail.example.org"\nport = [587]\n',
            "smtp.port must be a number (e.g. port = 587)",
        ),
        ("host = 25\n", 'smtp.host must be text in quotes (e.g. host = "smtp.example.org")'),
    ],
)
def test_a_misspelt_or_malformed_smtp_key_is_refused(run, crowded, monkeypatch, table, named):
    """A misspelt key of [smtp] used to be ignored: the digest went out unauthenticated
    or from the wrong sender, or failed later naming a setting the user believed set.
    Like [capture], [me], [backups] and [digest], the table is checked as it is read."""
    for name in ("HOST", "PORT", "SECURITY", "USER", "PASSWORD", "FROM"):
        monkeypatch.delenv(f"MINICRM_SMTP_{name}", raising=False)
    crowded.write_text("[smtp]\n" + table)
    result = run("digest", "--send-to", "a@b.io", code=2)
    assert len(result.stderr.splitlines()) == 1 and named in result.stderr
    if "must be" not in named:
        assert "(keys: from, host, password, port, security, user)" in result.stderr
    assert "hunter2" not in result.stderr
    assert run("config", "ls", code=2).stderr == result.stderr


# -- sections with a limit (issue 14.4: a digest of 100k contacts listed 13,206 people) ---


@pytest.fixture
def crowded(run, isolated):
    """5 contacts past their cadence (Cy the longest), 3 overdue follow-ups."""
    for name, logged in (
        ("Ann", "2026-11-01"),
        ("Ben", "2026-10-25"),
        ("Cy", "2026-10-01"),
        ("Dee", "2026-11-05"),
        ("Eve", "2026-11-10"),
    ):
        run("add", name, "--every", "7d")
        run("log", name.lower(), "call", f"Talk with {name}", "--at", logged)
    for title in ("One", "Two", "Three"):
        run("follow", "ann", title, "--due", "2026-11-25")
    return isolated.parent.parent / "config.toml"


def test_each_section_stops_at_the_configured_limit_and_counts_the_rest(run, crowded):
    crowded.write_text("[digest]\nlimit = 2\n")
    out = run("digest", "--on", "2026-12-01").stdout
    assert out.splitlines()[1] == "3 overdue, 5 to get in touch with"
    stale = out.split("TIME TO GET IN TOUCH")[1]
    assert stale.count("\n* ") == 2 and "#3 Cy" in stale  # the most days over first
    assert "... and 3 more (minicrm stale)\n" in stale
    overdue = out.split("OVERDUE")[1].split("TIME TO")[0]
    assert overdue.count("\n* ") == 2 and "... and 1 more (minicrm due)\n" in overdue
    data = json.loads(run("digest", "--on", "2026-12-01", "-f", "json").stdout)
    assert (len(data["stale"]), data["counts"]["stale"], data["limit"]) == (2, 5, 2)
    assert (len(data["overdue"]), data["counts"]["overdue"]) == (2, 3)
    assert data["summary"] == "3 overdue, 5 to get in touch with"
    assert all(item["reach"]["last_interaction"] for item in data["stale"])
    markdown = run("digest", "--on", "2026-12-01", "-f", "markdown").stdout
    assert "... and 3 more (minicrm stale)" in markdown
    page = run("digest", "--on", "2026-12-01", "-f", "html").stdout
    assert "... and 3 more (minicrm stale)" in page


def test_limit_zero_shows_every_entry_and_the_default_is_twenty(run, crowded):
    crowded.write_text("[digest]\nlimit = 0\n")
    data = json.loads(run("digest", "--on", "2026-12-01", "-f", "json").stdout)
    assert (len(data["stale"]), data["limit"]) == (5, None)
    assert "more (minicrm" not in run("digest", "--on", "2026-12-01").stdout
    crowded.unlink()
    for n in range(20):
        run("follow", "ben", f"Task {n}", "--due", "2026-11-20")
    data = json.loads(run("digest", "--on", "2026-12-01", "-f", "json").stdout)
    assert (len(data["overdue"]), data["counts"]["overdue"], data["limit"]) == (20, 23, 20)


@pytest.mark.parametrize("value", ["-1", "true", '"ten"', "100001"])
def test_a_bad_digest_limit_is_refused(run, crowded, value):
    crowded.write_text(f"[digest]\nlimit = {value}\n")
    result = run("digest", code=2)
    assert "digest.limit must be a whole number from 0 to 100000" in result.stderr


def test_reach_is_read_only_for_the_contacts_shown(run, crowded, monkeypatch):
    from minicrm.activity import views

    asked = []
    real = views._reach

    def reach(store, ids):
        asked.extend(ids := list(ids))
        return real(store, ids)

    monkeypatch.setattr(views, "_reach", reach)
    crowded.write_text("[digest]\nlimit = 2\n")
    run("digest", "--on", "2026-12-01")
    assert len(asked) == 2


def test_wrapping_is_textwraps(run):
    """The digest's own wrapping gives textwrap's lines, whatever the text."""
    import textwrap

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from minicrm.digest.render import wrap

    @settings(max_examples=400, deadline=None)
    @given(st.text(st.sampled_from("ab xyz-é漢\t\u00a0"), max_size=120), st.sampled_from([10, 80]))
    def same(text, width):
        expected = textwrap.wrap(
            text,
            width,
            initial_indent="* ",
            subsequent_indent="  ",
            break_long_words=True,
            break_on_hyphens=False,
        )
        assert wrap(text, "* ", "  ", width) == expected

    same()
