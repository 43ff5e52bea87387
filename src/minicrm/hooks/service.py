"""Hooks, as Taskwarrior has them: an executable in ``hooks/`` beside the config file,
named after its event, runs after a command that caused the event has committed.

Events and what each hook reads on stdin (one JSON object per line, one line per record;
the shapes are those of ``--json``, docs/json.md):

- ``on-add``: contacts added (``add``, ``import``, capture): the contact.
- ``on-change``: contacts changed (``edit``, ``tag``, ``archive``, a new email ...): the
  contact as it is now.
- ``on-log``: interactions logged: the interaction.
- ``on-done``: follow-ups marked done: the follow-up.
- ``on-deal``: deals added or changed (moved, won, lost, edited): the deal.
- ``on-sync``, ``on-capture``: fired by the sync and capture commands with
  :func:`fire` (their payloads are documented in README's Hooks section).

A hook runs with the command's environment plus ``MINICRM_EVENT``, ``MINICRM_COMMAND``
(the command line) and ``MINICRM_DB``; its stdout and stderr go to minicrm's stderr (so a
``--json`` output stays clean). It has ``MINICRM_HOOK_TIMEOUT`` seconds (default 10) to
finish, then it is stopped. A hook that cannot run, fails or times out is reported as one
line; it never undoes the command or changes its exit status. ``MINICRM_NO_HOOKS=1``
turns hooks off (for scripts and tests).

This module never prints: :func:`fire` and :func:`fire_committed` return the problems,
one line each, for the caller to show (``minicrm.cli.common.report_hooks``).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from minicrm.core.paths import config_path

EVENTS = ("on-add", "on-change", "on-log", "on-done", "on-deal", "on-sync", "on-capture")
DEFAULT_TIMEOUT = 10.0
# The events fired from what a command wrote (the rest are fired by their commands).
_ENTITIES = {
    "on-add": ("contacts",),
    "on-change": (
        "contacts",
        "contact_emails",
        "contact_phones",
        "contact_addresses",
        "contact_urls",
        "contact_tags",
        "contact_dates",
    ),
    "on-log": ("interactions",),
    "on-done": ("followups",),
    "on-deal": ("deals",),
}


def hooks_dir() -> Path | None:
    """``hooks/`` in the folder of the config file (None without a home folder)."""
    path = config_path()
    return None if path is None else path.parent / "hooks"


def disabled() -> bool:
    return os.environ.get("MINICRM_NO_HOOKS", "") not in ("", "0")


def hook_for(event: str) -> Path | None:
    """The hook file for ``event``, if there is one (executable or not)."""
    if event not in EVENTS:
        raise ValueError(f"unknown hook event {event!r}; one of {', '.join(EVENTS)}")
    if disabled():
        return None
    folder = hooks_dir()
    if folder is None:
        return None
    path = folder / event
    return path if path.is_file() else None


def timeout_setting(value: str | None) -> float:
    """MINICRM_HOOK_TIMEOUT in seconds (a bad value: the default)."""
    try:
        seconds = float(value) if value else DEFAULT_TIMEOUT
    except ValueError:
        return DEFAULT_TIMEOUT
    return seconds if 0 < seconds <= 3600 else DEFAULT_TIMEOUT


def fire(
    event: str,
    payload: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    *,
    command: str = "",
    db: str | os.PathLike[str] | None = None,
    timeout: float | None = None,
) -> list[str]:
    """Run the hook for ``event`` (if the user has one) with ``payload`` on stdin: a
    record, or a list of records (one JSON line each). Waits for it, at most ``timeout``
    seconds (default: MINICRM_HOOK_TIMEOUT, else 10). Returns the problems, one line
    each ("hook on-done exited with code 1"); an empty list when it ran well or there is
    no hook. Never raises for what the hook does."""
    path = hook_for(event)
    if path is None:
        return []
    records = [payload] if isinstance(payload, Mapping) else list(payload)
    if not records:
        return []
    return _run(path, event, records, command=command, db=db, timeout=timeout)


def _run(
    path: Path,
    event: str,
    records: Sequence[Mapping[str, Any]],
    *,
    command: str,
    db: str | os.PathLike[str] | None,
    timeout: float | None,
) -> list[str]:
    name = f"hook {event} ({path})"
    if not os.access(path, os.X_OK):
        return [f"{name} is not executable; nothing ran (chmod +x it)"]
    data = "".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in records)
    env = {**os.environ, "MINICRM_EVENT": event, "MINICRM_COMMAND": command}
    if db is not None:
        env["MINICRM_DB"] = str(db)
    seconds = (
        timeout if timeout is not None else timeout_setting(os.environ.get("MINICRM_HOOK_TIMEOUT"))
    )
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()  # the command's own output first
    try:
        process = subprocess.Popen(
            [str(path)],
            stdin=subprocess.PIPE,
            stdout=_stderr_fd(),
            stderr=_stderr_fd(),
            cwd=path.parent,
            env=env,
            start_new_session=True,  # its own process group: a timeout stops all of it
        )
    except OSError as exc:
        return [f"{name} could not run: {exc.strerror or exc}"]
    try:
        process.communicate(data.encode("utf-8"), timeout=seconds)
    except subprocess.TimeoutExpired:
        _stop(process)
        return [f"{name} took longer than {seconds:g}s and was stopped"]
    except BrokenPipeError:  # the hook did not read its input: that is its choice
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            _stop(process)
            return [f"{name} took longer than {seconds:g}s and was stopped"]
    code = process.returncode
    if code < 0:
        return [f"{name} was killed by signal {-code}"]
    if code:
        return [f"{name} exited with code {code}"]
    return []


def _stderr_fd() -> int | None:
    try:
        return sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # a test runner's captured stderr
        return subprocess.DEVNULL


def _stop(process: subprocess.Popen[bytes]) -> None:
    import signal

    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=2)
            return
        except subprocess.TimeoutExpired:
            continue


def wanted() -> list[str]:
    """The events of :func:`fire_committed` the user has a hook for."""
    if disabled():
        return []
    return [event for event in _ENTITIES if hook_for(event) is not None]


def fire_committed(store: Any, *, command: str = "") -> list[str]:
    """Fire the hooks for what ``store``'s committed commands wrote (the change sets in
    ``store.committed_changesets``, each once). Returns the problems."""
    changesets = list(getattr(store, "committed_changesets", []))
    if not changesets:
        return []
    store.committed_changesets.clear()
    events = wanted()
    if not events:
        return []
    from minicrm.hooks import queries  # lazy: start-up

    entities = sorted({t for e in events for t in _ENTITIES[e]})
    rows = queries.written(store, changesets, entities)
    problems: list[str] = []
    for event in events:
        records = list(_records(store, event, rows))
        if records:
            problems += fire(event, records, command=command, db=store.path)
    return problems


def _records(store: Any, event: str, rows: Sequence[Any]) -> Iterable[dict[str, Any]]:
    if event == "on-add":
        ids = _unique(
            r["row_id"] for r in rows if r["entity"] == "contacts" and r["op"] == "insert"
        )
        return _contacts(store, ids)
    if event == "on-change":
        added = {r["row_id"] for r in rows if r["entity"] == "contacts" and r["op"] == "insert"}
        ids = _unique(
            r["row_id"] if r["entity"] == "contacts" else r["contact_id"]
            for r in rows
            if r["entity"] in _ENTITIES["on-change"]
            and (r["entity"] != "contacts" or (r["op"] == "update" and _edited(r)))
        )
        return _contacts(store, [i for i in ids if i is not None and i not in added])
    if event == "on-log":
        ids = _unique(
            r["row_id"] for r in rows if r["entity"] == "interactions" and r["op"] == "insert"
        )
        return _each(store, ids, "interactions")
    if event == "on-done":
        ids = _unique(
            r["row_id"]
            for r in rows
            if r["entity"] == "followups"
            and r["status_after"] == "done"
            and r["status_before"] != "done"
        )
        return _each(store, ids, "followups")
    ids = _unique(r["row_id"] for r in rows if r["entity"] == "deals" and r["op"] != "delete")
    return _each(store, ids, "deals")


# Contact columns minicrm keeps up to date itself: logging a call updates them, and that
# is an on-log, not an on-change.
_BOOKKEEPING = {"updated_at", "last_contacted_at", "last_interaction_id"}


def _edited(row: Any) -> bool:
    try:
        old, new = json.loads(row["old"]), json.loads(row["new"])
    except (TypeError, ValueError):
        return True
    return any(old.get(k) != v for k, v in new.items() if k not in _BOOKKEEPING)


def _unique(values: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


def _contacts(store: Any, ids: Sequence[int]) -> Iterable[dict[str, Any]]:
    return _each(store, ids, "contacts")


def _each(store: Any, ids: Sequence[int], kind: str) -> Iterable[dict[str, Any]]:
    """Each record as it is now (one deleted since, in the same command, is left out)."""
    from minicrm.core.errors import NotFound  # lazy: start-up

    get = _loader(kind)
    for row_id in ids:
        try:
            yield get(store, row_id).to_dict()
        except NotFound:
            continue


def _loader(kind: str) -> Callable[[Any, int], Any]:
    if kind == "contacts":
        from minicrm.contacts import reading as contacts  # lazy: start-up

        return contacts.get_contact
    if kind == "interactions":
        from minicrm.activity import interactions  # lazy: start-up

        return interactions.get
    if kind == "followups":
        from minicrm.activity import followups  # lazy: start-up

        return followups.get_followup
    from minicrm.deals import service as deals  # lazy: start-up

    return deals.get_deal
