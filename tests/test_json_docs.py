"""docs/json.md is a contract, and this file holds minicrm to it.

Each shape in docs/json.md is a table of keys and types under a marker, and each example
is tagged with the command that prints it (HTML comments, invisible when rendered)::

    <!-- shape: contact -->
    | field | type | meaning |
    |---|---|---|
    | `id` | integer | ... |
    | `company` | reference or null | ... |
    | `emails` | array of labelled values | ... |

    <!-- json: contact | minicrm add "Jane Doe" -e work:jane@acme.io --json -->
    ```json
    {...}
    ```

A tag on a line of its own, with no example after it, is a command that prints a shape
shown elsewhere: its output is checked all the same. A table's rows may name several keys (`` `a`, `b` ``) and the keys of nested objects
(`reasons[].kind`, `period.start`). A type is ``integer``, ``string``, ``boolean``,
``number``, ``null``, ``any``, a shape's name (singular or plural, maybe as a link to its
section), ``array of T``, ``object of T`` (any keys, values T), or several of these
joined by ``or`` and commas. ``<!-- shape: NAME extends BASE -->`` is BASE with the
table's keys added.

For each tagged example, the test runs its command through the CLI on a fixture database
(built below, with the clock frozen) and checks the real output, and the example itself,
against the type: every documented key present, no key that is not documented, every
value of a documented type, recursively. A last test checks that the examples reach every
key of every shape with a real value (not only null or []), so no type goes unchecked.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import sqlite3
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from minicrm.cli import app

ROOT = Path(__file__).resolve().parent.parent
JSON_MD = ROOT / "docs" / "json.md"
FROZEN_AT = "2026-11-22T09:30:00+00:00"

# -- the types --------------------------------------------------------------------------

PRIMITIVES = {"integer", "string", "boolean", "number", "null", "any"}


@dataclass
class Shape:
    name: str
    keys: dict[str, Any] = field(default_factory=dict)  # key -> type (a tuple of alternatives)
    origin: dict[str, str] = field(default_factory=dict)  # key -> the shape that documents it


@dataclass(frozen=True)
class ArrayOf:
    item: Any


@dataclass(frozen=True)
class ObjectOf:
    value: Any


@dataclass(frozen=True)
class Named:
    name: str


def parse_type(text: str) -> tuple:
    """A type column's text as a tuple of alternatives."""
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text).replace("`", "").strip()
    return tuple(_alternative(part.strip()) for part in re.split(r",\s*|\s+or\s+", text))


def _alternative(text: str) -> Any:
    for prefix, kind in (("array of ", ArrayOf), ("arrays of ", ArrayOf)):
        if text.startswith(prefix):
            return kind((_alternative(text[len(prefix) :]),))
    for prefix in ("object of ", "objects of "):
        if text.startswith(prefix):
            return ObjectOf((_alternative(text[len(prefix) :]),))
    if text in PRIMITIVES or text in {"array", "object"}:
        return text
    if text.endswith("s") and text[:-1] in PRIMITIVES:
        return text[:-1]
    return Named(text)


def _shape_name(shapes: dict[str, Shape], name: str) -> str:
    if name in shapes:
        return name
    for singular in (name[:-1], name[:-2], name[:-3] + "y"):  # follow-ups, matches, companies
        if name.endswith("s") and singular in shapes:
            return singular
    raise KeyError(f"docs/json.md: no shape named {name!r}")


def _table_rows(table: str) -> list[tuple[list[str], str]]:
    lines = [line for line in table.strip().splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert "type" in header, f"a shape's table needs a type column: {lines[0]}"
    at = header.index("type")
    rows = []
    for line in lines[2:]:
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip()[1:-1])]
        rows.append((re.findall(r"`([^`]+)`", cells[0]), cells[at]))
    return rows


def _add(shapes: dict[str, Shape], shape: Shape, path: str, kind: tuple) -> None:
    """A row: ``key``, or ``key[].sub`` / ``key.sub`` (a key of the objects in ``key``)."""
    match = re.fullmatch(r"([^.\[]+)(?:(\[\])?\.(.+))?", path)
    assert match, f"{shape.name}: cannot read the key {path!r}"
    head, array, rest = match.groups()
    if rest is None:
        assert head not in shape.keys, f"{shape.name}: {head} documented twice"
        shape.keys[head] = kind
        shape.origin[head] = shape.name
        return
    inner = f"{shape.name}.{head}"
    shapes.setdefault(inner, Shape(inner))
    wanted = ArrayOf((Named(inner),)) if array else Named(inner)
    current = shape.keys.get(head, ())
    if wanted not in current:  # "array" (or "object") of the row above is this one
        bare = "array" if array else "object"
        shape.keys[head] = (*(a for a in current if a != bare), wanted)
        shape.origin[head] = shape.name
    _add(shapes, shapes[inner], rest, kind)


@dataclass
class Example:
    type: tuple
    command: str
    body: str | None  # None: a command whose output has a shape shown elsewhere
    line: int

    @property
    def path(self) -> str:
        """The command's path in the tree: ``deal show`` of ``minicrm deal show 1 --json``."""
        words = shlex.split(self.command)[1:]
        first = words[0]
        if first in GROUPS:
            return f"{first} {words[1]}"
        return first


GROUPS = {"company", "deal", "db", "interaction", "followup", "capture"}


def read_docs(text: str | None = None) -> tuple[dict[str, Shape], list[Example]]:
    text = JSON_MD.read_text(encoding="utf-8") if text is None else text
    shapes: dict[str, Shape] = {}
    pending: list[tuple[Shape, str, str | None]] = []
    for m in re.finditer(
        r"<!-- shape: (?P<name>.+?)(?: extends (?P<base>.+?))? -->\n(?P<table>(?:\|.*\n)+)", text
    ):
        shape = shapes.setdefault(m["name"], Shape(m["name"]))
        pending.append((shape, m["table"], m["base"]))
    for shape, table, base in pending:
        if base:
            shape.keys.update(shapes[_shape_name(shapes, base)].keys)
            shape.origin.update(shapes[_shape_name(shapes, base)].origin)
        for keys, kind in _table_rows(table):
            for key in keys:
                _add(shapes, shape, key, parse_type(kind))
    examples = [
        Example(parse_type(m["type"]), m["command"], m["body"], text[: m.start()].count("\n") + 1)
        for m in re.finditer(
            r"<!-- json: (?P<type>[^\n]+?) \| (?P<command>minicrm [^\n]+?) -->\n"
            r"(?:```(?:json)?\n(?P<body>.*?)\n```)?",
            text,
            re.S,
        )
    ]
    for shape in list(shapes.values()):
        for key, kind in shape.keys.items():
            _resolve(shapes, kind, f"{shape.name}.{key}")
    return shapes, examples


def _resolve(shapes: dict[str, Shape], kind: Any, where: str) -> None:
    for alt in kind if isinstance(kind, tuple) else (kind,):
        if alt in {"array", "object"}:
            raise AssertionError(f"docs/json.md, {where}: '{alt}' of what? (array of T, ...)")
        if isinstance(alt, Named):
            _shape_name(shapes, alt.name)
        elif isinstance(alt, ArrayOf):
            _resolve(shapes, alt.item, where)
        elif isinstance(alt, ObjectOf):
            _resolve(shapes, alt.value, where)


# -- checking a value against a type ----------------------------------------------------


class Checker:
    def __init__(self, shapes: dict[str, Shape]) -> None:
        self.shapes = shapes
        self.reached: set[tuple[str, str]] = set()  # (shape, key) seen with a real value

    def check(self, value: Any, kind: tuple, path: str = "$") -> list[str]:
        fitting = [alt for alt in kind if self._fits(value, alt)]
        if not fitting:
            return [f"{path}: {_kind(value)} {_short(value)}, documented as {_show(kind)}"]
        errors: list[str] = []
        for alt in fitting:
            errors = self._inside(value, alt, path)
            if not errors:
                return []
        return errors

    def _fits(self, value: Any, alt: Any) -> bool:
        if alt == "any":
            return True
        if alt == "null":
            return value is None
        if alt == "boolean":
            return isinstance(value, bool)
        if alt == "integer":
            return isinstance(value, int) and not isinstance(value, bool)
        if alt == "number":
            return isinstance(value, int | float) and not isinstance(value, bool)
        if alt == "string":
            return isinstance(value, str)
        if isinstance(alt, ArrayOf):
            return isinstance(value, list)
        return isinstance(value, dict)  # ObjectOf, Named

    def _inside(self, value: Any, alt: Any, path: str) -> list[str]:
        if isinstance(alt, ArrayOf):
            return [
                e
                for i, item in enumerate(value)
                for e in self.check(item, alt.item, f"{path}[{i}]")
            ]
        if isinstance(alt, ObjectOf):
            return [e for k, v in value.items() for e in self.check(v, alt.value, f"{path}.{k}")]
        if isinstance(alt, Named):
            shape = self.shapes[_shape_name(self.shapes, alt.name)]
            errors = [
                f"{path}: key {k!r} is not documented (shape {shape.name})"
                for k in value
                if k not in shape.keys
            ]
            errors += [
                f"{path}: documented key {k!r} is missing (shape {shape.name})"
                for k in shape.keys
                if k not in value
            ]
            for key, kind in shape.keys.items():
                if key in value:
                    errors += self.check(value[key], kind, f"{path}.{key}")
                    if value[key] not in (None, [], {}):
                        self.reached.add((shape.origin[key], key))
            return errors
        return []


def _kind(value: Any) -> str:
    return {
        bool: "boolean",
        int: "integer",
        float: "number",
        str: "string",
        list: "array",
        dict: "object",
        type(None): "null",
    }[type(value)]


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) < 50 else text[:47] + "..."


def _show(kind: tuple) -> str:
    def one(alt: Any) -> str:
        if isinstance(alt, ArrayOf):
            return f"array of {_show(alt.item)}"
        if isinstance(alt, ObjectOf):
            return f"object of {_show(alt.value)}"
        if isinstance(alt, Named):
            return alt.name
        return alt

    return " or ".join(one(a) for a in kind)


# -- the fixture database ---------------------------------------------------------------

PEOPLE_CSV = """Name,Email,Phone,Company,Job Title,Tags,Birthday
Jane Doe,JANE@ACME.IO,+1 555 0199,Acme,Founder,board,1984-12-05
Ann Lee,ann@two.example,,,,,
Bo Chen,bo@chen.example,+86 10 5555 0100,,,,
Raj Patel,raj@initech.example,,Initech,,,
"""

# A small CRM a week into use, on Sun 2026-11-22 09:30 UTC (the frozen clock), reaching
# every key the shapes document. The examples' commands run on copies of it, in its
# folder (where people.csv and the vCard files are).
SETUP = [
    "company add Acme --domain acme.io --notes 'Anvils and rockets'",
    "add 'Jane Doe' --given Jane --family Doe -e work:jane@acme.io -e jane@home.example"
    " -p 'mobile:+1 555 0100' --url linkedin:https://linkedin.com/in/jane"
    " --address 'home:1 Main St' --date anniversary:2015-06-20 -c Acme --title CTO -t vip"
    " -t board --stage customer --birthday 1984-12-05 --every 30d --source referral"
    " --nickname JD --notes 'Prefers mornings' --set linkedin_id=jdoe",
    "add 'Raj Patel' -e raj@initech.example --birthday 1984-02-29"
    " --date first-deal:2020-11-30 -t investor",
    "add 'John Smith' -e john@acme.io -c Acme --title CTO",
    "add 'Jon Smith' -e john@acme.io -c Acme --title CEO -p '+1 555 010 0100' -t lead",
    "add 'Sam Lee' -p '+44 20 7946 0000' --birthday=--11-21 --every 30d",
    "add 'Ann Archived' -e ann@old.example",
    "archive ann",
    "import apple.vcf",
    "tag cadence investor 60d",
    "log jane call 'Discussed pricing, wants a proposal' --at '2026-11-19 15:00'",
    "log sam note 'Met at the conference' --at 2026-09-03",
    "log raj meeting 'Minutes: budget approved' --at 'yesterday 4pm' -w jane",
    "follow jane 'Call about renewal' --due 2026-11-23 --at 14:30",
    "snooze 1 '2026-11-25 09:00'",
    "follow jane 'Send pricing sheet' --due 2026-11-20 --notes 'Both plans, with the discount'",
    "follow raj 'Board pack' --due 2026-11-30 --every month --until 2027-06-30",
    "followup edit 3 --every quarterly --count 4",
    "follow raj 'Check in' --due 2026-11-21 --at 9am --every 2w",
    "follow sam 'Send the deck' --due 2026-11-18",
    "follow jane 'Lunch' --due 2026-11-22",
    "follow jane 'Old task' --due 2026-11-10",
    "done 7 --note 'Done before the call'",
    "follow jane 'Dropped' --due 2026-11-12",
    "cancel 8",
    "deal add jane 'Website redesign' --value 12000.50 --stage proposal --close 2026-12-15"
    " --probability 40",
    "deal add raj 'Licences' --value 999.99 --currency USD",
    "deal add --company Acme 'Hosting' --value 500 --close 2026-11-01",
    "deal add jane 'Training' --value 100",
    "deal lost 4 --reason price",
    "deal add raj 'Support' --value 300 --on 2026-10-01",
    "deal won 5",
    "deal add sam 'Workshop' --value 800 --close 2026-12-10",
    "follow --deal 1 'Send the contract' --due 2026-12-01",
    "log jane email 'Sent the contract' --deal 1 --at '2026-11-21 10:00'",
    "dupes --ignore jane sam",
    "digest --on 2026-11-19",
    "deal add --company Acme Anvils --value 50",
    "deal won 7",
    "sync contacts vdir",
    "edit jane --title 'Chief Technology Officer'",
    "tag jane extra",
    "undo",
    "db backup",
    "export -f ics -o tasks.ics",
    "sync events cal --followups",
]


@pytest.fixture(scope="module")
def fixture_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("json-docs")
    (folder / "people.csv").write_text(PEOPLE_CSV, encoding="utf-8")
    (folder / "config.toml").write_text(
        '[backups]\nkeep = 1\n[capture]\nmail = ["capture/Mail"]\ncalendar = ["capture/calendar"]\n'
        '\n[sync]\ncontacts = "vdir"\n'
        f"command = {json.dumps([sys.executable, '-c', 'pass'])}\n",
        encoding="utf-8",
    )
    for name in ("apple.vcf", "team_with_bad_card.vcf"):
        shutil.copy(ROOT / "tests" / "data" / "vcard" / name, folder / name)
    # a Maildir tree and a calendar for `capture` (issue 20)
    shutil.copytree(ROOT / "tests" / "data" / "capture", folder / "capture")
    # a backup of an older schema, for db restore to bring up to date
    old = ROOT / "tests" / "fixtures" / "schema-0010_last_interaction.db"
    shutil.copy(old, folder / "crm-before-import.db")
    with _environment(folder):
        for line in SETUP:
            result = _run(folder / "minicrm.db", shlex.split(line))
            assert result.exit_code == 0, f"{line}: {result.stderr or result.stdout}"
    # the phone changed Jane's title too (a conflict) and left a file no one can read
    jane = next(p for p in (folder / "vdir").glob("*.vcf") if "FN:Jane Doe" in p.read_text())
    jane.write_text(jane.read_text().replace("TITLE:CTO", "TITLE:Founder"), encoding="utf-8")
    (folder / "vdir" / "broken.vcf").write_text("BEGIN:VCARD\r\nEND:VCARD\r\n")
    # ... deleted Sam's card, and copied Raj's (two files, one UID)
    cards = {p: p.read_text() for p in (folder / "vdir").glob("*.vcf")}
    next(p for p, text in cards.items() if "FN:Sam Lee" in text).unlink()
    raj = next(text for text in cards.values() if "FN:Raj Patel" in text)
    (folder / "vdir" / "raj-copy.vcf").write_text(raj, encoding="utf-8")
    # ... and has a card of the contact archived in minicrm (the sync brings it back)
    with sqlite3.connect(folder / "minicrm.db") as conn:
        (ann,) = conn.execute("SELECT uid FROM contacts WHERE archived = 1").fetchone()
    conn.close()
    (folder / "vdir" / "ann.vcf").write_text(
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{ann}\r\nFN:Ann Archived\r\nEND:VCARD\r\n"
    )
    # the follow-ups as a phone left them: one done, and a task minicrm does not know
    tasks = (folder / "tasks.ics").read_bytes().decode()
    tasks = tasks.replace(
        "STATUS:NEEDS-ACTION\r\nSUMMARY:Send pricing sheet",
        "STATUS:COMPLETED\r\nSUMMARY:Send pricing sheet",
    )
    stranger = "BEGIN:VTODO\r\nUID:phone-1\r\nDTSTAMP:20261121T000000Z\r\nSUMMARY:Buy milk\r\nEND:VTODO\r\n"
    (folder / "tasks.ics").write_bytes(
        tasks.replace("END:VCALENDAR", stranger + "END:VCALENDAR").encode()
    )
    # a calendar where one event was edited by hand and one is gone from minicrm
    events = sorted((folder / "cal").glob("*.ics"))
    events[0].write_bytes(events[0].read_bytes().replace(b"SUMMARY:", b"SUMMARY:Edited "))
    stale = events[1].read_bytes().decode()
    stale = re.sub(r"UID:.*?@minicrm", "UID:gone@minicrm", stale)
    (folder / "cal" / "gone.ics").write_bytes(stale.encode())
    events[2].unlink()  # ... and one the phone lost
    # a copy whose search index lost its rows, for db check to find at fault and repair
    damaged = folder / "damaged.db"
    shutil.copy(folder / "minicrm.db", damaged)
    with sqlite3.connect(damaged) as conn:
        conn.execute("DELETE FROM search_index")
    conn.close()
    return folder


def _environment(folder: Path) -> Any:
    from contextlib import contextmanager
    from datetime import datetime

    @contextmanager
    def env() -> Any:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("MINICRM_CONFIG", str(folder / "config.toml"))
            patch.delenv("MINICRM_DB", raising=False)
            patch.chdir(folder)
            patch.setattr("minicrm.core.clock.now", lambda: datetime.fromisoformat(FROZEN_AT))
            yield

    return env()


def _run(db: Path, args: list[str]) -> Any:
    if "--db" not in args:  # an example may name another database of the folder
        args = ["--db", str(db), *args]
    return CliRunner().invoke(app, args, input="")


SHAPES, EXAMPLES = read_docs()


@pytest.fixture(scope="module")
def outputs(fixture_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[int, Any]:
    """Each example's command run on its own copy of the fixture (so that each starts
    from the same data), its output parsed: by the example's line in docs/json.md."""
    found = {}
    for example in EXAMPLES:
        work = tmp_path_factory.mktemp("run") / "work"
        shutil.copytree(fixture_dir, work)
        with _environment(work):
            result = _run(work / "minicrm.db", shlex.split(example.command)[1:])
        assert result.exit_code in (0, 8), (
            f"{example.command}: exit {result.exit_code}: {result.stderr}"
        )
        found[example.line] = json.loads(result.stdout)
    return found


def test_the_docs_tag_their_examples():
    assert len(EXAMPLES) >= 40
    text = JSON_MD.read_text(encoding="utf-8")
    untagged = re.findall(r"^(?!<!-- json: ).*\n```json\n", text, re.M)
    assert not untagged, f"a JSON example without its command: {untagged}"


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"{e.line}:{e.command}" for e in EXAMPLES])
def test_the_example_and_the_real_output_have_the_documented_shape(
    example: Example, outputs: dict[int, Any]
):
    if example.body is not None:
        errors = Checker(SHAPES).check(json.loads(example.body), example.type)
        assert errors == [], f"the example at docs/json.md:{example.line}:\n" + "\n".join(errors)
    errors = Checker(SHAPES).check(outputs[example.line], example.type)
    assert errors == [], f"{example.command} (docs/json.md:{example.line}):\n" + "\n".join(errors)


def test_the_examples_reach_every_documented_key(outputs: dict[int, Any]):
    """Every key of every shape is seen in some command's real output with a value that
    is not null or empty, so that its type, and the types inside it, are checked."""
    checker = Checker(SHAPES)
    for example in EXAMPLES:
        checker.check(outputs[example.line], example.type)
    documented = {(s.origin[k], k) for s in SHAPES.values() for k in s.keys}
    unreached = sorted(documented - checker.reached)
    assert not unreached, f"keys no example shows with a value: {unreached}"
