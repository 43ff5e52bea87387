"""Running syncs: one kind with one folder (``minicrm sync contacts DIR``), or everything
the ``[sync]`` table of the config file names (``minicrm sync``), with its ``command``
(``vdirsyncer sync``) run before (to pull) and after (to push)."""

from __future__ import annotations

import importlib
import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minicrm.core.config import SyncConfig
from minicrm.core.errors import InvalidInput, MinicrmError
from minicrm.db.store import Store
from minicrm.sync import core

# kind name -> "module:factory"; factory(SyncConfig) -> core.Kind. `sync tasks` adds its own.
KINDS: dict[str, str] = {
    "contacts": "minicrm.sync.contacts:make_kind",
}


class CommandFailed(MinicrmError):
    """The command run around the sync failed."""


def kind_named(name: str, config: SyncConfig) -> core.Kind:
    target = KINDS.get(name)
    if target is None:
        known = ", ".join(sorted(KINDS))
        raise InvalidInput(
            f"[sync] names {name!r}, which minicrm cannot sync", hint=f"known: {known}"
        )
    module, _colon, factory = target.partition(":")
    make: Callable[[SyncConfig], core.Kind] = getattr(importlib.import_module(module), factory)
    return make(config)


def settings(
    config: SyncConfig,
    *,
    dry_run: bool = False,
    force_delete: bool = False,
    winner: str | None = None,
) -> core.Settings:
    return core.Settings(
        winner=winner or config.winner,
        archive_deleted=config.deleted == "archive",
        max_delete_percent=config.max_delete_percent,
        force_delete=force_delete,
        dry_run=dry_run,
    )


def sync_folder(
    store: Store,
    name: str,
    folder: str | Path,
    config: SyncConfig,
    *,
    dry_run: bool = False,
    force_delete: bool = False,
    winner: str | None = None,
    command: str | None = None,
) -> core.SyncReport:
    """``minicrm sync KIND DIR``."""
    kind = kind_named(name, config)
    wanted = settings(config, dry_run=dry_run, force_delete=force_delete, winner=winner)
    return core.run(store, kind, Path(os.path.expanduser(str(folder))), wanted, command=command)


def hook_rows(report: core.SyncReport) -> list[dict[str, Any]]:
    """The ``on-sync`` hook's payload for one folder synced: one row per direction
    ("to-minicrm": what the folder changed in minicrm; "to-folder": what minicrm wrote to
    the folder); a conflict is counted where its losing value was overwritten. Empty
    (no hook) for a dry run or a sync that changed nothing."""
    if report.dry_run or not (report.changes or report.conflicts):
        return []
    rows = []
    for side, direction in (("minicrm", "to-minicrm"), ("vdir", "to-folder")):
        winner = "minicrm" if side == "vdir" else "vdir"  # whose value overwrote this side
        rows.append(
            {
                "collection": report.kind,
                "folder": report.folder,
                "direction": direction,
                "added": report.count(side, "created"),
                "changed": report.count(side, "updated"),
                "removed": report.count(side, "deleted") + report.count(side, "archived"),
                "conflicts": sum(1 for k in report.conflicts if k.winner == winner),
            }
        )
    return rows


@dataclass
class CommandRun:
    args: list[str]
    when: str  # before, after
    returncode: int
    seconds: float
    output: str = ""  # the last lines it wrote (stdout and stderr)

    def to_dict(self) -> dict[str, Any]:
        return {
            "command": self.args,
            "when": self.when,
            "exit_code": self.returncode,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class ConfiguredReport:
    dry_run: bool
    commands: list[CommandRun] = field(default_factory=list)
    syncs: list[core.SyncReport] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "commands": [c.to_dict() for c in self.commands],
            "syncs": [s.to_dict() for s in self.syncs],
        }


def run_command(args: tuple[str, ...], when: str, timeout: int) -> CommandRun:
    """Run the configured command (no shell), its output captured; a failure raises."""
    start = time.monotonic()
    try:
        done = subprocess.run(
            list(args),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        raise CommandFailed(
            f"[sync] command {args[0]!r} not found; nothing was synced"
            if when == "before"
            else f"[sync] command {args[0]!r} not found",
            hint="install it, or fix [sync] command in the config file",
        ) from None
    except subprocess.TimeoutExpired:
        raise CommandFailed(
            f"[sync] command {' '.join(args)!r} did not finish in {timeout} s",
            hint="raise [sync] command_timeout, or look at what it waits for",
        ) from None
    output = "\n".join((done.stdout + done.stderr).strip().splitlines()[-5:])
    ran = CommandRun(list(args), when, done.returncode, time.monotonic() - start, output)
    if done.returncode != 0:
        said = f": {output.splitlines()[-1]}" if output else ""
        after = "; nothing was synced" if when == "before" else " after the sync"
        raise CommandFailed(
            f"[sync] command {' '.join(args)!r} failed (exit {done.returncode}){after}{said}",
            hint="run it by hand to see why",
        )
    return ran


def sync_configured(
    store: Store,
    config: SyncConfig,
    *,
    dry_run: bool = False,
    force_delete: bool = False,
    command: str | None = None,
    on_command: Callable[[CommandRun], None] | None = None,
    on_folder: Callable[[core.SyncReport], None] | None = None,
) -> ConfiguredReport:
    """``minicrm sync``: the command (before), every configured folder (``on_folder``
    called with each one's report once it committed), the command (after). A dry run runs no command: it says what the folders as they are would
    change. A folder that fails stops the run (its error raised)."""
    if not config.folders:
        raise InvalidInput(
            "nothing to sync: the config file has no [sync] folders",
            hint='add e.g. [sync] contacts = "~/.contacts/minicrm" (docs/cli.md, "sync")',
        )
    kinds = {name: kind_named(name, config) for name in config.folders}
    report = ConfiguredReport(dry_run)
    if config.command and not dry_run:
        ran = run_command(config.command, "before", config.command_timeout)
        report.commands.append(ran)
        if on_command:
            on_command(ran)
    wanted = settings(config, dry_run=dry_run, force_delete=force_delete)
    for name, folders in config.folders.items():
        for folder in folders:
            path = Path(os.path.expanduser(folder))
            done = core.run(store, kinds[name], path, wanted, command=command)
            report.syncs.append(done)
            if on_folder:  # committed: its hook runs even if a later folder fails
                on_folder(done)
    if config.command and not dry_run:
        ran = run_command(config.command, "after", config.command_timeout)
        report.commands.append(ran)
        if on_command:
            on_command(ran)
    return report
