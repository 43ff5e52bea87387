"""What every capture run shares before it writes: how mail is read (:class:`MailOptions`),
the progress callback, and the :class:`Matcher` of addresses to contacts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from minicrm.capture import queries
from minicrm.core.config import DEFAULT_EXCERPT, MAX_EXCERPT, Config
from minicrm.core.errors import InvalidInput
from minicrm.db.store import Store

if TYPE_CHECKING:
    from minicrm.core.models import Ref as ContactBrief

Progress = Callable[[int, int | None], None]


@dataclass(frozen=True)
class MailOptions:
    """How mail is read: the user's own addresses, what to ignore, how long an excerpt."""

    me: tuple[str, ...] = ()  # casefolded
    ignore: tuple[str, ...] = ()  # addresses and domains, casefolded
    excerpt: int = DEFAULT_EXCERPT  # 0: subjects only
    plus_addresses: bool | tuple[str, ...] = True
    full: bool = False  # read everything again, not only what is new
    dry_run: bool = False

    @classmethod
    def from_config(cls, config: Config, **overrides: object) -> MailOptions:
        options = cls(
            me=config.me_emails,
            ignore=config.capture.ignore,
            excerpt=config.capture.excerpt,
            plus_addresses=config.capture.plus_addresses,
        )
        return replace(options, **overrides)  # type: ignore[arg-type]


def check_excerpt(value: int) -> int:
    if not 0 <= value <= MAX_EXCERPT:
        raise InvalidInput(
            f"--excerpt must be from 0 to {MAX_EXCERPT} characters", hint="e.g. --excerpt 280"
        )
    return value


class Matcher:
    """Addresses to contacts (case-insensitively, plus-addresses where allowed), the
    user's own addresses, and the ignore list."""

    def __init__(self, store: Store, options: MailOptions) -> None:
        self._store = store
        self._by_email: dict[str, list[int]] | None = None  # read on first use
        self._names: dict[int, tuple[str, str]] = {}  # id -> (uid, name)
        self._briefs: dict[int, ContactBrief] = {}
        self.options = options
        self.me = set(options.me)
        self._ignore_addresses = {i for i in options.ignore if "@" in i and not i.startswith("@")}
        self._ignore_domains = tuple(
            i.lstrip("@") for i in options.ignore if "@" not in i or i.startswith("@")
        )

    @property
    def by_email(self) -> dict[str, list[int]]:
        """Every contact's every address (a run with nothing new never reads them)."""
        if self._by_email is None:
            self._by_email = {}
            for row in queries.contact_emails(self._store):
                cid = int(row["contact_id"])
                self._by_email.setdefault(str(row["value_key"]).casefold(), []).append(cid)
                self._names[cid] = (str(row["uid"]), str(row["name"]))
        return self._by_email

    def brief(self, contact_id: int) -> ContactBrief:
        found = self._briefs.get(contact_id)
        if found is None:
            from minicrm.core.models import Ref as ContactBrief  # lazy: start-up

            uid, name = self._names[contact_id]
            found = self._briefs[contact_id] = ContactBrief(contact_id, uid, name)
        return found

    def add(self, address: str, brief: ContactBrief) -> None:
        """A contact created during the run (``--add``)."""
        self.by_email[address] = [brief.id]
        self._briefs[brief.id] = brief

    def base(self, address: str) -> str:
        """``jane+crm@acme.io`` as ``jane@acme.io`` where plus-addresses are allowed."""
        local, _, domain = address.rpartition("@")
        if "+" not in local:
            return address
        allowed = self.options.plus_addresses
        if allowed is True or (isinstance(allowed, tuple) and domain in allowed):
            return f"{local.split('+', 1)[0]}@{domain}"
        return address

    def contacts(self, address: str) -> list[int]:
        found = self.by_email.get(address)
        if found:
            return found
        base = self.base(address)
        return self.by_email.get(base, []) if base != address else []

    def is_me(self, address: str) -> bool:
        return address in self.me or self.base(address) in self.me

    def ignored(self, address: str) -> bool:
        if address in self._ignore_addresses or self.base(address) in self._ignore_addresses:
            return True
        domain = address.rpartition("@")[2]
        return any(domain == d or domain.endswith("." + d) for d in self._ignore_domains)
