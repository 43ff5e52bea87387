"""The command tree. Commands parse arguments, call minicrm's domain functions and render.

The database is opened in one place (:meth:`minicrm.cli.common.AppState.store`) and every foreseeable
error is turned into one line on stderr and its exit code in one place
(:meth:`MinicrmGroup.invoke`).
"""

from __future__ import annotations

import errno
import os
import sys
import traceback
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup, _click  # typer >= 0.26 ships its own click

from minicrm import version_line
from minicrm.core.errors import EXIT_ERROR, EXIT_INTERRUPTED, MinicrmError


def _end_paging(*, rest: bool = True) -> None:
    """Let a pager showing the output have the rest, and wait for the user to leave it
    (before any message on stderr, so the message is not drawn under the pager)."""
    pager = sys.modules.get("minicrm.ui.pager")
    if pager is not None:
        pager.finish(rest=rest)


def _fail(text: str, code: int, hint: str | None = None) -> None:
    from minicrm.ui.render import message  # lazy: start-up

    _end_paging()
    message(f"minicrm: {text} ({hint})" if hint else f"minicrm: {text}")
    _finished()
    raise typer.Exit(code)


# An OSError that escapes a command with one of these is the output failing to be
# written (a full disk under `minicrm ls > file`): files and the database report theirs.
_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def _discard_output() -> None:
    """Point stdout at /dev/null: what is still buffered for it cannot be written, and
    must not fail again (a second message, exit 120) when Python flushes it at exit."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, ValueError, OSError):  # not a file (a test's runner)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


_as_program = False  # set by main(): the process is the minicrm command, not a test runner


def _finished() -> None:
    """The command has done its work and said so. In the minicrm process a Ctrl-C from now
    on is ignored: it could only turn the exit status into a silent 130 (typer's own
    handler) while the database closes."""
    if _as_program:
        import signal

        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_hooks(ctx: Any) -> None:
    """After a command that changed data: the user's hooks for what it did (on-add,
    on-change, on-log, on-done, on-deal), each problem one line on stderr. Never fails
    the command."""
    store = getattr(ctx.obj, "opened_store", None)
    if store is None or not getattr(store, "committed_changesets", None):
        return
    from minicrm.hooks import service as hooks  # lazy: start-up
    from minicrm.ui.render import message  # lazy: start-up

    try:
        problems = hooks.fire_committed(store, command=store.command)
    except Exception as exc:  # a hook must never turn a done command into a failure
        problems = [f"hooks could not run: {type(exc).__name__}: {exc}"]
    for problem in problems:
        message(f"minicrm: {problem}")


def _remind_about_digest(ctx: Any) -> None:
    """On a terminal, after a command that used the database: one line if the last digest
    is over two days old (cron may have stopped). Never for the digest itself."""
    from minicrm.cli.common import AppState, interactive  # lazy: start-up (not for --help)

    state = ctx.obj
    if (
        not isinstance(state, AppState)
        or state.opened_store is None
        or ctx.invoked_subcommand == "digest"
        or not interactive()
    ):
        return
    from minicrm.digest import service as digest  # lazy: start-up
    from minicrm.ui.render import message

    note = digest.overdue_note(state.opened_store)
    if note:
        message(f"minicrm: {note}")


def _click_error(exc: Any) -> None:
    """A usage error as one line: the problem, the usage, where the help is. Exit 2."""
    if isinstance(exc, _click.exceptions.NoArgsIsHelpError):
        raise exc  # `minicrm` alone: click prints the help
    text = exc.format_message()
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        pieces = " ".join(ctx.command.collect_usage_pieces(ctx))
        text += f" (usage: {ctx.command_path} {pieces}; see '{ctx.command_path} --help')"
    _fail(text, exc.exit_code)


def _format_examples(self: Any, ctx: Any, formatter: Any) -> None:
    """The epilog (the EXAMPLES section, minicrm.cli.examples) as a section of its own,
    headed like Options:, each line as written."""
    if not self.epilog:
        return
    formatter.write_paragraph()
    for line in self.epilog.splitlines():
        if line != "\b":
            formatter.write(f"{'':>{formatter.current_indent}}{line}\n")


class HelpCommand(TyperCommand):
    """A command whose --help ends with its examples."""

    format_epilog = _format_examples


class HelpGroup(TyperGroup):
    """A command group whose --help ends with its examples."""

    format_epilog = _format_examples


class MinicrmGroup(TyperGroup):
    """The root group: maps every error to a message and an exit code, in one place, and
    lists its commands in panels (Contacts, Timeline, ...)."""

    format_epilog = _format_examples

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """The commands under their panels' headings, one aligned column for all, each
        summary whole (wrapped, never cut with "...")."""
        from minicrm.cli.summaries import PANEL_ORDER  # lazy: start-up

        rows: dict[str, list[tuple[str, str]]] = {}
        commands = [(n, self.get_command(ctx, n)) for n in self.list_commands(ctx)]
        width = max((len(n) for n, c in commands if c is not None), default=0)
        for name, command in commands:
            if command is None or command.hidden:
                continue
            panel = getattr(command, "rich_help_panel", None) or "Commands"
            text = command.get_short_help_str(limit=10_000)
            rows.setdefault(panel, []).append((name.ljust(width), text))
        order = [p for p in PANEL_ORDER if p in rows] + [p for p in rows if p not in PANEL_ORDER]
        for panel in order:
            with formatter.section(panel):
                formatter.write_dl(rows[panel])

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        ctx.meta.setdefault("minicrm.argv", list(args))
        try:
            return super().parse_args(ctx, args)
        except _click.exceptions.ClickException as exc:
            _click_error(exc)
            raise  # not reached: _click_error exits

    def invoke(self, ctx: Any) -> Any:
        from minicrm.cli.common import say_notices  # lazy: start-up (not for --help)

        debug = "--debug" in ctx.meta.get("minicrm.argv", []) or bool(
            os.environ.get("MINICRM_DEBUG")
        )
        try:
            result = super().invoke(ctx)
            _end_paging()
            sys.stdout.flush()  # a closed pipe must surface here, not at interpreter exit
            say_notices(getattr(ctx.obj, "opened_store", None), damaged=True)
            _run_hooks(ctx)
            _remind_about_digest(ctx)
            _finished()
            return result
        except MinicrmError as exc:
            if debug:
                traceback.print_exc()
            say_notices(getattr(ctx.obj, "opened_store", None))
            _fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            pager = sys.modules.get("minicrm.ui.pager")
            if pager is not None and pager.paging():
                _end_paging(rest=False)  # Ctrl-C while reading a long list: stop, quietly
                raise typer.Exit(EXIT_INTERRUPTED) from None
            state = ctx.obj
            store = getattr(state, "opened_store", None)
            if store is not None and store.commits:  # Ctrl-C after the change was saved
                _fail("interrupted; the change had already been saved", EXIT_INTERRUPTED)
            _fail("interrupted; nothing was written by the unfinished command", EXIT_INTERRUPTED)
        except BrokenPipeError:
            pager = sys.modules.get("minicrm.ui.pager")
            if pager is not None and pager.closed_early():
                _end_paging()  # the user quit the pager: that is no error
                raise typer.Exit(0) from None
            # The reader went away (`minicrm ls | head -1`), or stdout was closed (`>&-`,
            # see minicrm.cli.streams): stop quietly, like SIGPIPE.
            _discard_output()
            raise typer.Exit(141) from None
        except typer.Exit:
            raise
        except typer.Abort:  # Ctrl-C or end of input at a prompt
            _fail("cancelled; nothing was changed", EXIT_INTERRUPTED)
        except _click.exceptions.ClickException as exc:
            _click_error(exc)
        except Exception as exc:  # the unforeseen: a short message, traceback on --debug
            if debug:
                traceback.print_exc()
            if isinstance(exc, OSError) and exc.errno in _FULL:  # writing the output
                _discard_output()
                _fail(
                    f"cannot write the output: {exc.strerror}", EXIT_ERROR, "free some disk space"
                )
            _fail(
                f"internal error: {type(exc).__name__}: {exc} "
                "(run again with --debug for details, and please report it)",
                EXIT_ERROR,
            )


def _version(value: bool) -> None:
    if value:
        print(version_line())
        raise typer.Exit()


def root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="PATH",
            help="Database file to use (default: $MINICRM_DB, else minicrm.db in the user data dir).",
        ),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show a traceback on errors.")] = False,
    no_pager: Annotated[
        bool,
        typer.Option(
            "--no-pager",
            help="Print long lists straight to the terminal instead of through the pager "
            "($MINICRM_PAGER, $PAGER or less).",
        ),
    ] = False,
    version: Annotated[
        bool | None,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = None,
) -> None:
    """minicrm keeps your contacts, companies, conversations, follow-ups and deals in one SQLite file."""
    from minicrm.cli.common import AppState  # lazy: start-up (not for --help)

    state = AppState(db, ctx.meta.get("minicrm.argv", []), debug, no_pager)
    ctx.obj = state
    ctx.call_on_close(state.close)


# Which module registers each top-level command, in the order --help lists them. A command
# run from the shell loads only its own module (see main); tests check this table against
# the modules' registrations.
COMMANDS: dict[str, str] = {
    **dict.fromkeys(("add", "ls", "show"), "contacts"),
    "edit": "edit",
    **dict.fromkeys(("tag", "untag"), "tags"),
    **dict.fromkeys(("archive", "unarchive", "rm"), "contacts"),
    "import": "interchange",
    "export": "interchange",
    "sync": "sync",
    "search": "search",
    "dupes": "dupes",
    "merge": "dupes",
    **dict.fromkeys(("log", "notes"), "interactions"),
    **dict.fromkeys(("follow", "done", "snooze", "reopen", "cancel"), "followups"),
    "interaction": "interactions",
    "followup": "followups",
    "next": "next",
    "activity": "feed",
    **dict.fromkeys(("due", "agenda", "stale", "birthdays"), "views"),
    "digest": "digest",
    "company": "companies",
    "deal": "deals",
    "pipeline": "deals",
    "stats": "stats",
    **dict.fromkeys(("history", "undo", "redo"), "history"),
    "db": "database",
    "capture": "capture",
    "help": "helpcmd",
    "config": "config",
}


def _root_app() -> typer.Typer:
    """The root of the tree, with its global options and no command yet."""
    app = typer.Typer(
        cls=MinicrmGroup,
        help="A local-first personal CRM for the terminal: contacts, companies, follow-ups "
        "and deals in one SQLite file.",
        no_args_is_help=True,
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(root)
    return app


def build_app(
    only: str | None = None, sub: str | None = None, *, dress: bool = True
) -> typer.Typer:
    """The command tree; with ``only``, just the module that defines that command (the
    rest is neither imported nor built, a good part of start-up), and with ``sub``
    (``db path``), just that command of the group ``only``. Without ``dress`` the
    commands get no panels, summaries or examples (a command that is run, not asked for
    its help, needs none of them)."""
    import importlib

    app = _root_app()
    modules = [COMMANDS[only]] if only in COMMANDS else list(dict.fromkeys(COMMANDS.values()))
    for module in modules:
        importlib.import_module(f"minicrm.cli.{module}").register(app)
    # --help lists the commands in the order of COMMANDS, whichever module registers them
    # (typer lists a group's commands first, then its sub-groups).
    order = {name: index for index, name in enumerate(COMMANDS)}
    app.registered_commands.sort(key=lambda c: order.get(_name(c), len(order)))
    app.registered_groups.sort(key=lambda g: order.get(g.name or "", len(order)))
    if dress:
        _dress(app)
    if only in COMMANDS:
        # Build just that command: typer reads every registered command's parameters from
        # its annotations before it parses a single argument.
        app.registered_commands = [c for c in app.registered_commands if _name(c) == only]
        app.registered_groups = [_only(g, sub) for g in app.registered_groups if g.name == only]
    return app


def _dress(app: typer.Typer) -> None:
    """Give every registered command its panel and one-line summary (top level, from
    minicrm.cli.summaries), a summary that is its whole first sentence (below), and its
    EXAMPLES section (minicrm.cli.examples)."""
    from minicrm.cli.examples import epilog  # lazy: start-up
    from minicrm.cli.summaries import SUMMARIES, panel

    summaries = dict(SUMMARIES)
    app.info.epilog = epilog("")
    for info in app.registered_commands:
        name = _name(info)
        info.rich_help_panel = panel(name)
        info.short_help = summaries.get(name) or _first_sentence(info)
        info.epilog = info.epilog or epilog(name)
        info.cls = _own(info.cls, HelpCommand)
    for group in app.registered_groups:
        name = group.name or ""
        group.rich_help_panel = panel(name)
        group.short_help = summaries.get(name) or group.short_help
        group.epilog = epilog(name)
        group.cls = HelpGroup
        subs = group.typer_instance.registered_commands if group.typer_instance else []
        for info in subs:
            info.short_help = info.short_help or _first_sentence(info)
            info.epilog = info.epilog or epilog(f"{name} {_name(info)}")
            info.cls = _own(info.cls, HelpCommand)


def _own(cls: Any, default: type) -> Any:
    """A command's own class, or ``default`` where it has none (typer's placeholder)."""
    from typer.models import DefaultPlaceholder

    if cls is None or cls in (TyperCommand, TyperGroup) or isinstance(cls, DefaultPlaceholder):
        return default
    return cls


def _first_sentence(info: Any) -> str | None:
    """A command's first sentence, whole (click's default cuts it to fit a width)."""
    import inspect

    from typer._click.utils import make_default_short_help

    text = info.help or inspect.getdoc(info.callback) or ""
    return make_default_short_help(text, 10_000) or None


def _only(group: Any, sub: str | None) -> Any:
    """A group as registered, keeping only its command ``sub`` if it has one by that name
    (a copy: the module's own Typer object stays whole for the next full build)."""
    import copy

    kept = [c for c in group.typer_instance.registered_commands if _name(c) == sub]
    if not kept:
        return group
    typer_instance = copy.copy(group.typer_instance)
    typer_instance.registered_commands = kept
    typer_instance.registered_groups = []
    group = copy.copy(group)
    group.typer_instance = typer_instance
    return group


def help_group() -> Any:
    """The root group for ``minicrm --help`` (or no command at all): each command is a
    stand-in holding its name and the first paragraph of its help
    (:data:`minicrm.cli.summaries.SUMMARIES`), which is all the root's help shows. Building
    the real tree for it imports every command module and reads every command's
    parameters; a test checks that both print the same help."""
    from minicrm.cli.examples import epilog  # lazy: start-up
    from minicrm.cli.summaries import SUMMARIES, panel  # lazy: start-up

    group = typer.main.get_command(_root_app())
    assert isinstance(group, TyperGroup)
    group.epilog = epilog("")
    for name, text in SUMMARIES:
        group.add_command(
            TyperCommand(name, help=text, short_help=text, rich_help_panel=panel(name))
        )
    return group


def _name(info: Any) -> str:
    return info.name or info.callback.__name__.lower().replace("_", "-")


def command_name(args: list[str]) -> str | None:
    """The command a command line runs: the first word after the global options."""
    words = _words(args)
    return words[0] if words else None


def subcommand_name(args: list[str]) -> str | None:
    """The second word (``path`` of ``db path``): a group's command. Groups take no
    options of their own, so it is the next word that is not an option."""
    words = _words(args)
    return words[1] if len(words) > 1 else None


def _words(args: list[str]) -> list[str]:
    """The leading words of a command line that are not options (nor --db's value),
    up to the first two."""
    words: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg == "--db" and not words:
            skip = True
        elif arg == "--":
            break
        elif not arg.startswith("-"):
            words.append(arg)
            if len(words) == 2:
                break
    return words


_full_app: typer.Typer | None = None


def __getattr__(name: str) -> Any:
    """``minicrm.cli.app``: the whole tree (for tests, docs and --help)."""
    global _full_app
    if name == "app":
        if _full_app is None:
            _full_app = build_app()
        return _full_app
    raise AttributeError(name)


def main() -> None:
    global _as_program
    _as_program = True
    if sys.stdin is None or sys.stdout is None or sys.stderr is None:  # <&-, >&-, 2>&-
        from minicrm.cli import streams  # lazy: start-up

        streams.guard()
    args = sys.argv[1:]
    name = command_name(args)
    if name is None:  # --help, -h, nothing, or only global options
        command = help_group()
    else:
        sub = subcommand_name(args) if name in COMMANDS else None
        app = build_app(name, sub, dress=False)
        if "--help" in args or "-h" in args or (app.registered_groups and sub is None):
            _dress(app)  # its help is printed (a group alone prints its help)
        command = typer.main.get_command(app)
    _started()
    command(args, prog_name="minicrm")


def _started() -> None:
    """Start-up is over: the garbage collector, off while the modules were imported and the
    command built (``minicrm.__main__``), runs again, and leaves the start-up's objects
    (modules, classes, the command tree: never garbage) out of its passes for good."""
    import gc

    gc.freeze()
    gc.enable()
