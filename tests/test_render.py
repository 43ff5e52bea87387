"""Rendering: user data is text, never markup or terminal control."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st

from minicrm.contacts import render as contacts_render
from minicrm.contacts.models import Contact, Labelled
from minicrm.core.models import Ref
from minicrm.interchange.formats import minicrm_csv
from minicrm.ui import machine, progress, render, text
from minicrm.ui.screen import write_card, write_table
from minicrm.ui.terminal import Screen

HOSTILE = [
    "[bold red]x",
    "Ann [/]",
    "[link=https://evil.example]Click[/link]",
    ":thumbs_up:",
    "\x1b[2J\x1b[31mred",
    "\x1b]8;;https://evil.example\x07link\x1b]8;;\x07",
    "\x9b31m C1 CSI",
    "bidi \u202e override \u2066 isolate",
    "nul \x00 byte",
    "=cmd|' /C calc'!A0",
    "👩‍👩‍👧 family",
    "עברית RTL",
    "e\u0301 combining",
]


def hostile_contact(name: str) -> Contact:
    return Contact(
        id=1,
        uid="u",
        name=name,
        company=Ref(1, "c", name),
        emails=(Labelled(name, name),),
        tags=(name,),
        custom={"k": name},
        created_at="2026-11-22T09:30:00Z",
        updated_at="2026-11-22T09:30:00Z",
    )


SCREEN = Screen(width=120, height=40, bold=True, colour=True, unicode=True)


def test_visible_leaves_no_control_characters():
    for value in HOSTILE:
        shown = text.visible(value)
        assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in shown), value
        assert "\u202e" not in shown and "\u2066" not in shown


@given(st.text())
def test_visible_is_safe_for_any_text(value):
    shown = text.visible(value, one_line=False)
    assert not any((ord(ch) < 0x20 and ch not in "\n\t") or 0x7F <= ord(ch) <= 0x9F for ch in shown)


def test_terminal_table_and_card_print_hostile_data_literally():
    plain = Screen(width=120, height=40, bold=False, colour=False, unicode=True)
    for value in HOSTILE:
        buffer = io.StringIO()
        contact = hostile_contact(value)
        write_table(
            contacts_render.CONTACT_COLUMNS,
            [contacts_render.contact_row(contact)],
            out=buffer,
            scr=plain,
        )
        write_card(contact.name, contacts_render.contact_card_lines(contact), out=buffer, scr=plain)
        out = buffer.getvalue()
        assert "\x1b" not in out and "\x9b" not in out and "\x00" not in out
        if value.isprintable() and "\u202e" not in value:
            assert value in out.replace("\n", "") or len(value) > 20


def test_markup_is_shown_exactly():
    buffer = io.StringIO()
    write_table(["name"], [["[bold]x[/]"], [":thumbs_up:"]], out=buffer, scr=SCREEN)
    out = buffer.getvalue()
    assert "[bold]x[/]" in out and ":thumbs_up:" in out and "👍" not in out


def test_plain_table_aligns_wide_characters_and_never_truncates():
    long = "x" * 300
    out = render.plain_table(["a", "b"], [["日本語", "1"], ["abc", "2"], [long, "3"]])
    lines = out.splitlines()
    # 日本語 is 3 characters but 6 cells wide: the next column starts at the same cell
    assert text.text_width(lines[1][: lines[1].index("1")]) == len(lines[2][: lines[2].index("2")])
    assert long in out


def test_csv_guard_covers_every_formula_start():
    for start in ("=", "+", "-", "@", "\t", "\r", "\x00"):
        assert machine.guard_formula(start + "1").startswith("'")
    assert machine.guard_formula("Jane") == "Jane"


def test_tsv_escapes_separators():
    buffer = io.StringIO()
    machine.write_delimited(["a"], [["x\ty\nz\\"]], tsv=True, raw=True, file=buffer)
    assert buffer.getvalue() == "a\nx\\ty\\nz\\\\\n"


def test_csv_to_a_terminal_shows_controls_but_files_get_exact_data(monkeypatch, capsys):
    contact = hostile_contact("bidi \u202e x")
    minicrm_csv.write_contacts([contact], "csv")
    assert "\u202e" in capsys.readouterr().out  # a pipe or file gets the data exactly
    monkeypatch.setattr(machine, "stdout_is_terminal", lambda: True)
    minicrm_csv.write_contacts([contact], "tsv")
    out = capsys.readouterr().out
    assert "\u202e" not in out and "\\u202e" in out


def test_every_ascii_character_visible_escapes_is_non_printable():
    # visible() returns printable ASCII untouched without running its patterns; that is
    # only safe while each pattern matches no printable ASCII character.
    for pattern in (text._UNSAFE, text._UNSAFE_LINE):
        for code in range(0x80):
            if pattern.match(chr(code)):
                assert not chr(code).isprintable(), f"U+{code:04X}"


def test_a_card_on_a_narrow_terminal_wraps_values_instead_of_cutting_them():
    out = io.StringIO()
    narrow = Screen(width=20, height=40, bold=False, colour=False, unicode=True)
    write_card(
        "Contact #1", [("Email", "averyveryverylongaddress@example.org")], out=out, scr=narrow
    )
    assert max(len(line) for line in out.getvalue().splitlines()) <= 20
    shown = "".join(line.strip("│ ") for line in out.getvalue().splitlines()[1:-1])
    assert "…" not in out.getvalue()
    assert shown.replace("Email:", "").replace(" ", "") == "averyveryverylongaddress@example.org"


def test_a_progress_label_is_never_markup_nor_an_escape(monkeypatch):
    """The label of a progress bar (an imported file's name) is a screen string too."""
    import sys

    from rich.console import Console

    out = io.StringIO()
    monkeypatch.setattr(
        progress, "_console", lambda file=None: Console(file=out, force_terminal=True, width=80)
    )
    monkeypatch.setattr(progress, "stdout_is_terminal", lambda: True)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    with progress.Progress("Importing [red]x\x1b[2J\u202e[/].csv") as bar:
        assert bar.shown
        bar.update(1, 2)
        bar._bar.refresh()
    shown = out.getvalue()
    assert "[red]x\\x1b[2J\\u202e[/].csv" in shown
    assert "\x1b[2J" not in shown and "\u202e" not in shown
