"""Suggestions: the people the user exchanges mail with most who are not contacts yet,
and, with ``--add``, their creation as contacts with their mail logged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from minicrm.capture.matching import MailOptions, Matcher, Progress
from minicrm.capture.models import CaptureResult, Suggestion, SuggestResult
from minicrm.capture.runs import write_items
from minicrm.capture.service import Correspondent, items_to_log, scan_mail
from minicrm.core.errors import InvalidInput
from minicrm.db.store import Store


def suggest(
    store: Store,
    paths: Sequence[Path | str],
    options: MailOptions,
    *,
    limit: int = 20,
    add: bool = False,
    progress: Progress | None = None,
) -> SuggestResult:
    """The people the user exchanges mail with most who are not contacts (all the mail
    is read, headers only). With ``add``: create them as contacts (name and address) and
    log their mail, in one transaction."""
    if limit < 1:
        raise InvalidInput("--limit must be 1 or more", hint="e.g. --limit 20")
    if not paths:
        raise InvalidInput(
            "no mail to read", hint="give a path, or set [capture] mail = [...] in the config"
        )
    options = replace(options, full=True)
    result = CaptureResult("mail", options.dry_run or not add, full=True)
    matcher = Matcher(store, options)
    scan = scan_mail(
        store, paths, options, result, matcher, progress=progress, people=True, keep_others=add
    )
    chosen = _rank(scan.people, exchanged=bool(options.me))[:limit]
    if not add or options.dry_run:
        return SuggestResult(chosen, False)
    from minicrm.contacts import service as contacts  # lazy: start-up

    with store.transaction():
        created: list[Suggestion] = []
        for suggestion in chosen:
            name = suggestion.name or suggestion.address.split("@", 1)[0]
            changes = contacts.ContactChanges(add={"emails": [suggestion.address]})
            try:
                contact = contacts.add_contact(store, name, changes)
            except InvalidInput:  # a name or address minicrm would refuse: by address
                contact = contacts.add_contact(store, suggestion.address, changes)
            from minicrm.core.models import Ref as ContactBrief  # lazy: start-up

            brief = ContactBrief(contact.id, contact.uid, contact.name)
            matcher.add(suggestion.address, brief)
            created.append(replace(suggestion, contact=brief))
        for candidate in scan.candidates.values():
            for _, address in candidate.others:
                for cid in matcher.contacts(address):
                    if cid not in candidate.contact_ids:
                        candidate.contact_ids.append(cid)
        items = items_to_log(store, list(scan.candidates.values()), matcher, options, result)
        result.items = write_items(store, items, result)
        result.changeset_id = store.changeset_id
    result.count("logged", len(result.items))
    return SuggestResult(created, True, result)


def _rank(people: dict[str, Correspondent], *, exchanged: bool) -> list[Suggestion]:
    from minicrm.capture import mailparse  # lazy: start-up

    found = [
        Suggestion(address, p.name, p.sent, p.received, p.last)
        for address, p in people.items()
        if not mailparse.is_no_reply(address)
    ]
    if exchanged:  # someone the user wrote to, not only someone who wrote
        found = [s for s in found if s.sent > 0]
    found.sort(key=lambda s: s.last, reverse=True)
    found.sort(key=lambda s: (-(s.sent + s.received), -s.sent))
    return found
