"""The terminal layout of tables and the pipeline board (issue 15.10-15.12), in-process.
The same behaviour through the real program in a pseudo-terminal:
tests/reliability/test_screens.py."""

from __future__ import annotations

import io
import re

from minicrm.ui.board import BoardColumn, write_board
from minicrm.ui.screen import Brief, Column, Styled, write_table
from minicrm.ui.terminal import Screen, cut, strip_styles, wrap
from minicrm.ui.text import text_width as render_width
from minicrm.ui.text import zero_width


def screen(width: int, colour: bool = True) -> Screen:
    return Screen(width=width, height=40, bold=colour, colour=colour, unicode=True)


# -- 15.10: tables fitted to the terminal ---------------------------------------------------

COLUMNS = (
    Column("id", whole=True),
    Column("name", least=16),
    Column("email", whole=True, drop=2),
    Column("notes", drop=3, least=12),
    Column("due", whole=True, drop=1),
)
ROWS = [
    [1, "Maria González", "maria.gonzalez@globex-corporation.example", "x " * 40, "2026-12-03"],
    [22, "Ann Lee", "ann@example.org", "short", "2026-11-20"],
    [333, "Sam Lee-Worthington the Third", "sam@example.org", "", "2026-01-01"],
]


def table(width: int, rows=ROWS, columns=COLUMNS, colour: bool = False) -> str:
    out = io.StringIO()
    write_table(columns, rows, out=out, scr=screen(width, colour))
    return out.getvalue()


def test_a_table_never_passes_the_terminal_width_and_never_splits_a_whole_value():
    emails = [r[2] for r in ROWS]
    for width in (20, 40, 60, 80, 120):
        text = table(width)
        lines = text.splitlines()
        assert max(len(line) for line in lines) <= width, (width, text)
        for token in re.findall(r"\S*@\S*", text):
            assert token in emails, (width, token)  # an email is whole or absent
        for token in re.findall(r"\d{4}-\d\d-\d*", text):
            assert re.fullmatch(r"\d{4}-\d\d-\d\d", token), (width, token)


def test_low_value_columns_drop_out_first_and_a_footer_names_them():
    wide = table(160)
    assert "Not shown" not in wide and "notes" in wide
    eighty = table(80).splitlines()
    assert eighty[0].split() == ["id", "name", "email", "due"]
    assert eighty[-1] == "Not shown at 80 columns: notes."
    forty = table(40).splitlines()
    assert forty[0].split() == ["id", "name", "due"]
    assert forty[-1] == "Not shown at 40 columns: email, notes."
    twenty = table(20).splitlines()  # the date (drop 1) goes last, before records
    assert twenty[0].split() == ["id", "name"]


def test_long_text_is_shortened_with_an_ellipsis():
    text = table(40)
    assert "Sam Lee-Worthington th…" in text
    assert "Maria González" in text  # short enough: whole


def test_below_the_narrowest_table_rows_become_records():
    text = table(10)  # not even "id" and a squeezed name fit
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 10
    assert "id: 1" in lines and "due:" in lines and "2026-12-03" in lines
    assert "email:" in lines and "maria.gonz" in lines  # a long word is cut only here


def test_headers_and_cells_are_escaped():
    hostile = "\x1b[2J\x1b]0;PWNED\x07 Bob \u202eevil"
    columns = (Column(hostile), Column("b"))
    for width in (120, 10):
        text = table(width, rows=[[hostile, "x"]], columns=columns)
        assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
        assert "\\x1b[2J" in text or width == 10


def test_a_brief_form_is_used_when_the_full_one_does_not_fit():
    columns = (Column("id", whole=True), Column("reach", whole=True))
    rows = [[1, Brief("+1 555 0100 / jane@example.org", "+1 555 0100")]]
    assert "jane@example.org" in table(60, rows, columns)
    assert "+1 555 0100" in table(20, rows, columns)
    assert "jane" not in table(20, rows, columns)


def test_rows_are_drawn_as_they_come():
    out = io.StringIO()
    seen_before_the_end = []

    def rows():
        for n in range(1_000):
            if n == 900:
                seen_before_the_end.append(out.getvalue().count("\n"))
            yield [n, f"Person {n}"]

    write_table(("id", "name"), rows(), out=out, scr=screen(80))
    assert seen_before_the_end[0] > 800  # the first rows were out while later ones were read
    assert out.getvalue().count("\n") == 1_001


def test_styles_only_on_a_colour_terminal():
    rows = [[1, Styled("3 days overdue", "red")], [2, Styled("today", "yellow")]]
    coloured = table(80, rows, ("id", "when"), colour=True)
    assert "\x1b[31m3 days overdue\x1b[0m" in coloured and "\x1b[33mtoday" in coloured
    assert "\x1b" not in table(80, rows, ("id", "when"), colour=False)
    no_colour = Screen(width=80, height=40, bold=True, colour=False, unicode=True)
    out = io.StringIO()
    write_table(("id", "when"), rows, out=out, scr=no_colour)
    assert "\x1b[31m" not in out.getvalue() and "\x1b[1m" in out.getvalue()  # bold header


def test_cut_and_wrap():
    assert cut("Hello world", 8) == "Hello w…"
    assert cut("山田太郎さん", 7) == "山田太…"
    assert wrap("Open pipeline: 1,200.00\xa0USD (weighted 300.00\xa0USD)", 22) == [
        "Open pipeline:",
        "1,200.00 USD (weighted",
        "300.00 USD)",
    ]
    assert wrap("averyverylongword", 5) == ["avery", "veryl", "ongwo", "rd"]


# -- 15.10/15.12: the board -------------------------------------------------------------------


def board(width: int) -> list[str]:
    stages = [
        BoardColumn(
            "lead (10%): 1 deal",
            ["300.00\xa0USD, weighted 30.00\xa0USD"],
            [[("#3 Hosting", "bold"), ("  Bob", None), ("  300.00\xa0USD · 10%", None)]],
        ),
        BoardColumn("qualified (25%): 0 deals", [], []),
        BoardColumn(
            "proposal (50%): 1 deal",
            ["12,000.00\xa0EUR, weighted 6,000.00\xa0EUR"],
            [[("#1 Renewal 2027", "bold"), ("  12,000.00\xa0EUR · 50%", None)]],
        ),
    ]
    out = io.StringIO()
    write_board(stages, out=out, scr=screen(width, colour=False))
    return strip_styles(out.getvalue()).splitlines()


def test_the_board_lines_up_an_empty_stage_and_stacks_when_narrow():
    wide = board(120)
    rules = [n for n, line in enumerate(wide) if "─" in line]
    assert len(rules) == 1 and wide[rules[0]].count("─" * 20) == 3  # one rule under all
    assert max(len(line) for line in wide) <= 120
    narrow = board(60)
    assert narrow[0] == "lead (10%): 1 deal" and "qualified (25%): 0 deals" in narrow
    for lines, width in ((wide, 120), (narrow, 60), (board(30), 30)):
        text = "\n".join(lines)
        assert max(len(line) for line in lines) <= width
        for amount in ("300.00 USD", "30.00 USD", "12,000.00 EUR", "6,000.00 EUR"):
            assert amount in text, (width, amount)  # never broken across lines


def test_text_is_cut_between_what_the_terminal_draws_as_one():
    flag = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
    family = "👩\u200d👩\u200d👧"
    for text in (flag * 8, family * 5, "e\u0301" * 30, "👍🏽" * 12):
        for width in range(2, 12):
            shown = cut(text, width)
            kept = shown.removesuffix("…")
            assert shown.endswith("…") and render_width(shown) <= width, (text, width)
            assert text.startswith(kept) and not kept.endswith("\u200d")
            assert not zero_width(text[len(kept)]), (text, width)  # nothing split off
    assert cut(flag + " x" * 20, 6) == flag + " x…"
