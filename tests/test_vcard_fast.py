"""Issue 14.3: the hand-written reading of vCard content lines gives exactly what vobject's
line functions give, for every card it accepts (the others go through vobject)."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from minicrm.interchange.formats.vcard import lines as vcard

NAMES = st.sampled_from(
    ["FN", "N", "EMAIL", "TEL", "ADR", "NOTE", "X-FOO", "x_bar", "item1.EMAIL", "Item2.X-ABLabel",
     "BEGIN", "END", "PHOTO", "CATEGORIES", "UID", "BDAY"]
)  # fmt: skip
PARAM_VALUES = st.text(alphabet=st.sampled_from(list('abcWORK vo-"=,:;\\é')), max_size=8)
PARAMS = st.lists(
    st.tuples(
        st.sampled_from(["TYPE", "type", "PREF", "ENCODING", "CHARSET", "VALUE", "X-Y", "a_b", ""]),
        st.one_of(st.none(), st.lists(PARAM_VALUES, max_size=3)),
    ),
    max_size=3,
)
VALUES = st.lists(
    st.sampled_from([*'ab ,;:\\nN"é\t\x1b', "\\,", "\\;", "\\n", "\\\\"]), max_size=12
).map("".join)


@st.composite
def lines(draw):
    name = draw(NAMES)
    params = ""
    for key, values in draw(PARAMS):
        params += ";" + key + ("" if values is None else "=" + ",".join(values))
    text = f"{name}{params}:{draw(VALUES)}"
    if draw(st.booleans()) and len(text) > 3:  # fold it somewhere
        cut = draw(st.integers(min_value=1, max_value=len(text) - 1))
        return [text[:cut], draw(st.sampled_from([" ", "\t"])) + text[cut:]]
    return [text]


@st.composite
def cards(draw):
    body = [line for group in draw(st.lists(lines(), max_size=6)) for line in group]
    if draw(st.booleans()):
        body.insert(draw(st.integers(0, len(body))), draw(st.sampled_from(["", "   ", " x"])))
    return ["BEGIN:VCARD", "VERSION:3.0", *body, "END:VCARD"]


def _shape(read):
    try:
        props = read()
    except vcard.CardError as exc:
        return ("error", str(exc))
    if props is None:
        return None
    return [
        (p.name, p.group, p.line.value, p.line.params, p.line.singletonparams, p.qp) for p in props
    ]


@settings(max_examples=400, deadline=None)
@given(cards())
@example(["BEGIN:VCARD", "TEL;TYPE=work,,voice;;X:1", "END:VCARD"])
@example(["BEGIN:VCARD", "TEL;;TYPE=:1", "END:VCARD"])
@example(["BEGIN:VCARD", "NOTE;ENCODING=quoted-printable:a=3Db", "END:VCARD"])
@example(["BEGIN:VCARD", "BEGIN:X", "FN:inner", "END:X", "FN:outer", "END:VCARD"])
def test_fast_reading_is_vobjects_reading(card):
    fast = _shape(lambda: vcard.read_props_fast(card))
    if fast is None:
        return  # such a card is read by vobject
    assert fast == _shape(lambda: vcard.read_props_vobject(card))


@settings(max_examples=400, deadline=None)
@given(VALUES, st.sampled_from([None, ",", ";"]))
@example("a,b,", ",")
@example(",", ",")
@example("", ",")
@example(",,", ",")
def test_fast_unescaping_is_vobjects_unescaping(raw, separator):
    from vobject.icalendar import stringToTextValues

    expected = stringToTextValues(
        raw + ("\\" if (len(raw) - len(raw.rstrip("\\"))) % 2 else ""),
        listSeparator=separator,
        charList=vcard.ESCAPABLE,
    )
    assert vcard.unescape_all(raw, separator) == expected


def test_most_cards_take_the_fast_path():
    card = ["BEGIN:VCARD", "VERSION:3.0", "FN:Jane", "N:Doe;Jane;;;", "EMAIL;TYPE=work:j@x.io",
            "END:VCARD"]  # fmt: skip
    assert vcard.read_props_fast(card) is not None
    quoted = ["BEGIN:VCARD", 'X-A;LABEL="a:b":v', "END:VCARD"]
    assert vcard.read_props_fast(quoted) is None  # vobject reads it
