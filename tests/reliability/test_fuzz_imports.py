"""Importer fuzzing: whatever bytes arrive, `minicrm import` answers with exit 0 or its
documented input error (exit 2, one line on stderr), never an internal error or a
traceback, and a refused import writes nothing.

Hypothesis builds vCards (random properties, parameters, folding, encodings), CSV
(random headers, ragged rows, BOM, quotes), JSON (random nesting and types, dump- and
contact-shaped) and raw bytes; explicit cases add the malformed shapes found in the wild.
Example counts: CI moderate, ``--soak`` (or MINICRM_SOAK=1) large.
"""

from __future__ import annotations

import base64
import json
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minicrm.db.schema import DATA_TABLES


def fuzz(soak: bool, ci: int, long: int, strategy: st.SearchStrategy, check) -> None:
    """Run ``check`` on ``ci`` examples of ``strategy`` (``long`` in soak mode)."""

    @settings(
        max_examples=long if soak else ci,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
    )
    @given(strategy)
    def property_(example):
        check(example)

    property_()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated database holding one contact, made once per module."""
    import minicrm

    path = tmp_path_factory.mktemp("template") / "minicrm.db"
    store = minicrm.open_store(path)
    minicrm.add_contact(store, "Existing Person")
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return path


@pytest.fixture
def db(template: Path, db_path: Path) -> Path:
    """The test's database, created (and holding one contact) before the first import."""
    import shutil

    db_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    shutil.copyfile(template, db_path)
    db_path.chmod(0o600)  # as minicrm made it (a 0644 copy would be made private, and said so)
    return db_path


TABLES_SQL = (
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
    "AND sql NOT LIKE '%VIRTUAL%' AND name NOT LIKE '%search%'"
)


def snapshot(db: Path) -> dict[str, tuple[int, int]]:
    """Row count and largest rowid of every table: any write shows."""
    if not db.exists():
        return {}
    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute(TABLES_SQL)]
        return {
            t: conn.execute(f'SELECT count(*), coalesce(max(rowid), 0) FROM "{t}"').fetchone()
            for t in tables
        }
    finally:
        conn.close()


FIGURES = {"examples": 0, "imported": 0, "refused": 0, "restored": 0}


def check_import(run, db: Path, data: bytes, *args: str) -> int:
    """Import ``data`` from stdin; assert the contract; return the exit code."""
    before = snapshot(db)
    result = run.runner.invoke(
        __import__("minicrm.cli").cli.app, ["import", "-", *args], input=data
    )
    err = result.stderr
    assert result.exit_code in (0, 2), (result.exit_code, err, result.exception)
    assert "Traceback" not in err and "internal error" not in err, err
    FIGURES["examples"] += 1
    if result.exit_code == 2:
        FIGURES["refused"] += 1
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("minicrm: "), err
        assert snapshot(db) == before, "a refused import wrote something"
    else:
        FIGURES["imported"] += 1
        FIGURES["restored"] += "(restore)" in result.stdout or "restored" in result.stdout
    return result.exit_code


# -- strategies --------------------------------------------------------------------------

nasty_text = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"])
    | st.sampled_from(list('\x00\x1b\r\n;:,=\\"')),
    max_size=40,
)
prop_names = st.sampled_from(
    [
        "FN", "N", "EMAIL", "TEL", "BDAY", "ANNIVERSARY", "NOTE", "ORG", "TITLE", "ADR",
        "URL", "UID", "CATEGORIES", "NICKNAME", "PHOTO", "REV", "X-CUSTOM", "item1.EMAIL",
        "item1.X-ABLabel", "VERSION", "BEGIN", "END", "GENDER", "KIND", "",
    ]
)  # fmt: skip
params = st.lists(
    st.sampled_from(
        [
            "TYPE=work", "TYPE=pref", "ENCODING=QUOTED-PRINTABLE", "ENCODING=b",
            "ENCODING=BASE64", "CHARSET=UTF-8", "CHARSET=ISO-8859-1", "VALUE=uri",
            "VALUE=text", "PREF=1", "TYPE=", "=", ";", "LABEL=\"a;b\"",
        ]
    ),
    max_size=3,
)  # fmt: skip


@st.composite
def vcards(draw: st.DrawFn) -> bytes:
    cards = []
    for _ in range(draw(st.integers(1, 3))):
        version = draw(st.sampled_from(["2.1", "3.0", "4.0", "5", ""]))
        lines = ["BEGIN:VCARD", f"VERSION:{version}"]
        if draw(st.booleans()):
            lines.append(f"FN:{draw(nasty_text)}")
        for _ in range(draw(st.integers(0, 6))):
            name = draw(prop_names)
            ps = draw(params)
            head = ";".join([name, *ps])
            lines.append(f"{head}:{draw(nasty_text)}")
        if draw(st.integers(0, 9)):  # sometimes the card never ends
            lines.append("END:VCARD")
        cards.append(lines)
    eol = draw(st.sampled_from(["\r\n", "\n", "\r"]))
    text = eol.join(line for card in cards for line in card) + eol
    if draw(st.booleans()):  # fold long lines at random places
        cut = draw(st.lists(st.integers(1, max(1, len(text) - 1)), max_size=4, unique=True))
        for at in sorted(cut, reverse=True):
            text = text[:at] + eol + draw(st.sampled_from([" ", "\t"])) + text[at:]
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16", "cp1252"]))
    return text.encode(encoding, errors="replace")


headers = st.sampled_from(
    [
        "Name", "name", "Full Name", "First Name", "Last Name", "Given Name", "E-mail",
        "Email", "E-mail 1 - Value", "Phone 1 - Value", "Mobile Phone", "Company",
        "Notes", "Birthday", "Tags", "Labels", "Group Membership", "\ufeffName", "",
        "Name", "x",
    ]
)  # fmt: skip


@st.composite
def csvs(draw: st.DrawFn) -> bytes:
    delim = draw(st.sampled_from([",", ";", "\t"]))
    cols = draw(st.lists(headers | nasty_text, min_size=1, max_size=6))
    rows = [cols]
    for _ in range(draw(st.integers(0, 5))):
        rows.append(draw(st.lists(nasty_text, max_size=len(cols) + 2)))  # ragged
    quote = draw(st.booleans())

    def cell(value: str) -> str:
        if quote or delim in value or '"' in value or "\n" in value:
            return '"' + value.replace('"', draw(st.sampled_from(['""', '"']))) + '"'
        return value

    text = "\r\n".join(delim.join(cell(c) for c in row) for row in rows)
    if draw(st.booleans()):
        text = "\ufeff" + text
    encoding = draw(st.sampled_from(["utf-8", "latin-1", "utf-16"]))
    return text.encode(encoding, errors="replace")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | nasty_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(nasty_text, inner, max_size=4),
    max_leaves=20,
)
contact_keys = st.sampled_from(
    ["name", "emails", "phones", "tags", "birthday", "company", "notes", "uid", "custom",
     "id", "addresses", "urls", "dates", "title", "archived"]
)  # fmt: skip


@st.composite
def jsons(draw: st.DrawFn) -> bytes:
    shape = draw(st.integers(0, 2))
    if shape == 0:
        value = draw(json_values)
    elif shape == 1:
        value = draw(st.lists(st.dictionaries(contact_keys, json_values, max_size=6), max_size=4))
    else:
        value = {
            "format": draw(st.sampled_from(["minicrm", "minicrm-dump", "other", 1])),
            "version": draw(json_values),
            "schema": draw(json_values),
            "tables": draw(st.dictionaries(nasty_text, json_values, max_size=3)),
        }
    text = json.dumps(value)  # NaN and Infinity included, as Python writes them
    if draw(st.integers(0, 4)) == 0:
        text = text[: draw(st.integers(0, len(text)))]  # truncated
    return text.encode("utf-8")


table_names = st.sampled_from(
    ["contacts", "companies", "contact_emails", "contact_tags", "followups", "interactions",
     "interaction_contacts", "deals", "bogus"]
)  # fmt: skip
column_names = st.sampled_from(
    ["id", "uid", "display_name", "name_key", "name", "created_at", "updated_at",
     "contact_id", "value", "value_key", "tag", "custom", "position", "title", "bogus"]
)  # fmt: skip


@st.composite
def dumps(draw: st.DrawFn) -> bytes:
    """minicrm dumps with random tables, rows and values (restored into an empty
    database, ids included)."""
    row = st.dictionaries(column_names, json_values | st.integers(0, 5), max_size=7)
    tables = draw(st.dictionaries(table_names, st.lists(row, max_size=3), max_size=4))
    value = {
        "format": "minicrm-dump",
        "version": draw(st.sampled_from([1, 1, 1, 2, "1", None])),
        "schema": ["0001_initial"],
        "tables": tables,
    }
    return json.dumps(value).encode("utf-8")


# -- property tests ----------------------------------------------------------------------


def test_fuzzed_vcards(run, db, soak):
    opts = st.sampled_from([[], ["--format", "vcard"], ["--skip-invalid"]])
    fuzz(
        soak, 100, 5000, st.tuples(vcards(), opts), lambda ex: check_import(run, db, ex[0], *ex[1])
    )


def test_fuzzed_csv(run, db, soak):
    opts = st.sampled_from(
        [[], ["--format", "google"], ["--format", "outlook"], ["--skip-invalid"]]
    )
    fuzz(soak, 60, 3000, st.tuples(csvs(), opts), lambda ex: check_import(run, db, ex[0], *ex[1]))


def test_fuzzed_json(run, db, soak):
    fuzz(soak, 60, 3000, jsons(), lambda ex: check_import(run, db, ex, "--format", "json"))


def test_fuzzed_dumps_into_an_empty_database(run, store, db_path, soak):
    def check(data: bytes) -> None:
        check_import(run, db_path, data)
        with store.transaction():  # empty again, so the next dump is restored too
            for table in ("history", "changesets", *reversed(DATA_TABLES)):
                store.conn.execute(f'DELETE FROM "{table}"')

    fuzz(soak, 40, 2000, dumps(), check)
    assert FIGURES["restored"] > 0  # some dumps were good enough to restore


def test_fuzzed_bytes(run, db, soak):
    opts = st.sampled_from(
        [[], ["--format", "vcard"], ["--format", "csv"], ["--encoding", "latin-1"]]
    )
    data = st.binary(max_size=400)
    fuzz(soak, 60, 3000, st.tuples(data, opts), lambda ex: check_import(run, db, ex[0], *ex[1]))


# -- malformed shapes from the wild -------------------------------------------------------

GOOD_CARD = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Jane Doe\r\nN:Doe;Jane;;;\r\n"
    "EMAIL;TYPE=work:jane@acme.example\r\nTEL:+1 555 0100\r\nNOTE:Met at the fair\r\n"
    "END:VCARD\r\n"
)

MALFORMED: dict[str, bytes] = {
    "vcard 2.1 quoted-printable": (
        b"BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=C3=96zt=C3=BCrk;Ay=\r\n"
        b"=C5=9Fe;;;\r\nFN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Ay=C5=9Fe =C3=96zt=C3=BCrk\r\n"
        b"NOTE;ENCODING=QUOTED-PRINTABLE:line one=0D=0Aline two=\r\n"
        b"=0D=0Aline three\r\nEND:VCARD\r\n"
    ),
    "vcard 2.1 broken quoted-printable": (
        b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN;ENCODING=QUOTED-PRINTABLE:Bad =ZZ=G1 =\r\nEND:VCARD\r\n"
    ),
    "vcard 2.1 quoted-printable latin-1 charset": (
        b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:J=FCrgen\r\n"
        b"END:VCARD\r\n"
    ),
    "bad base64 photo": (
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Photo Person\r\n"
        b"PHOTO;ENCODING=b;TYPE=JPEG:not*base64*at*all===\r\nEND:VCARD\r\n"
    ),
    "truncated base64 photo": (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Photo Person\r\nPHOTO;ENCODING=b;TYPE=JPEG:"
        + base64.b64encode(b"\xff\xd8\xff" * 50).decode()[:-3]
        + "\r\nEND:VCARD\r\n"
    ).encode(),
    "vcard 4 data uri photo garbage": (
        b"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Uri Person\r\nPHOTO:data:image/jpeg;base64,@@@\r\n"
        b"END:VCARD\r\n"
    ),
    "deep nesting": (
        "BEGIN:VCARD\r\nVERSION:3.0\r\n" * 3000 + "FN:x\r\n" + "END:VCARD\r\n" * 3000
    ).encode(),
    "deep json nesting": b"[" * 100_000 + b"]" * 100_000,
    "deep json object nesting": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    "no end": b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Never Ends\r\n",
    "end without begin": b"FN:Orphan\r\nEND:VCARD\r\n",
    "empty": b"",
    "only a bom": b"\xef\xbb\xbf",
    "whitespace": b"  \r\n\t\n",
    "latin-1 vcard": "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Jürgen Müller\r\nEND:VCARD\r\n".encode(
        "latin-1"
    ),
    "utf-16 vcard": GOOD_CARD.encode("utf-16"),
    "cp1252 csv smart quotes": "Name,Notes\r\n\u201cQuoted\u201d Name,caf\u00e9\r\n".encode(
        "cp1252"
    ),
    "shift-jis csv": "Name,Email\r\n山田太郎,taro@example.jp\r\n".encode("shift_jis"),
    "utf-16 csv": "Name,Email\r\nAnn,ann@example.com\r\n".encode("utf-16"),
    "csv bom header": "\ufeffName,Email\r\nAnn,ann@example.com\r\n".encode(),
    "ragged csv": b"Name,Email\r\nAnn,ann@example.com,extra,more\r\nBob\r\n",
    "huge csv field": b"Name,Notes\r\nAnn," + b"x" * 200_000 + b"\r\n",
    "unclosed csv quote": b'Name,Email\r\n"Ann,ann@example.com\r\n',
    "csv nul": b"Name,Email\r\nA\x00nn,ann@example.com\r\n",
    "csv escape": b"Name,Email\r\n\x1b[2JAnn,ann@example.com\r\n",
    "vcard nul and escape in FN": b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\x00nn \x1b[31mred\r\nEND:VCARD\r\n",
    "vcard impossible birthday": b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Feb\r\nBDAY:2026-02-30\r\nEND:VCARD\r\n",
    "json not contacts": b'{"hello": "world"}',
    "json dump of the future": json.dumps(
        {"format": "minicrm", "version": 99, "schema": ["9999_future"], "tables": {}}
    ).encode(),
    "json contacts wrong types": b'[{"name": 5, "emails": "x"}, {"name": null}, 7, "s"]',
    "json contact name an object": b'[{"name": {"a": 1}}]',
    "json contact tag a number": b'[{"name": "A", "tags": [1]}]',
    "json contact uid a number": b'[{"name": "A", "uid": 5}]',
    "json contact company a list": b'[{"name": "A", "company": [1]}]',
    "json contact name NaN": b'[{"name": NaN}]',
    "json contact custom list": b'[{"name": "A", "custom": {"a": [1]}}]',
    "dump with bad tables": b'{"format": "minicrm-dump", "version": 1, "tables": {"companies": [1]}}',
    "dump with bad contact rows": (
        b'{"format": "minicrm-dump", "version": 1, "tables": {"contacts": [1, {"id": 2}]}}'
    ),
    "icalendar": b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n",
    "sqlite file": b"SQLite format 3\x00" + b"\x00" * 200,
    "gzip": b"\x1f\x8b\x08\x00" + b"\x00" * 50,
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
@pytest.mark.parametrize("fmt", [[], ["--skip-invalid"]], ids=["plain", "skip-invalid"])
def test_malformed_shapes(run, db, name, fmt):
    check_import(run, db, MALFORMED[name], *fmt)


RESTORES = {
    "unknown column": {"contacts": [{"id": 1, "bogus": 2}]},
    "object value": {"contacts": [{"id": 1, "display_name": {"a": 1}}]},
    "text id": {"contacts": [{"id": "x", "uid": "u", "display_name": "A"}]},
    "missing columns": {"contacts": [{"id": 1}]},
    "not rows": {"companies": [1]},
}


@pytest.mark.parametrize("name", sorted(RESTORES))
def test_malformed_dumps_into_an_empty_database(run, store, db_path, name):
    dump = {"format": "minicrm-dump", "version": 1, "tables": RESTORES[name]}
    assert check_import(run, db_path, json.dumps(dump).encode()) == 2


@pytest.mark.parametrize("cut", [1, 7, 20, 45, 80, 120, 150])
def test_truncated_files(run, db, cut):
    for whole in (GOOD_CARD.encode(), b'Name,Email,Notes\r\nAnn,ann@x.example,"a\r\nb"\r\n'):
        check_import(run, db, whole[: min(cut, len(whole) - 1)])


def test_a_refused_import_writes_nothing(run, db):
    """The checks above would pass if every import were refused: a good file does go in,
    and a file whose last record is bad leaves the database as it was."""
    assert check_import(run, db, GOOD_CARD.encode()) == 0
    before = snapshot(db)
    bad_last = GOOD_CARD.replace("Jane Doe", "Other Person").replace("jane@", "other@")
    bad_last += "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bad\r\nEMAIL:not an address\r\nEND:VCARD\r\n"
    assert check_import(run, db, bad_last.encode()) == 2
    assert snapshot(db) == before
