"""minicrm stats for people: a few short sections of text, with a sparkline per kind of
interaction (one character a week). The same text on a terminal and in a pipe (no
colour, nothing to strip); ``--json`` gives the numbers."""

from __future__ import annotations

from collections.abc import Sequence

from minicrm.core import money
from minicrm.deals.pipeline import MoneyTotal
from minicrm.stats.service import Promises, Stats
from minicrm.ui import render
from minicrm.ui.machine import write_json
from minicrm.ui.render import print_table
from minicrm.ui.screen import Column
from minicrm.ui.terminal import write_wrapped
from minicrm.ui.text import stdout_is_terminal, visible

BARS = "·▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[int]) -> str:
    """One character per value, scaled to the largest (· for 0)."""
    top = max(values, default=0)
    if top == 0:
        return BARS[0] * len(values)
    return "".join(BARS[0] if v == 0 else BARS[max(1, round(v * 8 / top))] for v in values)


def _percent(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate * 100:.1f}%"


def line(text: str) -> None:
    """A line of the report; at a terminal wrapped at spaces, never inside a figure."""
    if stdout_is_terminal():
        write_wrapped(text)
    else:
        render.line(text.replace("\xa0", " "))


def _weighted(total: MoneyTotal) -> str:
    return money.show(total.weighted_minor, total.currency)


def _kept(p: Promises, span: str) -> str:
    """``kept 12 of 13 this week (1 of them late), 1 still overdue``."""
    if not p.total:
        return f"none came due {span}"
    text = f"kept {p.kept} of {p.total} {span}"
    if p.late:
        text += f" ({p.late} of them late)"
    if p.overdue:
        text += f", {p.overdue} still overdue"
    return text


def period_phrase(name: str) -> str:
    """``in the last 12 weeks``, ``this quarter``: the period as the headline says it."""
    if name in ("quarter", "year"):
        return f"this {name}"
    n, unit = int(name[:-1]), {"d": "day", "w": "week", "m": "month"}[name[-1]]
    return f"in the last {unit}" if n == 1 else f"in the last {n} {unit}s"


def promises_headline(stats: Stats) -> str:
    """The answer to "do I keep my promises?": this week (or month) and the period."""
    whole = _kept(stats.promises, period_phrase(stats.period.name))
    trend = stats.promise_trend
    if len(trend) < 2:
        return f"Promises: {whole}"
    current = "this month" if stats.period.days > 120 else "this week"
    return f"Promises: {_kept(trend[-1], current)}; {whole}"


def _heading(text: str) -> None:
    line("")
    line(text)


def print_stats(stats: Stats, fmt: str) -> None:
    data = stats.to_dict()
    if fmt == "json":
        write_json(data)
        return
    p = stats.period
    line(f"minicrm stats, {p.start.isoformat()} to {p.end.isoformat()} ({p.days} days)")

    act = data["activity"]
    _heading(
        f"Activity: {act['interactions_total']:,} interactions, {act['new_contacts']:,} new contacts"
        f" (weeks from {stats.activity.weeks[0][0].isoformat()})"
    )
    width = max(len(k) for k in stats.activity.by_kind)
    for kind, counts in stats.activity.by_kind.items():
        line(f"  {kind:<{width}}  {sparkline(counts)}  {sum(counts):,}")
    line(f"  {'new':<{width}}  {sparkline(stats.activity.new_contacts)}  {act['new_contacts']:,}")

    kept = data["followups"]
    _heading(promises_headline(stats))
    line(
        f"  on time: {_percent(kept['on_time_rate'])} "
        f"({kept['on_time']} on time, {kept['late']} late, {kept['overdue']} still overdue)"
    )
    line(
        "  trend: "
        + " ".join(_percent(t["on_time_rate"]) for t in kept["trend"])
        + ("  (per month)" if p.days > 120 else "  (per week)")
    )

    touch = data["keep_in_touch"]
    median = touch["median_days_since_contact"]
    _heading(
        f"Keep in touch: {_percent(touch['adherence'])} inside their cadence "
        f"({touch['inside']:,} of {touch['contacts']:,}); median "
        f"{'n/a' if median is None else f'{median:g}'} days since last contact"
    )
    for tag in touch["by_tag"]:
        line(
            f"  {visible(tag['tag'])}: {_percent(tag['adherence'])} ({tag['inside']:,} of {tag['contacts']:,})"
        )

    pipe = data["pipeline"]
    avg_days = pipe["average_days_to_won"]
    _heading(
        f"Pipeline: win rate {_percent(pipe['win_rate'])} ({pipe['won']} won, {pipe['lost']} lost);"
        f" {'n/a' if avg_days is None else f'{avg_days:g}'} days on average from creation to won"
    )
    figures = (
        Column("deals", whole=True, right=True),
        Column("open value", whole=True, right=True),
        Column("weighted", whole=True, right=True, drop=1),
    )
    rows = [
        [name, f"{t.count:,}", money.show(t.total_minor, t.currency), _weighted(t)]
        for name, group in stats.pipeline.open_by_stage
        for t in group
    ]
    if rows:
        print_table((Column("stage", least=8), *figures), rows, title="Open value by stage")
    if stats.pipeline.forecast:
        print_table(
            (Column("close month", whole=True), *figures),
            [
                [
                    month or "(no date)",
                    f"{t.count:,}",
                    money.show(t.total_minor, t.currency),
                    _weighted(t),
                ]
                for month, t in stats.pipeline.forecast
            ],
            title="Weighted forecast by close month",
        )
    for t in stats.pipeline.won_totals:
        average = money.show(money.divide(t.total_minor, t.count), t.currency).replace(" ", "\xa0")
        line(f"  average won deal: {average} ({t.count:,} won)")
    if stats.pipeline.lost_deals:
        print_table(
            (
                Column("lost on", whole=True),
                Column("id", whole=True),
                Column("title", least=12),
                Column("value", whole=True, right=True, drop=2),
                Column("reason", drop=1, least=12),
            ),
            [
                [
                    d.lost_on.isoformat(),
                    d.id,
                    d.title,
                    money.show(d.amount_minor, d.currency),
                    d.reason or "",
                ]
                for d in stats.pipeline.lost_deals
            ],
            title="Lost, and why",
        )
