"""Hooks (issue 19.10): executables in hooks/ beside the config file, one per event, the
records as JSON lines on stdin, a timeout, and a failing hook never undoing or blocking
the command."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from minicrm.hooks import service as hooks


@pytest.fixture
def hook_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("MINICRM_NO_HOOKS", raising=False)
    folder = tmp_path / "hooks"  # MINICRM_CONFIG is tmp_path / "config.toml"
    folder.mkdir()
    return folder


def write_hook(folder: Path, event: str, body: str, *, executable: bool = True) -> Path:
    path = folder / event
    path.write_text("#!/bin/sh\n" + body)
    if executable:
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def recording(folder: Path, event: str) -> Path:
    """A hook that appends its stdin and environment to a file; returns the file."""
    out = folder.parent / f"{event}.out"
    write_hook(folder, event, f'cat >> "{out}"\necho "EVENT=$MINICRM_EVENT" >> "{out}"\n')
    return out


def records(out: Path) -> list[dict]:
    return [json.loads(line) for line in out.read_text().splitlines() if line.startswith("{")]


def test_the_hooks_folder_is_beside_the_config_file(tmp_path):
    assert hooks.hooks_dir() == tmp_path / "hooks"


def test_on_add_gets_the_new_contact_as_json(run, hook_dir):
    out = recording(hook_dir, "on-add")
    run("add", "Jane Doe", "--email", "jane@acme.io", "--tag", "vip")
    [jane] = records(out)
    assert jane["name"] == "Jane Doe" and jane["emails"][0]["value"] == "jane@acme.io"
    assert jane["tags"] == ["vip"]
    assert "EVENT=on-add" in out.read_text()


def test_an_import_fires_on_add_once_with_a_line_per_contact(run, hook_dir, tmp_path):
    out = recording(hook_dir, "on-add")
    csv = tmp_path / "people.csv"
    csv.write_text("name,email\nAda Lovelace,ada@x.io\nAlan Turing,alan@x.io\n")
    run("import", str(csv))
    assert sorted(r["name"] for r in records(out)) == ["Ada Lovelace", "Alan Turing"]
    assert out.read_text().count("EVENT=on-add") == 1


def test_on_change_on_log_on_done_on_deal(run, hook_dir):
    outs = {e: recording(hook_dir, e) for e in ("on-add", "on-change", "on-log", "on-done")}
    outs["on-deal"] = recording(hook_dir, "on-deal")
    run("add", "Jane Doe")
    run("tag", "jane", "board")
    run("edit", "jane", "--title", "CTO")
    run("log", "jane", "call", "Talked pricing")
    run("follow", "jane", "Send the deck")
    run("done", "1")
    run("deal", "add", "jane", "Website", "--value", "1200")
    run("deal", "won", "1")
    changed = records(outs["on-change"])
    assert [c["tags"] for c in changed] == [["board"], ["board"]]
    assert changed[-1]["title"] == "CTO"
    assert [r["body"] for r in records(outs["on-log"])] == ["Talked pricing"]
    [done] = records(outs["on-done"])
    assert done["title"] == "Send the deck" and done["status"] == "done"
    deals = records(outs["on-deal"])
    assert [d["stage"] for d in deals] == ["lead", "won"]
    assert len(records(outs["on-add"])) == 1  # the edits are not additions


def test_reading_commands_and_undo_fire_nothing(run, hook_dir):
    out = recording(hook_dir, "on-change")
    run("add", "Jane Doe", "--title", "CEO")
    run("show", "jane")
    run("ls")
    assert not out.exists()
    run("edit", "jane", "--title", "CTO")
    run("undo")
    assert len(records(out)) == 1


def test_a_failing_hook_is_reported_and_the_command_stands(run, hook_dir):
    write_hook(hook_dir, "on-add", "cat >/dev/null; exit 3\n")
    result = run("add", "Jane Doe")
    assert result.stdout.startswith("Added #1")
    assert "hook on-add" in result.stderr and "exited with code 3" in result.stderr
    assert run.json("show", "1")["name"] == "Jane Doe"


def test_a_hook_that_is_not_executable_is_named(run, hook_dir):
    write_hook(hook_dir, "on-add", "exit 0\n", executable=False)
    result = run("add", "Jane Doe")
    assert "is not executable" in result.stderr and "chmod +x" in result.stderr


def test_a_hook_that_hangs_is_stopped_after_the_timeout(run, hook_dir, monkeypatch):
    monkeypatch.setenv("MINICRM_HOOK_TIMEOUT", "0.5")
    write_hook(hook_dir, "on-add", "exec sleep 30\n")
    result = run("add", "Jane Doe")
    assert "took longer than 0.5s and was stopped" in result.stderr
    assert run.json("show", "1")["name"] == "Jane Doe"


def test_a_hook_that_reads_nothing_is_fine(run, hook_dir):
    write_hook(hook_dir, "on-add", "exit 0\n")
    big = "x" * 90_000
    result = run("add", "Jane Doe", "--notes", big)
    assert result.stderr == ""


def test_no_hooks_turns_them_off(run, hook_dir, monkeypatch):
    out = recording(hook_dir, "on-add")
    monkeypatch.setenv("MINICRM_NO_HOOKS", "1")
    run("add", "Jane Doe")
    assert not out.exists()


def test_fire_is_the_api_for_other_events(hook_dir):
    out = recording(hook_dir, "on-sync")
    assert hooks.fire("on-sync", {"collection": "contacts", "pulled": 2}) == []
    assert hooks.fire("on-capture", {"ignored": True}) == []  # no hook: nothing runs
    assert records(out) == [{"collection": "contacts", "pulled": 2}]
    with pytest.raises(ValueError, match="unknown hook event"):
        hooks.fire("on-nothing", {})


def test_in_the_real_process_hook_output_goes_to_stderr(hook_dir, cli_env, tmp_path):
    write_hook(hook_dir, "on-add", 'cat >/dev/null; echo "hello from the hook"\n')
    env = {**cli_env, "MINICRM_CONFIG": str(tmp_path / "config.toml")}
    env.pop("MINICRM_NO_HOOKS", None)
    done = subprocess.run(
        [sys.executable, "-m", "minicrm", "add", "Jane Doe", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["name"] == "Jane Doe"  # stdout stays JSON
    assert "hello from the hook" in done.stderr


def readme_hook(name: str) -> str:
    """The example hook `hooks/NAME` of README.md."""
    import re

    text = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    heading = text.index(f"(`hooks/{name}`")
    return re.search(r"```sh\n(.*?)```", text[heading:], re.S)[1]  # type: ignore[index]


def test_the_readme_examples_work(run, hook_dir, tmp_path, monkeypatch):
    import shutil

    if shutil.which("jq") is None:
        pytest.skip("jq is not installed")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    said = tmp_path / "notified"
    write_hook(bin_dir, "notify-send", f'echo "$2" >> "{said}"\n')
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in ("on-done", "on-deal"):
        path = hook_dir / name
        path.write_text(readme_hook(name))
        path.chmod(0o755)
    run("add", "Jane Doe")
    run("follow", "jane", "Send the deck")
    run("done", "1")
    run("deal", "add", "jane", "Website", "--value", "1200")
    run("deal", "won", "1")
    run("deal", "edit", "1", "--title", "Website v2")  # still won: not written again
    assert said.read_text() == "Done: Send the deck (Jane Doe)\n"
    [line] = (tmp_path / "deals-won.tsv").read_text().splitlines()
    assert line.split("\t") == ["1", "2026-11-22", "Website", "Jane Doe", "1200.00", "EUR"]
