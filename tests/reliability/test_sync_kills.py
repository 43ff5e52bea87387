"""A sync killed (SIGKILL) at random points converges on the next run: nothing lost,
nothing duplicated, no temporary file left, and the run after that changes nothing.

Each try: 240 contacts synced with a folder, then edits on both sides (titles changed
in minicrm and in the files, files deleted, new files, contacts deleted), a sync killed
somewhere inside, a rerun, and the checks. CI: 3 tries; `pytest --soak`: 12.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from conftest import MINICRM

CONTACTS = 240


def _sync(env: dict[str, str], folder: Path) -> dict:
    done = subprocess.run(
        [*MINICRM, "sync", "contacts", str(folder), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _setup(env: dict[str, str], tmp: Path) -> tuple[Path, Path]:
    source = tmp / "people.csv"
    rows = ["Name,E-mail,Title"] + [f"Person {i},p{i}@kill.example,T{i}" for i in range(CONTACTS)]
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    subprocess.run([*MINICRM, "import", str(source)], env=env, check=True, capture_output=True)
    folder = tmp / "vdir"
    _sync(env, folder)
    return Path(env["MINICRM_DB"]), folder


def _uid(text: str) -> str:
    match = re.search(r"^UID:(.*?)\r?$", text, re.M)
    assert match
    return match.group(1)


def _edit_both_sides(env: dict[str, str], folder: Path, rng: random.Random) -> dict[str, str]:
    """Changes on both sides; returns the title each changed person must end with."""
    files = sorted(folder.glob("*.vcf"))
    want: dict[str, str] = {}
    picks = rng.sample(range(len(files)), 60)
    local, remote, gone = picks[:20], picks[20:40], picks[40:50]
    conn = sqlite3.connect(env["MINICRM_DB"])
    names = {}
    for i in local + remote + gone:
        text = files[i].read_text(encoding="utf-8")
        names[i] = re.search(r"^FN:(.*?)\r?$", text, re.M).group(1)  # type: ignore[union-attr]
    conn.close()
    script = []
    for i in local:
        script.append(("edit", names[i], "--title", f"local {i}"))
        want[names[i]] = f"local {i}"
    for args in script:
        subprocess.run([*MINICRM, *args], env=env, check=True, capture_output=True)
    for i in remote:
        text = files[i].read_text(encoding="utf-8")
        files[i].write_text(re.sub(r"TITLE:[^\r\n]*", f"TITLE:remote {i}", text), encoding="utf-8")
        want[names[i]] = f"remote {i}"
    for i in gone:
        files[i].unlink()
        want[names[i]] = "<gone>"
    for n in range(5):
        (folder / f"new-{n}.vcf").write_text(
            f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:new-{n}\r\nFN:New {n}\r\nTITLE:fresh\r\nEND:VCARD\r\n",
            encoding="utf-8",
        )
        want[f"New {n}"] = "fresh"
    return want


def _check(env: dict[str, str], folder: Path, want: dict[str, str]) -> None:
    conn = sqlite3.connect(env["MINICRM_DB"])
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = conn.execute("SELECT uid, display_name, title FROM contacts").fetchall()
    finally:
        conn.close()
    titles = {name: title for _uid, name, title in rows}
    for name, title in want.items():
        if title == "<gone>":
            assert name not in titles
        else:
            assert titles.get(name) == title, name
    texts = [p.read_text(encoding="utf-8") for p in folder.glob("*.vcf")]
    uids = [_uid(t) for t in texts]
    assert len(uids) == len(set(uids))  # nothing duplicated
    assert sorted(uids) == sorted(uid for uid, _n, _t in rows)  # one file per contact
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]
    for text in texts:
        name = re.search(r"^FN:(.*?)\r?$", text, re.M).group(1)  # type: ignore[union-attr]
        title = re.search(r"^TITLE:(.*?)\r?$", text, re.M)
        assert title and title.group(1) == titles[name]


def test_a_sync_killed_anywhere_converges_on_the_next_run(cli_env, tmp_path, soak):
    tries = 12 if soak else 3
    rng = random.Random(20261202)
    # how long a sync of such changes takes, to aim the kills inside it
    probe = tmp_path / "probe"
    probe.mkdir()
    probe_env = {**cli_env, "MINICRM_DB": str(probe / "p.db")}
    _db, folder = _setup(probe_env, probe)
    _edit_both_sides(probe_env, folder, rng)
    start = time.monotonic()
    _sync(probe_env, folder)
    whole = time.monotonic() - start
    killed_inside = 0
    for attempt in range(tries):
        here = tmp_path / f"try{attempt}"
        here.mkdir()
        env = {**cli_env, "MINICRM_DB": str(here / "m.db")}
        _db, folder = _setup(env, here)
        want = _edit_both_sides(env, folder, rng)
        process = subprocess.Popen(
            [*MINICRM, "sync", "contacts", str(folder)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.0, whole * 1.1))
        process.send_signal(signal.SIGKILL)
        code = process.wait(timeout=60)
        killed_inside += code == -signal.SIGKILL
        report = _sync(env, folder)
        assert report["problems"] == []
        _check(env, folder, want)
        again = _sync(env, folder)
        assert again["changes"] == [] and again["files_read"] == 0
        shutil.rmtree(here)
    assert killed_inside >= 1  # at least one kill landed before the end


class _Killed(BaseException):
    """Stands for SIGKILL in-process: nothing after it runs, the transaction rolls back."""


def test_a_sync_stopped_after_any_file_write_converges(run, tmp_path, monkeypatch):
    """The window a random kill rarely hits, hit on purpose: files written (0, 1, 7, 30
    of them), the database change not committed."""
    from minicrm.sync import vdir

    source = tmp_path / "people.csv"
    rows = ["Name,E-mail,Title"] + [f"Person {i},p{i}@stop.example,T{i}" for i in range(40)]
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    run("import", str(source))
    folder = tmp_path / "vdir"
    real_write = vdir.write_item
    for stop_after in (0, 1, 7, 30):
        count = {"n": 0}

        def write(*args, count=count, stop_after=stop_after, **kwargs):
            if count["n"] >= stop_after:
                raise _Killed
            count["n"] += 1
            return real_write(*args, **kwargs)

        monkeypatch.setattr(vdir, "write_item", write)
        for n in range(0, 40, 3):  # local edits since the last sync
            run("edit", f"Person {n}", "--title", f"v{stop_after}-{n}")
        with contextlib.suppress(_Killed):
            run("sync", "contacts", str(folder), code=None)
        monkeypatch.setattr(vdir, "write_item", real_write)
        report = json.loads(run("sync", "contacts", str(folder), "--json").stdout)
        assert report["problems"] == [] and report["conflicts"] == []
        again = json.loads(run("sync", "contacts", str(folder), "--json").stdout)
        assert again["changes"] == []
        texts = [p.read_text(encoding="utf-8") for p in folder.glob("*.vcf")]
        assert len(texts) == 40 and len({_uid(t) for t in texts}) == 40
        if stop_after:
            assert sum(f"TITLE:v{stop_after}-" in t for t in texts) == 14
