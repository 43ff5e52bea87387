"""What ``minicrm --help`` lists: each top-level command's name and its one-line summary
(its short help: the full tree takes it from here too), in the order of the full command
tree, grouped into panels. Read by :func:`minicrm.cli.help_group` so that the root's help
needs none of the command modules; tests/test_startup.py fails when this table and the
command tree differ (``python -m minicrm.cli.summaries`` prints the table for the tree,
keeping the summaries written here and taking a new command's first sentence).
(:mod:`minicrm.cli.summaries.__main__`; the table is a package of its own so that
what writes it, which needs the whole command tree, is not imported by the tree)."""

from __future__ import annotations

SUMMARIES: tuple[tuple[str, str], ...] = (
    ("add", "Add a contact."),
    ("ls", "List contacts, filtered by field terms and words."),
    ("show", "Show a contact: card, follow-ups, latest interactions."),
    ("edit", "Change a contact's fields (in $EDITOR at a terminal)."),
    ("tag", "Add tags to a contact; list tags; set a tag's cadence."),
    ("untag", "Remove tags from a contact."),
    ("archive", "Hide contacts from ls, keeping their history."),
    ("unarchive", "Bring archived contacts back."),
    ("rm", "Delete a contact."),
    ("import", "Import contacts from CSV, vCard or minicrm JSON."),
    ("export", "Export to JSON, CSV, Google CSV, vCard or iCalendar."),
    ("search", "Full-text search over contacts, notes and follow-ups."),
    ("dupes", "List likely duplicate contacts, best first."),
    ("merge", "Merge contact B into contact A."),
    ("log", "Log a note, call, email, meeting or message."),
    ("notes", "List a contact's interactions, newest first."),
    ("follow", "Promise a follow-up, maybe repeating."),
    ("done", "Mark a follow-up done."),
    ("snooze", "Put a follow-up off until a later day."),
    ("reopen", "Open a done or cancelled follow-up again."),
    ("cancel", "Cancel an open follow-up."),
    ("next", "What to do now, most urgent first."),
    ("activity", "What happened across all contacts, newest first."),
    ("due", "What is overdue or due today, most overdue first."),
    ("agenda", "Follow-ups for the coming days, by day."),
    ("stale", "Contacts past their keep-in-touch cadence."),
    ("birthdays", "Birthdays and important dates coming up."),
    ("digest", "Everything that needs you today, for cron or mail."),
    ("pipeline", "Open deals by stage, with totals and warnings."),
    ("stats", "Activity, promises kept, cadence and pipeline figures."),
    ("history", "The recorded changes, newest first."),
    ("undo", "Take back the last commands that changed data."),
    ("redo", "Re-apply what undo took back."),
    ("help", "Show the help of a command."),
    ("sync", "Two-way sync with vdirs: your phone and servers."),
    ("interaction", "Interactions (the timeline): list, show, edit, remove."),
    ("followup", "Follow-ups: list, show, edit, remove."),
    ("company", "Companies: add, list, show, edit, remove."),
    ("deal", "Deals: add, list, show, edit, move, win, lose, remove."),
    ("db", "The database file: path, backups, restore, check."),
    ("capture", "Fill the timeline from your mail and calendars."),
    ("config", "Show and change settings and the config file's path."),
)

# The panels of ``minicrm --help``, in order, and the panel of each command (a command
# missing here is listed under "Other commands", last; tests/test_help.py asks for one).
PANEL_ORDER = (
    "Contacts",
    "Timeline",
    "Follow-ups",
    "Deals",
    "Reports",
    "Import/export & sync",
    "Database",
    "Help",
)
PANELS: dict[str, str] = {
    **dict.fromkeys(
        ("add", "ls", "show", "edit", "tag", "untag", "archive", "unarchive", "rm"), "Contacts"
    ),
    **dict.fromkeys(("search", "dupes", "merge", "company"), "Contacts"),
    **dict.fromkeys(("log", "notes", "interaction"), "Timeline"),
    **dict.fromkeys(
        ("next", "follow", "done", "snooze", "reopen", "cancel", "followup", "due", "agenda"),
        "Follow-ups",
    ),
    **dict.fromkeys(("deal", "pipeline"), "Deals"),
    **dict.fromkeys(("activity", "stale", "birthdays", "digest", "stats"), "Reports"),
    **dict.fromkeys(("import", "export", "sync", "capture"), "Import/export & sync"),
    **dict.fromkeys(("history", "undo", "redo", "db", "config"), "Database"),
    "help": "Help",
}


def panel(name: str) -> str:
    return PANELS.get(name, "Other commands")
