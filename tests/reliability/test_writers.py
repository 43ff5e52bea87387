"""Concurrent writers: many real `minicrm` processes writing one database at once, with a
reader and the digest running beside them. Nothing may be lost and no command may fail
with "database is locked".

CI size: 3 writers x 6 operations (one of each kind). `pytest --soak` (or MINICRM_SOAK=1): 16 x 200, the
figures docs/reliability.md reports.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import threading
from pathlib import Path

import pytest

import minicrm
from conftest import MINICRM
from minicrm.db.opening import open_store


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*MINICRM, *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


class Worker(threading.Thread):
    """One writer: a loop of real commands against its own contact and a shared one.

    Each operation's effect can be counted afterwards: an interaction per `log`, an open
    follow-up per `follow` (or a done one, when `done` closed it), a custom field per
    `edit --set` on the SHARED contact (a read-modify-write of one JSON column: the
    classic lost update), a tag per `tag`, two contacts per `import`.
    """

    def __init__(self, n: int, ops: int, env: dict[str, str], folder: Path) -> None:
        super().__init__(name=f"writer-{n}")
        self.n, self.ops, self.env, self.folder = n, ops, env, folder
        self.done: dict[str, int] = dict.fromkeys(
            ("log", "follow", "done", "edit", "tag", "import"), 0
        )
        self.closed: list[int] = []
        self.failures: list[str] = []

    def call(self, *args: str) -> subprocess.CompletedProcess[str]:
        result = _run(self.env, *args)
        if result.returncode != 0:
            self.failures.append(
                f"{' '.join(args)} -> {result.returncode}: {result.stderr.strip()}"
            )
        return result

    def run(self) -> None:
        me = f"#{self.contact_id}"
        open_followup: int | None = None
        for i in range(self.ops):
            op = ("log", "follow", "edit", "done", "tag", "import")[i % 6]
            if op == "log":
                if self.call("log", me, f"w{self.n} op{i}").returncode == 0:
                    self.done["log"] += 1
            elif op == "follow":
                result = self.call("follow", me, f"w{self.n} task {i}", "--due", "+2d", "--json")
                if result.returncode == 0:
                    self.done["follow"] += 1
                    open_followup = json.loads(result.stdout)["id"]
            elif op == "done":
                if (
                    open_followup is not None
                    and self.call("done", str(open_followup)).returncode == 0
                ):
                    self.done["done"] += 1
                    self.closed.append(open_followup)
                    open_followup = None
            elif op == "edit":
                if self.call("edit", "#1", "--set", f"w{self.n}_{i}=x").returncode == 0:
                    self.done["edit"] += 1
            elif op == "tag":
                if self.call("tag", "#1", f"w{self.n}-{i}").returncode == 0:
                    self.done["tag"] += 1
            else:
                source = self.folder / f"w{self.n}-{i}.csv"
                source.write_text(
                    "Name,E-mail\n"
                    f"Imp W{self.n} R{i} A,a.{self.n}.{i}@imp.example\n"
                    f"Imp W{self.n} R{i} B,b.{self.n}.{i}@imp.example\n",
                    encoding="utf-8",
                )
                if self.call("import", str(source)).returncode == 0:
                    self.done["import"] += 1


class Looper(threading.Thread):
    """Runs one command over and over until told to stop; every run must succeed."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        super().__init__(name=" ".join(args))
        self.env, self.args = env, args
        self.stop = threading.Event()
        self.runs = 0
        self.failures: list[str] = []

    def run(self) -> None:
        while not self.stop.is_set():
            result = _run(self.env, *self.args)
            self.runs += 1
            if result.returncode != 0:
                self.failures.append(f"{result.returncode}: {result.stderr.strip()}")


def test_concurrent_writers_lose_nothing(cli_env, tmp_path, soak):
    writers, ops = (16, 200) if soak else (3, 6)
    assert _run(cli_env, "add", "Shared Contact").returncode == 0
    workers = [Worker(n, ops, cli_env, tmp_path) for n in range(writers)]
    for worker in workers:
        result = _run(cli_env, "add", f"Writer {worker.n}", "--json")
        assert result.returncode == 0, result.stderr
        worker.contact_id = json.loads(result.stdout)["id"]
    readers = [
        Looper(cli_env, "ls", "--json"),
        Looper(cli_env, "search", "task"),
        Looper(cli_env, "digest"),
    ]
    for thread in [*readers, *workers]:
        thread.start()
    for worker in workers:
        worker.join()
    for reader in readers:
        reader.stop.set()
        reader.join()

    failures = [f for t in [*workers, *readers] for f in t.failures]
    assert failures == []  # not one "database is locked", not one error of any kind
    assert all(reader.runs > 0 for reader in readers)

    with open_store(cli_env["MINICRM_DB"]) as store:
        shared = minicrm.get_contact(store, "#1")
        for worker in workers:
            mine = worker.contact_id
            logged = store.scalar(
                "SELECT count(*) FROM interaction_contacts WHERE contact_id = ?", [mine]
            )
            followups = store.query("SELECT id, status FROM followups WHERE contact_id = ?", [mine])
            assert logged == worker.done["log"]
            assert len(followups) == worker.done["follow"]
            assert sorted(f["id"] for f in followups if f["status"] == "done") == sorted(
                worker.closed
            )
            for i in range(ops):
                if i % 6 == 2:
                    assert shared.custom.get(f"w{worker.n}_{i}") == "x"  # no lost update
                if i % 6 == 4:
                    assert f"w{worker.n}-{i}" in shared.tags
            imported = store.scalar(
                "SELECT count(*) FROM contacts WHERE display_name LIKE ?", [f"Imp W{worker.n} R%"]
            )
            assert imported == 2 * worker.done["import"]
        assert store.scalar("PRAGMA integrity_check") == "ok"
    report = {
        "writers": writers,
        "operations": writers * ops,
        "succeeded": sum(sum(w.done.values()) for w in workers),
        "reader_runs": {r.name: r.runs for r in readers},
        "failures": len(failures),
    }
    print(json.dumps(report))  # `pytest -s --soak` shows the figures for docs/reliability.md


def test_a_read_then_write_command_waits_for_the_lock_instead_of_failing(tmp_path):
    """The upgrade case: a transaction that reads first and writes later. With a deferred
    transaction the second writer fails at its first write ("database is locked") and no
    busy timeout helps; Store.transaction() takes the write lock up front (BEGIN
    IMMEDIATE), so the second one waits and both increments land."""
    path = tmp_path / "minicrm.db"
    with open_store(path) as store, store.transaction():
        minicrm.add_contact(store, "Counter")

    # The hazard, shown with plain sqlite3 and a deferred transaction.
    first, second = sqlite3.connect(path, timeout=0.5), sqlite3.connect(path, timeout=0.5)
    first.isolation_level = second.isolation_level = None
    first.execute("BEGIN")
    second.execute("BEGIN")
    first.execute("SELECT custom FROM contacts WHERE id = 1").fetchone()
    second.execute("SELECT custom FROM contacts WHERE id = 1").fetchone()
    first.execute("UPDATE contacts SET cadence_days = 1 WHERE id = 1")
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        second.execute("UPDATE contacts SET cadence_days = 2 WHERE id = 1")
    first.execute("ROLLBACK")
    second.execute("ROLLBACK")
    first.close()
    second.close()

    # The same read-then-write through the Store, twice at once: the second waits.
    inside, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def increment(hold: bool) -> None:
        try:
            with open_store(path) as store, store.transaction():
                value = store.scalar("SELECT cadence_days FROM contacts WHERE id = 1") or 0
                if hold:
                    inside.set()
                    release.wait(10)
                store.update("contacts", 1, {"cadence_days": value + 1})
        except BaseException as exc:
            errors.append(exc)

    holder = threading.Thread(target=increment, args=(True,))
    holder.start()
    assert inside.wait(10)
    waiter = threading.Thread(target=increment, args=(False,))
    waiter.start()
    waiter.join(0.3)
    assert waiter.is_alive()  # waiting for the lock, not failing
    release.set()
    holder.join(10)
    waiter.join(10)
    assert errors == []
    with open_store(path) as store:
        assert store.scalar("SELECT cadence_days FROM contacts WHERE id = 1") == 2
