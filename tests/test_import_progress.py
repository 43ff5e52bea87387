"""Issue 14.3: an import with a progress bar parses each record once, and the bar is
sized by the source (characters), not by a count of its records."""

from __future__ import annotations

import pytest

from minicrm.interchange import imports
from minicrm.interchange.formats import csvfmt, vcard


def _csv(tmp_path, rows: int) -> str:
    path = tmp_path / "people.csv"
    lines = ["Name,Email,Notes"] + [f'P{n},p{n}@x.io,"note\n{n}"' for n in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def _vcf(tmp_path, cards: int) -> str:
    path = tmp_path / "people.vcf"
    path.write_text(
        "".join(f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:P{n}\r\nEND:VCARD\r\n" for n in range(cards)),
        encoding="utf-8",
    )
    return str(path)


@pytest.mark.parametrize(
    ("make", "module", "name"), [(_csv, csvfmt, "parse_csv"), (_vcf, vcard, "parse_vcards")]
)
def test_each_record_is_parsed_once_and_the_bar_counts_characters(
    store, tmp_path, monkeypatch, make, module, name
):
    path = make(tmp_path, 1_200)
    with open(path, encoding="utf-8", newline="") as handle:
        size = len(handle.read())
    calls = []
    original = getattr(module, name)

    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    seen: list[tuple[int, int | None]] = []
    report = imports.import_source(store, path, progress=lambda d, t: seen.append((d, t)))
    assert report.count("created") == 1_200
    assert len(calls) == 1  # the old bar read the file a second time to count records
    assert seen[-1] == (size, size)
    assert len(seen) >= 3 and all(t == size and 0 <= d <= size for d, t in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_without_a_size_the_bar_counts_records(store):
    from minicrm.interchange.incoming import Incoming

    seen = []
    records = [Incoming(f"item {n}", name=f"P{n}") for n in range(1_000)]
    imports.run_import(
        store, records, source="x", fmt="json", progress=lambda d, t: seen.append((d, t))
    )
    assert seen[0] == (500, None) and seen[-1] == (1_000, 1_000)


def _indexes(store) -> list[tuple[str, str]]:
    return [
        (r["name"], r["sql"])
        for r in store.query(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "ORDER BY name"
        )
    ]


def test_an_import_into_an_empty_database_builds_the_indexes_after_the_load(store, tmp_path):
    before = _indexes(store)
    imports.import_source(store, _csv(tmp_path, 50))
    assert _indexes(store) == before  # dropped for the load, built again inside it
    plan = store.query("EXPLAIN QUERY PLAN SELECT id FROM contact_emails WHERE value_key = 'x'")
    assert "idx_contact_emails_key" in str(plan)


def test_a_failed_or_dry_import_leaves_the_indexes_as_they_were(store, tmp_path):
    before = _indexes(store)
    bad = tmp_path / "bad.csv"
    bad.write_text("Name,Email\nAnn,ann@x.io\nBo,not-an-email\n", encoding="utf-8")
    with pytest.raises(imports.InvalidInput):
        imports.import_source(store, str(bad))
    assert _indexes(store) == before
    imports.import_source(store, _csv(tmp_path, 5), dry_run=True)
    assert _indexes(store) == before and store.scalar("SELECT count(*) FROM contacts") == 0
