"""The property a sync's convergence rests on: a contact written as a card, read back and
applied, is the same contact, and its card the same fields (so a second sync finds
nothing to do). Random names, titles, notes (newlines, commas, semicolons, backslashes,
non-ASCII), emails, phones, labels, tags, custom fields, stages, cadences, birthdays."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minicrm.db.opening import memory_store
from minicrm.sync.contacts import ContactsKind

TEXT = (
    st.text(
        alphabet=st.sampled_from(list(string.ascii_letters + " ,;:\\\n\"'-äöüßéñ漢字🙂")),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(bool)
)
LINE = TEXT.map(lambda t: " ".join(t.split())).filter(bool)
LABEL = st.one_of(st.none(), st.sampled_from(["work", "home", "mobile", "other", "assistant"]))
EMAILS = st.lists(
    st.tuples(LABEL, st.from_regex(r"[a-z]{1,8}@[a-z]{1,8}\.example", fullmatch=True)),
    max_size=3,
    unique_by=lambda x: x[1],
)
PHONES = st.lists(
    st.tuples(LABEL, st.from_regex(r"\+1 555 0[0-9]{3}", fullmatch=True)),
    max_size=3,
    unique_by=lambda x: x[1],
)
TAGS = st.lists(st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True), max_size=3, unique=True)
CUSTOM = st.dictionaries(st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True), LINE, max_size=2)


@st.composite
def contact_fields(draw) -> dict:
    fields: dict = {"name": draw(LINE)}
    for key, strategy in (
        ("title", LINE),
        ("nickname", LINE),
        ("notes", TEXT),
        ("stage", st.sampled_from(["lead", "customer"])),
        ("source", LINE),
        ("cadence_days", st.integers(1, 400).map(str)),
        ("birthday", st.sampled_from(["1980-04-12", "--04-12", "--02-29"])),
        ("company", LINE),
    ):
        if draw(st.booleans()):
            fields[key] = draw(strategy)
    emails, phones, tags = draw(EMAILS), draw(PHONES), draw(TAGS)
    if emails:
        fields["emails"] = [list(e) for e in emails]
    if phones:
        fields["phones"] = [list(p) for p in phones]
    if tags:
        fields["tags"] = tags
    for key, value in draw(CUSTOM).items():
        fields[f"custom.{key}"] = value
    return fields


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contact_fields(), st.sampled_from(["3.0", "4.0"]))
def test_a_card_applied_and_written_again_is_the_same_card(fields, version):
    store = memory_store()
    kind = ContactsKind(version)
    with store.transaction():
        uid = kind.apply(store, None, fields, _item(kind, fields))
        first = kind.load(store, [uid], {})[uid]
        again = kind.parse(first.text)
        assert again.fields == first.fields
        kind.apply(store, uid, first.fields, first)
        second = kind.load(store, [uid], {})[uid]
    assert second.fields == first.fields
    for key in ("title", "nickname", "stage", "source", "company", "birthday"):
        if key in fields:
            assert first.fields.get(key) == fields[key], key
    assert first.fields.get("tags", []) == sorted(fields.get("tags", []))
    assert [e[1] for e in first.fields.get("emails", [])] == [
        e[1] for e in fields.get("emails", [])
    ]


def _item(kind, fields):
    from minicrm.sync.core import Item

    return Item("card-uid", fields, "", fields["name"])
