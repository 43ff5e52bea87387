"""The EXAMPLES section of every command's ``--help`` (issue 19.6), in one table keyed by
the command's path. :func:`epilog` turns an entry into the text click prints after the
options; ``minicrm.cli.build_app`` gives it to each command it builds. tests/test_help.py
checks that every command has examples and that each example parses."""

from __future__ import annotations

EXAMPLES: dict[str, tuple[tuple[str, str], ...]] = {
    "": (
        ('minicrm add "Jane Doe" -e jane@acme.io -c Acme', "your first contact"),
        ('minicrm log jane call "Talked pricing"', "what happened"),
        ('minicrm follow jane "Send the deck" --due fri', "what you promised"),
        ("minicrm due", "what needs you today"),
        ("minicrm help log", "the help of a command, with examples"),
    ),
    "add": (
        ('minicrm add "Jane Doe" -e work:jane@acme.io -c Acme -t vip', "a contact at a company"),
        ('minicrm add "Sam Lee" --every 30d --birthday "may 17"', "keep in touch monthly"),
    ),
    "ls": (
        ("minicrm ls tag:vip company:acme", "field terms narrow the list"),
        ("minicrm ls --sort last-contacted -n 20", "the 20 longest out of touch"),
        ("minicrm ls stale:yes --format csv > stale.csv", "a spreadsheet of who is due"),
    ),
    "show": (
        ("minicrm show jane", "by a unique part of the name"),
        ("minicrm show '#12' --history", "by id, with the contact's change history"),
    ),
    "edit": (
        ("minicrm edit jane", "at a terminal: the whole contact in $EDITOR"),
        ("minicrm edit jane --title CTO --add-email home:jane@home.org", "change fields"),
        ("minicrm edit jane --set linkedin=jdoe --unset twitter", "custom fields"),
    ),
    "tag": (
        ("minicrm tag jane vip board", "add two tags"),
        ("minicrm tag ls", "every tag, with how many contacts have it"),
        ("minicrm tag cadence vip 2w", "everyone tagged vip: keep in touch every 2 weeks"),
    ),
    "untag": (("minicrm untag jane board", "remove a tag"),),
    "archive": (("minicrm archive jane '#14'", "hide two contacts from ls, keep them"),),
    "unarchive": (("minicrm unarchive jane", "bring a contact back"),),
    "rm": (("minicrm rm '#14' --yes", "delete without asking (scripts)"),),
    "import": (
        ("minicrm import contacts.vcf --dry-run", "see what would change first"),
        ("minicrm import google.csv -f google -t imported", "a Google export, tagged"),
        ("minicrm import people.csv --map Mail=email", "a CSV with its own column names"),
        ("minicrm import outlook.csv --dates dmy", "an Outlook export with 5/1/1980 as 5 January"),
    ),
    "export": (
        ("minicrm export -f vcard -o contacts.vcf", "every contact as vCards"),
        ("minicrm export -f json -o backup.json", "everything, as JSON"),
        ("minicrm export -f csv -t vip", "the VIPs as CSV, to stdout"),
    ),
    "search": (
        ("minicrm search pricing", "contacts, notes and follow-ups that mention it"),
        ('minicrm search "board meeting" -n 5', "the five best matches"),
    ),
    "dupes": (
        ("minicrm dupes", "likely duplicates, best first"),
        ("minicrm dupes 3 7 --ignore", "these two are different people"),
    ),
    "merge": (
        ("minicrm merge 3 7 --dry-run", "what merging #7 into #3 would do"),
        ("minicrm merge 3 7 --yes", "merge #7 into #3"),
    ),
    "log": (
        ('minicrm log jane call "Talked pricing"', "a call, now"),
        ('minicrm log jane meeting "Lunch" --at "yesterday 1pm" -w sam', "with two people"),
        ("minicrm log jane email", "at a terminal: write the text in $EDITOR"),
        ('minicrm log --deal 3 "Sent the proposal"', "about a deal, with its contact"),
    ),
    "notes": (("minicrm notes jane -n 5", "the five latest interactions"),),
    "follow": (
        ('minicrm follow jane "Send the deck" --due fri --at 10am', "a promise, with a time"),
        ('minicrm follow sam "Check in" --every 2w', "a repeating one"),
    ),
    "done": (
        ("minicrm done 12", "mark follow-up #12 done"),
        ('minicrm done 12 --note "Sent it"', "and log a note about it"),
    ),
    "snooze": (
        ("minicrm snooze 12", "until tomorrow"),
        ("minicrm snooze 12 mon", "until Monday"),
    ),
    "reopen": (("minicrm reopen 12", "open a done follow-up again"),),
    "cancel": (
        ("minicrm cancel 12", "cancel it (a repeating one skips to its next)"),
        ("minicrm cancel 12 --stop", "stop a repeating one altogether"),
    ),
    "due": (
        ("minicrm due", "what is overdue or due today"),
        ("minicrm due --on fri", "as it will look on Friday"),
    ),
    "agenda": (("minicrm agenda --days 14", "the next two weeks, day by day"),),
    "stale": (("minicrm stale", "who is past their keep-in-touch cadence"),),
    "birthdays": (("minicrm birthdays --days 30", "birthdays in the next 30 days"),),
    "digest": (
        ("minicrm digest", "today's summary"),
        ("minicrm digest --quiet-if-empty --send-to me@example.org", "from cron, by mail"),
    ),
    "pipeline": (("minicrm pipeline", "open deals by stage, with totals"),),
    "stats": (("minicrm stats --period 12w", "the last twelve weeks"),),
    "history": (
        ("minicrm history -n 5", "the last five changes"),
        ("minicrm history jane --verbose", "every change to a contact, field by field"),
    ),
    "undo": (
        ("minicrm undo", "take back the last change"),
        ("minicrm undo 3 --dry-run", "what taking back three would do"),
    ),
    "redo": (("minicrm redo", "re-apply what undo took back"),),
    "help": (
        ("minicrm help", "the list of commands"),
        ("minicrm help deal add", "the help of one command"),
    ),
    "interaction": (
        ("minicrm interaction ls jane", "a contact's timeline"),
        ("minicrm interaction edit 42", "fix a note in $EDITOR"),
    ),
    "interaction ls": (("minicrm interaction ls jane -n 10", "the ten latest"),),
    "interaction show": (("minicrm interaction show 42", "one interaction, in full"),),
    "interaction edit": (
        ("minicrm interaction edit 42", "at a terminal: the text in $EDITOR"),
        ('minicrm interaction edit 42 --kind call --at "mon 3pm"', "change kind and time"),
    ),
    "interaction rm": (("minicrm interaction rm 42 --yes", "delete it"),),
    "followup": (
        ("minicrm followup ls", "open follow-ups, soonest first"),
        ("minicrm followup edit 12 --due +3d", "put one off three days"),
    ),
    "followup ls": (
        ("minicrm followup ls --contact jane", "one contact's open follow-ups"),
        ("minicrm followup ls --status done -n 20", "the twenty last done"),
    ),
    "followup show": (("minicrm followup show 12", "one follow-up, in full"),),
    "followup edit": (
        ("minicrm followup edit 12", "at a terminal: title and notes in $EDITOR"),
        ("minicrm followup edit 12 --due fri --priority high", "change fields"),
    ),
    "followup rm": (("minicrm followup rm 12 --yes", "delete it"),),
    "company": (
        ("minicrm company show acme", "the company page"),
        ("minicrm company ls", "every company"),
    ),
    "company add": (("minicrm company add Acme --domain acme.io", "a company"),),
    "company ls": (("minicrm company ls --format csv", "as CSV"),),
    "company show": (("minicrm company show acme", "its people, deals and timeline"),),
    "company edit": (("minicrm company edit acme --name 'Acme Inc'", "rename it"),),
    "company rm": (("minicrm company rm acme --yes", "delete it (people keep their data)"),),
    "deal": (
        ("minicrm deal add jane Website -v 12000", "a deal"),
        ("minicrm deal move 3 proposal", "move it through the pipeline"),
    ),
    "deal add": (
        ('minicrm deal add jane "Website redesign" -v 12000 --close "dec 15"', "a deal"),
        ("minicrm deal add --company acme Licences -v 900 --currency USD", "with a company"),
    ),
    "deal ls": (
        ("minicrm deal ls", "open deals in pipeline order"),
        ("minicrm deal ls --status won --format csv", "won deals, as CSV"),
    ),
    "deal show": (("minicrm deal show 3", "its card, stage changes and activity"),),
    "deal edit": (
        ("minicrm deal edit 3", "at a terminal: the deal in $EDITOR"),
        ("minicrm deal edit 3 -v 15000 --close +30d", "change fields"),
    ),
    "deal move": (("minicrm deal move 3 negotiation", "to another stage"),),
    "deal won": (("minicrm deal won 3 --close-followups", "won; its follow-ups closed"),),
    "deal lost": (('minicrm deal lost 3 --reason "went with a competitor"', "lost, and why"),),
    "deal rm": (("minicrm deal rm 3 --yes", "delete it"),),
    "db": (
        ("minicrm db backup", "a backup now"),
        ("minicrm db check", "is the file sound?"),
    ),
    "db path": (("minicrm db path", "where the database is"),),
    "db backup": (("minicrm db backup --keep 5", "a backup, keeping the five newest"),),
    "db restore": (("minicrm db restore backup.db --yes", "replace the database"),),
    "db check": (("minicrm db check --repair", "check, and repair what can be repaired"),),
    "next": (
        ("minicrm next", "what to do now, most urgent first"),
        ("minicrm next --kind followup -n 5", "the five most urgent follow-ups"),
        ("minicrm next --json > next.json", "the ranked list, for a script"),
    ),
    "activity": (
        ("minicrm activity", "what happened this week so far"),
        ("minicrm activity --week last --format markdown", "last week's review, to paste"),
        ("minicrm activity --since mon --kind call -t vip", "calls with vip contacts since Monday"),
    ),
    "config": (
        ("minicrm config", "every setting, where it comes from, and the file's path"),
        ("minicrm config set deals.currency EUR", "change one setting"),
    ),
    "config ls": (("minicrm config ls --json", "every setting, for a script"),),
    "config get": (("minicrm config get week.first_day", "one setting's value"),),
    "config set": (
        ("minicrm config set week.first_day sunday", "weeks start on Sunday"),
        ("minicrm config set deals.currency EUR", "the default currency of new deals"),
    ),
    "config unset": (("minicrm config unset week.first_day", "back to the default"),),
    "config path": (("minicrm config path", "where the config file is"),),
    "capture": (
        ("minicrm capture", "capture the mail and calendars set in [capture]"),
        ("minicrm capture --dry-run", "what would be logged; nothing written"),
    ),
    "capture mail": (
        ("minicrm capture mail ~/Mail --dry-run", "what would be logged from a Maildir tree"),
        ("minicrm capture mail ~/Mail", "log it: one change set, undoable"),
        ("minicrm capture mail ~/Mail --suggest", "people you write to who are not contacts"),
    ),
    "capture calendar": (
        ("minicrm capture calendar ~/.calendars", "past meetings with contacts, from a vdir"),
        ("minicrm capture calendar invite.ics --json", "one file, reported as JSON"),
    ),
    "sync": (
        ("minicrm sync", "everything [sync] in the config file names, vdirsyncer around it"),
        ("minicrm sync --dry-run", "what would change on each side; nothing written"),
    ),
    "sync contacts": (
        ("minicrm sync contacts ~/.contacts/minicrm --dry-run", "what would change, both ways"),
        ("minicrm sync contacts ~/.contacts/minicrm", "two-way sync with a vdir"),
        ("minicrm sync contacts ~/.contacts/minicrm --winner vdir", "the phone wins conflicts"),
    ),
    "sync tasks": (
        ("minicrm sync tasks ~/.calendars/tasks --dry-run", "what would change, both ways"),
        ("minicrm sync tasks ~/.calendars/tasks", "follow-ups with a vdir of tasks (todoman)"),
        ("minicrm sync tasks ~/.calendars/tasks --json", "the report as JSON"),
    ),
    "sync events": (
        ("minicrm sync events ~/.calendars/minicrm", "birthdays and yearly dates, one-way"),
        ("minicrm sync events ~/.calendars/minicrm --followups", "timed follow-ups too"),
    ),
}


def epilog(path: str) -> str | None:
    """The EXAMPLES section for the command ``path`` (``"deal add"``): each example on a
    line of its own, what it does on the next (click keeps a paragraph starting with
    \\b as written)."""
    examples = EXAMPLES.get(path)
    if not examples:
        return None
    lines = ["\b", "Examples:"]
    for command, what in examples:
        lines += [f"  {command}", f"      {what}"]
    return "\n".join(lines)
