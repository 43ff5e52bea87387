"""The SQL of `db check` and `db check --repair` (:mod:`minicrm.maintenance.check` and
:mod:`minicrm.maintenance.checks` decide what the answers mean). The copies `db restore`
makes and puts in place are :mod:`minicrm.db.restore`."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from minicrm.db import searchindex
from minicrm.db.schema import SEARCH_SCHEMA
from minicrm.db.store import Row, Store, is_read_only_error, translate_sqlite_error

F = TypeVar("F", bound=Callable[..., Any])


def _translated(fn: F) -> F:
    """SQLite errors as minicrm's typed errors (a check of a damaged file must say why)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except sqlite3.Error as exc:
            raise translate_sqlite_error(exc) from exc

    return wrapper  # type: ignore[return-value]


def integrity_problems(store: Store, limit: int = 20, *, quick: bool = False) -> list[str]:
    """``PRAGMA integrity_check`` (``quick``: ``quick_check``, which does not compare the
    indexes with the tables, and is much faster): [] when the file is sound."""
    pragma = "quick_check" if quick else "integrity_check"
    try:
        rows = store.conn.execute(f"PRAGMA {pragma}({int(limit)})").fetchall()
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    messages = [str(r[0]) for r in rows]
    return [] if messages == ["ok"] else messages


@_translated
def foreign_key_problems(store: Store) -> list[Row]:
    """``PRAGMA foreign_key_check``: rows (table, rowid, parent) that point nowhere."""
    return [
        {"table": r[0], "rowid": r[1], "parent": r[2]}
        for r in store.conn.execute("PRAGMA foreign_key_check").fetchall()
    ]


def _is_busy(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def fts_problem(store: Store) -> str | None:
    """FTS5's own integrity check of the search index: None when it passes.

    SQLite runs it as a write statement (an INSERT), so it needs the write lock, and a
    read transaction cannot wait for that lock (SQLite refuses at once, "database is
    locked", whatever the busy timeout). So, outside a transaction, the lock is taken
    first with BEGIN IMMEDIATE, which waits for another writer like every command does,
    and the transaction is rolled back afterwards (the check writes nothing). A lock
    still held after the busy timeout is :class:`DatabaseBusy`, never a damaged index; a
    database that cannot be written is :class:`DatabaseReadOnly`, never a damaged index
    either (the check cannot run there)."""
    conn = store.conn
    own = not conn.in_transaction
    if own:
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise translate_sqlite_error(exc, store.busy_timeout) from exc
    try:
        searchindex.check(conn)
    except sqlite3.DatabaseError as exc:
        if _is_busy(exc) or is_read_only_error(exc):
            raise translate_sqlite_error(exc, store.busy_timeout) from exc
        return str(exc)
    finally:
        if own and conn.in_transaction:
            conn.execute("ROLLBACK")
    return None


def read_only(store: Store) -> bool:
    """Whether the database cannot be written (a read-only file, folder or mount, an
    immutable file): SQLite may open such a file and even begin a write transaction, and
    refuse only the first write. So a write that changes nothing (the user_version set to
    itself) is tried under the write lock, which waits for another writer like every
    command does, and rolled back."""
    conn = store.conn
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            conn.execute(f"PRAGMA user_version = {int(version)}")
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
    except sqlite3.Error as exc:
        if is_read_only_error(exc):
            return True
        raise translate_sqlite_error(exc, store.busy_timeout) from exc
    return False


_EXPECTED = (
    "WITH expected(rid, kind, item_id, contact_id, name, emails, phones, tags, company, body) "
    "AS (" + " UNION ALL ".join(s.strip() for s in searchindex.rebuild_sql_selects()) + ") "
)


_COLUMNS = ("kind", "item_id", "contact_id", "name", "emails", "phones", "tags", "company", "body")


@dataclass
class IndexDiff:
    missing: dict[str, list[int]] = field(default_factory=dict)  # kind -> item ids
    outdated: dict[str, list[int]] = field(default_factory=dict)
    stale: list[int] = field(default_factory=list)  # index rowids with no item


@_translated
def search_index_diff(store: Store) -> IndexDiff:
    """Compare the index with what :func:`searchindex.rebuild` would write: one row per
    contact, interaction and follow-up at its fixed rowid, with the same text.

    The index's text is read from its content table (``search_index_content``: ``id``
    the rowid, ``c0``... its columns in order), the ordinary table FTS5 keeps it in: a
    join on its primary key instead of a lookup through the virtual table for every row,
    half the time at 100,000 contacts (docs/performance.md). Whether the index itself
    agrees with that text is FTS5's own check, which runs first (:func:`fts_problem`)."""
    diff = IndexDiff()
    differs = " OR ".join(f"s.c{i} IS NOT e.{c}" for i, c in enumerate(_COLUMNS))
    rows = store.conn.execute(
        _EXPECTED + "SELECT e.kind, e.item_id, s.id IS NULL AS missing "
        "FROM expected e LEFT JOIN search_index_content s ON s.id = e.rid "
        f"WHERE s.id IS NULL OR {differs} ORDER BY e.rid"
    ).fetchall()
    for kind, item_id, missing in rows:
        (diff.missing if missing else diff.outdated).setdefault(kind, []).append(item_id)
    diff.stale = [
        r[0]
        for r in store.conn.execute(
            "SELECT s.id FROM search_index_content s WHERE NOT CASE s.id % 4 "
            "WHEN 1 THEN EXISTS (SELECT 1 FROM contacts WHERE id = s.id / 4) "
            "WHEN 2 THEN EXISTS (SELECT 1 FROM interactions WHERE id = s.id / 4) "
            "WHEN 3 THEN EXISTS (SELECT 1 FROM followups WHERE id = s.id / 4) "
            "WHEN 0 THEN EXISTS (SELECT 1 FROM deals WHERE id = s.id / 4) "
            "ELSE 0 END ORDER BY s.id"
        ).fetchall()
    ]
    return diff


@_translated
def recreate_search_index(store: Store) -> int:
    """Drop the index and build it again from the tables (inside the caller's
    transaction). Dropping, not deleting its rows: deleting from a damaged FTS5 table
    fails with "database disk image is malformed". Returns the number of rows."""
    conn = store.conn
    sql = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'search_index'"
    ).fetchone()
    if sql is None:
        create = SEARCH_SCHEMA[0]
    else:
        create = sql[0]
        try:
            conn.execute("DROP TABLE search_index")
        except sqlite3.Error:
            # FTS5 cannot open (hence not drop) an index that lost one of its tables or
            # its config: remove the table's entry from the schema (SQLite's documented
            # way out, writable_schema), then the tables the index kept its data in.
            conn.execute("PRAGMA writable_schema = ON")
            try:
                conn.execute(
                    "DELETE FROM sqlite_master WHERE type = 'table' AND name = 'search_index'"
                )
            finally:
                conn.execute("PRAGMA writable_schema = RESET")
    for suffix in ("data", "idx", "content", "docsize", "config"):  # what is left of it
        conn.execute(f"DROP TABLE IF EXISTS search_index_{suffix}")
    conn.execute(create)
    for statement in searchindex.rebuild_sql():
        conn.execute(statement)
    return int(conn.execute("SELECT count(*) FROM search_index").fetchone()[0])


@_translated
def contact_json_texts(store: Store) -> list[Row]:
    """Every contact whose custom fields or kept vCard properties are not simply empty
    (``{}``/``[]``, skipped here as the common case): id, display_name, custom,
    vcard_extra. jsonvalues.decode, which the readers use, judges each."""
    return store.query(
        "SELECT id, display_name, custom, vcard_extra FROM contacts "
        "WHERE custom NOT IN ('{}', '') OR vcard_extra NOT IN ('[]', '') ORDER BY id"
    )


def _not_an_object(column: str) -> str:
    return (
        f"CASE WHEN {column} IS NULL OR {column} = '' THEN 0 "
        f"WHEN json_valid({column}) THEN json_type({column}) != 'object' ELSE 1 END"
    )


@_translated
def history_json_suspects(store: Store) -> list[Row]:
    """History rows whose ``before`` or ``after`` is not a JSON object by SQLite's reading
    (which refuses all that Python's does, and more, e.g. NaN): id, changeset_id, before,
    after. One pass in SQL over what may be a large table."""
    return store.query(
        "SELECT id, changeset_id, before, after FROM history "
        f"WHERE {_not_an_object('before')} OR {_not_an_object('after')} ORDER BY id"
    )


def last_contacted_mismatches(store: Store) -> list[Row]:
    """Contacts whose ``last_contacted_at`` or ``last_interaction_id`` is not their latest
    interaction's time or id: {id, display_name, stored, latest, stored_id, latest_id}."""
    return store.query(
        "SELECT c.id, c.display_name, c.last_contacted_at AS stored,"
        "  c.last_interaction_id AS stored_id, i.occurred_at AS latest, i.id AS latest_id"
        " FROM contacts c LEFT JOIN interactions i ON i.id = ("
        "  SELECT ic.interaction_id FROM interaction_contacts ic"
        "  JOIN interactions x ON x.id = ic.interaction_id WHERE ic.contact_id = c.id"
        "  ORDER BY x.occurred_at DESC, x.id DESC LIMIT 1)"
        " WHERE c.last_contacted_at IS NOT i.occurred_at OR c.last_interaction_id IS NOT i.id"
        " ORDER BY c.id"
    )


def interactions_without_contacts(store: Store) -> list[int]:
    return [
        r["id"]
        for r in store.query(
            "SELECT i.id FROM interactions i WHERE NOT EXISTS "
            "(SELECT 1 FROM interaction_contacts ic WHERE ic.interaction_id = i.id) ORDER BY i.id"
        )
    ]


def duplicate_occurrences(store: Store) -> list[Row]:
    """Series in which two follow-ups claim the same occurrence number. Only series of
    more than one follow-up can (found from the series index alone: most series are one
    follow-up, and grouping all of them by occurrence reads every row, 8x the time at
    200,000 follow-ups)."""
    return store.query(
        "SELECT series_uid, occurrence, group_concat(id, ', ') AS ids FROM followups "
        "WHERE series_uid IN "
        "(SELECT series_uid FROM followups GROUP BY series_uid HAVING count(*) > 1) "
        "GROUP BY series_uid, occurrence HAVING count(*) > 1 ORDER BY min(id)"
    )


def latest_done_recurring(store: Store) -> list[Row]:
    """The latest occurrence of each repeating series, where that one is done: such a
    series must have its next occurrence unless its rule has run out."""
    return store.query(
        "SELECT f.id, f.series_uid, f.occurrence FROM followups f "
        "WHERE f.rrule IS NOT NULL AND f.status = 'done' AND f.occurrence = "
        "(SELECT max(g.occurrence) FROM followups g WHERE g.series_uid = f.series_uid) "
        "ORDER BY f.id"
    )


def later_occurrence_deleted(store: Store, series_uid: str, occurrence: int) -> bool:
    """Whether history records the deletion of a later occurrence of the series (the
    user removed the next one: the series ended there on purpose)."""
    from minicrm.history.queries import image_sql  # lazy: start-up

    before = image_sql("before")
    return (
        store.scalar(
            "SELECT 1 FROM history h WHERE h.entity = 'followups' AND h.op = 'delete' "
            f"AND CASE WHEN json_valid({before}) THEN "  # a damaged record is no evidence
            f"json_extract({before}, '$.series_uid') = ? "
            f"AND json_extract({before}, '$.occurrence') > ? END LIMIT 1",
            [series_uid, occurrence],
        )
        is not None
    )


def deal_stage_mismatches(store: Store) -> list[Row]:
    """Deals whose stage is not the one their latest recorded stage change moved to
    (``latest`` is None when no change is recorded at all)."""
    return store.query(
        "SELECT id, title, stage, latest FROM ("
        "  SELECT d.id, d.title, d.stage,"
        "    (SELECT to_stage FROM deal_stage_changes s WHERE s.deal_id = d.id"
        "     ORDER BY s.changed_at DESC, s.id DESC LIMIT 1) AS latest"
        "  FROM deals d"
        ") WHERE latest IS NOT stage ORDER BY id"
    )


def stage_counts(store: Store, table: str) -> list[Row]:
    """(stage, n) of contacts or deals."""
    assert table in ("contacts", "deals")
    return store.query(
        f"SELECT stage, count(*) AS n FROM {table} WHERE stage IS NOT NULL "
        "GROUP BY stage ORDER BY stage"
    )


def empty_changesets(store: Store) -> list[int]:
    return [
        r["id"]
        for r in store.query(
            "SELECT c.id FROM changesets c WHERE NOT EXISTS "
            "(SELECT 1 FROM history h WHERE h.changeset_id = c.id) ORDER BY c.id"
        )
    ]
