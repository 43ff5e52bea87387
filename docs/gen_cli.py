"""The generated parts of docs/cli.md: each command's usage line and its table of
arguments and options, read from the command tree (the one ``minicrm --help`` prints).

docs/cli.md calls these functions from cog blocks (https://cog.readthedocs.io), so the
reference cannot drift from the code:

    cog -r docs/cli.md        # regenerate after changing a command, an option or a help text
    cog --check docs/cli.md   # what .ci/run and tests/test_docs.py do: fail if it is stale

A block looks like this in the Markdown source (HTML comments, invisible when rendered)::

    <!-- [[[cog usage("deal add") ]]] -->
    ...generated: the usage line...
    <!-- [[[end]]] -->

    <!-- [[[cog options("deal add", '''
    --value: The value: digits with an optional decimal point ...
    ''') ]]] -->
    ...generated: a table with a row per argument and option...
    <!-- [[[end]]] -->

The rows come from the tree: every argument and option, in the order ``--help`` lists
them, named as ``--help`` names them, with its default and ``[required]``. The meaning of
a row is the option's help text, unless the block gives a longer one: one line per row,
``KEY: TEXT``, where KEY is one of the option's names (``--value``, ``-v``) or the
argument's name (``REF``), and TEXT is Markdown. A KEY that names no argument or option
of the command is an error, so a note cannot outlive its option.

The output depends on nothing but the tree: not on the terminal's width, the environment,
the configuration file or the database (none is opened).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent / "src"))  # this checkout's minicrm, installed or not

_root: Any = None


def root() -> Any:
    """The whole command tree as click sees it (built once)."""
    global _root
    if _root is None:
        import typer  # the docs read the tree typer builds

        from minicrm.cli import build_app

        _root = typer.main.get_command(build_app())
    return _root


def _context(path: str) -> Any:
    """The click context of ``path`` ("" for the root, "deal add"), with its parents, so
    that ``command_path`` is ``minicrm deal add``."""
    from typer.core import _click  # typer's own copy of click

    command = root()
    settings = {"terminal_width": 80, "max_content_width": 80}
    ctx = _click.Context(command, info_name="minicrm", **command.context_settings, **settings)
    for word in path.split():
        sub = command.commands.get(word) if hasattr(command, "commands") else None
        if sub is None:
            raise KeyError(f"no command 'minicrm {path}' in the tree (at '{word}')")
        command = sub
        ctx = _click.Context(command, info_name=word, parent=ctx, **command.context_settings)
    return ctx


def walk(path: str = "") -> list[tuple[str, Any]]:
    """Every command and group below ``path`` (itself excluded), as ``--help`` orders them."""
    ctx = _context(path)
    found: list[tuple[str, Any]] = []
    for name in ctx.command.list_commands(ctx):
        sub = f"{path} {name}".strip()
        command = ctx.command.get_command(ctx, name)
        found.append((sub, command))
        if hasattr(command, "commands"):
            found.extend(walk(sub))
    return found


def usage_line(path: str) -> str:
    ctx = _context(path)
    pieces = " ".join(ctx.command.collect_usage_pieces(ctx))
    return f"Usage: {ctx.command_path} {pieces}".rstrip()


def rows(path: str) -> list[tuple[list[str], str, str]]:
    """One entry per argument and option of the command (``--help`` only for the root): the
    names a note may use, what --help shows in its first column, and its help text."""
    ctx = _context(path)
    arguments, opts = [], []
    for param in ctx.command.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is None or (param.name == "help" and path):
            continue  # every command takes --help: the root's table says so, once
        first, text = record
        if param.param_type_name == "argument":
            keys = [re.sub(r"[^A-Z0-9_-]", "", first.upper()), param.name]
            arguments.append((keys, first, text))
        else:
            opts.append(([*param.opts, *param.secondary_opts], first, text))
    return arguments + opts


def _plain(text: str) -> str:
    """A help text as Markdown for a table cell: the characters that would change how it
    reads are escaped (`code` in a help text is meant as code, and stays so)."""
    text = " ".join(text.split())
    return re.sub(r"([\\*<>|])", r"\\\1", text)


def _code(text: str) -> str:
    return "`" + text.replace("|", "\\|") + "`"


def _notes(path: str, notes: str, keys: set[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in notes.strip().splitlines():
        key, sep, text = line.partition(": ")
        key = key.strip()
        if not sep or not text.strip():
            raise ValueError(f"minicrm {path}: a note is 'KEY: TEXT', not {line!r}")
        if key not in keys:
            raise ValueError(f"minicrm {path}: no argument or option {key!r} (notes: {line!r})")
        if key in found:
            raise ValueError(f"minicrm {path}: two notes for {key!r}")
        found[key] = text.strip()
    return found


def _extras(text: str, note: str) -> str:
    """What --help adds after a help text (``[default: X]``, ``[required]``), for a row
    whose text is a note: all of it, but a default the note already states (so a note
    that states another default shows both, and the contradiction can be seen)."""
    tail = re.search(r"(\s\s\[[^\]]*\])+$", text)
    kept = []
    for extra in re.findall(r"\[[^\]]*\]", tail.group(0) if tail else ""):
        default = re.fullmatch(r"\[default: (.*)\]", extra)
        if default:
            value = re.escape(default.group(1))
            said = (rf"(?i:default)\W{{1,3}}{value}\b", rf"\b{value}`? \((the )?default")
            if any(re.search(pattern, note) for pattern in said):
                continue
        kept.append(extra)
    return " ".join(kept)


def options_table(path: str, notes: str = "") -> str:
    entries = rows(path)
    if not entries:
        return ""
    keys = {k for names, _, _ in entries for k in names}
    given = _notes(path, notes, keys)
    used: set[str] = set()
    head = "argument / option" if any(n[0].isupper() for n, _, _ in entries) else "option"
    lines = [f"| {head} | meaning |", "|---|---|"]
    for names, first, text in entries:
        note = [given[k] for k in names if k in given]
        if len(note) > 1:
            raise ValueError(f"minicrm {path}: two notes for {first!r}")
        used.update(k for k in names if k in given)
        if note:
            extra = _extras(text, note[0])
            meaning = note[0] + (f" {_plain(extra)}" if extra else "")
        else:
            meaning = _plain(text) if text else ""
        lines.append(f"| {_code(first)} | {meaning} |")
    assert used == set(given), "every note names a row"
    return "\n".join(lines)


def commands_table(path: str) -> str:
    """A group's commands (``--help``'s list), each linked to its section."""
    ctx = _context(path)
    lines = ["| command | what it does |", "|---|---|"]
    for name in ctx.command.list_commands(ctx):
        command = ctx.command.get_command(ctx, name)
        full = f"minicrm {path} {name}".replace("  ", " ")
        anchor = full.replace(" ", "-")
        summary = (command.help or "").split("\n\n")[0]
        lines.append(f"| [`{full}`](#{anchor}) | {_plain(summary)} |")
    return "\n".join(lines)


def _out(text: str) -> None:
    import cog  # type: ignore[import-not-found]  # provided by cog while it runs

    cog.outl(text)


def usage(path: str = "") -> None:
    """cog: the usage line of ``minicrm PATH``, as a code block."""
    _out(f"```\n{usage_line(path)}\n```")


def options(path: str = "", notes: str = "") -> None:
    """cog: the table of arguments and options of ``minicrm PATH`` (see the module's doc)."""
    table = options_table(path, notes)
    if not table:
        raise ValueError(f"minicrm {path} has no arguments or options: leave out the table")
    _out(table)


def commands(path: str = "") -> None:
    """cog: the table of a group's commands (``""``: the top-level ones)."""
    _out(commands_table(path))
