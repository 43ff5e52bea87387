"""Capture: the timeline fills itself from the user's mail and calendars. This module: mail.

``capture_mail`` reads what is new in Maildirs, mbox files and ``.eml`` files, and logs
one email interaction per message that a contact sent, received or was copied on, linked
to every such contact; ``capture_calendar`` (in :mod:`minicrm.capture.events`) does the
same for past meetings. Each run is one transaction and one change set (``undo`` reverses
it whole, and the next run reads again what the undone one had read). Messages are read
outside the transaction (the write lock is held only for the writing), and checked again
inside it, so two runs at once never log a message twice. What runs share is in
:mod:`minicrm.capture.matching` and :mod:`minicrm.capture.runs`; ``suggest`` (people who
are not contacts yet) in :mod:`minicrm.capture.suggestions`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from minicrm.capture import queries, sources
from minicrm.capture.matching import MailOptions, Matcher, Progress
from minicrm.capture.models import CapturedItem, CaptureResult
from minicrm.capture.runs import Prepared, run
from minicrm.core import clock
from minicrm.core.errors import InvalidInput
from minicrm.db.store import Store

# mailparse (the email package) and text (html.parser) are imported where they are used (and
# activity.interactions in runs.py): a re-run that finds no new mail needs none of them.
MBOX_UNIT = 32 * 1024  # bytes of an mbox counted as one message by the progress bar


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
    people: dict[str, Correspondent] = field(default_factory=dict)  # by address
    counted: set[str] = field(default_factory=set)  # keys of messages counted for people


@dataclass
class Correspondent:
    """Someone mail was exchanged with who is not a contact (``capture suggest``)."""

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


def scan_mail(
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
    """Read the new mail at ``paths`` (no write): the messages that concern contacts,
    by key; with ``people``, a count of the correspondents who are not contacts; with
    ``keep_others``, also the messages that only concern them."""
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
        person = scan.people.setdefault(address, Correspondent())
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


def items_to_log(
    store: Store,
    candidates: Sequence[_Candidate],
    matcher: Matcher,
    options: MailOptions,
    result: CaptureResult,
) -> list[CapturedItem]:
    """The candidates that name a contact and are not logged yet, as items in time
    order (the duplicates counted in ``result``)."""
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
    result = CaptureResult("mail", options.dry_run, full=options.full)
    if not options.me:
        result.notices.append(
            "no [me] emails in the config: every message counts as received "
            "(set emails = [...] under [me] to tell what you sent)"
        )
    matcher = Matcher(store, options)
    scan = scan_mail(store, paths, options, result, matcher, progress=progress)
    items = items_to_log(store, list(scan.candidates.values()), matcher, options, result)
    return Prepared(result, items, readings=scan.readings)


def capture_mail(
    store: Store,
    paths: Sequence[Path | str],
    options: MailOptions,
    *,
    progress: Progress | None = None,
) -> CaptureResult:
    """Log what is new in the mail at ``paths`` (one transaction, one change set)."""
    return run(store, prepare_mail(store, paths, options, progress=progress))[0]
