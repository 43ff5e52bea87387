"""The pipeline board at a terminal: one column per stage, its deals as cards, side by
side when the terminal is wide enough, stacked when it is not.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import IO

from minicrm.ui.screen import GAP
from minicrm.ui.terminal import Screen, cut, screen, wrap
from minicrm.ui.text import text_width, visible

STAGE_WIDTH = 24  # narrower than this a stage's column is not readable: stages stack


class BoardColumn:
    """One stage: its heading, a line per currency total, and its deals' cards, each card
    (line, style) pairs. In totals and cards, amounts hold together with U+00A0."""

    __slots__ = ("cards", "heading", "totals")

    def __init__(
        self,
        heading: str,
        totals: Sequence[str],
        cards: Sequence[Sequence[tuple[str, str | None]]],
    ) -> None:
        self.heading = heading
        self.totals = totals
        self.cards = cards


def write_board(
    stages: Sequence[BoardColumn], *, out: IO[str] | None = None, scr: Screen | None = None
) -> None:
    """The stages side by side when each gets the room its figures need (at least
    STAGE_WIDTH cells), else one under another."""
    out = out or sys.stdout
    scr = scr or screen(out)
    count = max(len(stages), 1)
    width = (scr.width - GAP * (count - 1)) // count
    figures = [  # an amount is never split: a column narrower than one stacks the board
        text_width(word)
        for stage in stages
        for text in (*stage.totals, *(t for card in stage.cards for t, _ in card))
        for word in visible(text).split(" ")
        if "\xa0" in word
    ]
    if width < max([STAGE_WIDTH, *figures]):
        _write_stacked(stages, out, scr)
        return
    blocks = []
    for stage in stages:
        head: list[tuple[str, str | None]] = [
            (line, "bold") for line in wrap(visible(stage.heading), width)
        ]
        for total in stage.totals:
            head += [(line, None) for line in wrap(visible(total), width)]
        body: list[tuple[str, str | None]] = []
        for number, card in enumerate(stage.cards):
            if number:
                body.append(("", None))
            for index, (text, style) in enumerate(card):
                if index == 0:  # the title: shortened to one line
                    body.append((cut(visible(text), width, scr.ellipsis), style))
                else:
                    body += [(piece, style) for piece in wrap(visible(text), width)]
        blocks.append((head, body))
    head_height = max(len(head) for head, _ in blocks)
    body_height = max(len(body) for _, body in blocks)
    rule = "─" if scr.unicode else "-"
    grid: list[list[tuple[str, str | None]]] = []
    for head, body in blocks:
        cells = head + [("", None)] * (head_height - len(head))  # an empty stage lines up
        cells.append((rule * width, "dim"))
        cells += body + [("", None)] * (body_height - len(body))
        grid.append(cells)
    lines = []
    for row in zip(*grid, strict=True):
        parts = [scr.paint(text, style) + " " * (width - text_width(text)) for text, style in row]
        lines.append((" " * GAP).join(parts).rstrip())
    out.write("\n".join(lines) + "\n")


def _write_stacked(stages: Sequence[BoardColumn], out: IO[str], scr: Screen) -> None:
    lines: list[str] = []
    for number, stage in enumerate(stages):
        if number:
            lines.append("")
        lines += [scr.paint(t, "bold") for t in wrap(visible(stage.heading), scr.width)]
        for total in stage.totals:
            lines += ["  " + t for t in wrap(visible(total), scr.width - 2)]
        for card in stage.cards:
            for index, (text, style) in enumerate(card):
                indent = "  " if index == 0 else "    "
                for piece in wrap(visible(text.strip()), scr.width - len(indent)):
                    lines.append(indent + scr.paint(piece, style))
    out.write("\n".join(lines) + "\n")
