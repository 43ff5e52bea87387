"""`python bench/sync_tasks.py [N]`: the first and the no-change `minicrm sync tasks` of N
follow-ups (half of them monthly series) in a new database under /tmp (issue 18).
Whole processes, as a user runs them; prints each run's time and what it read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    tmp = Path(tempfile.mkdtemp(prefix="minicrm-bench-tasks-"))
    env = {**os.environ, "MINICRM_DB": str(tmp / "b.db"), "MINICRM_CONFIG": str(tmp / "c.toml")}
    os.environ.update(env)
    import minicrm
    from minicrm.activity import followups

    store = minicrm.open_store(tmp / "b.db")
    with store.transaction():
        for i in range(n):
            followups.add_followup(
                store,
                None,
                f"Task {i}",
                due=f"2027-0{1 + i % 9}-{1 + i % 28:02d}",
                every="monthly" if i % 2 else None,
            )
    store.close()
    command = [sys.executable, "-m", "minicrm", "sync", "tasks", str(tmp / "dir"), "--json"]
    for label in ("first sync", "no-change sync", "no-change sync"):
        start = time.monotonic()
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
        report = json.loads(done.stdout)
        print(
            f"{label}: {time.monotonic() - start:.2f} s, files_read {report['files_read']}, "
            f"records_read {report['records_read']}, files written {report['vdir']['created']}"
        )


if __name__ == "__main__":
    main()
