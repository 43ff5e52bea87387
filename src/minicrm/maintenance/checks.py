"""The checks `db check` runs, one function each, returning a :class:`Check`: SQLite's
integrity and foreign keys, stored JSON values, the search index, and minicrm's own
invariants (last contacted, follow-up series, deal stages, change sets, temporary files).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minicrm.core.config import Config, load_config
from minicrm.core.errors import MinicrmError
from minicrm.db import backup as copies
from minicrm.db.store import Store
from minicrm.maintenance import queries

MAX_DETAILS = 20


@dataclass
class Check:
    name: str
    status: str  # ok, fail or warn
    summary: str = ""
    details: list[str] = field(default_factory=list)
    repairable: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "summary": self.summary,
            "details": self.details,
            "repairable": self.repairable,
        }


def plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _capped(items: list[str]) -> list[str]:
    if len(items) <= MAX_DETAILS:
        return items
    return [*items[:MAX_DETAILS], f"... and {len(items) - MAX_DETAILS} more"]


def integrity(store: Store, quick: bool = False) -> Check:
    problems = queries.integrity_problems(store, quick=quick)
    pragma = "quick_check" if quick else "integrity_check"
    if not problems:
        return Check("integrity", "ok", f"SQLite's {pragma} passes")
    return Check("integrity", "fail", f"SQLite's {pragma}: {problems[0]}", problems[1:])


def foreign_keys(store: Store) -> Check:
    rows = queries.foreign_key_problems(store)
    if not rows:
        return Check("foreign_keys", "ok", "every reference points to an existing row")
    details = [f"{r['table']} #{r['rowid']} refers to a missing row of {r['parent']}" for r in rows]
    return Check(
        "foreign_keys",
        "fail",
        f"{plural(len(rows), 'row')} refer to rows that do not exist: {details[0]}",
        _capped(details),
    )


_KIND_WORDS = {
    "contact": ("contact", "contacts"),
    "interaction": ("interaction", "interactions"),
    "followup": ("follow-up", "follow-ups"),
    "deal": ("deal", "deals"),
}


def json_damage(store: Store, *, history: bool = True) -> list[Any]:
    """Every damaged value of the JSON columns (schema.JSON_COLUMNS), as
    jsonvalues.Damage, judged as the readers judge them; ``history=False`` leaves out the
    history table (it may be large: `db check --quick`)."""
    from minicrm.db import jsonvalues  # lazy: start-up

    found = []
    for row in queries.contact_json_texts(store):
        owner = f"contact #{row['id']} ({row['display_name']})"
        for column in ("custom", "vcard_extra"):
            _, problem = jsonvalues.decode("contacts", column, row[column])
            if problem is not None:
                found.append(jsonvalues.Damage("contacts", row["id"], column, problem, owner))
    if history:
        for row in queries.history_json_suspects(store):
            owner = f"history row #{row['id']} (change set #{row['changeset_id']})"
            for column in ("before", "after"):
                _, problem = jsonvalues.decode("history", column, row[column])
                if problem is not None:
                    found.append(jsonvalues.Damage("history", row["id"], column, problem, owner))
    return found


def _excerpt(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def json_values(store: Store, damage: list[Any], texts: dict[tuple[str, int, str], str]) -> Check:
    from minicrm.db.jsonvalues import LABELS  # lazy: start-up

    if not damage:
        return Check("json_values", "ok", "every stored JSON value can be read")
    details = [
        f"{d.owner}: {LABELS[(d.table, d.column)]}: {d.problem}: "
        f"{_excerpt(texts.get((d.table, d.row_id, d.column), ''))}"
        for d in damage
    ]
    n = len(damage)
    return Check(
        "json_values",
        "fail",
        f"{plural(n, 'stored JSON value')} {'is' if n == 1 else 'are'} damaged "
        "(read as empty; a command that would overwrite one refuses)",
        _capped(details),
        repairable=any(d.table == "contacts" for d in damage),
    )


def damage_and_texts(
    store: Store, *, history: bool = True
) -> tuple[list[Any], dict[tuple[str, int, str], str]]:
    damage = json_damage(store, history=history)
    texts: dict[tuple[str, int, str], str] = {}
    for d in damage:
        row = store.query_one(f'SELECT "{d.column}" AS v FROM "{d.table}" WHERE id = ?', [d.row_id])
        texts[(d.table, d.row_id, d.column)] = "" if row is None else str(row["v"])
    return damage, texts


def search_index(store: Store, damaged: str | None, skip: frozenset[int] = frozenset()) -> Check:
    """``damaged``: what FTS5's own check said (run before, see :func:`check`). ``skip``:
    contacts with a damaged JSON value, whose index row cannot be judged (the json_values
    check names them; repairing them refreshes their row)."""
    if damaged:
        return Check(
            "search_index", "fail", f"the index is damaged: {damaged}", [], repairable=True
        )
    diff = queries.search_index_diff(store)
    if skip and "contact" in diff.outdated:
        diff.outdated["contact"] = [i for i in diff.outdated["contact"] if i not in skip]
        if not diff.outdated["contact"]:
            del diff.outdated["contact"]
    parts: list[str] = []
    details: list[str] = []
    for label, found in (("missing", diff.missing), ("out of date", diff.outdated)):
        for kind, ids in found.items():
            one, many = _KIND_WORDS[kind]
            parts.append(f"{len(ids)} {one if len(ids) == 1 else many} {label}")
            details += [f"{one} #{i}: {label}" for i in ids]
    if diff.stale:
        parts.append(plural(len(diff.stale), "stale row"))
        details += [f"index row {rowid} belongs to nothing" for rowid in diff.stale]
    if not parts:
        return Check(
            "search_index", "ok", "one up-to-date row per contact, interaction, follow-up, deal"
        )
    return Check("search_index", "fail", ", ".join(parts), _capped(details), repairable=True)


def interactions(store: Store) -> Check:
    orphans = queries.interactions_without_contacts(store)
    if not orphans:
        return Check("interactions", "ok", "every interaction is with at least one contact")
    return Check(
        "interactions",
        "fail",
        f"{plural(len(orphans), 'interaction')} with no contact",
        _capped([f"interaction #{i} has no contact" for i in orphans]),
    )


def last_contacted(store: Store) -> Check:
    rows = queries.last_contacted_mismatches(store)
    if not rows:
        return Check("last_contacted", "ok", "every contact's last-contacted time is right")
    details = [
        f"#{r['id']} {r['display_name']}: recorded {r['stored'] or 'never'}"
        f" (#{r['stored_id'] or '-'}), latest interaction {r['latest'] or 'none'}"
        f" (#{r['latest_id'] or '-'})"
        for r in rows
    ]
    return Check(
        "last_contacted",
        "fail",
        f"{plural(len(rows), 'contact')} whose last-contacted time is not their latest interaction",
        _capped(details),
        repairable=True,
    )


def missing_next_occurrences(store: Store) -> list[tuple[int, str]]:
    """(follow-up id, when its next is due) for the latest, done occurrences of repeating
    series whose rule gives a next occurrence that does not exist. Not counted: a series
    whose latest occurrence was cancelled (`cancel --stop` ends it there, and a skip
    always schedules the next), or whose next occurrence the user deleted."""
    from minicrm.activity import lifecycle  # lazy: start-up

    found = []
    for row in queries.latest_done_recurring(store):
        due = lifecycle.next_due_after(store, row["id"])
        if due is None or queries.later_occurrence_deleted(
            store, row["series_uid"], row["occurrence"]
        ):
            continue
        found.append((row["id"], due.strftime("%Y-%m-%d %H:%M").removesuffix(" 00:00")))
    return found


def followup_series(store: Store) -> Check:
    duplicates = queries.duplicate_occurrences(store)
    missing = missing_next_occurrences(store)
    if not duplicates and not missing:
        return Check("followup_series", "ok", "every repeating series has its next occurrence")
    parts, details = [], []
    if missing:
        parts.append(
            f"{plural(len(missing), 'repeating series', 'repeating series')} "
            "without their next occurrence"
        )
        details += [
            f"follow-up #{fid} is done but the next occurrence (due {due}) is missing"
            for fid, due in missing
        ]
    if duplicates:
        parts.append(f"{plural(len(duplicates), 'occurrence')} recorded twice")
        details += [
            f"follow-ups {r['ids']} are all occurrence {r['occurrence']} of one series"
            for r in duplicates
        ]
    return Check(
        "followup_series",
        "fail",
        ", ".join(parts),
        _capped(details),
        repairable=bool(missing) and not duplicates,
    )


def deal_stages(store: Store) -> Check:
    rows = queries.deal_stage_mismatches(store)
    if not rows:
        return Check("deal_stages", "ok", "every deal's stage matches its recorded stage changes")
    details = [
        f"deal #{r['id']} {r['title']}: stage {r['stage']}, "
        + (f"last recorded change to {r['latest']}" if r["latest"] else "no stage change recorded")
        for r in rows
    ]
    return Check(
        "deal_stages",
        "fail",
        f"{plural(len(rows), 'deal')} whose stage is not the last recorded stage change",
        _capped(details),
    )


def configured_stages(store: Store, config: Config | None) -> Check:
    if config is None:
        try:
            config = load_config()
        except MinicrmError as exc:
            return Check("configured_stages", "warn", f"cannot read the config file: {exc}")
    known = {
        "contacts": set(config.contact_stages),
        "deals": {s.name for s in config.deal_stages},
    }
    details = []
    for table, word in (("contacts", "contact"), ("deals", "deal")):
        for row in queries.stage_counts(store, table):
            if row["stage"] not in known[table]:
                details.append(
                    f"{plural(row['n'], word)} in stage {row['stage']!r}, which the config "
                    f"does not list ([{table}] stages)"
                )
    if not details:
        return Check("configured_stages", "ok", "every stage in use is configured")
    return Check("configured_stages", "warn", details[0], details[1:])


def changesets(store: Store) -> Check:
    empty = queries.empty_changesets(store)
    if not empty:
        return Check("history", "ok", "every change set records its changes")
    return Check(
        "history",
        "warn",
        f"{plural(len(empty), 'change set')} without any recorded change",
        _capped([f"change set #{i} is empty" for i in empty]),
    )


def temp_files(db_path: Path) -> Check:
    found = copies.stale_temp_files(copies.temp_places(db_path))
    if not found:
        return Check("temp_files", "ok", "no temporary copy left by an interrupted command")
    main = [t for t in found if not t.companion]
    total = copies.size_text(sum(t.size for t in found))
    n = len(main) or len(found)
    what = "temporary cop" + ("y" if n == 1 else "ies")
    details = [
        f"{t.path} ({copies.size_text(t.size)}), left by process {t.pid}, which has ended"
        for t in found
    ]
    return Check(
        "temp_files",
        "warn",
        f"{n} {what} left by interrupted commands ({total}); the next db backup, db restore "
        "or db check --repair removes them",
        _capped(details),
        repairable=True,
    )
