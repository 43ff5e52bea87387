"""Mail and calendars for the capture tests (and bench/capture.py), made with the stdlib.

``message()`` builds one RFC 5322 message as bytes; ``maildir()`` and ``mbox()`` write
them the way mbsync and mail clients do (Maildir with cur/ and new/, an mbox with From_
lines); ``vevent()`` and ``ics()`` write calendars."""

from __future__ import annotations

import itertools
import mailbox
import os
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

_counter = itertools.count(1)


def message(
    sender: str,
    to: str | Sequence[str],
    subject: str = "Hello",
    body: str = "Hi there.",
    *,
    date: datetime | str | None = datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
    message_id: str | None = "auto",
    cc: str | Sequence[str] = (),
    html: str | None = None,
    headers: dict[str, str] | None = None,
    attachment: bytes | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to if isinstance(to, str) else ", ".join(to)
    if cc:
        msg["Cc"] = cc if isinstance(cc, str) else ", ".join(cc)
    msg["Subject"] = subject
    if date is not None:
        msg["Date"] = format_datetime(date) if isinstance(date, datetime) else date
    if message_id == "auto":
        message_id = f"<m{next(_counter)}.{os.getpid()}@test.example>"
    if message_id is not None:
        msg["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    if attachment is not None:
        msg.add_attachment(
            attachment, maintype="application", subtype="octet-stream", filename="a.bin"
        )
    return msg.as_bytes()


def maildir(path: Path, messages: Iterable[bytes], *, seen: bool = False) -> list[str]:
    """Add messages to the Maildir at ``path`` (created with cur/, new/, tmp/): in new/,
    or with ``seen`` in cur/ with the S flag, as a client leaves them once read."""
    path.parent.mkdir(parents=True, exist_ok=True)
    box = mailbox.Maildir(str(path), create=True)
    keys = []
    for raw in messages:
        msg = mailbox.MaildirMessage(raw)
        if seen:
            msg.set_subdir("cur")
            msg.set_flags("S")
        keys.append(box.add(msg))
    return keys


def raw_maildir_file(path: Path, name: str, data: bytes, sub: str = "new") -> Path:
    """Write bytes as a Maildir file, exactly (mailbox would parse and rewrite them)."""
    for folder in ("cur", "new", "tmp"):
        (path / folder).mkdir(parents=True, exist_ok=True)
    target = path / sub / name
    target.write_bytes(data)
    return target


def mbox(path: Path, messages: Iterable[bytes]) -> None:
    """Append messages to an mbox (created if missing), each after its From_ line."""
    with path.open("ab") as handle:
        for raw in messages:
            handle.write(b"From sender@example.org Fri Nov 20 10:00:00 2026\n")
            body = raw.replace(b"\r\n", b"\n")
            body = b"\n".join(
                b">" + line if line.startswith(b"From ") else line for line in body.split(b"\n")
            )
            handle.write(body.rstrip(b"\n") + b"\n\n")


def vevent(
    uid: str,
    start: str,
    end: str | None = None,
    *,
    summary: str = "Meeting",
    attendees: Sequence[str] = (),
    organizer: str | None = None,
    extra: Sequence[str] = (),
) -> str:
    lines = ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20261101T000000Z", start]
    if end:
        lines.append(end)
    lines.append(f"SUMMARY:{summary}")
    if organizer:
        lines.append(f"ORGANIZER:mailto:{organizer}")
    for attendee in attendees:
        lines.append(attendee if attendee.startswith("ATTENDEE") else f"ATTENDEE:mailto:{attendee}")
    lines += list(extra)
    lines.append("END:VEVENT")
    return "\r\n".join(lines)


def ics(*events: str, timezone: str | None = None) -> str:
    body = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//minicrm tests//EN"]
    if timezone:
        body.append(timezone)
    body += list(events)
    body.append("END:VCALENDAR")
    return "\r\n".join(body) + "\r\n"


BERLIN_TZ = "\r\n".join(
    [
        "BEGIN:VTIMEZONE",
        "TZID:Europe/Berlin",
        "BEGIN:DAYLIGHT",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0200",
        "TZNAME:CEST",
        "DTSTART:19700329T020000",
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
        "END:DAYLIGHT",
        "BEGIN:STANDARD",
        "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0100",
        "TZNAME:CET",
        "DTSTART:19701025T030000",
        "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
        "END:STANDARD",
        "END:VTIMEZONE",
    ]
)
