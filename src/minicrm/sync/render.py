"""A sync's report as text: one summary line per folder, then one line per change,
conflict and problem. A sync that changed nothing says so at a terminal only, so that
cron mails nothing (cron mails any output)."""

from __future__ import annotations

from minicrm.sync.core import SyncReport
from minicrm.sync.service import CommandRun, ConfiguredReport
from minicrm.ui import render
from minicrm.ui.machine import write_json
from minicrm.ui.text import stdout_is_terminal, visible

SIDE_NAMES = {"minicrm": "minicrm", "vdir": "folder"}
ACTIONS = ("created", "updated", "deleted", "archived")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary(report: SyncReport) -> str:
    where = f"{report.kind} with {report.folder}"
    would = "would be " if report.dry_run else ""
    parts = []
    linked = sum(1 for c in report.changes if c.action == "linked")
    for side, place in (("minicrm", "in minicrm"), ("vdir", "in the folder")):
        for action in ACTIONS:  # the words the item lines below use
            n = report.count(side, action)
            if n:
                parts.append(f"{n} {would}{action} {place}")
    if linked:
        parts.append(f"{linked} {would}linked")
    if report.conflicts:
        parts.append(_plural(len(report.conflicts), "conflict"))
    if report.problems:
        parts.append(_plural(len(report.problems), "problem"))
    if not parts:
        return f"{where}: in step ({report.items} items){' (dry run)' if report.dry_run else ''}"
    text = f"{where}: {', '.join(parts)}"
    if report.dry_run:
        text += " (dry run: nothing written)"
    elif report.changeset:
        text += f" (change set {report.changeset}; minicrm undo reverts it)"
    return text


def lines(report: SyncReport) -> list[str]:
    out = [summary(report)]
    for c in report.changes:
        what = f"  {SIDE_NAMES[c.side]:<8} {c.action:<8} {c.name}"
        if c.href:
            what += f" ({c.href})"
        if c.fields:
            what += ": " + ", ".join(c.fields)
        if c.reason:
            what += f" - {c.reason}"
        out.append(what)
    for k in report.conflicts:
        loser = "minicrm" if k.winner == "vdir" else "the folder"
        winner = SIDE_NAMES[k.winner] if k.winner == "minicrm" else "the folder"
        out.append(
            f"  conflict {k.name} ({k.href}): {k.field}: kept {winner}'s {k.kept!r}; "
            f"{loser}'s {k.lost!r} is kept in {k.lost_kept_in}"
        )
    for p in report.problems:
        out.append(f"  problem  {p.href or p.uid}: {p.message}")
    return out


def quiet(report: SyncReport) -> bool:
    return not (report.changes or report.conflicts or report.problems)


def print_report(report: SyncReport, fmt: str) -> None:
    if fmt == "json":
        write_json(report.to_dict())
        return
    if quiet(report) and not report.dry_run:
        render.nothing(summary(report))
        return
    for text in lines(report):
        render.line(visible(text, one_line=False))


def print_command(ran: CommandRun) -> None:
    if stdout_is_terminal():
        render.message(
            f"ran {' '.join(ran.args)} ({ran.when} the sync): exit {ran.returncode}, {ran.seconds:.1f} s"
        )


def print_configured(report: ConfiguredReport, fmt: str) -> None:
    if fmt == "json":
        write_json(report.to_dict())
        return
    for sync in report.syncs:
        print_report(sync, "text")
