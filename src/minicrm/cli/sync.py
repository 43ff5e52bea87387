"""minicrm sync: two-way sync with vdirs (one file per item), which vdirsyncer carries to
a CardDAV/CalDAV server and every phone. `sync contacts DIR` syncs one folder; `sync`
alone runs what [sync] in the config file says, with its command around it."""

from __future__ import annotations

import dataclasses
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from minicrm.cli.common import JsonOpt, fire_hook, store_of

if TYPE_CHECKING:
    from minicrm.core.config import SyncConfig
    from minicrm.sync.core import SyncReport

app = typer.Typer(
    help="Two-way sync with vdirs (vdirsyncer's folders): `sync contacts DIR`, or `sync` "
    "alone for everything [sync] in the config file names.",
    invoke_without_command=True,
    no_args_is_help=False,
)


class Winner(StrEnum):
    minicrm = "minicrm"
    vdir = "vdir"


class Version(StrEnum):
    v3 = "3.0"
    v4 = "4.0"


DryRunOpt = Annotated[
    bool,
    typer.Option("--dry-run", help="Only say what would change on each side; write nothing."),
]
ForceDeleteOpt = Annotated[
    bool,
    typer.Option(
        "--force-delete",
        help="Sync even when it would delete more than [sync] max_delete_percent of the "
        "items (50% unless set): an emptied folder is refused without it.",
    ),
]


def _hook(ctx: typer.Context, report: SyncReport) -> None:
    """The on-sync hook, for one folder whose sync committed (not a dry run, not a sync
    that changed nothing)."""
    from minicrm.sync import service  # lazy: start-up

    rows = service.hook_rows(report)
    if rows:
        fire_hook(ctx, "on-sync", rows)


def _config() -> SyncConfig:
    from minicrm.core.config import load_config  # lazy: start-up

    return load_config().sync


@app.callback()
def sync(
    ctx: typer.Context,
    dry_run: DryRunOpt = False,
    force_delete: ForceDeleteOpt = False,
    json_: JsonOpt = False,
) -> None:
    """Sync everything [sync] in the config file names: its command (e.g. `vdirsyncer
    sync`) first, every folder, then the command again, so one cron line converges phone
    and laptop. Quiet when nothing changed and not at a terminal."""
    if ctx.invoked_subcommand is not None:
        return
    from minicrm.sync import render as sync_render  # lazy: start-up
    from minicrm.sync import service  # lazy: start-up

    config = _config()
    report = service.sync_configured(
        store_of(ctx),
        config,
        dry_run=dry_run,
        force_delete=force_delete,
        on_command=None if json_ else sync_render.print_command,
        on_folder=lambda done: _hook(ctx, done),
    )
    sync_render.print_configured(report, "json" if json_ else "text")


@app.command("contacts")
def contacts(
    ctx: typer.Context,
    folder: Annotated[
        str,
        typer.Argument(
            metavar="DIR",
            help="The vdir: one .vcf per contact (created 0700 if missing), e.g. the folder "
            "of a vdirsyncer filesystem storage.",
        ),
    ],
    dry_run: DryRunOpt = False,
    force_delete: ForceDeleteOpt = False,
    winner: Annotated[
        Winner | None,
        typer.Option(
            "--winner",
            help="Who wins a field changed on both sides: minicrm or vdir (default: [sync] "
            "winner, else minicrm). The other value is kept in the contact's notes.",
        ),
    ] = None,
    version: Annotated[
        Version | None,
        typer.Option(
            "--vcard-version",
            help="The vCard version written: 3.0 (default: [sync] version, else 3.0) or 4.0.",
        ),
    ] = None,
    json_: JsonOpt = False,
) -> None:
    """Two-way sync of the contacts with the vdir DIR: changes on either side are applied
    to the other, a field changed on both sides is merged (the winner's value kept, the
    other in the contact's notes), deletions go both ways. One change set: `minicrm undo`
    reverts it, and the next sync carries that to DIR."""
    from minicrm.sync import render as sync_render  # lazy: start-up
    from minicrm.sync import service  # lazy: start-up

    config = _config()
    if version is not None:
        config = dataclasses.replace(config, version=version.value)
    report = service.sync_folder(
        store_of(ctx),
        "contacts",
        folder,
        config,
        dry_run=dry_run,
        force_delete=force_delete,
        winner=winner.value if winner else None,
    )
    _hook(ctx, report)
    sync_render.print_report(report, "json" if json_ else "text")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="sync")
