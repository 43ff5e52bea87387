"""Completion that knows the data (issue 19.4): the completion entry point invoked as
bash, zsh and fish invoke it (_MINICRM_COMPLETE and the words in the environment), and
bash itself running the script minicrm prints."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from minicrm.completion import queries

MINICRM = [sys.executable, "-m", "minicrm"]


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("completion")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MINICRM_", "_MINICRM_"))}
    env.update(
        MINICRM_DB=str(folder / "crm.db"),
        MINICRM_CONFIG=str(folder / "config.toml"),
        TZ="UTC",
        NO_COLOR="1",
        MINICRM_NO_HOOKS="1",
    )
    for args in (
        ["add", "Jane Doe", "--email", "jane@acme.io", "--tag", "vip", "--company", "Acme Corp"],
        ["add", "John Doe", "--tag", "vendor", "--stage", "customer"],
        ["add", "Jane Doe", "--email", "jd@other.org"],
        ["add", "Zoë Ångström", "--email", "zoe@kth.se"],
        ["follow", "jane@acme.io", "Send the deck", "--due", "2026-12-10"],
        ["follow", "john", "Call back", "--due", "2026-12-11"],
        ["done", "2"],
        ["deal", "add", "jane@acme.io", "Website redesign", "--value", "1200"],
        ["log", "john", "call", "Talked about pricing"],
    ):
        subprocess.run([*MINICRM, *args], env=env, check=True, capture_output=True, timeout=60)
    return env


def complete(env: dict[str, str], shell: str, line: str, **extra: str) -> list[str]:
    """What `minicrm` answers when ``shell`` asks for completions of ``line``."""
    request = {**env, **extra}
    if shell == "bash":  # minicrm's bash script: the line up to the cursor
        request.update(_MINICRM_COMPLETE="complete_bash", COMP_LINE=line)
    elif shell == "bash-words":  # typer's bash script: the words and the cursor's word
        words = line.split(" ")
        request.update(
            _MINICRM_COMPLETE="complete_bash",
            COMP_WORDS=" ".join(words),
            COMP_CWORD=str(len(words) - 1),
        )
    elif shell == "zsh":
        request.update(_MINICRM_COMPLETE="complete_zsh", _TYPER_COMPLETE_ARGS=line)
    else:
        request.update(
            _MINICRM_COMPLETE="complete_fish",
            _TYPER_COMPLETE_ARGS=line,
            _TYPER_COMPLETE_FISH_ACTION="get-args",
        )
    done = subprocess.run(
        MINICRM, env=request, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return [line for line in done.stdout.splitlines() if line]


def test_bash_completes_names_emails_and_ids(env):
    assert complete(env, "bash", "minicrm show jo") == ["John\\ Doe"]
    assert complete(env, "bash", "minicrm show doe") == ["\\#1", "\\#3", "John\\ Doe"]
    assert complete(env, "bash", "minicrm show jane@") == ["jane@acme.io"]
    assert complete(env, "bash", "minicrm show 'Jo") == ["John Doe"]  # inside a quote
    assert complete(env, "bash", "minicrm show zoe") == ["Zoë\\ Ångström"]  # accents
    assert complete(env, "bash", "minicrm show #") == ["\\#1", "\\#2", "\\#3", "\\#4"]
    assert complete(env, "bash-words", "minicrm show jo") == ["John\\ Doe"]


def test_fish_and_zsh_show_the_name_beside_an_id(env):
    assert complete(env, "fish", "minicrm show #") == [
        "#1\tJane Doe jane@acme.io",
        "#2\tJohn Doe",
        "#3\tJane Doe jd@other.org",
        "#4\tZoë Ångström zoe@kth.se",
    ]
    zsh = "\n".join(complete(env, "zsh", "minicrm show ja"))
    assert zsh.startswith("_arguments '*: :((") and '"#1":"Jane Doe jane@acme.io"' in zsh


def test_tags_stages_companies_and_kinds(env):
    assert complete(env, "fish", "minicrm tag jo v") == ["vendor\t1 contact", "vip\t1 contact"]
    assert complete(env, "bash", "minicrm ls tag:v") == ["vendor", "vip"]  # after bash's ':'
    assert complete(env, "fish", "minicrm ls tag:v") == [
        "tag:vendor\t1 contact",
        "tag:vip\t1 contact",
    ]
    assert complete(env, "bash", "minicrm ls --stage cu") == ["customer"]
    assert complete(env, "bash", "minicrm deal move 1 ne") == ["negotiation"]
    assert complete(env, "bash", "minicrm ls --company ac") == ["Acme\\ Corp"]
    assert complete(env, "bash", "minicrm log john ") == [
        "note",
        "call",
        "email",
        "meeting",
        "message",
    ]
    assert complete(env, "bash", "minicrm log john call ") == []


def test_follow_up_deal_and_interaction_ids_with_their_titles(env):
    assert complete(env, "fish", "minicrm done ") == ["1\tSend the deck · Jane Doe · 2026-12-10"]
    assert complete(env, "fish", "minicrm reopen ") == [
        "1\tSend the deck · Jane Doe · 2026-12-10",
        "2\tCall back · John Doe · 2026-12-11",
    ]
    assert complete(env, "fish", "minicrm deal won ") == ["1\tWebsite redesign · lead · Jane Doe"]
    assert complete(env, "fish", "minicrm log jane --deal ") == [
        "1\tWebsite redesign · lead · Jane Doe"
    ]
    [line] = complete(env, "fish", "minicrm interaction show ")
    assert line.startswith("1\tcall ") and line.endswith("Talked about pricing")


def test_the_date_language(env):
    assert complete(env, "bash", "minicrm follow jane x --due tom") == ["tomorrow"]
    assert complete(env, "bash", "minicrm follow jane x --due=tom") == ["tomorrow"]
    assert "next\\ friday" in complete(env, "bash", "minicrm follow jane x --due next")
    assert complete(env, "bash", "minicrm follow jane x --at no") == ["noon"]


def test_commands_and_subcommands(env):
    assert complete(env, "bash", "minicrm de") == ["deal"]
    assert "add" in complete(env, "bash", "minicrm deal ")
    assert complete(env, "fish", "minicrm dup") == [
        "dupes\tList likely duplicate contacts, best first."
    ]


def test_help_completes_commands_then_subcommands(env):
    assert complete(env, "fish", "minicrm help fol") == [
        "follow\tPromise a follow-up, maybe repeating.",
        "followup\tFollow-ups: list, show, edit, remove.",
    ]
    assert complete(env, "bash", "minicrm help deal m") == ["move"]
    assert complete(env, "bash", "minicrm help log ") == []


def test_no_database_completes_nothing_and_creates_none(env, tmp_path):
    other = {**env, "MINICRM_DB": str(tmp_path / "none.db")}
    assert complete(other, "bash", "minicrm show ja") == []
    assert not (tmp_path / "none.db").exists()


def test_the_db_option_is_followed(env, tmp_path):
    other = {**env, "MINICRM_DB": str(tmp_path / "none.db")}
    line = f"minicrm --db {env['MINICRM_DB']} show jo"
    assert complete(other, "bash", line) == ["John\\ Doe"]


def test_real_bash_runs_the_script(env, tmp_path):
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash")
    script = subprocess.run(
        MINICRM,
        env={**env, "_MINICRM_COMPLETE": "source_bash"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "complete -o default -F _minicrm_completion minicrm" in script
    wrapper = tmp_path / "minicrm"  # the installed command, as the script runs it
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m minicrm "$@"\n')
    wrapper.chmod(0o755)
    program = (
        script
        + "for line in 'minicrm show jo' 'minicrm ls tag:vi' 'minicrm done '; do\n"
        + '  COMP_LINE="$line"; COMP_POINT=${#line}; COMP_WORDS=($line); '
        + "COMP_CWORD=${#COMP_WORDS[@]}\n"
        + "  _minicrm_completion minicrm\n"
        + '  printf "%s|" "${COMPREPLY[@]}"; echo\n'
        + "done\n"
    )
    done = subprocess.run(
        [bash, "--norc", "-c", program],
        env={**env, "PATH": f"{tmp_path}{os.pathsep}{env['PATH']}"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.splitlines() == ["John\\ Doe|", "vip|", "1|"], done.stderr


def test_show_completion_gives_the_same_bash_script(env):
    done = subprocess.run(
        [*MINICRM, "--show-completion", "bash"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "COMP_LINE" in done.stdout and "_MINICRM_COMPLETE=complete_bash" in done.stdout


def test_id_ranges_cover_exactly_the_ids_with_the_prefix():
    ranges = queries.id_ranges("12", 13_000)
    assert ranges == [(12, 12), (120, 129), (1200, 1299), (12000, 12999)]
    covered = {n for low, high in ranges for n in range(low, high + 1)}
    assert covered == {n for n in range(1, 13_001) if str(n).startswith("12")}
    assert queries.id_ranges("", 5) == [(1, 5)]
    assert queries.id_ranges("0", 5) == []
