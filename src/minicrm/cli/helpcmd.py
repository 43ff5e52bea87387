"""``minicrm help [COMMAND [SUBCOMMAND]]``: the help of a command, as its --help prints it."""

from __future__ import annotations

from typing import Annotated

import typer

from minicrm.core.errors import InvalidInput


def register(app: typer.Typer) -> None:
    app.command("help")(help_)


def help_(
    ctx: typer.Context,
    words: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[COMMAND [SUBCOMMAND]]",
            help="The command, e.g. log or deal add (none: the list of commands).",
        ),
    ] = None,
) -> None:
    """Show the help of a command (the same as COMMAND --help)."""
    import difflib  # lazy: start-up

    from minicrm import cli

    words = list(words or [])
    prog = ctx.find_root().info_name or "minicrm"
    if not words:
        group = cli.help_group()
        typer.echo(group.get_help(typer.Context(group, info_name=prog, **group.context_settings)))
        return
    name = words[0]
    if name not in cli.COMMANDS:
        close = difflib.get_close_matches(name, list(cli.COMMANDS), n=3)
        raise InvalidInput(
            f"no command {name!r}",
            hint=f"did you mean {' or '.join(close)}?" if close else "minicrm help lists them",
        )
    root = typer.main.get_command(cli.build_app(name, None))
    parent = typer.Context(root, info_name=prog, **root.context_settings)
    command = root.get_command(parent, name)  # type: ignore[attr-defined]
    context = typer.Context(command, info_name=name, parent=parent)
    path = [name]
    for word in words[1:]:
        sub = getattr(command, "get_command", lambda c, n: None)(context, word)
        special = _sub_words(path)
        if sub is None and word in special:
            break  # `tag ls`: a command's first word; `tag ls --help` is tag's help
        if sub is None:
            subs = list(getattr(command, "commands", {})) or list(special)
            close = difflib.get_close_matches(word, subs, n=3)
            kind = "words" if special else "commands"
            raise InvalidInput(
                f"{' '.join(path)} has no command {word!r}",
                hint=f"did you mean {' or '.join(close)}?"
                if close
                else (f"its {kind}: {', '.join(subs)}" if subs else "it has no subcommands"),
            )
        command, path = sub, [*path, word]
        context = typer.Context(command, info_name=word, parent=context)
    typer.echo(command.get_help(context))


def _sub_words(path: list[str]) -> tuple[str, ...]:
    """The words a command (not a group) takes first as if they were subcommands."""
    if path == ["tag"]:
        from minicrm.cli import tags  # lazy: start-up

        return tags.SUB_WORDS
    return ()
