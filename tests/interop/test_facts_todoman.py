"""todoman 4.7, as measured for docs/interop.md ("todoman"): what `todo list` shows, and
what `todo done`, `todo edit --due` and `todo new` write."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from clients import Device, vtodo

TASKS = {
    "nodue": vtodo("nodue", "No due"),
    "date": vtodo("date", "Due date", "DUE;VALUE=DATE:20261205"),
    "floating": vtodo("floating", "Floating", "DUE:20261205T100000"),
    "utc": vtodo("utc", "UTC", "DUE:20261205T100000Z"),
    "tzid": vtodo("tzid", "Berlin", "DUE;TZID=Europe/Berlin:20261205T100000"),
    "p1": vtodo("p1", "Prio 1", "PRIORITY:1"),
    "p4": vtodo("p4", "Prio 4", "PRIORITY:4"),
    "p5": vtodo("p5", "Prio 5", "PRIORITY:5"),
    "p6": vtodo("p6", "Prio 6", "PRIORITY:6"),
    "p9": vtodo("p9", "Prio 9", "PRIORITY:9"),
    "done": vtodo("done", "Completed", "STATUS:COMPLETED", "COMPLETED:20261101T100000Z"),
    "cancelled": vtodo("cancelled", "Cancelled", "STATUS:CANCELLED"),
    "inprocess": vtodo("inprocess", "In process", "STATUS:IN-PROCESS"),
    "later": vtodo("later", "Starts later", "DTSTART:20300101T000000Z", "DUE:20300102T000000Z"),
}
SUMMARIES = sorted((re.search(r"SUMMARY:(.*)\r", t)[1] for t in TASKS.values()), key=len)[::-1]


def listed(device: Device, *args: str) -> dict[str, str]:
    """`todo list` as {summary: what the line shows before it}, ids and spacing left out."""
    rows = {}
    for line in device.todo("list", *args).stdout.splitlines():
        mark, rest = re.fullmatch(r"(\[.\]) \d+ (.*?)(?: @\w+)? *", line).groups()
        summary = next(s for s in SUMMARIES if rest.endswith(s))
        rows[summary] = " ".join([mark, *rest[: -len(summary)].replace("⟳", "").split()])
    return rows


def by_summary(device: Device, *args: str) -> dict[str, dict]:
    return {t["summary"]: t for t in json.loads(device.todo("--porcelain", "list", *args).stdout)}


def vtodo_lines(text: str) -> list[str]:
    return text.split("BEGIN:VTODO")[1].split("END:VTODO")[0].strip().splitlines()


def test_what_todo_list_shows_and_how(device_factory: Callable[..., Device]):
    for tz, wall in [("UTC", ("10:00", "09:00")), ("Europe/Berlin", ("11:00", "10:00"))]:
        device = device_factory(tz.replace("/", "_").lower(), tz=tz)
        device.add("tasks", "caldav")
        for key, text in TASKS.items():
            device.write_item("tasks", f"{key}.ics", text)
        rows = listed(device)
        assert set(rows) == set(SUMMARIES) - {"Completed", "Cancelled"}
        assert rows["Floating"] == "[ ] 2026-12-05 10:00"  # floating: the local wall clock
        assert rows["UTC"] == f"[ ] 2026-12-05 {wall[0]}"
        assert rows["Berlin"] == f"[ ] 2026-12-05 {wall[1]}"
        assert rows["Due date"] == "[ ] 2026-12-05"
        assert rows["No due"] == "[ ] (no due date)"
        assert rows["In process"] == "[ ] (no due date)"
        assert [rows[f"Prio {p}"] for p in (1, 4, 5, 6, 9)] == [
            "[ ] !!! (no due date)",
            "[ ] !!! (no due date)",
            "[ ] !! (no due date)",
            "[ ] ! (no due date)",
            "[ ] ! (no due date)",
        ]
        assert "Starts later" not in by_summary(device, "--startable")
        assert {"Completed", "Cancelled"} <= set(by_summary(device, "--status", "ANY"))
        tasks = by_summary(device)
        assert tasks["UTC"]["due"] == 1_796_464_800
        assert tasks["Prio 5"]["priority"] == 5


def test_a_floating_due_is_fixed_when_first_cached_a_later_tz_does_not_move_it(laptop: Device):
    laptop.add("tasks", "caldav")
    laptop.write_item("tasks", "floating.ics", TASKS["floating"])
    assert listed(laptop)["Floating"] == "[ ] 2026-12-05 10:00"  # cached under UTC
    laptop.env["TZ"] = "Europe/Berlin"
    assert listed(laptop)["Floating"] == "[ ] 2026-12-05 11:00"  # the cached instant


def test_a_dtstart_not_before_due_is_ignored_and_dropped_by_the_next_save(laptop: Device):
    laptop.add("tasks", "caldav")
    laptop.write_item(
        "tasks",
        "same.ics",
        vtodo("same", "Start equals due", "DTSTART:20261205T100000", "DUE:20261205T100000"),
    )
    laptop.write_item(
        "tasks",
        "before.ics",
        vtodo("before", "Start before due", "DTSTART:20261204T100000Z", "DUE:20261205T100000Z"),
    )
    tasks = by_summary(laptop)
    assert tasks["Start equals due"]["start"] is None
    assert tasks["Start before due"]["start"] == 1_796_378_400
    laptop.todo("edit", str(tasks["Start equals due"]["id"]), "--priority", "high")
    lines = vtodo_lines(laptop.items("tasks")["same.ics"])
    assert not any(line.startswith("DTSTART") for line in lines)
    assert "DUE:20261205T100000Z" in lines  # and the floating DUE became UTC


def test_todo_done_on_a_repeating_task_completes_it_and_adds_the_next_one_under_a_new_uid(
    laptop: Device,
):
    laptop.add("tasks", "caldav")
    laptop.write_item(
        "tasks",
        "rep.ics",
        vtodo(
            "rep-1",
            "Monthly call",
            "DTSTART:20261231T100000",
            "DUE:20261231T100000",
            "RRULE:FREQ=MONTHLY;BYMONTHDAY=-1",
            "PRIORITY:1",
            "DESCRIPTION:Call Ann",
            "CATEGORIES:crm",
            "X-MINICRM-ID:42",
        ),
    )
    laptop.write_item(
        "tasks",
        "count.ics",
        vtodo("rep-2", "Last of a count", "DUE:20261231T100000Z", "RRULE:FREQ=DAILY;COUNT=1"),
    )
    tasks = by_summary(laptop)
    laptop.todo("done", str(tasks["Monthly call"]["id"]))
    laptop.todo("done", str(tasks["Last of a count"]["id"]))

    files = laptop.items("tasks")
    done = vtodo_lines(files.pop("rep.ics"))
    assert "UID:rep-1" in done  # the same UID, completed, no longer repeating
    assert {"STATUS:COMPLETED", "PERCENT-COMPLETE:100", "X-MINICRM-ID:42"} <= set(done)
    assert any(re.fullmatch(r"COMPLETED:\d{8}T\d{6}Z", line) for line in done)
    assert "DUE:20261231T100000Z" in done  # floating 10:00 written as UTC (TZ=UTC here)
    assert not any(line.startswith(("RRULE", "DTSTART")) for line in done)
    vtodo_lines(files.pop("count.ics"))
    nexts = {re.search(r"SUMMARY:(.*)\r", t)[1]: (n, t) for n, t in files.items()}
    name, text = nexts["Monthly call"]
    lines = vtodo_lines(text)
    uid = next(line[4:] for line in lines if line.startswith("UID:"))
    assert re.fullmatch(r"[0-9a-f]{32}@.+", uid)  # uuid4 hex @ the host name
    assert name == f"{uid}.ics"
    assert "DUE:20270131T100000Z" in lines  # the next month end, in UTC
    assert "RRULE:FREQ=MONTHLY;BYMONTHDAY=-1" in lines
    assert {"STATUS:NEEDS-ACTION", "PRIORITY:1", "DESCRIPTION:Call Ann", "CATEGORIES:crm"} <= set(
        lines
    )
    assert not any(line.startswith(("X-MINICRM", "DTSTART", "COMPLETED")) for line in lines)
    # after the last occurrence of a count, todoman still adds a task: with no due date
    name, text = nexts["Last of a count"]
    lines = vtodo_lines(text)
    assert "RRULE:FREQ=DAILY;COUNT=1" in lines
    assert not any(line.startswith("DUE") for line in lines)


def test_todo_edit_due_writes_utc_or_a_date_and_keeps_unknown_properties(
    device_factory: Callable[..., Device],
):
    berlin = device_factory("berlin", tz="Europe/Berlin")
    berlin.add("tasks", "caldav")
    berlin.write_item("tasks", "a.ics", vtodo("a", "Timed", "DUE:20261205T100000", "X-KEEP:yes"))
    berlin.write_item("tasks", "b.ics", vtodo("b", "All day", "DUE;VALUE=DATE:20261205"))
    tasks = by_summary(berlin)
    berlin.todo("edit", str(tasks["Timed"]["id"]), "--due", "2026-12-24 15:30")
    berlin.todo("edit", str(tasks["All day"]["id"]), "--due", "2026-12-24")
    timed = vtodo_lines(berlin.items("tasks")["a.ics"])
    assert "DUE:20261224T143000Z" in timed  # 15:30 in Berlin, as UTC
    assert {"X-KEEP:yes", "SEQUENCE:2"} <= set(timed)
    assert any(line.startswith("LAST-MODIFIED:") for line in timed)
    assert "DUE;VALUE=DATE:20261224" in vtodo_lines(berlin.items("tasks")["b.ics"])


def test_todo_new_names_the_file_by_its_uid_and_writes_utc(device_factory: Callable[..., Device]):
    berlin = device_factory("berlin", tz="Europe/Berlin")
    berlin.add("tasks", "caldav")
    for priority in ("high", "medium", "low"):
        berlin.todo(
            "new", "--list", "tasks", "--due", "2026-12-24 15:30", "--priority", priority, priority
        )
    for name, text in berlin.items("tasks").items():
        lines = vtodo_lines(text)
        uid = next(line[4:] for line in lines if line.startswith("UID:"))
        assert re.fullmatch(r"[0-9a-f]{32}@.+", uid)
        assert name == f"{uid}.ics"
        assert "PRODID:nl.whynothugo.todoman\r\n" in text
        assert "DUE:20261224T143000Z" in lines
        summary = next(line[8:] for line in lines if line.startswith("SUMMARY:"))
        assert f"PRIORITY:{ {'high': 4, 'medium': 5, 'low': 9}[summary] }" in lines
