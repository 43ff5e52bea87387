"""Capture: the timeline fills itself from the user's mail and calendars.

``capture_mail`` reads what is new in Maildirs, mbox files and ``.eml`` files, and logs
one email interaction per message that a contact sent, received or was copied on, linked
to every such contact; ``capture_calendar`` (in :mod:`minicrm.capture.events`) does the
same for past meetings. Each run is one transaction and one change set (``undo`` reverses
it whole, and the next run reads again what the undone one had read). Messages are read
outside the transaction (the write lock is held only for the writing), and checked again
inside it, so two runs at once never log a message twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from minicrm.capture import queries, sources
from minicrm.capture.models import (
    CapturedItem,
    CaptureResult,
    Suggestion,
    SuggestResult,
    UpcomingEvent,
)
from minicrm.core import clock
from minicrm.core.config import DEFAULT_EXCERPT, MAX_EXCERPT, Config
from minicrm.core.errors import InvalidInput
from minicrm.db.store import Store

if TYPE_CHECKING:
    from minicrm.core.models import Ref as ContactBrief

# mailparse (the email package), text (html.parser) and activity.interactions are imported
# where they are used: a re-run that finds no new mail needs none of them.
Progress = Callable[[int, int | None], None]
MBOX_UNIT = 32 * 1024  # bytes of an mbox counted as one message by the progress bar


@dataclass(frozen=True)
class MailOptions:
    """How mail is read: the user's own addresses, what to ignore, how long an excerpt."""

    me: tuple[str, ...] = ()  # casefolded
    ignore: tuple[str, ...] = ()  # addresses and domains, casefolded
    excerpt: int = DEFAULT_EXCERPT  # 0: subjects only
    plus_addresses: bool | tuple[str, ...] = True
    full: bool = False  # read everything again, not only what is new
    dry_run: bool = False

    @classmethod
    def from_config(cls, config: Config, **overrides: object) -> MailOptions:
        options = cls(
            me=config.me_emails,
            ignore=config.capture.ignore,
            excerpt=config.capture.excerpt,
            plus_addresses=config.capture.plus_addresses,
        )
        return replace(options, **overrides)  # type: ignore[arg-type]


def check_excerpt(value: int) -> int:
    if not 0 <= value <= MAX_EXCERPT:
        raise InvalidInput(
            f"--excerpt must be from 0 to {MAX_EXCERPT} characters", hint="e.g. --excerpt 280"
        )
    return value


class Matcher:
    """Addresses to contacts (case-insensitively, plus-addresses where allowed), the
    user's own addresses, and the ignore list."""

    def __init__(self, store: Store, options: MailOptions) -> None:
        self._store = store
        self._by_email: dict[str, list[int]] | None = None  # read on first use
        self._names: dict[int, tuple[str, str]] = {}  # id -> (uid, name)
        self._briefs: dict[int, ContactBrief] = {}
        self.options = options
        self.me = set(options.me)
        self._ignore_addresses = {i for i in options.ignore if "@" in i and not i.startswith("@")}
        self._ignore_domains = tuple(
            i.lstrip("@") for i in options.ignore if "@" not in i or i.startswith("@")
        )

    @property
    def by_email(self) -> dict[str, list[int]]:
        """Every contact's every address (a run with nothing new never reads them)."""
        if self._by_email is None:
            self._by_email = {}
            for row in queries.contact_emails(self._store):
                cid = int(row["contact_id"])
                self._by_email.setdefault(str(row["value_key"]).casefold(), []).append(cid)
                self._names[cid] = (str(row["uid"]), str(row["name"]))
        return self._by_email

    def brief(self, contact_id: int) -> ContactBrief:
        found = self._briefs.get(contact_id)
        if found is None:
            from minicrm.core.models import Ref as ContactBrief  # lazy: start-up

            uid, name = self._names[contact_id]
            found = self._briefs[contact_id] = ContactBrief(contact_id, uid, name)
        return found

    def add(self, address: str, brief: ContactBrief) -> None:
        """A contact created during the run (``--add``)."""
        self.by_email[address] = [brief.id]
        self._briefs[brief.id] = brief

    def base(self, address: str) -> str:
        """``jane+crm@acme.io`` as ``jane@acme.io`` where plus-addresses are allowed."""
        local, _, domain = address.rpartition("@")
        if "+" not in local:
            return address
        allowed = self.options.plus_addresses
        if allowed is True or (isinstance(allowed, tuple) and domain in allowed):
            return f"{local.split('+', 1)[0]}@{domain}"
        return address

    def contacts(self, address: str) -> list[int]:
        found = self.by_email.get(address)
        if found:
            return found
        base = self.base(address)
        return self.by_email.get(base, []) if base != address else []

    def is_me(self, address: str) -> bool:
        return address in self.me or self.base(address) in self.me

    def ignored(self, address: str) -> bool:
        if address in self._ignore_addresses or self.base(address) in self._ignore_addresses:
            return True
        domain = address.rpartition("@")[2]
        return any(domain == d or domain.endswith("." + d) for d in self._ignore_domains)


@dataclass
class _Candidate:
    key: str
    when: datetime
    direction: str
    subject: str
    contact_ids: list[int]
    others: list[tuple[str, str]]  # (name, address) of correspondents who are not contacts
    message: sources.RawMessage
    source: str


@dataclass
class _Scan:
    candidates: dict[str, _Candidate] = field(default_factory=dict)
    readings: list[sources.Reading] = field(default_factory=list)
    people: dict[str, _Person] = field(default_factory=dict)  # by address
    counted: set[str] = field(default_factory=set)  # keys of messages counted for people


@dataclass
class _Person:
    name: str = ""
    sent: int = 0
    received: int = 0
    last: str = ""


def _plan(store: Store, found: Sequence[sources.Source], full: bool) -> list[sources.Reading]:
    started = time.time_ns()
    plans = []
    for source in found:
        state = queries.source_state(store, source.path)
        if full:
            state = queries.SourceState(state.id, None, 0)
        if source.kind == "maildir":
            current, _ = sources.maildir_fingerprint(source.path, started)
            if state.fingerprint is not None and current == state.fingerprint:
                reading = sources.Reading(source, state.id, current, unchanged=True)
            else:
                seen = set() if full else queries.seen_names(store, state.id)
                reading = sources.plan_maildir(source, state.id, seen, started)
        elif source.kind == "mbox":
            reading = sources.plan_mbox(source, state.id, state.fingerprint, state.offset)
        else:
            seen = set() if full else queries.seen_names(store, state.id)
            reading = sources.plan_eml(source, state.id, seen)
        plans.append(reading)
    return plans


def _scan(
    store: Store,
    paths: Sequence[Path | str],
    options: MailOptions,
    result: CaptureResult,
    matcher: Matcher,
    *,
    progress: Progress | None,
    people: bool = False,
    keep_others: bool = False,
) -> _Scan:
    found = sources.discover(paths)
    result.sources = [s.path for s in found]
    with store.snapshot():
        readings = _plan(store, found, options.full)
    scan = _Scan(readings=readings)
    total = sum(
        len(r.new) + (r.size // MBOX_UNIT + 1 if r.source.kind == "mbox" else 0) for r in readings
    )
    done = 0
    now = clock.now()
    for reading in readings:
        if reading.unchanged:
            continue
        if reading.source.kind == "mbox":
            start = reading.offset
            try:
                for count, message in enumerate(sources.read_mbox(reading)):
                    _one(
                        message,
                        reading.source.path,
                        options,
                        matcher,
                        result,
                        scan,
                        now,
                        people,
                        keep_others,
                    )
                    if progress is not None and count % 64 == 0:
                        progress(done + (message.offset - start) // MBOX_UNIT, total)
            except OSError as exc:
                result.problem(reading.source.path, f"cannot read it: {exc.strerror}")
                reading.unchanged = True  # leave its read state as it was
            done += reading.size // MBOX_UNIT + 1
            continue
        for item in sources.read_files(reading):
            done += 1
            if isinstance(item, tuple):
                result.count("messages")
                result.problem(item[1], item[2])
                continue
            _one(
                item, reading.source.path, options, matcher, result, scan, now, people, keep_others
            )
            if progress is not None and done % 64 == 0:
                progress(done, total)
    if progress is not None:
        progress(total, total)
    return scan


def _one(
    message: sources.RawMessage,
    source: str,
    options: MailOptions,
    matcher: Matcher,
    result: CaptureResult,
    scan: _Scan,
    now: datetime,
    people: bool,
    keep_others: bool,
) -> None:
    """Sort one message: noise, ignored, unknown, or a candidate to log."""
    from minicrm.capture import mailparse  # lazy: start-up

    result.count("messages")
    try:
        headers = mailparse.parse_headers(message.head)
    except Exception as exc:  # a message the parser cannot read: counted, never the run
        result.problem(message.where, f"unreadable headers ({type(exc).__name__})")
        return
    if headers.noise is not None:
        result.count("noise")
        return
    sender = headers.sender[1] if headers.sender else None
    if sender is None and not headers.recipients:
        result.problem(message.where, "no From, To or Cc address")
        return
    if sender is not None and matcher.ignored(sender):
        result.count("ignored")
        return
    outgoing = sender is not None and matcher.is_me(sender)
    direction = "out" if outgoing else "in"
    everyone = ([headers.sender] if headers.sender else []) + list(headers.recipients)
    contact_ids: list[int] = []
    others: list[tuple[str, str]] = []
    for name, address in everyone:
        if matcher.is_me(address) or matcher.ignored(address):
            continue
        ids = matcher.contacts(address)
        if ids:
            contact_ids.extend(i for i in ids if i not in contact_ids)
        elif (outgoing and address != sender) or (not outgoing and address == sender):
            others.append((name, address))
    when = mailparse.when(headers, message.delivered, now)
    if people and headers.key not in scan.counted:  # copies count once
        scan.counted.add(headers.key)
        _count_people(scan, others, direction, when)
    if not contact_ids and not (keep_others and others):
        result.count("unknown")
        return
    known = scan.candidates.get(headers.key)
    if known is not None:  # a copy (Sent and INBOX, two folders): one interaction
        known.contact_ids.extend(i for i in contact_ids if i not in known.contact_ids)
        known.others.extend(o for o in others if o not in known.others)
        result.count("duplicates")
        return
    scan.candidates[headers.key] = _Candidate(
        headers.key, when, direction, headers.subject, contact_ids, others, message, source
    )


def _count_people(
    scan: _Scan, others: list[tuple[str, str]], direction: str, when: datetime
) -> None:
    stamp = clock.utc_stamp(when)
    for name, address in others:
        person = scan.people.setdefault(address, _Person())
        if name and stamp >= person.last:
            person.name = name
        if direction == "out":
            person.sent += 1
        else:
            person.received += 1
        person.last = max(person.last, stamp)


def _excerpt(candidate: _Candidate, options: MailOptions, result: CaptureResult) -> str:
    if options.excerpt <= 0:
        return ""
    from minicrm.capture import mailparse  # lazy: start-up
    from minicrm.capture.text import excerpt as make_excerpt

    try:
        data = sources.message_bytes(candidate.message)
        return make_excerpt(mailparse.body_text(data), options.excerpt)
    except Exception as exc:  # the headers were fine; keep the subject, note the body
        if len(result.problems) < 50:
            result.problems.append(
                f"{candidate.message.where}: body unreadable ({type(exc).__name__})"
            )
        return ""


def _items(
    store: Store,
    candidates: Sequence[_Candidate],
    matcher: Matcher,
    options: MailOptions,
    result: CaptureResult,
) -> list[CapturedItem]:
    with store.snapshot():
        existing = queries.existing_keys(store, (c.key for c in candidates))
    items = []
    for candidate in candidates:
        if not candidate.contact_ids:
            continue
        if candidate.key in existing:
            result.count("duplicates")
            continue
        items.append(
            CapturedItem(
                key=candidate.key,
                kind="email",
                occurred_at=clock.utc_stamp(candidate.when),
                direction=candidate.direction,
                title=candidate.subject,
                excerpt=_excerpt(candidate, options, result),
                contacts=tuple(matcher.brief(i) for i in candidate.contact_ids),
                source=candidate.source,
            )
        )
    items.sort(key=lambda i: (i.occurred_at, i.key))
    return items


def write_items(
    store: Store, items: Sequence[CapturedItem], result: CaptureResult
) -> list[CapturedItem]:
    """Log the items not logged meanwhile (inside the caller's transaction); each gets
    its interaction id. Contacts deleted meanwhile are left out."""
    from minicrm.activity import interactions  # lazy: start-up

    fresh = queries.existing_keys(store, (i.key for i in items))
    live = queries.live_contact_ids(store, (c.id for i in items for c in i.contacts))
    todo: list[CapturedItem] = []
    for item in items:
        people = tuple(c for c in item.contacts if c.id in live)
        if item.key in fresh or not people:
            result.count("duplicates" if item.key in fresh else "unknown")
            continue
        todo.append(replace(item, contacts=people))
    ids = interactions.create_many(
        store,
        [
            (
                [c.id for c in item.contacts],
                {
                    "kind": item.kind,
                    "body": item.body,
                    "occurred_at": item.occurred_at,
                    "external_key": item.key,
                    "direction": item.direction,
                },
            )
            for item in todo
        ],
    )
    return [replace(item, interaction_id=i) for item, i in zip(todo, ids, strict=True)]


def _save_state(store: Store, readings: Sequence[sources.Reading], changeset: int | None) -> None:
    stamp = clock.utc_stamp()
    for reading in readings:
        if reading.unchanged:
            continue
        source_id = queries.save_source(
            store,
            reading.source.path,
            reading.source.kind,
            fingerprint=reading.fingerprint,
            offset=reading.offset,
            changeset_id=changeset,
            stamp=stamp,
        )
        if reading.source.kind != "mbox":
            queries.save_seen(
                store, source_id, [n for n, _ in reading.new], reading.gone, changeset
            )


@dataclass
class Prepared:
    """A run read and sorted, before anything is written: what :func:`commit` writes."""

    result: CaptureResult
    items: list[CapturedItem]
    readings: list[sources.Reading] = field(default_factory=list)  # mail
    files: list[str] = field(default_factory=list)  # calendar

    @property
    def has_writes(self) -> bool:
        if self.result.what == "calendar":
            return True  # the upcoming events are replaced at every run
        return bool(self.items) or not all(r.unchanged for r in self.readings)


def prepare_mail(
    store: Store,
    paths: Sequence[Path | str],
    options: MailOptions,
    *,
    progress: Progress | None = None,
) -> Prepared:
    """Read what is new in the mail at ``paths`` and sort it (no write, no lock held)."""
    if not paths:
        raise InvalidInput(
            "no mail to read", hint="give a path, or set [capture] mail = [...] in the config"
        )
    result = CaptureResult("mail", options.dry_run)
    if not options.me:
        result.notices.append(
            "no [me] emails in the config: every message counts as received "
            "(set emails = [...] under [me] to tell what you sent)"
        )
    matcher = Matcher(store, options)
    scan = _scan(store, paths, options, result, matcher, progress=progress)
    items = _items(store, list(scan.candidates.values()), matcher, options, result)
    return Prepared(result, items, readings=scan.readings)


def commit(store: Store, prepared: Prepared) -> None:
    """Write a prepared run (inside the caller's transaction): the interactions not
    logged meanwhile, and what was read (mail) or the upcoming events (calendar)."""
    result = prepared.result
    result.items = write_items(store, prepared.items, result) if prepared.items else []
    if result.what == "mail":
        _save_state(store, prepared.readings, store.changeset_id)
    else:
        queries.replace_upcoming(store, prepared.files, [_upcoming_row(u) for u in result.upcoming])


def _finish(prepared: Prepared) -> CaptureResult:
    result = prepared.result
    if result.dry_run:
        result.items = prepared.items
    result.count("logged", len(result.items))
    return result


def run(store: Store, *runs: Prepared) -> list[CaptureResult]:
    """Write prepared runs in one transaction: one change set that `undo` reverses whole
    (none when there is nothing to write, or on a dry run). Returns their results."""
    todo = [p for p in runs if not p.result.dry_run and p.has_writes]
    if todo:
        with store.transaction():
            for prepared in todo:
                commit(store, prepared)
            changeset = store.changeset_id
        for prepared in todo:
            prepared.result.changeset_id = changeset
    return [_finish(p) for p in runs]


def capture_mail(
    store: Store,
    paths: Sequence[Path | str],
    options: MailOptions,
    *,
    progress: Progress | None = None,
) -> CaptureResult:
    """Log what is new in the mail at ``paths`` (one transaction, one change set)."""
    return run(store, prepare_mail(store, paths, options, progress=progress))[0]


def suggest(
    store: Store,
    paths: Sequence[Path | str],
    options: MailOptions,
    *,
    limit: int = 20,
    add: bool = False,
    progress: Progress | None = None,
) -> SuggestResult:
    """The people the user exchanges mail with most who are not contacts (all the mail
    is read, headers only). With ``add``: create them as contacts (name and address) and
    log their mail, in one transaction."""
    if limit < 1:
        raise InvalidInput("--limit must be 1 or more", hint="e.g. --limit 20")
    if not paths:
        raise InvalidInput(
            "no mail to read", hint="give a path, or set [capture] mail = [...] in the config"
        )
    options = replace(options, full=True)
    result = CaptureResult("mail", options.dry_run or not add)
    matcher = Matcher(store, options)
    scan = _scan(
        store, paths, options, result, matcher, progress=progress, people=True, keep_others=add
    )
    chosen = _rank(scan.people, exchanged=bool(options.me))[:limit]
    if not add or options.dry_run:
        return SuggestResult(chosen, False)
    from minicrm.contacts import service as contacts  # lazy: start-up

    with store.transaction():
        created: list[Suggestion] = []
        for suggestion in chosen:
            name = suggestion.name or suggestion.address.split("@", 1)[0]
            changes = contacts.ContactChanges(add={"emails": [suggestion.address]})
            try:
                contact = contacts.add_contact(store, name, changes)
            except InvalidInput:  # a name or address minicrm would refuse: by address
                contact = contacts.add_contact(store, suggestion.address, changes)
            from minicrm.core.models import Ref as ContactBrief  # lazy: start-up

            brief = ContactBrief(contact.id, contact.uid, contact.name)
            matcher.add(suggestion.address, brief)
            created.append(replace(suggestion, contact=brief))
        for candidate in scan.candidates.values():
            for _, address in candidate.others:
                for cid in matcher.contacts(address):
                    if cid not in candidate.contact_ids:
                        candidate.contact_ids.append(cid)
        items = _items(store, list(scan.candidates.values()), matcher, options, result)
        result.items = write_items(store, items, result)
        result.changeset_id = store.changeset_id
    result.count("logged", len(result.items))
    return SuggestResult(created, True, result)


def _rank(people: dict[str, _Person], *, exchanged: bool) -> list[Suggestion]:
    from minicrm.capture import mailparse  # lazy: start-up

    found = [
        Suggestion(address, p.name, p.sent, p.received, p.last)
        for address, p in people.items()
        if not mailparse.is_no_reply(address)
    ]
    if exchanged:  # someone the user wrote to, not only someone who wrote
        found = [s for s in found if s.sent > 0]
    found.sort(key=lambda s: s.last, reverse=True)
    found.sort(key=lambda s: (-(s.sent + s.received), -s.sent))
    return found


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


def _upcoming_row(u: UpcomingEvent) -> dict[str, object]:
    return {
        "external_key": u.key,
        "title": u.title,
        "starts_at": u.starts_at,
        "ends_at": u.ends_at,
        "all_day": int(u.all_day),
        "contact_ids": " ".join(str(c.id) for c in u.contacts),
        "source": u.source,
    }


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
