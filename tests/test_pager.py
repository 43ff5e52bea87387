"""The pager (issue 14.1): long output at a terminal goes through $MINICRM_PAGER / $PAGER /
less, as it is produced; short output, pipes, --no-pager and a pager set to cat never
start one; a pager the user quits early stops the command at once, quietly (exit 0).

The terminal runs are real pseudo-terminals; the pager is a small script that records
what it was given (and may quit early, as a user pressing q does)."""

from __future__ import annotations

import io
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import MINICRM
from minicrm.ui import pager
from reliability.test_hostile import run_in_one_pty, run_in_ptys

FAKE_PAGER = r"""
import os, sys
record = sys.argv[1]
keep = int(sys.argv[2]) if len(sys.argv) > 2 else None
got = []
for line in sys.stdin:
    got.append(line)
    if keep is not None and len(got) >= keep:
        break  # the user pressed q
with open(record, "a", encoding="utf-8") as out:
    out.write(f"PAGER LESS={os.environ.get('LESS')!r} LINES={len(got)}\n")
    out.writelines(got)
sys.stdout.write(f"[paged {len(got)} lines]\n")
"""


@pytest.fixture
def fake_pager(tmp_path: Path) -> tuple[str, Path]:
    script = tmp_path / "fake_pager.py"
    script.write_text(FAKE_PAGER, encoding="utf-8")
    record = tmp_path / "paged.txt"
    return f"{shlex.quote(sys.executable)} {shlex.quote(str(script))} {record}", record


@pytest.fixture
def contacts_env(cli_env: dict[str, str]) -> dict[str, str]:
    """200 contacts with a follow-up and a note each, 4 duplicates, one deal; a terminal
    of 24 rows."""
    import minicrm
    from minicrm.activity import followups, interactions
    from minicrm.deals import service as deals

    store = minicrm.open_store(cli_env["MINICRM_DB"])
    try:
        with store.transaction():
            for i in range(200):
                minicrm.add_contact(
                    store,
                    f"Person {i:03d}",
                    minicrm.ContactChanges(
                        add={"emails": [f"p{i}@example.com"]},
                        fields={"birthday": "1990-11-25", "every": "7d"},
                    ),
                )
                followups.add_followup(store, f"#{i + 1}", f"Call {i}", due="2026-11-20")
                interactions.log(store, [f"#{i + 1}"], f"Note {i}")
            for i in range(4):  # duplicates of Person 000-003 (the same email)
                minicrm.add_contact(
                    store,
                    f"Twin {i}",
                    minicrm.ContactChanges(add={"emails": [f"p{i}@example.com"]}),
                )
            deals.add_deal(store, "#1", "Deal", value="100")
    finally:
        store.close()
    env = {k: v for k, v in cli_env.items() if k not in ("MINICRM_PAGER", "NO_COLOR")}
    env.update(TERM="xterm-256color", COLUMNS="100", LINES="24")
    return env


def test_long_output_goes_through_the_pager_with_less_options(fake_pager, contacts_env):
    command, record = fake_pager
    env = {**contacts_env, "MINICRM_PAGER": command}
    env.pop("LESS", None)
    ((code, screen),) = run_in_ptys([["ls"]], env)
    assert code == 0, screen
    paged = record.read_text(encoding="utf-8")
    assert paged.startswith("PAGER LESS='FRX' LINES=205\n")  # the header and 204 rows
    assert "Person 199" in paged
    assert b"[paged 205 lines]" in screen and b"Person 000" not in screen  # all in the pager


def test_short_output_needs_no_pager(fake_pager, contacts_env):
    command, record = fake_pager
    env = {**contacts_env, "MINICRM_PAGER": command}
    results = run_in_ptys([["ls", "--limit", "5"], ["show", "Person 001"]], env)
    for code, screen in results:
        assert code == 0 and b"Person 00" in screen
    assert not record.exists()


def test_the_user_quitting_the_pager_stops_the_command_quietly(fake_pager, contacts_env):
    command, record = fake_pager
    env = {**contacts_env, "MINICRM_PAGER": command + " 30", "LESS": "-S"}
    ((code, screen),) = run_in_ptys([["ls"]], env)
    assert code == 0
    assert b"minicrm:" not in screen and b"Traceback" not in screen and b"Error" not in screen
    assert record.read_text(encoding="utf-8").startswith("PAGER LESS='-S' LINES=30\n")


def test_no_pager_cat_or_nothing_print_straight_to_the_terminal(fake_pager, contacts_env):
    command, record = fake_pager
    runs = [
        ({"MINICRM_PAGER": command}, ["--no-pager", "ls"]),
        ({"MINICRM_PAGER": "cat"}, ["ls"]),
        ({"MINICRM_PAGER": ""}, ["ls"]),
        ({"MINICRM_PAGER": "cat", "PAGER": command}, ["ls"]),  # MINICRM_PAGER wins
        ({"MINICRM_PAGER": "/no/such/pager"}, ["ls"]),  # cannot run: straight out
    ]
    for extra, argv in runs:
        ((code, screen),) = run_in_ptys([argv], {**contacts_env, **extra})
        assert code == 0 and b"Person 199" in screen, (extra, screen[-300:])
    assert not record.exists()


def test_pager_comes_from_PAGER_when_minicrm_pager_is_unset(fake_pager, contacts_env):
    command, record = fake_pager
    ((code, _),) = run_in_ptys([["ls"]], {**contacts_env, "PAGER": command})
    assert code == 0 and "Person 199" in record.read_text(encoding="utf-8")


def test_a_pipe_never_pages(fake_pager, contacts_env):
    command, record = fake_pager
    done = subprocess.run(
        [*MINICRM, "ls"],
        env={**contacts_env, "MINICRM_PAGER": command},
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0 and done.stdout.count(b"\n") == 205
    assert not record.exists()


LISTS = [
    ["ls"],
    ["ls", "--json"],
    ["show", "Person 001"],
    ["search", "Person"],
    ["dupes", "--min-score", "0"],
    ["notes", "Person 001"],
    ["interaction", "ls", "Person 001"],
    ["interaction", "show", "1"],
    ["followup", "ls"],
    ["followup", "show", "1"],
    ["due", "--on", "2026-11-22"],
    ["agenda", "--on", "2026-11-22"],
    ["stale", "--on", "2026-12-22"],
    ["birthdays", "--on", "2026-11-22"],
    ["company", "ls"],
    ["company", "show", "Acme"],
    ["tag", "cadence"],
    ["deal", "ls"],
    ["deal", "show", "1"],
    ["pipeline"],
    ["stats", "--on", "2026-11-22"],
    ["history"],
    ["digest", "--on", "2026-11-22"],
    ["export", "--format", "csv"],
]


def test_every_list_command_pages(fake_pager, contacts_env, tmp_path):
    """With a terminal of 2 rows, every command that lists pages its output."""
    command, record = fake_pager
    env = {**contacts_env, "MINICRM_PAGER": command, "LINES": "2"}
    for setup in (["company", "add", "Acme"], ["tag", "cadence", "vip", "7d"]):
        assert subprocess.run([*MINICRM, *setup], env=env, capture_output=True).returncode == 0
    for argv, (code, screen) in zip(LISTS, run_in_one_pty(LISTS, env), strict=True):
        assert code == 0, (argv, screen[-500:])
        assert b"[paged " in screen, (argv, screen[-500:])
    assert record.read_text(encoding="utf-8").count("PAGER LESS=") == len(LISTS)


# -- in-process: the pager's output object ---------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_output_up_to_a_screen_is_held_then_shown_without_a_pager():
    terminal = Terminal()
    out = pager.PagedOutput(terminal, "/no/such/pager", rows=5, columns=20)
    out.write("one\ntwo\n")
    assert terminal.getvalue() == ""
    out.release()  # before a prompt: what is held comes first
    assert terminal.getvalue() == "one\ntwo\n"
    out.write("three\n")
    out.finish()
    assert terminal.getvalue() == "one\ntwo\nthree\n"


def test_long_lines_count_as_the_rows_they_wrap_to():
    assert pager._screen_rows("x" * 45 + "\n", 20) == 3
    assert pager._screen_rows("\x1b[1mbold\x1b[0m\nä\n", 20) == 2


def test_the_first_write_after_the_pager_quit_stops_the_producer(tmp_path):
    terminal = Terminal()
    out = pager.PagedOutput(terminal, "sh -c 'head -n 1 >/dev/null'", rows=3, columns=80)
    out.write("a\nb\nc\nd\n")  # more than a screen: the pager starts
    assert out._process is not None
    out._process.wait()  # the user quit it
    with pytest.raises(BrokenPipeError):
        out.write("x" * pager.FLUSH_BYTES)
    assert out.broken
    out.finish()  # nothing left to flush, no error at exit


def test_no_pager_for_cat_or_nothing(monkeypatch):
    for value, expected in (("cat", None), ("", None), ("  ", None), ("most -s", "most -s")):
        monkeypatch.setenv("MINICRM_PAGER", value)
        assert pager.command() == expected
    monkeypatch.delenv("MINICRM_PAGER")
    monkeypatch.setenv("PAGER", "more")
    assert pager.command() == "more"
    monkeypatch.delenv("PAGER")
    monkeypatch.setenv("TERM", "dumb")  # Emacs' shell: no less unless asked for
    assert pager.command() is None
    monkeypatch.setenv("TERM", "xterm-256color")
    assert pager.command() in ("less", None)  # None where less is not installed


def test_a_pager_with_shell_syntax_runs_through_the_shell():
    assert pager._argv("less -R") == ["less", "-R"]
    assert pager._argv("less -R | cat")[:2] == ["/bin/sh", "-c"]


def test_start_is_a_no_op_in_a_pipe(monkeypatch):
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    pager.start()
    assert not isinstance(sys.stdout, pager.PagedOutput)
    assert os.environ.get("MINICRM_PAGER") != "x"


STALLING_PAGER = r"""
import signal, sys
signal.signal(signal.SIGINT, signal.SIG_IGN)  # as less does
for _ in range(5):
    sys.stdin.readline()
sys.stdout.write("[pager waits]\n")
sys.stdout.flush()
with open(sys.argv[1]) as go:  # a FIFO: the test says when to read on
    go.read()
sys.stdin.read()  # to the end: the command closed the pipe
sys.stdout.write("[pager done]\n")
"""


def test_ctrl_c_while_the_pager_shows_a_long_list_ends_quietly(contacts_env, tmp_path):
    """The user presses Ctrl-C while `ls --json` (~140 KB, more than a pipe holds) is
    blocked writing to a pager that waits for them: it stops (exit 130) without a
    message, once the pager has given the terminal back."""
    import pty
    import select
    import signal
    import time

    script = tmp_path / "stalling_pager.py"
    script.write_text(STALLING_PAGER, encoding="utf-8")
    go = tmp_path / "go"
    os.mkfifo(go)
    env = {**contacts_env, "MINICRM_PAGER": f"{sys.executable} {script} {go}"}
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [*MINICRM, "ls", "--json"], stdin=slave, stdout=slave, stderr=slave, env=env,
        start_new_session=True,
    )  # fmt: skip
    os.close(slave)
    screen, signalled = bytearray(), False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            screen += chunk
        if not signalled and b"[pager waits]" in screen:
            os.killpg(process.pid, signal.SIGINT)  # Ctrl-C: to the whole foreground group
            signalled = True
            with open(go, "w") as fifo:  # the pager reads on, to the end
                fifo.write("go")
        if process.poll() is not None and not ready:
            break
    else:
        process.kill()
        raise AssertionError(bytes(screen)[-500:])
    os.close(master)
    assert signalled and process.wait(timeout=10) == 130
    assert b"[pager done]" in screen
    assert b"minicrm:" not in screen and b"Traceback" not in screen, bytes(screen)[-500:]
