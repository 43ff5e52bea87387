"""The settings of the config file, for ``minicrm config``: what each is, its value and
where the value comes from (the file, the environment, or the default), and changing one
in the file without touching the rest of it (comments, order, other tables).

Every value is checked by the same code that reads the file (:func:`load_config`) before
the file is replaced, and the file is replaced atomically with its mode kept (0600 for a
new one: it may hold an SMTP password).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from minicrm.core import config as cfg
from minicrm.core.errors import InvalidInput, MinicrmError, NotFound


@dataclass(frozen=True)
class Key:
    name: str  # table.key
    kind: str  # text, integer, weekday, currency, list, stages, secret
    help: str
    env: str | None = None  # an environment variable that wins over the file


KEYS: tuple[Key, ...] = (
    Key("contacts.stages", "list", "contact stages, in order (comma-separated to set)"),
    Key("deals.currency", "currency", "the default currency of new deals (ISO 4217)"),
    Key(
        "deals.stages",
        "stages",
        "the deal pipeline: name:probability, in order, with won:100 and lost:0",
    ),
    Key("week.first_day", "weekday", "the day weeks start on (eow, stats, activity --week)"),
    Key("backups.keep", "integer", "how many `db backup` files to keep (0: all)"),
    Key("digest.limit", "integer", "entries per digest section (0: all)"),
    Key("smtp.host", "text", "the SMTP server of `digest --send-to`", "MINICRM_SMTP_HOST"),
    Key("smtp.port", "integer", "its port (default: 587, or 465 for ssl)", "MINICRM_SMTP_PORT"),
    Key("smtp.security", "text", "starttls, ssl or none", "MINICRM_SMTP_SECURITY"),
    Key("smtp.user", "text", "the SMTP login", "MINICRM_SMTP_USER"),
    Key("smtp.password", "secret", "the SMTP password (never shown)", "MINICRM_SMTP_PASSWORD"),
    Key("smtp.from", "text", "the digest's sender address", "MINICRM_SMTP_FROM"),
    Key("me.emails", "strings", "your own addresses: mail from them is out (capture mail)"),
    Key("capture.mail", "strings", "what `capture` alone reads: Maildirs, mbox, .eml"),
    Key("capture.calendar", "strings", "what `capture` alone reads: .ics files, vdirs"),
    Key("capture.ignore", "strings", "addresses and domains whose mail is never logged"),
    Key("capture.excerpt", "integer", "characters of a message's text kept (0: subjects)"),
    Key(
        "capture.plus_addresses",
        "flag_or_strings",
        "jane+x@ is jane@: true, false, or the domains where it is",
    ),
    Key("sync.contacts", "folders", "the vdir(s) `sync` syncs the contacts with"),
    Key("sync.command", "command", "run before and after `sync` (vdirsyncer sync)"),
    Key("sync.command_timeout", "integer", "seconds the command may take (1-86400)"),
    Key("sync.winner", "text", "a field changed on both sides: minicrm or vdir"),
    Key("sync.deleted", "text", "a file deleted in the folder: delete or archive"),
    Key("sync.version", "text", "the vCard version written: 3.0 or 4.0"),
    Key("sync.max_delete_percent", "integer", "refuse a sync deleting more of the items"),
)
# The defaults of the settings shown as the file holds them (paths not expanded,
# addresses as written): not every one has a default (capture.mail: none).
_RAW_DEFAULTS: dict[str, Any] = {
    "capture.excerpt": cfg.DEFAULT_EXCERPT,
    "capture.plus_addresses": True,
    "sync.command_timeout": cfg.DEFAULT_SYNC_COMMAND_TIMEOUT,
    "sync.winner": cfg.SYNC_WINNERS[0],
    "sync.deleted": cfg.SYNC_DELETED[0],
    "sync.version": cfg.SYNC_VERSIONS[0],
    "sync.max_delete_percent": 50,
}
BY_NAME = {k.name: k for k in KEYS}
HIDDEN = "(set, not shown)"


@dataclass(frozen=True)
class Setting:
    key: str
    value: Any  # as the file holds it (a list for the stages); None when not set
    source: str  # file, environment or default
    help: str

    @property
    def text(self) -> str:
        return show(self.key, self.value)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "value": self.text if self.value is not None else None,
            "source": self.source,
            "help": self.help,
        }


@dataclass(frozen=True)
class Settings:
    path: Path | None
    exists: bool
    items: tuple[Setting, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path) if self.path else None,
            "exists": self.exists,
            "settings": [s.to_dict() for s in self.items],
        }


def show(key: str, value: Any) -> str:
    """A value as ``config`` prints it (and as ``config set`` takes it)."""
    if value is None:
        return ""
    kind = BY_NAME[key].kind
    if kind == "secret":
        return HIDDEN
    if kind == "list":
        return ", ".join(value)
    if kind == "stages":
        return ", ".join(f"{s.name}:{s.probability}" for s in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):  # as TOML writes it
        return "[" + ", ".join(_toml_string(str(v)) for v in value) + "]"
    return str(value)


def _defaults() -> dict[str, Any]:
    return {
        "contacts.stages": list(cfg.DEFAULT_CONTACT_STAGES),
        "deals.currency": cfg.DEFAULT_CURRENCY,
        "deals.stages": list(cfg.DEFAULT_DEAL_STAGES),
        "week.first_day": cfg.WEEKDAY_NAMES[cfg.DEFAULT_WEEK_START],
        "backups.keep": cfg.DEFAULT_BACKUPS_KEEP,
        "digest.limit": cfg.DEFAULT_DIGEST_LIMIT,
    }


def _path() -> Path | None:
    from minicrm.core.paths import config_path  # lazy: start-up

    return config_path()


def _read(path: Path | None) -> dict[str, Any]:
    """The file's tables (validated as minicrm reads them); {} without a file."""
    if path is None or not path.exists():
        return {}
    cfg.load_config(path)  # the same checks and messages as every other command
    import tomllib

    return tomllib.loads(path.read_text(encoding="utf-8"))


def _lookup(data: dict[str, Any], key: str) -> Any:
    table, _, name = key.partition(".")
    section = data.get(table)
    return section.get(name) if isinstance(section, dict) else None


def settings() -> Settings:
    """Every setting with its value and where it comes from."""
    path = _path()
    data = _read(path)
    loaded = cfg.load_config(path) if path is not None and path.exists() else cfg.Config()
    values: dict[str, Any] = {
        "contacts.stages": list(loaded.contact_stages),
        "deals.currency": loaded.deal_currency,
        "deals.stages": list(loaded.deal_stages),
        "week.first_day": cfg.WEEKDAY_NAMES[loaded.week_start],
        "backups.keep": loaded.backups_keep,
        "digest.limit": loaded.digest_limit,
    }
    items = []
    for key in KEYS:
        value: Any
        env = os.environ.get(key.env) if key.env else None
        in_file = _lookup(data, key.name)
        if env:
            value, source = env, "environment"
        elif in_file is not None:
            value, source = values.get(key.name, in_file), "file"
        elif key.name in values:
            value, source = values[key.name], "default"
        elif key.name in _RAW_DEFAULTS:
            value, source = _RAW_DEFAULTS[key.name], "default"
        else:
            value, source = None, "default"
        items.append(Setting(key.name, value, source, key.help))
    return Settings(path, bool(path and path.exists()), tuple(items))


def get(key: str) -> Setting:
    name = _key(key)
    return next(s for s in settings().items if s.key == name)


def _key(key: str) -> str:
    name = key.strip().lower()
    if name not in BY_NAME:
        raise NotFound(f"no setting {key!r}", hint="one of " + ", ".join(k.name for k in KEYS))
    return name


# -- writing ---------------------------------------------------------------------------


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def parse_value(key: str, text: str) -> tuple[Any, str]:
    """What ``config set KEY TEXT`` stores: the value, and its TOML text."""
    kind = BY_NAME[key].kind
    raw = text.strip()
    if kind == "integer":
        if not re.fullmatch(r"[0-9]{1,9}", raw):
            raise InvalidInput(f"{key} must be a whole number, not {text!r}", hint="e.g. 20")
        return int(raw), str(int(raw))
    if kind == "currency":
        from minicrm.core import money  # lazy: start-up

        code = money.currency(raw)
        return code, _toml_string(code)
    if kind == "weekday":
        index = cfg.weekday_index(raw)
        if index is None:
            raise InvalidInput(
                f"{key} must be a day of the week, not {text!r}", hint="monday to sunday"
            )
        name = cfg.WEEKDAY_NAMES[index]
        return name, _toml_string(name)
    if kind == "list":
        names = [n.strip().lower() for n in raw.split(",") if n.strip()]
        if not names:
            raise InvalidInput(f"{key} needs at least one name", hint="e.g. lead, customer")
        return names, "[" + ", ".join(_toml_string(n) for n in names) + "]"
    if kind == "stages":
        stages = []
        for part in (p.strip() for p in raw.split(",") if p.strip()):
            m = re.fullmatch(r"([^:\s]+)\s*:\s*([0-9]{1,3})", part)
            if not m:
                raise InvalidInput(
                    f"not a stage and probability: {part!r}",
                    hint="e.g. lead:10, proposal:50, won:100, lost:0",
                )
            stages.append((m[1].lower(), int(m[2])))
        body = ", ".join(f"{{name = {_toml_string(n)}, probability = {p}}}" for n, p in stages)
        return stages, f"[{body}]"
    if kind == "flag_or_strings" and raw.lower() in ("true", "false"):
        return raw.lower() == "true", raw.lower()
    if kind in ("strings", "folders", "flag_or_strings") or (
        kind == "command" and raw.startswith("[")
    ):
        values = _strings(key, raw)
        if kind == "folders" and len(values) == 1:
            return values[0], _toml_string(values[0])
        return values, "[" + ", ".join(_toml_string(v) for v in values) + "]"
    if not raw:
        raise InvalidInput(f"{key} cannot be empty", hint=f"`minicrm config unset {key}`")
    return raw, _toml_string(raw)


def _strings(key: str, raw: str) -> list[str]:
    """A list of strings as ``config set`` takes it: TOML (``["~/Mail", "~/Archive"]``)
    or comma-separated (``~/Mail, ~/Archive``)."""
    example = f'e.g. {key} \'["a", "b"]\' or "a, b"'
    if raw.startswith("["):
        import tomllib

        try:
            values = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            values = None
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise InvalidInput(f"{key}: not a list of strings: {raw!r}", hint=example)
    else:
        values = raw.split(",")
    names = [v.strip() for v in values if v.strip()]
    if not names:
        raise InvalidInput(
            f"{key} needs at least one value", hint=f"{example}; or `minicrm config unset {key}`"
        )
    return names


def set_value(key: str, text: str) -> Setting:
    """Write ``key = text`` into the config file (created if missing)."""
    name = _key(key)
    _, toml_text = parse_value(name, text)
    _write(name, toml_text)
    return get(name)


def unset(key: str) -> Setting:
    """Remove ``key`` from the file: the default (or the environment) applies again."""
    name = _key(key)
    _write(name, None)
    return get(name)


_HEADER = re.compile(r"^\s*\[\s*([A-Za-z0-9_-]+)\s*\]\s*(#.*)?$")
_ANY_HEADER = re.compile(r"^\s*\[")


def _value_end(lines: list[str], start: int) -> int:
    """The index after the last line of the value that starts on ``lines[start]`` (an
    array or inline table may span lines: brackets are counted outside strings)."""
    depth = 0
    index = start
    while index < len(lines):
        text = lines[index] if index > start else lines[index].split("=", 1)[1]
        quote: str | None = None
        escaped = False
        for ch in text:
            if quote:
                if escaped:
                    escaped = False
                elif ch == "\\" and quote == '"':
                    escaped = True
                elif ch == quote:
                    quote = None
            elif ch in "\"'":
                quote = ch
            elif ch == "#":
                break
            elif ch in "[{":
                depth += 1
            elif ch in "]}":
                depth -= 1
        index += 1
        if depth <= 0:
            return index
    return index


def edited(text: str, key: str, value: str | None) -> str:
    """``text`` (a TOML document) with ``table.name = value`` set, or removed when
    ``value`` is None; every other line kept as it was."""
    table, _, name = key.partition(".")
    lines = text.splitlines()
    start = next(
        (i for i, line in enumerate(lines) if (m := _HEADER.match(line)) and m[1] == table),
        None,
    )
    if start is None:
        if value is None:
            return text
        head = text if not text or text.endswith("\n") else text + "\n"
        gap = "\n" if head.strip() else ""
        return f"{head}{gap}[{table}]\n{name} = {value}\n"
    end = next((i for i in range(start + 1, len(lines)) if _ANY_HEADER.match(lines[i])), len(lines))
    key_line = re.compile(rf"^\s*(\"?){re.escape(name)}\1\s*=")
    for i in range(start + 1, end):
        if key_line.match(lines[i]):
            stop = _value_end(lines, i)
            lines[i:stop] = [] if value is None else [f"{name} = {value}"]
            break
    else:
        if value is None:
            return text
        last = start
        for i in range(start + 1, end):
            if lines[i].strip():
                last = i
        lines.insert(last + 1, f"{name} = {value}")
    return "\n".join(lines) + "\n"


def _write(key: str, value: str | None) -> None:
    import tomllib

    path = _path()
    if path is None:
        raise InvalidInput(
            "there is no config file to write (no home folder)", hint="set MINICRM_CONFIG"
        )
    before = _read(path)  # refuses a file that is not valid now: nothing is changed
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    new_text = edited(text, key, value)
    try:
        after = tomllib.loads(new_text)
    except tomllib.TOMLDecodeError:
        after = None
    expected = json.loads(json.dumps(before))
    table, _, name = key.partition(".")
    if value is None:
        if isinstance(expected.get(table), dict):
            expected[table].pop(name, None)
    else:
        expected.setdefault(table, {})[name] = tomllib.loads(f"v = {value}")["v"]
    if after != expected:  # a layout this editor does not know (dotted keys, inline tables)
        raise InvalidInput(
            f"cannot change {key} in {path} without rewriting other lines",
            hint="edit the file by hand",
        )
    cfg.parse_config(new_text.encode("utf-8"), path)  # checked as every command reads it
    from minicrm.core.paths import make_private_dirs  # lazy: start-up

    make_private_dirs(path.parent)
    # A symlinked config (a dotfiles manager's) is followed: its target is replaced, in
    # the target's folder, and the link stays a link.
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    mode = (target.stat().st_mode & 0o777) if target.exists() else 0o600
    temp = target.parent / f".{target.name}.{os.getpid()}.tmp"
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except OSError as exc:  # a link to a missing folder, a read-only folder
        raise MinicrmError(f"cannot write the config file {target}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(new_text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)  # the umask does not narrow the mode the file had
        os.replace(temp, target)
    finally:
        if temp.exists():
            temp.unlink()
