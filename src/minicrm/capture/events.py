"""Calendar capture: the past meetings of the user's calendars logged as interactions
(one transaction, one change set, as mail), the future ones kept for ``agenda``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from minicrm.capture import queries
from minicrm.capture.matching import MailOptions, Matcher, Progress
from minicrm.capture.models import CapturedItem, CaptureResult, UpcomingEvent
from minicrm.capture.runs import Prepared, run
from minicrm.core import clock
from minicrm.core.errors import InvalidInput
from minicrm.db.store import Store


def capture_calendar(
    store: Store,
    paths: Sequence[Path | str],
    options: MailOptions,
    *,
    progress: Progress | None = None,
) -> CaptureResult:
    """Log the past meetings of the calendars at ``paths`` (one transaction, one change
    set); see :func:`prepare_calendar`."""
    return run(store, prepare_calendar(store, paths, options, progress=progress))[0]


def prepare_calendar(
    store: Store,
    paths: Sequence[Path | str],
    options: MailOptions,
    *,
    progress: Progress | None = None,
) -> Prepared:
    """Read the past meetings of the calendars at ``paths`` whose organizer or attendees
    include contacts (one transaction, one change set); keep the future ones for
    `agenda`. Cancelled events, and events the user declined, are skipped; a contact who
    declined is not linked."""
    from datetime import timedelta  # lazy: start-up

    from minicrm.capture import calendar
    from minicrm.core import dates

    if not paths:
        raise InvalidInput(
            "no calendar to read",
            hint="give a path, or set [capture] calendar = [...] in the config",
        )
    files = calendar.discover(paths)
    result = CaptureResult("calendar", options.dry_run, sources=files)
    matcher = Matcher(store, options)
    now = clock.now()
    zone = dates.local_zone()
    horizon = now + timedelta(days=calendar.HORIZON_DAYS)
    past: dict[str, CapturedItem] = {}
    upcoming: dict[str, UpcomingEvent] = {}
    for number, path in enumerate(files, start=1):
        if progress is not None:
            progress(number, len(files))
        problems: list[str] = []
        try:
            found = list(calendar.occurrences(path, horizon, zone, problems))
        except Exception as exc:  # one bad file is counted, never the run
            result.problem(path, f"not a readable calendar ({type(exc).__name__})")
            continue
        for problem in problems:
            result.problem(path, problem)
        for event in found:
            result.count("events")
            if event.cancelled or any(
                p.declined and matcher.is_me(p.address) for p in event.people
            ):
                result.count("skipped")
                continue
            ids: list[int] = []
            for person in event.people:
                if (
                    person.declined
                    or matcher.is_me(person.address)
                    or matcher.ignored(person.address)
                ):
                    continue
                ids.extend(i for i in matcher.contacts(person.address) if i not in ids)
            if not ids:
                result.count("unknown")
                continue
            people = tuple(matcher.brief(i) for i in ids)
            if event.all_day:
                end = event.end or event.start + timedelta(days=1)
                when = event.start + timedelta(hours=12)  # the day's noon, as `log --at DAY`
            else:
                end = event.end or event.start
                when = event.start
            if end <= now:
                past.setdefault(
                    event.key,
                    CapturedItem(
                        key=event.key,
                        kind="meeting",
                        occurred_at=clock.utc_stamp(min(when, now)),
                        direction=None,
                        title=event.title,
                        excerpt="",
                        contacts=people,
                        source=path,
                    ),
                )
            else:
                upcoming.setdefault(
                    event.key,
                    UpcomingEvent(
                        key=event.key,
                        title=event.title,
                        starts_at=clock.utc_stamp(event.start),
                        ends_at=clock.utc_stamp(event.end) if event.end else None,
                        all_day=event.all_day,
                        contacts=people,
                        source=path,
                    ),
                )
    with store.snapshot():
        existing = queries.existing_keys(store, past)
    result.count("duplicates", len(existing))
    items = sorted(
        (i for k, i in past.items() if k not in existing), key=lambda i: (i.occurred_at, i.key)
    )
    result.upcoming = sorted(upcoming.values(), key=lambda u: (u.starts_at, u.key))
    result.count("upcoming", len(result.upcoming))
    return Prepared(result, items, files=files)


def upcoming_meetings(store: Store, start: datetime, end: datetime) -> list[UpcomingEvent]:
    """Future meetings from captured calendars between ``start`` and ``end``, for agenda."""
    from minicrm.core.models import Ref as ContactBrief  # lazy: start-up

    with store.snapshot():
        rows = queries.upcoming(store, clock.utc_stamp(start), clock.utc_stamp(end))
    return [
        UpcomingEvent(
            key=r["external_key"],
            title=r["title"],
            starts_at=r["starts_at"],
            ends_at=r["ends_at"],
            all_day=bool(r["all_day"]),
            contacts=tuple(ContactBrief(c["id"], c["uid"], c["name"]) for c in r["contacts"]),
            source=r["source"],
        )
        for r in rows
    ]
