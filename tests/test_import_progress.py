"""Issue 14.3: an import with a progress bar parses each record once, and the bar is
sized by the source (characters), not by a count of its records."""

from __future__ import annotations

import pytest

from minicrm import imports
from minicrm.formats import csvfmt, vcard


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
    from minicrm.interchange import Incoming

    seen = []
    records = [Incoming(f"item {n}", name=f"P{n}") for n in range(1_000)]
    imports.run_import(
        store, records, source="x", fmt="json", progress=lambda d, t: seen.append((d, t))
    )
    assert seen[0] == (500, None) and seen[-1] == (1_000, 1_000)
