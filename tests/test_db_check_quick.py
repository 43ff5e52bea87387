"""`db check --quick` (issue 14 point 7): SQLite's quick_check and the cheap invariants;
no FTS5 check (so no write lock), no comparison of the search index with the tables, no
reading of the history records. What it leaves out is said, in the text and the JSON."""

from __future__ import annotations

import json
import sqlite3
import subprocess

import pytest

import minicrm
from conftest import MINICRM
from minicrm.maintenance import check as checking
from reliability.test_database_file import finish, hold_write_lock

BROKEN = '{"k": "v'


def raw(db_path, sql: str) -> None:
    conn = sqlite3.connect(db_path)
    conn.execute(sql)
    conn.commit()
    conn.close()


@pytest.fixture
def used(run, contact_factory):
    contact_factory("Jane Doe", "--email", "jane@acme.io", "--tag", "vip")
    contact_factory("Bob Roe")
    run("log", "jane", "call", "Discussed pricing")
    run("follow", "jane", "Weekly", "--due", "tomorrow", "--every", "1w")
    run("done", "1")
    run("deal", "add", "jane", "Deal", "--value", "10")


def names(report: dict) -> list[str]:
    return [c["name"] for c in report["checks"]]


def test_quick_runs_the_cheap_checks_and_says_what_it_left_out(run, used):
    full = json.loads(run("db", "check", "--json").stdout)
    quick = json.loads(run("db", "check", "--quick", "--json").stdout)
    assert full["ok"] and quick["ok"]
    assert full["skipped"] == []
    assert names(quick) == [n for n in names(full) if n != "search_index"]
    (integrity,) = [c for c in quick["checks"] if c["name"] == "integrity"]
    assert integrity["summary"] == "SQLite's quick_check passes"
    assert quick["skipped"] == [
        "integrity: the full integrity_check (index contents, UNIQUE constraints)",
        "search_index: FTS5's integrity-check and the comparison with the tables",
        "json_values: the history records",
    ]
    text = run("db", "check", "--quick").stdout.splitlines()
    assert text[0] == "ok    integrity"
    assert text[-3:] == [f"skip  {s}" for s in quick["skipped"]]


def test_quick_never_runs_the_slow_statements(db_path, used):
    store = minicrm.open_store(db_path)
    seen: list[str] = []
    store.conn.set_trace_callback(seen.append)
    report = checking.check(store, quick=True)
    store.conn.set_trace_callback(None)
    store.close()
    assert report.ok
    statements = "\n".join(seen)
    assert "quick_check" in statements
    for slow in ("integrity_check", "integrity-check", "BEGIN IMMEDIATE", "json_type(before)"):
        assert slow not in statements, slow
    assert "search_index" not in statements


def test_quick_still_finds_broken_invariants_and_damaged_contact_values(run, db_path, used):
    raw(db_path, "UPDATE contacts SET last_contacted_at = NULL WHERE id = 1")
    raw(db_path, f"UPDATE contacts SET custom = '{BROKEN}' WHERE id = 2")
    report = json.loads(run("db", "check", "--quick", "--json", code=8).stdout)
    failed = {c["name"] for c in report["checks"] if c["status"] == "fail"}
    assert failed == {"last_contacted", "json_values"}


def test_quick_does_not_see_a_damaged_search_index_the_full_check_does(run, db_path, used):
    """What --quick skips, shown: an index whose data blocks were zeroed passes it."""
    raw(db_path, "UPDATE search_index_data SET block = zeroblob(length(block)) WHERE id > 1")
    assert json.loads(run("db", "check", "--quick", "--json").stdout)["ok"] is True
    run("db", "check", code=8)


def test_quick_does_not_wait_for_a_writer(cli_env):
    """No FTS5 check, so no write lock: --quick runs while another process writes."""
    env = {**cli_env, "MINICRM_BUSY_TIMEOUT": "0.2"}
    add = subprocess.run([*MINICRM, "add", "Jane"], env=env, capture_output=True, text=True)
    assert add.returncode == 0, add.stderr
    from pathlib import Path

    holder = hold_write_lock(Path(cli_env["MINICRM_DB"]))
    try:
        done = subprocess.run(
            [*MINICRM, "db", "check", "--quick"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        finish(holder)
    assert done.returncode == 0, done.stdout + done.stderr


def test_quick_and_repair_do_not_go_together(run, used):
    done = run("db", "check", "--quick", "--repair", code=2)
    assert done.stderr.startswith("minicrm: --quick and --repair do not go together")
