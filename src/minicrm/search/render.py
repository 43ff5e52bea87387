"""Rendering of search results: each contact, best first, with where it matched and the
match highlighted (bold at a terminal, between [ ] in plain output)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from minicrm.ui.machine import write_json
from minicrm.ui.render import nothing
from minicrm.ui.text import stdout_is_terminal, visible


def print_search(results: Sequence, fmt: str) -> None:  # Sequence[search.Result]
    if fmt == "json":
        write_json([r.to_dict() for r in results])
        return
    if not results:
        nothing("Nothing matches.")
        return
    print_search_results(results)


def _marked(text: str, highlights: Sequence[tuple[int, int]], terminal: bool) -> str:
    """A snippet with its matches in bold on a terminal, between [ ] in plain output."""
    pieces: list[tuple[str, bool]] = []
    last = 0
    for start, end in highlights:
        pieces += [(text[last:start], False), (text[start:end], True)]
        last = end
    pieces.append((text[last:], False))
    if not terminal:
        return "".join(f"[{visible(p)}]" if hit else visible(p) for p, hit in pieces)
    from minicrm.ui.terminal import screen  # lazy: start-up

    scr = screen()
    return "".join(scr.paint(visible(p), "bold") if hit else visible(p) for p, hit in pieces)


def print_search_results(results: Sequence[Any]) -> None:
    """Each contact (best first) with where it matched, the match highlighted."""
    terminal = stdout_is_terminal()
    if terminal:
        from minicrm.ui.terminal import screen, write_wrapped  # lazy: start-up

        scr = screen()
    for result in results:
        who = f"#{result.contact.id} {result.contact.name}" if result.contact else "(no contact)"
        for hit in [None, *result.hits]:
            if hit is None:
                text = scr.paint(visible(who), "bold") if terminal else visible(who)
            else:
                label = f"  {hit.kind} #{hit.id}: " if hit.kind != "contact" else "  "
                snippet = _marked(hit.text.replace("\n", " "), hit.highlights, terminal)
                text = visible(label) + snippet
            if terminal:  # wrapped at spaces, not wherever the terminal's edge falls
                write_wrapped(text, scr=scr, shown=True)
            else:
                print(text)
