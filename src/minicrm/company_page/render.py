"""The company page: a card, then its people, open follow-ups, deals and timeline."""

from __future__ import annotations

from typing import Any

from minicrm.company_page.service import CompanyPage
from minicrm.ui.machine import write_json
from minicrm.ui.render import line, local_time, print_card, print_table
from minicrm.ui.screen import Column

PEOPLE_COLUMNS = (
    Column("id", whole=True),
    Column("name", least=14),
    Column("title", drop=4, least=10),
    Column("email", whole=True, drop=2),
    Column("phone", whole=True, drop=3),
    Column("open", whole=True, right=True, drop=5),
    Column("last contact", whole=True, drop=1),
)


def print_company_page(page: CompanyPage, fmt: str) -> None:
    if fmt == "json":
        write_json(page.to_dict())
        return
    from minicrm.activity import render as activity  # lazy: start-up
    from minicrm.deals import render as deals
    from minicrm.feed import render as feed

    company = page.company
    pairs = [("ID", f"#{company.id}"), ("Name", company.name)]
    if company.domain:
        pairs.append(("Domain", company.domain))
    elif page.inferred_domain:
        pairs.append(("Domain", f"{page.inferred_domain} (from its people's emails)"))
    if company.notes:
        pairs.append(("Notes", company.notes))
    archived = sum(p.archived for p in page.people)
    people = f"{len(page.people)}" + (f" ({archived} archived)" if archived else "")
    pairs.append(("People", people))
    pairs.append(
        ("Last contact", local_time(page.last_contacted_at) if page.last_contacted_at else "never")
    )
    pairs.append(("Open follow-ups", str(len(page.open_followups))))
    open_deals = [d for d in page.deals if d.status == "open"]
    if page.deals:
        pairs.append(("Open deals", f"{len(open_deals)}: {_totals(page.open_totals)}"))
        if page.won_totals:
            won = sum(t.count for t in page.won_totals)
            pairs.append(("Won", f"{won}: {_totals(page.won_totals)}"))
    pairs += [
        ("Created", local_time(company.created_at)),
        ("Updated", local_time(company.updated_at)),
    ]
    print_card(company.name, pairs)
    if page.people:
        print_table(
            PEOPLE_COLUMNS,
            [
                [
                    p.id,
                    p.name + (" (archived)" if p.archived else ""),
                    p.title or "",
                    p.email or "",
                    p.phone or "",
                    p.open_followups or "",
                    local_time(p.last_contacted_at)[:10] if p.last_contacted_at else "",
                ]
                for p in page.people
            ],
            title="People",
        )
    if page.open_followups:
        from minicrm.core import dates  # lazy: start-up

        now = dates.local_now()
        print_table(
            activity.FOLLOWUP_COLUMNS[:4],
            [activity.followup_row(f, now)[:4] for f in page.open_followups],
            title="Open follow-ups",
        )
    if page.deals:
        print_table(deals.DEAL_COLUMNS, [deals.deal_row(d) for d in page.deals], title="Deals")
    if page.timeline:
        shown = len(page.timeline)
        title = "Timeline" + (
            f" (latest {shown}; --timeline N for more)" if shown == page.timeline_limit else ""
        )
        print_table(
            feed.COLUMNS,
            [[feed.when(e), e.kind, feed.who(e), feed.what(e)] for e in page.timeline],
            title=title,
        )
    elif not page.people:
        line("No people yet: `minicrm add NAME --company ...` or `minicrm edit REF --company ...`.")


def _totals(totals: tuple[Any, ...]) -> str:
    from minicrm.core import money  # lazy: start-up

    return "; ".join(money.show(t.total_minor, t.currency) for t in totals) or "none"
