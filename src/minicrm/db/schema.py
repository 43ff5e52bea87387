"""The schema, as numbered migrations.

Each migration is a function of a ``sqlite_utils.Database``. They are registered here
without importing sqlite-utils (a heavy import every command would pay); ``build_migrations()``
builds the ``sqlite_utils.migrations.Migrations`` set only when one is pending.
Never rename, renumber or edit a migration once released: add a new one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

MIGRATION_SET = "minicrm"

MigrationFn = Callable[[Any], None]
MIGRATIONS: list[tuple[str, MigrationFn]] = []


def migration(name: str) -> Callable[[MigrationFn], MigrationFn]:
    def register(fn: MigrationFn) -> MigrationFn:
        if any(existing == name for existing, _ in MIGRATIONS):
            raise ValueError(f"migration {name} registered twice")
        MIGRATIONS.append((name, fn))
        return fn

    return register


def migration_names() -> list[str]:
    return [name for name, _ in MIGRATIONS]


def build_migrations() -> Any:
    from sqlite_utils.migrations import Migrations

    migrations = Migrations(MIGRATION_SET)
    for name, fn in MIGRATIONS:
        migrations(name=name)(fn)
    return migrations


# Tables whose rows are user data, in the order a restore would insert them.
# Every write to them goes through Store.insert/update/delete, which records history.
DATA_TABLES = (
    "companies",
    "contacts",
    "contact_emails",
    "contact_phones",
    "contact_addresses",
    "contact_urls",
    "contact_tags",
    "contact_dates",
    "tag_cadences",
    "deals",
    "deal_stage_changes",
    "followups",
    "interactions",
    "interaction_contacts",
    "dupe_ignores",
)

# Child table -> the column naming its contact (history records the contact's uid).
CONTACT_CHILD_TABLES = {
    "contact_emails": "contact_id",
    "contact_phones": "contact_id",
    "contact_addresses": "contact_id",
    "contact_urls": "contact_id",
    "contact_tags": "contact_id",
    "contact_dates": "contact_id",
    "interaction_contacts": "contact_id",
}

# Every column that holds JSON, and the shape its value must have. A hand edit or another
# tool can leave text that is not that: `db check` verifies each one and names the row,
# and readers decode them through store/jsonvalues.py, which survives a damaged value.
# NULL and '' read as the empty value. A new JSON column must be added here
# (tests/test_damaged_values.py looks for JSON in every text column).
JSON_COLUMNS: dict[tuple[str, str], str] = {
    ("contacts", "custom"): "object of text",  # custom fields: name -> value
    ("contacts", "vcard_extra"): "array of text",  # vCard lines minicrm does not model
    ("history", "before"): "object",  # the whole row before the change (NULL: inserted)
    ("history", "after"): "object",  # the whole row after the change (NULL: deleted)
}

INITIAL_SCHEMA = [
    """
    CREATE TABLE companies (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uid TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        name_key TEXT NOT NULL UNIQUE,
        domain TEXT,
        notes TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE contacts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uid TEXT NOT NULL UNIQUE,
        display_name TEXT NOT NULL,
        name_key TEXT NOT NULL,
        given_name TEXT,
        family_name TEXT,
        nickname TEXT,
        title TEXT,
        company_id INTEGER REFERENCES companies(id),
        birthday TEXT,
        stage TEXT,
        source TEXT,
        cadence_days INTEGER,
        custom TEXT NOT NULL DEFAULT '{}',
        archived INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX idx_contacts_name_key ON contacts(name_key)",
    "CREATE INDEX idx_contacts_company ON contacts(company_id)",
    "CREATE INDEX idx_contacts_stage ON contacts(stage)",
    """
    CREATE TABLE contact_emails (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        contact_id INTEGER NOT NULL REFERENCES contacts(id),
        label TEXT,
        value TEXT NOT NULL,
        value_key TEXT NOT NULL,
        position INTEGER NOT NULL DEFAULT 0
    )
    """,
    "CREATE INDEX idx_contact_emails_contact ON contact_emails(contact_id)",
    "CREATE INDEX idx_contact_emails_key ON contact_emails(value_key)",
    """
    CREATE TABLE contact_phones (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        contact_id INTEGER NOT NULL REFERENCES contacts(id),
        label TEXT,
        value TEXT NOT NULL,
        value_key TEXT NOT NULL,
        position INTEGER NOT NULL DEFAULT 0
    )
    """,
    "CREATE INDEX idx_contact_phones_contact ON contact_phones(contact_id)",
    "CREATE INDEX idx_contact_phones_key ON contact_phones(value_key)",
    """
    CREATE TABLE contact_addresses (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        contact_id INTEGER NOT NULL REFERENCES contacts(id),
        label TEXT,
        value TEXT NOT NULL,
        position INTEGER NOT NULL DEFAULT 0
    )
    """,
    "CREATE INDEX idx_contact_addresses_contact ON contact_addresses(contact_id)",
    """
    CREATE TABLE contact_urls (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        contact_id INTEGER NOT NULL REFERENCES contacts(id),
        label TEXT,
        value TEXT NOT NULL,
        position INTEGER NOT NULL DEFAULT 0
    )
    """,
    "CREATE INDEX idx_contact_urls_contact ON contact_urls(contact_id)",
    """
    CREATE TABLE contact_tags (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        contact_id INTEGER NOT NULL REFERENCES contacts(id),
        tag TEXT NOT NULL,
        UNIQUE (contact_id, tag)
    )
    """,
    "CREATE INDEX idx_contact_tags_tag ON contact_tags(tag, contact_id)",
    """
    CREATE TABLE changesets (
        id INTEGER PRIMARY KEY,
        uid TEXT NOT NULL UNIQUE,
        command TEXT NOT NULL,
        created_at TEXT NOT NULL,
        undone_at TEXT
    )
    """,
    """
    CREATE TABLE history (
        id INTEGER PRIMARY KEY,
        changeset_id INTEGER NOT NULL REFERENCES changesets(id),
        op TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
        entity TEXT NOT NULL,
        row_id INTEGER NOT NULL,
        uid TEXT,
        before TEXT,
        after TEXT,
        at TEXT NOT NULL
    )
    """,
    "CREATE INDEX idx_history_changeset ON history(changeset_id)",
    "CREATE INDEX idx_history_uid ON history(uid)",
    "CREATE INDEX idx_history_entity_row ON history(entity, row_id)",
]


@migration("0001_initial")
def _initial(db: Any) -> None:
    for statement in INITIAL_SCHEMA:
        db.execute(statement)


DAILY_LOOP_SCHEMA = [
    "ALTER TABLE contacts ADD COLUMN last_contacted_at TEXT",
    "CREATE INDEX idx_contacts_last_contacted ON contacts(last_contacted_at)",
    """
    CREATE TABLE contact_dates (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        contact_id INTEGER NOT NULL REFERENCES contacts(id),
        label TEXT,
        value TEXT NOT NULL,
        position INTEGER NOT NULL DEFAULT 0
    )
    """,
    "CREATE INDEX idx_contact_dates_contact ON contact_dates(contact_id)",
    """
    CREATE TABLE tag_cadences (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        tag TEXT NOT NULL UNIQUE,
        days INTEGER NOT NULL CHECK (days > 0),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE followups (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uid TEXT NOT NULL UNIQUE,
        contact_id INTEGER REFERENCES contacts(id),
        title TEXT NOT NULL,
        notes TEXT,
        due_date TEXT NOT NULL,
        due_time TEXT,
        priority TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high')),
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
        snoozed_from TEXT,
        rrule TEXT,
        recur_from TEXT NOT NULL DEFAULT 'due' CHECK (recur_from IN ('due', 'done')),
        recur_until TEXT,
        recur_count INTEGER,
        series_uid TEXT NOT NULL,
        series_start TEXT NOT NULL,
        occurrence INTEGER NOT NULL DEFAULT 1,
        completed_at TEXT,
        cancelled_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX idx_followups_status_due ON followups(status, due_date, due_time)",
    "CREATE INDEX idx_followups_contact ON followups(contact_id, status, due_date)",
    "CREATE INDEX idx_followups_series ON followups(series_uid)",
    """
    CREATE TABLE interactions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uid TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL CHECK (kind IN ('note', 'call', 'email', 'meeting', 'message')),
        body TEXT NOT NULL,
        occurred_at TEXT NOT NULL,
        followup_id INTEGER REFERENCES followups(id),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX idx_interactions_occurred ON interactions(occurred_at)",
    "CREATE INDEX idx_interactions_followup ON interactions(followup_id)",
    """
    CREATE TABLE interaction_contacts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        interaction_id INTEGER NOT NULL REFERENCES interactions(id),
        contact_id INTEGER NOT NULL REFERENCES contacts(id),
        UNIQUE (interaction_id, contact_id)
    )
    """,
    "CREATE INDEX idx_interaction_contacts_contact ON interaction_contacts(contact_id, interaction_id)",
]


@migration("0002_daily_loop")
def _daily_loop(db: Any) -> None:
    """Interactions, follow-ups, important dates, tag cadences, last-contacted time."""
    for statement in DAILY_LOOP_SCHEMA:
        db.execute(statement)


# Bookkeeping tables: written through Store.append_log, not recorded in history (they are
# themselves a log of runs, not user data that undo should reverse).
LOG_TABLES = ("digest_runs",)

DIGEST_SCHEMA = [
    """
    CREATE TABLE digest_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ran_at TEXT NOT NULL,
        as_of TEXT NOT NULL,
        format TEXT NOT NULL,
        items INTEGER NOT NULL,
        sent_to TEXT,
        status TEXT NOT NULL CHECK (status IN ('printed', 'empty', 'sent', 'failed'))
    )
    """,
    "CREATE INDEX idx_digest_runs_as_of ON digest_runs(as_of)",
    "CREATE INDEX idx_digest_runs_ran_at ON digest_runs(ran_at)",
]


@migration("0003_digest_runs")
def _digest_runs(db: Any) -> None:
    """A record of every digest run, so a gap between runs can be caught up."""
    for statement in DIGEST_SCHEMA:
        db.execute(statement)


INTERCHANGE_SCHEMA = [
    "ALTER TABLE contacts ADD COLUMN notes TEXT",
    "ALTER TABLE contacts ADD COLUMN vcard_extra TEXT NOT NULL DEFAULT '[]'",
    "ALTER TABLE contacts ADD COLUMN photo TEXT",
    "CREATE INDEX idx_contacts_uid ON contacts(uid)",
]


@migration("0004_interchange")
def _interchange(db: Any) -> None:
    """What vCard and other imports bring: notes about the person, the vCard properties
    minicrm does not model (kept for a lossless round trip), and the photo."""
    for statement in INTERCHANGE_SCHEMA:
        db.execute(statement)


# The full-text index: one row per contact (rowid id*4+1), interaction (id*4+2) and
# follow-up (id*4+3); kept in step by the Store at every commit (db/searchindex.py).
SEARCH_SCHEMA = [
    """
    CREATE VIRTUAL TABLE search_index USING fts5(
        kind UNINDEXED,
        item_id UNINDEXED,
        contact_id UNINDEXED,
        name,
        emails,
        phones,
        tags,
        company,
        body,
        tokenize = 'unicode61 remove_diacritics 2'
    )
    """,
]


@migration("0005_search")
def _search(db: Any) -> None:
    """Full-text search over contacts, interactions and follow-ups, built for what exists."""
    for statement in SEARCH_SCHEMA:
        db.execute(statement)
    from minicrm.db.searchindex import rebuild_sql  # lazy: start-up (migrations only)

    for statement in rebuild_sql(deals=False):  # deals: migration 0017
        db.execute(statement)


HOT_PATHS_SCHEMA = [
    "DROP INDEX idx_followups_status_due",
    # The hot paths (due, agenda, the digest) read only open follow-ups, a small share.
    "CREATE INDEX idx_followups_open_due ON followups(due_date, due_time) WHERE status = 'open'",
    # Listings and reminders show each contact's first email and phone: covering indexes
    # answer that from the index alone.
    "DROP INDEX idx_contact_emails_contact",
    "CREATE INDEX idx_contact_emails_first ON contact_emails(contact_id, position, id, value)",
    "DROP INDEX idx_contact_phones_contact",
    "CREATE INDEX idx_contact_phones_first ON contact_phones(contact_id, position, id, value)",
]


@migration("0006_hot_paths")
def _hot_paths(db: Any) -> None:
    """Indexes for the hot paths: a partial one for the open follow-ups, which every daily
    command reads, and covering ones for a contact's first email and phone."""
    for statement in HOT_PATHS_SCHEMA:
        db.execute(statement)


DEALS_SCHEMA = [
    """
    CREATE TABLE deals (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uid TEXT NOT NULL UNIQUE,
        contact_id INTEGER REFERENCES contacts(id),
        company_id INTEGER REFERENCES companies(id),
        title TEXT NOT NULL,
        amount_minor INTEGER NOT NULL DEFAULT 0 CHECK (amount_minor >= 0),
        currency TEXT NOT NULL CHECK (length(currency) = 3 AND currency = upper(currency)),
        stage TEXT NOT NULL,
        probability INTEGER CHECK (probability BETWEEN 0 AND 100),
        close_date TEXT,
        lost_reason TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        closed_at TEXT
    )
    """,
    "CREATE INDEX idx_deals_contact ON deals(contact_id)",
    "CREATE INDEX idx_deals_company ON deals(company_id)",
    "CREATE INDEX idx_deals_stage ON deals(stage, close_date)",
    """
    CREATE TABLE deal_stage_changes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        deal_id INTEGER NOT NULL REFERENCES deals(id),
        from_stage TEXT,
        to_stage TEXT NOT NULL,
        changed_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX idx_deal_stage_changes_deal ON deal_stage_changes(deal_id, changed_at)",
    "ALTER TABLE followups ADD COLUMN deal_id INTEGER REFERENCES deals(id)",
    "CREATE INDEX idx_followups_deal ON followups(deal_id, status)",
    "ALTER TABLE interactions ADD COLUMN deal_id INTEGER REFERENCES deals(id)",
    "CREATE INDEX idx_interactions_deal ON interactions(deal_id)",
]


@migration("0007_deals")
def _deals(db: Any) -> None:
    """Deals in a pipeline of stages, each stage change recorded with its time, and the
    follow-ups and interactions that concern a deal."""
    for statement in DEALS_SCHEMA:
        db.execute(statement)


UNDO_SCHEMA = [
    # what kind of change set: a command's own, an undo of one, or a redo (an undo's undo)
    "ALTER TABLE changesets ADD COLUMN kind TEXT NOT NULL DEFAULT 'command' "
    "CHECK (kind IN ('command', 'undo', 'redo'))",
    # for an undo or redo: the change set it reversed
    "ALTER TABLE changesets ADD COLUMN undoes INTEGER REFERENCES changesets(id)",
    # set on a change set when it is reversed (with undone_at): the change set that did it
    "ALTER TABLE changesets ADD COLUMN undone_by INTEGER REFERENCES changesets(id)",
]


@migration("0008_undo")
def _undo(db: Any) -> None:
    """Undo and redo: which change sets reverse which, so that `undo` walks back the
    commands still in effect and `redo` re-applies what was just undone."""
    for statement in UNDO_SCHEMA:
        db.execute(statement)


DUPES_SCHEMA = [
    """
    CREATE TABLE dupe_ignores (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        contact_a_uid TEXT NOT NULL,
        contact_b_uid TEXT NOT NULL,
        created_at TEXT NOT NULL,
        CHECK (contact_a_uid < contact_b_uid),
        UNIQUE (contact_a_uid, contact_b_uid)
    )
    """,
    "CREATE INDEX idx_dupe_ignores_b ON dupe_ignores(contact_b_uid)",
]


@migration("0009_dupes")
def _dupes(db: Any) -> None:
    """Pairs of contacts the user said are not duplicates (`minicrm dupes --ignore`), by
    the two contacts' uids in sorted order, so a pair is one row whichever way it is named."""
    for statement in DUPES_SCHEMA:
        db.execute(statement)


# The latest interaction of each contact (by when it happened, then id), kept beside
# last_contacted_at by interactions.touch_contact, the one place that sets both. Reminders
# (due, agenda, the digest) show it for thousands of contacts at once, and reading it
# through interaction_contacts was a large part of `due`. No foreign key: it is a cache that
# touch_contact refreshes after an interaction is deleted, and `db check` verifies it.
LAST_INTERACTION_SCHEMA = [
    "ALTER TABLE contacts ADD COLUMN last_interaction_id INTEGER",
    """
    UPDATE contacts SET last_interaction_id = (
        SELECT ic.interaction_id FROM interaction_contacts ic
        JOIN interactions i ON i.id = ic.interaction_id
        WHERE ic.contact_id = contacts.id
        ORDER BY i.occurred_at DESC, i.id DESC LIMIT 1
    )
    """,
]


@migration("0010_last_interaction")
def _last_interaction(db: Any) -> None:
    """contacts.last_interaction_id, filled from the interactions; and the search index
    rebuilt, as its contact rows no longer repeat a name that equals given + family name."""
    for statement in LAST_INTERACTION_SCHEMA:
        db.execute(statement)
    from minicrm.db.searchindex import rebuild_sql  # lazy: start-up (migrations only)

    db.execute("DROP TABLE search_index")  # its pages are reused: DELETE would grow the file
    for statement in [*SEARCH_SCHEMA, *rebuild_sql(deals=False)]:  # deals: migration 0017
        db.execute(statement)


# An insert or delete recorded in history may hold its row's image by reference instead of
# a copy: image_from names an earlier insert or delete row of the same table and row whose
# image (after, or before) is this one's, byte for byte. Undo writes them: the rows it
# deletes are exactly as the undone change set inserted them, and a redo puts them back
# the same, so undoing a large import no longer copies all its row images again
# (db/store.py Store._record_many; readers resolve it through history/queries.py).
HISTORY_IMAGE_FROM_SCHEMA = [
    "ALTER TABLE history ADD COLUMN image_from INTEGER REFERENCES history(id)",
]


@migration("0014_history_image_from")
def _history_image_from(db: Any) -> None:
    """history.image_from: an insert's or delete's row image by reference (undo, redo)."""
    for statement in HISTORY_IMAGE_FROM_SCHEMA:
        db.execute(statement)


# Two-way sync with vdirs (minicrm/sync/): per folder, what the last sync saw; per item,
# its file name, its etag (vdirsyncer's), the item's UID as the file has it, the local
# record it is linked to, and the item as last synced (the base of a three-way merge).
# Bookkeeping, not user data: written by minicrm/sync/queries.py inside the sync's
# transaction, not recorded in history (undoing a sync reverts the records; the next
# sync then carries that back to the folder).
SYNC_SCHEMA = [
    """
    CREATE TABLE sync_folders (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        path TEXT NOT NULL,
        seen_changeset INTEGER NOT NULL DEFAULT 0,
        seen_changeset_uid TEXT,
        synced_at TEXT,
        UNIQUE (kind, path)
    )
    """,
    """
    CREATE TABLE sync_items (
        folder_id INTEGER NOT NULL REFERENCES sync_folders(id) ON DELETE CASCADE,
        href TEXT NOT NULL,
        uid TEXT NOT NULL,
        local_uid TEXT NOT NULL,
        etag TEXT NOT NULL,
        item TEXT NOT NULL,
        PRIMARY KEY (folder_id, href)
    )
    """,
    "CREATE INDEX idx_sync_items_local ON sync_items(folder_id, local_uid)",
    "CREATE INDEX idx_sync_items_uid ON sync_items(folder_id, uid)",
]
SYNC_TABLES = ("sync_folders", "sync_items")


@migration("0015_sync_state")
def _sync_state(db: Any) -> None:
    """sync_folders and sync_items: what each vdir held at its last sync."""
    for statement in SYNC_SCHEMA:
        db.execute(statement)


# Views for people who query the file with sqlite3, sqlite-utils or Datasette (docs/sql.md):
# one row per contact with its primary email, phone, company and tags; the open follow-ups
# with their contact; the timeline, one row per interaction and person. They are plain
# views: nothing in minicrm reads them, so they cost nothing until queried.
VIEWS_SCHEMA = [
    """
    CREATE VIEW contact_summary AS
    SELECT c.id, c.uid, c.display_name AS name, c.given_name, c.family_name, c.nickname,
        c.title, c.company_id, co.name AS company,
        (SELECT value FROM contact_emails WHERE contact_id = c.id
            ORDER BY position, id LIMIT 1) AS email,
        (SELECT value FROM contact_phones WHERE contact_id = c.id
            ORDER BY position, id LIMIT 1) AS phone,
        (SELECT group_concat(tag, ', ') FROM (SELECT tag FROM contact_tags
            WHERE contact_id = c.id ORDER BY tag)) AS tags,
        c.stage, c.birthday, c.cadence_days AS keep_in_touch_days, c.last_contacted_at,
        c.archived, c.created_at, c.updated_at
    FROM contacts c LEFT JOIN companies co ON co.id = c.company_id
    """,
    """
    CREATE VIEW open_followups AS
    SELECT f.id, f.title, f.due_date, f.due_time, f.priority, f.notes,
        f.rrule AS repeats, f.contact_id, c.display_name AS contact,
        (SELECT value FROM contact_emails WHERE contact_id = f.contact_id
            ORDER BY position, id LIMIT 1) AS email,
        (SELECT value FROM contact_phones WHERE contact_id = f.contact_id
            ORDER BY position, id LIMIT 1) AS phone,
        f.deal_id, d.title AS deal, f.snoozed_from, f.created_at
    FROM followups f
    LEFT JOIN contacts c ON c.id = f.contact_id
    LEFT JOIN deals d ON d.id = f.deal_id
    WHERE f.status = 'open'
    ORDER BY f.due_date, f.due_time IS NOT NULL, f.due_time,
        CASE f.priority WHEN 'high' THEN 0 WHEN 'normal' THEN 1 ELSE 2 END, f.id
    """,
    """
    CREATE VIEW timeline AS
    SELECT i.id, i.occurred_at, i.kind, i.body, ic.contact_id, c.display_name AS contact,
        co.name AS company, i.deal_id, d.title AS deal, i.followup_id, i.created_at
    FROM interactions i
    JOIN interaction_contacts ic ON ic.interaction_id = i.id
    JOIN contacts c ON c.id = ic.contact_id
    LEFT JOIN companies co ON co.id = c.company_id
    LEFT JOIN deals d ON d.id = i.deal_id
    ORDER BY i.occurred_at DESC, i.id DESC, ic.id
    """,
]


@migration("0017_views_deal_search")
def _views_deal_search(db: Any) -> None:
    """Views for SQL users: contact_summary, open_followups, timeline (docs/sql.md); and
    deals in the search index (rowid id*4: title, lost reason, stage, company)."""
    for statement in VIEWS_SCHEMA:
        db.execute(statement)
    from minicrm.db.searchindex import deal_rows_sql  # lazy: start-up (migrations only)

    db.execute(deal_rows_sql())


# Capture (minicrm capture mail|calendar, issue 20). An interaction captured from a mailbox
# or a calendar carries the key of what it came from (a Message-ID, or a hash of stable
# headers; an event's UID and RECURRENCE-ID) and, for mail, its direction: the unique
# index makes "never twice" a property of the file, whatever folders overlap. What was
# read is bookkeeping, not user data (no history): per source, a fingerprint (a Maildir's
# folder times, an mbox's offset, size and first bytes) and the Maildir file names seen,
# each with the change set of the run that read it, so that a run that is undone counts
# as never having read anything (the next run reads it again). Upcoming events are kept
# for `agenda`, replaced by every calendar capture.
CAPTURE_SCHEMA = [
    "ALTER TABLE interactions ADD COLUMN external_key TEXT",
    "ALTER TABLE interactions ADD COLUMN direction TEXT CHECK (direction IN ('in', 'out'))",
    "CREATE UNIQUE INDEX idx_interactions_external_key ON interactions(external_key) "
    "WHERE external_key IS NOT NULL",
    """
    CREATE TABLE capture_sources (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        path TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL CHECK (kind IN ('maildir', 'mbox', 'eml')),
        fingerprint TEXT,
        read_offset INTEGER NOT NULL DEFAULT 0,
        changeset_id INTEGER,
        updated_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE capture_seen (
        id INTEGER PRIMARY KEY,
        source_id INTEGER NOT NULL REFERENCES capture_sources(id),
        name TEXT NOT NULL,
        changeset_id INTEGER,
        UNIQUE (source_id, name)
    )
    """,
    """
    CREATE TABLE capture_upcoming (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        external_key TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        starts_at TEXT NOT NULL,
        ends_at TEXT,
        all_day INTEGER NOT NULL DEFAULT 0,
        contact_ids TEXT NOT NULL DEFAULT '',  -- the contacts' ids, separated by spaces
        source TEXT NOT NULL
    )
    """,
    "CREATE INDEX idx_capture_upcoming_starts ON capture_upcoming(starts_at)",
]


@migration("0018_capture")
def _capture(db: Any) -> None:
    """Capture from mail and calendars: interactions.external_key (unique) and direction;
    what each mail source has been read up to; upcoming events for `agenda`."""
    for statement in CAPTURE_SCHEMA:
        db.execute(statement)
