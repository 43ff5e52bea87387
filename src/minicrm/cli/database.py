"""Database commands: db path, db backup, db restore, db check."""

from __future__ import annotations

from typing import Annotated

import typer

from minicrm.cli.common import JsonOpt, YesOpt, confirm, state, store_of
from minicrm.core.errors import CheckFailed, InvalidInput

app = typer.Typer(
    help="The database file: where it is, backups, restore, integrity check.",
    no_args_is_help=True,
)

KeepOpt = Annotated[
    int | None,
    typer.Option(
        "--keep",
        metavar="N",
        help="Keep the newest N of minicrm's backups in the folder (0: all; "
        "default: [backups] keep in the config, else 10).",
    ),
]


@app.command("path")
def path(ctx: typer.Context) -> None:
    """Print the path of the database in use (without creating it)."""
    import sys

    path = str(state(ctx).db_path)
    if sys.stdout.isatty():  # a path may hold any byte; in a pipe it stays exact
        from minicrm.ui.text import visible  # lazy: start-up (only at a terminal)

        path = visible(path)
    print(path)


@app.command("backup")
def backup(
    ctx: typer.Context,
    dest: Annotated[
        str | None,
        typer.Argument(
            metavar="[PATH]",
            help="A new file, or a folder; default: backups/ beside the database.",
        ),
    ] = None,
    keep: KeepOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Write a consistent copy of the database, even while other commands write to it."""
    from minicrm.maintenance import backups  # lazy: start-up
    from minicrm.ui.machine import write_json
    from minicrm.ui.render import line, message

    result = backups.backup(store_of(ctx), dest, keep=keep)
    if json_:
        write_json(result.to_dict())
        return
    line(f"Backed up to {result.path}")
    for old in result.pruned:
        message(f"minicrm: removed the old backup {old}")


@app.command("restore")
def restore(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(metavar="PATH", help="The backup to restore.")],
    yes: YesOpt = False,
    keep: KeepOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Replace the database with a backup (a backup of the current one is taken first)."""
    from minicrm.maintenance import restore as restoring  # lazy: start-up
    from minicrm.ui.machine import write_json
    from minicrm.ui.render import line, message

    db_path = state(ctx).db_path
    with restoring.prepare_restore(db_path, source) as prepared:
        counts = restoring.describe_counts(prepared.counts)
        confirm(
            f"Replace the database {db_path} with {prepared.source} ({counts})? "
            "A backup of the current database is taken first.",
            yes,
            action="restore",
        )
        import os  # lazy: start-up

        from minicrm.db.opening import busy_timeout_setting

        wait = busy_timeout_setting(os.environ.get("MINICRM_BUSY_TIMEOUT"))
        result = restoring.restore(db_path, prepared, keep=keep, busy_timeout=wait)
    for note in result.notices:
        message(f"minicrm: {note}")
    if json_:
        write_json(result.to_dict())
        return
    if result.safety_backup:
        line(f"Backed up the current database to {result.safety_backup}")
    line(f"Restored {result.database} from {result.source} ({counts})")
    if result.migrated:
        line(f"Upgraded its schema: {', '.join(result.migrated)}")


@app.command("check")
def check(
    ctx: typer.Context,
    file: Annotated[
        str | None,
        typer.Argument(
            metavar="[PATH]",
            help="Check this database file (a backup, say) instead: on a temporary copy, so "
            "the file itself is never changed.",
        ),
    ] = None,
    repair: Annotated[
        bool,
        typer.Option(
            "--repair",
            help="Fix what can be fixed safely (rebuild the search index, last-contacted "
            "times, a missing next occurrence), then check again.",
        ),
    ] = False,
    quick: Annotated[
        bool,
        typer.Option(
            "--quick",
            help="A fast check: SQLite's quick_check and the cheap checks; leaves out the "
            "search index, the full integrity_check and the history records (it says so).",
        ),
    ] = False,
    json_: JsonOpt = False,
) -> None:
    """Check the database: SQLite's integrity and foreign keys, the search index, and
    minicrm's own invariants. Exits 8 if a check fails."""
    from minicrm.cli.config import warn_about_config
    from minicrm.maintenance import check as checking  # lazy: start-up

    warn_about_config()  # the config file is checked too: tables minicrm ignores
    from minicrm.ui.machine import write_json  # lazy: start-up
    from minicrm.ui.render import line

    if quick and repair:
        raise InvalidInput(
            "--quick and --repair do not go together: a repair needs the full check",
            hint="minicrm db check --repair",
        )
    if file is not None:
        if repair:
            raise InvalidInput(
                "--repair works on the database in use, not on a PATH",
                hint=f"restore it first (minicrm db restore {file}), or check it without --repair",
            )

        work = state(ctx).db_path.parent  # beside the database in use, like restore's copy
        report = checking.check_file(file, work_folder=work, quick=quick)
    else:
        store = store_of(ctx)
        report = checking.repair(store) if repair else checking.check(store, quick=quick)
    if json_:
        write_json(report.to_dict())
    else:
        for done in report.repaired:
            line(f"repaired  {done}")
        for item in report.checks:
            label = {"ok": "ok", "fail": "FAIL", "warn": "warn"}[item.status]
            text = f"{label:<5} {item.name}"
            if item.status != "ok":
                text += f": {item.summary}"
            line(text)
            if item.status != "ok":
                for detail in item.details:
                    line(f"        {detail}")
        for left_out in report.skipped:
            line(f"skip  {left_out}")
    if not report.ok:
        names = [c.name for c in report.failed]
        fixable = [c.name for c in report.failed if c.repairable]
        hint = (
            f"minicrm db check --repair fixes {', '.join(fixable)}"
            if fixable and not repair
            else "restore a backup with minicrm db restore, or fix it by hand"
        )
        raise CheckFailed(
            f"db check: {len(names)} check{'s' if len(names) != 1 else ''} failed: "
            + ", ".join(names),
            hint=hint,
        )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="db")
