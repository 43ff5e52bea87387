"""The activity feed: what was logged, done, promised, cancelled, moved, won, lost and added,
across all contacts (or some), between two local days, newest first.

The kinds of event:

- ``note``, ``call``, ``email``, ``meeting``, ``message``: an interaction that happened
  (by when it happened);
- ``done``, ``cancelled``: a follow-up marked so (by when it was); ``promised``: a
  follow-up added (the first occurrence of a series only: the next ones ``done`` makes
  are not new promises);
- ``deal`` (a deal added), ``moved``, ``won``, ``lost``: a deal's stage changes;
- ``added``: a contact added (imports included).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any

from minicrm.core import dateparse, dates
from minicrm.core.dates import When
from minicrm.core.errors import InvalidInput
from minicrm.core.models import Ref
from minicrm.db.store import Store
from minicrm.feed import queries

INTERACTION_KINDS = ("note", "call", "email", "meeting", "message")
FOLLOWUP_KINDS = ("done", "promised", "cancelled")
DEAL_KINDS = queries.DEAL_KINDS
KINDS = (*INTERACTION_KINDS, *FOLLOWUP_KINDS, *DEAL_KINDS, "added")
GROUPS = {
    "logged": INTERACTION_KINDS,
    "interactions": INTERACTION_KINDS,
    "followups": FOLLOWUP_KINDS,
    "deals": DEAL_KINDS,
    "contacts": ("added",),
}
MAX_LIMIT = 1_000_000


@dataclass
class Event:
    at: str  # UTC stamp
    day: str  # its local date
    local: str  # its local date and time, YYYY-MM-DD HH:MM
    kind: str
    record: str  # interaction, followup, deal or contact
    id: int  # the record's id
    text: str  # the interaction's text, the follow-up's or deal's title, the contact's name
    contacts: list[Ref] = field(default_factory=list)
    deal: Ref | None = None
    stage_from: str | None = None  # moved, won, lost: the stage before
    stage_to: str | None = None
    lost_reason: str | None = None
    value: str | None = None  # deals: the amount, e.g. "12,000.00 EUR"
    due_date: str | None = None  # follow-ups

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "date": self.day,
            "kind": self.kind,
            "record": self.record,
            "id": self.id,
            "text": self.text,
            "contacts": [c.to_dict() for c in self.contacts],
            "deal": self.deal.to_dict() if self.deal else None,
            "stage_from": self.stage_from,
            "stage_to": self.stage_to,
            "lost_reason": self.lost_reason,
            "value": self.value,
            "due_date": self.due_date,
        }


@dataclass
class Feed:
    since: date
    until: date
    kinds: tuple[str, ...]
    events: list[Event]
    limit: int | None = None

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(self.kinds, 0)
        for event in self.events:
            counts[event.kind] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "kinds": list(self.kinds),
            "limit": self.limit,
            "counts": self.counts,
            "events": [e.to_dict() for e in self.events],
        }


def check_kinds(values: list[str] | None) -> tuple[str, ...]:
    """--kind: the kinds above and the groups logged, followups, deals, contacts."""
    if not values:
        return KINDS
    chosen: list[str] = []
    for value in values:
        for word in (w.strip().lower() for w in value.split(",") if w.strip()):
            if word in GROUPS:
                chosen += GROUPS[word]
            elif word in KINDS:
                chosen.append(word)
            else:
                raise InvalidInput(
                    f"no kind {word!r} in the activity feed",
                    hint=f"one of {', '.join(KINDS)}, or logged, followups, deals, contacts",
                )
    return tuple(k for k in KINDS if k in chosen)


def check_limit(limit: int | None) -> None:
    if limit is not None and not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"--limit {limit} is out of range", hint=f"1 to {MAX_LIMIT:,}")


def period(
    since: str | None, until: str | None, *, week: str | None = None, on: When | None = None
) -> tuple[date, date]:
    """The feed's days: --since and --until in the date language (counted back from
    today: ``mon`` is the last Monday), else this week so far (weeks start on the config
    file's ``[week] first_day``). ``week`` is ``this`` or ``last`` (the whole week)."""
    today = dates.today(on)
    from minicrm.core.config import start_of_week, week_start  # lazy: start-up

    if week is not None:
        if since is not None or until is not None:
            raise InvalidInput("--week and --since/--until disagree", hint="give one of them")
        word = week.strip().lower()
        if word not in ("this", "last"):
            raise InvalidInput(f"--week {week!r}: this or last", hint="--week last")
        first = start_of_week(today, week_start())
        if word == "last":
            first -= timedelta(days=7)
        return first, first + timedelta(days=6)
    start = (
        dateparse.parse_date(since, today=today, prefer="past")
        if since is not None
        else start_of_week(today, week_start())
    )
    end = dateparse.parse_date(until, today=today, prefer="past") if until is not None else today
    if start > end:
        raise InvalidInput(
            f"--since {start.isoformat()} is after --until {end.isoformat()}",
            hint="the earlier day first",
        )
    return start, end


def feed(
    store: Store,
    *,
    since: date,
    until: date,
    kinds: tuple[str, ...] = KINDS,
    contact: str | None = None,
    tags: list[str] | None = None,
    company_id: int | None = None,
    limit: int | None = None,
) -> Feed:
    """The events from local ``since`` to ``until`` (both whole days), newest first."""
    check_limit(limit)
    with store.snapshot():
        return Feed(
            since,
            until,
            kinds,
            list(
                iter_events(
                    store,
                    since=since,
                    until=until,
                    kinds=kinds,
                    contact=contact,
                    tags=tags,
                    company_id=company_id,
                    limit=limit,
                )
            ),
            limit,
        )


def iter_events(
    store: Store,
    *,
    since: date,
    until: date,
    kinds: tuple[str, ...] = KINDS,
    contact: str | None = None,
    tags: list[str] | None = None,
    company_id: int | None = None,
    limit: int | None = None,
) -> Iterator[Event]:
    contact_ids = None
    if contact is not None:
        from minicrm.contacts import refs  # lazy: start-up

        contact_ids = [refs.contact_id(store, contact)]
    clean_tags = []
    for tag in tags or ():
        word = tag.strip().lower().lstrip("#")
        if not word:
            raise InvalidInput("--tag needs a tag", hint="e.g. --tag vip")
        clean_tags.append(word)
    start = dates.to_utc_stamp(When(since, time(0)))
    end = dates.to_utc_stamp(When(until + timedelta(days=1), time(0)))
    rows = queries.events(
        store,
        start=start,
        end=end,
        kinds=kinds,
        interaction_kinds=[k for k in kinds if k in INTERACTION_KINDS],
        contact_ids=contact_ids,
        tags=clean_tags,
        company_id=company_id,
        limit=limit,
    )
    local = localizer(dates.local_zone())
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == 500:
            yield from _build(store, chunk, local)
            chunk = []
    yield from _build(store, chunk, local)


def localizer(zone: Any) -> Any:
    """stamp -> its local wall-clock time as ``YYYY-MM-DD HH:MM``. The zone's offset is
    worked out once per hour of UTC (exactly, for an hour in which it changes): a feed of
    20,000 events spent half its time converting stamps one by one."""
    from datetime import UTC, datetime

    hours: dict[str, timedelta | None] = {}

    def local(stamp: str) -> str:
        moment = datetime.fromisoformat(stamp[:19])
        hour = stamp[:13]
        if hour not in hours:
            start = moment.replace(minute=0, second=0, tzinfo=UTC)
            first = start.astimezone(zone).utcoffset()
            last = (start + timedelta(minutes=59, seconds=59)).astimezone(zone).utcoffset()
            hours[hour] = first if first == last else None
        offset = hours[hour]
        if offset is None:  # the offset changes within this hour
            return dates.local_datetime(stamp, zone).isoformat(sep=" ")[:16]
        return (moment + offset).isoformat(sep=" ")[:16]

    return local


def _build(store: Store, rows: list[tuple[Any, ...]], local: Any) -> list[Event]:
    if not rows:
        return []
    people = queries.participants(store, [r[1] for r in rows if r[0] == "interaction"])
    names = queries.contact_refs(store, sorted({r[5] for r in rows if r[5] is not None}))
    deals = queries.deal_refs(store, sorted({r[6] for r in rows if r[6] is not None}))
    money: Any = None
    result = []
    for source, item_id, at, kind, text, contact_id, deal_id, detail, amount, currency, _ in rows:
        if source == "interaction":
            contacts = [Ref(c, u, n) for c, u, n in people.get(item_id, [])]
        elif contact_id is not None and contact_id in names:
            contacts = [Ref(contact_id, *names[contact_id])]
        else:
            contacts = []
        wall = local(at)
        event = Event(
            at=at,
            day=wall[:10],
            local=wall,
            kind=kind,
            record=source,
            id=item_id,
            text=text or "",
            contacts=contacts,
            deal=Ref(deal_id, *deals[deal_id]) if deal_id in deals else None,
        )
        if source == "followup":
            event.due_date = detail
        elif source == "deal":
            parts = (detail or "").split(">", 2)
            event.stage_from = parts[0] or None
            event.stage_to = parts[1] if len(parts) > 1 else None
            event.lost_reason = parts[2] if len(parts) > 2 else None
            if amount is not None and currency:
                if money is None:
                    from minicrm.core import money  # lazy: start-up
                event.value = money.show(amount, currency)
        result.append(event)
    return result
