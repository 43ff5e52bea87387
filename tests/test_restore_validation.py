"""Issue 13.9 (restore): a dump restored into an empty database is checked row by row
with the rules of `add` and `import`; a bad value is one clear error naming the table,
the row id and the field (exit 2), and nothing is written."""

from __future__ import annotations

import json
import sqlite3

import pytest


@pytest.fixture
def dump(run):
    run("add", "Jane Doe", "-e", "work:jane@acme.io", "-p", "+1 555 0100", "-c", "Acme")
    run("add", "Raj", "-t", "vip", "--url", "https://raj.example", "--date", "anniversary:may 3")
    run("follow", "jane", "Call", "--due", "2026-12-01")
    run("log", "raj", "call", "Talked")
    return json.loads(run("export").stdout)


def _restore(run, tmp_path, data, code):
    target = tmp_path / "target.db"
    result = run("--db", str(target), "import", "-", input=json.dumps(data), code=code)
    return result, target


def _rows(target) -> int:
    conn = sqlite3.connect(target)
    try:
        return sum(
            conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
            for t in ("contacts", "companies", "contact_emails", "followups", "interactions")
        )
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("table", "column", "value", "said"),
    [
        ("contact_emails", "value", "not-an-email", "not an email address"),
        ("contact_emails", "label", "Work Place", "not a label"),
        ("contacts", "display_name", "   ", "name must not be empty"),
        ("contacts", "birthday", "2026-02-30", "impossible date"),
        ("contacts", "cadence_days", 0, "keep-in-touch"),
        ("contacts", "custom", '{"k": 1}', "custom"),
        ("contacts", "given_name", 42, "text"),
        ("contact_phones", "value", "call me", "not a phone number"),
        ("contact_urls", "value", "https://a b", "URL contains spaces"),
        ("contact_tags", "tag", "VIP", "tag"),
        ("contact_dates", "value", "--02-30", "impossible date"),
        ("companies", "name", "", "company name must not be empty"),
        ("followups", "due_date", "2026-02-30", "due_date"),
        ("followups", "priority", "urgent", "priority"),
        ("interactions", "kind", "fax", "interaction kind"),
        ("interactions", "body", "", "text must not be empty"),
    ],
)
def test_a_hand_edited_bad_value_is_refused_naming_table_row_and_field(
    run, tmp_path, dump, table, column, value, said
):
    row = dump["tables"][table][0]
    row[column] = value
    result, target = _restore(run, tmp_path, dump, code=2)
    err = result.stderr.strip()
    assert err.startswith("minicrm: ") and "\n" not in err, err
    assert f"{table} row #{row['id']}" in err and column in err and said in err, err
    assert "Traceback" not in result.output
    assert _rows(target) == 0  # nothing written


def test_dry_run_checks_the_rows_too(run, tmp_path, dump):
    dump["tables"]["contact_emails"][0]["value"] = "nope"
    target = tmp_path / "target.db"
    run("--db", str(target), "import", "-", "--dry-run", input=json.dumps(dump), code=2)


def test_a_good_dump_still_restores_identically(run, tmp_path, dump):
    text = json.dumps(dump, ensure_ascii=False, indent=2) + "\n"
    target = tmp_path / "target.db"
    run("--db", str(target), "import", "-", input=text)
    assert run("--db", str(target), "export").stdout == text
