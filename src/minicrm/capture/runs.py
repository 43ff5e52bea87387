"""A capture run read and sorted (:class:`Prepared`), and its writing: the interactions
logged, what was read (mail) or the upcoming events (calendar), in one transaction and
one change set (:func:`run`); and what the ``on-capture`` hook reads of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from minicrm.capture import queries, sources
from minicrm.capture.models import CapturedItem, CaptureResult, UpcomingEvent
from minicrm.core import clock
from minicrm.db.store import Store


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


def hook_records(store: Store, results: Sequence[CaptureResult]) -> list[dict[str, object]]:
    """What the ``on-capture`` hook reads: one ``{"source", "contact", "interaction"}``
    per item logged (none on a dry run), ``contact`` the first contact it was logged for
    (the interaction lists them all), both as ``--json`` shows them."""
    from minicrm.activity import interactions  # lazy: start-up
    from minicrm.contacts import reading as contacts
    from minicrm.core.errors import NotFound

    records: list[dict[str, object]] = []
    for result in results:
        if result.dry_run:
            continue
        for item in result.items:
            if item.interaction_id is None or not item.contacts:
                continue
            try:
                interaction = interactions.get(store, item.interaction_id).to_dict()
                contact = contacts.get_contact(store, item.contacts[0].id).to_dict()
            except NotFound:  # removed since, in the same command
                continue
            records.append({"source": item.source, "contact": contact, "interaction": interaction})
    return records
