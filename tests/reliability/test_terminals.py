"""Pipes and terminals: `minicrm ls | head -1` ends quietly; TERM=dumb, COLUMNS=20 and
NO_COLOR give readable output on a real pseudo-terminal; no HOME (and no data folder yet)
works or fails with one clear line."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import MINICRM
from reliability.test_hostile import run_in_one_pty

ANSI = re.compile(rb"\x1b")
COLOUR = re.compile(rb"\x1b\[(?:[0-9;]*;)?(?:3[0-9]|4[0-9]|9[0-7]|10[0-7])(?:;[0-9;]*)?m")


@pytest.fixture(scope="module")
def many_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with 2,500 contacts (~200 KB of `ls` output: more than a pipe holds),
    written through the library once per module."""
    import minicrm

    path = tmp_path_factory.mktemp("many") / "minicrm.db"
    store = minicrm.open_store(path)
    try:
        with store.transaction():
            for i in range(2_500):
                minicrm.add_contact(
                    store,
                    f"Person {i:04d}",
                    minicrm.ContactChanges(add={"emails": [f"p{i}@example.com"]}),
                )
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        store.close()
    return path


@pytest.fixture
def many(many_template: Path, cli_env: dict[str, str]) -> dict[str, str]:
    db = Path(cli_env["MINICRM_DB"])
    db.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    shutil.copyfile(many_template, db)
    db.chmod(0o600)  # as minicrm made it (a 0644 copy would be made private, and said so)
    return cli_env


@pytest.mark.parametrize(
    "command",
    [
        "ls",
        "ls --format csv",
        "export --format vcard",
        "search Person",
    ],
)
def test_a_closed_pipe_ends_quietly(many, command):
    program = " ".join(shlex.quote(a) for a in MINICRM)
    done = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {program} {command} | head -1"],
        env=many,
        capture_output=True,
        timeout=60,
    )
    assert done.stderr == b"", done.stderr.decode()[-2000:]
    assert len(done.stdout.splitlines()) == 1
    # exit 0 (all written before head quit) or 141 (SIGPIPE, as `cat` would): never 1
    assert done.returncode in (0, 141)


@pytest.fixture
def small(cli_env: dict[str, str]) -> dict[str, str]:
    import minicrm
    from minicrm.activity import followups

    store = minicrm.open_store(cli_env["MINICRM_DB"])
    try:
        minicrm.add_contact(
            store,
            "Ann Lee",
            minicrm.ContactChanges(
                add={"emails": ["ann.lee@a-rather-long-domain.example"]},
                add_tags=["vip"],
                fields={"company": "Acme Widgets"},
            ),
        )
        minicrm.add_contact(store, "Bo Li")
        followups.add_followup(store, "Ann Lee", "Send the proposal", due="2026-11-20")
    finally:
        store.close()
    return cli_env


COMMANDS = [
    ["ls"],
    ["show", "Ann Lee"],
    ["due", "--on", "2026-11-22"],
    ["agenda", "--on", "2026-11-22"],
    ["company", "ls"],
    ["--help"],
    ["ls", "--help"],
]


@pytest.mark.parametrize(
    "settings",
    [
        {"TERM": "dumb", "COLUMNS": "80"},
        {"TERM": "xterm-256color", "COLUMNS": "20"},
        {"TERM": "xterm-256color", "COLUMNS": "120", "NO_COLOR": "1"},
        {"TERM": "xterm-256color", "COLUMNS": "120"},  # the reference: colour allowed
    ],
    ids=["TERM=dumb", "COLUMNS=20", "NO_COLOR", "colour"],
)
def test_readable_on_odd_terminals(small, settings):
    env = {k: v for k, v in small.items() if k not in ("NO_COLOR", "TERM", "COLUMNS")}
    env.update(settings)
    results = run_in_one_pty(COMMANDS, env)  # one process, one terminal, each command
    for argv, (code, screen) in zip(COMMANDS, results, strict=True):
        text = screen.decode("utf-8", "replace")
        assert code == 0, (argv, text)
        assert "Traceback" not in text
        if argv[0] != "--help" and argv[-1] != "--help":
            flat = re.sub(r"\s+", "", re.sub(r"\x1b\[[0-9;]*m", "", text))
            wanted = "AcmeWidgets" if argv[0] == "company" else "AnnLee"
            assert wanted in flat, (argv, text)  # wrapped maybe, but there
        if settings.get("TERM") == "dumb":  # nothing it would print as garbage
            assert not ANSI.search(screen), (argv, screen[:300])
        if settings.get("NO_COLOR"):  # no colour (bold is allowed: no-color.org)
            assert not COLOUR.search(screen), (argv, screen[:300])
        if settings["COLUMNS"] == "20":
            widest = max(len(line) for line in re.sub(r"\x1b\[[0-9;]*m", "", text).splitlines())
            assert widest <= 20 or argv[-1] == "--help", (argv, text)
    if settings.get("COLUMNS") == "120" and not settings.get("NO_COLOR"):
        assert any(ANSI.search(s) for _, s in results)  # the checks above can fail


def _without_home(env: dict[str, str]) -> dict[str, str]:
    return {
        k: v for k, v in env.items() if k != "HOME" and not k.startswith(("XDG_", "MINICRM_DB"))
    }


# Runs minicrm as a user with no home: HOME unset and no entry in the user database (a
# container started with --user 1234), so "~" cannot be expanded at all.
NO_HOME = r"""
import pwd, sys
def no_entry(uid):
    raise KeyError(uid)
pwd.getpwuid = no_entry
from minicrm.cli import main
sys.argv = ["minicrm", *sys.argv[1:]]
main()
"""


@pytest.mark.parametrize("args", [["ls"], ["add", "Ann"], ["db", "path"], ["due"]])
def test_no_home_at_all_is_one_clear_line(cli_env, tmp_path, args):
    env = _without_home(cli_env)
    env.pop("MINICRM_CONFIG")
    done = subprocess.run(
        [sys.executable, "-c", NO_HOME, *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 6, done.stderr
    assert done.stderr.startswith("minicrm: ") and done.stderr.count("\n") == 1, done.stderr
    assert "MINICRM_DB" in done.stderr and "internal error" not in done.stderr
    assert list(tmp_path.iterdir()) == []  # no "~" folder made in the current one


def test_no_home_but_minicrm_db_works(cli_env, tmp_path):
    env = _without_home(cli_env)
    env.pop("MINICRM_CONFIG")
    env["MINICRM_DB"] = str(tmp_path / "db" / "minicrm.db")
    for args in (["add", "Ann"], ["deal", "add", "Ann", "Deal"], ["ls"]):
        done = subprocess.run(
            [sys.executable, "-c", NO_HOME, *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
    assert "Ann" in done.stdout


def test_home_unset_uses_xdg_and_creates_a_private_folder(cli_env, tmp_path):
    env = _without_home(cli_env)
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg" / "data")
    done = subprocess.run(
        [*MINICRM, "add", "Ann"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "xdg" / "data" / "minicrm"
    assert (folder / "minicrm.db").is_file()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "minicrm.db").stat().st_mode) == 0o600
    done = subprocess.run([*MINICRM, "db", "path"], env=env, capture_output=True, text=True)
    assert done.stdout.strip() == str(folder / "minicrm.db")


def test_home_unset_falls_back_to_the_user_database(cli_env):
    """HOME unset alone: the home folder comes from the user database; `db path` says
    where, without creating anything. Compared with the passwd entry, not with this
    process's "~", which is $HOME and may be another folder (a sandbox, a CI runner)."""
    import pwd

    env = _without_home(cli_env)
    done = subprocess.run([*MINICRM, "db", "path"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    path = Path(done.stdout.strip())
    assert path.is_absolute() and path.name == "minicrm.db"
    home = Path(pwd.getpwuid(os.getuid()).pw_dir)
    assert path.is_relative_to(home), (path, home)
