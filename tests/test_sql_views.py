"""The views for SQL users (migration 0017, docs/sql.md) and the Datasette metadata file
(issue 19.11)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _rows(db: Path, sql: str) -> list[dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql)]
    finally:
        conn.close()


def test_the_views_answer_in_one_line(run, contact_factory, db_path):
    contact_factory(
        "Jane Doe",
        "-e",
        "jane@acme.io",
        "-e",
        "jd@home.example",
        "-p",
        "+1 555 0100",
        "-c",
        "Acme",
        "-t",
        "vip",
        "-t",
        "board",
        "--every",
        "30d",
    )
    contact_factory("Raj Patel", "-e", "raj@initech.example")
    run("deal", "add", "jane", "Website", "--value", "100")
    run("follow", "jane", "Send the contract", "--due", "2026-11-30", "--deal", "1")
    run("follow", "raj", "Call", "--due", "2026-11-25", "--at", "9am")
    run("done", "2")
    run("follow", "raj", "Lunch", "--due", "2026-11-24")
    run("log", "jane", "meeting", "Kick-off", "-w", "raj", "--at", "2026-11-20 10:00")
    run("log", "raj", "call", "Later call", "--at", "2026-11-21 10:00")

    jane = _rows(db_path, "SELECT * FROM contact_summary WHERE name = 'Jane Doe'")[0]
    assert (jane["email"], jane["phone"], jane["company"]) == (
        "jane@acme.io",
        "+1 555 0100",
        "Acme",
    )
    assert jane["tags"] == "board, vip" and jane["keep_in_touch_days"] == 30
    assert jane["archived"] == 0

    due = _rows(db_path, "SELECT * FROM open_followups")
    assert [f["title"] for f in due] == ["Lunch", "Send the contract"]
    assert due[1]["deal"] == "Website" and due[1]["email"] == "jane@acme.io"
    assert due[0]["contact"] == "Raj Patel"

    timeline = _rows(db_path, "SELECT id, kind, body, contact, company FROM timeline")
    assert [(t["body"], t["contact"]) for t in timeline] == [
        ("Later call", "Raj Patel"),
        ("Kick-off", "Jane Doe"),
        ("Kick-off", "Raj Patel"),
    ]
    assert timeline[1]["company"] == "Acme"


def test_the_datasette_metadata_labels_every_table_by_a_real_column(db_path, run):
    run("ls")  # creates the database
    metadata = json.loads((DOCS / "datasette-metadata.json").read_text(encoding="utf-8"))
    tables = metadata["databases"]["minicrm"]["tables"]
    conn = sqlite3.connect(db_path)
    try:
        names = {
            name: kind
            for name, kind in conn.execute(
                "SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view')"
                " AND name NOT LIKE 'sqlite_%'"
            )
        }
        assert set(tables) == set(names), "every table and view, and no other"
        for name, kind in names.items():
            entry = tables[name]
            if entry.get("hidden"):
                assert name.startswith(("search_index", "_sqlite")), name
                continue
            assert entry.get("description"), name
            if kind == "table":
                columns = {r[1] for r in conn.execute(f'PRAGMA table_info("{name}")')}
                assert entry["label_column"] in columns, name
    finally:
        conn.close()
    assert tables["contacts"]["label_column"] == "display_name"  # not the job title
