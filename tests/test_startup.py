"""Start-up (issue 14.5): a command imports only what it uses, and the shortcuts that
keep start-up near ``import typer`` (the root's help from a table, a group building
only the command run) answer exactly as the full command tree does.

Timing is never asserted here; bench/run.py measures it. What is asserted is what a
process loads, which is what start-up costs."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import typer

from minicrm import cli
from minicrm.cli.summaries import PANELS, SUMMARIES
from minicrm.cli.summaries.__main__ import generate

# Run minicrm as the `minicrm` command does, then print the modules loaded.
_RUN = (
    "import atexit, sys\n"
    "atexit.register(lambda: sys.stderr.write('\\nMODULES ' + ' '.join(sorted(sys.modules))))\n"
    "sys.argv = ['minicrm', *sys.argv[1:]]\n"
    "from minicrm.__main__ import main\n"
    "main()\n"
)
_TYPER = (
    "import atexit, sys\n"
    "atexit.register(lambda: sys.stderr.write('\\nMODULES ' + ' '.join(sorted(sys.modules))))\n"
    "import typer\n"
)


def _modules(code: str, args: list[str], env: dict[str, str]) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    line = done.stderr.rsplit("MODULES ", 1)[1]
    return set(line.split())


@pytest.fixture(scope="module")
def startup_env(tmp_path_factory) -> dict[str, str]:
    """A database with one contact (with an email, a follow-up and an interaction)."""
    folder = tmp_path_factory.mktemp("startup")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINICRM_")}
    env.update(
        MINICRM_DB=str(folder / "crm.db"),
        MINICRM_CONFIG=str(folder / "config.toml"),
        TZ="UTC",
        NO_COLOR="1",
    )
    for args in (
        ["add", "Jane Doe", "--email", "jane@acme.io", "--tag", "vip"],
        ["log", "jane", "call", "Talked about xylophones"],
        ["follow", "jane", "Send the deck", "--due", "tomorrow"],
    ):
        subprocess.run(
            [sys.executable, "-m", "minicrm", *args], env=env, check=True, capture_output=True
        )
    env["TYPER_BASELINE"] = " ".join(sorted(_modules(_TYPER, [], env)))
    return env


# What each hot command may load beyond `import typer`. Adding to this list is a decision:
# each module costs start-up on every run of the command (python -X importtime -m minicrm
# CMD shows how much).
_BASE = {"__future__", "minicrm", "minicrm.__main__", "minicrm.cli", "minicrm.core.errors"}
_BASE |= {"minicrm.core.paths", "shlex", "typer._click.decorators", "gc"}
_DATA = {
    "minicrm.cli.common",
    "minicrm.core.clock",
    "minicrm.core.dates",
    "minicrm.core.dateparse",
    "minicrm.core.ids",
    "minicrm.core.models",
    "minicrm.contacts.models",
    "minicrm.ui.render",
    "minicrm.ui.text",
    "minicrm.ui.machine",
    "minicrm.db",
    "minicrm.db.store",
    "minicrm.db.opening",
    "minicrm.db.files",
    "minicrm.db.migrate",
    "minicrm.db.recording",
    "minicrm.contacts.queries",
    "minicrm.db.schema",
    "minicrm.core.validate",
    "dataclasses",
    "unicodedata",
    "sqlite3",
    "sqlite3.dbapi2",
    "_sqlite3",
    "json",
    "json.decoder",
    "json.encoder",
    "json.scanner",
    "_json",
}
# Read by every command that shows contacts or activity, piped too: the reader of stored
# JSON values (damaged ones included, 1.4 ms), and the terminal renderer (4 ms), imported
# at module level by render_activity for its column specs and styled strings; both came
# with the merge of issues 13 and 14.1. The second is a candidate for a lazy import.
_DATA |= {"minicrm.db.jsonvalues", "minicrm.ui.screen", "minicrm.ui.terminal"}
_ZONE = {"zoneinfo", "zoneinfo._common", "zoneinfo._tzpath", "_zoneinfo", "sysconfig"}
_ZONE |= {"struct", "_struct"}  # and sysconfig's _sysconfigdata_* (named per platform)
_CONTACTS = {
    "minicrm.cli.contacts",
    "minicrm.contacts.companies",
    "minicrm.contacts.service",
    "minicrm.contacts.refs",
    "minicrm.contacts.render",
    "minicrm.contacts.reading",
    "minicrm.contacts.tags",
}
_CONTACTS |= {
    "minicrm.activity.followups",
    "minicrm.activity.interactions",
    "minicrm.core.recurrence",
    # the dateutil search split out of recurrence (issue 16); the RRULE writer stays out
    "minicrm.core.occurrences",
}
_CONTACTS |= {"minicrm.activity.queries", "minicrm.activity.models"}
ALLOWED = {
    ("db", "path"): _BASE | {"minicrm.cli.common", "minicrm.cli.database"},
    ("--help",): _BASE
    | {"minicrm.cli.summaries", "minicrm.cli.examples", "typer._click._textwrap"},
    ("show", "jane@acme.io"): _BASE
    | _DATA
    | _ZONE
    | _CONTACTS
    | {"minicrm.activity.views", "minicrm.activity.render", "minicrm.deals.queries"},
    ("ls", "tag:vip", "--limit", "50"): _BASE | _DATA | _CONTACTS,
    ("next",): _BASE
    | _DATA
    | _ZONE
    | (_CONTACTS - {"minicrm.cli.contacts"})
    | {"minicrm.activity.views", "minicrm.cli.next"}
    | {"minicrm.nextup.service", "minicrm.nextup.queries", "minicrm.nextup.render"},
    ("search", "xylophone"): _BASE
    | _DATA
    | {
        "minicrm.cli.search",
        "minicrm.search.service",
        "minicrm.search.queries",
        "minicrm.search.render",
    },
}


@pytest.mark.parametrize("args", list(ALLOWED), ids=" ".join)
def test_a_hot_command_imports_only_what_it_uses(startup_env, args):
    baseline = set(startup_env["TYPER_BASELINE"].split())
    loaded = _modules(_RUN, list(args), startup_env) - baseline
    allowed = ALLOWED[args]
    packages = {m.rpartition(".")[0] for m in allowed if m.startswith("minicrm.")}
    unexpected = {m for m in loaded - allowed - packages if not m.startswith("_sysconfigdata")}
    assert not unexpected, f"minicrm {' '.join(args)} also imports {sorted(unexpected)}"


def test_the_root_help_comes_from_a_table_that_matches_the_commands():
    full = typer.main.get_command(cli.app)
    assert [name for name, _ in SUMMARIES] == list(full.commands)  # type: ignore[attr-defined]
    for name, text in SUMMARIES:
        assert full.commands[name].get_short_help_str() == text, name  # type: ignore[attr-defined]
        assert full.commands[name].rich_help_panel == PANELS[name], name  # type: ignore[attr-defined]
    assert "SUMMARIES: tuple[tuple[str, str], ...] = (" in generate()
    assert generate().count("\n    (") == len(SUMMARIES)


@pytest.mark.parametrize("columns", ["40", "80", "200"])
@pytest.mark.parametrize("args", [["--help"], ["-h"], []])
def test_the_root_help_is_the_full_trees(startup_env, args, columns):
    env = {**startup_env, "COLUMNS": columns}
    full_tree = "import sys; from minicrm.cli import app; app(sys.argv[1:], prog_name='minicrm')"
    fast, full = (
        subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
        for command in (
            [sys.executable, "-m", "minicrm", *args],
            [sys.executable, "-c", full_tree, *args],
        )
    )
    assert (fast.stdout, fast.stderr, fast.returncode) == (
        full.stdout,
        full.stderr,
        full.returncode,
    )
    assert "Contacts:" in fast.stdout + fast.stderr and "  db  " in fast.stdout + fast.stderr
    assert "Examples:" in fast.stdout + fast.stderr


def test_a_group_builds_only_the_command_run_and_keeps_its_whole_help(run):
    alone = typer.main.get_command(cli.build_app("db", "path"))
    assert list(alone.commands["db"].commands) == ["path"]  # type: ignore[attr-defined]
    whole = typer.main.get_command(cli.build_app("db", None))
    assert set(whole.commands["db"].commands) == {"path", "backup", "restore", "check"}  # type: ignore[attr-defined]
    # an unknown word keeps the whole group (so click names the mistake)
    assert len(typer.main.get_command(cli.build_app("db", "pth")).commands["db"].commands) == 4  # type: ignore[attr-defined]
    # and the module's own tree is untouched for the next full build
    assert len(typer.main.get_command(cli.app).commands["db"].commands) == 4  # type: ignore[attr-defined]


def test_the_subcommand_is_the_second_word():
    from minicrm.cli import subcommand_name

    assert subcommand_name(["db", "path"]) == "path"
    assert subcommand_name(["--db", "x.db", "db", "--help"]) is None
    assert subcommand_name(["--db", "x.db", "deal", "add", "jane"]) == "add"
    assert subcommand_name(["ls"]) is None


@pytest.mark.parametrize(
    "args, code, text",
    [
        (["db", "path"], 0, "crm.db"),
        (["db", "pth"], 2, "No such command 'pth'"),
        (["db", "path", "--help"], 0, "Print the path of the database"),
        (["--help"], 0, "Contacts:"),
        ([], 2, "Contacts:"),
        (["--db"], 2, "requires an argument"),
        (["--nope"], 2, "No such option: --nope"),
    ],
)
def test_the_minicrm_process_answers_as_before(startup_env, args, code, text):
    done = subprocess.run(
        [sys.executable, "-m", "minicrm", *args],
        capture_output=True,
        text=True,
        env=startup_env,
        timeout=60,
    )
    assert done.returncode == code, done.stderr
    assert text in done.stdout + done.stderr
