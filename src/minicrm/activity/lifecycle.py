"""What happens to a follow-up after it is made: done, snoozed, reopened, cancelled; a
repeating one gets its next occurrence when one is closed (a new follow-up of the same
series, due by its rule from the due day or from the day it was done).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from minicrm.activity import interactions, queries
from minicrm.activity.followups import load_followup, series_start
from minicrm.activity.models import FollowUp
from minicrm.core import clock, dateparse, dates, recurrence
from minicrm.core.dates import When
from minicrm.core.errors import InvalidInput
from minicrm.core.ids import new_uid, parse_id
from minicrm.db.store import Row, Store


def _require(current: FollowUp, allowed: tuple[str, ...], action: str) -> None:
    """Refuse an action on a follow-up in the wrong state, in one plain sentence: what it
    is (``is done already; nothing to do``), or what to do first."""
    if current.status in allowed:
        return
    already = (action, current.status) in (
        ("cancel", "cancelled"),
        ("complete", "done"),
        ("reopen", "open"),
    )
    if already:
        what = "nothing to reopen" if action == "reopen" else "nothing to do"
        raise InvalidInput(f"follow-up #{current.id} is {current.status} already; {what}")
    if action in ("cancel", "complete", "snooze"):
        raise InvalidInput(
            f"cannot {action} follow-up #{current.id}: it is {current.status}",
            hint=f"reopen it first: minicrm reopen {current.id}",
        )
    raise InvalidInput(f"cannot {action} follow-up #{current.id}: it is {current.status}")


@dataclass(frozen=True)
class Completion:
    done: FollowUp
    next: FollowUp | None
    note_id: int | None


def _next_occurrence(
    current: FollowUp, row: Row, done_local: datetime
) -> tuple[datetime, str] | None:
    """(next due as naive local datetime, new series_start) or None when the series ends."""
    rec = current.recurrence
    assert rec is not None
    if rec.count is not None and current.occurrence >= rec.count:
        return None
    until = date.fromisoformat(rec.until) if rec.until else None
    due_time = time.fromisoformat(current.due_time) if current.due_time else time(0)
    if rec.scheduled_from == "done":
        anchor = datetime.combine(done_local.date(), due_time)
        nxt = recurrence.next_occurrence(rec.rule, anchor=anchor, after=anchor, until=until)
        return (nxt, series_start(nxt.date(), nxt.time())) if nxt else None
    anchor = datetime.fromisoformat(row["series_start"])
    # from the due date as it is now: a snoozed occurrence is followed by the series'
    # next slot after the day it was snoozed to
    after = datetime.combine(date.fromisoformat(current.due_date), due_time)
    nxt = recurrence.next_occurrence(rec.rule, anchor=anchor, after=after, until=until)
    return (nxt, row["series_start"]) if nxt else None


# What every occurrence of a series shares with the one before it.
_SERIES_COLUMNS = (
    "contact_id",
    "deal_id",
    "title",
    "notes",
    "priority",
    "rrule",
    "recur_from",
    "recur_until",
    "recur_count",
    "series_uid",
)


def _schedule_next(store: Store, current: FollowUp, closed_local: datetime) -> FollowUp | None:
    """After an occurrence of a series is closed (done or skipped), insert the next one,
    unless the series has ended or its next occurrence already exists (a reopened and
    closed-again occurrence must not schedule a second one)."""
    if current.recurrence is None:
        return None
    row = queries.followup_row(store, current.id)
    assert row is not None
    if queries.series_has_occurrence(store, row["series_uid"], row["occurrence"] + 1):
        return None
    nxt = _next_occurrence(current, row, closed_local)
    if nxt is None:
        return None
    due_at, series_start = nxt
    created = clock.utc_stamp()
    carried = {column: row[column] for column in _SERIES_COLUMNS}
    next_id = store.insert(
        "followups",
        {
            **carried,
            "uid": new_uid(),
            "due_date": due_at.date().isoformat(),
            "due_time": row["due_time"] and due_at.strftime("%H:%M"),
            "status": "open",
            "series_start": series_start,
            "occurrence": row["occurrence"] + 1,
            "created_at": created,
            "updated_at": created,
        },
    )
    return load_followup(store, next_id)


def complete(
    store: Store,
    followup_id: str | int,
    *,
    note: str | None = None,
    from_done: bool | None = None,
    on: When | None = None,
) -> Completion:
    """Mark a follow-up done; a note becomes an interaction; a recurring one gets its next."""
    fid = parse_id(followup_id, "follow-up")
    note_body = interactions.body(note) if note is not None else None
    now_local = dates.local_now(on)
    stamp = clock.utc_stamp(now_local)
    with store.transaction():
        current = load_followup(store, fid)
        _require(current, ("open",), "complete")
        store.update(
            "followups",
            fid,
            {"status": "done", "completed_at": stamp, "updated_at": clock.utc_stamp()},
        )
        note_id = None
        if note_body is not None:
            if current.contact is None:
                raise InvalidInput("--note needs a follow-up with a contact")
            note_id = interactions.create(
                store, [current.contact.id], note_body, kind_="note", stamp=stamp, followup_id=fid
            )
        if current.recurrence is not None and from_done is not None:
            current = _with_from(current, "done" if from_done else "due")
        next_followup = _schedule_next(store, current, now_local.replace(tzinfo=None))
        return Completion(load_followup(store, fid), next_followup, note_id)


def _with_from(current: FollowUp, scheduled_from: str) -> FollowUp:
    from dataclasses import replace

    assert current.recurrence is not None
    return replace(current, recurrence=replace(current.recurrence, scheduled_from=scheduled_from))


def snooze(
    store: Store, followup_id: str | int, until: str | None = None, *, on: When | None = None
) -> FollowUp:
    """Move an open follow-up to a later day (and time), by default tomorrow; without a
    time it keeps its own. The first original due is kept."""
    fid = parse_id(followup_id, "follow-up")
    today = dates.today(on)
    when = dateparse.parse_when(until or "tomorrow", today=today)
    with store.transaction():
        current = load_followup(store, fid)
        _require(current, ("open",), "snooze")
        new_time = when.time or (time.fromisoformat(current.due_time) if current.due_time else None)
        new_due = When(when.day, new_time)
        if new_due.day < today:
            raise InvalidInput(
                f"cannot snooze until {new_due.iso()}: that is in the past",
                hint="e.g. snooze ID mon",
            )
        store.update(
            "followups",
            fid,
            {
                "due_date": new_due.day.isoformat(),
                "due_time": new_time.strftime("%H:%M") if new_time else None,
                "snoozed_from": current.snoozed_from or current.due,
                "updated_at": clock.utc_stamp(),
            },
        )
        return load_followup(store, fid)


def reopen(store: Store, followup_id: str | int) -> FollowUp:
    fid = parse_id(followup_id, "follow-up")
    with store.transaction():
        current = load_followup(store, fid)
        _require(current, ("done", "cancelled"), "reopen")
        store.update(
            "followups",
            fid,
            {
                "status": "open",
                "completed_at": None,
                "cancelled_at": None,
                "updated_at": clock.utc_stamp(),
            },
        )
        return load_followup(store, fid)


def cancel(
    store: Store, followup_id: str | int, *, stop: bool = False, on: When | None = None
) -> Completion:
    """Cancel an open follow-up. For a repeating one this skips one occurrence and
    schedules the next, unless ``stop`` ends the series here."""
    fid = parse_id(followup_id, "follow-up")
    now_local = dates.local_now(on)
    stamp = clock.utc_stamp(now_local)
    with store.transaction():
        current = load_followup(store, fid)
        _require(current, ("open",), "cancel")
        store.update(
            "followups",
            fid,
            {"status": "cancelled", "cancelled_at": stamp, "updated_at": clock.utc_stamp()},
        )
        next_followup = (
            None if stop else _schedule_next(store, current, now_local.replace(tzinfo=None))
        )
        return Completion(load_followup(store, fid), next_followup, None)


def _closed_local(current: FollowUp) -> datetime:
    """When an occurrence was closed, as a naive local time (what `done` scheduled from)."""
    stamp = current.completed_at or current.cancelled_at
    moment = dates.local_datetime(stamp) if stamp else dates.local_now()
    return moment.replace(tzinfo=None)


def next_due_after(store: Store, followup_id: int) -> datetime | None:
    """When the occurrence after this closed one of a series falls due by the series'
    rule (naive local time), or None when the rule has run out (for `db check`)."""
    current = load_followup(store, followup_id)
    if current.recurrence is None:
        return None
    row = queries.followup_row(store, followup_id)
    assert row is not None
    nxt = _next_occurrence(current, row, _closed_local(current))
    return nxt[0] if nxt else None


def schedule_missing_next(store: Store, followup_id: int) -> FollowUp | None:
    """Insert the next occurrence a closed occurrence should have scheduled (for
    `db check --repair`); None if it exists already or the series has ended."""
    with store.transaction():
        current = load_followup(store, followup_id)
        return _schedule_next(store, current, _closed_local(current))
