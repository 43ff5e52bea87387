"""Kills: an import killed (SIGKILL) or interrupted (SIGINT) at random points. Every time
the database must pass integrity_check and hold none or all of the import; SIGINT must
end with a clean one-line message and exit code 130.

CI size: a 3,000-row file, 3 kills and 3 interrupts. `pytest --soak`: 200,000 rows,
10 of each (docs/reliability.md).
"""

from __future__ import annotations

import csv
import json
import random
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from conftest import MINICRM


def _write_csv(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Name", "E-mail", "Phone", "Company", "Tags", "Notes"])
        for i in range(rows):
            writer.writerow(
                [
                    f"Person {i}",
                    f"p{i}@kill.example",
                    f"+1 555 {i:07d}",
                    f"Co {i % 97}",
                    "a,b" if i % 3 else "",
                    "note" if i % 5 == 0 else "",
                ]
            )


def _state(db: Path) -> tuple[str, int]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0], conn.execute(
            "SELECT count(*) FROM contacts"
        ).fetchone()[0]
    finally:
        conn.close()


def test_an_import_killed_or_interrupted_anywhere_is_all_or_nothing(cli_env, tmp_path, soak):
    rows, tries = (200_000, 10) if soak else (3_000, 3)
    source = tmp_path / "big.csv"
    _write_csv(source, rows)
    db = Path(cli_env["MINICRM_DB"])
    baseline = subprocess.run([*MINICRM, "add", "Already Here"], env=cli_env, capture_output=True)
    assert baseline.returncode == 0
    # How long a whole import takes, to aim the signals inside it (on a copy).
    probe_env = {**cli_env, "MINICRM_DB": str(tmp_path / "probe.db")}
    start = time.monotonic()
    subprocess.run(
        [*MINICRM, "import", str(source)], env=probe_env, check=True, capture_output=True
    )
    whole = time.monotonic() - start

    rng = random.Random(20261122)
    outcomes = {"killed": {"none": 0, "all": 0}, "interrupted": {"none": 0, "all": 0}}
    for sig, label in [(signal.SIGKILL, "killed")] * tries + [
        (signal.SIGINT, "interrupted")
    ] * tries:
        process = subprocess.Popen(
            [*MINICRM, "import", str(source)],
            env=cli_env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # SIGINT once Python runs minicrm's code (before that, no program can catch it)
        time.sleep(rng.uniform(0.15 if sig == signal.SIGINT else 0.0, whole * 1.1))
        process.send_signal(sig)
        out, err = process.communicate(timeout=300)
        integrity, count = _state(db)
        assert integrity == "ok"
        imported = count - 1
        assert imported in (0, rows), f"{label}: {imported} of {rows} rows were left"
        if imported:  # the signal came after the commit
            assert process.returncode in (0, 130, -signal.SIGKILL)
            # put the database back as it was for the next round
            subprocess.run(
                [sys_python(), "-c", _DELETE_IMPORTED, str(db)], check=True, capture_output=True
            )
        outcomes[label]["all" if imported else "none"] += 1
        if sig == signal.SIGINT and process.returncode != 0:
            assert process.returncode == 130, err
            said = (
                "the change had already been saved"
                if imported
                else "nothing was written by the unfinished command"
            )
            assert err.strip().splitlines() == [f"minicrm: interrupted; {said}"], (out, err)
            assert "Traceback" not in err
    print(json.dumps({"rows": rows, "seconds_per_import": round(whole, 2), **outcomes}))


def sys_python() -> str:
    return MINICRM[0]


# Removes what a completed import added (contacts other than #1 and their rows), so each
# round starts from the same state. Plain SQL: this is the test's own bookkeeping.
_DELETE_IMPORTED = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
for table in ("contact_emails", "contact_phones", "contact_tags"):
    conn.execute(f"DELETE FROM {table} WHERE contact_id > 1")
conn.execute("DELETE FROM contacts WHERE id > 1")
conn.commit()
"""
