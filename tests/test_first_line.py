"""first_line: the summary of an interaction in due, stale, next and history. Its fast
path for one-line text (docs/performance.md, "The last two targets") must give what the
general definition gives for any text."""

from hypothesis import given
from hypothesis import strategies as st

from minicrm.core.models import first_line

BREAKS = ["\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


def by_definition(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


@given(st.lists(st.one_of(st.text(max_size=8), st.sampled_from([*BREAKS, " ", "\t"]))))
def test_first_line_is_the_first_non_empty_stripped_line(pieces):
    text = "".join(pieces)
    assert first_line(text) == by_definition(text)


def test_first_line_examples():
    assert first_line("  Call about pricing  ") == "Call about pricing"
    assert first_line("\n\n  second\nthird") == "second"
    assert first_line("one\u2028two") == "one"
    assert first_line("") == "" and first_line(" \n\t ") == ""
