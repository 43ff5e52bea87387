"""`python bench/sync_tasks.py [N]`: the first and the no-change `minicrm sync tasks` of N follow-ups (half of them monthly series) in a new database under /tmp (issue 18)."""

import os, sys, time, json, subprocess, tempfile
from pathlib import Path

N = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
tmp = Path(tempfile.mkdtemp(prefix="h-tasks-bench-"))
os.environ["MINICRM_DB"] = str(tmp / "b.db")
os.environ["MINICRM_CONFIG"] = str(tmp / "c.toml")
import minicrm
from minicrm.activity import followups
from minicrm.contacts import service as contacts

store = minicrm.open_store(tmp / "b.db")
with store.transaction():
    for i in range(N // 10):
        pass
t = time.monotonic()
with store.transaction():
    for i in range(N):
        followups.add_followup(
            store,
            None,
            f"Task {i}",
            due=f"2027-0{1 + i % 9}-{1 + i % 28:02d}",
            every="monthly" if i % 2 else None,
        )
store.close()
print("setup", round(time.monotonic() - t, 1), "s")
exe = [sys.executable, "-m", "minicrm", "sync", "tasks", str(tmp / "dir"), "--json"]
for label in ("first", "no change", "no change"):
    t = time.monotonic()
    out = subprocess.run(exe, capture_output=True, text=True, env=os.environ)
    r = json.loads(out.stdout)
    print(
        label,
        round(time.monotonic() - t, 2),
        "s",
        "files_read",
        r["files_read"],
        "records_read",
        r["records_read"],
        "created",
        r["vdir"]["created"],
    )
