"""Follow-ups: promises with a due date (all-day) or a due time, optionally recurring.

Times are local wall-clock times ("floating"): a follow-up at 09:00 is due at 09:00 in
whatever zone the user is in, and a weekly one stays at 09:00 across daylight saving.
Completing a recurring follow-up marks it done and creates the next occurrence as a new
follow-up of the same series (same ``series_uid``): that, and done, snooze, reopen and
cancel, are :mod:`minicrm.activity.lifecycle`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from minicrm.activity import queries
from minicrm.activity.models import FollowUp, Recurrence, SeriesTask
from minicrm.contacts import refs
from minicrm.core import clock, dateparse, dates, recurrence, validate
from minicrm.core.dates import When
from minicrm.core.errors import InvalidInput, NotFound
from minicrm.core.ids import new_uid, parse_id
from minicrm.core.models import Ref
from minicrm.db.store import Row, Store

PRIORITIES = ("low", "normal", "high")


STATUSES = ("open", "done", "cancelled")


MAX_TITLE = 500


def priority(value: str) -> str:
    cleaned = value.strip().lower()
    aliases = {"l": "low", "n": "normal", "m": "normal", "medium": "normal", "h": "high"}
    cleaned = aliases.get(cleaned, cleaned)
    if cleaned not in PRIORITIES:
        raise InvalidInput(f"unknown priority {value!r}", hint="one of: low, normal, high")
    return cleaned


def _to_followup(row: Row) -> FollowUp:
    rule = row["rrule"]
    return FollowUp(
        id=row["id"],
        uid=row["uid"],
        title=row["title"],
        due_date=row["due_date"],
        due_time=row["due_time"],
        contact=Ref(row["contact_id"], row["contact_uid"], row["contact_name"])
        if row["contact_id"] is not None
        else None,
        notes=row["notes"],
        priority=row["priority"],
        status=row["status"],
        recurrence=Recurrence(
            rule=rule,
            text=recurrence.describe(rule),
            scheduled_from=row["recur_from"],
            until=row["recur_until"],
            count=row["recur_count"],
        )
        if rule
        else None,
        series_uid=row["series_uid"],
        occurrence=row["occurrence"],
        snoozed_from=row["snoozed_from"],
        completed_at=row["completed_at"],
        cancelled_at=row["cancelled_at"],
        deal_id=row.get("deal_id"),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def load_followup(store: Store, followup_id: int) -> FollowUp:
    row = queries.followup_row(store, followup_id)
    if row is None:
        raise NotFound(f"no follow-up #{followup_id}", hint="minicrm followup ls lists them")
    return _to_followup(row)


def get_followup(store: Store, followup_id: str | int) -> FollowUp:
    with store.snapshot():
        return load_followup(store, parse_id(followup_id, "follow-up"))


def list_followups(
    store: Store,
    *,
    status: str = "open",
    contact: str | None = None,
    due_before: date | None = None,
    limit: int | None = None,
) -> list[FollowUp]:
    """Follow-ups in due order. ``status``: open, done, cancelled or all."""
    if status != "all" and status not in STATUSES:
        raise InvalidInput(f"unknown status {status!r}", hint="one of: open, done, cancelled, all")
    if limit is not None and limit < 0:
        raise InvalidInput("--limit must be 0 or more", hint="e.g. --limit 20")
    with store.snapshot():
        contact_id = refs.contact_id(store, contact) if contact else None
        rows = queries.followup_rows(
            store,
            statuses=STATUSES if status == "all" else (status,),
            contact_id=contact_id,
            due_before=due_before.isoformat() if due_before else None,
            limit=limit,
        )
        return [_to_followup(r) for r in rows]


def from_row(row: Row) -> FollowUp:
    """A follow-up record from a row of ``store.activity.followup_rows``."""
    return _to_followup(row)


def _to_task(row: Row) -> SeriesTask:
    return SeriesTask(
        followup=_to_followup(row),
        series_start=row["series_start"],
        phone=row["reach_phone"],
        email=row["reach_email"],
        deal_uid=row["deal_uid"],
        deal_title=row["deal_title"],
    )


def series_tasks(
    store: Store, *, open_only: bool = False, series_uids: Collection[str] | None = None
) -> list[SeriesTask]:
    """Every series of follow-ups (or those of ``series_uids``) as one task (the open
    occurrence, or the last one when none is open), in due order: what `export --format
    ics` and `sync tasks` write."""
    with store.snapshot():
        rows = queries.series_task_rows(
            store,
            open_only=open_only,
            series_uids=sorted(series_uids) if series_uids is not None else None,
        )
        return [_to_task(r) for r in rows]


def series_task(store: Store, series_uid: str) -> SeriesTask | None:
    row = queries.series_task_row(store, series_uid)
    return _to_task(row) if row is not None else None


def series_followups(store: Store, series_uid: str) -> list[FollowUp]:
    """Every occurrence of a series (done, cancelled and open), in occurrence order."""
    return [_to_followup(r) for r in queries.series_followup_rows(store, series_uid)]


@dataclass
class _Due:
    day: date
    time: time | None


def _due(due: str | None, at: str | None, today: date) -> _Due:
    when = dateparse.parse_when(due, today=today) if due else When(today)
    at_time = dateparse.parse_time(at) if at else None
    return _Due(when.day, at_time or when.time)


def _rule_fields(
    every: str | None,
    until: str | None,
    count: int | None,
    from_done: bool | None,
    due: _Due,
    today: date,
) -> dict[str, object]:
    fields: dict[str, object] = {}
    if every is not None:
        fields["rrule"] = (
            None if every.strip().lower() in {"", "none", "never"} else recurrence.parse_rule(every)
        )
    if until is not None:
        if until.strip().lower() in {"", "none", "never"}:
            fields["recur_until"] = None
        else:
            until_day = dateparse.parse_date(until, today=today)
            if until_day < due.day:
                raise InvalidInput(
                    f"--until {until_day.isoformat()} is before the due date {due.day.isoformat()}",
                    hint="give an --until on or after --due",
                )
            fields["recur_until"] = until_day.isoformat()
    if count is not None:
        if not 1 <= count <= 100_000:
            raise InvalidInput(f"--count {count} is out of range", hint="1 or more occurrences")
        fields["recur_count"] = count
    if from_done is not None:
        fields["recur_from"] = "done" if from_done else "due"
    return fields


def _first_on_rule(rule: str, due: _Due, until: object) -> _Due:
    """The first occurrence of ``rule`` on or after ``due``: `--every "mon,thu"` given on a
    Wednesday is first due on Thursday, not on the Wednesday."""
    start = datetime.combine(due.day, due.time or time(0))
    first = recurrence.next_occurrence(
        rule,
        anchor=start,
        after=start - timedelta(minutes=1),
        until=date.fromisoformat(str(until)) if until else None,
    )
    if first is None:
        raise InvalidInput(
            f"the rule never falls on or after {due.day.isoformat()} before --until",
            hint="move --until later or --due earlier",
        )
    return _Due(first.date(), due.time)


def series_start(day: date, at: time | None) -> str:
    return datetime.combine(day, at or time(0)).strftime("%Y-%m-%dT%H:%M")


def add_followup(
    store: Store,
    ref: str | None,
    title: str,
    *,
    due: str | None = None,
    at: str | None = None,
    every: str | None = None,
    until: str | None = None,
    count: int | None = None,
    from_done: bool = False,
    priority_: str = "normal",
    notes: str | None = None,
    deal: str | int | None = None,
    on: When | None = None,
) -> FollowUp:
    """Promise something: ``title`` for contact ``ref``, due ``due`` (default today).
    With ``deal`` the follow-up is a next step of that deal (and, without ``ref``, for
    the deal's contact)."""
    clean_title = validate.text(title, "title", max_len=MAX_TITLE, required=True)
    clean_notes = validate.text(notes, "notes", max_len=validate.MAX_TEXT) if notes else None
    today = dates.today(on)
    when = _due(due, at, today)
    rule = _rule_fields(every, until, count, from_done, when, today)
    if ("recur_until" in rule or "recur_count" in rule) and not rule.get("rrule"):
        raise InvalidInput("--until and --count need --every", hint="e.g. --every 2w --count 6")
    if rule.get("rrule"):
        when = _first_on_rule(str(rule["rrule"]), when, rule.get("recur_until"))
    with store.transaction():
        contact_id = refs.contact_id(store, ref) if ref else None
        deal_id = None
        if deal is not None:
            deal_id, deal_contact_id = refs.deal_contact(store, deal)
            contact_id = contact_id if ref else deal_contact_id
        stamp = clock.utc_stamp()
        followup_id = store.insert(
            "followups",
            {
                "uid": new_uid(),
                "contact_id": contact_id,
                "deal_id": deal_id,
                "title": clean_title,
                "notes": clean_notes,
                "due_date": when.day.isoformat(),
                "due_time": when.time.strftime("%H:%M") if when.time else None,
                "priority": priority(priority_),
                "status": "open",
                **rule,
                "series_uid": new_uid(),
                "series_start": series_start(when.day, when.time),
                "occurrence": 1,
                "created_at": stamp,
                "updated_at": stamp,
            },
        )
        return load_followup(store, followup_id)


def edit_followup(
    store: Store,
    followup_id: str | int,
    *,
    title: str | None = None,
    due: str | None = None,
    at: str | None = None,
    every: str | None = None,
    until: str | None = None,
    count: int | None = None,
    from_done: bool | None = None,
    priority_: str | None = None,
    notes: str | None = None,
    contact: str | None = None,
    deal: str | None = None,
    on: When | None = None,
) -> tuple[FollowUp, bool]:
    """Change a follow-up. ``at=""`` makes it all-day; ``every="none"`` stops recurring."""
    fid = parse_id(followup_id, "follow-up")
    today = dates.today(on)
    with store.transaction():
        current = load_followup(store, fid)
        changes: dict[str, object] = {}
        if title is not None:
            changes["title"] = validate.text(title, "title", max_len=MAX_TITLE, required=True)
        if notes is not None:
            changes["notes"] = validate.text(notes, "notes", max_len=validate.MAX_TEXT)
        if priority_ is not None:
            changes["priority"] = priority(priority_)
        if contact is not None:
            changes["contact_id"] = refs.contact_id(store, contact) if contact.strip() else None
        if deal is not None:
            changes["deal_id"] = refs.deal_contact(store, deal)[0] if deal.strip() else None
        day = date.fromisoformat(current.due_date)
        at_time = time.fromisoformat(current.due_time) if current.due_time else None
        if due is not None:
            when = dateparse.parse_when(due, today=today)
            day, at_time = when.day, when.time or at_time
        if at is not None:
            at_time = dateparse.parse_time(at) if at.strip() else None
        if due is not None or at is not None:
            changes["due_date"] = day.isoformat()
            changes["due_time"] = at_time.strftime("%H:%M") if at_time else None
        rule = _rule_fields(every, until, count, from_done, _Due(day, at_time), today)
        old = current.recurrence
        new_rule = rule.get("rrule", old.rule if old else None)
        if new_rule is None:
            if rule.get("recur_until") is not None or rule.get("recur_count") is not None:
                raise InvalidInput(
                    "--until and --count need --every", hint="e.g. --every 2w --count 6"
                )
            if old is not None:
                rule.update(recur_until=None, recur_count=None, recur_from="due")
        else:
            # a new rule, or a new due date (unlike a snooze), re-anchors the series
            if old is None or new_rule != old.rule or due is not None or at is not None:
                changes["series_start"] = series_start(day, at_time)
            until_value = rule.get("recur_until", old.until if old else None)
            if until_value and str(until_value) < day.isoformat():
                raise InvalidInput(
                    f"--until {until_value} is before the due date {day.isoformat()}",
                    hint="give an --until on or after --due",
                )
        changes.update(rule)
        changed = store.update("followups", fid, changes) if changes else False
        if changed:
            store.update("followups", fid, {"updated_at": clock.utc_stamp()})
        return load_followup(store, fid), changed


def remove_followup(store: Store, followup_id: str | int) -> FollowUp:
    fid = parse_id(followup_id, "follow-up")
    with store.transaction():
        gone = load_followup(store, fid)
        for interaction_id in queries.interactions_of_followup(store, fid):
            store.update("interactions", interaction_id, {"followup_id": None})
        store.delete("followups", fid)
        return gone


def remove_for_contact(store: Store, contact_id: int) -> None:
    """Before a contact is deleted: delete its follow-ups (inside the caller's transaction)."""
    for fid in queries.followup_ids_of_contact(store, contact_id):
        for interaction_id in queries.interactions_of_followup(store, fid):
            store.update("interactions", interaction_id, {"followup_id": None})
        store.delete("followups", fid)
