"""The exception hierarchy. Each class carries the exit code the CLI maps it to.

The library raises these and never prints; ``minicrm.cli`` turns them into one line
on stderr and the exit code, in one place. docs/cli.md lists the codes.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_AMBIGUOUS = 4
EXIT_BUSY = 5
EXIT_DATABASE = 6
EXIT_DELIVERY = 7
EXIT_CHECK_FAILED = 8
EXIT_INTERRUPTED = 130


class MinicrmError(Exception):
    """Base class: a foreseeable failure with a message meant for the user."""

    exit_code = EXIT_ERROR

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class InvalidInput(MinicrmError):
    """A value the user gave is malformed or not allowed. Nothing was written."""

    exit_code = EXIT_USAGE


class NotFound(MinicrmError):
    """A reference names no record."""

    exit_code = EXIT_NOT_FOUND


class Ambiguous(MinicrmError):
    """A reference names more than one record; ``candidates`` lists them."""

    exit_code = EXIT_AMBIGUOUS

    def __init__(self, message: str, candidates: list[tuple[int, str]]) -> None:
        super().__init__(message)
        self.candidates = candidates

    def __str__(self) -> str:
        shown = "; ".join(f"#{cid} {label}" for cid, label in self.candidates[:10])
        more = len(self.candidates) - 10
        extra = f"; and {more} more" if more > 0 else ""
        return f"{self.message}: {shown}{extra} (use the #id)"


class Conflict(MinicrmError):
    """The change clashes with data already there (a duplicate name, say)."""

    exit_code = EXIT_USAGE


class Refused(MinicrmError):
    """A destructive command was not confirmed (no --yes in a script)."""

    exit_code = EXIT_ERROR


class DatabaseBusy(MinicrmError):
    """Another process held the database lock for longer than the busy timeout."""

    exit_code = EXIT_BUSY


class DeliveryFailed(MinicrmError):
    """The digest could not be sent: the SMTP server was unreachable or refused it."""

    exit_code = EXIT_DELIVERY


class DatabaseError(MinicrmError):
    """The database file cannot be used: not SQLite, newer schema, unreadable, corrupt."""

    exit_code = EXIT_DATABASE


class DatabaseReadOnly(DatabaseError):
    """The database cannot be written: a read-only file, folder or mount, an immutable
    file. Reading commands work; writing ones exit 6 with this."""


class CheckFailed(MinicrmError):
    """``db check`` found problems (it has printed them); the message names the checks."""

    exit_code = EXIT_CHECK_FAILED


class DamagedValue(MinicrmError):
    """A stored value is damaged (not the JSON its column holds) and the command would
    have to overwrite it: refused, nothing written. ``db check`` names such values; its
    ``--repair`` moves unreadable contact fields into the contact's notes."""

    exit_code = EXIT_CHECK_FAILED
