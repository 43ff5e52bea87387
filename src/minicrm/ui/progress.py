"""The progress bar of long imports, and the one module that imports Rich (imported only
when a bar is drawn: Rich is the heaviest import of the stack). The label is data: it goes
through :func:`minicrm.ui.text.visible` and never as markup."""

from __future__ import annotations

import os
from typing import IO, Any

from minicrm.ui.text import stdout_is_terminal, visible


def _console(file: IO[str] | None = None) -> Any:
    from rich.console import Console

    # A dumb terminal shows escape codes as garbage: Rich would still send bold and
    # underline there, so no styles at all (color_system=None) on TERM=dumb.
    dumb = os.environ.get("TERM", "").lower() in ("dumb", "unknown")
    no_color = bool(os.environ.get("NO_COLOR")) or None
    if dumb:
        return Console(
            file=file,
            highlight=False,
            emoji=False,
            markup=False,
            soft_wrap=False,
            no_color=no_color,
            color_system=None,
        )
    return Console(
        file=file, highlight=False, emoji=False, markup=False, soft_wrap=False, no_color=no_color
    )


class Progress:
    """A progress bar on stderr when a person watches a terminal; silent otherwise."""

    def __init__(self, description: str) -> None:
        self.description = description
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        import sys as _sys

        if _sys.stderr.isatty() and stdout_is_terminal():
            from rich.progress import BarColumn, TaskProgressColumn, TextColumn, TimeRemainingColumn
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(  # the label is data (a file name): never markup
                TextColumn("{task.description}", markup=False),
                BarColumn(),
                TaskProgressColumn(),
                TimeRemainingColumn(),
                console=_console(_sys.stderr),
                transient=True,
            )
            self._bar.start()
        return self

    @property
    def shown(self) -> bool:
        """Is a bar on the screen (so work done only to feed it is worth doing)?"""
        return self._bar is not None

    def update(self, done: int, total: int | None) -> None:
        if self._bar is None:
            return
        if self._task is None:
            self._task = self._bar.add_task(visible(self.description), total=total)
        self._bar.update(self._task, completed=done, total=total)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
