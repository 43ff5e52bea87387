"""Disk full: a file-size limit (RLIMIT_FSIZE, with SIGXFSZ ignored so that writes fail
with EFBIG as on a full disk) makes an import and an export run out of space part-way.
Each must fail with one clear line, leave the data as it was and leave no stray file.
"""

from __future__ import annotations

import csv
import resource
import signal
import sqlite3
import subprocess
from pathlib import Path

from conftest import MINICRM


def _limited(max_bytes: int):
    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))

    return limit


def _run(env, *args, limit: int | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*MINICRM, *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limited(limit) if limit else None,
    )


def _counts(db: Path) -> tuple[str, int, int]:
    conn = sqlite3.connect(db)
    try:
        return (
            conn.execute("PRAGMA integrity_check").fetchone()[0],
            conn.execute("SELECT count(*) FROM contacts").fetchone()[0],
            conn.execute("SELECT count(*) FROM history").fetchone()[0],
        )
    finally:
        conn.close()


def _big_csv(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Name", "E-mail", "Notes"])
        for i in range(rows):
            writer.writerow([f"Person {i}", f"p{i}@full.example", "x" * 200])


def test_an_import_that_fills_the_disk_writes_nothing(cli_env, tmp_path):
    db = Path(cli_env["MINICRM_DB"])
    assert _run(cli_env, "add", "Already Here").returncode == 0
    before = _counts(db)
    files_before = sorted(p.name for p in db.parent.iterdir())
    source = tmp_path / "big.csv"
    _big_csv(source, 5_000)

    result = _run(cli_env, "import", str(source), limit=db.stat().st_size + 256 * 1024)

    assert result.returncode == 6, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("minicrm: cannot write the database:")
    assert "full" in lines[0] and lines[0].endswith(
        "nothing was written (free some disk space and run the command again)"
    )
    assert "Traceback" not in result.stderr
    assert _counts(db) == before
    assert sorted(p.name for p in db.parent.iterdir()) == files_before
    # and with room again, the same import goes through
    assert _run(cli_env, "import", str(source)).returncode == 0
    assert _counts(db)[1] == before[1] + 5_000


def test_an_export_that_fills_the_disk_leaves_no_file(cli_env, tmp_path):
    db = Path(cli_env["MINICRM_DB"])
    source = tmp_path / "big.csv"
    _big_csv(source, 2_000)
    assert _run(cli_env, "import", str(source)).returncode == 0
    out = tmp_path / "out"
    out.mkdir()
    for fmt in ("csv", "json", "vcard"):
        target = out / f"all.{fmt}"
        result = _run(cli_env, "export", "-f", fmt, "-o", str(target), limit=64 * 1024)
        assert result.returncode == 1, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("minicrm: "), result.stderr
        assert "Traceback" not in result.stderr
        assert list(out.iterdir()) == []  # no partial file, no temporary file
    assert _counts(db)[0] == "ok"
