"""The database file under pressure from outside: `db check` while another process holds
the write lock (issue 13.8), a path that is a symlink or a file of another user, and
umask 022 (13.10), concurrent backups and the temporary copies that killed restores and
backups leave behind (13.11). Real processes throughout; every wait is bounded and
synchronised through a pipe, never a sleep."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import minicrm
from conftest import MINICRM
from minicrm import maintenance
from minicrm.errors import DatabaseBusy

# Holds BEGIN IMMEDIATE (and has written: a reader's snapshot is then stale) until a line
# arrives on stdin; says "held" once it has the lock.
HOLDER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("PRAGMA user_version = 7")
print("held", flush=True)
sys.stdin.readline()
conn.execute("COMMIT")
conn.close()
"""


def hold_write_lock(db: Path) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline() == "held\n", holder.stderr.read() if holder.stderr else ""
    return holder


def release(holder: subprocess.Popen[str]) -> None:
    assert holder.stdin is not None
    if not holder.stdin.closed:
        holder.stdin.write("go\n")
        holder.stdin.close()


def finish(holder: subprocess.Popen[str]) -> None:
    release(holder)
    holder.wait(timeout=60)
    assert holder.returncode == 0, holder.stderr.read() if holder.stderr else ""
    for stream in (holder.stdout, holder.stderr):
        if stream is not None:
            stream.close()


def minicrm_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MINICRM, *args], env=env, capture_output=True, text=True, timeout=120)


# -- 13.8: a busy database is busy, not damaged ------------------------------------------


def test_db_check_on_a_busy_database_is_busy_not_damaged(cli_env):
    """Another process holds the write lock for longer than the busy timeout: exit 5 and
    the busy line, never "FAIL search_index" and exit 8 with a --repair hint."""
    assert minicrm_cli(cli_env, "add", "Jane Doe").returncode == 0
    db = Path(cli_env["MINICRM_DB"])
    holder = hold_write_lock(db)
    try:
        done = minicrm_cli({**cli_env, "MINICRM_BUSY_TIMEOUT": "0.2"}, "db", "check")
        as_json = minicrm_cli({**cli_env, "MINICRM_BUSY_TIMEOUT": "0.2"}, "db", "check", "--json")
    finally:
        finish(holder)
    assert done.returncode == 5, (done.stdout, done.stderr)
    assert "FAIL" not in done.stdout and "--repair" not in done.stderr
    assert done.stderr == (
        "minicrm: database is busy: another process held its lock for longer than 0.2 s "
        "(try again)\n"
    )
    assert as_json.returncode == 5 and as_json.stdout == ""
    again = minicrm_cli(cli_env, "db", "check")  # the lock is gone: the file was fine
    assert again.returncode == 0, again.stdout + again.stderr


def test_db_check_waits_for_a_writer_like_every_command(db_path):
    """The lock is released while the check is under way (at the moment it asks for it,
    through SQLite's trace hook, so no timing is involved): the check waits, then
    passes, and has seen the other process's write."""
    store = minicrm.open_store(db_path)
    minicrm.add_contact(store, "Jane Doe")
    holder = hold_write_lock(db_path)
    seen: list[str] = []

    def trace(statement: str) -> None:
        seen.append(statement)
        if "BEGIN IMMEDIATE" in statement or "integrity-check" in statement:
            release(holder)  # from now on the holder commits and goes away

    store.conn.set_trace_callback(trace)
    try:
        report = maintenance.check(store)
    finally:
        store.conn.set_trace_callback(None)
        finish(holder)
    assert report.ok, [c.to_dict() for c in report.failed]
    assert any("integrity-check" in s for s in seen)
    assert store.scalar("PRAGMA user_version") == 7  # the writer went first
    store.close()


def test_a_lock_held_past_the_timeout_is_database_busy_for_the_library(db_path):
    store = minicrm.open_store(db_path, busy_timeout=0.2)
    minicrm.add_contact(store, "Jane Doe")
    holder = hold_write_lock(db_path)
    try:
        try:
            maintenance.check(store)
        except DatabaseBusy as exc:
            assert "0.2 s" in exc.message
        else:
            raise AssertionError("a busy database was checked as if it were free")
        try:
            maintenance.repair(store)
        except DatabaseBusy:
            pass
        else:
            raise AssertionError("a busy database was repaired as if it were free")
    finally:
        finish(holder)
    assert maintenance.check(store).ok
    store.close()


def test_the_busy_timeout_setting_is_checked(cli_env):
    for bad in ("soon", "-1", "nan", "100000"):
        done = minicrm_cli({**cli_env, "MINICRM_BUSY_TIMEOUT": bad}, "ls")
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith("minicrm: MINICRM_BUSY_TIMEOUT ")
        assert done.stderr.count("\n") == 1
    done = minicrm_cli({**cli_env, "MINICRM_BUSY_TIMEOUT": "2.5"}, "ls", "--json")
    assert done.returncode == 0 and json.loads(done.stdout) == []
    conn = sqlite3.connect(cli_env["MINICRM_DB"])
    conn.close()
    assert os.path.exists(cli_env["MINICRM_DB"])
