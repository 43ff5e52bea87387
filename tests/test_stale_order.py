"""`stale` ranks its candidates in SQL by a rough day and restores the exact order a few
days behind the cursor (views.iter_stale, issue 14): the items and their order must be
those of ranking every candidate in Python first (views._stale_found, which the digest's
count still uses), in every zone, across ties, case, DST and stamps before 1970."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, date, datetime, timedelta

import pytest

import minicrm
from minicrm.activity import views
from minicrm.core.dates import When

TODAY = date(2026, 12, 2)
NAMES = ["ann lee", "Ann Lee", "ANN LEE", "Straße", "STRASSE", "Émile", "emile", "Zoë", "bo"]
ZONES = ["UTC", "Europe/Berlin", "Pacific/Apia", "Pacific/Kiritimati", "America/Adak"]


def stamp(rng: random.Random) -> str:
    if rng.random() < 0.3:  # on or near a UTC midnight, where local days split
        day = datetime(2026, 12, 2, tzinfo=UTC) - timedelta(days=rng.randrange(0, 120))
        moment = day + timedelta(minutes=rng.choice([-61, -1, 0, 1, 59, 601, 780]))
    elif rng.random() < 0.1:  # before 1970
        moment = datetime(1969, 12, 31, tzinfo=UTC) - timedelta(hours=rng.randrange(0, 900))
    else:
        moment = datetime(2026, 12, 2, tzinfo=UTC) - timedelta(seconds=rng.randrange(0, 10**8))
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def fill(db_path, seed: int, count: int = 600) -> None:
    minicrm.open_store(db_path).close()  # the schema
    rng = random.Random(seed)
    conn = sqlite3.connect(db_path)
    with conn:
        conn.executemany(
            "INSERT INTO tag_cadences (tag, days, created_at, updated_at) VALUES (?, ?, ?, ?)",
            [
                ("vip", 7, "2020-01-01T00:00:00Z", "2020-01-01T00:00:00Z"),
                ("team", 30, "2020-01-01T00:00:00Z", "2020-01-01T00:00:00Z"),
            ],
        )
        for n in range(count):
            name = rng.choice(NAMES)
            created = stamp(rng)
            last = stamp(rng) if rng.random() < 0.7 else None
            cadence = rng.choice([None, None, 1, 7, 14, 30, 90])
            cursor = conn.execute(
                "INSERT INTO contacts (uid, display_name, name_key, cadence_days, archived, "
                "created_at, updated_at, last_contacted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    f"u{n}",
                    name,
                    name.casefold(),
                    cadence,
                    int(rng.random() < 0.05),
                    created,
                    created,
                    last,
                ],
            )
            for tag in rng.sample(["vip", "team", "other"], rng.randrange(0, 3)):
                conn.execute(
                    "INSERT INTO contact_tags (contact_id, tag) VALUES (?, ?)",
                    [cursor.lastrowid, tag],
                )
    conn.close()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_stale_streamed_is_the_same_items_in_the_same_order(db_path, monkeypatch, seed):
    fill(db_path, seed)
    store = minicrm.open_store(db_path)
    try:
        for zone in ZONES:
            monkeypatch.setenv("TZ", zone)
            for day in (TODAY, TODAY - timedelta(days=40)):
                ranked = list(views._stale_items(store, day, views._stale_found(store, day)))
                assert len(ranked) > 50
                streamed = list(views.iter_stale(store, on=When(day)))
                assert streamed == ranked, (zone, day)
                assert views.stale(store, on=When(day)) == ranked
    finally:
        store.close()


def test_stale_cli_output_is_unchanged(run, db_path, monkeypatch):
    """The table and the JSON of `minicrm stale` are made from the same items."""
    fill(db_path, 4, count=200)
    store = minicrm.open_store(db_path)
    try:
        ranked = list(views._stale_items(store, TODAY, views._stale_found(store, TODAY)))
    finally:
        store.close()
    listed = run.json("stale", "--on", TODAY.isoformat())
    assert [(i["contact"]["id"], i["days_over"], i["since"]) for i in listed] == [
        (i.contact.id, i.days_over, i.since) for i in ranked
    ]
