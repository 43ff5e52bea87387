"""What ``minicrm --help`` lists: each top-level command's name and the first paragraph of
its help, in the order of the full command tree. Read by :func:`minicrm.cli.help_group`
so that the root's help needs none of the command modules;
tests/test_startup.py fails when this table and the commands' docstrings differ
(``python -m minicrm.cli.summaries`` prints it anew: :mod:`minicrm.cli.summaries.__main__`;
the table is a package of its own so that what writes it, which needs the whole command
tree, is not imported by the tree)."""

from __future__ import annotations

SUMMARIES: tuple[tuple[str, str], ...] = (
    ("add", "Add a contact."),
    (
        "ls",
        "List contacts, filtered by field terms and words (archived ones are hidden unless\n--archived, --all or archived:all).",
    ),
    ("show", "Show a contact's page: card, open follow-ups, latest interactions."),
    ("edit", "Change a contact's fields, emails, phones, URLs, addresses, tags or custom fields."),
    (
        "tag",
        "Add tags to a contact. `minicrm tag cadence TAG CADENCE` sets a keep-in-touch\ncadence for everyone with TAG (a contact's own wins); `minicrm tag cadence` lists them.",
    ),
    ("untag", "Remove tags from a contact."),
    ("archive", "Archive contacts: hidden from ls, kept with all their history."),
    ("unarchive", "Bring archived contacts back."),
    ("rm", "Delete a contact (asks first on a terminal; scripts must pass --yes)."),
    (
        "import",
        "Import contacts from CSV (generic, Google, Outlook), vCard or minicrm JSON, in one\ntransaction; matching contacts are merged, not duplicated.",
    ),
    (
        "export",
        "Export contacts (and, as JSON, everything else) to JSON, CSV, Google CSV, vCard or\niCalendar. Takes the filters of ls.",
    ),
    (
        "search",
        "Full-text search over contacts, notes and follow-ups, best match first, grouped by\ncontact. Accents and case do not matter.",
    ),
    ("dupes", "List likely duplicate contacts, best first, with a score and the reasons."),
    (
        "merge",
        "Merge contact B into A: fields combined, B's interactions, follow-ups and deals\nmoved to A, then B deleted (asks first on a terminal; scripts must pass --yes).",
    ),
    ("log", "Log a note, call, email, meeting or message with a contact (or about a deal)."),
    ("notes", "List a contact's interactions, newest first."),
    ("follow", "Promise a follow-up to a contact, due on a day or at a time, maybe repeating."),
    ("done", "Mark a follow-up done; a repeating one gets its next occurrence."),
    (
        "snooze",
        "Put a follow-up off until a later day: tomorrow, or the day given (it keeps its time\nunless a time is given).",
    ),
    ("reopen", "Open a done or cancelled follow-up again."),
    (
        "cancel",
        "Cancel an open follow-up (kept, marked cancelled); a repeating one skips to its next.",
    ),
    ("due", "What is overdue or due today, most overdue first, with how to reach each contact."),
    ("agenda", "Follow-ups for the coming days, grouped by day (overdue ones first)."),
    ("stale", "Contacts past their keep-in-touch cadence, most overdue first."),
    ("birthdays", "Birthdays and important dates coming up, with the age when the year is known."),
    (
        "digest",
        "Everything that needs you today, for cron: overdue, today, coming up, people to get in\ntouch with, birthdays, deals that need a step; after a gap, what fell due since the\nlast digest.",
    ),
    (
        "pipeline",
        "The pipeline board: open deals by stage, with count, total and weighted value per\ncurrency; flags deals with no next step or a close date in the past.",
    ),
    (
        "stats",
        "How you are doing: activity per week, promises kept, keep-in-touch adherence, and\nthe pipeline (open value, forecast, win rate, losses). Definitions: docs/stats.md.",
    ),
    ("history", "List the recorded change sets, newest first: one per command, with what it did."),
    ("undo", "Take back the last N commands that changed data (all of them, or none)."),
    ("redo", "Re-apply what undo took back (only until another command changes data)."),
    (
        "sync",
        "Two-way sync with vdirs (vdirsyncer's folders): `sync contacts DIR`, or `sync` alone for everything [sync] in the config file names.",
    ),
    ("interaction", "Interactions (the timeline): list, show, edit, remove."),
    ("followup", "Follow-ups: list, show, edit, remove."),
    ("company", "Companies: add, list, show, edit, remove."),
    ("deal", "Deals: add, list, show, edit, move through the pipeline, win, lose, remove."),
    ("db", "The database file: where it is, backups, restore, integrity check."),
)
