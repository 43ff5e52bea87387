"""Closed and failing standard streams: a command run with stdin, stdout or stderr closed
(`<&-`, `>&-`, `2>&-`, as cron jobs and daemons sometimes do), or whose output fills the
disk, ends with one clear line or quietly, with a documented exit code: never an
internal error, and never a message written to stdout in place of stderr."""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path

from conftest import MINICRM

PROGRAM = " ".join(shlex.quote(a) for a in MINICRM)


def _sh(env: dict[str, str], script: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``script`` through sh, with ``minicrm`` standing for the installed program."""
    return subprocess.run(
        ["sh", "-c", script.replace("minicrm", PROGRAM)],
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_closed_stdin_is_bad_input_not_an_internal_error(cli_env, tmp_path):
    done = _sh(cli_env, "minicrm import - <&-", tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("minicrm: standard input is closed (")
    assert "internal error" not in done.stderr and len(done.stderr.splitlines()) == 1


def test_a_closed_stdout_ends_quietly(cli_env, tmp_path):
    assert _sh(cli_env, "minicrm add Ann", tmp_path).returncode == 0
    done = _sh(cli_env, "minicrm ls >&-", tmp_path)
    assert (done.returncode, done.stderr) == (141, "")
    # the output is left unwritten, the command's work is done: `add` still adds
    done = _sh(cli_env, "minicrm add Bob >&-", tmp_path)
    assert done.returncode in (0, 141) and "internal error" not in done.stderr
    listed = _sh(cli_env, "minicrm ls --json", tmp_path)
    assert [c["name"] for c in json.loads(listed.stdout)] == ["Ann", "Bob"]


def test_with_stderr_closed_messages_never_go_to_stdout(cli_env, tmp_path):
    out = tmp_path / "out.txt"
    done = _sh(cli_env, f"minicrm show nobody --json 2>&- > {out}", tmp_path)
    assert done.returncode == 3
    assert out.read_text() == ""
    # a note on stderr beside real output: the output alone reaches stdout
    _sh(cli_env, "minicrm add Jane --email jane@acme.io", tmp_path)
    done = _sh(cli_env, f"minicrm add 'Jane Two' --email jane@acme.io 2>&- > {out}", tmp_path)
    assert done.returncode == 0
    assert "note" not in out.read_text() and "jane@acme.io" not in out.read_text()


def test_stdout_named_through_a_link_is_written_into(cli_env, tmp_path):
    """`-o /dev/stdout` (here a link in /tmp to /proc/self/fd/1, the same thing) writes
    into the open stream, even when it is a file: it is never renamed over."""
    _sh(cli_env, "minicrm add Ann", tmp_path)
    (tmp_path / "to-stdout").symlink_to("/proc/self/fd/1")
    out = tmp_path / "out.json"
    out.write_text("")
    inode = out.stat().st_ino
    done = _sh(cli_env, f"minicrm export -o {tmp_path / 'to-stdout'} >> {out}", tmp_path)
    assert done.returncode == 0, done.stderr
    assert out.stat().st_ino == inode
    assert json.loads(out.read_text())["tables"]["contacts"][0]["display_name"] == "Ann"


def test_no_space_left_while_writing_stdout_is_one_line(cli_env, tmp_path):
    """ENOSPC itself, simulated: a stdout whose write fails as on a full disk."""
    _sh(cli_env, "minicrm add Ann", tmp_path)
    script = (
        "import errno, io, sys\n"
        "class Full(io.TextIOWrapper):\n"
        "    def write(self, text):\n"
        "        raise OSError(errno.ENOSPC, 'No space left on device')\n"
        "sys.stdout = Full(sys.stdout.detach(), encoding='utf-8')\n"
        "sys.argv = ['minicrm', 'ls', '--format', 'csv']\n"
        "from minicrm.__main__ import main\n"
        "main()\n"
    )
    done = subprocess.run(
        [MINICRM[0], "-c", script],
        env=cli_env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr == (
        "minicrm: cannot write the output: No space left on device (free some disk space)\n"
    )
