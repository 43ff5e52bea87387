"""``minicrm sync events DIR``: a one-way calendar for apps that show no tasks (Google
Calendar, khal): every birthday and yearly date of the contacts that are not archived
as a yearly all-day VEVENT, and, with ``followups``, every timed open follow-up as an
event at its due time (repeating as minicrm schedules it). One ``.ics`` file per event,
named by its UID; a file whose event is gone is removed (only files minicrm wrote: UID
ending ``@minicrm``); an unchanged event is not written again (DTSTAMP aside), so
vdirsyncer uploads only what changed. Files are written atomically under the folder's
lock. Nothing in minicrm changes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minicrm.activity import followups as activity
from minicrm.contacts import reading
from minicrm.core import clock
from minicrm.db.store import Store
from minicrm.interchange.exports import yearly_dates
from minicrm.interchange.formats.ics import event_files
from minicrm.sync import queries, vdir

FILEEXT = ".ics"
_STAMP = re.compile(r"^DTSTAMP:.*\r?\n", re.M)
_UID = re.compile(r"^UID:(.*?)\r?$", re.M)


@dataclass
class EventsReport:
    folder: str
    dry_run: bool
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    items: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "events",
            "folder": self.folder,
            "dry_run": self.dry_run,
            "created": len(self.created),
            "updated": len(self.updated),
            "deleted": len(self.deleted),
            "items": self.items,
            "files": {"created": self.created, "updated": self.updated, "deleted": self.deleted},
        }


def _name(uid: str) -> str:
    base = uid.removesuffix("@minicrm")
    safe = re.sub(r"[^A-Za-z0-9_.+-]", "_", base)
    return safe + FILEEXT


def _same(a: str, b: str) -> bool:
    return _STAMP.sub("", a.replace("\r\n", "\n")) == _STAMP.sub("", b.replace("\r\n", "\n"))


def wanted(store: Store, *, followups: bool) -> dict[str, str]:
    """File name -> text of every event the calendar should hold."""
    with store.snapshot():
        people = reading.load_contacts(store, queries.active_contact_ids(store))
        tasks = activity.series_tasks(store, open_only=True) if followups else []
    files = event_files(tasks, yearly_dates(people), now_stamp=clock.utc_stamp())
    return {_name(uid): text for uid, text in files.items()}


def run(
    store: Store, folder: Path, *, followups: bool = False, dry_run: bool = False
) -> EventsReport:
    path = Path(folder).expanduser().absolute()
    report = EventsReport(str(path), dry_run)
    want = wanted(store, followups=followups)
    report.items = len(want)
    if dry_run and not path.exists():
        report.created = sorted(want)
        return report
    path = vdir.prepare_folder(path)
    with vdir.FolderLock(path):
        if not dry_run:
            vdir.remove_stale_temps(path)
        have = vdir.listing(path, FILEEXT)
        for name in sorted(have):
            got = vdir.read_item(path, name)
            if got is None:
                continue
            text = got[0]
            if name in want:
                if not _same(text, want[name]):
                    report.updated.append(name)
                    if not dry_run:
                        vdir.write_item(path, name, want[name], replace=True)
                continue
            uid = _UID.search(text)
            if uid and uid.group(1).strip().endswith("@minicrm"):
                report.deleted.append(name)  # an event minicrm wrote that is gone
                if not dry_run:
                    vdir.delete_item(path, name)
        for name in sorted(set(want) - set(have)):
            report.created.append(name)
            if not dry_run:
                vdir.write_item(path, name, want[name], replace=False)
        if report.changed and not dry_run:
            vdir.sync_folder(path)
    return report
