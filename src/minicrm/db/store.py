"""The Store: reading, transactions, and the one write path that records history.

Every command opens the database through :func:`minicrm.db.opening.open_store`. Writes go through
:meth:`Store.transaction` (``BEGIN IMMEDIATE``; nested calls become savepoints) and
:meth:`Store.insert` / :meth:`Store.update` / :meth:`Store.delete`, which record each
row's before and after in the ``history`` table under one change set per transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from minicrm.core import clock
from minicrm.core.errors import (
    Conflict,
    DamagedValue,
    DatabaseBusy,
    DatabaseError,
    DatabaseReadOnly,
    MinicrmError,
)
from minicrm.core.ids import new_uid
from minicrm.db.recording import history_of_rows
from minicrm.db.schema import (
    CONTACT_CHILD_TABLES,
    DATA_TABLES,
    LOG_TABLES,
)

BUSY_TIMEOUT_SECONDS = 30.0
SQLITE_READONLY = 8  # the primary result code; extended codes keep it in their low byte


def is_read_only_error(exc: sqlite3.Error) -> bool:
    """SQLite refused to write because the database cannot be written (a read-only file,
    folder or mount, an immutable file, ``PRAGMA query_only``): not damage."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF == SQLITE_READONLY:
        return True
    lowered = str(exc).lower()
    return "readonly" in lowered or "read-only" in lowered


Row = dict[str, Any]


def translate_sqlite_error(
    exc: sqlite3.Error, busy_timeout: float = BUSY_TIMEOUT_SECONDS
) -> MinicrmError:
    """Map an SQLite failure the user can meet to a typed, explained error."""
    text = str(exc)
    lowered = text.lower()
    if "locked" in lowered or "busy" in lowered:
        return DatabaseBusy(
            f"database is busy: another process held its lock for longer than {busy_timeout:g} s",
            hint="try again",
        )
    if "disk is full" in lowered or "disk i/o" in lowered:
        problem = "the disk is full" if "full" in lowered else "disk I/O error (is the disk full?)"
        return DatabaseError(
            f"cannot write the database: {problem}; nothing was written",
            hint="free some disk space and run the command again",
        )
    if is_read_only_error(exc):
        return DatabaseReadOnly(
            f"database is read-only: {text}", hint="check the file's permissions"
        )
    if "malformed json" in lowered:  # a damaged stored value, not a damaged file
        return DamagedValue(
            f"a stored JSON value cannot be read ({text})", hint="minicrm db check names it"
        )
    if "not a database" in lowered or "malformed" in lowered or "corrupt" in lowered:
        return DatabaseError(f"database file is damaged or not SQLite: {text}")
    if "unable to open" in lowered:
        return DatabaseError(f"cannot open the database: {text}")
    return DatabaseError(f"database error: {text}")


class Store:
    """One open minicrm database. The only object in minicrm that runs SQL."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        path: Path | None,
        command: str = "python",
        busy_timeout: float = BUSY_TIMEOUT_SECONDS,
    ) -> None:
        self.conn = conn
        self.busy_timeout = busy_timeout
        self.conn.row_factory = sqlite3.Row
        self.path = path
        self.command = command
        self._depth = 0
        self.commits = 0  # transactions committed through this Store
        self._changeset_id: int | None = None
        # change sets of the open transaction, and of every transaction committed through
        # this Store (what ran: minicrm.hooks reads them after the command)
        self._open_changesets: list[int] = []
        self.committed_changesets: list[int] = []
        self._pending_command = command
        self._pending_kind: tuple[str, int | None] = ("command", None)
        self._columns: dict[str, list[str]] = {}
        # lines for the user that are not errors (the CLI prints each on stderr once)
        self.notices: list[str] = []
        # stored JSON values read past because they are damaged (store/jsonvalues.py):
        # (table, row id, column) -> jsonvalues.Damage
        self.damaged: dict[tuple[str, int, str], Any] = {}
        # what this transaction touched, for the full-text index (store/search.py)
        self._dirty: dict[int, set[int]] = {1: set(), 2: set(), 3: set(), 4: set()}
        self._dirty_companies: set[int] = set()

    # -- reading --------------------------------------------------------------------

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Row]:
        """Rows as dicts. Built from plain tuples and the column names (faster than
        ``dict(sqlite3.Row)``)."""
        try:
            cursor = self.conn.cursor()
            cursor.row_factory = None
            cursor.execute(sql, params)
            if cursor.description is None:
                return []
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor]
        except sqlite3.Error as exc:
            raise translate_sqlite_error(exc, self.busy_timeout) from exc

    def batches(
        self,
        sql: str,
        params: Sequence[Any] | dict[str, Any] = (),
        *,
        size: int = 1_000,
        tuples: bool = False,
    ) -> Iterator[list[Any]]:
        """Rows as dicts (or, with ``tuples``, as tuples), ``size`` at a time, read from one
        cursor as they are needed (for exports: 100,000 rows are never all in memory).
        Other queries may run between two batches; run it inside :meth:`snapshot` for one
        consistent state."""
        try:
            cursor = self.conn.cursor()
            cursor.row_factory = None
            cursor.execute(sql, params)
            if cursor.description is None:
                return
            names = [column[0] for column in cursor.description]
            while chunk := cursor.fetchmany(size):
                yield chunk if tuples else [dict(zip(names, row, strict=True)) for row in chunk]
        except sqlite3.Error as exc:
            raise translate_sqlite_error(exc, self.busy_timeout) from exc

    def iter_query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Iterator[Row]:
        """Rows as dicts, read as they are used (a listing streams its first screen before
        the last row is read). One statement: one consistent snapshot."""
        for batch in self.batches(sql, params, size=64):
            yield from batch

    def query_one(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Row | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.query_one(sql, params)
        return next(iter(row.values())) if row else None

    def get(self, table: str, row_id: int) -> Row | None:
        self._check_table(table)
        return self.query_one(f'SELECT * FROM "{table}" WHERE id = ?', [row_id])

    @contextmanager
    def snapshot(self) -> Iterator[Store]:
        """A read transaction, so several queries see one consistent state."""
        if self._depth or self.conn.in_transaction:
            yield self
            return
        self.execute("BEGIN")
        self._depth += 1
        try:
            yield self
        finally:
            self._depth -= 1
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")

    # -- transactions ---------------------------------------------------------------

    @contextmanager
    def transaction(self, command: str | None = None) -> Iterator[Store]:
        """Run the block in one ``BEGIN IMMEDIATE`` transaction (a savepoint if nested).

        IMMEDIATE takes the write lock up front, so a read-then-write can never fail
        half-way with "database is locked" (which no busy timeout can wait out); the busy timeout
        makes a second writer wait instead.
        """
        if self._depth:
            name = f"sp{self._depth}"
            self.execute(f"SAVEPOINT {name}")
            self._depth += 1
            try:
                yield self
            except BaseException:
                self.conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                self.conn.execute(f"RELEASE SAVEPOINT {name}")
                raise
            else:
                self.execute(f"RELEASE SAVEPOINT {name}")
            finally:
                self._depth -= 1
            return
        if self.conn.in_transaction:
            raise RuntimeError("a transaction was opened outside Store.transaction")
        self.execute("BEGIN IMMEDIATE")
        self._depth = 1
        self._changeset_id = None
        self._pending_command = command or self.command
        self._pending_kind = ("command", None)
        try:
            yield self
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        else:
            try:
                self._refresh_search()
                self.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                else:  # committed, then interrupted (Ctrl-C) before this line ran
                    self.commits += 1
                raise
            self.commits += 1
            self.committed_changesets.extend(self._open_changesets)
        finally:
            self._depth = 0
            self._changeset_id = None
            self._open_changesets.clear()
            for ids in self._dirty.values():
                ids.clear()
            self._dirty_companies.clear()

    def begin_changeset(self, *, kind: str = "command", undoes: int | None = None) -> int:
        """Start a new change set inside the open transaction: the writes that follow are
        recorded under it, apart from those before. ``undo 3`` reverses three change sets
        in one transaction and records one change set (``kind`` undo, ``undoes`` the one
        it reversed) for each. Returns its id."""
        if not self.in_transaction:
            raise RuntimeError("begin_changeset must run inside Store.transaction()")
        self._changeset_id = None
        self._pending_kind = (kind, undoes)
        self._ensure_changeset(clock.utc_stamp())
        assert self._changeset_id is not None
        return self._changeset_id

    @contextmanager
    def large_cache(self, mib: int = 32) -> Iterator[Store]:
        """A bigger page cache for a bulk load (SQLite's default is 2 MiB): the indexes of
        100,000 new contacts then stay in memory while they grow."""
        before = self.conn.execute("PRAGMA cache_size").fetchone()[0]
        self.conn.execute(f"PRAGMA cache_size = {-int(mib) * 1024}")
        try:
            yield self
        finally:
            self.conn.execute(f"PRAGMA cache_size = {int(before)}")

    @property
    def changeset_id(self) -> int | None:
        """The change set the open transaction records its writes under (None before its
        first recorded write)."""
        return self._changeset_id if self.in_transaction else None

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0 and self.conn.in_transaction

    # -- the one write path ---------------------------------------------------------

    def insert(self, table: str, values: Row) -> int:
        """Insert a row and record it. Returns the new row's id."""
        self._require_write(table)
        cols = self._known_columns(table, values)
        placeholders = ", ".join("?" for _ in cols)
        names = ", ".join(f'"{c}"' for c in cols)
        cursor = self.execute(
            f'INSERT INTO "{table}" ({names}) VALUES ({placeholders})',
            [values[c] for c in cols],
        )
        row_id = int(cursor.lastrowid or 0)
        after = self.get(table, row_id)
        self._record("insert", table, row_id, None, after)
        assert after is not None
        self._touch(table, after)
        return row_id

    def insert_many(
        self, table: str, rows: Sequence[Row], image_from: dict[int, int] | None = None
    ) -> list[int]:
        """Insert many rows with one ``executemany`` and record them in history the same
        way, also in bulk. Ids are assigned here, in order (the write lock is held, and
        AUTOINCREMENT guarantees they were never used). Rows may give their own ``id``
        (a restore), all or none of them. Returns the ids. ``image_from`` (row id ->
        history row id): see :meth:`_record_many`."""
        self._require_write(table)
        if not rows:
            return []
        cols = [c for c in self._known_columns(table, rows[0]) if c != "id"]
        if all(row.get("id") is not None for row in rows):
            ids = [int(row["id"]) for row in rows]
        else:
            seq = self.scalar("SELECT seq FROM sqlite_sequence WHERE name = ?", [table]) or 0
            start = max(int(seq), int(self.scalar(f'SELECT max(id) FROM "{table}"') or 0)) + 1
            ids = list(range(start, start + len(rows)))
        names = ", ".join(f'"{c}"' for c in ["id", *cols])
        marks = ", ".join("?" for _ in range(len(cols) + 1))
        try:
            self.conn.executemany(
                f'INSERT INTO "{table}" ({names}) VALUES ({marks})',
                ([row_id, *map(row.get, cols)] for row_id, row in zip(ids, rows, strict=True)),
            )
        except sqlite3.IntegrityError as exc:
            raise Conflict(f"the change conflicts with data already stored: {exc}") from exc
        except sqlite3.Error as exc:
            raise translate_sqlite_error(exc, self.busy_timeout) from exc
        self._record_many(table, ids, image_from=image_from)
        self._touch_many(table, ids, rows)
        return ids

    def delete_many(
        self, table: str, ids: Sequence[int], image_from: dict[int, int] | None = None
    ) -> None:
        """Delete rows by id and record what they held, in bulk like :meth:`insert_many`
        (undoing an import of 100,000 contacts). Ids of rows that do not exist are
        ignored. ``image_from``: see :meth:`_record_many`."""
        self._require_write(table)
        if not ids:
            return
        id_list = json.dumps([int(i) for i in ids])
        owner = CONTACT_CHILD_TABLES.get(table)
        touched = self.query(
            f'SELECT id{", " + owner if owner else ""} FROM "{table}" '
            "WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id",
            [id_list],
        )
        if not touched:
            return
        present = [row["id"] for row in touched]
        self._record_many(table, present, op="delete", image_from=image_from)
        self.execute(
            f'DELETE FROM "{table}" WHERE id IN (SELECT value FROM json_each(?))', [id_list]
        )
        self._touch_many(table, present, touched)

    def _record_many(
        self,
        table: str,
        ids: list[int],
        op: str = "insert",
        image_from: dict[int, int] | None = None,
    ) -> None:
        """History rows for freshly inserted rows (or rows about to be deleted), written by
        SQLite itself in one ``INSERT ... SELECT`` (:func:`minicrm.db.recording.history_of_rows`).
        ``image_from`` maps a row id to an earlier insert or delete history row whose image
        this row is expected to have (undo deletes rows exactly as the change set it
        reverses inserted them)."""
        stamp = clock.utc_stamp()
        self._ensure_changeset(stamp)
        assert self._changeset_id is not None
        sql, params = history_of_rows(
            table,
            self.columns(table),
            CONTACT_CHILD_TABLES.get(table),
            op=op,
            changeset_id=self._changeset_id,
            stamp=stamp,
            ids=ids,
            image_from=image_from,
        )
        self.execute(sql, params)

    def update(self, table: str, row_id: int, changes: Row) -> bool:
        """Set columns of one row; records the change. Returns False if nothing changed."""
        self._require_write(table)
        before = self.get(table, row_id)
        if before is None:
            raise RuntimeError(f"{table} row {row_id} vanished inside a transaction")
        cols = [c for c in self._known_columns(table, changes) if before.get(c) != changes[c]]
        if not cols:
            return False
        assignments = ", ".join(f'"{c}" = ?' for c in cols)
        self.execute(
            f'UPDATE "{table}" SET {assignments} WHERE id = ?',
            [*(changes[c] for c in cols), row_id],
        )
        after = self.get(table, row_id)
        self._record("update", table, row_id, before, after)
        self._touch(table, before)
        assert after is not None
        self._touch(table, after)
        return True

    def append_log(self, table: str, values: Row) -> int:
        """Append a row to a bookkeeping log (LOG_TABLES, e.g. digest runs): the one write
        that history does not record, because these rows are a record themselves."""
        if table not in LOG_TABLES:
            raise ValueError(f"{table!r} is not a minicrm log table")
        with self.transaction():
            cols = list(values)
            cursor = self.execute(
                f'INSERT INTO "{table}" ({", ".join(cols)}) VALUES ({", ".join("?" for _ in cols)})',
                [values[c] for c in cols],
            )
            return int(cursor.lastrowid or 0)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        """Run one statement as it is, with SQLite's errors made minicrm's (a constraint
        broken: :class:`Conflict`). History does not record it: a data row is written with
        :meth:`insert`, :meth:`update` or :meth:`delete`; this is for the bookkeeping of
        history itself (the queries modules: ``history.queries.mark_undone``)."""
        try:
            return self.conn.execute(sql, params)
        except sqlite3.IntegrityError as exc:
            raise Conflict(f"the change conflicts with data already stored: {exc}") from exc
        except sqlite3.Error as exc:
            raise translate_sqlite_error(exc, self.busy_timeout) from exc

    def delete(self, table: str, row_id: int) -> None:
        """Delete one row; records what it held."""
        self._require_write(table)
        before = self.get(table, row_id)
        if before is None:
            return
        self.execute(f'DELETE FROM "{table}" WHERE id = ?', [row_id])
        self._record("delete", table, row_id, before, None)
        self._touch(table, before)

    # -- the full-text index --------------------------------------------------------

    def _touch(self, table: str, row: Row) -> None:
        """Note which searchable item a written row belongs to."""
        self._touch_many(table, [row.get("id")], [row])  # type: ignore[list-item]

    def _touch_many(self, table: str, ids: Sequence[int], rows: Sequence[Row]) -> None:
        """Note which searchable items written rows (``ids``, in the order of ``rows``)
        belong to: a contact for its own and its child tables' rows, else the item."""
        if table in CONTACT_CHILD_TABLES and table != "interaction_contacts":
            self._dirty[1].update(row["contact_id"] for row in rows)
        elif table == "contacts":
            self._dirty[1].update(ids)
        elif table == "companies":
            self._dirty_companies.update(ids)
        elif table == "interactions":
            self._dirty[2].update(ids)
        elif table == "followups":
            self._dirty[3].update(ids)
        elif table == "deals":
            self._dirty[4].update(ids)

    def _refresh_search(self) -> None:
        if any(self._dirty.values()) or self._dirty_companies:
            from minicrm.db import searchindex  # lazy: start-up (writes only)

            try:
                searchindex.reindex(self.conn, self._dirty, self._dirty_companies)
            except sqlite3.Error as exc:
                raise translate_sqlite_error(exc, self.busy_timeout) from exc

    # -- internals ------------------------------------------------------------------

    def _check_table(self, table: str) -> None:
        if table not in DATA_TABLES:
            raise ValueError(f"{table!r} is not a minicrm data table")

    def _require_write(self, table: str) -> None:
        self._check_table(table)
        if not self.in_transaction:
            raise RuntimeError("writes must run inside Store.transaction()")

    def columns(self, table: str) -> list[str]:
        """The column names of a data table."""
        self._check_table(table)
        if table not in self._columns:
            info = self.conn.execute(f'PRAGMA table_info("{table}")').fetchall()
            self._columns[table] = [row["name"] for row in info]
        return self._columns[table]

    def _known_columns(self, table: str, values: Row) -> list[str]:
        known = self.columns(table)
        unknown = [c for c in values if c not in known]
        if unknown:
            raise ValueError(f"unknown columns for {table}: {unknown}")
        return [c for c in values if c != "id" or values[c] is not None]

    def _owner_uid(self, table: str, row: Row) -> str | None:
        if "uid" in row:
            return row["uid"]
        column = CONTACT_CHILD_TABLES.get(table)
        if column is None:
            return None
        return self.scalar("SELECT uid FROM contacts WHERE id = ?", [row[column]])

    def _ensure_changeset(self, stamp: str) -> None:
        if self._changeset_id is None:
            kind, undoes = self._pending_kind
            cursor = self.execute(
                "INSERT INTO changesets (uid, command, created_at, kind, undoes) "
                "VALUES (?, ?, ?, ?, ?)",
                [new_uid(), self._pending_command, stamp, kind, undoes],
            )
            self._changeset_id = int(cursor.lastrowid or 0)
            self._open_changesets.append(self._changeset_id)

    def _record(
        self, op: str, table: str, row_id: int, before: Row | None, after: Row | None
    ) -> None:
        stamp = clock.utc_stamp()
        self._ensure_changeset(stamp)
        row = after if after is not None else before
        assert row is not None
        self.execute(
            "INSERT INTO history (changeset_id, op, entity, row_id, uid, before, after, at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                self._changeset_id,
                op,
                table,
                row_id,
                self._owner_uid(table, row),
                None if before is None else json.dumps(before, ensure_ascii=False),
                None if after is None else json.dumps(after, ensure_ascii=False),
                stamp,
            ],
        )

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
