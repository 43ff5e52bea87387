"""The bare-Python references bench/run.py times minicrm against.

Each is a small script run as ``python -c SCRIPT DB [ARGS]``: start Python, ``import
sqlite3``, open the file, run the SQL that answers the same question as the minicrm
command and print the rows (tab-separated, no alignment, no dataclasses, no Typer). They
are what the same answer costs with nothing in between, so "ratio" is minicrm's
overhead. They read what minicrm reads (same rows, same order, same limits); they do not
validate input, resolve ambiguous references or handle errors.

Run one by hand:  python -c "$(python bench/references.py due)" bench/data/bench.db 2026-11-22
"""

from __future__ import annotations

import sys

# Shared: print rows as tab-separated lines.
_HEAD = """\
import sqlite3, sys
db = sys.argv[1]
conn = sqlite3.connect(db)
out = sys.stdout.write
def show(rows):
    out("".join("\\t".join("" if v is None else str(v) for v in r) + "\\n" for r in rows))
"""

# Shared by the references that print what minicrm prints when piped (due, stale): seven
# columns aligned in terminal cells (wide characters two, combining marks none), the last
# one not padded, trailing spaces stripped.
_ALIGNED = """
import unicodedata
def width(text):
    if text.isascii():
        return len(text)
    return sum(0 if unicodedata.combining(ch) or ch in "\\u200b\\u200c\\u200d\\ufe0f"
               else 2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
def aligned(rows):
    sizes = [[width(c) for c in r[:6]] for r in rows]
    widths = [max(s[i] for s in sizes) for i in range(6)]
    out("\\n".join(
        "  ".join([c + " " * (w - n) for c, n, w in zip(r, s, widths)] + [r[6]]).rstrip()
        for r, s in zip(rows, sizes)) + "\\n")
"""

# The first email and phone and the latest interaction of a contact: what `due`, `stale`
# and the digest call "reach".
_REACH = """
    (SELECT value FROM contact_emails WHERE contact_id = c.id ORDER BY position, id LIMIT 1),
    (SELECT value FROM contact_phones WHERE contact_id = c.id ORDER BY position, id LIMIT 1),
    (SELECT i.occurred_at || ' ' || i.kind || ': ' || i.body
     FROM interaction_contacts ic JOIN interactions i ON i.id = ic.interaction_id
     WHERE ic.contact_id = c.id ORDER BY i.occurred_at DESC, i.id DESC LIMIT 1)
"""

_FOLLOWUP_ORDER = (
    "ORDER BY f.due_date, f.due_time IS NOT NULL, f.due_time, "
    "CASE f.priority WHEN 'high' THEN 0 WHEN 'normal' THEN 1 ELSE 2 END, f.id"
)

# `minicrm --version`: the floor of starting Python at all.
PASS = "pass"

# `minicrm due`: open follow-ups due on or before today, with how to reach the contact.
# It reads what minicrm reads (the partial index of open follow-ups, the first email and
# phone, the latest interaction through contacts.last_interaction_id) and prints what
# minicrm prints when piped, byte for byte (bench/run.py checks that before timing):
# aligned columns measured in terminal cells, the weekday, how overdue (a timed
# follow-up from its time, an all-day one from the midnight after its day, as of the
# day given at the current time of day), each day's overdue ones most overdue first, the
# repetition, the local date of the latest interaction and the first line of its text.
DUE = (
    _HEAD
    + _ALIGNED
    + f'''
from datetime import date, datetime, time, timedelta
today = date.fromisoformat(sys.argv[2])
now = datetime.combine(today, datetime.now().astimezone().time().replace(tzinfo=None))
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
UNITS = {{"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}}
def every(rule):
    parts = dict(p.split("=", 1) for p in rule.split(";"))
    n = int(parts.pop("INTERVAL", "1"))
    unit = UNITS[parts.pop("FREQ")]
    if parts:
        return "RRULE:" + rule  # forms the bench data does not hold; the check would fail
    return f"every {{unit}}" if n == 1 else f"every {{n}} {{unit}}s"
def when(day, at):
    """(overdue since or None, how overdue in words), as of now (TZ=UTC: no offset)."""
    late = (today - day).days
    since = datetime.combine(day, time.fromisoformat(at)) if at else datetime.combine(
        day + timedelta(days=1), time(0))
    if since > now:
        return None, "today" if late == 0 else f"in {{-late}} days"
    minutes = int((now - since).total_seconds() // 60)
    if at and minutes < 1440:
        if minutes == 0:
            return since, "due now"
        if minutes < 60:
            return since, f"{{minutes}} min overdue"
        if (minutes + 30) // 60 < 24:
            return since, f"{{(minutes + 30) // 60}} h overdue"
    late = max(late, 1)
    return since, f"{{late}} day{{'s' if late != 1 else ''}} overdue"
rows = [("id", "due", "when", "title", "contact", "reach", "last interaction")]
day_rows = []
def flush():
    day_rows.sort(key=lambda r: (0, r[0]) if r[0] else (1, now))  # stable: query order
    rows.extend(r[1] for r in day_rows)
    day_rows.clear()
current = None
for (fid, due, at, title, priority, rule, name, email, phone, last_at, kind, body
     ) in conn.execute("""
    SELECT f.id, f.due_date, f.due_time, f.title, f.priority, f.rrule, c.display_name,
        (SELECT value FROM contact_emails WHERE contact_id = f.contact_id
         ORDER BY position, id LIMIT 1),
        (SELECT value FROM contact_phones WHERE contact_id = f.contact_id
         ORDER BY position, id LIMIT 1),
        li.occurred_at, li.kind, li.body
    FROM followups f LEFT JOIN contacts c ON c.id = f.contact_id
    LEFT JOIN interactions li ON li.id = c.last_interaction_id
    WHERE f.status = 'open' AND f.due_date <= ? {_FOLLOWUP_ORDER}""", [today.isoformat()]):
    if due != current:
        flush()
        current = due
    day = date.fromisoformat(due)
    since, words = when(day, at)
    marks = (["!"] if priority == "high" else []) + ([f"({{every(rule)}})"] if rule else [])
    last = ""
    if last_at:
        local = datetime.fromisoformat(last_at).astimezone().date().isoformat()
        line = next((x.strip() for x in body.splitlines() if x.strip()), "")
        last = f"{{local}} {{kind}}: {{line}}"
    day_rows.append((since, (
        str(fid),
        f"{{DAYS[day.weekday()]}} {{due}}" + (f" {{at}}" if at else ""),
        words,
        " ".join([title, *marks]),
        name or "",
        " / ".join(v for v in (phone, email) if v),
        last,
    )))
flush()
aligned(rows)
'''
)

# `minicrm stale`: unarchived contacts past their cadence (their own, else their tags'
# shortest), most days over first, then by name, then by id, each with first phone and
# email and the latest interaction (through contacts.last_interaction_id, as minicrm
# reads it). It prints what minicrm prints when piped, byte for byte (bench/run.py checks
# that before timing, as for `due`): aligned columns measured in terminal cells, where
# the cadence comes from, the local date of the latest interaction and the first line of
# its text. Its SQL is the plain cadence SELECT and one reach SELECT; minicrm ranks in
# SQL and reads the reach in chunks (for the first screen at a terminal).
STALE = (
    _HEAD
    + _ALIGNED
    + '''
import json
from datetime import date, datetime
today = date.fromisoformat(sys.argv[2])
found = []
for cid, name, own, tag_days, tag, last_at, created in conn.execute("""
    SELECT c.id, c.display_name, c.cadence_days, t.days, t.tag, c.last_contacted_at,
        c.created_at
    FROM contacts c LEFT JOIN (
        SELECT ct.contact_id, min(tc.days) AS days, tc.tag FROM contact_tags ct
        JOIN tag_cadences tc ON tc.tag = ct.tag GROUP BY ct.contact_id
    ) t ON t.contact_id = c.id
    WHERE c.archived = 0 AND (c.cadence_days IS NOT NULL OR t.days IS NOT NULL)"""):
    since = datetime.fromisoformat(last_at or created).astimezone().date()
    cadence = own if own is not None else tag_days
    over = (today - since).days - cadence
    if over > 0:
        every = f"{cadence}d" if own is not None else f"{cadence}d (tag:{tag})"
        found.append((-over, name.casefold(), cid, name, every, since.isoformat()))
found.sort(key=lambda f: f[:3])
ids = json.dumps([f[2] for f in found])
reach = {r[0]: r[1:] for r in conn.execute("""
    SELECT c.id,
        (SELECT value FROM contact_emails WHERE contact_id = c.id ORDER BY position, id LIMIT 1),
        (SELECT value FROM contact_phones WHERE contact_id = c.id ORDER BY position, id LIMIT 1),
        li.occurred_at, li.kind, li.body
    FROM contacts c LEFT JOIN interactions li ON li.id = c.last_interaction_id
    WHERE c.id IN (SELECT value FROM json_each(?))""", [ids])}
rows = [("id", "contact", "every", "over", "since", "reach", "last interaction")]
for minus_over, _, cid, name, every, since in found:
    email, phone, last_at, kind, body = reach[cid]
    last = ""
    if last_at:
        local = datetime.fromisoformat(last_at).astimezone().date().isoformat()
        line = next((x.strip() for x in body.splitlines() if x.strip()), "")
        last = f"{local} {kind}: {line}"
    rows.append((str(cid), name, every,
                 f"{-minus_over} day{'s' if minus_over != -1 else ''} over", since,
                 " / ".join(v for v in (phone, email) if v), last))
aligned(rows)
'''
)

# `minicrm ls tag:vip --limit 50`: the first 50 unarchived vip contacts by name, with
# company, first email and phone, tags and stage.
LS = (
    _HEAD
    + '''
tag, limit = sys.argv[2], int(sys.argv[3])
show(conn.execute("""
SELECT c.id, c.display_name, co.name,
    (SELECT value FROM contact_emails WHERE contact_id = c.id ORDER BY position, id LIMIT 1),
    (SELECT value FROM contact_phones WHERE contact_id = c.id ORDER BY position, id LIMIT 1),
    (SELECT group_concat(tag, ', ') FROM
        (SELECT tag FROM contact_tags WHERE contact_id = c.id ORDER BY tag)),
    c.stage
FROM contacts c LEFT JOIN companies co ON co.id = c.company_id
WHERE c.archived = 0 AND c.id IN (SELECT contact_id FROM contact_tags WHERE tag = ?)
ORDER BY c.name_key, c.id LIMIT ?""", [tag, limit]))
'''
)

# `minicrm ls` (every unarchived contact, piped): the same columns, all rows, by name.
LS_ALL = (
    _HEAD
    + '''
show(conn.execute("""
SELECT c.id, c.display_name, co.name,
    (SELECT value FROM contact_emails WHERE contact_id = c.id ORDER BY position, id LIMIT 1),
    (SELECT value FROM contact_phones WHERE contact_id = c.id ORDER BY position, id LIMIT 1),
    (SELECT group_concat(tag, ', ') FROM
        (SELECT tag FROM contact_tags WHERE contact_id = c.id ORDER BY tag)),
    c.stage
FROM contacts c LEFT JOIN companies co ON co.id = c.company_id
WHERE c.archived = 0 ORDER BY c.name_key, c.id"""))
'''
)

# `minicrm stats` (12 weeks): interactions per kind and local week, new contacts, the
# follow-ups due in the period with their outcome, keep-in-touch adherence (each
# cadence contact's last interaction through last_contacted_at), by tag, and the deals.
STATS = (
    _HEAD
    + '''
from datetime import date, datetime, timedelta
today = date.fromisoformat(sys.argv[2])
start = today - timedelta(days=83)
def stamp(day):
    return datetime(day.year, day.month, day.day).astimezone().astimezone(
        __import__("datetime").timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
weeks = [start] + [start + timedelta(days=7 - start.weekday() + 7 * i) for i in range(13)]
bounds = [stamp(d) for d in weeks if d <= today] + [stamp(today + timedelta(days=1))]
case = " ".join(f"WHEN occurred_at < ? THEN {i}" for i in range(len(bounds)))
show(conn.execute(f"SELECT kind, CASE {case} END AS week, count(*) FROM interactions "
                  "WHERE occurred_at >= ? AND occurred_at < ? GROUP BY 1, 2",
                  [*bounds, bounds[0], bounds[-1]]))
show(conn.execute("SELECT count(*) FROM contacts WHERE created_at >= ? AND created_at < ?",
                  [bounds[0], bounds[-1]]))
kept = {}
for due, done, cancelled in conn.execute(
        "SELECT due_date, completed_at, cancelled_at FROM followups "
        "WHERE due_date >= ? AND due_date <= ?", [start.isoformat(), today.isoformat()]):
    state = ("on time" if done[:10] <= due else "late") if done else (
        None if cancelled else "overdue" if due < today.isoformat() else None)
    kept[state] = kept.get(state, 0) + 1
show(kept.items())
end = bounds[-1]
inside = {}
for cid, own, tag_days, last, created in conn.execute("""
    SELECT c.id, c.cadence_days, t.days,
        CASE WHEN c.last_contacted_at IS NULL OR c.last_contacted_at < ?1
            THEN c.last_contacted_at ELSE (SELECT max(i.occurred_at) FROM interaction_contacts ic
            JOIN interactions i ON i.id = ic.interaction_id
            WHERE ic.contact_id = c.id AND i.occurred_at < ?1) END, c.created_at
    FROM contacts c LEFT JOIN (SELECT ct.contact_id, min(tc.days) AS days FROM contact_tags ct
        JOIN tag_cadences tc ON tc.tag = ct.tag GROUP BY ct.contact_id) t ON t.contact_id = c.id
    WHERE c.archived = 0 AND (c.cadence_days IS NOT NULL OR t.days IS NOT NULL)""", [end]):
    since = datetime.fromisoformat(last or created).astimezone().date()
    inside[cid] = (today - since).days <= (own if own is not None else tag_days)
tags = {}
for cid, tag in conn.execute("SELECT contact_id, tag FROM contact_tags"):
    if cid in inside:
        tags.setdefault(tag, []).append(inside[cid])
show([(len(inside), sum(inside.values()))])
show((tag, len(v), sum(v)) for tag, v in sorted(tags.items()))
show(conn.execute("SELECT stage, currency, count(*), sum(amount_minor) FROM deals GROUP BY 1, 2"))
'''
)

# `minicrm db check`: SQLite's integrity and foreign-key checks and FTS5's own check of
# the search index (minicrm also compares the index with its rows and checks its own
# invariants: report only what the bare checks cost).
DB_CHECK = (
    _HEAD
    + """
show(conn.execute("PRAGMA integrity_check"))
show(conn.execute("PRAGMA foreign_key_check"))
conn.execute("INSERT INTO search_index(search_index) VALUES ('integrity-check')")
out("ok\\n")
"""
)

# `minicrm show EMAIL`: the contact found by email, its card (company, emails, phones,
# URLs, addresses, dates, tags), open follow-ups and the five latest interactions.
SHOW = (
    _HEAD
    + f'''
ref, today = sys.argv[2], sys.argv[3]
(cid,) = conn.execute(
    "SELECT DISTINCT contact_id FROM contact_emails WHERE value_key = ?", [ref.lower()]
).fetchone()
show(conn.execute(
    "SELECT c.*, co.name FROM contacts c LEFT JOIN companies co ON co.id = c.company_id "
    "WHERE c.id = ?", [cid]))
for table in ("contact_emails", "contact_phones", "contact_urls", "contact_addresses",
              "contact_dates"):
    show(conn.execute(
        f"SELECT label, value FROM {{table}} WHERE contact_id = ? ORDER BY position, id", [cid]))
show(conn.execute("SELECT tag FROM contact_tags WHERE contact_id = ? ORDER BY tag", [cid]))
show(conn.execute("""
SELECT f.id, f.due_date, f.due_time, f.title FROM followups f
WHERE f.status = 'open' AND f.contact_id = ? {_FOLLOWUP_ORDER}""", [cid]))
show(conn.execute("""
SELECT i.id, i.occurred_at, i.kind, i.body
FROM interaction_contacts ic JOIN interactions i ON i.id = ic.interaction_id
WHERE ic.contact_id = ? ORDER BY i.occurred_at DESC, i.id DESC LIMIT 5""", [cid]))
'''
)

# `minicrm search WORD`: FTS5 hits best first, each hit's contacts (an interaction's
# participants), until 20 contacts; up to 3 hits per contact, with snippets.
SEARCH = (
    _HEAD
    + """
word, limit = sys.argv[2], 20
hits = {}
cursor = conn.execute(
    "SELECT kind, item_id, contact_id, snippet(search_index, -1, '[', ']', '…', 12) "
    "FROM search_index WHERE search_index MATCH ? ORDER BY rank", ['"' + word + '"'])
for kind, item_id, contact_id, snippet in cursor:
    if kind == "interaction":
        owners = [r[0] for r in conn.execute(
            "SELECT contact_id FROM interaction_contacts WHERE interaction_id = ? ORDER BY id",
            [item_id])]
    else:
        owners = [contact_id if kind == "followup" else item_id]
    for owner in owners:
        if owner not in hits and len(hits) >= limit:
            continue
        hits.setdefault(owner, [])
        if len(hits[owner]) < 3:
            hits[owner].append((kind, item_id, snippet))
    if len(hits) >= limit:
        break
for owner, found in hits.items():
    name = conn.execute(
        "SELECT display_name FROM contacts WHERE id = ?", [owner]).fetchone() if owner else None
    out(f"#{owner} {name[0] if name else ''}\\n")
    show(found)
"""
)

# `minicrm digest`: follow-ups overdue, today and in the next 7 days with reach, contacts
# past their keep-in-touch cadence (their own, else their tags' shortest) with reach, and
# birthdays and dates in the next 8 days.
DIGEST = (
    _HEAD
    + f'''
from datetime import date, timedelta
today = date.fromisoformat(sys.argv[2])
show(conn.execute("""
SELECT f.id, f.due_date, f.due_time, f.title, c.display_name, {_REACH}
FROM followups f LEFT JOIN contacts c ON c.id = f.contact_id
WHERE f.status = 'open' AND f.due_date <= ? {_FOLLOWUP_ORDER}""",
    [(today + timedelta(days=7)).isoformat()]))
show(conn.execute("""
SELECT * FROM (
    SELECT c.id, c.display_name, coalesce(c.cadence_days, t.days) AS cadence,
        julianday(?) - julianday(date(coalesce(c.last_contacted_at, c.created_at))) AS since,
        {_REACH}
    FROM contacts c LEFT JOIN (
        SELECT ct.contact_id, min(tc.days) AS days FROM contact_tags ct
        JOIN tag_cadences tc ON tc.tag = ct.tag GROUP BY ct.contact_id
    ) t ON t.contact_id = c.id
    WHERE c.archived = 0 AND (c.cadence_days IS NOT NULL OR t.days IS NOT NULL)
) WHERE since > cadence ORDER BY cadence - since, display_name""", [today.isoformat()]))
soon = []
for cid, name, label, value in conn.execute("""
    SELECT c.id, c.display_name, 'birthday', c.birthday FROM contacts c
    WHERE c.archived = 0 AND c.birthday IS NOT NULL
    UNION ALL
    SELECT c.id, c.display_name, coalesce(d.label, 'date'), d.value
    FROM contact_dates d JOIN contacts c ON c.id = d.contact_id WHERE c.archived = 0"""):
    month, day = int(value[-5:-3]), int(value[-2:])
    for year in (today.year, today.year + 1):
        try:
            when = date(year, month, day)
        except ValueError:
            when = date(year, 2, 28)
        if when >= today:
            break
    if (when - today).days < 8:
        soon.append(((when - today).days, name, label, when.isoformat(), cid))
show(sorted(soon))
'''
)

# `minicrm import FILE` (into a new database): copy an empty, migrated database, then
# read the CSV and insert contacts, companies, emails, phones and tags with executemany in
# one transaction, and index the new contacts for search. No validation, no matching,
# no history rows: the floor for the same rows. argv: template, target, csv, index SQL.
IMPORT = """\
import csv, re, shutil, sqlite3, sys, unicodedata, uuid
from datetime import datetime, timezone
template, target, source, index_sql = sys.argv[1:5]
shutil.copyfile(template, target)
conn = sqlite3.connect(target, isolation_level=None)
conn.execute("PRAGMA journal_mode = WAL")
conn.execute("PRAGMA foreign_keys = ON")
def key(text):
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())
stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
contacts, emails, phones, tags, companies = [], [], [], [], {}
with open(source, newline="", encoding="utf-8") as handle:
    for cid, row in enumerate(csv.DictReader(handle), start=1):
        name = f"{row['First Name']} {row['Last Name']}".strip()
        company = row["Company"].strip() or None
        if company and company not in companies:
            companies[company] = (len(companies) + 1, str(uuid.uuid4()), company,
                                  company.casefold(), stamp, stamp)
        contacts.append((cid, str(uuid.uuid4()), name, key(name), row["First Name"] or None,
                         row["Last Name"] or None, row["Job Title"] or None,
                         companies[company][0] if company else None, row["Notes"] or None,
                         stamp, stamp))
        if row["Email"]:
            emails.append((cid, row["Email"], row["Email"].casefold()))
        if row["Phone"]:
            phone = row["Phone"]
            phones.append((cid, phone, ("+" if phone.startswith("+") else "")
                           + re.sub(r"\\D", "", phone)))
        tags.extend((cid, t.strip().lower()) for t in row["Tags"].split(",") if t.strip())
conn.execute("BEGIN IMMEDIATE")
conn.executemany("INSERT INTO companies (id, uid, name, name_key, created_at, updated_at) "
                 "VALUES (?, ?, ?, ?, ?, ?)", companies.values())
conn.executemany("INSERT INTO contacts (id, uid, display_name, name_key, given_name, "
                 "family_name, title, company_id, notes, created_at, updated_at) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", contacts)
conn.executemany("INSERT INTO contact_emails (contact_id, value, value_key) VALUES (?, ?, ?)",
                 emails)
conn.executemany("INSERT INTO contact_phones (contact_id, value, value_key) VALUES (?, ?, ?)",
                 phones)
conn.executemany("INSERT INTO contact_tags (contact_id, tag) VALUES (?, ?)", tags)
conn.execute(index_sql)
conn.execute("COMMIT")
print(f"imported {len(contacts)} contacts")
"""

SCRIPTS = {
    "pass": PASS,
    "typer": "import typer",
    "due": DUE,
    "stale": STALE,
    "ls": LS,
    "ls-all": LS_ALL,
    "stats": STATS,
    "db-check": DB_CHECK,
    "show": SHOW,
    "search": SEARCH,
    "digest": DIGEST,
    "import": IMPORT,
}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in SCRIPTS:
        sys.exit(f"usage: python bench/references.py {{{','.join(SCRIPTS)}}}")
    print(SCRIPTS[sys.argv[1]])
