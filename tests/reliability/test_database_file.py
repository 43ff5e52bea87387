"""The database file under pressure from outside: `db check` while another process holds
the write lock (issue 13.8), a path that is a symlink or a file of another user, and
umask 022 (13.10), concurrent backups and the temporary copies that killed restores and
backups leave behind (13.11). Real processes throughout; every wait is bounded and
synchronised through a pipe, never a sleep."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

import minicrm
from conftest import MINICRM
from minicrm.core.errors import DatabaseBusy, DatabaseError
from minicrm.maintenance import backups
from minicrm.maintenance import check as checking

# Holds BEGIN IMMEDIATE (and has written: a reader's snapshot is then stale) until a line
# arrives on stdin; says "held" once it has the lock.
HOLDER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("PRAGMA user_version = 7")
print("held", flush=True)
sys.stdin.readline()
conn.execute("COMMIT")
conn.close()
"""


def hold_write_lock(db: Path) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline() == "held\n", holder.stderr.read() if holder.stderr else ""
    return holder


def release(holder: subprocess.Popen[str]) -> None:
    assert holder.stdin is not None
    if not holder.stdin.closed:
        holder.stdin.write("go\n")
        holder.stdin.close()


def finish(holder: subprocess.Popen[str]) -> None:
    release(holder)
    holder.wait(timeout=60)
    assert holder.returncode == 0, holder.stderr.read() if holder.stderr else ""
    for stream in (holder.stdout, holder.stderr):
        if stream is not None:
            stream.close()


def minicrm_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MINICRM, *args], env=env, capture_output=True, text=True, timeout=60)


# -- 13.8: a busy database is busy, not damaged ------------------------------------------


def test_db_check_on_a_busy_database_is_busy_not_damaged(cli_env):
    """Another process holds the write lock for longer than the busy timeout: exit 5 and
    the busy line, never "FAIL search_index" and exit 8 with a --repair hint."""
    assert minicrm_cli(cli_env, "add", "Jane Doe").returncode == 0
    db = Path(cli_env["MINICRM_DB"])
    holder = hold_write_lock(db)
    try:
        done = minicrm_cli({**cli_env, "MINICRM_BUSY_TIMEOUT": "0.2"}, "db", "check")
        as_json = minicrm_cli({**cli_env, "MINICRM_BUSY_TIMEOUT": "0.2"}, "db", "check", "--json")
    finally:
        finish(holder)
    assert done.returncode == 5, (done.stdout, done.stderr)
    assert "FAIL" not in done.stdout and "--repair" not in done.stderr
    assert done.stderr == (
        "minicrm: database is busy: another process held its lock for longer than 0.2 s "
        "(try again)\n"
    )
    assert as_json.returncode == 5 and as_json.stdout == ""
    again = minicrm_cli(cli_env, "db", "check")  # the lock is gone: the file was fine
    assert again.returncode == 0, again.stdout + again.stderr


def test_db_check_waits_for_a_writer_like_every_command(db_path):
    """The lock is released while the check is under way (at the moment it asks for it,
    through SQLite's trace hook, so no timing is involved): the check waits, then
    passes, and has seen the other process's write."""
    store = minicrm.open_store(db_path)
    minicrm.add_contact(store, "Jane Doe")
    holder = hold_write_lock(db_path)
    seen: list[str] = []

    def trace(statement: str) -> None:
        seen.append(statement)
        if "BEGIN IMMEDIATE" in statement or "integrity-check" in statement:
            release(holder)  # from now on the holder commits and goes away

    store.conn.set_trace_callback(trace)
    try:
        report = checking.check(store)
    finally:
        store.conn.set_trace_callback(None)
        finish(holder)
    assert report.ok, [c.to_dict() for c in report.failed]
    assert any("integrity-check" in s for s in seen)
    assert store.scalar("PRAGMA user_version") == 7  # the writer went first
    store.close()


def test_a_lock_held_past_the_timeout_is_database_busy_for_the_library(db_path):
    store = minicrm.open_store(db_path, busy_timeout=0.2)
    minicrm.add_contact(store, "Jane Doe")
    holder = hold_write_lock(db_path)
    try:
        try:
            checking.check(store)
        except DatabaseBusy as exc:
            assert "0.2 s" in exc.message
        else:
            raise AssertionError("a busy database was checked as if it were free")
        try:
            checking.repair(store)
        except DatabaseBusy:
            pass
        else:
            raise AssertionError("a busy database was repaired as if it were free")
    finally:
        finish(holder)
    assert checking.check(store).ok
    store.close()


def test_the_busy_timeout_setting_is_checked(cli_env):
    for bad in ("soon", "-1", "nan", "100000"):
        done = minicrm_cli({**cli_env, "MINICRM_BUSY_TIMEOUT": bad}, "ls")
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith("minicrm: MINICRM_BUSY_TIMEOUT ")
        assert done.stderr.count("\n") == 1
    done = minicrm_cli({**cli_env, "MINICRM_BUSY_TIMEOUT": "2.5"}, "ls", "--json")
    assert done.returncode == 0 and json.loads(done.stdout) == []
    conn = sqlite3.connect(cli_env["MINICRM_DB"])
    conn.close()
    assert os.path.exists(cli_env["MINICRM_DB"])


# -- 13.10: the database is private, whatever the path holds ----------------------------


def umask_022() -> None:
    os.umask(0o022)


def under_umask_022(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*MINICRM, *args],
        env=env,
        capture_output=True,
        text=True,
        preexec_fn=umask_022,
        timeout=120,
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def refused(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 6, (done.stdout, done.stderr)
    assert done.stderr.startswith("minicrm: ") and done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    for word in words:
        assert word in done.stderr, done.stderr


def test_a_dangling_symlink_is_refused_not_followed(cli_env, tmp_path):
    """Under umask 022 SQLite would create the link's target 0644: minicrm refuses to
    create its database through a link, and names the target to use instead."""
    target = tmp_path / "elsewhere" / "real.db"
    target.parent.mkdir()
    link = tmp_path / "data" / "minicrm.db"
    link.parent.mkdir()
    link.symlink_to(target)
    env = {**cli_env, "MINICRM_DB": str(link)}
    for args in (["add", "Ann"], ["ls"], ["db", "backup"]):
        refused(under_umask_022(env, *args), "symbolic link", str(target))
    assert not target.exists() and link.is_symlink()
    assert sorted(p.name for p in link.parent.iterdir()) == ["minicrm.db"]
    target.touch(mode=0o600)  # a link to an empty file: creating through it, refused too
    refused(under_umask_022(env, "add", "Ann"), "symbolic link")
    assert target.stat().st_size == 0


def test_a_link_to_an_existing_database_is_used(cli_env, tmp_path):
    real = tmp_path / "real" / "minicrm.db"
    assert under_umask_022({**cli_env, "MINICRM_DB": str(real)}, "add", "Ann").returncode == 0
    link = tmp_path / "link.db"
    link.symlink_to(real)
    done = under_umask_022({**cli_env, "MINICRM_DB": str(link)}, "ls", "--json")
    assert done.returncode == 0, done.stderr
    assert [c["name"] for c in json.loads(done.stdout)] == ["Ann"]
    assert mode(real) == 0o600 and done.stderr == ""


def test_an_empty_file_of_another_user_is_refused(cli_env, tmp_path):
    """An empty 0666 file owned by someone else (here: nobody, a real second user) is not
    adopted; nothing is written to it and no -wal/-shm appears beside it."""
    if os.geteuid() != 0:
        pytest.skip("making a file of another user needs root (see the in-process test)")
    folder = tmp_path / "shared"
    folder.mkdir()
    os.chmod(folder, 0o777)
    trap = folder / "minicrm.db"
    trap.touch()
    os.chmod(trap, 0o666)
    os.chown(trap, 65534, 65534)
    env = {**cli_env, "MINICRM_DB": str(trap)}
    refused(under_umask_022(env, "add", "Ann"), str(trap), "another user")
    assert trap.stat().st_size == 0 and mode(trap) == 0o666 and trap.stat().st_uid == 65534
    assert sorted(p.name for p in folder.iterdir()) == ["minicrm.db"]


def test_another_users_file_is_refused_by_the_library_too(db_path, monkeypatch):
    """The same check without root: this process pretends to be another user."""
    db_path.parent.mkdir(mode=0o700)
    db_path.touch(mode=0o600)
    monkeypatch.setattr(os, "geteuid", lambda: os.getuid() + 4242)
    with pytest.raises(DatabaseError, match="another user"):
        minicrm.open_store(db_path)
    assert db_path.stat().st_size == 0


def test_an_own_loose_file_is_made_private_once(cli_env, tmp_path):
    """An empty 0666 file of ours is adopted and tightened to 0600, said once on stderr;
    its -wal and -shm are then 0600 too. The same for an existing 0644 database."""
    db = tmp_path / "data" / "minicrm.db"
    db.parent.mkdir()
    db.touch()
    os.chmod(db, 0o666)
    env = {**cli_env, "MINICRM_DB": str(db)}
    first = under_umask_022(env, "add", "Ann")
    assert first.returncode == 0, first.stderr
    assert first.stderr == (
        f"minicrm: made the database private: {db} was mode 0666, now 0600\n"
    ), first.stderr
    assert mode(db) == 0o600
    second = under_umask_022(env, "ls")
    assert second.returncode == 0 and second.stderr == ""
    os.chmod(db, 0o644)  # as an older tool or a copy might leave it
    script = (
        "import json, stat, sys\n"
        "from pathlib import Path\n"
        "import minicrm\n"
        "db = Path(sys.argv[1])\n"
        "store = minicrm.open_store(db)\n"
        "minicrm.add_contact(store, 'Bob')\n"
        "modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in db.parent.iterdir()}\n"
        "print(json.dumps({'notices': store.notices, 'modes': modes}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(db)],
        capture_output=True,
        text=True,
        preexec_fn=umask_022,
        timeout=60,
        check=True,
    )
    assert json.loads(done.stdout) == {
        # checked once the database is known to be minicrm's: SQLite had made the -wal
        # and -shm with the database's mode by then; they are tightened with it, but were
        # not the user's files, so the notice names the database only
        "notices": [f"made the database private: {db} was mode 0644, now 0600"],
        "modes": {"minicrm.db": 0o600, "minicrm.db-wal": 0o600, "minicrm.db-shm": 0o600},
    }


def test_every_folder_minicrm_creates_is_private(cli_env, tmp_path):
    """Nested parents of a new data path, the backups folder, the folder of a database a
    restore creates and the work folder of `db check PATH`: all 0700 under umask 022
    (Path.mkdir(parents=True) gives the parents it makes the umask's 0755)."""
    root = tmp_path / "new"
    db = root / "a" / "b" / "minicrm.db"
    env = {**cli_env, "MINICRM_DB": str(db)}
    assert under_umask_022(env, "add", "Ann").returncode == 0
    backup = json.loads(under_umask_022(env, "db", "backup", "--json").stdout)["path"]
    made = [root, root / "a", root / "a" / "b", root / "a" / "b" / "backups"]
    other = tmp_path / "other" / "x" / "y" / "minicrm.db"
    env_other = {**cli_env, "MINICRM_DB": str(other)}
    done = under_umask_022(env_other, "db", "restore", backup, "--yes")
    assert done.returncode == 0, done.stderr
    made += [tmp_path / "other", other.parent.parent, other.parent]
    checked = tmp_path / "checks" / "deep" / "minicrm.db"
    done = under_umask_022({**cli_env, "MINICRM_DB": str(checked)}, "db", "check", backup)
    assert done.returncode == 0, done.stderr
    made += [tmp_path / "checks", checked.parent]
    vdir = tmp_path / "cards" / "deep" / "vdir"
    done = under_umask_022(env, "export", "--format", "vcard", "--vdir", str(vdir))
    assert done.returncode == 0, done.stderr
    made += [tmp_path / "cards", vdir.parent, vdir]
    assert {str(p): oct(mode(p)) for p in made} == {str(p): "0o700" for p in made}
    assert mode(db) == 0o600 and mode(other) == 0o600


def test_a_file_minicrm_refuses_keeps_its_mode(cli_env, tmp_path):
    """Only a database minicrm accepts is made private: a text file, or a database of a
    newer minicrm, is refused untouched, mode included."""
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n")
    os.chmod(text, 0o644)
    refused(under_umask_022({**cli_env, "MINICRM_DB": str(text)}, "ls"), "not a SQLite")
    newer = tmp_path / "newer.db"
    assert under_umask_022({**cli_env, "MINICRM_DB": str(newer)}, "add", "Ann").returncode == 0
    conn = sqlite3.connect(newer)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('minicrm', '9999_from_the_future', '2030-01-01')"
    )
    conn.commit()
    conn.close()
    os.chmod(newer, 0o644)
    refused(under_umask_022({**cli_env, "MINICRM_DB": str(newer)}, "ls"), "newer minicrm")
    assert mode(text) == 0o644 and mode(newer) == 0o644


# -- 13.11: backups under concurrency, and what killed commands leave behind -------------

NAME = re.compile(r"minicrm-\d{8}T\d{6}Z(-\d+)?\.db")

# `minicrm db backup --json` with every module already imported and the clock frozen on
# one second; it starts when a line arrives on stdin, so that all start together.
BACKUP_AT_ONCE = """
import sys
from datetime import UTC, datetime
import minicrm.core.clock
minicrm.core.clock.now = lambda: datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
import minicrm.maintenance.backups, minicrm.db.backup, minicrm.cli.database
from minicrm.cli import main
print("ready", flush=True)
sys.stdin.readline()
sys.argv = ["minicrm", "db", "backup", "--json"]
main()
"""


def test_concurrent_backups_in_one_second_all_get_their_own_name(cli_env):
    """Six real processes back up at the same instant, in the same (frozen) second: each
    succeeds, with its own name of the documented, sortable pattern."""
    assert minicrm_cli(cli_env, "add", "Jane Doe").returncode == 0
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", BACKUP_AT_ONCE],
            env=cli_env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    for proc in procs:  # go, all of them
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.close()
    results = []
    for proc in procs:
        proc.wait(timeout=120)
        assert proc.stdout is not None and proc.stderr is not None
        with proc.stdout, proc.stderr:
            results.append((proc.returncode, proc.stdout.read(), proc.stderr.read()))
    assert [code for code, _, _ in results] == [0] * 6, results
    paths = [Path(json.loads(out)["path"]) for _, out, _ in results]
    assert len(set(paths)) == 6
    assert all(NAME.fullmatch(p.name) and p.parent.name == "backups" for p in paths), paths
    stem = "minicrm-20261122T093000Z"
    assert sorted(p.name for p in paths) == sorted(
        [f"{stem}.db"] + [f"{stem}-{n}.db" for n in range(2, 7)]
    )
    folder = paths[0].parent
    listed = backups.list_backups(folder, "minicrm")
    assert [p.name for p in listed] == [f"{stem}.db"] + [f"{stem}-{n}.db" for n in range(2, 7)]
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in paths)
    for path in paths:
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT display_name FROM contacts").fetchall() == [("Jane Doe",)]
        conn.close()


def test_a_name_taken_while_the_copy_was_written_moves_on_to_the_next(db_path, monkeypatch):
    """The race above, made certain in one process: another backup takes the chosen name
    between choosing it and linking the finished copy to it."""
    from minicrm.db import backup as backup_module

    store = minicrm.open_store(db_path)
    minicrm.add_contact(store, "Jane Doe")
    real = backup_module.copy_into
    taken = []

    def racing(conn, target):
        real(conn, target)
        if not taken:  # the other process wins the name the first time
            name = db_path.parent / "backups" / "minicrm-20261122T093000Z.db"
            real(conn, name)
            taken.append(name)

    monkeypatch.setattr(backup_module, "copy_into", racing)
    result = backups.backup(store)
    assert result.path.name == "minicrm-20261122T093000Z-2.db"
    assert taken and taken[0].exists()
    assert sorted(p.name for p in result.path.parent.iterdir()) == [
        "minicrm-20261122T093000Z-2.db",
        "minicrm-20261122T093000Z.db",
    ]
    store.close()


def read_until(fd: int, wanted: bytes, seconds: float = 60) -> bytes:
    """Read a pseudo-terminal until ``wanted`` appears (bounded: fails after ``seconds``)."""
    seen = b""
    deadline = time.monotonic() + seconds
    while wanted not in seen:
        left = deadline - time.monotonic()
        assert left > 0, f"{wanted!r} did not appear: {seen[-2000:]!r}"
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            assert chunk, f"the terminal closed before {wanted!r}: {seen[-2000:]!r}"
            seen += chunk
    return seen


def killed_restore(env: dict[str, str], backup: Path) -> int:
    """`db restore` on a terminal, SIGKILLed while it asks for confirmation: by then it
    has copied and checked the backup into its temporary file. Returns its pid."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [*MINICRM, "db", "restore", str(backup)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    try:
        read_until(master, b"Replace the database")
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=60) == -signal.SIGKILL
    finally:
        os.close(master)
    return proc.pid


KILLED_COPY = """
import os, signal, sqlite3, sys
from pathlib import Path
from minicrm.db.backup import copy_into, temp_file
folder, name = Path(sys.argv[2]), sys.argv[3]
tmp = temp_file(folder, name)
conn = sqlite3.connect(sys.argv[1])
copy_into(conn, tmp)
Path(f"{tmp}-journal").write_bytes(b"left over")  # as a copy killed mid-way leaves it
print(tmp, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def killed_copy(db: Path, folder: Path, name: str) -> Path:
    """A process killed (SIGKILL) right after writing a temporary copy, the way a backup
    before a migration or a `db backup` killed before its rename leaves one."""
    done = subprocess.run(
        [sys.executable, "-c", KILLED_COPY, str(db), str(folder), name],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    return Path(done.stdout.strip())


def test_temporary_copies_of_killed_commands_are_reported_and_removed(cli_env, tmp_path):
    db = Path(cli_env["MINICRM_DB"])
    for name in ("Jane Doe", "Bob Roe"):
        assert minicrm_cli(cli_env, "add", name).returncode == 0
    backup = Path(json.loads(minicrm_cli(cli_env, "db", "backup", "--json").stdout)["path"])
    pid = killed_restore(cli_env, backup)
    restore_tmp = db.parent / f".minicrm.db.restore.tmp-{pid}-0"
    assert restore_tmp.is_file() and restore_tmp.stat().st_size >= backup.stat().st_size // 2
    migration_tmp = killed_copy(db, db.parent, "minicrm.db.before-0011_next.20261122T093000Z.bak")
    backup_tmp = killed_copy(db, backup.parent, "minicrm-20261122T093000Z-9.db")
    # a temporary copy that a running process is still writing is never touched
    alive = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.readline()"], stdin=subprocess.PIPE
    )
    in_use = db.parent / f".minicrm.db.restore.tmp-{alive.pid}-0"
    in_use.write_bytes(b"being written")
    # nor anything that is not minicrm's own
    foreign = [db.parent / ".other.db.restore.tmp-1-0", backup.parent / "notes.txt"]
    for path in foreign:
        path.write_text("keep me")
    try:
        stale = [
            restore_tmp,
            migration_tmp,
            Path(f"{migration_tmp}-journal"),
            backup_tmp,
            Path(f"{backup_tmp}-journal"),
        ]
        assert all(p.exists() for p in stale)
        report = json.loads(minicrm_cli(cli_env, "db", "check", "--json").stdout)
        (temp,) = [c for c in report["checks"] if c["name"] == "temp_files"]
        assert temp["status"] == "warn" and report["ok"] is True
        assert temp["summary"].startswith("3 temporary copies left by interrupted commands")
        named = "\n".join(temp["details"])
        for path in (restore_tmp, migration_tmp, backup_tmp):
            assert str(path) in named
        assert str(in_use) not in named and ".other.db" not in named
        text = minicrm_cli(cli_env, "db", "check")
        assert text.returncode == 0 and "warn  temp_files: 3 temporary copies" in text.stdout

        done = minicrm_cli(cli_env, "db", "backup")
        assert done.returncode == 0, done.stderr
        assert done.stderr.startswith("minicrm: removed 5 temporary files left by interrupted ")
        assert done.stderr.count("\n") == 1
        assert not any(p.exists() for p in stale)
        assert in_use.exists() and all(p.read_text() == "keep me" for p in foreign)
        after = json.loads(minicrm_cli(cli_env, "db", "check", "--json").stdout)
        assert {c["name"]: c["status"] for c in after["checks"]}["temp_files"] == "ok"
    finally:
        alive.stdin.close()  # type: ignore[union-attr]
        alive.wait(timeout=60)
    # the live one's process has ended: now it is stale too, and a restore removes it
    done = minicrm_cli(cli_env, "db", "restore", str(backup), "--yes")
    assert done.returncode == 0, done.stderr
    assert "removed 1 temporary file left by interrupted" in done.stderr
    assert not in_use.exists()
    assert sorted(p.name for p in db.parent.iterdir() if p.name.startswith(".")) == [
        ".other.db.restore.tmp-1-0"
    ]


def test_a_migration_backup_removes_the_stale_copies_first(cli_env, tmp_path):
    """Opening a database that needs a migration takes a backup, and so removes what
    killed commands left (a pending migration is simulated by forgetting the last one)."""
    db = Path(cli_env["MINICRM_DB"])
    assert minicrm_cli(cli_env, "add", "Jane Doe").returncode == 0
    stale = killed_copy(db, db.parent, "minicrm.db.before-0010_last_interaction.x.bak")
    conn = sqlite3.connect(db)
    # 0010 (not the newest migration since 0014): forgotten, with the column it adds
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0010_last_interaction'")
    conn.execute("ALTER TABLE contacts DROP COLUMN last_interaction_id")
    conn.commit()
    conn.close()
    done = minicrm_cli(cli_env, "ls")
    assert done.returncode == 0, done.stderr
    assert "removed 2 temporary files left by interrupted" in done.stderr
    assert not stale.exists() and not Path(f"{stale}-journal").exists()
    assert len(list(db.parent.glob("minicrm.db.before-*.bak"))) == 1


def test_a_restore_waits_for_a_writer_as_long_as_the_busy_timeout(cli_env):
    """A restore writes under the live database's write lock: while another process holds
    it past the busy timeout, exit 5 with nothing replaced (it used to retry for ever)."""
    assert minicrm_cli(cli_env, "add", "Jane Doe").returncode == 0
    backup = json.loads(minicrm_cli(cli_env, "db", "backup", "--json").stdout)["path"]
    assert minicrm_cli(cli_env, "add", "Bob Roe").returncode == 0
    db = Path(cli_env["MINICRM_DB"])
    holder = hold_write_lock(db)
    try:
        done = minicrm_cli(
            {**cli_env, "MINICRM_BUSY_TIMEOUT": "0.2"}, "db", "restore", backup, "--yes"
        )
    finally:
        finish(holder)
    assert done.returncode == 5, (done.stdout, done.stderr)
    assert done.stderr.endswith(
        "minicrm: database is busy: another process held its lock for longer than 0.2 s "
        "(try again)\n"
    ), done.stderr
    listed = json.loads(minicrm_cli(cli_env, "ls", "--json").stdout)
    assert sorted(c["name"] for c in listed) == ["Bob Roe", "Jane Doe"]  # not replaced
    again = minicrm_cli(cli_env, "db", "restore", backup, "--yes")
    assert again.returncode == 0, again.stderr
    assert [c["name"] for c in json.loads(minicrm_cli(cli_env, "ls", "--json").stdout)] == [
        "Jane Doe"
    ]
