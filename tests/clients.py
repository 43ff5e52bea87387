"""Real PIM programs for the sync tests, started by the tests themselves.

- Radicale (CardDAV/CalDAV server) on a free 127.0.0.1 port, its storage in a temporary
  folder, no authentication: every test gets a fresh account (user) on one server per
  session, so tests never see each other's collections (``radicale``); a test that needs a
  server of its own (to stop it, to read its whole log) uses ``radicale_factory``.
- Devices: a "laptop" and "the phone", each with its own vdirs, vdirsyncer config, status
  folder and HOME, paired with the same Radicale collections (``laptop``, ``phone``,
  ``device_factory``). A device also runs khard, todoman and khal on its own vdirs.

Every program is the one installed in this virtual environment by ``pip install
'.[test]'`` (run as ``python -m NAME`` with this interpreter), runs with HOME and the XDG
folders in the test's temporary folder and a minimal environment (UTC, C.UTF-8, no
colour, no editor, no proxy), may only be pointed at 127.0.0.1, and gets a bounded time;
each run returns its exit code, stdout and stderr. A missing program fails the test (it
never skips): the suite's promise is that these tests run in CI.

On a failure the Radicale log lines written during the test are added to the report.

What these programs do with our files is measured in docs/interop.md
(tests/interop/test_facts_*.py keep those facts checked).

Loaded as a plugin by tests/conftest.py (``pytest_plugins = ["clients"]``).
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import importlib.util
import ipaddress
import itertools
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pytest

LOOPBACK = "127.0.0.1"
VDIRSYNCER_TIMEOUT = 300.0  # uploading 1,000 cards took 25-63 s (docs/interop.md)
TOOL_TIMEOUT = 120.0
READY_TIMEOUT = 60.0  # Radicale start-up to ready: 0.14-0.34 s measured
STOP_TIMEOUT = 10.0
ATTEMPTS = 5  # free ports tried before giving up (another process may take one first)

Kind = Literal["carddav", "caldav"]
FILEEXT = {"carddav": ".vcf", "caldav": ".ics"}


# -- running a program ----------------------------------------------------------------------


def module_command(module: str) -> list[str]:
    """``python -m MODULE`` with this interpreter; a missing module fails the test."""
    if importlib.util.find_spec(module) is None:
        pytest.fail(
            f"{module} is not installed in {sys.prefix}: pip install -e '.[test]'",
            pytrace=False,
        )
    return [sys.executable, "-m", module]


def isolated_env(home: Path, *, tz: str = "UTC", **extra: str) -> dict[str, str]:
    """A minimal environment: HOME and every XDG folder inside ``home`` (created), UTC,
    C.UTF-8, no colour, no editor or pager, no proxy, nothing else inherited but PATH."""
    dirs = {
        "XDG_CONFIG_HOME": home / ".config",
        "XDG_DATA_HOME": home / ".local" / "share",
        "XDG_CACHE_HOME": home / ".cache",
        "XDG_STATE_HOME": home / ".local" / "state",
        "XDG_CONFIG_DIRS": home / ".xdg-config-dirs",  # not /etc/xdg
        "XDG_DATA_DIRS": home / ".xdg-data-dirs",
    }
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    env = {name: str(path) for name, path in dirs.items()}
    env.update(
        HOME=str(home),
        PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        TZ=tz,
        LANG="C.UTF-8",
        LC_ALL="C.UTF-8",
        NO_COLOR="1",
        TERM="dumb",
        EDITOR="false",
        VISUAL="false",
        PAGER="cat",
        NO_PROXY=f"{LOOPBACK},localhost",
        no_proxy=f"{LOOPBACK},localhost",
        PYTHONUNBUFFERED="1",
        PYTHONIOENCODING="utf-8",
    )
    env.update(extra)
    return env


@dataclass
class Ran:
    """One finished run of a program."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    def __str__(self) -> str:
        shown = " ".join(self.args[2:] if self.args[:1] == [sys.executable] else self.args)
        return (
            f"$ {shown}\nexit {self.returncode} after {self.seconds:.2f} s\n"
            f"--- stdout ---\n{self.stdout}--- stderr ---\n{self.stderr}"
        )


def run_program(
    args: list[str],
    *,
    env: dict[str, str],
    cwd: Path,
    timeout: float = TOOL_TIMEOUT,
    input: str | None = None,
    check: bool = True,
) -> Ran:
    """Runs a program to its end within ``timeout`` seconds (then its whole process group
    is killed and the test fails). ``check``: a non-zero exit fails the test, with the
    command, its output and its errors in the message."""
    __tracebackhide__ = True
    start = time.monotonic()
    proc = subprocess.Popen(
        args,
        env=env,
        cwd=cwd,
        stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(input, timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        ran = Ran(args, -9, out, err, time.monotonic() - start)
        raise AssertionError(f"did not finish in {timeout:.0f} s, killed\n{ran}") from None
    ran = Ran(args, proc.returncode, out, err, time.monotonic() - start)
    if check and ran.returncode != 0:
        raise AssertionError(f"failed\n{ran}")
    return ran


# -- Radicale -------------------------------------------------------------------------------


STARTED: list[subprocess.Popen[bytes]] = []  # every server process, checked at the end


def free_port() -> int:
    """A port no one listens on right now (the kernel's choice for port 0). Another process
    may take it before Radicale binds it: the caller retries with a new one."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex((LOOPBACK, port)) == 0


class RadicaleServer:
    """Radicale 3 as a subprocess of this interpreter, storage in ``root``, no auth.

    ``hosts`` cannot be ``127.0.0.1:0`` (Radicale's config check refuses port 0), so a free
    port is picked and the start retried on another one when Radicale could not bind it.
    Ready = the process is alive, its log says it listens on our port, and the port
    accepts a connection; polled until a bounded deadline (no fixed sleep).
    """

    def __init__(self, root: Path, **options: dict[str, str]) -> None:
        self.root = root
        self.storage = root / "collections"
        self.config = root / "config"
        self.log_path = root / "radicale.log"
        self.options = options  # {"storage": {"_filesystem_fsync": "False"}, ...}
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.started_in = 0.0  # seconds from spawn to ready

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}/"

    def _write_config(self) -> None:
        sections: dict[str, dict[str, str]] = {
            "server": {"hosts": f"{LOOPBACK}:{self.port}", "delay_on_error": "0"},
            "auth": {"type": "none"},
            "storage": {"filesystem_folder": str(self.storage)},
            "web": {"type": "none"},
            "logging": {"level": "info"},
        }
        for section, values in self.options.items():
            sections.setdefault(section, {}).update(values)
        self.storage = Path(sections["storage"]["filesystem_folder"])
        self.config.write_text(
            "".join(
                f"[{section}]\n" + "".join(f"{k} = {v}\n" for k, v in values.items())
                for section, values in sections.items()
            ),
            encoding="utf-8",
        )

    def start(self, *, attempts: int = ATTEMPTS, ready_timeout: float = READY_TIMEOUT) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        home = self.root / "home"
        problems: list[str] = []
        for _ in range(attempts):
            self.port = free_port()
            self._write_config()
            offset = self.log_size()
            start = time.monotonic()
            with self.log_path.open("ab") as log:
                self.proc = subprocess.Popen(
                    [*module_command("radicale"), "--config", str(self.config)],
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=isolated_env(home),
                    cwd=self.root,
                    start_new_session=True,
                )
            STARTED.append(self.proc)
            listening = f"Listening on '{LOOPBACK}:{self.port}'"
            deadline = start + ready_timeout
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                if listening in self.log_since(offset) and _port_open(self.port):
                    self.started_in = time.monotonic() - start
                    return
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.proc.wait(timeout=0.02)  # the poll interval; returns at once on exit
            code = self.proc.poll()
            self.stop()
            said = self.log_since(offset)
            problems.append(
                f"port {self.port}: " + (f"exit {code}" if code is not None else "not ready")
            )
            if code is None or "Address already in use" not in said:
                break  # not a taken port (a bad config, or no answer in time): no retry helps
        raise AssertionError(
            f"Radicale did not start ({'; '.join(problems)})\n--- log ---\n{self.log()[-4000:]}"
        )

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=STOP_TIMEOUT)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def log_size(self) -> int:
        try:
            return self.log_path.stat().st_size
        except FileNotFoundError:
            return 0

    def log_since(self, offset: int) -> str:
        with self.log_path.open("rb") as f:
            f.seek(offset)
            return f.read().decode("utf-8", "replace")

    def account(self, user: str, password: str = "x") -> RadicaleAccount:
        return RadicaleAccount(self, user, password)


@dataclass
class RadicaleAccount:
    """One user's collections on a Radicale server (``/USER/NAME/``), over HTTP (for
    pre-creating collections, PUT and GET) and on disk (what Radicale stored)."""

    server: RadicaleServer
    user: str
    password: str = "x"

    @property
    def url(self) -> str:
        """The server's root: vdirsyncer finds this user's home from it."""
        return self.server.url

    def collection_path(self, collection: str) -> str:
        return f"/{self.user}/{collection}/"

    def stored(self, collection: str) -> dict[str, str]:
        """The items Radicale keeps for a collection, by file name, as on its disk."""
        folder = self.server.storage / "collection-root" / self.user / collection
        if not folder.is_dir():
            return {}
        return {
            p.name: p.read_bytes().decode("utf-8")
            for p in sorted(folder.iterdir())
            if p.is_file() and not p.name.startswith(".")
        }

    def request(
        self, method: str, path: str, body: str | bytes | None = None, **headers: str
    ) -> tuple[int, dict[str, str], str]:
        """One HTTP request to 127.0.0.1 (status, headers, body). ``path`` is relative to
        the server's root."""
        conn = http.client.HTTPConnection(LOOPBACK, self.server.port, timeout=30)
        token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        sent = {"Authorization": f"Basic {token}"}
        sent.update({k.replace("_", "-"): v for k, v in headers.items()})
        try:
            data = body.encode("utf-8") if isinstance(body, str) else body
            conn.request(method, path, body=data, headers=sent)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            return response.status, dict(response.getheaders()), text
        finally:
            conn.close()

    def seed(self, collection: str, items: dict[str, str]) -> None:
        """Writes items straight into Radicale's storage folder (the collection must
        exist): 1,000 cards in about 0.1 s where PUTting them one by one, as vdirsyncer
        does, takes 20-40 s (docs/interop.md, "Timings"). Radicale reads them at the next
        request (the first, building its cache, takes about 2 s for 1,000). Only while no
        client talks to the server."""
        folder = self.server.storage / "collection-root" / self.user / collection
        if not (folder / ".Radicale.props").is_file():
            raise ValueError(f"no collection {collection!r}: create it first")
        for name, text in items.items():
            if "/" in name or name.startswith("."):
                raise ValueError(f"item name {name!r}")
            (folder / name).write_bytes(text.encode("utf-8"))

    def create_addressbook(self, collection: str) -> None:
        """Extended MKCOL (RFC 5689), what a client does to make an address book."""
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<D:mkcol xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">'
            "<D:set><D:prop><D:resourcetype><D:collection/><C:addressbook/>"
            f"</D:resourcetype><D:displayname>{collection}</D:displayname>"
            "</D:prop></D:set></D:mkcol>"
        )
        status, _, text = self.request(
            "MKCOL", self.collection_path(collection), body, Content_Type="application/xml"
        )
        assert status == 201, f"MKCOL {collection}: {status} {text}"

    def create_calendar(self, collection: str, components: tuple[str, ...] = ("VTODO",)) -> None:
        """MKCALENDAR (RFC 4791) with a supported-calendar-component-set, what a phone
        does to make a task list (VTODO) or a calendar (VEVENT)."""
        comps = "".join(f'<C:comp name="{c}"/>' for c in components)
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
            f"<D:set><D:prop><D:displayname>{collection}</D:displayname>"
            f"<C:supported-calendar-component-set>{comps}</C:supported-calendar-component-set>"
            "</D:prop></D:set></C:mkcalendar>"
        )
        status, _, text = self.request(
            "MKCALENDAR", self.collection_path(collection), body, Content_Type="application/xml"
        )
        assert status == 201, f"MKCALENDAR {collection}: {status} {text}"

    def put(self, collection: str, name: str, text: str) -> tuple[int, dict[str, str], str]:
        ctype = "text/vcard" if name.endswith(".vcf") else "text/calendar"
        return self.request(
            "PUT",
            self.collection_path(collection) + name,
            text,
            Content_Type=f"{ctype}; charset=utf-8",
        )

    def get(self, collection: str, name: str) -> tuple[int, dict[str, str], str]:
        return self.request("GET", self.collection_path(collection) + name)


# -- devices: a vdirsyncer of their own, and khard, todoman and khal on its vdirs -------------


@dataclass
class Pair:
    collection: str
    kind: Kind
    options: dict[str, object] = field(default_factory=dict)


class Device:
    """One machine holding vdirs that vdirsyncer keeps in step with Radicale: the laptop
    (where minicrm runs) or "the phone" (a second vdirsyncer with its own folder on the
    same collections). Everything it has lives under ``root``: ``vdirs/addressbooks/NAME``
    and ``vdirs/calendars/NAME`` (one item per file), ``config/`` (vdirsyncer, khard,
    todoman, khal), ``status/`` (vdirsyncer's status_path), ``home/`` (HOME and XDG).
    minicrm's sync is pointed at ``device.vdir(NAME)``, then ``device.sync()`` carries it.

    Collections are created without a prompt: the pairs say ``implicit = "create"``, so
    ``vdirsyncer discover`` creates a missing one on either side (on Radicale by MKCOL).
    """

    def __init__(self, root: Path, account: RadicaleAccount, name: str, *, tz: str = "UTC"):
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise ValueError(f"device name {name!r}: lowercase letters, digits and _")
        self.name = name
        self.account = account
        self.root = root
        self.vdirs = root / "vdirs"
        self.config_dir = root / "config"
        self.status = root / "status"
        self.home = root / "home"
        for path in (self.vdirs, self.config_dir, self.status, self.home):
            path.mkdir(parents=True, exist_ok=True)
        # todoman caches each task as a timestamp computed under the TZ of the run that
        # read the file: a test that changes TZ needs a new device (or a new cache)
        self.env = isolated_env(self.home, tz=tz)
        self.pairs: dict[str, Pair] = {}
        self._discovered: dict[str, Pair] | None = None
        self.khard_options: dict[str, dict[str, str]] = {}
        self.todo_options: dict[str, object] = {}
        self.khal_options: dict[str, dict[str, str]] = {}
        self.khal_birthdays = False  # khal also reads the contacts vdirs (type = birthdays)

    # vdirsyncer

    @property
    def vdirsyncer_config(self) -> Path:
        return self.config_dir / "vdirsyncer"

    def add(self, collection: str, kind: Kind, **options: object) -> Path:
        """Pairs the local vdir ``vdir(COLLECTION)`` with the Radicale collection of the
        same name; ``options`` go into the pair section (``conflict_resolution = "a
        wins"``, ...; ``a`` is the local side). Returns the vdir."""
        if not re.fullmatch(r"[a-z][a-z0-9_-]*", collection):
            raise ValueError(f"collection name {collection!r}")
        if collection in self.pairs and self.pairs[collection].kind != kind:
            raise ValueError(f"{collection} is already a {self.pairs[collection].kind} pair")
        self.pairs[collection] = Pair(collection, kind, dict(options))
        self.write_vdirsyncer_config()
        self.vdir(collection).mkdir(mode=0o700, parents=True, exist_ok=True)
        return self.vdir(collection)

    def vdir(self, collection: str) -> Path:
        return self._base(self.pairs[collection].kind) / collection

    def _base(self, kind: Kind) -> Path:
        """The filesystem storage's path: address books and calendars apart, as the usual
        ~/.contacts/ and ~/.calendars/ (todoman's glob then matches calendars only)."""
        return self.vdirs / ("addressbooks" if kind == "carddav" else "calendars")

    def pair_name(self, collection: str) -> str:
        return f"{self.name}_{collection}".replace("-", "_")

    def write_vdirsyncer_config(self) -> None:
        url = self.account.url
        host = urllib.parse.urlsplit(url).hostname or ""
        if host != "localhost" and not (
            re.fullmatch(r"[0-9.:]+", host) and ipaddress.ip_address(host).is_loopback
        ):
            raise ValueError(f"only loopback servers: {url}")
        q = json.dumps
        lines = ["[general]", f"status_path = {q(str(self.status) + os.sep)}", ""]
        for pair in self.pairs.values():
            name = self.pair_name(pair.collection)
            lines += [
                f"[pair {name}]",
                f'a = "{name}_local"',
                f'b = "{name}_remote"',
                f"collections = {q([pair.collection])}",
                'implicit = "create"',
                *(f"{key} = {q(value)}" for key, value in pair.options.items()),
                "",
                f"[storage {name}_local]",
                'type = "filesystem"',
                f"path = {q(str(self._base(pair.kind)) + os.sep)}",
                f"fileext = {q(FILEEXT[pair.kind])}",
                "",
                f"[storage {name}_remote]",
                f"type = {q(pair.kind)}",
                f"url = {q(url)}",
                f"username = {q(self.account.user)}",
                f"password = {q(self.account.password)}",
                "",
            ]
        self.vdirsyncer_config.write_text("\n".join(lines), encoding="utf-8")

    def vdirsyncer(
        self, *args: str, timeout: float = VDIRSYNCER_TIMEOUT, check: bool = True
    ) -> Ran:
        __tracebackhide__ = True
        return run_program(
            [*module_command("vdirsyncer"), "-c", str(self.vdirsyncer_config), *args],
            env=self.env,
            cwd=self.home,
            timeout=timeout,
            check=check,
        )

    def discover(self, check: bool = True) -> Ran:
        """``vdirsyncer discover`` for every pair, stdin closed (it must not prompt)."""
        ran = self.vdirsyncer("discover", check=check)
        if ran.returncode == 0:
            self._discovered = {
                k: Pair(v.collection, v.kind, dict(v.options)) for k, v in self.pairs.items()
            }
        return ran

    def sync(self, *collections: str, check: bool = True, force_delete: bool = False) -> Ran:
        """``vdirsyncer sync`` of the named collections (all when none), discovering first
        when the pairs changed since the last discover."""
        if not self.pairs:
            raise ValueError(f"{self.name} has no pair: call add() first")
        if self._discovered != self.pairs:
            self.discover()
        args = ["sync", *(["--force-delete"] if force_delete else [])]
        args += [self.pair_name(c) for c in collections]
        return self.vdirsyncer(*args, check=check)

    # the vdirs

    def items(self, collection: str) -> dict[str, str]:
        """The items of a local vdir, by file name (vdirsyncer's own temp files excluded)."""
        folder = self.vdir(collection)
        ext = FILEEXT[self.pairs[collection].kind]
        if not folder.is_dir():
            return {}
        return {
            p.name: p.read_bytes().decode("utf-8")
            for p in sorted(folder.iterdir())
            if p.is_file() and p.name.endswith(ext) and not p.name.startswith(".")
        }

    def write_item(self, collection: str, name: str, text: str) -> Path:
        """Writes one item into a vdir the way vdir programs do (temp file in the same
        folder, then rename); returns its path."""
        folder = self.vdir(collection)
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode("utf-8"))
        target = folder / name
        os.replace(tmp, target)
        return target

    # khard

    @property
    def khard_config(self) -> Path:
        return self.config_dir / "khard.conf"

    def write_khard_config(self) -> None:
        sections: dict[str, dict[str, str]] = {
            "general": {"editor": "false", "merge_editor": "false", "default_action": "list"},
            "contact table": {"show_uids": "yes", "localize_dates": "no"},
            "vcard": {"preferred_version": "3.0"},
        }
        for section, values in self.khard_options.items():
            sections.setdefault(section, {}).update(values)
        books = [
            f"[[{p.collection}]]\npath = {self.vdir(p.collection)}"
            for p in self.pairs.values()
            if p.kind == "carddav"
        ]
        if not books:
            raise ValueError(f"{self.name} has no contacts collection for khard")
        text = "[addressbooks]\n" + "\n".join(books) + "\n"
        for section, values in sections.items():
            text += f"[{section}]\n" + "".join(f"{k} = {v}\n" for k, v in values.items())
        self.khard_config.write_text(text, encoding="utf-8")

    def khard(
        self,
        *args: str,
        input: str | None = None,
        check: bool = True,
        timeout: float = TOOL_TIMEOUT,
    ) -> Ran:
        __tracebackhide__ = True
        self.write_khard_config()
        return run_program(
            [*module_command("khard"), "-c", str(self.khard_config), *args],
            env=self.env,
            cwd=self.home,
            input=input,
            check=check,
            timeout=timeout,
        )

    # todoman

    @property
    def todo_config(self) -> Path:
        return self.config_dir / "todoman.py"

    def write_todo_config(self) -> None:
        lists = [p.collection for p in self.pairs.values() if p.kind == "caldav"]
        if not lists:
            raise ValueError(f"{self.name} has no calendar collection for todoman")
        options: dict[str, object] = {
            "path": str(self._base("caldav") / "*"),  # a glob: every calendar is a list
            "cache_path": str(self.home / ".cache" / "todoman" / "cache.sqlite3"),
            "date_format": "%Y-%m-%d",
            "time_format": "%H:%M",
            "color": "never",
            "humanize": False,
            "default_list": lists[0],
            "default_due": 0,
        }
        options.update(self.todo_options)
        self.todo_config.write_text(
            "".join(f"{k} = {v!r}\n" for k, v in options.items()), encoding="utf-8"
        )

    def todo(
        self,
        *args: str,
        input: str | None = None,
        check: bool = True,
        timeout: float = TOOL_TIMEOUT,
    ) -> Ran:
        """todoman (``todo``); ``todo("--porcelain", "list")`` gives JSON."""
        __tracebackhide__ = True
        self.write_todo_config()
        return run_program(
            [*module_command("todoman"), "--config", str(self.todo_config), *args],
            env=self.env,
            cwd=self.home,
            input=input,
            check=check,
            timeout=timeout,
        )

    # khal

    @property
    def khal_config(self) -> Path:
        return self.config_dir / "khal.conf"

    def write_khal_config(self) -> None:
        kinds = {"caldav": "calendar", "carddav": "birthdays" if self.khal_birthdays else None}
        cals = {p.collection: kinds[p.kind] for p in self.pairs.values() if kinds[p.kind]}
        if not cals:
            raise ValueError(f"{self.name} has no calendar collection for khal")
        sections: dict[str, dict[str, str]] = {
            "locale": {
                "timeformat": "%H:%M",
                "dateformat": "%Y-%m-%d",
                "longdateformat": "%Y-%m-%d",
                "datetimeformat": "%Y-%m-%d %H:%M",
                "longdatetimeformat": "%Y-%m-%d %H:%M",
                "firstweekday": "0",
            },
            "default": {"default_calendar": next(iter(cals))},
            "sqlite": {"path": str(self.home / ".local" / "share" / "khal" / "khal.db")},
        }
        for section, values in self.khal_options.items():
            sections.setdefault(section, {}).update(values)
        text = "[calendars]\n" + "".join(
            f"[[{c}]]\npath = {self.vdir(c)}\ntype = {kind}\n" for c, kind in cals.items()
        )
        for section, values in sections.items():
            text += f"[{section}]\n" + "".join(f"{k} = {v}\n" for k, v in values.items())
        self.khal_config.write_text(text, encoding="utf-8")

    def khal(self, *args: str, check: bool = True, timeout: float = TOOL_TIMEOUT) -> Ran:
        __tracebackhide__ = True
        self.write_khal_config()
        return run_program(
            [*module_command("khal"), "-c", str(self.khal_config), *args],
            env=self.env,
            cwd=self.home,
            check=check,
            timeout=timeout,
        )


# -- items ------------------------------------------------------------------------------------


def crlf(*lines: str) -> str:
    return "".join(line + "\r\n" for line in lines)


def vcard(uid: str, fn: str, *lines: str, version: str = "3.0") -> str:
    """A vCard as one item of a vdir: ``lines`` are content lines after UID and FN."""
    return crlf("BEGIN:VCARD", f"VERSION:{version}", f"UID:{uid}", f"FN:{fn}", *lines, "END:VCARD")


def vcalendar(component: str, uid: str, *lines: str) -> str:
    return crlf(
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//minicrm tests//EN",
        f"BEGIN:{component}",
        f"UID:{uid}",
        "DTSTAMP:20261101T120000Z",
        *lines,
        f"END:{component}",
        "END:VCALENDAR",
    )


def vtodo(uid: str, summary: str, *lines: str) -> str:
    return vcalendar("VTODO", uid, f"SUMMARY:{summary}", *lines)


def vevent(uid: str, summary: str, *lines: str) -> str:
    return vcalendar("VEVENT", uid, f"SUMMARY:{summary}", *lines)


# -- fixtures -------------------------------------------------------------------------------

_LOGS = pytest.StashKey[list[tuple[str, Callable[[], str]]]]()
_accounts = itertools.count(1)


def _show_on_failure(node: pytest.Item, title: str, text: Callable[[], str]) -> None:
    node.stash.setdefault(_LOGS, []).append((title, text))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    report = yield
    if report.failed:
        for title, text in item.stash.get(_LOGS, []):
            with contextlib.suppress(OSError):
                report.sections.append((f"Captured {title}", text()[-20_000:]))
    return report


def pytest_sessionfinish(session: pytest.Session) -> None:
    """No server outlives the tests: one still running now is killed and fails the run."""
    left = [p for p in STARTED if p.poll() is None]
    for proc in left:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=STOP_TIMEOUT)
    if left:
        pids = ", ".join(str(p.pid) for p in left)
        session.config.get_terminal_writer().line(
            f"Radicale left running (killed): {pids}", red=True
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def radicale_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RadicaleServer]:
    """One Radicale for the whole session (tests use separate accounts on it)."""
    server = RadicaleServer(tmp_path_factory.mktemp("radicale"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def radicale(radicale_server: RadicaleServer, request: pytest.FixtureRequest) -> RadicaleAccount:
    """A fresh account (user, so empty collections) on the session's Radicale. The log
    lines written during the test are shown if it fails."""
    if not radicale_server.running:
        raise AssertionError(f"Radicale died\n{radicale_server.log()[-4000:]}")
    user = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower())[:40].strip("-")
    offset = radicale_server.log_size()
    _show_on_failure(request.node, "radicale log", lambda: radicale_server.log_since(offset))
    return radicale_server.account(f"{user}-{next(_accounts)}")


@pytest.fixture
def radicale_factory(
    tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[..., RadicaleServer]]:
    """Starts servers of this test's own (``radicale_factory()``); all are stopped after
    it, and their logs shown if it fails."""
    servers: list[RadicaleServer] = []

    def make(**options: dict[str, str]) -> RadicaleServer:
        server = RadicaleServer(tmp_path / f"radicale-{len(servers) + 1}", **options)
        servers.append(server)
        _show_on_failure(request.node, f"radicale-{len(servers)} log", server.log)
        server.start()
        return server

    try:
        yield make
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
def device_factory(tmp_path: Path, radicale: RadicaleAccount) -> Callable[..., Device]:
    """``device_factory("laptop")``: a device on this test's Radicale account."""

    def make(name: str, account: RadicaleAccount | None = None, tz: str = "UTC") -> Device:
        return Device(tmp_path / name, account or radicale, name, tz=tz)

    return make


@pytest.fixture
def laptop(device_factory: Callable[..., Device]) -> Device:
    return device_factory("laptop")


@pytest.fixture
def phone(device_factory: Callable[..., Device]) -> Device:
    """The phone: a second vdirsyncer with its own folder, on the same collections."""
    return device_factory("phone")


def minicrm_sync(run: Callable[..., Ran], laptop: Device, *args: str, kind: str) -> dict:
    """`minicrm sync KIND` with the laptop's vdir for KIND (--json), then the laptop's
    vdirsyncer (push); the report."""
    report = json.loads(run("sync", kind, str(laptop.vdir(kind)), "--json", *args).stdout)
    laptop.sync()
    return report


def round_trip(run: Callable[..., Ran], laptop: Device, phone: Device, *, kind: str) -> dict:
    """Phone pushes, laptop pulls, minicrm syncs KIND, laptop pushes, phone pulls."""
    phone.sync()
    laptop.sync()
    report = minicrm_sync(run, laptop, kind=kind)
    phone.sync()
    return report
