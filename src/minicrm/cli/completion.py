"""Shell completion that knows the data (bash, zsh, fish).

The shell runs ``minicrm`` with ``_MINICRM_COMPLETE=complete_SHELL`` (typer's protocol;
click's ``SHELL_complete`` spelling is accepted too) and the words typed so far in
``COMP_LINE``/``COMP_POINT`` (minicrm's bash script), ``COMP_WORDS``/``COMP_CWORD``
(typer's bash script) or ``_TYPER_COMPLETE_ARGS`` (zsh, fish). :func:`complete` builds
only the command being typed (as a normal run does), gives each parameter a completer
chosen by its metavar or option name, and answers with typer's completion classes. The
candidates come from prefix queries with a limit (minicrm.completion), so a Tab press
stays fast on 100,000 contacts. Nothing is ever written; an error completes nothing.

``_MINICRM_COMPLETE=source_SHELL minicrm`` prints the script to load (README: Shell
completion).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

import typer
from typer._click.shell_completion import CompletionItem, add_completion_class, split_arg_string
from typer._completion_classes import BashComplete, completion_init

VAR = "_MINICRM_COMPLETE"
SHELLS = ("bash", "zsh", "fish")

BASH_SCRIPT = """\
_minicrm_completion() {
    local IFS=$'\\n'
    COMPREPLY=( $( env COMP_LINE="${COMP_LINE:0:$COMP_POINT}" \\
                   _MINICRM_WORDBREAKS="$COMP_WORDBREAKS" \\
                   %(autocomplete_var)s=complete_bash "$1" 2>/dev/null ) )
    return 0
}

complete -o default -F _minicrm_completion %(prog_name)s
"""

_Candidates = list[tuple[str, str]]
Completer = Callable[[Any, str], _Candidates]


class Bash(BashComplete):
    """typer's bash completion, reading the line itself (``COMP_LINE``) when minicrm's
    script gives it: quotes are understood, and ``tag:v`` or ``--due=tom`` complete
    although bash splits words at ``:`` and ``=``. Values are quoted for the shell."""

    source_template = BASH_SCRIPT

    def get_completion_args(self) -> tuple[list[str], str]:
        return completion_args("bash")

    def format_completion(self, item: CompletionItem) -> str:
        return bash_value(item.value, _incomplete("bash"))


def completion_args(shell: str) -> tuple[list[str], str]:
    """The complete words after ``minicrm`` and the word being typed."""
    if shell == "bash" and "COMP_LINE" in os.environ:
        return _split(os.environ["COMP_LINE"])
    if shell == "bash":
        words = split_arg_string(os.environ.get("COMP_WORDS", ""))
        cword = int(os.environ.get("COMP_CWORD", "0") or 0)
        return words[1:cword], (words[cword] if cword < len(words) else "")
    return _split(os.environ.get("_TYPER_COMPLETE_ARGS", ""))


def _split(line: str) -> tuple[list[str], str]:
    words = split_arg_string(line)
    if not line or (line[-1].isspace() and not line.endswith("\\ ")):
        return words[1:], ""
    return words[1:-1], (words[-1] if len(words) > 1 else "")


def _incomplete(shell: str) -> str:
    line = os.environ.get("COMP_LINE")
    if shell == "bash" and line is not None and line and not line[-1].isspace():
        # the word as typed, quotes and all: the last token of the raw line
        return line.rsplit(None, 1)[-1] if line.split() else ""
    return completion_args(shell)[1]


_BASH_SPECIAL = set(" \t\n\"'\\$`;&|<>()*?[]!{}~#")


def bash_value(value: str, typed: str) -> str:
    """A candidate as bash must insert it: backslash-quoted (unless the user opened a
    quote), and without the part before the last of bash's word breaks (``tag:`` of
    ``tag:vip``: bash replaces only what follows the ``:``)."""
    breaks = set(os.environ.get("_MINICRM_WORDBREAKS", "\"'><=;|&(:")) - {'"', "'"}
    cut = max((typed.rfind(ch) for ch in breaks), default=-1)
    if cut >= 0 and value.startswith(typed[: cut + 1]):
        value = value[cut + 1 :]
    if typed[:1] in ("'", '"'):
        return value
    return "".join("\\" + ch if ch in _BASH_SPECIAL else ch for ch in value)


# -- what each parameter completes ---------------------------------------------------------

_STORE: list[Any] = []


def _store() -> Any:
    """The database, opened once per Tab press; None if there is none yet (a Tab press
    never creates one)."""
    if not _STORE:
        from minicrm.core.paths import resolve_db_path  # lazy: start-up

        path = resolve_db_path(_db_option())
        store = None
        if path.exists():
            from minicrm.db.opening import open_store  # lazy: start-up

            try:
                store = open_store(path, command="minicrm (completion)")
            except Exception:
                store = None
        _STORE.append(store)
    return _STORE[0]


def _db_option() -> str | None:
    words = completion_args(_shell())[0]
    for i, word in enumerate(words):
        if word == "--db" and i + 1 < len(words):
            return words[i + 1]
        if word.startswith("--db="):
            return word[len("--db=") :]
    return None


def _shell() -> str:
    return _instruction()[1]


def _contacts(ctx: Any, incomplete: str) -> _Candidates:
    from minicrm.completion import service  # lazy: start-up

    store = _store()
    return [] if store is None else service.contacts(store, incomplete)


def _tags(ctx: Any, incomplete: str) -> _Candidates:
    from minicrm.completion import service  # lazy: start-up

    store = _store()
    return [] if store is None else service.tags(store, incomplete)


def _companies(ctx: Any, incomplete: str) -> _Candidates:
    from minicrm.completion import service  # lazy: start-up

    store = _store()
    return [] if store is None else service.companies(store, incomplete)


def _followups(status: str | None) -> Completer:
    def complete(ctx: Any, incomplete: str) -> _Candidates:
        from minicrm.completion import service  # lazy: start-up

        store = _store()
        return [] if store is None else service.followups(store, incomplete, status)

    return complete


def _deals(open_only: bool) -> Completer:
    def complete(ctx: Any, incomplete: str) -> _Candidates:
        from minicrm.completion import service  # lazy: start-up

        store = _store()
        return [] if store is None else service.deals(store, incomplete, open_only)

    return complete


def _interactions(ctx: Any, incomplete: str) -> _Candidates:
    from minicrm.completion import service  # lazy: start-up

    store = _store()
    return [] if store is None else service.interactions(store, incomplete)


def _config() -> Any:
    from minicrm.core.config import load_config  # lazy: start-up

    try:
        return load_config()
    except Exception:
        return None


def _contact_stages(ctx: Any, incomplete: str) -> _Candidates:
    from minicrm.completion import service  # lazy: start-up

    config = _config()
    stages = config.contact_stages if config else ()
    return service.words([(s, "contact stage") for s in stages], incomplete)


def _deal_stages(ctx: Any, incomplete: str) -> _Candidates:
    from minicrm.completion import service  # lazy: start-up

    config = _config()
    stages = config.deal_stages if config else ()
    return service.words(
        [(s.name, f"deal stage, {s.probability}% to win") for s in stages], incomplete
    )


def _dates(ctx: Any, incomplete: str) -> _Candidates:
    from minicrm.completion import service  # lazy: start-up

    return service.words(service.DATE_WORDS, incomplete)


def _times(ctx: Any, incomplete: str) -> _Candidates:
    from minicrm.completion import service  # lazy: start-up

    return service.words(service.TIME_WORDS, incomplete)


def _repeats(ctx: Any, incomplete: str) -> _Candidates:
    from minicrm.completion import service  # lazy: start-up

    return service.words(service.REPEAT_WORDS, incomplete)


def _kinds(ctx: Any, incomplete: str) -> _Candidates:
    from minicrm.activity.interactions import KINDS  # lazy: start-up
    from minicrm.completion import service

    return service.words([(k, "interaction kind") for k in KINDS], incomplete)


def _log_words(ctx: Any, incomplete: str) -> _Candidates:
    """`log REF [KIND] TEXT`: the kind first; the text is the user's."""
    return _kinds(ctx, incomplete) if not ctx.params.get("words") else []


# field terms of ls, search and export: FIELD:VALUE
_FIELDS: dict[str, tuple[str, Completer | None]] = {
    "tag:": ("contacts with this tag", _tags),
    "company:": ("contacts of this company", _companies),
    "stage:": ("contacts in this stage", _contact_stages),
    "email:": ("an email containing this, e.g. email:@acme.io", None),
    "stale:": ("stale:yes, past their keep-in-touch cadence", None),
    "archived:": ("archived:all, archived:yes", None),
}
_FIELD_VALUES = {"stale:": ["yes", "no"], "archived:": ["all", "yes", "no"]}


def _terms(ctx: Any, incomplete: str) -> _Candidates:
    field, colon, value = incomplete.partition(":")
    if colon:
        key = field.casefold() + ":"
        if key in _FIELD_VALUES:
            return [(key + v, "") for v in _FIELD_VALUES[key] if v.startswith(value)]
        found = _FIELDS.get(key)
        if found is None or found[1] is None:
            return []
        return [(key + v, about) for v, about in found[1](ctx, value)]
    fields = [(f, about) for f, (about, _) in _FIELDS.items() if f.startswith(incomplete)]
    return fields + (_contacts(ctx, incomplete) if incomplete else [])


def _command_words(ctx: Any, incomplete: str) -> _Candidates:
    """`help [COMMAND [SUBCOMMAND]]`: the commands, then the group's subcommands."""
    from minicrm.cli import COMMANDS, build_app  # lazy: start-up
    from minicrm.cli.summaries import SUMMARIES

    given = ctx.params.get("words") or []
    if not given:
        return [(name, text) for name, text in SUMMARIES if name.startswith(incomplete)]
    if len(given) > 1 or given[0] not in COMMANDS:
        return []
    if given[0] == "tag":  # tag's first words, as `help tag ls` takes them
        from minicrm.cli.tags import SUB_WORDS  # lazy: start-up

        return [(word, "") for word in SUB_WORDS if word.startswith(incomplete)]
    group = typer.main.get_command(build_app(given[0])).commands.get(given[0])  # type: ignore[attr-defined]
    return [
        (name, sub.get_short_help_str(limit=10_000))
        for name, sub in (getattr(group, "commands", None) or {}).items()
        if name.startswith(incomplete)
    ]


def completer_for(path: tuple[str, ...], param: Any) -> Completer | None:
    """The completer of a parameter of the command ``path`` (``("deal", "add")``)."""
    metavar = (param.metavar or "").strip("[]").rstrip(".")
    option = param.opts[0] if getattr(param, "param_type_name", "") == "option" else ""
    top = path[0] if path else ""
    if option in ("--contact", "--with", "--without") or metavar in ("REF", "A", "B", "A B"):
        return _contacts
    if metavar == "TAG" or option in ("--tag", "--untag"):
        return _tags
    if metavar == "COMPANY" or option == "--company":
        return _companies
    if metavar == "STAGE" or option == "--stage":
        return _deal_stages if top in ("deal", "pipeline") else _contact_stages
    if option == "--deal":
        return _deals(open_only=False)
    if metavar == "ID" and not option:
        if top in ("done", "snooze", "cancel"):
            return _followups("open")
        if top == "reopen":
            return _followups(None)
        if top == "followup":
            return _followups("open" if path[1:2] != ("show",) else None)
        if top == "interaction":
            return _interactions
        if top == "deal":
            return _deals(open_only=path[1:2] in (("move",), ("won",), ("lost",)))
    if metavar == "KIND" or option == "--kind":
        return _kinds
    if metavar == "[KIND] TEXT" or (top == "log" and param.name == "words"):
        return _log_words
    if metavar in ("WHEN", "DATE", "DAY"):
        return _dates
    if metavar == "TIME":
        return _times
    if metavar == "RULE":
        return _repeats
    if top == "help" and param.name == "words":
        return _command_words
    if metavar in ("TERM", "QUERY") or param.name in ("terms", "query_terms"):
        return _terms
    return None


def attach(command: Any, path: tuple[str, ...] = ()) -> None:
    """Give every parameter of the click tree under ``command`` its completer."""
    for param in getattr(command, "params", []):
        find = completer_for(path, param)
        if find is not None and getattr(param, "_custom_shell_complete", None) is None:
            param._custom_shell_complete = _items(find)
    for name, sub in (getattr(command, "commands", None) or {}).items():
        attach(sub, (*path, name))


def _items(find: Completer) -> Callable[[Any, Any, str], list[CompletionItem]]:
    def shell_complete(ctx: Any, param: Any, incomplete: str) -> list[CompletionItem]:
        try:
            found = find(ctx, incomplete)
        except Exception:  # a Tab press never shows a traceback
            return []
        return [CompletionItem(value, help=about or None) for value, about in found]

    return shell_complete


# -- the entry point --------------------------------------------------------------------


def _instruction() -> tuple[str, str]:
    """(instruction, shell) from _MINICRM_COMPLETE: complete_bash, bash_complete,
    source_zsh, zsh_source, ..."""
    value = os.environ.get(VAR, "")
    first, _, second = value.partition("_")
    if first in SHELLS or first == "powershell":
        return second, first
    return first, second


def install_script_templates() -> None:
    """Let ``--show-completion bash`` / ``--install-completion bash`` give minicrm's bash
    script (the same as ``_MINICRM_COMPLETE=source_bash minicrm``)."""
    from typer import _completion_shared

    _completion_shared._completion_scripts["bash"] = BASH_SCRIPT.replace(
        "_minicrm_completion", "%(complete_func)s"
    )


def complete() -> int:
    """Answer one completion request (see the module's docstring). Returns the exit
    status."""
    from typer.completion import shell_complete  # lazy: start-up

    from minicrm.cli import COMMANDS, build_app, command_name, help_group, subcommand_name

    instruction, shell = _instruction()
    try:
        if instruction == "complete":
            args, _typed = completion_args(shell)
            name = command_name(args)
            if name is None:
                command = help_group()
            else:
                sub = subcommand_name(args) if name in COMMANDS else None
                command = typer.main.get_command(build_app(name, sub))
            attach(command)
        else:
            command = help_group()
        completion_init()  # (building the command registered typer's classes again)
        add_completion_class(Bash, "bash")
        return shell_complete(command, {}, "minicrm", VAR, f"{instruction}_{shell}")
    except SystemExit as exc:  # fish's "is-args" answers with the exit status
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    except Exception as exc:  # a Tab press never shows a traceback
        if os.environ.get("MINICRM_DEBUG"):
            raise
        sys.stderr.write(f"minicrm: completion failed: {type(exc).__name__}: {exc}\n")
        return 1
    finally:
        for store in _STORE:
            if store is not None:
                store.close()
        _STORE.clear()


def script(shell: str) -> str:
    """The script that loads completion into ``shell``."""
    completion_init()
    add_completion_class(Bash, "bash")
    from typer._click.shell_completion import get_completion_class

    cls = get_completion_class(shell)
    if cls is None:
        raise ValueError(shell)
    return str(cls(typer.main.get_command(typer.Typer()), {}, "minicrm", VAR).source())
