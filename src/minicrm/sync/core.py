"""The sync core: two-way sync of one kind of record with one vdir, whatever the kind.

An item kind (contacts, tasks, ...) plugs in through :class:`Kind`; the core does the
rest, the same way for every kind:

- lists the folder (stat only: vdirsyncer's etags) and reads only files whose etag moved;
- asks the kind which local records may have changed since the last sync
  (:meth:`Kind.changed_since`, from the history table) and loads only those;
- classifies every item against the state of the last sync (sync_items: file name,
  etag, UID, linked local record, the item as last synced) and decides, per item, what
  to do on each side;
- merges field by field against the last-synced item when both sides changed
  (:func:`merge`); a field changed on both sides goes to the configured winner and the
  losing value is handed to :meth:`Kind.keep_lost` and listed in the report;
- refuses a sync that would delete more than ``max_delete_percent`` of the items
  (:class:`MassDeletion`) unless forced;
- writes files atomically (vdir.py), applies every local change in ONE transaction (one
  change set, undoable), updates the state in that same transaction, and commits last:
  a sync killed at any point leaves files that the next run recognises (a file written
  from the local record merges with it without a conflict), so it converges;
- holds a lock on the folder for its whole length.

Items are compared by their ``fields``: a flat dict of JSON-like values (str, int,
None, lists). A list field is merged item by item (what each side added or removed),
any other field as a whole.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from minicrm.core import clock
from minicrm.core.errors import MinicrmError, Refused
from minicrm.db.store import Store
from minicrm.sync import queries, vdir

SIDES = ("minicrm", "vdir")  # the two sides; a conflict's winner is one of them
DEFAULT_MAX_DELETE_PERCENT = 50
MIN_GUARDED = 2  # fewer deletions than this never trip the guard


class ItemError(Exception):
    """An item's text cannot be read as this kind; the message says why."""


@dataclass
class Item:
    """One item as the sync compares it."""

    uid: str  # the UID as the item's text has it, byte for byte
    fields: dict[str, Any]  # what is compared and merged
    text: str  # the item as a file holds it
    label: str = ""  # how a report names it (a contact's name, a task's summary)


@dataclass
class Lost:
    """A field both sides changed: ``winner``'s value was kept, the other side's lost."""

    field: str
    winner: str  # "minicrm" or "vdir"
    kept: Any
    lost: Any


class Kind(Protocol):
    """What an item kind gives the core. Every method runs inside the sync's transaction."""

    name: str  # "contacts": the state's kind, the command's name
    noun: str  # "contact"
    fileext: str  # ".vcf"

    def parse(self, text: str) -> Item:
        """The item a file holds; raises ItemError when it cannot be read."""
        ...

    def changed_since(self, store: Store, changeset: int | None) -> set[str] | None:
        """Local uids of records that may have changed (or appeared, or gone) after
        change set ``changeset``; None when every record must be looked at (first sync,
        or ``changeset`` is None)."""
        ...

    def load(
        self, store: Store, local_uids: Collection[str] | None, item_uids: Mapping[str, str]
    ) -> dict[str, Item]:
        """The records that sync, by local uid, as items (``local_uids`` None: all of
        them). A record missing here (deleted, archived) is gone from the sync.
        ``item_uids`` gives the UID an item must carry when it differs from the local uid
        (the UID its file has had, kept byte for byte)."""
        ...

    def find(self, store: Store, item: Item, taken: set[str]) -> str | None:
        """The local uid of an existing record that a new file is (adopted rather than
        duplicated: by UID, then, say, by email), not one of ``taken``."""
        ...

    def apply(self, store: Store, local_uid: str | None, fields: dict[str, Any], item: Item) -> str:
        """Make the local record hold ``fields`` (creating it, with uid ``local_uid`` or
        ``item.uid``, when there is none; a removed or archived one is brought back).
        Values the fields leave out are removed. Returns the local uid."""
        ...

    def remove(self, store: Store, local_uid: str, archive: bool) -> str:
        """Remove (or archive) a record whose file was deleted: "deleted" or "archived"."""
        ...

    def keep_lost(self, store: Store, local_uid: str, lost: list[Lost], where: str) -> str:
        """Keep values that lost a conflict where the user finds them; returns where that
        is, for the report ("the contact's timeline")."""
        ...

    def show(self, field: str, value: Any) -> str:
        """A field's value as one line of a report."""
        ...


@dataclass
class Settings:
    winner: str = "minicrm"
    archive_deleted: bool = False  # a deleted file archives its record instead
    max_delete_percent: int = DEFAULT_MAX_DELETE_PERCENT
    force_delete: bool = False
    dry_run: bool = False


@dataclass
class Change:
    side: str  # where the change is made: "minicrm" or "vdir"
    action: str  # created, updated, deleted, archived, linked
    name: str
    uid: str
    href: str
    fields: list[str] = field(default_factory=list)
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "side": self.side,
            "action": self.action,
            "name": self.name,
            "uid": self.uid,
            "file": self.href,
            "fields": self.fields,
            "reason": self.reason,
        }


@dataclass
class Conflict:
    name: str
    uid: str
    href: str
    field: str
    winner: str
    kept: str
    lost: str
    lost_kept_in: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "uid": self.uid,
            "file": self.href,
            "field": self.field,
            "winner": self.winner,
            "kept": self.kept,
            "lost": self.lost,
            "lost_kept_in": self.lost_kept_in,
        }


@dataclass
class Problem:
    href: str
    message: str
    uid: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.href, "uid": self.uid, "message": self.message}


@dataclass
class SyncReport:
    kind: str
    folder: str
    dry_run: bool
    changes: list[Change] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    items: int = 0  # items in step after the sync
    changeset: int | None = None  # the change set recorded (None: nothing changed locally)
    files_read: int = 0  # files read (a file whose etag did not move is not)
    records_read: int = 0  # local records loaded (those history says may have changed)

    def count(self, side: str, action: str) -> int:
        return sum(1 for c in self.changes if c.side == side and c.action == action)

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def to_dict(self) -> dict[str, Any]:
        actions = ("created", "updated", "deleted", "archived", "linked")
        return {
            "kind": self.kind,
            "folder": self.folder,
            "dry_run": self.dry_run,
            "changeset": self.changeset,
            "minicrm": {a: self.count("minicrm", a) for a in actions},
            "vdir": {a: self.count("vdir", a) for a in ("created", "updated", "deleted")},
            "items": self.items,
            "files_read": self.files_read,
            "records_read": self.records_read,
            "changes": [c.to_dict() for c in self.changes],
            "conflicts": [c.to_dict() for c in self.conflicts],
            "problems": [p.to_dict() for p in self.problems],
        }


class MassDeletion(Refused):
    """The sync would delete more than the allowed share of the items."""


class _DryRun(MinicrmError):
    """Raised inside the transaction to roll a dry run back."""


# -- merging --------------------------------------------------------------------------------

_MISSING = object()


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _merge_list(base: list[Any], local: list[Any], remote: list[Any]) -> list[Any]:
    """Local's items less those remote removed, then remote's new ones, in order."""
    b = {_key(x) for x in base}
    r = {_key(x) for x in remote}
    loc = {_key(x) for x in local}
    out = [x for x in local if _key(x) in r or _key(x) not in b]
    out += [x for x in remote if _key(x) not in loc and _key(x) not in b]
    return out


def merge(
    base: Mapping[str, Any] | None,
    local: Mapping[str, Any],
    remote: Mapping[str, Any],
    winner: str,
) -> tuple[dict[str, Any], list[Lost]]:
    """Three-way merge, field by field. A field one side changed takes that side's value;
    one both changed the same way is that value; a list both changed is merged by its
    items (base None: no common ancestor, nothing is removed); any other field both
    changed goes to ``winner`` and the other value is returned as lost."""
    merged: dict[str, Any] = {}
    lost: list[Lost] = []
    for name in dict.fromkeys([*local, *remote]):
        lv = local.get(name)
        rv = remote.get(name)
        bv = base.get(name) if base is not None else _MISSING
        if _key(lv) == _key(rv):
            value = lv
        elif base is not None and _key(lv) == _key(bv):
            value = rv
        elif base is not None and _key(rv) == _key(bv):
            value = lv
        elif (
            isinstance(lv, list)
            and isinstance(rv, list)
            and (bv is _MISSING or isinstance(bv, list) or bv is None)
        ):
            value = _merge_list(bv if isinstance(bv, list) else [], lv, rv)
        else:
            value, other = (lv, rv) if winner == "minicrm" else (rv, lv)
            if other not in (None, "", [], {}):
                lost.append(Lost(name, winner, value, other))
        if value is not None:
            merged[name] = value
    return merged, lost


def _same(a: Item | None, b: Mapping[str, Any] | None) -> bool:
    return a is not None and b is not None and _key(a.fields) == _key(dict(b))


def _differing(a: Mapping[str, Any] | None, b: Mapping[str, Any]) -> list[str]:
    a = a or {}
    return [k for k in dict.fromkeys([*a, *b]) if _key(a.get(k)) != _key(b.get(k))]


# -- the sync -------------------------------------------------------------------------------

SAME = "same"
CHANGED = "changed"
GONE = "gone"


@dataclass
class _Plan:
    href: str
    state: queries.StateRow
    remote: str  # SAME, CHANGED, GONE
    local: str
    remote_item: Item | None = None
    local_item: Item | None = None
    base: Item | None = None


def run(
    store: Store, kind: Kind, folder: Path, settings: Settings, *, command: str | None = None
) -> SyncReport:
    """Sync ``kind`` with the vdir ``folder`` (created 0700 when missing, except on a dry
    run). One transaction; on a dry run everything is rolled back and no file written."""
    if settings.winner not in SIDES:
        raise ValueError(f"winner {settings.winner!r}")
    path = Path(folder).expanduser().absolute()
    exists = path.exists()
    if not (settings.dry_run and not exists):
        path = vdir.prepare_folder(path)
    report = SyncReport(kind.name, str(path), settings.dry_run)
    lock = vdir.FolderLock(path) if path.exists() else contextlib.nullcontext()
    with lock:
        if not settings.dry_run:
            vdir.remove_stale_temps(path)
        try:
            with store.transaction(command):
                _Run(store, kind, path, settings, report, exists=path.exists()).go()
                if settings.dry_run:
                    raise _DryRun("dry run")
        except _DryRun:
            report.changeset = None
    return report


class _Run:
    def __init__(
        self,
        store: Store,
        kind: Kind,
        path: Path,
        settings: Settings,
        report: SyncReport,
        *,
        exists: bool = True,
    ) -> None:
        self.store = store
        self.kind = kind
        self.path = path
        self.settings = settings
        self.report = report
        self.exists = exists
        self.wrote = False
        self.started_at = 0

    # files (none on a dry run)

    def _write(self, href: str, text: str, *, replace: bool) -> str:
        if self.settings.dry_run:
            return "dry-run"
        self.wrote = True
        return vdir.write_item(self.path, href, text, replace=replace)

    def _delete(self, href: str) -> None:
        if not self.settings.dry_run:
            self.wrote = True
            vdir.delete_item(self.path, href)

    def _change(
        self,
        side: str,
        action: str,
        item: Item | None,
        uid: str,
        href: str,
        fields: list[str] | None = None,
        reason: str | None = None,
    ) -> None:
        name = item.label if item is not None else uid
        self.report.changes.append(Change(side, action, name, uid, href, fields or [], reason))

    def _lost(self, local_uid: str, item: Item, href: str, lost: list[Lost]) -> None:
        if not lost:
            return
        where = f"sync with {self.path / href}"
        kept_in = self.kind.keep_lost(self.store, local_uid, lost, where)
        for entry in lost:
            self.report.conflicts.append(
                Conflict(
                    item.label,
                    item.uid,
                    href,
                    entry.field,
                    entry.winner,
                    self.kind.show(entry.field, entry.kept),
                    self.kind.show(entry.field, entry.lost),
                    kept_in,
                )
            )

    def _apply(
        self, href: str, local_uid: str | None, fields: dict[str, Any], item: Item
    ) -> str | None:
        """kind.apply, or None (the item reported as a problem, its state left as it was
        so that the next run tries again) when the kind refuses the values."""
        try:
            with self.store.transaction():  # a savepoint: a refused item leaves nothing
                return self.kind.apply(self.store, local_uid, fields, item)
        except ItemError as exc:
            self.report.problems.append(Problem(href, f"not applied: {exc}", item.uid))
            return None
        except MinicrmError as exc:
            self.report.problems.append(Problem(href, f"not applied: {exc}", item.uid))
            return None

    def _parse(self, href: str, text: str) -> Item | None:
        try:
            return self.kind.parse(text)
        except ItemError as exc:
            self.report.problems.append(Problem(href, f"cannot be read: {exc}"))
            return None

    def go(self) -> None:
        store, kind, report = self.store, self.kind, self.report
        frow = queries.folder(store, kind.name, str(self.path))
        folder_id = (
            int(frow["id"]) if frow else queries.add_folder(store, kind.name, str(self.path))
        )
        state = queries.items(store, folder_id)
        self.started_at = queries.latest_changeset(store)[0]
        files = vdir.listing(self.path, kind.fileext) if self.exists else {}

        since: int | None = None
        if frow is not None and state:
            seen = int(frow["seen_changeset"])
            if seen == 0 or queries.changeset_uid(store, seen) == frow["seen_changeset_uid"]:
                since = seen  # else the database was restored or replaced: look at everything
        candidates = kind.changed_since(store, since)
        item_uids = {s.local_uid: s.uid for s in state.values()}
        linked = {s.local_uid: href for href, s in state.items()}

        # the remote side: only files whose etag moved are read
        remote: dict[str, tuple[str, Item | None]] = {}
        unreadable: set[str] = set()
        for href, s in state.items():
            entry = files.get(href)
            if entry is None:
                remote[href] = (GONE, None)
            elif entry.etag != s.etag:
                got = vdir.read_item(self.path, href)
                report.files_read += 1
                if got is None:
                    remote[href] = (GONE, None)
                    continue
                text, etag = got
                item = self._parse(href, text)
                if item is None:
                    unreadable.add(href)
                    continue
                files[href] = vdir.Entry(href, etag)
                remote[href] = (CHANGED, item)
            else:
                remote[href] = (SAME, None)
        new_files: dict[str, Item] = {}
        for href in sorted(set(files) - set(state)):
            got = vdir.read_item(self.path, href)
            report.files_read += 1
            if got is None:
                continue
            item = self._parse(href, got[0])
            if item is not None:
                files[href] = vdir.Entry(href, got[1])
                new_files[href] = item

        # a UID in two files is reported and left alone, never merged blindly
        by_uid: dict[str, list[str]] = {}
        for href, s in state.items():
            if remote.get(href, (SAME, None))[0] != GONE:
                item = remote.get(href, (SAME, None))[1]
                by_uid.setdefault(item.uid if item else s.uid, []).append(href)
        for href, item in new_files.items():
            by_uid.setdefault(item.uid, []).append(href)
        doubled = {uid: hrefs for uid, hrefs in by_uid.items() if len(hrefs) > 1}
        skip: set[str] = set(unreadable)
        for uid, hrefs in doubled.items():
            for href in hrefs:
                skip.add(href)
                others = ", ".join(h for h in hrefs if h != href)
                report.problems.append(
                    Problem(
                        href, f"its UID is also in {others}: left alone until one is removed", uid
                    )
                )

        # the local side: only records history says may have changed
        local = kind.load(store, candidates, item_uids)
        report.records_read = len(local)

        plans: list[_Plan] = []
        for href, s in state.items():
            if href in skip:
                continue
            rstatus, ritem = remote[href]
            if candidates is None or s.local_uid in candidates:
                litem = local.get(s.local_uid)
                lstatus = CHANGED if litem is not None else GONE
            else:
                litem, lstatus = None, SAME
            if rstatus == SAME and lstatus == SAME:
                continue
            plans.append(_Plan(href, s, rstatus, lstatus, ritem, litem))
        bases = queries.item_texts(store, folder_id, [p.href for p in plans])
        for plan in plans:
            try:
                plan.base = kind.parse(bases[plan.href])
            except ItemError:
                plan.base = None  # a base that no longer parses: treat as no common ancestor
            if plan.local == CHANGED and _same(
                plan.local_item, plan.base.fields if plan.base else None
            ):
                plan.local, plan.local_item = SAME, None  # touched, not changed

        self._guard(plans, len(state))

        for plan in plans:
            self._settle(folder_id, plan, files)
        taken = set(linked)
        for href, item in new_files.items():
            if href in skip:
                continue
            self._adopt(folder_id, href, item, files, taken)
        blocked = set(doubled)
        names = set(files) | set(state)
        for local_uid, item in local.items():
            if local_uid in taken or local_uid in linked:
                continue
            if item.uid in blocked or item.uid in by_uid:
                report.problems.append(
                    Problem(
                        "",
                        f"not written: a file in the folder already has its UID {item.uid}",
                        item.uid,
                    )
                )
                continue
            self._create_file(folder_id, local_uid, item, names)

        if self.wrote:
            vdir.sync_folder(self.path)
        seen_id, seen_uid = queries.latest_changeset(store)
        queries.mark_folder(store, folder_id, seen_id, seen_uid, clock.utc_stamp())
        report.changeset = seen_id if seen_id > self.started_at else None
        report.items = queries.count_items(store, folder_id)

    def _guard(self, plans: list[_Plan], total: int) -> None:
        deletions = sum(
            1
            for p in plans
            if (p.remote == GONE and p.local == SAME) or (p.local == GONE and p.remote == SAME)
        )
        limit = self.settings.max_delete_percent
        if (
            deletions >= MIN_GUARDED
            and deletions * 100 > limit * total
            and not self.settings.force_delete
        ):
            raise MassDeletion(
                f"refusing to sync {self.path}: it would delete {deletions} of the "
                f"{total} {self.kind.name} it had at the last sync (more than {limit}%); "
                "was the folder emptied by a failed pull? nothing was changed",
                hint="check the folder; if the deletions are meant, run again with --force-delete",
            )

    def _settle(self, folder_id: int, p: _Plan, files: dict[str, vdir.Entry]) -> None:
        store, kind, s = self.store, self.kind, p.state
        base = p.base
        if p.remote == SAME and p.local == CHANGED:
            item = p.local_item
            assert item is not None
            item = self._rebased(item, base)
            etag = self._write(p.href, item.text, replace=True)
            queries.put_item(store, folder_id, p.href, s.uid, s.local_uid, etag, item.text)
            self._change(
                "vdir",
                "updated",
                item,
                s.uid,
                p.href,
                _differing(base.fields if base else None, item.fields),
            )
        elif p.remote == SAME and p.local == GONE:
            self._delete(p.href)
            queries.drop_item(store, folder_id, p.href)
            self._change("vdir", "deleted", base, s.uid, p.href)
        elif p.remote == CHANGED and p.local == SAME:
            ritem = p.remote_item
            assert ritem is not None
            etag = files[p.href].etag
            if not _same(ritem, base.fields if base else None):
                current = kind.load(store, [s.local_uid], {s.local_uid: s.uid}).get(s.local_uid)
                fields = ritem.fields
                if current is not None and base is not None:
                    fields, _lost = merge(base.fields, current.fields, ritem.fields, "vdir")
                if self._apply(p.href, s.local_uid, fields, ritem) is None:
                    return
                self._change(
                    "minicrm",
                    "updated",
                    ritem,
                    s.uid,
                    p.href,
                    _differing(base.fields if base else None, ritem.fields),
                )
            queries.put_item(store, folder_id, p.href, ritem.uid, s.local_uid, etag, ritem.text)
        elif p.remote == CHANGED and p.local == CHANGED:
            ritem, litem = p.remote_item, p.local_item
            assert ritem is not None and litem is not None
            merged, lost = merge(
                base.fields if base else None, litem.fields, ritem.fields, self.settings.winner
            )
            self._finish_merge(
                folder_id, p.href, s.uid, s.local_uid, litem, ritem, merged, lost, files
            )
        elif p.remote == CHANGED and p.local == GONE:
            ritem = p.remote_item
            assert ritem is not None
            if self._apply(p.href, s.local_uid, ritem.fields, ritem) is None:
                return
            queries.put_item(
                store, folder_id, p.href, ritem.uid, s.local_uid, files[p.href].etag, ritem.text
            )
            self._change(
                "minicrm",
                "created",
                ritem,
                s.uid,
                p.href,
                reason="changed in the folder after it was removed from minicrm: brought back",
            )
        elif p.remote == GONE and p.local == SAME:
            done = kind.remove(store, s.local_uid, self.settings.archive_deleted)
            queries.drop_item(store, folder_id, p.href)
            self._change("minicrm", done, base, s.uid, p.href, reason="its file was deleted")
        elif p.remote == GONE and p.local == CHANGED:
            item = p.local_item
            assert item is not None
            item = self._rebased(item, base)
            etag = self._write_new(p.href, item.text)
            queries.put_item(store, folder_id, p.href, s.uid, s.local_uid, etag, item.text)
            self._change(
                "vdir",
                "created",
                item,
                s.uid,
                p.href,
                reason="changed in minicrm after its file was deleted: written again",
            )
        elif p.remote == GONE and p.local == GONE:
            queries.drop_item(store, folder_id, p.href)

    def _rebased(self, item: Item, reference: Item | None) -> Item:
        """``item`` as the kind writes it over ``reference`` (the item the file holds):
        a kind with ``rebase`` keeps the reference's text for what did not change."""
        rebase = getattr(self.kind, "rebase", None)
        return item if rebase is None or reference is None else rebase(item, reference)

    def _write_new(self, href: str, text: str) -> str:
        try:
            return self._write(href, text, replace=False)
        except FileExistsError:
            return self._write(href, text, replace=True)

    def _finish_merge(
        self,
        folder_id: int,
        href: str,
        uid: str,
        local_uid: str,
        litem: Item,
        ritem: Item,
        merged: dict[str, Any],
        lost: list[Lost],
        files: dict[str, vdir.Entry],
    ) -> None:
        store, kind = self.store, self.kind
        if _key(merged) != _key(litem.fields):
            if self._apply(href, local_uid, merged, ritem) is None:
                return
            self._change("minicrm", "updated", ritem, uid, href, _differing(litem.fields, merged))
        self._lost(local_uid, litem, href, lost)
        after = kind.load(store, [local_uid], {local_uid: uid}).get(local_uid)
        if after is not None and _key(after.fields) != _key(ritem.fields):
            after = self._rebased(after, ritem)
            etag = self._write(href, after.text, replace=True)
            queries.put_item(store, folder_id, href, uid, local_uid, etag, after.text)
            self._change(
                "vdir", "updated", after, uid, href, _differing(ritem.fields, after.fields)
            )
        else:
            queries.put_item(
                store, folder_id, href, ritem.uid, local_uid, files[href].etag, ritem.text
            )

    def _adopt(
        self, folder_id: int, href: str, item: Item, files: dict[str, vdir.Entry], taken: set[str]
    ) -> None:
        store, kind = self.store, self.kind
        local_uid = kind.find(store, item, taken)
        if local_uid is None:
            local_uid = self._apply(href, None, item.fields, item)
            if local_uid is None:
                return
            taken.add(local_uid)
            queries.put_item(
                store, folder_id, href, item.uid, local_uid, files[href].etag, item.text
            )
            self._change("minicrm", "created", item, item.uid, href)
            return
        taken.add(local_uid)
        litem = kind.load(store, [local_uid], {local_uid: item.uid}).get(local_uid)
        if litem is None:  # archived: the file brings it back
            if self._apply(href, local_uid, item.fields, item) is None:
                return
            queries.put_item(
                store, folder_id, href, item.uid, local_uid, files[href].etag, item.text
            )
            self._change(
                "minicrm", "updated", item, item.uid, href, reason="linked to an archived record"
            )
            return
        merged, lost = merge(None, litem.fields, item.fields, self.settings.winner)
        self._change("minicrm", "linked", item, item.uid, href)
        self._finish_merge(folder_id, href, item.uid, local_uid, litem, item, merged, lost, files)

    def _create_file(self, folder_id: int, local_uid: str, item: Item, hrefs: set[str]) -> None:
        while True:
            href = vdir.new_name(item.uid, self.kind.fileext, hrefs)
            hrefs.add(href)
            try:
                etag = self._write(href, item.text, replace=False)
                break
            except FileExistsError:
                continue
        queries.put_item(self.store, folder_id, href, item.uid, local_uid, etag, item.text)
        self._change("vdir", "created", item, item.uid, href)
