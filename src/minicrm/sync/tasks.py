"""The tasks kind of the sync core: a series of follow-ups is one VTODO file.

One file per series, its UID the series' (``SERIES@minicrm``, or the UID a task made on
a phone came with), the same for every occurrence: it shows the open occurrence, or the
series' last one when none is open (see interchange/formats/ics.py for what it says).
Open series sync; a closed one stays in the folder (COMPLETED or CANCELLED) once it was
there.

Fields compared and merged: ``title``, ``due`` (``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM``,
local wall-clock time), ``status`` (open, done, cancelled), ``priority``, ``notes``; and,
written by minicrm only (a change to them in the folder is not applied, and the file is
written again): ``about`` (the Contact/Phone/Email/Deal lines), ``rrule``, ``contact``,
``followup`` (``X-MINICRM-FOLLOWUP``, the occurrence shown: a file about an earlier one,
done or cancelled already, is not news and changes nothing; see ``outdated``).

What the phone does, applied to the open occurrence:

- done: ``minicrm done`` (a repeating one schedules its next occurrence once). A client
  that completes a repeating task by moving its DUE to the next occurrence on the same
  UID is understood so too. todoman completes the task and writes the next occurrence
  as a new task under a new UID: that new file is recognised (same title and rule, due
  on the series' next occurrence) and removed, the series keeping its own file;
- a new due date or time: the occurrence moves (as ``snooze`` does, earlier too); title,
  priority and notes are applied; cancelled or deleted: the series is cancelled
  (``cancel --stop``; ``minicrm undo`` brings it back); NEEDS-ACTION on a closed one:
  ``reopen``;
- a new task: a new follow-up, for the contact its ``X-MINICRM-CONTACT-UID`` or a
  ``Contact: NAME`` line of its description names (one contact of that name), else a
  follow-up without a contact (kept, never dropped; ``followup edit ID --contact``
  attaches it). No due date: due today. An RRULE minicrm can read repeats it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime, time
from typing import Any

from minicrm.activity import followups, lifecycle
from minicrm.activity.models import SeriesTask
from minicrm.core import clock, recurrence, validate
from minicrm.core.config import SyncConfig
from minicrm.core.errors import InvalidInput, MinicrmError
from minicrm.db.store import Store
from minicrm.interchange.formats.ics import UID_SUFFIX, read_task, task_text
from minicrm.sync import queries
from minicrm.sync.core import Item, ItemError, Lost

UNTITLED = "(no title)"
_OWNED = ("about", "rrule", "contact", "followup")  # written by minicrm only


class TasksKind:
    name = "tasks"
    noun = "task"
    fileext = ".ics"
    write_back = True  # a file applied is written again when the follow-up says otherwise

    # reading

    def parse(self, text: str) -> Item:
        try:
            task = read_task(text)
        except ValueError as exc:
            raise ItemError(str(exc)) from None
        fields: dict[str, Any] = {
            "title": task.title,
            "due": task.due,
            "status": task.status,
            "priority": task.priority,
            "notes": task.notes,
            "about": task.about,
            "rrule": task.rrule,
            "contact": task.contact_uid,
            "followup": task.followup_id,  # the occurrence the file is about
        }
        fields = {k: v for k, v in fields.items() if v not in (None, "")}
        return Item(task.uid, fields, text, task.title or UNTITLED)

    def render(self, task: SeriesTask, uid: str) -> Item:
        return self.parse(task_text(task, uid=uid))

    # the local side

    def changed_since(self, store: Store, changeset: int | None) -> set[str] | None:
        if changeset is None:
            return None
        return queries.changed_series(store, changeset, queries.CONTACT_ENTITIES)

    def load(
        self, store: Store, local_uids: Collection[str] | None, item_uids: Mapping[str, str]
    ) -> dict[str, Item]:
        out: dict[str, Item] = {}
        for task in followups.series_tasks(store, series_uids=local_uids):
            series = task.followup.series_uid
            if task.followup.status != "open" and series not in item_uids:
                continue  # closed before it ever reached the folder
            out[series] = self.render(task, item_uids.get(series, series + UID_SUFFIX))
        return out

    def find(self, store: Store, item: Item, taken: set[str]) -> str | None:
        series = item.uid.removesuffix(UID_SUFFIX)
        if series != item.uid and series not in taken and queries.series_exists(store, series):
            return series
        return None

    def redundant(self, store: Store, item: Item) -> str | None:
        """Why a new file is to be removed rather than become a follow-up, or None: it is
        a client's copy of the next occurrence of a series minicrm has scheduled already
        (todoman's `done` on a repeating task writes one under a new UID)."""
        rule = item.fields.get("rrule")
        if not rule or "contact" in item.fields or item.fields.get("status") != "open":
            return None
        for task in followups.series_tasks(store, open_only=True):
            f = task.followup
            if f.recurrence is None or f.occurrence < 2 or f.title != item.fields.get("title"):
                continue
            if f.due != item.fields.get("due"):
                continue
            if _rule_parts(rule) != _rule_parts(self._written_rule(task)):
                continue
            return (
                "a copy of the next occurrence of a repeating task, written by the phone "
                f"under a new UID; the series keeps its own file (follow-up #{f.id})"
            )
        return None

    def _written_rule(self, task: SeriesTask) -> str:
        """The rule the previous occurrence's file had: the one written now, as the
        series' rule is the same (only COUNT and UNTIL, left out of the comparison, move)."""
        return str(self.render(task, "x").fields.get("rrule", ""))

    def outdated(self, store: Store, local_uid: str, item: Item) -> str | None:
        """Why ``item`` is about an earlier occurrence of the series, one that is done or
        cancelled already (the series has moved on), or None when it is about the one the
        series shows now. What it says is then not applied: it is not news (a file
        imported again, the phone's `done` of an occurrence done in minicrm too).

        The occurrence is the one ``X-MINICRM-FOLLOWUP`` names (minicrm writes it); a task
        without it (or naming no occurrence of the series) that is completed or cancelled
        and due on a closed earlier occurrence rather than the open one is about that one."""
        task = followups.series_task(store, local_uid)
        if task is None:
            return None
        current = task.followup
        told_id, due = item.fields.get("followup"), item.fields.get("due")
        if told_id == current.id:
            return None
        earlier = [f for f in followups.series_followups(store, local_uid) if f.id != current.id]
        named = next((f for f in earlier if f.id == told_id), None)
        closed = item.fields.get("status", "open") != "open"
        if named is None and closed and current.status == "open" and due != current.due:
            named = next((f for f in earlier if f.status != "open" and f.due == due), None)
        if named is None:
            return None
        return (
            f"about an earlier occurrence (follow-up #{named.id}, due {named.due}, "
            f"{named.status}); the series is at #{current.id} now"
        )

    def apply(self, store: Store, local_uid: str | None, fields: dict[str, Any], item: Item) -> str:
        task = followups.series_task(store, local_uid) if local_uid else None
        if task is None:
            return self._create(store, local_uid, fields, item)
        f = task.followup
        if local_uid and self.outdated(store, local_uid, item):
            return f.series_uid  # not news: see outdated()
        current = self.render(task, item.uid).fields
        stamp = clock.utc_stamp()
        changes: dict[str, Any] = {}
        if fields.get("title", "") != current.get("title", ""):
            changes["title"] = validate.text(
                fields.get("title") or UNTITLED, "title", max_len=followups.MAX_TITLE
            )
        if fields.get("notes", "") != current.get("notes", ""):
            changes["notes"] = (
                validate.text(fields["notes"], "notes", max_len=validate.MAX_TEXT)
                if fields.get("notes")
                else None
            )
        if fields.get("priority", "normal") != current.get("priority", "normal"):
            changes["priority"] = followups.priority(fields.get("priority", "normal"))
        status = fields.get("status", "open")
        due = fields.get("due")
        if due and due != current.get("due"):
            if f.status == "open" and status == "open" and _is_next(task, due):
                status = "done"  # the client moved the due to the next one: completed
            else:
                day, at = _split(due)
                changes |= {
                    "due_date": day.isoformat(),
                    "due_time": at.strftime("%H:%M") if at else None,
                    "snoozed_from": f.snoozed_from or f.due,
                }
        if changes:
            store.update("followups", f.id, {**changes, "updated_at": stamp})
        if f.status == "open" and status == "done":
            lifecycle.complete(store, f.id)
        elif f.status == "open" and status == "cancelled":
            lifecycle.cancel(store, f.id, stop=True)
        elif f.status != "open" and status == "open":
            lifecycle.reopen(store, f.id)
        return f.series_uid

    def _create(self, store: Store, series: str | None, fields: dict[str, Any], item: Item) -> str:
        try:
            told = read_task(item.text)
        except ValueError as exc:
            raise ItemError(str(exc)) from None
        contact = fields.get("contact")
        if contact and not queries.contact_uid_exists(store, contact):
            contact = None
        if contact is None and told.contact_name:
            contact = queries.contact_uid_by_name(store, told.contact_name)
        due = fields.get("due")
        day, at = _split(due) if due else (None, None)
        every, until, count, notes = _phone_rule(fields.get("rrule", ""), fields.get("notes"))
        found = queries.contact_ids(store, [contact]).get(contact) if contact else None
        made = followups.add_followup(
            store,
            f"#{found[0]}" if found else None,
            fields.get("title") or UNTITLED,
            due=day.isoformat() if day else None,
            at=at.strftime("%H:%M") if at else None,
            every=every,
            until=until,
            count=count,
            priority_=fields.get("priority", "normal"),
            notes=notes,
        )
        if series is not None:  # brought back under the series it had
            store.update("followups", made.id, {"series_uid": series})
        status = fields.get("status", "open")
        if status == "done":
            lifecycle.complete(store, made.id)
        elif status == "cancelled":
            lifecycle.cancel(store, made.id, stop=True)
        return series or made.series_uid

    def remove(self, store: Store, local_uid: str, archive: bool) -> str:
        task = followups.series_task(store, local_uid)
        if task is None or task.followup.status != "open":
            return "unlinked"  # gone already, or closed: nothing to undo on the phone's word
        lifecycle.cancel(store, task.followup.id, stop=True)
        return "cancelled"

    def keep_lost(self, store: Store, local_uid: str, lost: list[Lost], where: str) -> str:
        task = followups.series_task(store, local_uid)
        if task is None:
            return "the sync report"
        f = task.followup
        notes = f.notes or ""
        day = clock.now().date().isoformat()
        for entry in lost:
            if entry.field in _OWNED:
                continue
            side = "the folder" if entry.winner == "minicrm" else "minicrm"
            text = f"Sync conflict on {day} ({where}): {side} had {entry.field}: {self.show(entry.field, entry.lost)}"
            if text not in notes:
                notes = f"{notes}\n\n{text}" if notes else text
        if notes != (f.notes or ""):
            store.update("followups", f.id, {"notes": notes, "updated_at": clock.utc_stamp()})
        return f"the notes of follow-up #{f.id}"

    def show(self, field: str, value: Any) -> str:
        return "" if value is None else str(value)


def _split(due: str) -> tuple[date, time | None]:
    try:
        if "T" in due:
            moment = datetime.fromisoformat(due)
            return moment.date(), moment.time()
        return date.fromisoformat(due), None
    except ValueError:
        raise InvalidInput(f"cannot read the due {due!r}") from None


def _is_next(task: SeriesTask, due: str) -> bool:
    """Whether ``due`` is the series' next occurrence after the open one."""
    f = task.followup
    rec = f.recurrence
    if rec is None or rec.scheduled_from == "done":
        return False
    current = datetime.combine(
        date.fromisoformat(f.due_date), time.fromisoformat(f.due_time or "00:00")
    )
    try:
        anchor = datetime.fromisoformat(task.series_start)
    except ValueError:
        return False
    nxt = recurrence.schedule(
        rec.rule,
        anchor=anchor,
        first=current,
        until=date.fromisoformat(rec.until) if rec.until else None,
        count=rec.count - f.occurrence + 1 if rec.count is not None else None,
        limit=1,
    )
    if not nxt:
        return False
    shown = nxt[0].date().isoformat() if f.due_time is None else nxt[0].strftime("%Y-%m-%dT%H:%M")
    return shown == due


def _rule_parts(rule: str) -> dict[str, Any]:
    from icalendar import vRecur

    try:
        parts = dict(vRecur.from_ical(rule))
    except (ValueError, TypeError):
        return {"?": rule}
    return {k.upper(): v for k, v in parts.items() if k.upper() not in ("COUNT", "UNTIL")}


def _phone_rule(
    rule: str, notes: str | None
) -> tuple[str | None, str | None, int | None, str | None]:
    """A phone's RRULE as minicrm's --every, --until and --count; one minicrm cannot
    repeat by is kept in the notes instead."""
    if not rule:
        return None, None, None, notes
    body, until, count = [], None, None
    for part in rule.split(";"):
        name, _eq, value = part.partition("=")
        if name.upper() == "COUNT" and value.isdigit():
            count = int(value)
        elif name.upper() == "UNTIL" and len(value) >= 8 and value[:8].isdigit():
            until = f"{value[:4]}-{value[4:6]}-{value[6:8]}"
        else:
            body.append(part)
    try:
        every = recurrence.parse_rule(";".join(body))
    except MinicrmError:
        kept = f"Repeats on the phone by RRULE:{rule} (not a rule minicrm can repeat by)"
        return None, None, None, f"{notes}\n\n{kept}" if notes else kept
    return every, until, count, notes


def make_kind(config: SyncConfig) -> TasksKind:
    return TasksKind()


# -- `minicrm import FILE.ics`: what a calendar file says about known follow-ups ----------------


class TasksImport:
    """What `import` of an iCalendar file or folder did: per VTODO, ``updated`` (a change
    applied), ``unchanged``, or ``skipped`` (not a follow-up minicrm knows, or unreadable)."""

    def __init__(self, source: str, dry_run: bool) -> None:
        self.source = source
        self.dry_run = dry_run
        self.outcomes: list[tuple[str, str, str, str]] = []  # action, uid, title, reason

    def count(self, action: str) -> int:
        return sum(1 for o in self.outcomes if o[0] == action)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "format": "ics",
            "dry_run": self.dry_run,
            "updated": self.count("updated"),
            "unchanged": self.count("unchanged"),
            "skipped": self.count("skipped"),
            "tasks": [
                {"action": a, "uid": u, "title": t, "reason": r or None}
                for a, u, t, r in self.outcomes
            ],
        }


def is_calendar_source(path: str) -> bool:
    """Whether `import PATH` is an iCalendar file (by its first line) or a folder of
    ``.ics`` files without ``.vcf`` ones."""
    from pathlib import Path

    source = Path(path).expanduser()
    if path == "-":
        return False
    if source.is_dir():
        names = [p.suffix.lower() for p in source.iterdir()]
        return ".ics" in names and not any(s in (".vcf", ".vcard") for s in names)
    try:
        with source.open("rb") as handle:
            head = handle.read(64).lstrip(b"\xef\xbb\xbf \t\r\n").upper()
    except OSError:
        return False
    return head.startswith(b"BEGIN:VCALENDAR")


def _todo_texts(text: str) -> list[str]:
    """Each VTODO of a calendar as a calendar of its own."""
    from icalendar import Calendar

    try:
        calendar = Calendar.from_ical(text)
    except (ValueError, KeyError, IndexError) as exc:
        raise InvalidInput(f"not an iCalendar file ({exc})") from None
    out = []
    for todo in calendar.walk("VTODO"):
        single = Calendar()
        single.add("prodid", "-//minicrm//import//EN")
        single.add("version", "2.0")
        single.add_component(todo)
        out.append(single.to_ical().decode("utf-8"))
    return out


def import_calendar(store: Store, path: str, *, dry_run: bool = False) -> TasksImport:
    """`minicrm import FILE.ics` (or a folder of .ics files): each VTODO whose UID is a
    series minicrm wrote (``SERIES@minicrm``) is applied as `sync tasks` applies a changed
    file (done, due, title, priority, notes, status); others are skipped and listed. One
    transaction; nothing on a dry run."""
    from pathlib import Path

    source = Path(path).expanduser()
    files = sorted(source.glob("*.ics")) if source.is_dir() else [source]
    report = TasksImport(str(source), dry_run)
    kind = TasksKind()

    class _Rollback(Exception):
        pass

    try:
        with store.transaction(f"minicrm import {path}"):
            for file in files:
                try:
                    text = file.read_bytes().decode("utf-8-sig")
                except (OSError, UnicodeDecodeError) as exc:
                    raise InvalidInput(f"cannot read {file}: {exc}") from None
                for single in _todo_texts(text):
                    try:
                        item = kind.parse(single)
                    except ItemError as exc:
                        report.outcomes.append(("skipped", "", "", str(exc)))
                        continue
                    series = item.uid.removesuffix(UID_SUFFIX)
                    task = followups.series_task(store, series) if series != item.uid else None
                    if task is None:
                        report.outcomes.append(
                            ("skipped", item.uid, item.label, "not a follow-up minicrm knows")
                        )
                        continue
                    if reason := kind.outdated(store, series, item):
                        report.outcomes.append(("unchanged", item.uid, item.label, reason))
                        continue
                    before = kind.render(task, item.uid).fields
                    owned = {k: v for k, v in before.items() if k in _OWNED}
                    wanted = {k: v for k, v in item.fields.items() if k not in _OWNED} | owned
                    if wanted == before:
                        report.outcomes.append(("unchanged", item.uid, item.label, ""))
                        continue
                    kind.apply(store, series, wanted, item)
                    changed = [
                        k
                        for k in dict.fromkeys([*before, *wanted])
                        if before.get(k) != wanted.get(k)
                    ]
                    report.outcomes.append(("updated", item.uid, item.label, ", ".join(changed)))
            if dry_run:
                raise _Rollback
    except _Rollback:
        pass
    return report
