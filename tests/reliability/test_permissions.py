"""Under `umask 022` (files 0644, folders 0755 by default) everything minicrm writes is
private: the database and its -wal/-shm 0600, the data folder 0700, exports 0600 (a vdir
0700), the backup taken before a migration 0600."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import MINICRM

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def umask_022() -> None:
    os.umask(0o022)


def minicrm(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [*MINICRM, *args],
        env=env,
        capture_output=True,
        text=True,
        preexec_fn=umask_022,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture
def nested(tmp_path: Path, cli_env: dict[str, str]) -> dict[str, str]:
    """A database in folders that do not exist yet."""
    cli_env["MINICRM_DB"] = str(tmp_path / "home" / "share" / "minicrm" / "minicrm.db")
    return cli_env


def test_the_umask_really_is_022(tmp_path):
    """The check below would be empty if this machine's umask were already strict."""
    probe = tmp_path / "probe"
    subprocess.run(["touch", str(probe)], preexec_fn=umask_022, check=True)
    assert mode(probe) == 0o644


def test_database_wal_shm_and_folder_while_in_use(nested):
    """The library opens the database the way the CLI does; while it is open the -wal and
    -shm files exist, and their modes are read then."""
    script = """
import json, os, stat, sys
from pathlib import Path
import minicrm
db = Path(os.environ["MINICRM_DB"])
store = minicrm.open_store(db)
minicrm.add_contact(store, "Ann Example")
store.query("SELECT count(*) FROM contacts")
modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in db.parent.iterdir()}
modes["<folder>"] = stat.S_IMODE(db.parent.stat().st_mode)
store.close()
print(json.dumps(modes))
"""
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=nested,
        capture_output=True,
        text=True,
        preexec_fn=umask_022,
        timeout=60,
        check=True,
    )
    modes = json.loads(done.stdout)
    assert modes == {
        "minicrm.db": 0o600,
        "minicrm.db-wal": 0o600,
        "minicrm.db-shm": 0o600,
        "<folder>": 0o700,
    }


def test_cli_creates_private_files_and_exports(nested, tmp_path):
    db = Path(nested["MINICRM_DB"])
    minicrm(nested, "add", "Ann Example", "-e", "ann@example.com")
    assert mode(db) == 0o600
    assert mode(db.parent) == 0o700
    for extra in ("-wal", "-shm"):  # left behind only while in use
        companion = Path(f"{db}{extra}")
        if companion.exists():
            assert mode(companion) == 0o600

    out = tmp_path / "out"
    out.mkdir()
    for fmt in ("json", "csv", "ics"):
        target = out / f"export.{fmt}"
        minicrm(nested, "export", "--format", fmt, "-o", str(target))
        assert mode(target) == 0o600, fmt
    vdir = out / "new" / "vdir"
    minicrm(nested, "export", "--format", "vcard", "--vdir", str(vdir))
    assert mode(vdir) == 0o700
    cards = list(vdir.iterdir())
    assert len(cards) == 1 and mode(cards[0]) == 0o600
    # writing over an existing, more open file leaves it private too
    loose = out / "loose.csv"
    loose.write_text("old")
    os.chmod(loose, 0o644)
    minicrm(nested, "export", "--format", "csv", "-o", str(loose))
    assert mode(loose) == 0o600


def test_migration_backup_is_private(cli_env, tmp_path):
    db = tmp_path / "old" / "minicrm.db"
    db.parent.mkdir(mode=0o755)
    shutil.copyfile(FIXTURES / "schema-0001_initial.db", db)
    os.chmod(db, 0o644)  # as an older tool might have left it
    cli_env["MINICRM_DB"] = str(db)
    minicrm(cli_env, "ls")
    backups = list(db.parent.glob("minicrm.db.before-*.bak"))
    assert len(backups) == 1
    assert mode(backups[0]) == 0o600
