"""Importing contacts: duplicate-aware, atomic, and fast enough for 100,000 rows.

One pass, in ONE transaction: each record is validated with the same rules as ``minicrm
add`` (a bad record fails the whole import with its position, unless ``skip_invalid``),
matched against what is already there (by uid, then any email, then exact name) and
created, merged or skipped. A bad record, an error or Ctrl-C rolls everything back, so
nothing is written unless all of it is. Pass 1 (validate) is
:mod:`minicrm.interchange.prepare`, pass 2 (match and write)
:mod:`minicrm.interchange.writing`; the records are :mod:`minicrm.interchange.models`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import Any

from minicrm.core import validate
from minicrm.core.errors import InvalidInput, MinicrmError
from minicrm.db.store import Store
from minicrm.interchange import queries
from minicrm.interchange.incoming import RecordError
from minicrm.interchange.models import ImportReport, Outcome, Prepared
from minicrm.interchange.prepare import Records, prepared_records
from minicrm.interchange.writing import apply_records

POLICIES = ("merge", "skip", "new")


def run_import(
    store: Store,
    records: Records | Callable[[], Records],
    *,
    source: str,
    fmt: str,
    on_duplicate: str = "merge",
    tags: Iterable[str] = (),
    skip_invalid: bool = False,
    dry_run: bool = False,
    photos: str = "keep",
    progress: Callable[[int, int | None], None] | None = None,
    count_unstorable: bool = True,
    measure: Callable[[], tuple[int, int]] | None = None,
) -> ImportReport:
    """Import ``records`` into ``store`` in one transaction (rolled back for ``dry_run``).

    One pass: each record is read, validated, matched and written in turn; a bad record
    (unless ``skip_invalid``), an error or Ctrl-C rolls the whole transaction back, so
    nothing is written unless everything is. ``records`` may also be a function that
    gives them. Each record is parsed once: a 100,000-row file is never held in memory
    as records, nor read twice. ``progress(done, total)`` is called as it goes: with
    ``measure`` (how much of the source has been read, and its size, e.g. in
    characters) it gets those, else the number of records so far and None.
    """
    if on_duplicate not in POLICIES:
        raise InvalidInput(f"unknown --on-duplicate {on_duplicate!r}", hint="merge, skip or new")
    if photos not in ("keep", "drop"):
        raise InvalidInput(f"unknown --photos {photos!r}", hint="keep or drop")
    extra_tags = [validate.tag(t) for t in tags]
    read = records if callable(records) else lambda: records
    report = ImportReport(source=source, format=fmt, dry_run=dry_run)
    bad: list[RecordError] = []

    def good() -> Iterator[Prepared]:
        for p in prepared_records(
            read(),
            skip_invalid=skip_invalid,
            photos=photos,
            bad=bad,
            count_unstorable=count_unstorable,
        ):
            if extra_tags:
                p.tags = list(dict.fromkeys([*p.tags, *extra_tags]))
            yield p

    try:
        with store.large_cache(), store.transaction():
            with queries.indexes_built_after(store, enabled=not queries.any_contacts(store)):
                apply_records(
                    store, good(), on_duplicate, report, _reporter(progress, measure), source
                )
            if dry_run:
                raise _DryRun("dry run: rolled back")
    except _DryRun:  # the contacts it would create do not exist: no ids for them
        report.outcomes = [
            replace(o, contact_id=None) if o.action == "created" else o for o in report.outcomes
        ]
    report.outcomes.sort(key=lambda o: o.order)  # new contacts are written in batches
    report.outcomes[:0] = [Outcome(e.position, "invalid", "", reason=e.message) for e in bad]
    return report


class _DryRun(MinicrmError):
    """Raised inside the transaction to roll a dry run back."""


def _reporter(
    progress: Callable[[int, int | None], None] | None,
    measure: Callable[[], tuple[int, int]] | None,
) -> Callable[[int, bool], None] | None:
    """``progress`` as the import loop calls it, (records so far, finished): from
    ``measure`` when there is one, so a bar is sized by the source and not by a count of
    its records (which would parse every record twice)."""
    if progress is None:
        return None

    def report(records: int, finished: bool) -> None:
        if measure is None:
            progress(records, records if finished else None)
            return
        done, total = measure()
        progress(total if finished else min(done, total), total)

    return report


def import_source(
    store: Store,
    path: str,
    *,
    fmt: str = "auto",
    encoding: str | None = None,
    mapping: Iterable[str] = (),
    on_duplicate: str = "merge",
    tags: Iterable[str] = (),
    skip_invalid: bool = False,
    dry_run: bool = False,
    photos: str = "keep",
    progress: Callable[[int, int | None], None] | None = None,
    dates: str = "auto",
) -> ImportReport:
    """Import a file, ``-`` (stdin) or a folder of .vcf files. ``progress(done, total)``
    is told how many characters of the source have been read, of how many.

    A minicrm JSON dump going into an empty database is restored as it was, ids included;
    everything else goes through duplicate matching (:func:`run_import`).
    """
    from minicrm.interchange import sources  # lazy: start-up
    from minicrm.interchange.formats import jsondump

    if fmt not in sources.FORMATS:
        raise InvalidInput(f"unknown import format {fmt!r}", hint=", ".join(sources.FORMATS))
    raw = sources.read_bytes(path)
    texts = [(name, sources.decode(name, data, encoding, fmt)) for name, data in raw]
    chosen = fmt if fmt != "auto" else sources.detect(*texts[0])
    mapping_items = list(mapping)
    if mapping_items and chosen not in ("csv", "google", "outlook"):
        raise InvalidInput("--map is for CSV files", hint=f"this is read as {chosen}")
    if dates != "auto" and chosen not in ("csv", "outlook"):
        raise InvalidInput("--dates is for Outlook CSV files", hint=f"this is read as {chosen}")
    column_map = None
    if mapping_items:
        from minicrm.interchange.formats import csvcolumns  # lazy: start-up

        column_map = csvcolumns.parse_mapping(mapping_items)
    label = "stdin" if path == "-" else path
    if chosen == "json" and len(texts) == 1:
        data = sources.load_json(*texts[0])
        from minicrm.db import dump as dump_queries  # lazy: start-up

        plain = on_duplicate == "merge" and not list(tags) and photos == "keep"
        if jsondump.is_dump(data) and plain and dump_queries.is_empty(store):
            return _restore(store, data, label, dry_run)

    meter = sources.Meter()
    size = sum(len(text) for _name, text in texts)
    records = sources.records(
        chosen,
        texts,
        mapping=column_map,
        csv_kind="auto" if fmt == "auto" else chosen,
        meter=meter,
        encoding=encoding,
        date_order=dates,
    )

    return run_import(
        store,
        records,
        source=label,
        fmt=chosen,
        on_duplicate=on_duplicate,
        tags=tags,
        skip_invalid=skip_invalid,
        dry_run=dry_run,
        photos=photos,
        progress=progress,
        count_unstorable=any(validate.UNSTORABLE in text for _name, text in texts),
        measure=lambda: (meter.done, size),
    )


def _restore(store: Store, data: dict[str, Any], label: str, dry_run: bool) -> ImportReport:
    from minicrm.interchange import exports  # lazy: start-up

    report = ImportReport(source=label, format="json (restore)", dry_run=dry_run)
    exports.check_restore(store, data)
    contacts = data.get("tables", {}).get("contacts", [])
    if not dry_run:
        exports.restore(store, data)
    report.outcomes += [
        Outcome(f"contact #{row.get('id')}", "created", str(row.get("display_name")), row.get("id"))
        for row in contacts
    ]
    return report
