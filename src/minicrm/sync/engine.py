"""The sync engine: one run of :func:`minicrm.sync.core.run`, from the folder's listing
and the records history says may have changed to the changes made on both sides (see
:mod:`minicrm.sync.core` for what it does and guarantees).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from minicrm.core import clock
from minicrm.core.errors import MinicrmError
from minicrm.db.store import Store
from minicrm.sync import queries, vdir
from minicrm.sync.merging import (
    CHANGED,
    GONE,
    SAME,
    ItemPlan,
    canonical_json,
    differing_fields,
    guard,
    merge,
    same_fields,
)
from minicrm.sync.models import (
    Change,
    Conflict,
    Item,
    ItemError,
    Kind,
    Lost,
    Problem,
    Settings,
    SyncReport,
)


class SyncRun:
    """One sync of one folder (:meth:`go`), inside the caller's transaction."""

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

    def _outdated(self, local_uid: str, item: Item) -> bool:
        """Whether the file is about what the record has moved on from (a kind with
        ``outdated``, sync/tasks.py: an earlier occurrence of a series, done already):
        nothing of it is applied, and the file is written again with what the record says."""
        outdated = getattr(self.kind, "outdated", None)
        return outdated is not None and outdated(self.store, local_uid, item) is not None

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

        plans: list[ItemPlan] = []
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
            plans.append(ItemPlan(href, s, rstatus, lstatus, ritem, litem))
        bases = queries.item_texts(store, folder_id, [p.href for p in plans])
        for plan in plans:
            try:
                plan.base = kind.parse(bases[plan.href])
            except ItemError:
                plan.base = None  # a base that no longer parses: treat as no common ancestor
            if plan.local == CHANGED and same_fields(
                plan.local_item, plan.base.fields if plan.base else None
            ):
                plan.local, plan.local_item = SAME, None  # touched, not changed

        guard(plans, len(state), self.settings, self.path, self.kind.name)

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

    def _settle(self, folder_id: int, p: ItemPlan, files: dict[str, vdir.Entry]) -> None:
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
                differing_fields(base.fields if base else None, item.fields),
            )
        elif p.remote == SAME and p.local == GONE:
            self._delete(p.href)
            queries.drop_item(store, folder_id, p.href)
            self._change("vdir", "deleted", base, s.uid, p.href)
        elif p.remote == CHANGED and p.local == SAME:
            ritem = p.remote_item
            assert ritem is not None
            etag = files[p.href].etag
            if not same_fields(ritem, base.fields if base else None) and not self._outdated(
                s.local_uid, ritem
            ):
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
                    differing_fields(base.fields if base else None, ritem.fields),
                )
            queries.put_item(store, folder_id, p.href, ritem.uid, s.local_uid, etag, ritem.text)
            self._write_back(folder_id, p.href, s.local_uid, ritem)
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

    def _write_back(self, folder_id: int, href: str, local_uid: str, applied: Item) -> None:
        """For a kind with ``write_back = True`` (sync/tasks.py): after a file was applied,
        write what the record says now if the file says otherwise (a completed repeating
        task is its next occurrence; a task made on a phone gets its contact's lines)."""
        if not getattr(self.kind, "write_back", False):
            return
        after = self.kind.load(self.store, [local_uid], {local_uid: applied.uid}).get(local_uid)
        if after is None or canonical_json(after.fields) == canonical_json(applied.fields):
            return
        etag = self._write(href, after.text, replace=True)
        queries.put_item(self.store, folder_id, href, applied.uid, local_uid, etag, after.text)
        self._change(
            "vdir",
            "updated",
            after,
            applied.uid,
            href,
            differing_fields(applied.fields, after.fields),
        )

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
        if canonical_json(merged) != canonical_json(litem.fields) and not self._outdated(
            local_uid, ritem
        ):
            if self._apply(href, local_uid, merged, ritem) is None:
                return
            self._change(
                "minicrm", "updated", ritem, uid, href, differing_fields(litem.fields, merged)
            )
        self._lost(local_uid, litem, href, lost)
        after = kind.load(store, [local_uid], {local_uid: uid}).get(local_uid)
        if after is not None and canonical_json(after.fields) != canonical_json(ritem.fields):
            after = self._rebased(after, ritem)
            etag = self._write(href, after.text, replace=True)
            queries.put_item(store, folder_id, href, uid, local_uid, etag, after.text)
            self._change(
                "vdir", "updated", after, uid, href, differing_fields(ritem.fields, after.fields)
            )
        else:
            queries.put_item(
                store, folder_id, href, ritem.uid, local_uid, files[href].etag, ritem.text
            )

    def _adopt(
        self, folder_id: int, href: str, item: Item, files: dict[str, vdir.Entry], taken: set[str]
    ) -> None:
        store, kind = self.store, self.kind
        redundant = getattr(kind, "redundant", None)  # optional: see sync/tasks.py
        if redundant is not None and (reason := redundant(store, item)):
            self._delete(href)
            self._change("vdir", "deleted", item, item.uid, href, reason=reason)
            return
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
            self._write_back(folder_id, href, local_uid, item)
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
