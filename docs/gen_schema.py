"""Regenerate the schema block in docs/schema.md from the migrations.

Run from anywhere after adding a migration: ``python docs/gen_schema.py``. It builds a
fresh in-memory database with minicrm's migrations and replaces everything between
``<!-- schema:start -->`` and ``<!-- schema:end -->`` with the resulting CREATE
statements. tests/test_docs.py regenerates the block the same way and compares.
"""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
SCHEMA_MD = DOCS / "schema.md"
START = "<!-- schema:start -->"
END = "<!-- schema:end -->"

sys.path.insert(0, str(DOCS.parent / "src"))  # this checkout's minicrm, installed or not

from minicrm.db.opening import memory_store  # noqa: E402


def generated_schema() -> str:
    store = memory_store()
    try:
        rows = store.conn.execute(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' "
            "ORDER BY type DESC, name"
        ).fetchall()
    finally:
        store.close()
    return "\n\n".join(r[0] + ";" for r in rows)


def main() -> int:
    text = SCHEMA_MD.read_text(encoding="utf-8")
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        print(f"{SCHEMA_MD}: markers {START} ... {END} not found", file=sys.stderr)
        return 1
    block = f"{START}\n```sql\n{generated_schema()}\n```\n{END}"
    new = text[:start] + block + text[end + len(END) :]
    if new != text:
        SCHEMA_MD.write_text(new, encoding="utf-8")
        print(f"updated {SCHEMA_MD}")
    else:
        print(f"{SCHEMA_MD} is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
