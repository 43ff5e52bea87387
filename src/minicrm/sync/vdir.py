"""A vdir on disk: one item per file, as vdirsyncer's filesystem storage keeps it.

- :func:`listing`: the items of a folder by file name with their etags, from ``stat``
  only (no file is read). The etag is vdirsyncer's, ``f"{st_mtime_ns:.9f};{st_ino}"``
  (the float formatting is part of it: docs/interop.md).
- :func:`write_item` / :func:`delete_item`: atomic writes, a temporary file in the same
  folder (``.minicrm-*.tmp``, which no vdir program lists) flushed and fsynced, then
  renamed over the item, or linked to a new name so that a file another program made
  meanwhile is never overwritten; :func:`sync_folder` fsyncs the folder itself.
- :class:`FolderLock`: one sync of a folder at a time (``flock`` on ``.minicrm-sync.lock``
  inside it; the kernel releases it when the process dies, so a killed sync never
  leaves a stale lock).
- :func:`new_name`: a collision-free file name for a new item, ``UID + ext`` when the UID
  is made of vdirsyncer's safe characters, else a random one.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import uuid
from dataclasses import dataclass
from pathlib import Path

from minicrm.core.errors import DatabaseBusy, InvalidInput, MinicrmError

LOCK_NAME = ".minicrm-sync.lock"
TEMP_PREFIX = ".minicrm-"
TEMP_SUFFIX = ".tmp"
_SAFE_UID = re.compile(r"[A-Za-z0-9_.+-]+")  # vdirsyncer's utils.SAFE_UID_CHARS
MAX_NAME = 200  # bytes; most file systems allow 255


class VdirError(MinicrmError):
    """The folder cannot be read or written."""


def etag_of(st: os.stat_result) -> str:
    """vdirsyncer's etag of a file (utils.get_etag_from_file), byte for byte."""
    return f"{st.st_mtime_ns:.9f};{st.st_ino}"


@dataclass(frozen=True)
class Entry:
    href: str  # the file name
    etag: str


def prepare_folder(path: Path, *, create: bool = True) -> Path:
    """The folder, created 0700 (with its parents) when missing. A path that exists and
    is not a folder is refused."""
    path = Path(os.path.expanduser(str(path)))
    if path.exists() and not path.is_dir():
        raise InvalidInput(f"{path} is not a folder", hint="give the vdir's folder")
    if not path.exists():
        if not create:
            raise InvalidInput(f"{path} does not exist")
        try:
            path.mkdir(mode=0o700, parents=True)
        except OSError as exc:
            raise VdirError(f"cannot create {path}: {exc.strerror}") from exc
    return path


def listing(folder: Path, fileext: str) -> dict[str, Entry]:
    """The items (regular files ending with ``fileext``, not hidden) by file name."""
    found: dict[str, Entry] = {}
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                name = entry.name
                if not name.endswith(fileext) or name.startswith("."):
                    continue
                try:
                    st = entry.stat(follow_symlinks=True)
                except FileNotFoundError:
                    continue  # removed while listing
                if stat.S_ISREG(st.st_mode):
                    found[name] = Entry(name, etag_of(st))
    except OSError as exc:
        raise VdirError(f"cannot list {folder}: {exc.strerror}") from exc
    return found


def read_item(folder: Path, href: str) -> tuple[str, str] | None:
    """(text, etag) of one item, or None when it is gone. The etag is taken from the
    open file, so it belongs to the text read."""
    try:
        with open(folder / href, "rb") as f:
            st = os.fstat(f.fileno())
            data = f.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise VdirError(f"cannot read {folder / href}: {exc.strerror}") from exc
    return data.decode("utf-8", errors="replace"), etag_of(st)


def _temp(folder: Path, data: bytes) -> str:
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def write_item(folder: Path, href: str, text: str, *, replace: bool) -> str:
    """Write one item atomically; returns its new etag. ``replace``: the file is expected
    to exist and is replaced (rename); otherwise it is created (link), and a file that
    appeared under that name meanwhile is left alone (FileExistsError)."""
    target = folder / href
    try:
        tmp = _temp(folder, text.encode("utf-8"))
        try:
            if replace:
                os.replace(tmp, target)
            else:
                os.link(tmp, target)
                os.unlink(tmp)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        return etag_of(os.stat(target))
    except FileExistsError:
        raise
    except OSError as exc:
        raise VdirError(f"cannot write {target}: {exc.strerror}") from exc


def delete_item(folder: Path, href: str) -> None:
    try:
        os.unlink(folder / href)
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise VdirError(f"cannot delete {folder / href}: {exc.strerror}") from exc


def sync_folder(folder: Path) -> None:
    """fsync the folder, so renames and deletions are on disk before the database says so."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def remove_stale_temps(folder: Path) -> int:
    """Remove temporary files a killed sync left (only while holding the lock)."""
    removed = 0
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith(TEMP_PREFIX) and entry.name.endswith(TEMP_SUFFIX):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
                    removed += 1
    return removed


def new_name(uid: str, fileext: str, taken: set[str] | dict[str, object]) -> str:
    """A file name for a new item: ``UID + ext`` when the UID is safe and short and the name
    is free, else a random uuid4 name (as vdirsyncer names items from a server)."""
    if _SAFE_UID.fullmatch(uid) and not uid.startswith(".") and len(uid) <= MAX_NAME:
        name = uid + fileext
        if name not in taken:
            return name
    while True:
        name = f"{uuid.uuid4()}{fileext}"
        if name not in taken:
            return name


class FolderLock:
    """An exclusive, non-blocking lock on a folder for the length of a sync."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / LOCK_NAME
        self.fd: int | None = None

    def __enter__(self) -> FolderLock:
        import fcntl

        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise VdirError(f"cannot create the lock file {self.path}: {exc.strerror}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = ""
            with contextlib.suppress(OSError, ValueError):
                pid = os.pread(fd, 32, 0).decode().strip()
                holder = f" (process {int(pid)})" if pid else ""
            os.close(fd)
            raise DatabaseBusy(
                f"another sync of {self.folder} is running{holder}",
                hint="wait for it to finish and run the sync again",
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self.fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self.fd, 0)
            os.close(self.fd)  # closing releases the flock
            self.fd = None
