"""Deals: what a relationship may be worth, in an ordered pipeline of stages.

Values are exact (integer minor units and a currency, see :mod:`minicrm.core.money`). Stages
and their default probabilities come from the ``[deals]`` table of the config file;
``won`` and ``lost`` are the stages that close a deal. Every stage change, the first one
included, is a row of ``deal_stage_changes`` with its time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from minicrm.activity import followups, interactions, lifecycle
from minicrm.activity.models import FollowUp
from minicrm.contacts import companies, refs
from minicrm.core import clock, dateparse, dates, money, validate
from minicrm.core.config import CLOSED_STAGES, Config, DealStage, load_config
from minicrm.core.dates import When
from minicrm.core.errors import InvalidInput, NotFound
from minicrm.core.ids import new_uid, parse_id
from minicrm.core.models import Ref
from minicrm.db.store import Row, Store
from minicrm.deals import queries
from minicrm.deals.models import Deal, DealPage, StageChange

MAX_TITLE = 500
MAX_REASON = 2_000
STATUSES = ("open", "won", "lost", "all")


def settings(config: Config | None = None) -> Config:
    """The configuration in force (the config file, read when not given)."""
    if config is not None:
        return config
    return load_config()


def stage_names(config: Config | None = None) -> list[str]:
    return [s.name for s in settings(config).deal_stages]


def open_stages(config: Config | None = None) -> list[DealStage]:
    return [s for s in settings(config).deal_stages if s.name not in CLOSED_STAGES]


def stage(value: str, config: Config | None = None) -> str:
    """A stage name from the configured list, or InvalidInput listing the valid ones."""
    names = stage_names(config)
    cleaned = (value or "").strip().lower()
    if cleaned not in names:
        raise InvalidInput(f"unknown deal stage {value!r}", hint=f"one of: {', '.join(names)}")
    return cleaned


def probability(value: int | str) -> int:
    """0 to 100 (a trailing % is allowed)."""
    text = str(value).strip().rstrip("%").strip()
    if not text.isdigit() or not 0 <= int(text) <= 100:
        raise InvalidInput(
            f"not a probability: {value!r}", hint="a whole percentage 0 to 100, e.g. 40"
        )
    return int(text)


def _title(value: str) -> str:
    result = validate.text(value, "title", max_len=MAX_TITLE, required=True)
    assert result is not None
    return result


def _reason(value: str | None) -> str | None:
    if value is None:
        return None
    return validate.text(value, "reason", max_len=MAX_REASON)


def _to_deal(row: Row, config: Config) -> Deal:
    defaults = {s.name: s.probability for s in config.deal_stages}
    return Deal(
        id=row["id"],
        uid=row["uid"],
        title=row["title"],
        amount_minor=row["amount_minor"],
        currency=row["currency"],
        stage=row["stage"],
        probability=row["probability"],
        stage_probability=defaults.get(row["stage"], 0),
        contact=Ref(row["contact_id"], row["contact_uid"], row["contact_name"])
        if row["contact_id"] is not None
        else None,
        company=Ref(row["company_id"], row["company_uid"], row["company_name"])
        if row["company_id"] is not None
        else None,
        close_date=row["close_date"],
        lost_reason=row["lost_reason"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        closed_at=row["closed_at"],
    )


def build(rows: Sequence[Row], config: Config | None = None) -> list[Deal]:
    config = settings(config)
    return [_to_deal(r, config) for r in rows]


def _load(store: Store, deal_id: int, config: Config) -> Deal:
    row = queries.deal_row(store, deal_id)
    if row is None:
        raise NotFound(f"no deal #{deal_id}", hint="minicrm deal ls --status all lists them")
    return _to_deal(row, config)


def get_deal(store: Store, deal_id: str | int, *, config: Config | None = None) -> Deal:
    with store.snapshot():
        return _load(store, parse_id(deal_id, "deal", example=3), settings(config))


def deal_page(store: Store, deal_id: str | int, *, config: Config | None = None) -> DealPage:
    """The deal's card, its stage changes with their times, follow-ups and interactions."""
    did = parse_id(deal_id, "deal", example=3)
    with store.snapshot():
        deal = _load(store, did, settings(config))
        changes = [
            StageChange(r["from_stage"], r["to_stage"], r["changed_at"])
            for r in queries.stage_changes(store, did)
        ]
        items = [followups.get_followup(store, fid) for fid in queries.followup_ids(store, did)]
        timeline = interactions.build(store, queries.interaction_rows(store, did))
        return DealPage(deal, tuple(changes), tuple(items), tuple(timeline))


def _ordered(deals: list[Deal], config: Config) -> list[Deal]:
    """Open deals first in pipeline order, then won, then lost; by close date within."""
    position = {s.name: i for i, s in enumerate(config.deal_stages)}
    status_rank = {"open": 0, "won": 1, "lost": 2}
    return sorted(
        deals,
        key=lambda d: (status_rank[d.status], position.get(d.stage, len(position))),
    )  # stable: the query's close-date order stays within a stage


def list_deals(
    store: Store,
    *,
    status: str = "open",
    stage_: str | None = None,
    contact: str | None = None,
    company: str | None = None,
    closing_before: date | None = None,
    config: Config | None = None,
) -> list[Deal]:
    """Deals, open ones first in pipeline order. ``status``: open, won, lost or all."""
    config = settings(config)
    status = (status or "").strip().lower()
    if status not in STATUSES:
        raise InvalidInput(f"unknown deal status {status!r}", hint="one of: open, won, lost, all")
    stages: list[str] | None = None
    exclude: tuple[str, ...] = ()
    if stage_ is not None:
        stages = [stage(stage_, config)]
    if status in ("won", "lost"):
        stages = [s for s in (stages or [status]) if s == status]
    elif status == "open":
        exclude = CLOSED_STAGES
    with store.snapshot():
        contact_id = refs.contact_id(store, contact) if contact else None
        company_id = refs.company_id(store, company) if company else None
        rows = queries.deal_rows(
            store,
            stages=stages,
            exclude_stages=exclude,
            contact_id=contact_id,
            company_id=company_id,
            closing_before=closing_before.isoformat() if closing_before else None,
        )
    return _ordered(build(rows, config), config)


def deals_of_contact(store: Store, contact_id: int, *, config: Config | None = None) -> list[Deal]:
    """A contact's deals, open first (for the contact page)."""
    rows = queries.deal_rows(store, contact_id=contact_id)
    if not rows:  # most contacts: no need to read the config file
        return []
    config = settings(config)
    return _ordered(build(rows, config), config)


def _close_date(value: str | None, today: date) -> str | None:
    if value is None or not value.strip():
        return None
    return dateparse.parse_date(value, today=today).isoformat()


def _company(store: Store, ref: str) -> int:
    """A company reference; a name that matches none creates the company (like
    ``add --company``)."""
    try:
        return refs.company_id(store, ref)
    except NotFound:
        if ref.strip().lstrip("#").isdigit():
            raise
        return companies.find_or_create(store, ref)


def _record_change(store: Store, deal_id: int, old: str | None, new: str, stamp: str) -> None:
    store.insert(
        "deal_stage_changes",
        {"deal_id": deal_id, "from_stage": old, "to_stage": new, "changed_at": stamp},
    )


def add_deal(
    store: Store,
    ref: str | None,
    title: str,
    *,
    value: str | None = None,
    currency: str | None = None,
    stage_: str | None = None,
    close: str | None = None,
    probability_: int | str | None = None,
    company: str | None = None,
    reason: str | None = None,
    on: When | None = None,
    config: Config | None = None,
) -> Deal:
    """A new deal with contact ``ref`` (its company unless ``company`` is given).

    ``on`` anchors relative dates and is when the deal counts as created (its first stage
    change), like ``done --on`` records when a follow-up was done."""
    config = settings(config)
    clean_title = _title(title)
    code = money.currency(currency) if currency else config.deal_currency
    amount = money.parse(value, code) if value is not None else 0
    first = stage(stage_, config) if stage_ else open_stages(config)[0].name
    chance = probability(probability_) if probability_ is not None else None
    if reason is not None and first != "lost":
        raise InvalidInput("--reason is for lost deals", hint="minicrm deal lost ID --reason TEXT")
    why = _reason(reason)
    now_local = dates.local_now(on)
    close_day = _close_date(close, now_local.date())
    stamp = clock.utc_stamp(now_local)
    if ref is None and company is None:
        raise InvalidInput(
            "a deal needs a contact or a company", hint="minicrm deal add jane TITLE"
        )
    with store.transaction():
        contact_id = refs.contact_id(store, ref) if ref else None
        if company is not None:
            company_id = _company(store, company) if company.strip() else None
        elif contact_id is not None:
            contact_row = store.get("contacts", contact_id)
            company_id = contact_row["company_id"] if contact_row else None
        else:
            company_id = None
        deal_id = store.insert(
            "deals",
            {
                "uid": new_uid(),
                "contact_id": contact_id,
                "company_id": company_id,
                "title": clean_title,
                "amount_minor": amount,
                "currency": code,
                "stage": first,
                "probability": chance,
                "close_date": close_day,
                "lost_reason": why,
                "created_at": stamp,
                "updated_at": clock.utc_stamp(),
                "closed_at": stamp if first in CLOSED_STAGES else None,
            },
        )
        _record_change(store, deal_id, None, first, stamp)
        return _load(store, deal_id, config)


def edit_deal(
    store: Store,
    deal_id: str | int,
    *,
    title: str | None = None,
    value: str | None = None,
    currency: str | None = None,
    close: str | None = None,
    probability_: int | str | None = None,
    contact: str | None = None,
    company: str | None = None,
    reason: str | None = None,
    on: When | None = None,
    config: Config | None = None,
) -> tuple[Deal, bool]:
    """Change a deal (not its stage: see :func:`move_deal`). ``close=""`` clears the close
    date, ``probability_="default"`` goes back to the stage's, ``company=""`` and
    ``contact=""`` unlink. A new currency without a new value keeps the amount (refused
    when the new currency has fewer decimals than the amount needs)."""
    config = settings(config)
    did = parse_id(deal_id, "deal", example=3)
    today = dates.today(on)
    with store.transaction():
        current = _load(store, did, config)
        changes: dict[str, object] = {}
        if title is not None:
            changes["title"] = _title(title)
        code = money.currency(currency) if currency is not None else current.currency
        if value is not None:
            changes["amount_minor"] = money.parse(value, code)
        elif code != current.currency:
            changes["amount_minor"] = money.parse(current.value, code)
        changes["currency"] = code
        if close is not None:
            changes["close_date"] = _close_date(close, today)
        if probability_ is not None:
            text = str(probability_).strip().lower()
            changes["probability"] = None if text in ("", "default") else probability(text)
        if contact is not None:
            changes["contact_id"] = refs.contact_id(store, contact) if contact.strip() else None
        if company is not None:
            changes["company_id"] = _company(store, company) if company.strip() else None
        if reason is not None:
            if current.stage != "lost":
                raise InvalidInput(
                    f"deal #{did} is not lost; --reason is for lost deals",
                    hint=f"minicrm deal lost {did} --reason TEXT",
                )
            changes["lost_reason"] = _reason(reason)
        after_contact = changes.get("contact_id", current.contact.id if current.contact else None)
        after_company = changes.get("company_id", current.company.id if current.company else None)
        unlinking = "contact_id" in changes or "company_id" in changes
        if unlinking and after_contact is None and after_company is None:
            raise InvalidInput("a deal needs a contact or a company", hint="keep one of them")
        changed = store.update("deals", did, changes)
        if changed:
            store.update("deals", did, {"updated_at": clock.utc_stamp()})
        return _load(store, did, config), changed


@dataclass(frozen=True)
class Closing:
    """A deal moved (see :func:`close_deal`), with its follow-ups: those cancelled with it
    and those it leaves open."""

    deal: Deal
    changed: bool
    cancelled: tuple[FollowUp, ...] = ()
    still_open: tuple[FollowUp, ...] = ()


def open_followups(store: Store, deal_id: str | int) -> list[FollowUp]:
    """The deal's open follow-ups, in due order."""
    did = parse_id(deal_id, "deal", example=3)
    with store.snapshot():
        return [followups.get_followup(store, fid) for fid in queries.open_followup_ids(store, did)]


def close_deal(
    store: Store,
    deal_id: str | int,
    to: str,
    *,
    reason: str | None = None,
    close_followups: bool = False,
    on: When | None = None,
    config: Config | None = None,
) -> Closing:
    """:func:`move_deal`, and when that closes the deal (won or lost), its open follow-ups:
    with ``close_followups`` they are cancelled (a repeating one's series ends), in the
    same transaction; otherwise they stay open and are returned in ``still_open``, so
    the caller can say so. A deal already in that stage changes nothing."""
    with store.transaction():
        deal, changed = move_deal(store, deal_id, to, reason=reason, on=on, config=config)
        if not changed or deal.status == "open":
            return Closing(deal, changed)
        pending = open_followups(store, deal.id)
        if not close_followups:
            return Closing(deal, changed, still_open=tuple(pending))
        cancelled = tuple(lifecycle.cancel(store, f.id, stop=True, on=on).done for f in pending)
        return Closing(deal, changed, cancelled=cancelled)


def move_deal(
    store: Store,
    deal_id: str | int,
    to: str,
    *,
    reason: str | None = None,
    on: When | None = None,
    config: Config | None = None,
) -> tuple[Deal, bool]:
    """Move a deal to stage ``to``, recording the change at now (or ``on``). Moving to won
    or lost closes it (``closed_at``); moving a closed deal to an open stage reopens it.
    Returns (deal, changed): moving to the stage it is in changes nothing."""
    config = settings(config)
    did = parse_id(deal_id, "deal", example=3)
    new = stage(to, config)
    if reason is not None and new != "lost":
        raise InvalidInput(
            "--reason is for lost deals", hint=f"minicrm deal lost {did} --reason TEXT"
        )
    why = _reason(reason)
    stamp = clock.utc_stamp(dates.local_now(on))
    with store.transaction():
        current = _load(store, did, config)
        if current.stage == new:
            if why is not None and why != current.lost_reason:
                store.update("deals", did, {"lost_reason": why, "updated_at": clock.utc_stamp()})
                return _load(store, did, config), True
            return current, False
        store.update(
            "deals",
            did,
            {
                "stage": new,
                "closed_at": stamp if new in CLOSED_STAGES else None,
                "lost_reason": why if new == "lost" else None,
                "updated_at": clock.utc_stamp(),
            },
        )
        _record_change(store, did, current.stage, new, stamp)
        return _load(store, did, config), True


def win(
    store: Store, deal_id: str | int, *, on: When | None = None, config: Config | None = None
) -> tuple[Deal, bool]:
    return move_deal(store, deal_id, "won", on=on, config=config)


def lose(
    store: Store,
    deal_id: str | int,
    *,
    reason: str | None = None,
    on: When | None = None,
    config: Config | None = None,
) -> tuple[Deal, bool]:
    return move_deal(store, deal_id, "lost", reason=reason, on=on, config=config)


def remove_deal(store: Store, deal_id: str | int, *, config: Config | None = None) -> Deal:
    """Delete a deal and its stage changes; its follow-ups and interactions stay, unlinked."""
    config = settings(config)
    did = parse_id(deal_id, "deal", example=3)
    with store.transaction():
        gone = _load(store, did, config)
        for fid in queries.linked_followup_ids(store, did):
            store.update("followups", fid, {"deal_id": None})
        for iid in queries.linked_interaction_ids(store, did):
            store.update("interactions", iid, {"deal_id": None})
        for change_id in queries.stage_change_ids(store, did):
            store.delete("deal_stage_changes", change_id)
        store.delete("deals", did)
        return gone


def unlink_contact(store: Store, contact_id: int) -> None:
    """Before a contact is deleted: its deals stay, without a contact (caller's transaction)."""
    stamp = clock.utc_stamp()
    for did in queries.deal_ids_of_contact(store, contact_id):
        store.update("deals", did, {"contact_id": None, "updated_at": stamp})


DEAL_TERM = "deal:open, deal:won, deal:lost, deal:any, deal:STAGE or deal:WORDS (in the title)"


def contacts_with_deal(store: Store, value: str, config: Config | None = None) -> set[int]:
    """The contacts the field term ``deal:VALUE`` keeps (ls and search): ``open``, ``won``,
    ``lost``, ``any``, a configured deal stage, or else words in a deal's title (case does
    not matter)."""
    word = " ".join(value.strip().lower().split())
    if not word:
        raise InvalidInput("deal: needs a value", hint=f"e.g. {DEAL_TERM}")
    config = settings(config)
    names = [s.name for s in config.deal_stages]
    if word == "any":
        return queries.contact_ids_with_deal(store)
    if word == "open":
        return queries.contact_ids_with_deal(
            store, stages=[n for n in names if n not in CLOSED_STAGES]
        )
    if word in names or word in CLOSED_STAGES:
        return queries.contact_ids_with_deal(store, stages=[word])
    return queries.contact_ids_with_deal(store, title_key=word)


def deals_of_company(store: Store, company_id: int, *, config: Config | None = None) -> list[Deal]:
    """A company's deals and its people's deals, open first in pipeline order."""
    rows = queries.deal_rows_of_company(store, company_id)
    if not rows:
        return []
    config = settings(config)
    return _ordered(build(rows, config), config)
