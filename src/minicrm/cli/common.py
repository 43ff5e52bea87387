"""Options and helpers shared by the command modules."""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from minicrm.core.errors import Ambiguous, InvalidInput, MinicrmError, Refused
from minicrm.core.paths import resolve_db_path

if TYPE_CHECKING:  # annotations only: nothing is imported at run time
    from pathlib import Path

    from minicrm.core.dates import When
    from minicrm.db.store import Store

T = TypeVar("T")
R = TypeVar("R")


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    tsv = "tsv"


class PageFormat(StrEnum):
    """A page (one contact, one company) is a table or JSON; CSV is for lists."""

    table = "table"
    json = "json"


JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON (shape: docs/json.md).")]
FormatOpt = Annotated[
    Format | None,
    typer.Option("--format", "-f", help="Output format: table (default), json, csv or tsv."),
]
PageFormatOpt = Annotated[
    PageFormat | None,
    typer.Option("--format", "-f", help="Output format: table (default) or json."),
]
RawOpt = Annotated[
    bool,
    typer.Option(
        "--raw",
        help="CSV/TSV: write cells exactly as stored, without the ' that stops spreadsheets "
        "running cells starting with = + - @ as formulas.",
    ),
]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
# The contact filters that ls and export share.
TagFilterOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--tag", "-t", metavar="TAG", help="Only contacts with this tag (repeat: all of them)."
    ),
]
CompanyFilterOpt = Annotated[
    str | None,
    typer.Option("--company", "-c", metavar="COMPANY", help="Only contacts of this company."),
]
StageFilterOpt = Annotated[
    str | None, typer.Option("--stage", metavar="STAGE", help="Only contacts in this stage.")
]
# The contact of `log` and `follow`: may be left out when --deal names a deal.
OptionalRefArg = Annotated[
    str | None,
    typer.Argument(metavar="[REF]", help="The contact (may be left out with --deal)."),
]
DealOpt = Annotated[
    str | None,
    typer.Option(
        "--deal", metavar="ID", help="The deal it concerns (its contact, if REF is left out)."
    ),
]


def output_format(json_flag: bool, fmt: Format | PageFormat | None, *, lists: bool = True) -> str:
    if json_flag and fmt not in (None, Format.json):
        raise InvalidInput("--json and --format disagree", hint="give one of them")
    if json_flag:
        return "json"
    if fmt is None:
        return "table"
    if not lists and fmt.value in ("csv", "tsv"):
        raise InvalidInput(f"--format {fmt.value} is for lists", hint="use --format json or table")
    return fmt.value


class AppState:
    """Per-invocation state: the --db choice and the store, opened on first use."""

    def __init__(
        self, db: str | None, argv: list[str], debug: bool, no_pager: bool = False
    ) -> None:
        self.db_option = db
        self.argv = argv
        self.debug = debug
        self.no_pager = no_pager
        self._store: Store | None = None

    @property
    def db_path(self) -> Path:
        return resolve_db_path(self.db_option)

    @property
    def store(self) -> Store:
        """The one place every command opens (and, on first use, creates) the database."""
        if self._store is None:
            from minicrm.db.opening import busy_timeout_setting, open_store  # lazy: start-up

            command = "minicrm " + " ".join(shlex.quote(a) for a in self.argv)
            wait = busy_timeout_setting(os.environ.get("MINICRM_BUSY_TIMEOUT"))
            self._store = open_store(self.db_path, command=command, busy_timeout=wait)
            say_notices(self._store)  # now, before the output: a closed pipe may cut it
        return self._store

    @property
    def opened_store(self) -> Store | None:
        """The store if this invocation has opened it, else None (never opens it: what
        runs after a command, notices and hooks, must not create a database)."""
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def state(ctx: typer.Context) -> AppState:
    obj = ctx.find_root().obj
    assert isinstance(obj, AppState)
    return obj


def say_notices(store: Any, *, damaged: bool = False) -> None:
    """What the store noticed on the way that is not an error (a database file made
    private, stale temporary files removed), each on stderr, once. With ``damaged``
    (a command that finished): one line naming the stored values it read past because
    they are damaged (it showed the rest; the exit status stays 0)."""
    notices = getattr(store, "notices", None) or []
    damage = getattr(store, "damaged", None) if damaged else None
    if not notices and not damage:
        return
    from minicrm.ui.render import message  # lazy: start-up

    for note in notices:
        message(f"minicrm: {note}")
    notices.clear()
    if damage:
        from minicrm.db.jsonvalues import summary  # lazy: start-up

        message(f"minicrm: {summary(list(damage.values()))}")
        damage.clear()


def interactive() -> bool:
    """True when a person is at the keyboard: stdin and stdout are terminals."""
    try:
        return sys.stdin.isatty() and sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def resolve_contact(store: object, ref: str) -> str:
    """Resolve ``ref``; on a terminal an ambiguous one is asked about, else it fails.

    Returns ``#id`` for the domain call, which resolves again inside its transaction.
    Runs before any transaction opens: no lock is held while the prompt waits.
    """
    from minicrm.contacts import refs  # lazy: start-up

    try:
        return f"#{refs.contact_id(store, ref)}"  # type: ignore[arg-type]
    except Ambiguous as exc:
        if not interactive() or len(exc.candidates) > 20:
            raise
        return f"#{choose(exc)}"


def paged(ctx: typer.Context) -> None:
    """This command lists: at a terminal, output longer than a screen goes through the
    pager (docs/cli.md, "Output"). Nothing to do, and nothing imported, in a pipe."""
    try:
        if not sys.stdout.isatty():
            return
    except (AttributeError, ValueError):
        return
    from minicrm.ui import pager  # lazy: start-up

    pager.start(enabled=not state(ctx).no_pager)


def _before_prompt() -> None:
    """Whatever a listing holds back goes to the terminal before a question."""
    pager = sys.modules.get("minicrm.ui.pager")
    if pager is not None:
        pager.release()


def choose(exc: Ambiguous) -> int:
    from minicrm.ui.render import message  # lazy: start-up
    from minicrm.ui.text import visible

    message(exc.message + ":")
    for number, (cid, label) in enumerate(exc.candidates, start=1):
        message(f"  {number}) #{cid} {visible(label)}")
    _before_prompt()
    picked = typer.prompt("Which one (number)", type=int, err=True)
    if not 1 <= picked <= len(exc.candidates):
        raise InvalidInput(f"no choice {picked}", hint=f"a number from 1 to {len(exc.candidates)}")
    return exc.candidates[picked - 1][0]


def confirm(question: str, yes: bool, *, action: str = "delete") -> None:
    """Go on if --yes, or if a person at a terminal says yes; otherwise refuse."""
    from minicrm.ui.text import visible  # lazy: start-up

    if yes:
        return
    if not interactive():
        raise Refused(
            f"refusing to {action} without --yes when not run from a terminal", hint="add --yes"
        )
    _before_prompt()
    if not typer.confirm(visible(question), default=False, err=True):
        raise Refused("cancelled; nothing was changed")


def open_editor(text: str, *, suffix: str = ".txt") -> str | None:
    """Let the user edit ``text`` in $VISUAL / $EDITOR (default vi). Returns the saved
    text, or None if it was left unchanged. The temporary file is 0600 and removed."""
    import shlex
    import subprocess
    import tempfile

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    fd, path = tempfile.mkstemp(prefix="minicrm-", suffix=suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        try:
            code = subprocess.call([*shlex.split(editor), path])
        except (OSError, ValueError) as exc:
            raise MinicrmError(
                f"cannot run the editor {editor!r}: {exc}", hint="set $EDITOR, or edit with options"
            ) from None
        if code != 0:
            raise MinicrmError(
                f"the editor {editor!r} exited with code {code}; nothing was changed"
            )
        with open(path, encoding="utf-8") as handle:
            edited = handle.read()
        return None if edited == text else edited
    except UnicodeDecodeError:
        raise InvalidInput("the edited file is not valid UTF-8; nothing was changed") from None
    finally:
        os.unlink(path)


OnOpt = Annotated[
    str | None,
    typer.Option(
        "--on",
        metavar="WHEN",
        help="Answer as of another day (and anchor relative dates there), e.g. 2026-12-02.",
    ),
]


def on_when(value: str | None) -> When | None:
    """--on WHEN as a dates.When (None: really today)."""
    if value is None:
        return None
    from minicrm.core import dateparse, dates  # lazy: start-up

    return dateparse.parse_when(value, today=dates.today())


def _stdin_is_terminal() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def read_text(text: str) -> str:
    """TEXT, or standard input when TEXT is ``-``."""
    if text != "-":
        return text
    if _stdin_is_terminal():  # a person typing: say how to finish (as `cat` does not)
        from minicrm.ui.render import message  # lazy: start-up

        message("Type the text; end with Ctrl-D on a line of its own.")
    data = sys.stdin.buffer.read()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"standard input is not valid UTF-8 (byte {exc.start})", hint="convert it with iconv"
        ) from None


def store_of(ctx: typer.Context) -> Store:
    """The invocation's store, opened on first use (see :meth:`AppState.store`)."""
    return state(ctx).store


def fire_hook(ctx: typer.Context | None, event: str, payload: Any) -> None:
    """Run the user's hook for ``event`` (on-sync, on-capture ...) with ``payload`` (a
    record or a list of records, see minicrm.hooks.service.fire) and report a failing one
    on stderr. Call it after the command's transaction committed; it never raises."""
    from minicrm.hooks import service as hooks  # lazy: start-up
    from minicrm.ui.render import message

    store = None
    if ctx is not None:
        store = state(ctx).opened_store
    try:
        problems = hooks.fire(
            event,
            payload,
            command=getattr(store, "command", ""),
            db=getattr(store, "path", None),
        )
    except Exception as exc:
        problems = [f"hook {event} could not run: {type(exc).__name__}: {exc}"]
    for problem in problems:
        message(f"minicrm: {problem}")


_ERROR_MARK = "# minicrm: "
_ERROR_HELP = "# Fix it, then save and quit; delete everything to change nothing."
MAX_EDITS = 50  # rounds of "fix it and save" before minicrm gives up


def edit_until_valid(form: str, apply: Callable[[str], T], *, suffix: str = ".txt") -> T | None:
    """Open $EDITOR on ``form`` and hand the saved text to ``apply``. A text ``apply``
    refuses (bad input, a contact that is not found or not unique) reopens the editor
    with the error at the top, as ``git commit`` and ``crontab -e`` do, the user's edit
    kept below it. Returns what ``apply`` returned, or None when the user changed nothing
    (saved the form unchanged, or emptied it). Saving an error's form unchanged gives up
    with that error. The temporary file is always removed."""
    from minicrm.core.errors import Ambiguous, InvalidInput, NotFound  # lazy: start-up

    text, error = form, None
    for _ in range(MAX_EDITS):
        shown = text if error is None else _with_error(text, error)
        edited = open_editor(shown, suffix=suffix)
        if edited is None:  # saved as shown
            if error is None:
                return None
            raise InvalidInput(f"{error}; nothing was changed")
        text = _without_error(edited)
        if not [line for line in text.splitlines() if line.strip() and not line.startswith("#")]:
            return None  # emptied: the user changed their mind
        try:
            return apply(text)
        except (InvalidInput, NotFound, Ambiguous) as exc:
            error = str(exc)  # the message and its hint, "message (hint)"
    raise InvalidInput(f"{error}; nothing was changed (gave up after {MAX_EDITS} edits)")


def edit_record_until_valid(
    store: object,
    record: R,
    form: Callable[[R], str],
    parse: Callable[[R, str], dict[str, Any]],
    save: Callable[[dict[str, Any]], tuple[R, bool]],
) -> tuple[R, bool]:
    """A record's form (``form``) in $EDITOR until it saves (:func:`edit_until_valid`):
    ``parse`` reads the changes from the text, a contact named in them is resolved, and
    ``save`` applies them. ``(record, False)`` when nothing changed."""

    def apply(text: str) -> tuple[R, bool]:
        changes = parse(record, text)
        if not changes:
            return record, False
        if changes.get("contact"):
            changes["contact"] = resolve_contact(store, changes["contact"])
        return save(changes)

    result = edit_until_valid(form(record), apply)
    return result if result is not None else (record, False)


def _with_error(text: str, error: str) -> str:
    """The text with the error on its first lines ("line N" counted in the file shown)."""
    import re

    header = [f"{_ERROR_MARK}{' '.join(error.split())}", _ERROR_HELP]
    shifted = re.sub(r"\bline (\d+)\b", lambda m: f"line {int(m[1]) + len(header)}", header[0])
    return "\n".join([shifted, header[1], text])


def _without_error(text: str) -> str:
    lines = text.split("\n")
    while lines and (lines[0].startswith(_ERROR_MARK) or lines[0] == _ERROR_HELP):
        lines.pop(0)
    return "\n".join(lines)
