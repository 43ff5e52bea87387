"""The sync core with a kind of its own (key=value text items held in memory): change
detection, the three-way merge, deletions, the guard, duplicate UIDs, the lock."""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minicrm.core.errors import DatabaseBusy
from minicrm.db.opening import memory_store
from minicrm.db.store import Store
from minicrm.sync import core, vdir


class Notes:
    """A toy kind: a file is ``UID:x`` then ``key=value`` lines; records live in a dict."""

    name = "notes"
    noun = "note"
    fileext = ".txt"

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self.lost: list[core.Lost] = []

    def parse(self, text: str) -> core.Item:
        lines = text.splitlines()
        if not lines or not lines[0].startswith("UID:"):
            raise core.ItemError("no UID line")
        fields: dict[str, Any] = {}
        for line in lines[1:]:
            key, _eq, value = line.partition("=")
            fields[key] = value.split("|") if key == "tags" else value
        return core.Item(lines[0][4:], fields, text, str(fields.get("title", "")))

    def text(self, uid: str, fields: Mapping[str, Any]) -> str:
        body = "".join(
            f"{k}={'|'.join(v) if isinstance(v, list) else v}\n" for k, v in sorted(fields.items())
        )
        return f"UID:{uid}\n{body}"

    def changed_since(self, store: Store, changeset: int | None) -> set[str] | None:
        return None

    def load(
        self, store: Store, local_uids: Collection[str] | None, item_uids: Mapping[str, str]
    ) -> dict[str, core.Item]:
        wanted = (
            self.records
            if local_uids is None
            else {u: self.records[u] for u in local_uids if u in self.records}
        )
        return {u: self.parse(self.text(item_uids.get(u, u), f)) for u, f in wanted.items()}

    def find(self, store: Store, item: core.Item, taken: set[str]) -> str | None:
        return item.uid if item.uid in self.records and item.uid not in taken else None

    def apply(
        self, store: Store, local_uid: str | None, fields: dict[str, Any], item: core.Item
    ) -> str:
        uid = local_uid or item.uid
        self.records[uid] = dict(fields)
        return uid

    def remove(self, store: Store, local_uid: str, archive: bool) -> str:
        self.records.pop(local_uid, None)
        return "deleted"

    def keep_lost(self, store: Store, local_uid: str, lost: list[core.Lost], where: str) -> str:
        self.lost += lost
        return "the toy's list"

    def show(self, field: str, value: Any) -> str:
        return str(value)


@pytest.fixture
def kind() -> Notes:
    return Notes()


@pytest.fixture
def mem() -> Store:
    return memory_store()


def sync(mem: Store, kind: Notes, folder: Path, **options: Any) -> core.SyncReport:
    return core.run(mem, kind, folder, core.Settings(**options))


def files(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in folder.iterdir() if p.name.endswith(".txt")}


def test_a_new_record_is_written_and_a_second_run_reads_nothing(mem, kind, tmp_path):
    folder = tmp_path / "v"
    kind.records["a"] = {"title": "Ann"}
    report = sync(mem, kind, folder)
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    assert files(folder) == {"a.txt": "UID:a\ntitle=Ann\n"}
    assert [(c.side, c.action) for c in report.changes] == [("vdir", "created")]
    again = sync(mem, kind, folder)
    assert again.changes == [] and again.files_read == 0 and again.items == 1


def test_edits_on_both_sides_merge_field_by_field_and_the_winner_takes_a_clash(mem, kind, tmp_path):
    folder = tmp_path / "v"
    kind.records["a"] = {"title": "Ann", "city": "Oslo", "job": "dev", "tags": ["x"]}
    sync(mem, kind, folder)
    kind.records["a"] = {"title": "Ann", "city": "Bergen", "job": "cto", "tags": ["x", "l"]}
    (folder / "a.txt").write_text("UID:a\ncity=Oslo\njob=ceo\ntags=x|r\ntitle=Annie\n")
    os.utime(folder / "a.txt", ns=(1, 1))
    report = sync(mem, kind, folder)
    assert kind.records["a"] == {
        "city": "Bergen",
        "job": "cto",
        "tags": ["x", "l", "r"],
        "title": "Annie",
    }
    assert kind.parse(files(folder)["a.txt"]).fields == kind.records["a"]
    assert [(k.field, k.winner, k.kept, k.lost) for k in report.conflicts] == [
        ("job", "minicrm", "cto", "ceo")
    ]
    assert [(x.field, x.lost) for x in kind.lost] == [("job", "ceo")]
    assert sync(mem, kind, folder).changes == []


def test_the_folder_can_be_told_to_win(mem, kind, tmp_path):
    folder = tmp_path / "v"
    kind.records["a"] = {"title": "Ann"}
    sync(mem, kind, folder)
    kind.records["a"] = {"title": "Local"}
    (folder / "a.txt").write_text("UID:a\ntitle=Remote\n")
    sync(mem, kind, folder, winner="vdir")
    assert kind.records["a"] == {"title": "Remote"}
    assert files(folder)["a.txt"] == "UID:a\ntitle=Remote\n"


def test_deletions_go_both_ways_and_a_mass_deletion_is_refused(mem, kind, tmp_path):
    folder = tmp_path / "v"
    for uid in "abcd":
        kind.records[uid] = {"title": uid}
    sync(mem, kind, folder)
    (folder / "a.txt").unlink()
    del kind.records["b"]
    report = sync(mem, kind, folder)
    assert sorted(kind.records) == ["c", "d"] and sorted(files(folder)) == ["c.txt", "d.txt"]
    assert {(c.side, c.action) for c in report.changes} == {
        ("minicrm", "deleted"),
        ("vdir", "deleted"),
    }
    for name in list(files(folder)):
        (folder / name).unlink()
    with pytest.raises(core.MassDeletion, match="delete 2 of the 2 notes"):
        sync(mem, kind, folder)
    assert sorted(kind.records) == ["c", "d"]
    sync(mem, kind, folder, force_delete=True)
    assert kind.records == {}


def test_a_uid_in_two_files_is_reported_and_left_alone(mem, kind, tmp_path):
    folder = tmp_path / "v"
    folder.mkdir()
    (folder / "one.txt").write_text("UID:x\ntitle=One\n")
    (folder / "two.txt").write_text("UID:x\ntitle=Two\n")
    (folder / "bad.txt").write_text("nothing\n")
    report = sync(mem, kind, folder)
    assert kind.records == {}
    assert sorted(p.href for p in report.problems) == ["bad.txt", "one.txt", "two.txt"]


def test_a_dry_run_writes_nothing(mem, kind, tmp_path):
    folder = tmp_path / "v"
    kind.records["a"] = {"title": "Ann"}
    report = sync(mem, kind, folder, dry_run=True)
    assert not folder.exists() and [c.action for c in report.changes] == ["created"]
    assert sync(mem, kind, folder).changes[0].action == "created"


def test_one_sync_per_folder_at_a_time(mem, kind, tmp_path):
    folder = tmp_path / "v"
    folder.mkdir()
    with vdir.FolderLock(folder), pytest.raises(DatabaseBusy, match=f"process {os.getpid()}"):
        sync(mem, kind, folder)


def test_the_etag_is_vdirsyncers(tmp_path):
    path = tmp_path / "x.vcf"
    path.write_text("x")
    st_ = path.stat()
    assert vdir.listing(tmp_path, ".vcf")["x.vcf"].etag == f"{st_.st_mtime_ns:.9f};{st_.st_ino}"


values = st.one_of(st.none(), st.sampled_from(["a", "b", "c"]))
records = st.dictionaries(st.sampled_from(["f", "g", "h"]), values)


@given(records, records, records)
def test_merge_takes_each_sides_own_change_and_loses_nothing_silently(base, local, remote):
    merged, lost = core.merge(base, local, remote, "minicrm")
    for key in {*base, *local, *remote}:
        b, lv, rv = base.get(key), local.get(key), remote.get(key)
        if lv == b:
            assert merged.get(key) == rv
        elif rv in (b, lv):
            assert merged.get(key) == lv
        else:
            assert merged.get(key) == lv
            assert rv is None or any(x.field == key and x.lost == rv for x in lost)
