"""Looking after the database file: backups, restore, and the integrity check.

- :func:`backup` writes a consistent 0600 copy (SQLite's backup API, to a temporary name
  renamed once complete) into ``backups/`` beside the database, named
  ``<name>-YYYYMMDDTHHMMSSZ.db``, and keeps the newest N of those files.
- :func:`prepare_restore` / :func:`restore` replace the live database with a checked
  copy of a backup, taking a backup of the current state first.
- :func:`check` runs SQLite's checks, the search index's and minicrm's own invariants;
  :func:`repair` fixes what can be fixed safely, in one transaction, and checks again.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minicrm.core import clock
from minicrm.core.config import MAX_BACKUPS_KEEP, Config, load_config, valid_keep
from minicrm.core.errors import DatabaseBusy, InvalidInput, MinicrmError
from minicrm.db import backup as copies
from minicrm.db.backup import BACKUPS_FOLDER, backup_name_pattern, backup_to
from minicrm.db.store import Store
from minicrm.maintenance import queries as sql

_STAMP = "%Y%m%dT%H%M%SZ"
MAX_DETAILS = 20


# -- backups -----------------------------------------------------------------------


def backups_folder(db_path: Path) -> Path:
    """Where `db backup` writes by default: ``backups/`` beside the database."""
    return db_path.parent / BACKUPS_FOLDER


def backup_pattern(stem: str) -> re.Pattern[str]:
    """The names minicrm gives the backups of a database called ``<stem>.db``; pruning
    touches nothing else."""
    return backup_name_pattern(stem)


def _sweep(db_path: Path, *extra: tuple[Path, re.Pattern[str]]) -> str | None:
    """Remove the temporary files that killed commands on this database left behind
    (their process is gone; never a running one's); one line saying so, or None."""
    places = [*copies.temp_places(db_path), *extra]
    return copies.removed_notice(copies.remove_stale_temp_files(places))


def _make_private_dir(folder: Path) -> None:
    """Create ``folder`` (and missing parents) 0700, whatever the umask; an existing
    folder is left as it is."""
    from minicrm.core.paths import make_private_dirs

    if folder.exists():
        if not folder.is_dir():
            raise MinicrmError(f"{folder} is not a folder")
        return
    try:
        make_private_dirs(folder)
    except OSError as exc:
        raise MinicrmError(f"cannot create the folder {folder}: {exc.strerror}") from exc


def _new_name(folder: Path, stem: str) -> Path:
    """``<stem>-<UTC time>.db``, or ``-2``, ``-3``... after the highest number already
    used in that second (so names sort in the order they were written, even after
    pruning freed a lower one)."""
    stamp = clock.now().strftime(_STAMP)
    pattern = backup_pattern(stem)
    used = 0
    try:
        names = [p.name for p in folder.iterdir()]
    except OSError:
        names = []
    for name in names:
        match = pattern.fullmatch(name)
        if match and match.group(1) == stamp:
            used = max(used, int(match.group(2) or 1))
    dest = folder / (f"{stem}-{stamp}.db" if used == 0 else f"{stem}-{stamp}-{used + 1}.db")
    counter = used + 1
    while dest.exists():  # a file of that name that is not a backup (a folder, say)
        counter += 1
        dest = folder / f"{stem}-{stamp}-{counter}.db"
    return dest


def list_backups(folder: Path, stem: str) -> list[Path]:
    """minicrm's backups of ``<stem>.db`` in ``folder``, oldest first."""
    pattern = backup_pattern(stem)
    found: list[tuple[str, int, Path]] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    for path in entries:
        match = pattern.fullmatch(path.name)
        if match and path.is_file() and not path.is_symlink():
            found.append((match.group(1), int(match.group(2) or 1), path))
    return [path for *_, path in sorted(found)]


def prune(folder: Path, stem: str, keep: int, *, spare: Path | None = None) -> list[Path]:
    """Delete all but the newest ``keep`` of minicrm's backups in ``folder`` (0: keep
    all). ``spare`` (the copy just written) is never deleted. Returns what was deleted."""
    if keep <= 0:
        return []
    backups = list_backups(folder, stem)
    doomed = [p for p in backups[: max(len(backups) - keep, 0)] if p != spare]
    removed = []
    for path in doomed:
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise MinicrmError(f"cannot remove the old backup {path}: {exc.strerror}") from exc
        removed.append(path)
    return removed


def _keep(keep: int | None, config: Config | None) -> int:
    if keep is None:
        return (config or load_config()).backups_keep
    if not valid_keep(keep):
        raise InvalidInput(
            f"--keep {keep} is out of range", hint=f"0 (keep all) to {MAX_BACKUPS_KEEP}"
        )
    return keep


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    pruned: list[Path] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "bytes": self.size, "pruned": [str(p) for p in self.pruned]}


def backup(
    store: Store,
    dest: str | os.PathLike[str] | None = None,
    *,
    keep: int | None = None,
    config: Config | None = None,
) -> BackupResult:
    """Write a consistent copy of the database while other processes may be writing.

    ``dest``: None for ``backups/`` beside the database, a folder (a new timestamped name
    in it), or a new file. In a folder, only the newest ``keep`` of minicrm's backups are
    kept (default: the config's ``[backups] keep``; 0 keeps all); a file is never pruned.
    """
    if store.path is None:
        raise InvalidInput("an in-memory database has no file to back up")
    stem = store.path.stem
    generated = True
    if dest is None:
        folder = backups_folder(store.path)
        _make_private_dir(folder)
    else:
        given = Path(dest).expanduser()
        if given.is_dir():
            folder = given
        else:
            generated = False
            if given.exists():
                raise InvalidInput(
                    f"{given} exists already; not overwriting it",
                    hint="give a new file name or a folder",
                )
            if not given.parent.is_dir():
                raise MinicrmError(f"cannot write the backup {given}: its folder does not exist")
            folder = given.parent
    keep_n = _keep(keep, config) if generated else 0
    target = _new_name(folder, stem) if generated else Path(dest).expanduser()  # type: ignore[arg-type]
    mine = backup_pattern(stem) if generated else re.compile(re.escape(target.name))
    notice = _sweep(store.path, (folder, mine))
    if notice:
        store.notices.append(notice)
    # another backup may take the name in the same second: then the next one
    written = backup_to(
        store.conn, target, next_name=(lambda: _new_name(folder, stem)) if generated else None
    )
    pruned = prune(folder, stem, keep_n, spare=written) if generated else []
    return BackupResult(written, written.stat().st_size, pruned)


# -- restore -----------------------------------------------------------------------


@dataclass(frozen=True)
class RestoreResult:
    database: Path
    source: Path
    safety_backup: Path | None
    migrated: list[str]
    counts: dict[str, int]
    pruned: list[Path] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # lines for stderr (not in --json)

    def to_dict(self) -> dict[str, Any]:
        return {
            "database": str(self.database),
            "restored_from": str(self.source),
            "safety_backup": str(self.safety_backup) if self.safety_backup else None,
            "migrated": self.migrated,
            "counts": self.counts,
            "pruned": [str(p) for p in self.pruned],
        }


@contextmanager
def prepare_restore(
    db_path: str | os.PathLike[str], source: str | os.PathLike[str]
) -> Iterator[sql.Prepared]:
    """Check ``source`` before anything is replaced: it must be a minicrm database, not
    from a newer minicrm, and pass SQLite's integrity and foreign-key checks. Yields a
    validated (and, if older, migrated) temporary copy; the live database is untouched."""
    with sql.prepared_source(Path(source).expanduser(), Path(db_path)) as prepared:
        yield prepared


def restore(
    db_path: str | os.PathLike[str],
    prepared: sql.Prepared,
    *,
    keep: int | None = None,
    config: Config | None = None,
    busy_timeout: float | None = None,
) -> RestoreResult:
    """Replace the database at ``db_path`` with a prepared copy. A backup of the current
    database is written first (into ``backups/``, like `db backup`), then the copy goes
    into the live file through SQLite's backup API under its write lock."""
    from minicrm.db.store import make_private

    live = Path(db_path)
    keep_n = _keep(keep, config)
    notices = make_private(live)  # before the WAL and SHM are made with its mode
    swept = _sweep(live)
    notices += [swept] if swept else []
    from minicrm.db.store import BUSY_TIMEOUT_SECONDS

    wait = BUSY_TIMEOUT_SECONDS if busy_timeout is None else busy_timeout
    with sql.live_connection(live, wait) as (conn, has_data):
        safety = None
        if has_data:
            folder = backups_folder(live)
            _make_private_dir(folder)
            safety = backup_to(
                conn,
                _new_name(folder, live.stem),
                next_name=lambda: _new_name(folder, live.stem),
            )
        sql.restore_into(prepared, conn, wait)
    pruned = prune(backups_folder(live), live.stem, keep_n, spare=safety) if safety else []
    return RestoreResult(
        live, prepared.source, safety, prepared.migrated, prepared.counts, pruned, notices
    )


_COUNT_WORDS = {
    "contacts": ("contact", "contacts"),
    "interactions": ("interaction", "interactions"),
    "followups": ("follow-up", "follow-ups"),
    "deals": ("deal", "deals"),
}


def describe_counts(counts: dict[str, int]) -> str:
    """``3 contacts, 1 interaction, ...`` for a confirmation or a report."""
    return ", ".join(
        f"{n} {_COUNT_WORDS[t][0] if n == 1 else _COUNT_WORDS[t][1]}" for t, n in counts.items()
    )


def restore_from(
    db_path: str | os.PathLike[str],
    source: str | os.PathLike[str],
    *,
    keep: int | None = None,
    config: Config | None = None,
) -> RestoreResult:
    """:func:`prepare_restore` and :func:`restore` in one call (for scripts)."""
    with prepare_restore(db_path, source) as prepared:
        return restore(db_path, prepared, keep=keep, config=config)


# -- check and repair ----------------------------------------------------------------


@dataclass
class Check:
    name: str
    status: str  # ok, fail or warn
    summary: str = ""
    details: list[str] = field(default_factory=list)
    repairable: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "summary": self.summary,
            "details": self.details,
            "repairable": self.repairable,
        }


# what `db check --quick` leaves out (see check())
QUICK_SKIPS = [
    "integrity: the full integrity_check (index contents, UNIQUE constraints)",
    "search_index: FTS5's integrity-check and the comparison with the tables",
    "json_values: the history records",
]


@dataclass
class CheckReport:
    checks: list[Check]
    repaired: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # what a quick check left out

    @property
    def ok(self) -> bool:
        return all(c.status != "fail" for c in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if c.status == "fail"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checks": [c.to_dict() for c in self.checks],
            "repaired": self.repaired,
            "skipped": self.skipped,
        }


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _capped(items: list[str]) -> list[str]:
    if len(items) <= MAX_DETAILS:
        return items
    return [*items[:MAX_DETAILS], f"... and {len(items) - MAX_DETAILS} more"]


def _integrity(store: Store, quick: bool = False) -> Check:
    problems = sql.integrity_problems(store, quick=quick)
    pragma = "quick_check" if quick else "integrity_check"
    if not problems:
        return Check("integrity", "ok", f"SQLite's {pragma} passes")
    return Check("integrity", "fail", f"SQLite's {pragma}: {problems[0]}", problems[1:])


def _foreign_keys(store: Store) -> Check:
    rows = sql.foreign_key_problems(store)
    if not rows:
        return Check("foreign_keys", "ok", "every reference points to an existing row")
    details = [f"{r['table']} #{r['rowid']} refers to a missing row of {r['parent']}" for r in rows]
    return Check(
        "foreign_keys",
        "fail",
        f"{_plural(len(rows), 'row')} refer to rows that do not exist: {details[0]}",
        _capped(details),
    )


_KIND_WORDS = {
    "contact": ("contact", "contacts"),
    "interaction": ("interaction", "interactions"),
    "followup": ("follow-up", "follow-ups"),
    "deal": ("deal", "deals"),
}


def json_damage(store: Store, *, history: bool = True) -> list[Any]:
    """Every damaged value of the JSON columns (schema.JSON_COLUMNS), as
    jsonvalues.Damage, judged as the readers judge them; ``history=False`` leaves out the
    history table (it may be large: `db check --quick`)."""
    from minicrm.db import jsonvalues

    found = []
    for row in sql.contact_json_texts(store):
        owner = f"contact #{row['id']} ({row['display_name']})"
        for column in ("custom", "vcard_extra"):
            _, problem = jsonvalues.decode("contacts", column, row[column])
            if problem is not None:
                found.append(jsonvalues.Damage("contacts", row["id"], column, problem, owner))
    if history:
        for row in sql.history_json_suspects(store):
            owner = f"history row #{row['id']} (change set #{row['changeset_id']})"
            for column in ("before", "after"):
                _, problem = jsonvalues.decode("history", column, row[column])
                if problem is not None:
                    found.append(jsonvalues.Damage("history", row["id"], column, problem, owner))
    return found


def _excerpt(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _json_values(store: Store, damage: list[Any], texts: dict[tuple[str, int, str], str]) -> Check:
    from minicrm.db.jsonvalues import LABELS

    if not damage:
        return Check("json_values", "ok", "every stored JSON value can be read")
    details = [
        f"{d.owner}: {LABELS[(d.table, d.column)]}: {d.problem}: "
        f"{_excerpt(texts.get((d.table, d.row_id, d.column), ''))}"
        for d in damage
    ]
    n = len(damage)
    return Check(
        "json_values",
        "fail",
        f"{_plural(n, 'stored JSON value')} {'is' if n == 1 else 'are'} damaged "
        "(read as empty; a command that would overwrite one refuses)",
        _capped(details),
        repairable=any(d.table == "contacts" for d in damage),
    )


def _damage_and_texts(
    store: Store, *, history: bool = True
) -> tuple[list[Any], dict[tuple[str, int, str], str]]:
    damage = json_damage(store, history=history)
    texts: dict[tuple[str, int, str], str] = {}
    for d in damage:
        row = store.query_one(f'SELECT "{d.column}" AS v FROM "{d.table}" WHERE id = ?', [d.row_id])
        texts[(d.table, d.row_id, d.column)] = "" if row is None else str(row["v"])
    return damage, texts


def _search_index(store: Store, damaged: str | None, skip: frozenset[int] = frozenset()) -> Check:
    """``damaged``: what FTS5's own check said (run before, see :func:`check`). ``skip``:
    contacts with a damaged JSON value, whose index row cannot be judged (the json_values
    check names them; repairing them refreshes their row)."""
    if damaged:
        return Check(
            "search_index", "fail", f"the index is damaged: {damaged}", [], repairable=True
        )
    diff = sql.search_index_diff(store)
    if skip and "contact" in diff.outdated:
        diff.outdated["contact"] = [i for i in diff.outdated["contact"] if i not in skip]
        if not diff.outdated["contact"]:
            del diff.outdated["contact"]
    parts: list[str] = []
    details: list[str] = []
    for label, found in (("missing", diff.missing), ("out of date", diff.outdated)):
        for kind, ids in found.items():
            one, many = _KIND_WORDS[kind]
            parts.append(f"{len(ids)} {one if len(ids) == 1 else many} {label}")
            details += [f"{one} #{i}: {label}" for i in ids]
    if diff.stale:
        parts.append(_plural(len(diff.stale), "stale row"))
        details += [f"index row {rowid} belongs to nothing" for rowid in diff.stale]
    if not parts:
        return Check(
            "search_index", "ok", "one up-to-date row per contact, interaction, follow-up, deal"
        )
    return Check("search_index", "fail", ", ".join(parts), _capped(details), repairable=True)


def _interactions(store: Store) -> Check:
    orphans = sql.interactions_without_contacts(store)
    if not orphans:
        return Check("interactions", "ok", "every interaction is with at least one contact")
    return Check(
        "interactions",
        "fail",
        f"{_plural(len(orphans), 'interaction')} with no contact",
        _capped([f"interaction #{i} has no contact" for i in orphans]),
    )


def _last_contacted(store: Store) -> Check:
    rows = sql.last_contacted_mismatches(store)
    if not rows:
        return Check("last_contacted", "ok", "every contact's last-contacted time is right")
    details = [
        f"#{r['id']} {r['display_name']}: recorded {r['stored'] or 'never'}"
        f" (#{r['stored_id'] or '-'}), latest interaction {r['latest'] or 'none'}"
        f" (#{r['latest_id'] or '-'})"
        for r in rows
    ]
    return Check(
        "last_contacted",
        "fail",
        f"{_plural(len(rows), 'contact')} whose last-contacted time is not their latest interaction",
        _capped(details),
        repairable=True,
    )


def missing_next_occurrences(store: Store) -> list[tuple[int, str]]:
    """(follow-up id, when its next is due) for the latest, done occurrences of repeating
    series whose rule gives a next occurrence that does not exist. Not counted: a series
    whose latest occurrence was cancelled (`cancel --stop` ends it there, and a skip
    always schedules the next), or whose next occurrence the user deleted."""
    from minicrm.activity import followups

    found = []
    for row in sql.latest_done_recurring(store):
        due = followups.next_due_after(store, row["id"])
        if due is None or sql.later_occurrence_deleted(store, row["series_uid"], row["occurrence"]):
            continue
        found.append((row["id"], due.strftime("%Y-%m-%d %H:%M").removesuffix(" 00:00")))
    return found


def _followup_series(store: Store) -> Check:
    duplicates = sql.duplicate_occurrences(store)
    missing = missing_next_occurrences(store)
    if not duplicates and not missing:
        return Check("followup_series", "ok", "every repeating series has its next occurrence")
    parts, details = [], []
    if missing:
        parts.append(
            f"{_plural(len(missing), 'repeating series', 'repeating series')} "
            "without their next occurrence"
        )
        details += [
            f"follow-up #{fid} is done but the next occurrence (due {due}) is missing"
            for fid, due in missing
        ]
    if duplicates:
        parts.append(f"{_plural(len(duplicates), 'occurrence')} recorded twice")
        details += [
            f"follow-ups {r['ids']} are all occurrence {r['occurrence']} of one series"
            for r in duplicates
        ]
    return Check(
        "followup_series",
        "fail",
        ", ".join(parts),
        _capped(details),
        repairable=bool(missing) and not duplicates,
    )


def _deal_stages(store: Store) -> Check:
    rows = sql.deal_stage_mismatches(store)
    if not rows:
        return Check("deal_stages", "ok", "every deal's stage matches its recorded stage changes")
    details = [
        f"deal #{r['id']} {r['title']}: stage {r['stage']}, "
        + (f"last recorded change to {r['latest']}" if r["latest"] else "no stage change recorded")
        for r in rows
    ]
    return Check(
        "deal_stages",
        "fail",
        f"{_plural(len(rows), 'deal')} whose stage is not the last recorded stage change",
        _capped(details),
    )


def _configured_stages(store: Store, config: Config | None) -> Check:
    if config is None:
        try:
            config = load_config()
        except MinicrmError as exc:
            return Check("configured_stages", "warn", f"cannot read the config file: {exc}")
    known = {
        "contacts": set(config.contact_stages),
        "deals": {s.name for s in config.deal_stages},
    }
    details = []
    for table, word in (("contacts", "contact"), ("deals", "deal")):
        for row in sql.stage_counts(store, table):
            if row["stage"] not in known[table]:
                details.append(
                    f"{_plural(row['n'], word)} in stage {row['stage']!r}, which the config "
                    f"does not list ([{table}] stages)"
                )
    if not details:
        return Check("configured_stages", "ok", "every stage in use is configured")
    return Check("configured_stages", "warn", details[0], details[1:])


def _changesets(store: Store) -> Check:
    empty = sql.empty_changesets(store)
    if not empty:
        return Check("history", "ok", "every change set records its changes")
    return Check(
        "history",
        "warn",
        f"{_plural(len(empty), 'change set')} without any recorded change",
        _capped([f"change set #{i} is empty" for i in empty]),
    )


def _temp_files(db_path: Path) -> Check:
    found = copies.stale_temp_files(copies.temp_places(db_path))
    if not found:
        return Check("temp_files", "ok", "no temporary copy left by an interrupted command")
    main = [t for t in found if not t.companion]
    total = copies.size_text(sum(t.size for t in found))
    n = len(main) or len(found)
    what = "temporary cop" + ("y" if n == 1 else "ies")
    details = [
        f"{t.path} ({copies.size_text(t.size)}), left by process {t.pid}, which has ended"
        for t in found
    ]
    return Check(
        "temp_files",
        "warn",
        f"{n} {what} left by interrupted commands ({total}); the next db backup, db restore "
        "or db check --repair removes them",
        _capped(details),
        repairable=True,
    )


def _guarded(name: str, run: Callable[[], Check]) -> Check:
    """A check that cannot even run (a damaged file) fails with the reason. A busy
    database is not a failed check: DatabaseBusy goes up to the caller (exit 5)."""
    try:
        return run()
    except DatabaseBusy:
        raise
    except MinicrmError as exc:
        return Check(name, "fail", f"could not be checked: {exc.message}")


def _fts_check(store: Store) -> Check | str | None:
    """FTS5's own check (it needs the write lock, so it runs before the read transaction
    of the other checks, waiting for a writer like any command): its finding, or a
    failed Check when it could not run at all."""
    try:
        return sql.fts_problem(store)
    except DatabaseBusy:
        raise
    except MinicrmError as exc:
        return Check("search_index", "fail", f"could not be checked: {exc.message}")


def check(
    store: Store,
    *,
    config: Config | None = None,
    temp_files: bool = True,
    quick: bool = False,
) -> CheckReport:
    """Every check, read-only. FTS5's own check of the search index runs first, in a
    transaction of its own that waits for the write lock (see
    :func:`minicrm.maintenance.queries.fts_problem`) and is rolled back; the others then
    run on one consistent state of the database. Another process holding the lock for
    longer than the busy timeout raises :class:`DatabaseBusy`.

    ``quick``: SQLite's quick_check instead of integrity_check, no search index check
    (no write lock, then), no history records read (QUICK_SKIPS); about a third of the
    time of the full check on 100,000 contacts, docs/performance.md."""
    fts = None if quick else _fts_check(store)
    with store.snapshot():
        try:
            damage, texts = _damage_and_texts(store, history=not quick)
            json_check = _json_values(store, damage, texts)
        except DatabaseBusy:
            raise
        except MinicrmError as exc:
            damage, json_check = [], Check("json_values", "fail", f"could not be checked: {exc}")
        skip = frozenset(d.row_id for d in damage if d.table == "contacts")
        if quick:
            index: list[Check] = []
        elif isinstance(fts, Check):
            index = [fts]
        else:
            finding: str | None = fts
            index = [_guarded("search_index", lambda: _search_index(store, finding, skip))]
        checks = [
            _guarded("integrity", lambda: _integrity(store, quick)),
            _guarded("foreign_keys", lambda: _foreign_keys(store)),
            json_check,
            *index,
            _guarded("interactions", lambda: _interactions(store)),
            _guarded("last_contacted", lambda: _last_contacted(store)),
            _guarded("followup_series", lambda: _followup_series(store)),
            _guarded("deal_stages", lambda: _deal_stages(store)),
            _guarded("configured_stages", lambda: _configured_stages(store, config)),
            _guarded("history", lambda: _changesets(store)),
        ]
    if temp_files and store.path is not None:
        path = store.path
        checks.append(_guarded("temp_files", lambda: _temp_files(path)))
    return CheckReport(checks, skipped=list(QUICK_SKIPS) if quick else [])


def check_file(
    path: str | os.PathLike[str],
    *,
    work_folder: str | os.PathLike[str],
    config: Config | None = None,
    quick: bool = False,
) -> CheckReport:
    """:func:`check` on another database file, a backup say, without writing to it: the
    checks run on a temporary copy in ``work_folder`` (migrated there if it is older)."""
    from minicrm.db.store import open_store

    with (
        sql.checked_copy(Path(path).expanduser(), Path(work_folder)) as copy,
        open_store(copy, command="minicrm db check") as store,
    ):
        # (a copy's folder is not its own: no temp_files)
        return check(store, config=config, temp_files=False, quick=quick)


def _move_damaged_aside(store: Store) -> tuple[int, int]:
    """Each contact's unreadable custom fields or kept vCard properties: the text goes,
    as it is, to the end of the contact's notes, and the column back to empty (through
    Store.update: recorded, undoable). The one right answer: nothing is lost or
    guessed, and the user can read it and put it back by hand. Returns (values moved,
    contacts changed)."""
    from minicrm.db.jsonvalues import LABELS, decode, empty

    moved = contacts = 0
    for row in sql.contact_json_texts(store):
        changes: dict[str, Any] = {}
        pieces = []
        for column in ("custom", "vcard_extra"):
            _, problem = decode("contacts", column, row[column])
            if problem is None:
                continue
            label = LABELS[("contacts", column)]
            pieces.append(
                f"{label[0].upper()}{label[1:]} (unreadable, kept by minicrm db check "
                f"--repair):\n{row[column]}"
            )
            changes[column] = "{}" if isinstance(empty("contacts", column), dict) else "[]"
        if not changes:
            continue
        current = store.get("contacts", row["id"])
        assert current is not None
        changes["notes"] = "\n\n".join(p for p in [current["notes"] or "", *pieces] if p)
        store.update("contacts", row["id"], changes)
        moved += len(pieces)
        contacts += 1
    return moved, contacts


def repair(store: Store, *, config: Config | None = None) -> CheckReport:
    """Fix, in one transaction, what can be fixed without guessing: rebuild the search
    index, set last-contacted times from the interactions (recorded in history, like any
    change), schedule a missing next occurrence of a series from its rule. Then check
    again; what could not be repaired still fails."""
    from minicrm.activity import followups

    before = check(store, config=config)
    failing = {c.name for c in before.failed if c.repairable}
    repaired: list[str] = []
    if store.path is not None and any(
        c.name == "temp_files" and c.status == "warn" for c in before.checks
    ):
        removed = copies.remove_stale_temp_files(copies.temp_places(store.path))
        if removed:
            repaired.append(
                f"temp_files: removed {_plural(len(removed), 'temporary file')} "
                f"({copies.size_text(sum(t.size for t in removed))})"
            )
    if failing:
        with store.transaction():
            if "json_values" in failing:  # first: the index then follows these contacts
                moved, contacts = _move_damaged_aside(store)
                repaired.append(
                    f"json_values: moved {_plural(moved, 'unreadable value')} into the notes "
                    f"of {_plural(contacts, 'contact')}"
                )
            if "search_index" in failing:
                rows = sql.recreate_search_index(store)
                repaired.append(f"search_index: rebuilt the index ({_plural(rows, 'row')})")
            if "last_contacted" in failing:
                rows = sql.last_contacted_mismatches(store)
                for row in rows:
                    store.update(
                        "contacts",
                        row["id"],
                        {
                            "last_contacted_at": row["latest"],
                            "last_interaction_id": row["latest_id"],
                        },
                    )
                repaired.append(
                    f"last_contacted: set from the interactions for {_plural(len(rows), 'contact')}"
                )
            if "followup_series" in failing:
                for fid, _ in missing_next_occurrences(store):
                    made = followups.schedule_missing_next(store, fid)
                    if made is not None:
                        repaired.append(
                            f"followup_series: scheduled follow-up #{made.id} "
                            f"(occurrence {made.occurrence}, due {made.due_date}) after #{fid}"
                        )
    after = check(store, config=config)
    after.repaired = repaired
    return after
