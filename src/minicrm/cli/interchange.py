"""import and export."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import IO, Annotated, Any, cast

import typer

from minicrm.cli.common import (
    CompanyFilterOpt,
    JsonOpt,
    RawOpt,
    StageFilterOpt,
    TagFilterOpt,
    paged,
    store_of,
)
from minicrm.contacts import reading as contacts
from minicrm.core.errors import InvalidInput
from minicrm.interchange import exports, imports
from minicrm.ui import render
from minicrm.ui.machine import write_json
from minicrm.ui.progress import Progress
from minicrm.ui.text import ScreenSafe, stdout_is_terminal


class ImportFormat(StrEnum):
    auto = "auto"
    csv = "csv"
    google = "google"
    outlook = "outlook"
    vcard = "vcard"
    json = "json"


class ExportFormat(StrEnum):
    json = "json"
    csv = "csv"
    google = "google"
    vcard = "vcard"
    ics = "ics"


class VcardVersion(StrEnum):
    v4 = "4"
    v3 = "3"
    v40 = "4.0"
    v30 = "3.0"


class Policy(StrEnum):
    merge = "merge"
    skip = "skip"
    new = "new"


class DateOrder(StrEnum):
    auto = "auto"
    dmy = "dmy"
    mdy = "mdy"


class Photos(StrEnum):
    keep = "keep"
    drop = "drop"


def register(app: typer.Typer) -> None:
    app.command("import")(import_)
    app.command("export")(export)


def import_(
    ctx: typer.Context,
    source: Annotated[
        str,
        typer.Argument(
            metavar="FILE",
            help="A .csv, .vcf or .json file, a folder of .vcf files, or - for stdin; an .ics "
            "file or folder applies its tasks to the follow-ups minicrm knows.",
        ),
    ],
    fmt: Annotated[
        ImportFormat,
        typer.Option(
            "--format",
            "-f",
            help="auto (from the content, then the extension), csv, google, outlook, vcard or json.",
        ),
    ] = ImportFormat.auto,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would happen; write nothing.")
    ] = False,
    on_duplicate: Annotated[
        Policy,
        typer.Option(
            "--on-duplicate",
            help="When a contact is already there (same uid, email or name): merge (fill what is empty, add new emails, phones, tags), skip, or new (add a copy).",
        ),
    ] = Policy.merge,
    map_: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            metavar="COLUMN=FIELD",
            help="CSV: read COLUMN as FIELD (name, email, phone, company, tags, custom:KEY, ignore, ...). Repeatable.",
        ),
    ] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option("--tag", "-t", metavar="TAG", help="Tag every imported contact (repeatable)."),
    ] = None,
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid",
            help="Import the valid records and list the others, instead of importing nothing.",
        ),
    ] = False,
    encoding: Annotated[
        str | None,
        typer.Option(
            "--encoding",
            metavar="ENCODING",
            help="The file's encoding when it is not UTF-8, e.g. latin-1.",
        ),
    ] = None,
    photos: Annotated[
        Photos, typer.Option("--photos", help="vCard photos: keep (default) or drop.")
    ] = Photos.keep,
    dates: Annotated[
        DateOrder,
        typer.Option(
            "--dates",
            show_default=False,
            help="Outlook CSV: read slash dates as dmy (day/month/year) or mdy "
            "(month/day/year). Default auto: the file's own dates decide (13/1/1980 is "
            "day first, 1/13/1980 month first); when none does, mdy.",
        ),
    ] = DateOrder.auto,
    json_: JsonOpt = False,
) -> None:
    """Import contacts from CSV (generic, Google, Outlook), vCard or minicrm JSON, in one
    transaction; matching contacts are merged, not duplicated."""
    store = store_of(ctx)
    from minicrm.sync import tasks as sync_tasks  # lazy: start-up

    if fmt.value == "auto" and sync_tasks.is_calendar_source(source):
        _import_calendar(store, source, dry_run=dry_run, json_=json_)
        return
    with Progress(f"Importing {source}") as bar:
        report = imports.import_source(
            store,
            source,
            fmt=fmt.value,
            encoding=encoding,
            mapping=map_ or [],
            on_duplicate=on_duplicate.value,
            tags=tag or [],
            skip_invalid=skip_invalid,
            dry_run=dry_run,
            photos=photos.value,
            progress=bar.update if bar.shown else None,
            dates=dates.value,
        )
    if json_:
        write_json(report.to_dict())
        return
    verb = "Would import" if dry_run else "Imported"
    render.line(
        f"{verb} {report.source} ({report.format}): {report.count('created')} created, "
        f"{report.count('merged')} merged, {report.count('unchanged')} unchanged, "
        f"{report.count('skipped')} skipped, {report.count('invalid')} invalid"
    )
    characters, records = report.replaced
    if characters:
        render.line(
            f"{_plural(characters, 'control character')} replaced in "
            f"{_plural(records, 'record')} (NUL cannot be stored: shown as \u2400)"
        )
    if report.kept_aside:
        render.line(
            f"{_plural(report.kept_aside, 'record')} had values that differ from the contact "
            "they matched: kept in that contact's notes"
        )
    for outcome in report.listed():
        quiet = outcome.action in ("merged", "unchanged", "created")
        if dry_run or not quiet or outcome.kept_aside or outcome.replaced:
            render.line("  " + _outcome_line(outcome, dry_run))


def _import_calendar(store, source: str, *, dry_run: bool, json_: bool) -> None:  # type: ignore[no-untyped-def]
    """`import FILE.ics`: the VTODOs of follow-ups minicrm knows are applied (issue 18)."""
    from minicrm.sync import tasks as sync_tasks  # lazy: start-up
    from minicrm.ui.text import visible  # lazy: start-up

    report = sync_tasks.import_calendar(store, source, dry_run=dry_run)
    if json_:
        write_json(report.to_dict())
        return
    verb = "Would apply" if dry_run else "Applied"
    render.line(
        visible(
            f"{verb} {report.source} (ics): {report.count('updated')} follow-ups updated, "
            f"{report.count('unchanged')} unchanged, {report.count('skipped')} skipped"
        )
    )
    for action, uid, title, reason in report.outcomes:
        if action != "unchanged" or reason:  # unchanged with a reason: an earlier occurrence
            render.line(visible(f"  {action} {title or uid}" + (f": {reason}" if reason else "")))


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


_DRY_VERBS = {"created": "create", "merged": "merge", "skipped": "skip"}


def _outcome_line(outcome: imports.Outcome, dry_run: bool) -> str:
    """One record of the report: what happened (or would) to it, and why."""
    action = _DRY_VERBS.get(outcome.action, outcome.action) if dry_run else outcome.action
    text = f"{action} {outcome.position}: " + ": ".join(
        part for part in (outcome.name, outcome.reason) if part
    )
    if outcome.kept_aside:
        kept = "; ".join(f"{f}: {v}" if f != "notes" else "notes" for f, v in outcome.kept_aside)
        text += f"; kept aside in its notes: {kept}"
    if outcome.replaced:
        text += f"; {_plural(outcome.replaced, 'control character')} replaced"
    return text


def export(
    ctx: typer.Context,
    fmt: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            "-f",
            help="json (complete dump), csv, google (Google Contacts CSV), vcard or ics (follow-ups and birthdays).",
        ),
    ] = ExportFormat.json,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write to FILE (atomically, mode 0600) instead of stdout; - is stdout.",
        ),
    ] = None,
    vdir: Annotated[
        Path | None,
        typer.Option(
            "--vdir",
            metavar="DIR",
            help="vCard: one <uid>.vcf per contact in DIR (for vdirsyncer).",
        ),
    ] = None,
    vcard_version: Annotated[
        VcardVersion,
        typer.Option(
            "--vcard-version", help="vCard 4.0 (4, the default) or 3.0 (3); 4.0 and 3.0 too."
        ),
    ] = VcardVersion.v4,
    no_photos: Annotated[
        bool, typer.Option("--no-photos", help="vCard: leave photos out.")
    ] = False,
    query: Annotated[
        str | None,
        typer.Option(
            "--query",
            "-q",
            metavar="QUERY",
            help="Only contacts whose name or email contains this.",
        ),
    ] = None,
    tag: TagFilterOpt = None,
    company: CompanyFilterOpt = None,
    stage: StageFilterOpt = None,
    archived: Annotated[
        bool | None,
        typer.Option(
            "--archived/--no-archived",
            help="Include archived contacts (default: yes for json, no otherwise).",
        ),
    ] = None,
    raw: RawOpt = False,
    compact: Annotated[
        bool,
        typer.Option(
            "--compact", help="json: the same dump on one line, without indentation (smaller)."
        ),
    ] = False,
) -> None:
    """Export contacts (and, as JSON, everything else) to JSON, CSV, Google CSV, vCard or
    iCalendar. Takes the filters of ls."""
    paged(ctx)
    version = {"3": "3.0", "3.0": "3.0", "4": "4.0", "4.0": "4.0"}[vcard_version.value]
    if vdir is not None and fmt is not ExportFormat.vcard:
        raise InvalidInput("--vdir is for --format vcard")
    if vdir is not None and output is not None:
        raise InvalidInput("--vdir and --output disagree", hint="give one of them")
    store = store_of(ctx)
    filtered = bool(query or tag or company or stage) or archived is False
    include_archived = archived if archived is not None else fmt is ExportFormat.json
    criteria: dict[str, Any] = {
        "query": query,
        "tags": tag or [],
        "company": company,
        "stage": stage,
        "archived": None if include_archived else False,
        "sort": "id",
    }
    if vdir is not None:
        count = exports.write_vdir(
            vdir,
            lambda: contacts.iter_contacts(store, **criteria),
            version=version,
            include_photo=not no_photos,
        )
        render.message(f"Wrote {count} vCard file{'s' if count != 1 else ''} to {vdir}")
        return

    def write(out: IO[str]) -> int:
        return exports.write_export(
            store,
            out,
            fmt.value,
            criteria=criteria,
            whole=not filtered,
            vcard_version=version,
            include_photo=not no_photos,
            raw=raw,
            compact=compact,
        )

    if output is not None and str(output) == "-":  # -o -: standard output, as import - reads stdin
        output = None
    if output is None:
        # ScreenSafe has what the writers use of a text stream (write, flush)
        write(cast(IO[str], ScreenSafe(sys.stdout)) if stdout_is_terminal() else sys.stdout)
    else:
        with exports.open_output(output) as handle:
            write(handle)
        render.message(f"Wrote {output}")
