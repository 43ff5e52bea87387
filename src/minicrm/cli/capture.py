"""capture: the timeline from the user's own mail and calendars."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from minicrm.cli.common import JsonOpt, fire_hook, store_of

app = typer.Typer(
    help="Fill the timeline from your mail (Maildir, mbox, .eml) and calendars (.ics, vdir). "
    "Without a command: capture the mail and calendars set in the config's [capture].",
    invoke_without_command=True,
)

DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="List what would be logged; write nothing.")
]
VerboseOpt = Annotated[
    bool,
    typer.Option(
        "--verbose",
        help="List what was logged even when not at a terminal (cron stays silent without it).",
    ),
]
PathsArg = Annotated[
    list[Path] | None,
    typer.Argument(
        metavar="[PATH]...",
        show_default=False,
        help="Where to read (repeatable); default: the config's [capture] paths.",
    ),
]


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="capture")


def _config() -> Any:
    from minicrm.core.config import load_config  # lazy: start-up

    return load_config()


def _terminal() -> bool:
    import sys

    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def _fire(ctx: typer.Context, store: Any, results: list[Any]) -> None:
    """The on-capture hook, once the capture's transaction committed (never on a dry run)."""
    from minicrm.capture import runs  # lazy: start-up
    from minicrm.hooks import service as hooks

    if hooks.disabled() or hooks.hook_for("on-capture") is None:
        return  # no hook: do not even load the records
    records = runs.hook_records(store, results)
    if records:
        fire_hook(ctx, "on-capture", records)


def _show(result: Any, *, json_: bool, verbose: bool) -> None:
    listing = _terminal() or verbose or result.dry_run
    if not (json_ or listing or result.problems):
        return  # cron: nothing to say, and nothing imported to say it
    from minicrm.capture import render as show  # lazy: start-up
    from minicrm.ui import machine, render
    from minicrm.ui.text import stdout_is_terminal

    if json_:
        machine.write_json(result.to_dict())
        return
    for note in result.notices if listing else ():  # a cron job is not told every run
        render.message(f"minicrm: {note}")
    if result.problems:
        first = result.problems[0]
        more = result.counts.get("bad", 0) - 1
        render.message(
            f"minicrm: skipped an unreadable {'message' if result.what == 'mail' else 'file'}: "
            f"{first}" + (f" (and {more} more; --json lists them)" if more > 0 else "")
        )
    if stdout_is_terminal() or verbose or result.dry_run:
        show.print_items(result)
        render.line(show.summary(result))


class _NoProgress:
    shown = False
    update = None

    def __enter__(self) -> _NoProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def _progress(label: str) -> Any:
    """A progress bar on stderr at a terminal; nothing (and no import) under cron."""
    import sys

    try:
        if not sys.stderr.isatty():
            return _NoProgress()
    except (AttributeError, ValueError):
        return _NoProgress()
    from minicrm.ui.progress import Progress  # lazy: start-up

    return Progress(label)


def _options(
    config: Any,
    *,
    dry_run: bool,
    no_body: bool = False,
    excerpt: int | None = None,
    full: bool = False,
) -> Any:
    from minicrm.capture import matching  # lazy: start-up

    overrides: dict[str, object] = {"dry_run": dry_run, "full": full}
    if excerpt is not None:
        overrides["excerpt"] = matching.check_excerpt(excerpt)
    if no_body:
        overrides["excerpt"] = 0
    return matching.MailOptions.from_config(config, **overrides)


@app.callback()
def capture(
    ctx: typer.Context,
    dry_run: DryRunOpt = False,
    json_: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Fill the timeline from your mail and calendars: one interaction per message or
    meeting with a contact, never twice, lists and automated mail skipped.

    Without a command, capture what the config names ([capture] mail and calendar), as
    one cron line can: `minicrm capture && minicrm digest`.
    """
    if ctx.invoked_subcommand is not None:
        return
    from minicrm.capture import events, runs, service  # lazy: start-up
    from minicrm.core.errors import InvalidInput
    from minicrm.ui import machine

    config = _config()
    settings = config.capture
    if not settings.mail and not settings.calendar:
        raise InvalidInput(
            "nothing to capture: the config sets no [capture] mail or calendar",
            hint='e.g. [capture] mail = ["~/Mail"], calendar = ["~/.calendars"]; '
            "or minicrm capture mail PATH",
        )
    store = store_of(ctx)
    options = _options(config, dry_run=dry_run)
    prepared = []
    if settings.mail:
        with _progress("Reading mail") as bar:
            prepared.append(
                service.prepare_mail(
                    store, settings.mail, options, progress=bar.update if bar.shown else None
                )
            )
    if settings.calendar:
        with _progress("Reading calendars") as bar:
            prepared.append(
                events.prepare_calendar(
                    store, settings.calendar, options, progress=bar.update if bar.shown else None
                )
            )
    results = runs.run(store, *prepared)  # one transaction, one change set
    _fire(ctx, store, results)
    if json_:
        done = {r.what: r.to_dict() for r in results}
        machine.write_json({"mail": done.get("mail"), "calendar": done.get("calendar")})
        return
    for result in results:
        _show(result, json_=False, verbose=verbose)


@app.command("mail")
def mail(
    ctx: typer.Context,
    paths: PathsArg = None,
    dry_run: DryRunOpt = False,
    no_body: Annotated[
        bool, typer.Option("--no-body", help="Log subjects only, no excerpt of the text.")
    ] = False,
    excerpt: Annotated[
        int | None,
        typer.Option(
            "--excerpt",
            metavar="CHARS",
            help="Characters of each message's text to keep (default: [capture] excerpt, else 280).",
        ),
    ] = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Read every message again, not only what is new (after adding contacts: "
            "their older mail).",
        ),
    ] = False,
    suggest: Annotated[
        bool,
        typer.Option(
            "--suggest",
            help="List the people you exchange mail with most who are not contacts; log nothing.",
        ),
    ] = False,
    add: Annotated[
        bool,
        typer.Option(
            "--add",
            help="With --suggest: add them as contacts (name and address) and log their mail, "
            "in one undoable change.",
        ),
    ] = False,
    limit: Annotated[
        int, typer.Option("--limit", "-n", metavar="N", help="--suggest: how many people.")
    ] = 20,
    json_: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Log an email interaction for every new message from, to or copying a contact.

    PATH: Maildirs (mbsync, offlineimap, notmuch), folders of them, mbox files, .eml files
    or folders of them; default: [capture] mail in the config. Only what is new since the
    last run is read; a message is logged once, whatever folders hold it.
    """
    from minicrm.capture import service  # lazy: start-up
    from minicrm.core.errors import InvalidInput

    if add and not suggest:
        raise InvalidInput("--add goes with --suggest", hint="minicrm capture mail --suggest --add")
    config = _config()
    where = list(paths or config.capture.mail)
    store = store_of(ctx)
    options = _options(config, dry_run=dry_run, no_body=no_body, excerpt=excerpt, full=full)
    if suggest:
        from minicrm.capture import render as show  # lazy: start-up
        from minicrm.capture import suggestions
        from minicrm.ui import machine, render

        with _progress("Reading mail") as bar:
            found = suggestions.suggest(
                store,
                where,
                options,
                limit=limit,
                add=add,
                progress=bar.update if bar.shown else None,
            )
        if found.capture is not None:
            _fire(ctx, store, [found.capture])
        if json_:
            machine.write_json(found.to_dict())
            return
        if not found.suggestions:
            render.nothing("No one to suggest: everyone you exchange mail with is a contact.")
            return
        show.print_suggestions(found.suggestions, found.added)
        if found.capture is not None:
            added = len(found.suggestions)
            text = show.summary(found.capture)
            render.line(
                f"Added {added} contact{'' if added == 1 else 's'}; {text[0].lower()}{text[1:]}"
            )
        return
    with _progress("Reading mail") as bar:
        result = service.capture_mail(
            store, where, options, progress=bar.update if bar.shown else None
        )
    _fire(ctx, store, [result])
    _show(result, json_=json_, verbose=verbose)


@app.command("calendar")
def calendar(
    ctx: typer.Context,
    paths: PathsArg = None,
    dry_run: DryRunOpt = False,
    json_: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Log a meeting interaction for every past event with contacts among its organizer
    and attendees; keep the upcoming ones for `agenda`.

    PATH: .ics files, or folders of them (a vdir kept by vdirsyncer, khal's calendars);
    default: [capture] calendar in the config. Recurring events count once per
    occurrence up to now; cancelled events and those you declined are skipped.
    """
    from minicrm.capture import events  # lazy: start-up

    config = _config()
    where = list(paths or config.capture.calendar)
    store = store_of(ctx)
    options = _options(config, dry_run=dry_run)
    with _progress("Reading calendars") as bar:
        result = events.capture_calendar(
            store, where, options, progress=bar.update if bar.shown else None
        )
    _fire(ctx, store, [result])
    _show(result, json_=json_, verbose=verbose)
