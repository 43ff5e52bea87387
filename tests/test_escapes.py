"""What reaches a screen never steers or deceives the terminal (issue 13.2): the whole
Unicode Bidi_Control class and the invisible characters that disguise a name are shown
as visible escapes, on the screen and in JSON; legit text (emoji sequences, RTL scripts,
combining marks, subdivision flags) stays readable."""

from __future__ import annotations

import json
import re

from hypothesis import given
from hypothesis import strategies as st

from minicrm.ui import machine
from minicrm.ui import text as ui_text

BIDI_CONTROL = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
INVISIBLE = (
    "\u00ad\u200b\u2060\u2061\u2062\u2063\u2064\u206a\u206f\u3164\ufeff\uffa0\ufff9\ufffb"
    "\U0001d173\U000e0001\U000e0041\U000e007f"
)
FLAG = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"  # England
KEPT = [
    "👩\u200d👩\u200d👧\u200d👦 family",  # ZWJ sequence
    "🏳\ufe0f\u200d🌈 flag 👍🏽",
    "می\u200cخواهم",  # Persian with ZWNJ
    "שלום עולם",
    "مرحبا بالعالم",
    "e\u0301 Zoë 山田",
    FLAG,
    "\u0600\u0661 Arabic number sign",
]


# -- 13.2: which characters are escaped ---------------------------------------------------


def test_the_whole_bidi_control_class_is_escaped():
    for ch in BIDI_CONTROL:
        shown = ui_text.visible(f"Bob {ch}evil")
        assert ch not in shown, f"U+{ord(ch):04X}"
        assert f"\\u{ord(ch):04x}" in shown


def test_invisible_characters_that_disguise_a_name_are_escaped():
    for ch in INVISIBLE:
        shown = ui_text.visible(f"ad{ch}min", one_line=False)
        assert ch not in shown, f"U+{ord(ch):04X}"
    assert ui_text.visible("\U000e0041") == "\\U000e0041"  # beyond the BMP: 8 hex digits
    assert ui_text.visible("\u00ad") == "\\xad"


def test_legit_text_stays_readable():
    for text in KEPT:
        assert ui_text.visible(text) == text, text


def test_a_tag_sequence_outside_a_flag_is_escaped():
    smuggled = "hi\U000e0069\U000e0067\U000e006e\U000e006f\U000e0072\U000e0065"
    assert "\U000e0069" not in ui_text.visible(smuggled)
    assert ui_text.visible(FLAG + smuggled).startswith(FLAG)


def test_json_escapes_the_same_characters_and_round_trips():
    value = f"Bob {BIDI_CONTROL}{INVISIBLE} {FLAG} \u200d\u200c"
    text = machine.to_json({"name": value})
    assert json.loads(text) == {"name": value}
    for ch in BIDI_CONTROL + INVISIBLE:
        assert ch not in text.replace(FLAG, ""), f"U+{ord(ch):04X}"
    assert FLAG in text and "\u200d" in text
    assert "\\udb40\\udc41" in text  # U+E0041 as a JSON surrogate pair


UNSAFE = re.compile(
    f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{BIDI_CONTROL}{INVISIBLE}\\u2028\\u2029\\ud800-\\udfff]"
)


@given(st.text())
def test_visible_never_lets_an_unsafe_character_through(value):
    shown = ui_text.visible(value, one_line=False).replace(FLAG, "")
    assert not UNSAFE.search(shown)


@given(st.text())
def test_json_never_lets_an_unsafe_character_through(value):
    text = machine.to_json([value])
    assert json.loads(text) == [value]
    assert not UNSAFE.search(text.replace(FLAG, "").replace("\n", "").replace("\t", ""))
