"""The user's configuration file (TOML, in the platform config dir or MINICRM_CONFIG)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from minicrm.core.errors import InvalidInput
from minicrm.core.paths import config_path

DEFAULT_CONTACT_STAGES = ("lead", "prospect", "customer", "partner", "former")


@dataclass(frozen=True)
class DealStage:
    name: str
    probability: int  # the default chance of winning a deal in this stage, 0-100


DEFAULT_DEAL_STAGES = (
    DealStage("lead", 10),
    DealStage("qualified", 25),
    DealStage("proposal", 50),
    DealStage("negotiation", 75),
    DealStage("won", 100),
    DealStage("lost", 0),
)
DEFAULT_CURRENCY = "EUR"
DEFAULT_BACKUPS_KEEP = 10
DEFAULT_DIGEST_LIMIT = 20  # entries shown per digest section; 0 shows every one
MAX_DIGEST_LIMIT = 100_000
MAX_BACKUPS_KEEP = 100_000
CLOSED_STAGES = ("won", "lost")
# The first day of the week ([week] first_day): weeks run from it for `eow`, the weeks of
# `stats` and `activity --week`. Index 0 is Monday, as date.weekday() counts.
WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_WEEK_START = 0
_STAGES_HINT = 'e.g. stages = [{name = "lead", probability = 10}, ..., {name = "won", probability = 100}, {name = "lost", probability = 0}]'


DEFAULT_EXCERPT = 280  # characters of a captured email's body kept in the timeline
MAX_EXCERPT = 10_000


@dataclass(frozen=True)
class CaptureSettings:
    """The [capture] table: what `minicrm capture` alone reads, and how."""

    mail: tuple[Path, ...] = ()  # Maildirs, trees of them, mbox files, .eml files/folders
    calendar: tuple[Path, ...] = ()  # .ics files, vdirs of events
    ignore: tuple[str, ...] = ()  # addresses (a@b.c) and domains (b.c, @b.c), casefolded
    excerpt: int = DEFAULT_EXCERPT  # 0: subjects only
    # jane+crm@acme.io is jane@acme.io: True (every domain), False, or the domains where
    plus_addresses: bool | tuple[str, ...] = True


SYNC_WINNERS = ("minicrm", "vdir")
SYNC_DELETED = ("delete", "archive")
SYNC_VERSIONS = ("3.0", "4.0")
DEFAULT_SYNC_COMMAND_TIMEOUT = 600
_SYNC_OPTIONS = (
    "winner",
    "deleted",
    "version",
    "max_delete_percent",
    "command",
    "command_timeout",
)
_SYNC_HINT = 'e.g. [sync] contacts = "~/.contacts/minicrm", command = "vdirsyncer sync"'


@dataclass(frozen=True)
class SyncConfig:
    """The [sync] table (docs/cli.md, "sync"). ``folders``: kind name (contacts, tasks)
    -> the vdirs ``minicrm sync`` syncs it with."""

    folders: dict[str, tuple[str, ...]] = field(default_factory=dict)
    winner: str = "minicrm"  # who wins a field changed on both sides
    deleted: str = "delete"  # what a file deleted in the vdir does to its record
    version: str = "3.0"  # the vCard version written
    max_delete_percent: int = 50  # a sync deleting more of the items is refused
    command: tuple[str, ...] = ()  # run before and after the sync (vdirsyncer sync)
    command_timeout: int = DEFAULT_SYNC_COMMAND_TIMEOUT


@dataclass(frozen=True)
class Config:
    contact_stages: tuple[str, ...] = DEFAULT_CONTACT_STAGES
    smtp: dict[str, object] = field(default_factory=dict)
    deal_stages: tuple[DealStage, ...] = DEFAULT_DEAL_STAGES
    deal_currency: str = DEFAULT_CURRENCY
    backups_keep: int = DEFAULT_BACKUPS_KEEP  # 0: keep every backup
    digest_limit: int = DEFAULT_DIGEST_LIMIT  # 0: no limit
    me_emails: tuple[str, ...] = ()  # [me] emails: the user's own addresses (casefolded)
    capture: CaptureSettings = field(default_factory=lambda: CaptureSettings())
    week_start: int = DEFAULT_WEEK_START  # 0 Monday .. 6 Sunday
    sync: SyncConfig = field(default_factory=SyncConfig)
    source: Path | None = field(default=None, compare=False)


# The tables parse_config reads. Another one (a misspelt ``[captrue]``) is ignored by
# every command, and reported as a warning by `minicrm config` and `minicrm db check`
# (:func:`warnings`): refusing it would stop every command over a table minicrm does not use.
KNOWN_TABLES = ("contacts", "deals", "smtp", "backups", "digest", "me", "capture", "week", "sync")


def warnings(path: Path | None = None) -> list[str]:
    """What the config file holds that minicrm ignores (unknown tables, keys outside any
    table), one line each; [] without a file, or when it is not valid TOML (every command
    refuses that one)."""
    import difflib
    import tomllib

    path = path or config_path()
    if path is None:
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return []
    lines = []
    for name, value in data.items():
        if name in KNOWN_TABLES:
            continue
        close = difflib.get_close_matches(name, KNOWN_TABLES, n=1)
        hint = f"did you mean [{close[0]}]?" if close else "tables: " + ", ".join(KNOWN_TABLES)
        if isinstance(value, dict):
            lines.append(f"config file {path}: unknown table [{name}], ignored ({hint})")
        else:
            lines.append(
                f"config file {path}: unknown setting {name!r} outside a table, ignored ({hint})"
            )
    return lines


def load_config(path: Path | None = None) -> Config:
    """Read the config file; a missing file gives the defaults."""
    path = path or config_path()
    if path is None:  # no home folder, so no config file
        return Config()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Config()
    except OSError as exc:
        raise InvalidInput(f"cannot read the config file {path}: {exc.strerror}") from exc
    return parse_config(raw, path)


def parse_config(raw: bytes, path: Path) -> Config:
    """The config file's text (read from ``path``, which the messages name) as a Config;
    every value checked."""
    import tomllib  # imported here: only when there is a file to read

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(f"config file {path} is not valid TOML: {exc}") from exc
    contacts = data.get("contacts", {})
    stages = contacts.get("stages", list(DEFAULT_CONTACT_STAGES))
    if (
        not isinstance(stages, list)
        or not stages
        or not all(isinstance(s, str) and s.strip() for s in stages)
    ):
        raise InvalidInput(
            f"config file {path}: contacts.stages must be a list of names",
            hint='e.g. stages = ["lead", "customer"]',
        )
    smtp = _smtp(data.get("smtp", {}), path)
    deal_stages, deal_currency = _deals(data.get("deals", {}), path)
    return Config(
        contact_stages=tuple(s.strip().lower() for s in stages),
        smtp=smtp,
        deal_stages=deal_stages,
        deal_currency=deal_currency,
        backups_keep=_backups_keep(data.get("backups", {}), path),
        digest_limit=_digest_limit(data.get("digest", {}), path),
        me_emails=_me_emails(data.get("me", {}), path),
        capture=_capture(data.get("capture", {}), path),
        week_start=_week_start(data.get("week", {}), path),
        sync=_sync(data.get("sync", {}), path),
        source=path,
    )


SMTP_KEYS = ("from", "host", "password", "port", "security", "user")
_SMTP_EXAMPLES = {
    "from": '"crm@example.org"',
    "host": '"smtp.example.org"',
    "port": "587",
    "security": '"starttls"',
    "user": '"me@example.org"',
}


def _smtp(table: object, path: Path) -> dict[str, object]:
    """The [smtp] table (digest.mail reads it, after the environment): only its six keys,
    each text, ``port`` a number too. A misspelt key is refused, not ignored: ignored,
    ``pasword`` would send the digest without logging in. Values are never echoed (one
    of them is a password)."""
    hint = "keys: " + ", ".join(SMTP_KEYS)
    if not isinstance(table, dict):
        raise InvalidInput(f"config file {path}: [smtp] must be a table", hint=hint)
    extra = sorted(set(table) - set(SMTP_KEYS))
    if extra:
        raise InvalidInput(
            f"config file {path}: [smtp] has unknown keys: {', '.join(extra)}", hint=hint
        )
    for key, value in table.items():
        port = key == "port" and isinstance(value, int) and not isinstance(value, bool)
        if not (isinstance(value, str) or port):
            example = _SMTP_EXAMPLES.get(key, '"..."')
            raise InvalidInput(
                f"config file {path}: smtp.{key} must be "
                + ("a number" if key == "port" else "text in quotes"),
                hint=f"e.g. {key} = {example}",
            )
    return table


def _deals(table: object, path: Path) -> tuple[tuple[DealStage, ...], str]:
    """The [deals] table: ``currency`` and the ordered ``stages`` with probabilities."""
    if not isinstance(table, dict):
        raise InvalidInput(f"config file {path}: [deals] must be a table", hint=_STAGES_HINT)
    code = table.get("currency", DEFAULT_CURRENCY)
    if not isinstance(code, str) or not re.fullmatch(r"[A-Za-z]{3}", code.strip()):
        raise InvalidInput(
            f"config file {path}: deals.currency must be a three-letter code",
            hint='e.g. currency = "USD"',
        )
    raw = table.get("stages")
    if raw is None:
        return DEFAULT_DEAL_STAGES, code.strip().upper()
    problem = f"config file {path}: deals.stages must be a list of {{name, probability}} tables"
    if not isinstance(raw, list) or not raw:
        raise InvalidInput(problem, hint=_STAGES_HINT)
    stages: list[DealStage] = []
    for item in raw:
        if not isinstance(item, dict) or set(item) - {"name", "probability"}:
            raise InvalidInput(problem, hint=_STAGES_HINT)
        name, probability = item.get("name"), item.get("probability")
        if not isinstance(name, str) or not re.fullmatch(
            r"[a-z0-9][a-z0-9_-]{0,39}", name.strip().lower()
        ):
            raise InvalidInput(
                f"config file {path}: deals.stages: {name!r} is not a stage name",
                hint="letters, digits, - and _, e.g. demo-booked",
            )
        if (
            isinstance(probability, bool)
            or not isinstance(probability, int)
            or not 0 <= probability <= 100
        ):
            raise InvalidInput(
                f"config file {path}: deals.stages: {name!r} needs a probability from 0 to 100",
                hint='e.g. {name = "proposal", probability = 50}',
            )
        stages.append(DealStage(name.strip().lower(), probability))
    names = [s.name for s in stages]
    if len(set(names)) != len(names):
        raise InvalidInput(
            f"config file {path}: deals.stages names a stage twice", hint=_STAGES_HINT
        )
    missing = [s for s in CLOSED_STAGES if s not in names]
    if missing:
        raise InvalidInput(
            f"config file {path}: deals.stages must include {' and '.join(repr(s) for s in missing)}",
            hint="won and lost are the stages that close a deal",
        )
    if len(names) == len(CLOSED_STAGES):
        raise InvalidInput(
            f"config file {path}: deals.stages needs at least one open stage besides won and lost",
            hint=_STAGES_HINT,
        )
    return tuple(stages), code.strip().upper()


def valid_keep(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_BACKUPS_KEEP


def _backups_keep(table: object, path: Path) -> int:
    """The [backups] table: ``keep``, how many of `db backup`'s files to keep."""
    if not isinstance(table, dict) or set(table) - {"keep"}:
        raise InvalidInput(
            f"config file {path}: [backups] must be a table with keep = N", hint="e.g. keep = 10"
        )
    keep = table.get("keep", DEFAULT_BACKUPS_KEEP)
    if not valid_keep(keep):
        raise InvalidInput(
            f"config file {path}: backups.keep must be a whole number from 0 to {MAX_BACKUPS_KEEP}",
            hint="e.g. keep = 10 (0 keeps every backup)",
        )
    return int(keep)


def _digest_limit(table: object, path: Path) -> int:
    """The [digest] table: ``limit``, how many entries each section of the digest shows
    before "... and N more"."""
    if not isinstance(table, dict) or set(table) - {"limit"}:
        raise InvalidInput(
            f"config file {path}: [digest] must be a table with limit = N", hint="e.g. limit = 20"
        )
    limit = table.get("limit", DEFAULT_DIGEST_LIMIT)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= MAX_DIGEST_LIMIT:
        raise InvalidInput(
            f"config file {path}: digest.limit must be a whole number from 0 to {MAX_DIGEST_LIMIT}",
            hint="e.g. limit = 20 (0 shows every entry)",
        )
    return limit


def _strings(value: object, path: Path, name: str, hint: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise InvalidInput(f"config file {path}: {name} must be a list of strings", hint=hint)
    return tuple(v.strip() for v in value)


def _me_emails(table: object, path: Path) -> tuple[str, ...]:
    """The [me] table: ``emails``, the user's own addresses (what is from them is "out")."""
    hint = 'e.g. emails = ["me@example.org", "me@work.example"]'
    if not isinstance(table, dict) or set(table) - {"emails", "name"}:
        raise InvalidInput(
            f"config file {path}: [me] must be a table with emails = [...]", hint=hint
        )
    emails = _strings(table.get("emails", []), path, "me.emails", hint)
    return tuple(e.casefold() for e in emails)


def _paths(value: object, path: Path, name: str) -> tuple[Path, ...]:
    hint = f'e.g. {name.split(".")[-1]} = ["~/Mail/work"]'
    return tuple(Path(p).expanduser() for p in _strings(value, path, name, hint))


def _capture(table: object, path: Path) -> CaptureSettings:
    """The [capture] table: mail and calendar paths, ignore list, excerpt length, plus
    addresses."""
    known = {"mail", "calendar", "ignore", "excerpt", "plus_addresses"}
    if not isinstance(table, dict) or set(table) - known:
        extra = sorted(set(table) - known) if isinstance(table, dict) else []
        raise InvalidInput(
            f"config file {path}: [capture] must be a table"
            + (f"; unknown keys: {', '.join(extra)}" if extra else ""),
            hint="keys: " + ", ".join(sorted(known)),
        )
    excerpt = table.get("excerpt", DEFAULT_EXCERPT)
    if isinstance(excerpt, bool) or not isinstance(excerpt, int) or not 0 <= excerpt <= MAX_EXCERPT:
        raise InvalidInput(
            f"config file {path}: capture.excerpt must be a whole number from 0 to {MAX_EXCERPT}",
            hint="e.g. excerpt = 280 (0 keeps subjects only)",
        )
    plus = table.get("plus_addresses", True)
    plus_value: bool | tuple[str, ...]
    if isinstance(plus, bool):
        plus_value = plus
    else:
        plus_value = tuple(
            d.casefold().lstrip("@")
            for d in _strings(
                plus, path, "capture.plus_addresses", 'true, false, or domains: ["fastmail.com"]'
            )
        )
    ignore = _strings(
        table.get("ignore", []),
        path,
        "capture.ignore",
        'e.g. ignore = ["news@shop.example", "example.org"]',
    )
    return CaptureSettings(
        mail=_paths(table.get("mail", []), path, "capture.mail"),
        calendar=_paths(table.get("calendar", []), path, "capture.calendar"),
        ignore=tuple(i.casefold() for i in ignore),
        excerpt=excerpt,
        plus_addresses=plus_value,
    )


def weekday_index(value: object) -> int | None:
    """A weekday's name (``monday``, ``mon``, any case) as 0..6, Monday first; None if it
    is not one."""
    if not isinstance(value, str):
        return None
    word = value.strip().lower()
    for index, name in enumerate(WEEKDAY_NAMES):
        if word == name or (len(word) >= 3 and name.startswith(word)):
            return index
    return None


def _week_start(table: object, path: Path) -> int:
    """The [week] table: ``first_day``, the day weeks start on."""
    if not isinstance(table, dict) or set(table) - {"first_day"}:
        raise InvalidInput(
            f"config file {path}: [week] must be a table with first_day = DAY",
            hint='e.g. first_day = "sunday"',
        )
    day = table.get("first_day", WEEKDAY_NAMES[DEFAULT_WEEK_START])
    index = weekday_index(day)
    if index is None:
        raise InvalidInput(
            f"config file {path}: week.first_day must be a day of the week",
            hint='e.g. first_day = "sunday" (monday to sunday)',
        )
    return index


def week_start() -> int:
    """The configured first day of the week (0 Monday .. 6 Sunday); Monday when there is
    no config file."""
    return load_config().week_start


def start_of_week(day: date, first: int) -> date:
    """The first day of the week holding ``day``, weeks starting on ``first`` (0 Monday)."""
    return day - timedelta(days=(day.weekday() - first) % 7)


def _sync(table: object, path: Path) -> SyncConfig:
    """The [sync] table: folders per kind (``contacts = "DIR"`` or a list of them), the
    conflict ``winner``, what a ``deleted`` file does, the vCard ``version``, the
    ``max_delete_percent`` guard, and a ``command`` run around the sync."""
    where = f"config file {path}: sync"
    if not isinstance(table, dict):
        raise InvalidInput(f"config file {path}: [sync] must be a table", hint=_SYNC_HINT)
    folders: dict[str, tuple[str, ...]] = {}
    for key, value in table.items():
        if key in _SYNC_OPTIONS:
            continue
        if not re.fullmatch(r"[a-z][a-z0-9_-]*", key):
            raise InvalidInput(f"{where}.{key} is not a setting", hint=_SYNC_HINT)
        paths = [value] if isinstance(value, str) else value
        if (
            not isinstance(paths, list)
            or not paths
            or not all(isinstance(p, str) and p.strip() for p in paths)
        ):
            raise InvalidInput(
                f"{where}.{key} must be a folder or a list of folders",
                hint=f'e.g. {key} = "~/.contacts/minicrm"',
            )
        folders[key] = tuple(p.strip() for p in paths)

    def choice(name: str, allowed: tuple[str, ...], default: str) -> str:
        value = table.get(name, default)
        if value not in allowed:
            shown = " or ".join(f'"{a}"' for a in allowed)
            raise InvalidInput(f"{where}.{name} must be {shown}", hint=f'e.g. {name} = "{default}"')
        return str(value)

    percent = table.get("max_delete_percent", 50)
    if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100:
        raise InvalidInput(
            f"{where}.max_delete_percent must be a whole number from 0 to 100",
            hint="e.g. max_delete_percent = 50",
        )
    raw = table.get("command", [])
    if isinstance(raw, str):
        import shlex

        try:
            command = shlex.split(raw)
        except ValueError as exc:
            raise InvalidInput(f"{where}.command cannot be read: {exc}") from None
    elif isinstance(raw, list) and all(isinstance(a, str) for a in raw):
        command = list(raw)
    else:
        command = None
    if command is None or (raw and not command):
        raise InvalidInput(
            f"{where}.command must be a command line or a list of its words",
            hint='e.g. command = "vdirsyncer sync"',
        )
    timeout = table.get("command_timeout", DEFAULT_SYNC_COMMAND_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, int) or not 1 <= timeout <= 86_400:
        raise InvalidInput(
            f"{where}.command_timeout must be a whole number of seconds from 1 to 86400",
            hint="e.g. command_timeout = 600",
        )
    return SyncConfig(
        folders=folders,
        winner=choice("winner", SYNC_WINNERS, "minicrm"),
        deleted=choice("deleted", SYNC_DELETED, "delete"),
        version=choice("version", SYNC_VERSIONS, "3.0"),
        max_delete_percent=percent,
        command=tuple(command),
        command_timeout=timeout,
    )
