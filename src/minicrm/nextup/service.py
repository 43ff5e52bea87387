"""What to do now: one list, ranked by urgency, across follow-ups, keep-in-touch cadences,
deals and birthdays.

The urgency of an item is a whole number, the higher the sooner (docs/cli.md, "minicrm
next", has the table; :data:`URGENCY` holds its figures):

- an open follow-up overdue: 100, plus 5 a day it is overdue (up to 30 days); due today
  and not yet late: 80; high priority +30, low priority -20; a step of an open deal gets
  the deal's value points;
- a contact past its cadence: 40, plus 40 times the days over divided by the cadence
  (up to twice the cadence: 80);
- an open deal whose close date has passed: 70, plus 3 a day since (up to 30 days), plus
  its value points; an open deal with no next step (no open follow-up): 40 plus its value
  points;
- a birthday or important date today: 90;
- value points: 5 × log10 of the deal's amount in its currency's major unit, from 0
  (1 or less) up to 30 (a million or more).

Equal urgencies keep the order follow-up, date, deal, contact; then the longest overdue
first; then the lowest id.

Candidates are read as plain tuples and scored without building records; only the items
shown are built, with how to reach their person (one query for all of them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from minicrm.activity.models import Reach
from minicrm.core import dates
from minicrm.core.dates import When
from minicrm.core.errors import InvalidInput
from minicrm.core.models import Ref
from minicrm.db.store import Store
from minicrm.nextup import queries

URGENCY = {
    "overdue": 100,
    "overdue_per_day": 5,
    "due_today": 80,
    "high": 30,
    "low": -20,
    "stale": 40,
    "stale_span": 40,
    "date_today": 90,
    "close_passed": 70,
    "close_passed_per_day": 3,
    "no_next_step": 40,
    "value_per_decade": 5,
    "value_max": 30,
}
DAYS_CAP = 30
KIND_ORDER = {"followup": 0, "date": 1, "deal": 2, "contact": 3}
KINDS = tuple(KIND_ORDER)
DEFAULT_LIMIT = 10
MAX_LIMIT = 10_000


@dataclass
class NextItem:
    """One thing to do: what (``action``), why (``reason`` and ``detail``), for whom, and
    how to reach them."""

    rank: int
    urgency: int
    kind: str  # followup, contact, deal or date
    reason: str  # overdue, due_today, past_cadence, close_date_passed, no_next_step, date
    id: int  # the follow-up's, contact's or deal's id (a date: its contact's)
    action: str
    detail: str
    date: str  # the day it is about: due, close date, last contact, or today for a date
    contact: Ref | None
    deal: Ref | None
    reach: Reach

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "urgency": self.urgency,
            "kind": self.kind,
            "reason": self.reason,
            "id": self.id,
            "action": self.action,
            "detail": self.detail,
            "date": self.date,
            "contact": self.contact.to_dict() if self.contact else None,
            "deal": self.deal.to_dict() if self.deal else None,
            "reach": self.reach.to_dict(),
        }


@dataclass
class NextList:
    as_of: date
    limit: int | None
    items: list[NextItem]
    counts: dict[str, int]  # kind -> candidates of that kind, shown or not

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "limit": self.limit,
            "total": self.total,
            "counts": dict(self.counts),
            "items": [i.to_dict() for i in self.items],
        }


def value_points(amount_minor: int | None, currency: str | None) -> int:
    """5 × log10 of the amount in major units, 0 to 30."""
    if not amount_minor or amount_minor <= 0 or currency is None:
        return 0
    from minicrm.core import money  # lazy: start-up

    major = amount_minor / 10 ** money.exponent(currency)
    if major <= 1:
        return 0
    points = int(URGENCY["value_per_decade"] * math.log10(major))
    return max(0, min(URGENCY["value_max"], points))


def followup_urgency(days_overdue: int, late: bool, priority: str, value: int = 0) -> int:
    """A follow-up's urgency: ``late`` once it is overdue (a timed one from its time)."""
    if late:
        score = URGENCY["overdue"] + URGENCY["overdue_per_day"] * min(max(days_overdue, 0), 30)
    else:
        score = URGENCY["due_today"]
    return score + URGENCY.get(priority, 0) + value


def stale_urgency(days_over: int, cadence: int) -> int:
    share = min(days_over / cadence, 2.0) if cadence > 0 else 2.0
    return URGENCY["stale"] + int(URGENCY["stale_span"] * share)


def deal_urgency(days_past_close: int | None, value: int) -> int:
    if days_past_close is not None and days_past_close > 0:
        per_day = URGENCY["close_passed_per_day"] * min(days_past_close, DAYS_CAP)
        return URGENCY["close_passed"] + per_day + value
    return URGENCY["no_next_step"] + value


def check_limit(limit: int | None) -> int | None:
    """--limit: 1 to 10,000, or 0 (or None) for every item."""
    if limit is None or limit == 0:
        return None
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(
            f"--limit {limit} is out of range", hint=f"1 to {MAX_LIMIT}, or 0 for every item"
        )
    return limit


def check_kinds(kinds: list[str] | None) -> tuple[str, ...]:
    if not kinds:
        return KINDS
    chosen = []
    for kind in kinds:
        word = kind.strip().lower().rstrip("s")
        word = "followup" if word in ("follow-up", "followup") else word
        if word not in KIND_ORDER:
            raise InvalidInput(
                f"no kind {kind!r} in next", hint="followup, contact, deal or date (repeat it)"
            )
        chosen.append(word)
    return tuple(dict.fromkeys(chosen))


# A candidate before it is built: (minus urgency, kind order, minus age in days, id, kind,
# reason, data); sorted by the first four.
_Candidate = tuple[int, int, int, int, str, str, Any]


def next_items(
    store: Store,
    *,
    on: When | None = None,
    limit: int | None = DEFAULT_LIMIT,
    kinds: list[str] | None = None,
) -> NextList:
    """The ranked list as of ``on`` (default: now), its first ``limit`` items built."""
    limit = check_limit(limit)
    wanted = check_kinds(kinds)
    now = dates.local_now(on)
    today = now.date()
    found: list[_Candidate] = []
    counts = dict.fromkeys(wanted, 0)
    with store.snapshot():
        if "followup" in wanted:
            found += _followups(store, now)
        if "date" in wanted:
            found += _dates(store, today)
        if "deal" in wanted and queries.deal_count(store):
            found += _deals(store, today)
        if "contact" in wanted:
            found += _stale(store, today)
        for entry in found:
            counts[entry[4]] += 1
        found.sort(key=lambda c: c[:4])
        shown = found if limit is None else found[:limit]
        items = _build(store, shown, now)
    return NextList(today, limit, items, counts)


def _followups(store: Store, now: Any) -> list[_Candidate]:
    from minicrm.activity.views import overdue_reader  # lazy: start-up

    overdue_state = overdue_reader(now)
    result = []
    for fid, due_date, due_time, priority, amount, currency in queries.open_followups_due_by(
        store, now.date().isoformat()
    ):
        days, since, minutes = overdue_state(due_date, due_time)
        late = since is not None
        score = followup_urgency(days, late, priority, value_points(amount, currency))
        reason = "overdue" if late else "due_today"
        result.append((-score, 0, -days, fid, "followup", reason, (days, minutes, due_time)))
    return result


def _stale(store: Store, today: date) -> list[_Candidate]:
    zone = dates.local_zone()
    known: dict[str, int] = {}  # the local day of a stamp's date part, by stamp
    result = []
    for contact_id, cadence, stamp in queries.cadence_rows(store):
        days_since = known.get(stamp)
        if days_since is None:
            days_since = known[stamp] = (today - dates.local_date(stamp, zone)).days
        over = days_since - cadence
        if over > 0:
            result.append(
                (
                    -stale_urgency(over, cadence),
                    3,
                    -over,
                    contact_id,
                    "contact",
                    "past_cadence",
                    (over, cadence, days_since),
                )
            )
    return result


def _deals(store: Store, today: date) -> list[_Candidate]:
    result = []
    for (
        deal_id,
        title,
        stage,
        amount,
        currency,
        close,
        contact_id,
        has_step,
    ) in queries.deal_candidates(store, today.isoformat()):
        past = (today - date.fromisoformat(close)).days if close else None
        passed = past is not None and past > 0
        score = deal_urgency(past if passed else None, value_points(amount, currency))
        reason = "close_date_passed" if passed else "no_next_step"
        data = (title, stage, amount, currency, close, contact_id, past, bool(has_step))
        result.append((-score, 2, -(past or 0), deal_id, "deal", reason, data))
    return result


def _dates(store: Store, today: date) -> list[_Candidate]:
    days = [today.strftime("%m-%d")]
    if today.month == 2 and today.day == 28:
        common = not (today.year % 4 == 0 and (today.year % 100 != 0 or today.year % 400 == 0))
        if common:  # 29 February is kept on the 28th in a common year
            days.append("02-29")
    result = []
    for position, (contact_id, label, value) in enumerate(queries.dated_today(store, days)):
        years = today.year - int(value[:4]) if not value.startswith("--") else None
        result.append(
            (-URGENCY["date_today"], 1, 0, contact_id, "date", "date", (label, years, position))
        )
    return result


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _build(store: Store, shown: list[_Candidate], now: Any) -> list[NextItem]:
    """The shown candidates as items, with their follow-ups, names and reach read in a
    few queries for all of them."""
    from minicrm.activity import followups  # lazy: start-up
    from minicrm.activity.views import reach_of

    followup_ids = [c[3] for c in shown if c[4] == "followup"]
    built = {f.id: f for f in (followups.get_followup(store, fid) for fid in followup_ids)}
    contact_of: dict[tuple[str, int], int | None] = {}
    for c in shown:
        if c[4] == "followup":
            f = built[c[3]]
            contact_of[("followup", c[3])] = f.contact.id if f.contact else None
        elif c[4] == "deal":
            contact_of[("deal", c[3])] = c[6][5]
        else:
            contact_of[(c[4], c[3])] = c[3]
    ids = sorted({cid for cid in contact_of.values() if cid is not None})
    names = queries.contact_names(store, ids)
    reach = reach_of(store, ids)
    deal_ids = [c[3] for c in shown if c[4] == "deal"]
    deal_ids += [f.deal_id for f in built.values() if f.deal_id is not None]
    deal_refs = {
        deal_id: Ref(deal_id, uid, title)
        for deal_id, (uid, title) in queries.deal_refs(store, deal_ids).items()
    }
    items = []
    for rank, (minus, _, _, item_id, kind, reason, data) in enumerate(shown, start=1):
        contact_id = contact_of[(kind, item_id)]
        contact = (
            Ref(contact_id, *names[contact_id])
            if contact_id is not None and contact_id in names
            else None
        )
        deal: Ref | None = None
        if kind == "followup":
            f = built[item_id]
            action, detail = _followup_words(f, data)
            day = f.due
            if f.deal_id is not None:
                deal = deal_refs.get(f.deal_id)
        elif kind == "contact":
            over, cadence, days_since = data
            name = contact.name if contact else f"#{item_id}"
            action = f"Get in touch with {name}"
            day = (now.date() - timedelta(days=days_since)).isoformat()
            detail = (
                f"every {cadence} days; {_plural(days_since, 'day')} since the last contact, "
                f"{_plural(over, 'day')} over"
            )
        elif kind == "deal":
            title, stage, amount, currency, close, _, past, has_step = data
            deal = deal_refs.get(item_id)
            from minicrm.core import money  # lazy: start-up

            value = money.show(amount, currency)
            day = close or ""
            if reason == "close_date_passed":
                action = f"Update deal #{item_id} {title}: close or move its date"
                detail = f"{stage}, {value}; close date passed {_plural(past, 'day')} ago"
                if not has_step:
                    detail += "; no next step"
            else:
                action = f"Plan the next step of deal #{item_id} {title}"
                detail = f"{stage}, {value}; no open follow-up"
        else:
            label, years, _ = data
            name = contact.name if contact else f"#{item_id}"
            day = now.date().isoformat()
            if label == "birthday":
                action = f"Wish {name} a happy birthday"
                detail = "birthday today" + (f" ({years})" if years is not None else "")
            else:
                action = f"{name}: {label}"
                detail = f"{label} today" + (
                    f" ({_plural(years, 'year')})" if years is not None else ""
                )
        items.append(
            NextItem(
                rank=rank,
                urgency=-minus,
                kind=kind,
                reason=reason,
                id=item_id,
                action=action,
                detail=detail,
                date=day,
                contact=contact,
                deal=deal,
                reach=reach[contact_id] if contact_id in reach else Reach(),
            )
        )
    return items


def _followup_words(f: Any, data: tuple[int, int | None, str | None]) -> tuple[str, str]:
    days, minutes, due_time = data
    late = dates.humanize_overdue(days, minutes, due_time is not None)
    detail = "due today" if late == "today" else late
    if f.priority != "normal":
        detail += f", {f.priority} priority"
    return f"Follow up: {f.title}", detail
