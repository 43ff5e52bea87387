"""minicrm stats: how the user is doing, computed from recorded data only.

Every figure is a count over stored rows (interactions, contacts, follow-ups, deals and
their stage changes), as of a local day (``--on``; rows created after it are left out),
over a period that ends on that day. docs/stats.md defines each figure; the functions
here are the definitions.

Rates are ``numerator / denominator`` rounded to 4 decimals (``None`` when the
denominator is 0) and come with their counts, so a script can recompute them exactly.
Money figures are per currency, in integer minor units, rounded half to even.
"""

from __future__ import annotations

import bisect
import re
import statistics
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

from minicrm.activity import interactions
from minicrm.core import dates, money
from minicrm.core.config import CLOSED_STAGES, Config
from minicrm.core.dates import When
from minicrm.core.errors import InvalidInput
from minicrm.db.store import Row, Store
from minicrm.deals import service as deals
from minicrm.deals.models import Deal
from minicrm.deals.pipeline import MoneyTotal, totals
from minicrm.stats import queries

PERIOD_FORMS = "30d, 12w, 6m, quarter or year"
MAX_DAYS = 3_660


@dataclass(frozen=True)
class Period:
    name: str
    start: date  # first day, inclusive
    end: date  # the as-of day, inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "days": self.days,
        }


def period(text: str, as_of: date) -> Period:
    """``30d``/``12w``/``6m`` end on ``as_of`` (inclusive); ``quarter`` and ``year`` are
    the calendar quarter and year to date."""
    cleaned = (text or "").strip().lower()
    if cleaned == "quarter":
        start = date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1)
    elif cleaned == "year":
        start = date(as_of.year, 1, 1)
    elif m := re.fullmatch(r"(\d{1,4})\s*([dwm])", cleaned):
        n, unit = int(m.group(1)), m.group(2)
        if n < 1:
            raise InvalidInput(f"--period {text!r} is empty", hint=PERIOD_FORMS)
        if unit == "m":
            from dateutil.relativedelta import relativedelta

            start = as_of - relativedelta(months=n) + timedelta(days=1)
        else:
            start = as_of - timedelta(days=n * (7 if unit == "w" else 1) - 1)
    else:
        raise InvalidInput(f"not a period: {text!r}", hint=PERIOD_FORMS)
    result = Period(cleaned, start, as_of)
    if result.days > MAX_DAYS:
        raise InvalidInput(f"--period {text!r} is too long", hint="at most 10 years")
    return result


def _rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _buckets(p: Period, *, months: bool, week_start: int = 0) -> list[tuple[date, date]]:
    """The period cut into weeks (from ``week_start``, 0 Monday, the config file's
    ``[week] first_day``) or calendar months, clipped to it."""
    result = []
    if months:
        cursor = date(p.start.year, p.start.month, 1)
        while cursor <= p.end:
            following = date(cursor.year + cursor.month // 12, cursor.month % 12 + 1, 1)
            result.append((max(cursor, p.start), min(following - timedelta(days=1), p.end)))
            cursor = following
    else:
        cursor = p.start - timedelta(days=(p.start.weekday() - week_start) % 7)
        while cursor <= p.end:
            result.append((max(cursor, p.start), min(cursor + timedelta(days=6), p.end)))
            cursor += timedelta(days=7)
    return result


# -- activity ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Activity:
    weeks: tuple[tuple[date, date], ...]
    by_kind: dict[str, tuple[int, ...]]  # kind -> interactions per week
    new_contacts: tuple[int, ...]  # per week

    def to_dict(self) -> dict[str, Any]:
        return {
            "weeks": [
                {
                    "start": first.isoformat(),
                    "end": last.isoformat(),
                    "interactions": {kind: counts[i] for kind, counts in self.by_kind.items()},
                    "new_contacts": self.new_contacts[i],
                }
                for i, (first, last) in enumerate(self.weeks)
            ],
            "interactions": {kind: sum(counts) for kind, counts in self.by_kind.items()},
            "interactions_total": sum(sum(c) for c in self.by_kind.values()),
            "new_contacts": sum(self.new_contacts),
        }


def activity(store: Store, p: Period, week_start: int = 0) -> Activity:
    """Interactions per kind and new contacts per week, counted by SQLite: each week is
    the stored stamps of its local days, [bounds[i], bounds[i + 1]), so a row is placed by
    comparing its stamp, without reading it into Python (64,000 rows in 12 weeks at 100k
    contacts)."""
    weeks = _buckets(p, months=False, week_start=week_start)
    bounds = [_stamp(first) for first, _ in weeks] + [_stamp(weeks[-1][1] + timedelta(days=1))]
    counts = {kind: [0] * len(weeks) for kind in interactions.KINDS}
    for row in queries.interactions_per_bucket(store, bounds):
        if row["kind"] in counts:
            counts[row["kind"]][row["bucket"]] += row["n"]
    new = [0] * len(weeks)
    for row in queries.contacts_created_per_bucket(store, bounds):
        new[row["bucket"]] += row["n"]
    return Activity(tuple(weeks), {k: tuple(v) for k, v in counts.items()}, tuple(new))


# -- promises kept ----------------------------------------------------------------------


@dataclass(frozen=True)
class Promises:
    start: date
    end: date
    on_time: int
    late: int
    overdue: int

    @property
    def kept(self) -> int:
        """Done, on time or late."""
        return self.on_time + self.late

    @property
    def total(self) -> int:
        """The promises that came due (or were kept) in the span: kept or still overdue."""
        return self.on_time + self.late + self.overdue

    @property
    def rate(self) -> float | None:
        return _rate(self.on_time, self.total)

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "on_time": self.on_time,
            "late": self.late,
            "overdue": self.overdue,
            "kept": self.kept,
            "total": self.total,
            "on_time_rate": self.rate,
        }


def _done_day(row: Row, as_of: date) -> date | None:
    """The local day a follow-up was done, if it was by the end of ``as_of``."""
    if not row["completed_at"]:
        return None
    day = dates.local_date(row["completed_at"])
    return day if day <= as_of else None


def _promise_day(row: Row, as_of: date) -> date:
    """The day a promise counts on: the day it was done when that was before it was due
    (kept early), else its due day. Each follow-up so counts in one period and week."""
    due = date.fromisoformat(row["due_date"])
    done = _done_day(row, as_of)
    return done if done is not None and done < due else due


def _promise_state(row: Row, as_of: date) -> str | None:
    """on_time, late, overdue, or None (cancelled, or not yet due) as of ``as_of``."""
    due = date.fromisoformat(row["due_date"])
    done = _done_day(row, as_of)
    if done is not None:
        return "on_time" if done <= due else "late"
    if row["cancelled_at"] and dates.local_date(row["cancelled_at"]) <= as_of:
        return None
    return "overdue" if due < as_of else None


def promises(rows: list[Row], first: date, last: date, as_of: date) -> Promises:
    counts = {"on_time": 0, "late": 0, "overdue": 0}
    for row in rows:
        if not first <= _promise_day(row, as_of) <= last:
            continue
        if dates.local_date(row["created_at"]) > as_of:
            continue
        state = _promise_state(row, as_of)
        if state:
            counts[state] += 1
    return Promises(first, last, **counts)


# -- keep in touch ----------------------------------------------------------------------


@dataclass(frozen=True)
class Adherence:
    contacts: int
    inside: int
    median_days_since: float | None
    by_tag: tuple[tuple[str, int, int], ...]  # (tag, contacts, inside)

    def to_dict(self) -> dict[str, Any]:
        return {
            "contacts": self.contacts,
            "inside": self.inside,
            "adherence": _rate(self.inside, self.contacts),
            "median_days_since_contact": self.median_days_since,
            "by_tag": [
                {"tag": tag, "contacts": n, "inside": k, "adherence": _rate(k, n)}
                for tag, n, k in self.by_tag
            ],
        }


def adherence(store: Store, as_of: date, end_stamp: str) -> Adherence:
    inside: dict[int, bool] = {}
    since_days: list[int] = []
    for row in queries.cadence_contacts(store, end_stamp):
        if row["created_at"] >= end_stamp:  # added after the as-of day
            continue
        cadence_days = row["cadence_days"] if row["cadence_days"] is not None else row["tag_days"]
        days = (as_of - dates.local_date(row["last"] or row["created_at"])).days
        since_days.append(days)
        inside[row["id"]] = days <= cadence_days
    tags: dict[str, list[int]] = {}
    for row in queries.contact_tags(store):
        if row["contact_id"] in inside:
            tags.setdefault(row["tag"], []).append(row["contact_id"])
    return Adherence(
        contacts=len(inside),
        inside=sum(inside.values()),
        median_days_since=statistics.median(since_days) if since_days else None,
        by_tag=tuple(
            (tag, len(ids), sum(inside[i] for i in ids)) for tag, ids in sorted(tags.items())
        ),
    )


# -- pipeline ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LostDeal:
    id: int
    title: str
    amount_minor: int
    currency: str
    reason: str | None
    lost_on: date

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "value": money.format_minor(self.amount_minor, self.currency),
            "currency": self.currency,
            "reason": self.reason,
            "lost_on": self.lost_on.isoformat(),
        }


@dataclass(frozen=True)
class PipelineStats:
    open_by_stage: tuple[tuple[str, tuple[MoneyTotal, ...]], ...]
    forecast: tuple[tuple[str | None, MoneyTotal], ...]  # (close month YYYY-MM or None, total)
    won: int
    lost: int
    days_to_won: tuple[int, ...]
    won_totals: tuple[MoneyTotal, ...]
    lost_deals: tuple[LostDeal, ...]

    @property
    def average_days_to_won(self) -> float | None:
        return round(statistics.fmean(self.days_to_won), 1) if self.days_to_won else None

    def to_dict(self) -> dict[str, Any]:
        reasons: dict[str | None, int] = {}
        for item in self.lost_deals:
            reasons[item.reason] = reasons.get(item.reason, 0) + 1
        return {
            "open_by_stage": [
                {"stage": name, "totals": [t.to_dict() for t in group]}
                for name, group in self.open_by_stage
            ],
            "forecast": [
                {"close_month": month, **total.to_dict()} for month, total in self.forecast
            ],
            "won": self.won,
            "lost": self.lost,
            "win_rate": _rate(self.won, self.won + self.lost),
            "average_days_to_won": self.average_days_to_won,
            "average_deal_size": [
                {
                    "currency": t.currency,
                    "count": t.count,
                    "total": money.format_minor(t.total_minor, t.currency),
                    "average": money.format_minor(money.divide(t.total_minor, t.count), t.currency),
                }
                for t in self.won_totals
            ],
            "lost_deals": [item.to_dict() for item in self.lost_deals],
            "lost_reasons": [
                {"reason": reason, "count": count}
                for reason, count in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0] or ""))
            ],
        }


def pipeline_stats(store: Store, p: Period, end_stamp: str, config: Config) -> PipelineStats:
    defaults = {s.name: s.probability for s in config.deal_stages}
    state: dict[int, tuple[str, date]] = {}  # deal -> (stage as of, day it entered it)
    for change in queries.stage_changes_before(store, end_stamp):
        state[change["deal_id"]] = (change["to_stage"], dates.local_date(change["changed_at"]))
    open_deals: list[Deal] = []
    won_deals: list[Deal] = []
    days_to_won: list[int] = []
    lost: list[LostDeal] = []
    for row in queries.deals_created_before(store, end_stamp):
        if row["id"] not in state:
            continue
        stage, since = state[row["id"]]
        deal = Deal(
            id=row["id"],
            uid="",
            title=row["title"],
            amount_minor=row["amount_minor"],
            currency=row["currency"],
            stage=stage,
            probability=row["probability"],
            stage_probability=defaults.get(stage, 0),
            close_date=row["close_date"],
        )
        if stage not in CLOSED_STAGES:
            open_deals.append(deal)
        elif since in p and stage == "won":
            won_deals.append(deal)
            days_to_won.append((since - dates.local_date(row["created_at"])).days)
        elif since in p:
            lost.append(
                LostDeal(
                    row["id"],
                    row["title"],
                    row["amount_minor"],
                    row["currency"],
                    row["lost_reason"],
                    since,
                )
            )
    order = [s.name for s in deals.open_stages(config)]
    order += sorted({d.stage for d in open_deals} - set(order))
    by_stage = tuple((name, totals(d for d in open_deals if d.stage == name)) for name in order)
    months = sorted(
        {d.close_date[:7] if d.close_date else None for d in open_deals},
        key=lambda m: m or "9999-99",
    )
    forecast = tuple(
        (month, total)
        for month in months
        for total in totals(
            d for d in open_deals if (d.close_date[:7] if d.close_date else None) == month
        )
    )
    return PipelineStats(
        open_by_stage=by_stage,
        forecast=forecast,
        won=len(won_deals),
        lost=len(lost),
        days_to_won=tuple(days_to_won),
        won_totals=totals(won_deals),
        lost_deals=tuple(sorted(lost, key=lambda item: (item.lost_on, item.id))),
    )


# -- everything -------------------------------------------------------------------------


@dataclass(frozen=True)
class Stats:
    as_of: date
    period: Period
    activity: Activity
    promises: Promises
    promise_trend: tuple[Promises, ...]
    adherence: Adherence
    pipeline: PipelineStats

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "period": self.period.to_dict(),
            "activity": self.activity.to_dict(),
            "followups": {
                **self.promises.to_dict(),
                "trend": [t.to_dict() for t in self.promise_trend],
            },
            "keep_in_touch": self.adherence.to_dict(),
            "pipeline": self.pipeline.to_dict(),
        }


def _stamp(day: date) -> str:
    """Local midnight at the start of ``day`` as a stored UTC stamp."""
    return dates.to_utc_stamp(When(day, time(0)))


def compute(
    store: Store,
    *,
    period_: str = "12w",
    on: When | None = None,
    config: Config | None = None,
) -> Stats:
    """All the figures for the period ending on ``on`` (default today)."""
    config = deals.settings(config)
    as_of = dates.today(on)
    p = period(period_, as_of)
    end_stamp = _stamp(p.end + timedelta(days=1))
    with store.snapshot(), dates.zone_pinned():
        act = activity(store, p, config.week_start)
        # a day's margin either side: each row is then placed on its local day
        wide_start = _stamp(p.start - timedelta(days=1))
        wide_end = _stamp(p.end + timedelta(days=2))
        due_rows = queries.followups_due_between(store, p.start.isoformat(), p.end.isoformat())
        # and the promises kept before they were due, whatever the due date
        seen = {row["id"] for row in due_rows}
        due_rows += [
            row
            for row in queries.followups_done_between(store, wide_start, wide_end)
            if row["id"] not in seen
        ]
        kept = promises(due_rows, p.start, p.end, as_of)
        # each bucket gets only its own rows, by the day each promise counts on: a pass
        # over all the period's follow-ups per bucket was a large part of stats
        placed = sorted(
            ((_promise_day(row, as_of), index) for index, row in enumerate(due_rows)),
        )
        days = [day for day, _ in placed]
        ordered = [due_rows[index] for _, index in placed]
        trend = tuple(
            promises(
                ordered[bisect.bisect_left(days, first) : bisect.bisect_right(days, last)],
                first,
                last,
                as_of,
            )
            for first, last in _buckets(p, months=p.days > 120, week_start=config.week_start)
        )
        touch = adherence(store, as_of, end_stamp)
        deals_part = pipeline_stats(store, p, end_stamp, config)
    return Stats(as_of, p, act, kept, trend, touch, deals_part)
