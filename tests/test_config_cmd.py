"""minicrm config: list, get, set, unset the settings of the config file (issue 19.9),
and the first day of the week it configures."""

from __future__ import annotations

import json
import os
import stat

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minicrm.settings.service import edited


@pytest.fixture
def config_file(isolated):
    return isolated.parent.parent / "config.toml"


def test_config_lists_every_setting_with_its_source_and_the_path(run, config_file):
    out = run.json("config")
    assert out["path"] == str(config_file) and out["exists"] is False
    by_key = {s["key"]: s for s in out["settings"]}
    assert by_key["deals.currency"] == {
        "key": "deals.currency",
        "value": "EUR",
        "source": "default",
        "help": by_key["deals.currency"]["help"],
    }
    assert by_key["week.first_day"]["value"] == "monday"
    text = run("config").stdout
    assert f"Config file: {config_file} (not created yet)" in text
    assert "deals.currency" in text and "week.first_day" in text


def test_set_creates_a_private_file_and_get_reads_it_back(run, config_file):
    assert "deals.currency = USD (file;" in run("config", "set", "deals.currency", "usd").stdout
    assert stat.S_IMODE(os.stat(config_file).st_mode) == 0o600
    assert run("config", "get", "deals.currency").stdout == "USD\n"
    assert run.json("config", "get", "deals.currency")["source"] == "file"
    # and the rest of minicrm uses it
    run("add", "Jane Doe")
    assert run.json("deal", "add", "jane", "Site", "--value", "10")["currency"] == "USD"


def test_set_through_a_symlinked_config_updates_its_target(run, config_file, tmp_path):
    """Dotfiles managers (stow, chezmoi, a git checkout) link ~/.config/minicrm/config.toml
    to a file elsewhere. `config set` renamed its new file over the link: the link became
    a plain file, the dotfiles copy stopped changing. Now the target is replaced (a
    temporary file beside it, renamed over it), the link stays a link, and the target's
    folder and mode are left as they were."""
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir(mode=0o755)
    target = dotfiles / "minicrm.toml"
    target.write_text('[deals]\ncurrency = "EUR"\n', encoding="utf-8")
    os.chmod(target, 0o640)
    config_file.unlink(missing_ok=True)
    config_file.symlink_to(target)
    run("config", "set", "deals.currency", "usd")
    assert config_file.is_symlink() and os.readlink(config_file) == str(target)
    assert target.read_text(encoding="utf-8") == '[deals]\ncurrency = "USD"\n'
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640
    assert stat.S_IMODE(os.stat(dotfiles).st_mode) == 0o755
    assert sorted(p.name for p in dotfiles.iterdir()) == ["minicrm.toml"]  # no temp left
    assert run("config", "get", "deals.currency").stdout == "USD\n"
    config_file.unlink()
    config_file.symlink_to(tmp_path / "gone" / "minicrm.toml")  # a link to a missing folder
    result = run("config", "set", "deals.currency", "eur", code=1)
    assert result.stderr.startswith("minicrm: cannot write the config file ")
    assert "No such file or directory" in result.stderr and "Traceback" not in result.stderr


def test_set_keeps_comments_and_other_tables(run, config_file):
    config_file.write_text(
        '# mine\n[deals]  # money\ncurrency = "EUR"  # euro\nstages = [\n'
        '  {name = "lead", probability = 10},\n  {name = "won", probability = 100},\n'
        '  {name = "lost", probability = 0},\n]\n\n[smtp]\nhost = "mail.example"\n'
        'password = "hunter2"\n',
        encoding="utf-8",
    )
    run("config", "set", "deals.stages", "lead:10, demo:30, won:100, lost:0")
    run("config", "set", "week.first_day", "Sun")
    text = config_file.read_text(encoding="utf-8")
    assert text.startswith('# mine\n[deals]  # money\ncurrency = "EUR"  # euro\n')
    assert '{name = "demo", probability = 30}' in text
    assert text.endswith('[week]\nfirst_day = "sunday"\n')
    assert 'host = "mail.example"' in text
    listing = run("config").stdout
    assert "hunter2" not in listing and "(set, not shown)" in listing
    assert "hunter2" not in run("config", "get", "smtp.password").stdout
    run("config", "unset", "smtp.password")
    assert "password" not in config_file.read_text(encoding="utf-8")
    assert run.json("config", "get", "smtp.password")["value"] is None


@pytest.mark.parametrize(
    "args, text",
    [
        (["set", "week.first_day", "funday"], "week.first_day must be a day of the week"),
        (["set", "deals.currency", "euro"], "not a currency code"),
        (["set", "digest.limit", "1000001"], "digest.limit must be a whole number"),
        (["set", "backups.keep", "ten"], "backups.keep must be a whole number"),
        (["set", "deals.stages", "lead:10, won:100"], "must include 'lost'"),
        (["set", "deals.stages", "lead"], "not a stage and probability"),
        (["set", "contacts.stages", " , "], "needs at least one name"),
        (["get", "nope"], "no setting 'nope'"),
    ],
)
def test_a_bad_value_is_refused_and_nothing_is_written(run, config_file, args, text):
    config_file.write_text('[deals]\ncurrency = "EUR"\n', encoding="utf-8")
    result = run("config", *args, code=None)
    assert result.exit_code in (2, 3)
    assert text in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert config_file.read_text(encoding="utf-8") == '[deals]\ncurrency = "EUR"\n'
    assert not [p for p in config_file.parent.iterdir() if p.name.endswith(".tmp")]


def test_a_broken_file_is_named_and_left_alone(run, config_file):
    config_file.write_text("[deals\n", encoding="utf-8")
    result = run("config", "set", "deals.currency", "USD", code=2)
    assert "is not valid TOML" in result.stderr
    assert config_file.read_text(encoding="utf-8") == "[deals\n"


def test_a_layout_the_editor_cannot_follow_is_refused(run, config_file):
    config_file.write_text('deals.currency = "EUR"\n', encoding="utf-8")
    result = run("config", "set", "deals.currency", "USD", code=2)
    assert "edit the file by hand" in result.stderr


def test_the_environment_wins_and_says_so(run, monkeypatch):
    monkeypatch.setenv("MINICRM_SMTP_HOST", "smtp.env.example")
    setting = run.json("config", "get", "smtp.host")
    assert setting == {**setting, "value": "smtp.env.example", "source": "environment"}


def test_edited_inserts_replaces_and_removes():
    assert edited("", "week.first_day", '"sunday"') == '[week]\nfirst_day = "sunday"\n'
    text = "[a]\nx = 1\n\n[b]\ny = 2\n"
    assert edited(text, "a.z", "3") == "[a]\nx = 1\nz = 3\n\n[b]\ny = 2\n"
    assert edited(text, "b.y", None) == "[a]\nx = 1\n\n[b]\n"
    assert edited(text, "a.x", "[\n1]") == "[a]\nx = [\n1]\n\n[b]\ny = 2\n"


def test_the_week_can_start_on_sunday(run, config_file):
    # Sun 2026-11-22: with weeks from Monday its week ends today, from Sunday on Sat 28
    run("add", "Jane Doe")
    due = run.json("follow", "jane", "Call", "--due", "eow")["due_date"]
    assert due == "2026-11-22"
    run("config", "set", "week.first_day", "sunday")
    assert run.json("follow", "jane", "Call", "--due", "eow")["due_date"] == "2026-11-28"
    weeks = run.json("stats", "--period", "2w")["activity"]["weeks"]
    assert all(
        __import__("datetime").date.fromisoformat(w["start"]).weekday() == 6 for w in weeks[1:]
    )
    assert json.loads(run("config", "--json").stdout)["exists"] is True


# -- the one-line editor, against tomllib -------------------------------------------------

_names = st.sampled_from(["a", "b", "week", "deals", "x-y"])
_keys = st.sampled_from(["k", "first_day", "currency", "n2"])
_values = st.one_of(
    st.integers(min_value=0, max_value=10**6).map(str),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=8).map(
        lambda t: json.dumps(t, ensure_ascii=False)
    ),
    st.lists(st.integers(0, 9), max_size=3).map(lambda v: "[\n  " + ", ".join(map(str, v)) + "\n]"),
)
_documents = st.dictionaries(_names, st.dictionaries(_keys, _values, max_size=3), max_size=3)


def _render(doc: dict[str, dict[str, str]]) -> str:
    parts = ["# a comment"]
    for table, entries in doc.items():
        parts.append(f"[{table}]  # table {table}")
        parts += [f"{key} = {value}" for key, value in entries.items()]
        parts.append("")
    return "\n".join(parts) + "\n"


@settings(max_examples=150, deadline=None)
@given(_documents, _names, _keys, st.one_of(st.none(), _values))
def test_edited_changes_exactly_one_key(doc, table, key, value):
    import tomllib

    text = _render(doc)
    before = tomllib.loads(text)
    after = tomllib.loads(edited(text, f"{table}.{key}", value))
    expected = json.loads(json.dumps(before))
    if value is None:
        if table in expected:
            expected[table].pop(key, None)
    else:
        expected.setdefault(table, {})[key] = tomllib.loads(f"v = {value}")["v"]
    assert after == expected
    assert "# a comment" in edited(text, f"{table}.{key}", value)


# -- [me], [capture] and [sync], the tables README tells users to write (a new-user trial) --


def test_config_shows_the_me_capture_and_sync_tables(run, config_file):
    config_file.write_text(
        '[me]\nemails = ["me@example.org", "me@work.example"]\n\n'
        '[capture]\nmail = ["~/Mail"]\nexcerpt = 100\nplus_addresses = false\n\n'
        '[sync]\ncontacts = "~/.contacts/minicrm"\ncommand = "vdirsyncer sync"\n',
        encoding="utf-8",
    )
    assert run("config", "get", "me.emails").stdout == '["me@example.org", "me@work.example"]\n'
    assert run("config", "get", "sync.contacts").stdout == "~/.contacts/minicrm\n"
    assert run("config", "get", "capture.mail").stdout == '["~/Mail"]\n'
    assert run("config", "get", "capture.excerpt").stdout == "100\n"
    assert run("config", "get", "capture.plus_addresses").stdout == "false\n"
    assert run("config", "get", "sync.command").stdout == "vdirsyncer sync\n"
    by_key = {s["key"]: s for s in run.json("config")["settings"]}
    assert by_key["me.emails"]["source"] == "file"
    assert by_key["sync.winner"] == {
        **by_key["sync.winner"],
        "value": "minicrm",
        "source": "default",
    }
    assert by_key["capture.calendar"]["value"] is None
    listing = run("config").stdout
    assert "me.emails" in listing and "sync.contacts" in listing and "capture.ignore" in listing


def test_config_sets_and_unsets_the_me_capture_and_sync_tables(run, config_file):
    run("config", "set", "me.emails", "me@example.org, me@work.example")
    run("config", "set", "capture.mail", '["~/Mail", "~/Archive"]')
    run("config", "set", "capture.excerpt", "0")
    run("config", "set", "capture.plus_addresses", "fastmail.com")
    run("config", "set", "sync.contacts", "~/.contacts/minicrm")
    run("config", "set", "sync.winner", "vdir")
    text = config_file.read_text(encoding="utf-8")
    assert '[me]\nemails = ["me@example.org", "me@work.example"]\n' in text
    assert (
        'mail = ["~/Mail", "~/Archive"]\nexcerpt = 0\nplus_addresses = ["fastmail.com"]\n' in text
    )
    assert '[sync]\ncontacts = "~/.contacts/minicrm"\nwinner = "vdir"\n' in text
    assert run.json("config", "get", "sync.winner")["value"] == "vdir"
    run("config", "set", "capture.plus_addresses", "false")
    assert "plus_addresses = false\n" in config_file.read_text(encoding="utf-8")
    run("config", "unset", "sync.winner")
    assert "winner" not in config_file.read_text(encoding="utf-8")
    assert run.json("config", "get", "sync.winner")["source"] == "default"


@pytest.mark.parametrize(
    "args, text",
    [
        (["set", "sync.winner", "me"], 'sync.winner must be "minicrm" or "vdir"'),
        (["set", "capture.excerpt", "99999"], "capture.excerpt must be a whole number"),
        (["set", "sync.max_delete_percent", "101"], "sync.max_delete_percent must be"),
        (["set", "me.emails", " , "], "me.emails needs at least one value"),
        (["set", "capture.mail", '["~/Mail"'], "not a list"),
    ],
)
def test_a_bad_value_in_the_new_tables_is_refused(run, config_file, args, text):
    config_file.write_text("# mine\n", encoding="utf-8")
    result = run("config", *args, code=2)
    assert text in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert config_file.read_text(encoding="utf-8") == "# mine\n"


def test_an_unknown_table_is_reported_by_config_and_db_check(run, config_file):
    config_file.write_text('[captrue]\nmail = ["~/Mail"]\n', encoding="utf-8")
    warning = (
        f"minicrm: warning: config file {config_file}: unknown table [captrue], ignored"
        " (did you mean [capture]?)"
    )
    result = run("config")
    assert result.stderr.strip().splitlines() == [warning]
    assert run("config", "get", "deals.currency").stderr.strip() == warning
    assert warning in run("db", "check").stderr
    assert run("ls").stderr == ""  # other commands stay quiet
