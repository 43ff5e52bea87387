"""Hostile mail is ordinary mail, and capture shares the database (issue 20).

A fuzzed corpus (hypothesis) of encoded words holding escapes and markup, malformed dates
and headers, broken MIME, invalid charsets, deep nesting and a 50 MB attachment: never a
traceback, never an escape on the terminal, never a hang; a bad message is counted and
skipped, never the run. Then real processes: two captures of one Maildir and writers
logging by hand at the same time: each message logged once, no command fails.
"""

from __future__ import annotations

import json
import subprocess
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minicrm
from conftest import MINICRM
from mailgen import maildir, message, raw_maildir_file
from minicrm.capture import mailparse, matching, service
from minicrm.capture.text import excerpt
from minicrm.ui.render import visible

ME = "me@example.org"

_header_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=80
) | st.sampled_from(
    [
        "=?utf-8?q?=1B[2J=1B]8;;http://evil=07click?=",
        "=?x-unknown-charset?b?SGVsbG8=?=",
        "=?utf-8?b?!!!not base64?=",
        "=?utf-7?q?+AGEAYgBj-?=",
        "[bold red]markup[/]",
        "\u202eevil\u202c",
        "=?iso-8859-1?q?=E9?= =?koi8-r?b?8NLJ18XU?=",
    ]
)
_dates = st.sampled_from(
    [
        "Fri, 20 Nov 2026 10:00:00 +0000",
        "yesterday",
        "Fri, 31 Feb 2026 10:00:00 +0000",
        "Sat, 01 Jan 9999 00:00:00 +9999",
        "",
        "0",
        "Mon, 1 Jan 1900 00:00:00 -0000",
    ]
)


@st.composite
def hostile_messages(draw) -> bytes:
    headers = {
        "From": draw(st.sampled_from(["jane@acme.io", "Jane <jane@acme.io>", "", "<>", "@@", ""]))
        + draw(st.sampled_from(["", " (comment", ", \x1b[31m@x"])),
        "To": draw(st.sampled_from([ME, f"{ME}, jane@acme.io", "undisclosed-recipients:;", ""])),
        "Subject": draw(_header_text),
        "Date": draw(_dates),
    }
    if draw(st.booleans()):
        headers["Message-ID"] = draw(st.sampled_from(["<same@x>", "", "<<>>", "no-brackets"]))
    charset = draw(st.sampled_from(["utf-8", "bogus-charset", "", "utf-16", "\x00"]))
    boundary = draw(st.sampled_from(["b1", "", '"unterminated', "x" * 100]))
    kind = draw(st.sampled_from(["plain", "multipart", "html", "raw"]))
    body = draw(st.binary(max_size=300))
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    if kind == "plain":
        head += f"Content-Type: text/plain; charset={charset}\r\n"
        payload = body
    elif kind == "html":
        head += (
            f"Content-Type: text/html; charset={charset}\r\nContent-Transfer-Encoding: base64\r\n"
        )
        payload = b"<p>" + body + b"<script>"
    elif kind == "multipart":
        head += f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n'
        payload = (
            f"--{boundary}\r\nContent-Type: text/plain; charset={charset}\r\n\r\n".encode()
            + body
            + f"\r\n--{boundary}\r\nContent-Type: multipart/alternative; boundary=z\r\n\r\n--z".encode()
        )
    else:
        payload = body
    return head.encode("utf-8", "surrogateescape") + b"\r\n" + payload


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_parsing_any_bytes_never_raises(data):
    headers = mailparse.parse_headers(mailparse.split_head(data))
    assert headers.key
    text = excerpt(mailparse.body_text(data), 280)
    assert "\x1b" not in text and "\x00" not in text
    assert "\x1b" not in headers.subject


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(hostile_messages(), min_size=1, max_size=6))
def test_a_hostile_corpus_is_counted_never_a_crash(tmp_path_factory, messages):
    folder = tmp_path_factory.mktemp("fuzz")
    store = minicrm.open_store(folder / "x.db")
    try:
        with store.transaction():
            from minicrm.contacts import service as contacts

            contacts.add_contact(
                store, "Jane", contacts.ContactChanges(add={"emails": ["jane@acme.io"]})
            )
        for number, raw in enumerate(messages):
            raw_maildir_file(folder / "box", f"{number}.M{number}.host", raw)
        options = matching.MailOptions(me=(ME,))
        result = service.capture_mail(store, [folder / "box"], options)
        c = result.counts
        assert c["messages"] == len(messages)
        assert (
            c["messages"]
            == c["logged"] + c["duplicates"] + c["noise"] + c["ignored"] + c["unknown"] + c["bad"]
        )
        for item in result.items:
            assert "\x1b" not in visible(item.title) and "\x1b" not in visible(item.excerpt)
        again = service.capture_mail(store, [folder / "box"], options)
        assert again.counts["logged"] == 0
    finally:
        store.close()


def test_a_50_mb_attachment_deep_nesting_and_a_huge_header(run, tmp_path):
    (tmp_path / "config.toml").write_text(f'[me]\nemails = ["{ME}"]\n')
    run("add", "Jane", "--email", "jane@acme.io")
    big = message("jane@acme.io", ME, "Big", "See attached.", attachment=b"\0" * (50 * 1024 * 1024))
    raw_maildir_file(tmp_path / "box", "1.M1.host", big)
    deep = b"From: jane@acme.io\r\nTo: me@example.org\r\nSubject: Deep\r\nMessage-ID: <deep@x>\r\n"
    deep += b"Content-Type: multipart/mixed; boundary=a\r\n\r\n"
    deep += b"--a\r\nContent-Type: multipart/mixed; boundary=a\r\n\r\n" * 3000
    raw_maildir_file(tmp_path / "box", "2.M2.host", deep)
    huge = b"From: jane@acme.io\r\nSubject: Huge\r\nTo: " + b"x@y.z, " * 200_000 + b"\r\n\r\nhi"
    raw_maildir_file(tmp_path / "box", "3.M3.host", huge)
    result = run.json("capture", "mail", str(tmp_path / "box"))
    assert result["counts"]["messages"] == 3
    titles = {i["title"]: i["excerpt"] for i in result["items"]}
    assert titles["Big"] == "See attached."
    assert "Deep" in titles and "Huge" in titles


def test_a_message_id_reused_by_another_message(run, tmp_path):
    (tmp_path / "config.toml").write_text(f'[me]\nemails = ["{ME}"]\n')
    run("add", "Jane", "--email", "jane@acme.io")
    maildir(
        tmp_path / "box",
        [
            message("jane@acme.io", ME, "First", message_id="<reused@x>"),
            message("jane@acme.io", ME, "Other", message_id="<reused@x>"),
        ],
    )
    result = run.json("capture", "mail", str(tmp_path / "box"))
    assert result["counts"]["logged"] == 1 and result["counts"]["duplicates"] == 1


def test_an_unreadable_file_is_counted_and_the_rest_logged(run, tmp_path):
    import os

    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    (tmp_path / "config.toml").write_text(f'[me]\nemails = ["{ME}"]\n')
    run("add", "Jane", "--email", "jane@acme.io")
    maildir(tmp_path / "box", [message("jane@acme.io", ME, "ok")])
    locked = raw_maildir_file(tmp_path / "box", "9.M9.host", message("jane@acme.io", ME, "locked"))
    locked.chmod(0)
    result = run("capture", "mail", str(tmp_path / "box"))
    assert "unreadable" in result.stderr or "cannot read" in result.stderr


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*MINICRM, *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_capture_while_others_log_and_capture(cli_env, tmp_path, soak):
    size, logs = (5000, 100) if soak else (150, 8)
    Path(cli_env["MINICRM_CONFIG"]).write_text(f'[me]\nemails = ["{ME}"]\n')
    assert _run(cli_env, "add", "Jane", "--email", "jane@acme.io").returncode == 0
    assert _run(cli_env, "add", "Bob", "--email", "bob@b.example").returncode == 0
    maildir(
        tmp_path / "Mail" / "INBOX",
        [message("jane@acme.io" if i % 3 else "other@x.example", ME, f"m{i}") for i in range(size)],
    )
    failures: list[str] = []
    outputs: list[dict] = []

    def capture() -> None:
        result = _run(cli_env, "capture", "mail", str(tmp_path / "Mail"), "--json")
        if result.returncode:
            failures.append(result.stderr)
        else:
            outputs.append(json.loads(result.stdout))

    def writer() -> None:
        for i in range(logs):
            result = _run(cli_env, "log", "bob", f"by hand {i}")
            if result.returncode:
                failures.append(result.stderr)

    threads = [threading.Thread(target=capture), threading.Thread(target=capture)]
    threads += [threading.Thread(target=writer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert failures == []
    expected = sum(1 for i in range(size) if i % 3)
    assert sum(o["counts"]["logged"] for o in outputs) == expected
    with minicrm.open_store(cli_env["MINICRM_DB"]) as store:
        assert (
            store.scalar("SELECT count(*) FROM interactions WHERE external_key IS NOT NULL")
            == expected
        )
        assert (
            store.scalar("SELECT count(*) FROM interactions WHERE external_key IS NULL") == 2 * logs
        )
    again = json.loads(_run(cli_env, "capture", "mail", str(tmp_path / "Mail"), "--json").stdout)
    assert again["counts"]["logged"] == 0


def test_at_a_terminal_the_list_and_summary_show_and_data_cannot_steer_it(cli_env, tmp_path):
    from reliability.test_hostile import run_answering

    env = {**cli_env, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
    env.pop("NO_COLOR", None)
    Path(env["MINICRM_CONFIG"]).write_text(f'[me]\nemails = ["{ME}"]\n')
    assert _run(env, "add", "Jane", "--email", "jane@acme.io").returncode == 0
    evil = (
        "=?utf-8?b?"
        + __import__("base64")
        .b64encode("\x1b[2J\x1b]8;;http://evil\x07Click\u202e".encode())
        .decode()
        + "?="
    )
    raw = f"From: jane@acme.io\r\nTo: {ME}\r\nSubject: {evil}\r\nMessage-ID: <t@x>\r\n\r\nhi\r\n"
    raw_maildir_file(tmp_path / "box", "1.M1.host", raw.encode())
    code, screen = run_answering(["capture", "mail", str(tmp_path / "box")], env, [])
    assert code == 0
    assert b"Logged 1 email" in screen and b"Click" in screen
    assert b"\x1b[2J" not in screen and b"\x1b]8;;http://evil" not in screen
    assert "\u202e".encode() not in screen
