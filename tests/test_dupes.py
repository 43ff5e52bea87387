"""Duplicates and merging: pairs found by shared email, phone, similar name within a
company and exactly the same full name (and not for people who merely share a first name); "not a duplicate" marks;
merge combines fields, moves interactions, follow-ups and deals, and is one change set
whose history is enough to put both contacts back."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minicrm
from minicrm.core.errors import InvalidInput
from minicrm.dupes import merging
from minicrm.dupes import service as dupes
from minicrm.interchange import exports


def pairs(run, *args: str) -> list[tuple[int, int, list[str]]]:
    return [
        (p["a"]["id"], p["b"]["id"], [r["kind"] for r in p["reasons"]])
        for p in run.json("dupes", *args)
    ]


def test_same_email_in_another_case_is_a_pair(run, contact_factory):
    contact_factory("Ann Lee", "-e", "ann@x.io")
    contact_factory("A. Lee", "-e", " ANN@X.io")
    contact_factory("Bob Stone", "-e", "bob@x.io")
    found = run.json("dupes")
    assert [(p["a"]["id"], p["b"]["id"]) for p in found] == [(1, 2)]
    assert found[0]["score"] == 0.9
    assert found[0]["reasons"][0]["text"] == "same email ann@x.io"


def test_same_phone_written_differently_is_a_pair_but_short_numbers_are_not(run, contact_factory):
    contact_factory("Ann Lee", "-p", "+1 (555) 010-0199")
    contact_factory("Annie", "-p", "+1 555 010 0199")
    contact_factory("Cy", "-p", "123 4")
    contact_factory("Di", "-p", "1234")
    assert pairs(run) == [(1, 2, ["phone"])]


def test_similar_names_in_one_company_are_a_pair(run, contact_factory):
    contact_factory("John Smith", "--company", "Acme")
    contact_factory("Jon Smith", "--company", "acme")
    contact_factory("Lee Ann", "--company", "Acme")
    contact_factory("Ann Lee", "--company", "Acme")
    found = run.json("dupes")
    assert {(p["a"]["id"], p["b"]["id"]) for p in found} == {(1, 2), (3, 4)}
    texts = {r["text"] for p in found for r in p["reasons"]}
    assert "similar name (0.95) and same company Acme" in texts


def test_people_sharing_a_first_name_or_a_name_elsewhere_are_not_pairs(run, contact_factory):
    contact_factory("John Smith", "--company", "Acme")
    contact_factory("John Brown", "--company", "Acme")
    contact_factory("Louis Thomas", "--company", "Acme")
    contact_factory("Lisa Thomas", "--company", "Acme")
    contact_factory("Jon Smith", "--company", "Globex")  # another company: no evidence
    assert run("dupes").stdout == ""
    assert run.json("dupes") == []
    # exactly the same full name is evidence on its own (issue 15.5): a pair, with 0.5
    contact_factory("John Smith")
    assert [(p["a"]["id"], p["b"]["id"], p["score"]) for p in run.json("dupes")] == [(1, 6, 0.5)]


def test_evidence_adds_up_and_min_score_and_limit_filter(run, contact_factory):
    contact_factory("Ann Lee", "-e", "ann@x.io", "-p", "+44 20 7946 0001", "--company", "Acme")
    contact_factory("Ann Lee", "-e", "ann@x.io", "-p", "+442079460001", "--company", "Acme")
    contact_factory("Bo", "-p", "+1 555 010 0100")
    contact_factory("Cy", "-p", "+1 555 010 0100")
    found = run.json("dupes")
    assert found[0]["score"] == round(1 - 0.1 * 0.3 * 0.3, 2)
    assert sorted(r["kind"] for r in found[0]["reasons"]) == ["email", "name", "phone"]
    assert [p["b"]["id"] for p in found] == [2, 4]
    assert len(run.json("dupes", "--min-score", "0.8")) == 1
    assert len(run.json("dupes", "--limit", "1")) == 1
    run("dupes", "--min-score", "2", code=2)


def test_archived_contacts_are_left_out_unless_asked(run, contact_factory):
    contact_factory("Ann Lee", "-e", "ann@x.io")
    contact_factory("Ann L", "-e", "ann@x.io")
    run("archive", "2")
    assert pairs(run) == []
    assert pairs(run, "--archived") == [(1, 2, ["email"])]


def test_ignore_hides_a_pair_until_unignored(run, contact_factory):
    contact_factory("Ann Lee", "-e", "ann@x.io")
    contact_factory("Ann L", "-e", "ann@x.io")
    contact_factory("Annie", "-e", "ann@x.io")
    assert len(pairs(run)) == 3
    marked = run.json("dupes", "--ignore", "2", "1")
    assert marked["changed"] is True and marked["a"]["id"] in (1, 2)
    assert run.json("dupes", "--ignore", "1", "2")["changed"] is False
    assert {(a, b) for a, b, _ in pairs(run)} == {(1, 3), (2, 3)}
    ignored = run.json("dupes", "--ignored")
    assert len(ignored) == 1 and {ignored[0]["a"]["id"], ignored[0]["b"]["id"]} == {1, 2}
    assert run("dupes", "--ignore", "1", code=2).stderr.startswith("minicrm: --ignore needs two")
    run("dupes", "--ignore", "1", "#1", code=2)
    run("dupes", "1", "2", code=2)
    assert run.json("dupes", "--unignore", "1", "2") == {"changed": True}
    assert len(pairs(run)) == 3


@pytest.fixture
def pair(run, store):
    """Two records of one person with interactions (one shared), follow-ups and a deal
    (built through the library: the CLI paths are covered elsewhere)."""
    from minicrm.activity import followups, interactions
    from minicrm.deals import service as deals

    C = minicrm.ContactChanges
    minicrm.add_contact(
        store,
        "John Smith",
        C(
            fields={"company": "Acme", "title": "CTO", "notes": "Met at PyCon"},
            add={"emails": ["john@acme.io"]},
            add_tags=["vip"],
            custom={"shirt": "L"},
        ),
    )
    minicrm.add_contact(
        store,
        "Jon Smith",
        C(
            fields={
                "title": "CEO",
                "every": "30d",
                "birthday": "1980-05-03",
                "notes": "Plays golf",
            },
            add={"emails": ["JOHN@acme.io", "jon@home.net"], "phones": ["+1 555 010 0100"]},
            add_tags=["vip", "golf"],
            custom={"shirt": "M", "team": "blue"},
        ),
    )
    minicrm.add_contact(store, "Mary Jones")
    interactions.log(store, ["1"], "first call", kind_="call", at="2026-11-01")
    interactions.log(store, ["2"], "old mail", kind_="email", at="2026-11-20")
    interactions.log(store, ["1", "2", "3"], "lunch together", kind_="meeting", at="2026-10-01")
    followups.add_followup(store, "2", "send proposal", due="tomorrow")
    deals.add_deal(store, "2", "Website", value="1000")
    dupes.ignore_pair(store, 2, 3)  # Jon is not Mary: carried over to John
    return run


def test_merge_combines_fields_and_moves_everything(pair):
    run = pair
    result = run.json("merge", "1", "2", "--yes")
    assert result["dry_run"] is False
    assert result["moves"] == {
        "interactions": 1,
        "shared_interactions": 1,
        "followups": 1,
        "deals": 1,
        "not_duplicate_marks": 1,
    }
    john = result["contact"]
    assert john["name"] == "John Smith" and john["title"] == "CTO"
    assert [e["value"] for e in john["emails"]] == ["john@acme.io", "jon@home.net"]
    assert [p["value"] for p in john["phones"]] == ["+1 555 010 0100"]
    assert john["tags"] == ["golf", "vip"]
    assert john["custom"] == {"shirt": "L", "team": "blue"}
    assert john["birthday"] == "1980-05-03" and john["keep_in_touch_days"] == 30
    assert john["notes"] == (
        "Met at PyCon\n\nPlays golf\n\n"
        "Merged from #2 on 2026-11-22: name: Jon Smith; title: CEO; shirt: M"
    )
    assert john["last_contacted_at"].startswith("2026-11-20")
    assert set(result["conflicts"]) == {"name", "title", "custom"}
    run("show", "2", code=3)
    found = minicrm.open_store(minicrm.resolve_db_path(None))
    try:
        links = found.query(
            "SELECT interaction_id, contact_id FROM interaction_contacts ORDER BY 1, 2"
        )
        assert links == [
            {"interaction_id": 1, "contact_id": 1},
            {"interaction_id": 2, "contact_id": 1},
            {"interaction_id": 3, "contact_id": 1},
            {"interaction_id": 3, "contact_id": 3},
        ]
        assert found.scalar("SELECT contact_id FROM followups") == 1
        assert found.scalar("SELECT contact_id FROM deals") == 1
    finally:
        found.close()
    ignored = run.json("dupes", "--ignored")
    assert {ignored[0]["a"]["id"], ignored[0]["b"]["id"]} == {1, 3}


def test_dry_run_shows_the_fields_and_changes_nothing(pair, store):
    run = pair
    before = exports.to_json_text(exports.dump(store))
    changesets = store.scalar("SELECT count(*) FROM changesets")
    shown = run("merge", "1", "2", "--dry-run")
    assert "title" in shown.stdout and "CEO" in shown.stdout and "conflict" in shown.stdout
    assert "Moves to #1: 2 interactions (1 shared), 1 follow-up, 1 deal" in shown.stdout
    assert "nothing was changed" in shown.stderr
    data = run.json("merge", "1", "2", "--dry-run")
    assert data["dry_run"] is True and data["contact"]["title"] == "CTO"
    fields = {f["field"]: f for f in data["fields"]}
    assert fields["title"] == {
        "field": "title",
        "a": "CTO",
        "b": "CEO",
        "result": "CTO",
        "rule": "conflict",
    }
    assert fields["phones"]["rule"] == "b" and fields["tags"]["result"] == ["golf", "vip"]
    assert exports.to_json_text(exports.dump(store)) == before
    assert store.scalar("SELECT count(*) FROM changesets") == changesets


def test_merge_in_a_script_needs_yes_and_refuses_nonsense(pair, store):
    run = pair
    refused = run("merge", "1", "2", code=1)
    assert "refusing to merge without --yes" in refused.stderr
    run("merge", "1", "#1", "--yes", code=2)
    run("merge", "1", "99", "--yes", code=3)
    assert store.scalar("SELECT count(*) FROM contacts") == 3


def test_keep_b_makes_the_second_survive(pair):
    result = pair.json("merge", "1", "2", "--keep", "b", "--yes")
    assert result["survivor"]["id"] == 2 and result["contact"]["title"] == "CEO"
    pair("show", "1", code=3)


def test_merge_is_one_change_set_and_undo_gives_both_back_exactly(pair, store):
    before = exports.to_json_text(exports.dump(store))
    pair("merge", "1", "2", "--yes")
    changesets = store.query("SELECT id, command FROM changesets ORDER BY id DESC LIMIT 1")
    cid = changesets[0]["id"]
    assert changesets[0]["command"].startswith("minicrm merge 1 2")
    assert (
        store.scalar(
            "SELECT count(DISTINCT changeset_id) FROM history WHERE changeset_id >= ?", [cid]
        )
        == 1
    )
    gone = store.query(
        "SELECT entity, before FROM history WHERE changeset_id = ? AND op = 'delete'", [cid]
    )
    contact = [json.loads(r["before"]) for r in gone if r["entity"] == "contacts"]
    assert len(contact) == 1 and contact[0]["id"] == 2 and contact[0]["title"] == "CEO"
    assert contact[0]["custom"] == json.dumps({"shirt": "M", "team": "blue"})
    assert {r["entity"] for r in gone} >= {
        "contacts",
        "contact_emails",
        "contact_tags",
        "interaction_contacts",
    }
    merged = exports.to_json_text(exports.dump(store))
    pair("undo")
    assert exports.to_json_text(exports.dump(store)) == before  # both contacts, as they were
    assert pair.json("show", "2")["title"] == "CEO"
    pair("redo")
    assert exports.to_json_text(exports.dump(store)) == merged


def test_a_dump_keeps_the_not_a_duplicate_marks(pair, store, tmp_path):
    text = exports.to_json_text(exports.dump(store))
    assert len(json.loads(text)["tables"]["dupe_ignores"]) == 1
    target = minicrm.open_store(tmp_path / "copy.db")
    try:
        exports.restore(target, json.loads(text))
        assert exports.to_json_text(exports.dump(target)) == text
        assert len(dupes.ignored_pairs(target)) == 1
    finally:
        target.close()


names = st.text(alphabet="abcdejlmnost ", min_size=1, max_size=14).map(
    lambda s: " ".join(s.split()) or "a"
)


@given(names, names)
def test_name_similarity_is_symmetric_and_bounded(x, y):
    assert dupes.name_similarity(x, y) == dupes.name_similarity(y, x)
    assert 0.0 <= dupes.name_similarity(x, y) <= 1.0
    assert dupes.name_similarity(x, x) == 1.0


@given(st.lists(st.floats(0, 1), max_size=5))
def test_combined_scores_stay_between_0_and_1_and_grow(scores):
    total = dupes.combine(scores)
    assert 0.0 <= total <= 1.0 + 1e-12
    assert total + 1e-12 >= max(scores, default=0.0)


values = st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), max_size=4, unique=True)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values, values, values, values)
def test_merge_never_loses_an_email_a_phone_or_a_tag(mails_a, mails_b, tags_a, tags_b):
    store = minicrm.memory_store()
    phone = {"a": "+1 555 0100", "b": "+1 (555) 0100", "c": "555 0101", "d": "0102", "e": "0103"}

    def make(name, mails, tags, upper):
        changes = minicrm.ContactChanges(
            add={
                "emails": [(m.upper() if upper else m) + "@x.io" for m in mails],
                "phones": list(dict.fromkeys(phone[m] for m in mails if m not in "ab")),
            },
            add_tags=tags,
        )
        return minicrm.add_contact(store, name, changes)

    a = make("A", mails_a, tags_a, False)
    b = make("B", mails_b, tags_b, True)
    merged = merging.merge_contacts(store, a.id, b.id).contact
    assert {e.value.lower() for e in merged.emails} == {
        e.value.lower() for e in (*a.emails, *b.emails)
    }
    keys = {minicrm.core.validate.phone_key(p.value) for p in merged.phones}
    assert keys == {minicrm.core.validate.phone_key(p.value) for p in (*a.phones, *b.phones)}
    assert len(keys) == len(merged.phones)
    assert set(merged.tags) == set(a.tags) | set(b.tags)
    assert store.scalar("SELECT count(*) FROM contacts") == 1


def test_the_library_plan_is_what_the_merge_does(store):
    a = minicrm.add_contact(store, "Ann", minicrm.ContactChanges(fields={"title": "CTO"}))
    b = minicrm.add_contact(store, "Ann", minicrm.ContactChanges(fields={"nickname": "Annie"}))
    plan = merging.plan_merge(store, a.id, b.id)
    assert [(f.field, f.rule) for f in plan.fields if f.field in ("title", "nickname")] == [
        ("nickname", "b"),
        ("title", "a"),
    ]
    minicrm.update_contact(store, b.id, minicrm.ContactChanges(fields={"title": "CEO"}))
    with pytest.raises(minicrm.Conflict):
        merging.merge_contacts(store, a.id, b.id, expected=plan)
    with pytest.raises(InvalidInput):
        merging.merge_contacts(store, a.id, a.id)
    result = merging.merge_contacts(store, a.id, b.id)
    assert result.contact.nickname == "Annie" and result.contact.title == "CTO"
