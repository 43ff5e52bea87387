"""Build a realistic, seeded minicrm database for the benchmarks (bench/run.py).

    python bench/generate.py --out bench/data/bench.db
    python bench/generate.py --out bench/data/bench-small.db --scale 0.2
    python bench/generate.py --out x.db --contacts 5000 --interactions 20000 --seed 3

The schema comes from ``minicrm.open_store`` (which migrates a new file); the rows are
bulk-loaded with ``executemany`` in ONE transaction, without history rows (this is a
fixture, not user data), then the full-text index is rebuilt with the statements of
``minicrm.db.searchindex.rebuild_sql()`` and the file is ANALYZEd.

Everything follows from the seed and the day the data is built around ("today", UTC by
default, ``--today`` to pin it): the same arguments give the same rows. A manifest
``<out>.json`` records what bench/run.py needs: the day, the planted words, the contact
used for ``show`` and the row counts.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import minicrm
from minicrm.core import validate
from minicrm.db import searchindex

DEFAULTS = {
    "contacts": 100_000,
    "interactions": 300_000,
    "followups": 200_000,
    "companies": 2_000,
}

# -- vocabularies ---------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return text.split()


# (given names, family names, how names are written). "Latin" names become emails as they
# are, with accents stripped; the CJK ones carry their romanisation after a "|".
CULTURES = {
    "english": (
        "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William "
        "Susan Richard Jessica Joseph Sarah Thomas Karen Chris Nancy Daniel Lisa Emily Ann "
        "Matthew Ashley Andrew Megan Ryan Rachel Zoë Chloë Brontë Renée",
        "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas "
        "Moore Jackson Martin Lee Thompson White Harris Clark Lewis Walker Hall Young "
        "O'Brien O'Neill Fitzgerald MacDonald",
        "western",
    ),
    "spanish": (
        "José María Juan Carmen Luis Ana Javier Lucía Sofía Mateo Martín Inés Andrés "
        "Raúl Ramón Begoña Íñigo Álvaro Nuria Jesús Pilar Valentina Santiago Camila",
        "García Fernández González Rodríguez López Martínez Sánchez Pérez Gómez Martín "
        "Jiménez Ruiz Hernández Díaz Moreno Muñoz Álvarez Romero Núñez Peña Ibáñez",
        "western",
    ),
    "portuguese": (
        "João Maria Ana Pedro Tiago Beatriz Inês Gonçalo Conceição Antônio Luíza Thiago",
        "Silva Santos Ferreira Pereira Oliveira Costa Rodrigues Martins Gonçalves Araújo "
        "Magalhães Brandão",
        "western",
    ),
    "german": (
        "Lukas Leonie Jürgen Jörg Günter Sören Anna Felix Hannah Maximilian Lena Björn "
        "Käthe Uwe Matthias Anja Sabine Klaus Ursula Dieter",
        "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer "
        "Köhler Groß Krüger Wolf Schröder Neumann Weiß Jäger Böhm",
        "western",
    ),
    "french": (
        "Zoë Chloé Léa Camille Hélène Amélie Élodie Noël Jérôme François Benoît Gaëlle "
        "Théo Louis Mathilde Inès Raphaël Cédric Anaïs Loïc",
        "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Lefèvre "
        "Fontaine Chevalier Girard Bonnet Lemaître Besançon Faure",
        "western",
    ),
    "polish": (
        "Łukasz Paweł Michał Wojciech Małgorzata Agnieszka Katarzyna Grzegorz Zofia "
        "Jędrzej Bartłomiej Żaneta Krzysztof Ewa Piotr Joanna",
        "Kowalski Nowak Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński "
        "Szymański Woźniak Dąbrowski Kozłowski Jankowska Mazur Krawczyk Łukaszewicz",
        "western",
    ),
    "nordic": (
        "Søren Åsa Björk Ólafur Sigríður Jón Guðrún Ingrid Lars Nils Astrid Henrik Mette",
        "Andersen Nielsen Hansen Johansson Lindqvist Jónsdóttir Sigurðsson Ødegaard "
        "Håkansson Bjørnstad Eriksson",
        "western",
    ),
    "turkish": (
        "Ayşe Mehmet Fatma Mustafa Emine Çağla Gökhan Şule İbrahim Özlem Barış Ömer",
        "Yılmaz Kaya Demir Şahin Çelik Yıldız Yıldırım Öztürk Aydın Özdemir Arslan Doğan",
        "western",
    ),
    "vietnamese": (
        "Nguyễn Anh Minh Thảo Hương Dũng Phương Tuấn Linh Quốc Hải",
        "Nguyễn Trần Lê Phạm Hoàng Phan Vũ Đặng Bùi Đỗ",
        "western",
    ),
    "african": (
        "Kofi Ama Chinedu Ngozi Oluwaseun Adaeze Kwame Abena Thandiwe Sipho Amara Tendai "
        "Babajide Nkechi",
        "Okafor Mensah Adeyemi Okonkwo Nwosu Boateng Dlamini Nkosi Abubakar Mwangi Otieno "
        "Diallo Traoré",
        "western",
    ),
    "arabic": (
        "Omar Fatima Ahmed Layla Youssef Nour Karim Yasmin Hassan Rania Khalid Amira",
        "Haddad Khalil Nasser Saleh Mansour Farouk Haddad Aziz El-Amin Al-Sayed Bakri",
        "western",
    ),
    "indian": (
        "Priya Rahul Ananya Arjun Aditi Vikram Sneha Rohan Kavya Aarav Ishaan Meera Sanjay",
        "Patel Sharma Singh Kumar Gupta Reddy Iyer Nair Menon Chatterjee Desai Joshi Rao",
        "western",
    ),
    "chinese_latin": (
        "Wei Jing Li Xiu Ying Hao Min Lei Yan Jun Chen Mei Zhen Xiaoling Zhiwei",
        "Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu",
        "western",
    ),
    "korean": (
        "민준|minjun 서연|seoyeon 지훈|jihoon 하은|haeun 도윤|doyun 지우|jiwoo 예준|yejun "
        "수아|sua 현우|hyunwoo 지민|jimin",
        "김|kim 이|lee 박|park 최|choi 정|jung 강|kang 조|cho 윤|yoon 장|jang 임|lim",
        "eastern",
    ),
    "korean_latin": (
        "Min-jun Seo-yeon Ji-hoon Ha-eun Do-yun Ji-woo Jae-won Hyun-woo Soo-ah",
        "Kim Lee Park Choi Jung Kang Cho Yoon Jang Lim",
        "western",
    ),
    "japanese": (
        "太郎|taro 花子|hanako 翔太|shota 陽菜|hina 健一|kenichi 美咲|misaki 大輔|daisuke "
        "さくら|sakura 蓮|ren 結衣|yui",
        "山田|yamada 佐藤|sato 鈴木|suzuki 高橋|takahashi 田中|tanaka 伊藤|ito 渡辺|watanabe "
        "中村|nakamura 小林|kobayashi 加藤|kato",
        "eastern",
    ),
    "japanese_latin": (
        "Haruto Yui Sota Aoi Kenji Yuki Akira Naoko Hiroshi Emi Takumi Rin",
        "Sato Suzuki Takahashi Tanaka Watanabe Ito Yamamoto Nakamura Kobayashi Kato",
        "western",
    ),
}
# How often each culture appears (names in a real address book are not uniform).
CULTURE_WEIGHTS = {
    "english": 30,
    "spanish": 10,
    "portuguese": 5,
    "german": 10,
    "french": 8,
    "polish": 5,
    "nordic": 3,
    "turkish": 3,
    "vietnamese": 2,
    "african": 4,
    "arabic": 4,
    "indian": 7,
    "chinese_latin": 4,
    "korean": 1,
    "korean_latin": 2,
    "japanese": 1,
    "japanese_latin": 2,
}

COMPANY_WORDS = _words(
    "Acme Globex Initech Umbrella Hooli Vandelay Stark Wayne Wonka Tyrell Cyberdyne Soylent "
    "Aperture Massive Dynamic Nakatomi Oscorp Gringotts Monarch Pied Piper Sterling Cooper "
    "Blue Sun Nordlicht Sonnenberg Fjord Atlas Zenith Meridian Polaris Cobalt Juniper Maple "
    "Harbor Summit Granite Silver Birch Orchard Beacon Lumen Vertex Quantum Helix Pioneer "
    "Horizon Keystone Riverside Northwind Contoso Fabrikam Tailspin Adventure Litware "
    "Proseware Wingtip Woodgrove Lucerne Margie Trey Coho Alpine Fourth Coffee Humongous "
    "Château Müller Straße Café Ñandú Øresund Kraków Łódź Señor Über"
)
COMPANY_SUFFIXES = (
    "Ltd",
    "Inc",
    "GmbH",
    "Labs",
    "Group",
    "S.A.",
    "SARL",
    "AB",
    "Sp. z o.o.",
    "KK",
    "LLC",
    "& Co",
    "Partners",
    "Systems",
    "Holdings",
    "",
)
TITLES = (
    "CEO",
    "CTO",
    "CFO",
    "COO",
    "Head of Sales",
    "Account Executive",
    "Buyer",
    "Procurement Manager",
    "VP Engineering",
    "Founder",
    "Product Manager",
    "Office Manager",
    "Consultant",
    "Marketing Director",
    "Operations Lead",
)
# tag -> share of contacts that have it (independent draws: skewed on purpose)
TAGS = {
    "newsletter": 0.30,
    "customer": 0.22,
    "lead": 0.18,
    "cold": 0.10,
    "conference-2026": 0.08,
    "partner": 0.05,
    "friend": 0.04,
    "vip": 0.03,
    "investor": 0.01,
    "press": 0.005,
}
TAG_CADENCES = {"vip": 30, "investor": 60}
STAGES = (("lead", 25), ("prospect", 15), ("customer", 25), ("partner", 5), ("former", 5))
SOURCES = ("referral", "website", "conference", "linkedin", "cold call", "webinar", "import")
CADENCES = (7, 14, 30, 30, 60, 90, 90, 180, 365)
KINDS = (("email", 35), ("call", 20), ("note", 20), ("meeting", 15), ("message", 10))
PHONE_FORMATS = (
    "+1 ({a}) {b}-{c}",
    "+44 20 {b} {c}",
    "+49 30 {b}{c}",
    "+33 1 {b2} {c2} {d2}",
    "+81 3-{b}-{c}",
    "+82 10-{b}-{c}",
    "030 {b}{c}",
    "({a}) {b}-{c}",
    "+1 {a} {b} {c} x{e}",
)
LABELS = ("work", "work", "home", "mobile", None, None, None)
EMAIL_DOMAINS = ("gmail.com", "outlook.com", "yahoo.com", "proton.me", "icloud.com", "gmx.de")

SALES_TALK = _words(
    "pricing proposal quote discount renewal contract budget decision timeline demo trial "
    "onboarding integration roadmap feature requirements stakeholder procurement legal "
    "security review signed invoice payment terms quarter forecast pipeline upsell "
    "expansion seats licence licenses enterprise team pilot feedback deadline meeting "
    "follow call email agenda slides deck presentation partnership referral introduction "
    "champion sponsor objection competitor alternative value benefits savings costs "
    "implementation support migration data export import reporting dashboard analytics "
    "workflow automation approval sign-off kickoff workshop training rollout launch "
    "next week month tomorrow friday monday discussed agreed asked wants needs prefers "
    "concerned excited happy interested waiting reviewing sending sent shared scheduled "
    "rescheduled confirmed cancelled postponed the a to and of for with about on in their "
    "our we they he she it is was will be need should could would maybe likely soon again"
)
FOLLOWUP_TITLES = (
    "Send proposal",
    "Send the revised quote",
    "Call back about pricing",
    "Follow up on the demo",
    "Check in after the trial",
    "Share the security review",
    "Schedule the kickoff",
    "Ask for the signed contract",
    "Chase the invoice",
    "Introduce to our CTO",
    "Prepare renewal options",
    "Send slides from the workshop",
    "Confirm the meeting agenda",
    "Ask about the budget decision",
    "Reply about the integration",
    "Thank for the referral",
)
RULES = ("FREQ=WEEKLY", "FREQ=WEEKLY;INTERVAL=2", "FREQ=MONTHLY", "FREQ=DAILY")

# Words that appear nowhere in the vocabulary, planted a known number of times so that
# `search` has a rare word with an exact answer. Each: (word, where, how many).
PLANTED = (
    ("xylophone", "note", 1),
    ("quokka", "interaction", 3),
    ("zeppelin", "followup", 1),
)


def _split(text: str) -> list[tuple[str, str]]:
    """'김|kim 이|lee' -> [('김', 'kim'), ...]; plain names are their own latin form."""
    result = []
    for item in text.split():
        native, _, latin = item.partition("|")
        result.append((native, latin or native))
    return result


def _ascii(text: str) -> str:
    """Lower-case ASCII for an email's local part: accents stripped, Ł/Ø/ß spelled out."""
    table = str.maketrans({"ł": "l", "ø": "o", "ß": "ss", "đ": "d", "ı": "i", "æ": "ae"})
    folded = validate.key(text.lower().translate(table))
    return "".join(ch for ch in folded if ch.isascii() and (ch.isalnum() or ch in ".-"))


class Generator:
    def __init__(self, seed: int, today: date) -> None:
        self.rng = random.Random(seed)
        self.today = today
        self.now = datetime.combine(today, datetime.min.time(), tzinfo=UTC) + timedelta(hours=8)
        self.cultures = {
            name: (_split(given), _split(family), order)
            for name, (given, family, order) in CULTURES.items()
        }
        self.culture_names = list(CULTURE_WEIGHTS)
        self.culture_weights = list(CULTURE_WEIGHTS.values())

    # -- helpers ------------------------------------------------------------------------

    def uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def stamp(self, moment: datetime) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    def moment_days_ago(self, low: float, high: float) -> datetime:
        return self.now - timedelta(days=self.rng.uniform(low, high))

    def body(self, low: int = 5, high: int = 60) -> str:
        words = self.rng.choices(SALES_TALK, k=self.rng.randint(low, high))
        words[0] = words[0].capitalize()
        return " ".join(words) + "."

    # -- tables -------------------------------------------------------------------------

    def companies(self, count: int) -> list[tuple]:
        rows, seen = [], set()
        while len(rows) < count:
            words = self.rng.sample(COMPANY_WORDS, self.rng.choice((1, 1, 2)))
            suffix = self.rng.choice(COMPANY_SUFFIXES)
            name = " ".join([*words, suffix]).strip()
            if len(rows) >= len(COMPANY_WORDS) * 4:  # past the obvious names: number them
                name = f"{name} {len(rows)}"
            key = validate.company_key(name)
            if key in seen:
                continue
            seen.add(key)
            created = self.moment_days_ago(400, 2_000)
            domain = _ascii("".join(words)).replace(".", "") + self.rng.choice(
                (".com", ".io", ".de", ".co.uk", ".fr", ".jp")
            )
            notes = self.body(5, 20) if self.rng.random() < 0.2 else None
            rows.append(
                (
                    len(rows) + 1,
                    self.uid(),
                    name,
                    key,
                    domain,
                    notes,
                    self.stamp(created),
                    self.stamp(created + timedelta(days=self.rng.uniform(0, 300))),
                )
            )
        return rows

    def person(self) -> tuple[str, str, str, str, str]:
        """(display name, given, family, latin given, latin family)."""
        culture = self.rng.choices(self.culture_names, self.culture_weights)[0]
        given_names, family_names, order = self.cultures[culture]
        given, given_latin = self.rng.choice(given_names)
        family, family_latin = self.rng.choice(family_names)
        if order == "eastern":
            sep = " " if culture == "japanese" and self.rng.random() < 0.5 else ""
            display = f"{family}{sep}{given}"
        elif self.rng.random() < 0.03:
            second = self.rng.choice([f for f, _ in family_names if f != family])
            display = f"{given} {family}-{second}"
            family = f"{family}-{second}"
        else:
            display = f"{given} {family}"
        return display, given, family, given_latin, family_latin

    def phone(self) -> str:
        r = self.rng
        return r.choice(PHONE_FORMATS).format(
            a=r.randint(201, 989),
            b=r.randint(100, 999),
            c=f"{r.randint(0, 9999):04d}",
            b2=f"{r.randint(10, 99)}",
            c2=f"{r.randint(10, 99)}",
            d2=f"{r.randint(10, 99)}",
            e=r.randint(1, 999),
        )


def build(args: argparse.Namespace) -> dict:
    sizes = {
        name: getattr(args, name) if getattr(args, name) is not None else round(n * args.scale)
        for name, n in DEFAULTS.items()
    }
    sizes["companies"] = max(sizes["companies"], 20)
    n_contacts = max(sizes["contacts"], 50)
    n_interactions = max(sizes["interactions"], 10)
    n_followups = max(sizes["followups"], 100)
    today = date.fromisoformat(args.today) if args.today else datetime.now(UTC).date()
    g = Generator(args.seed, today)
    rng = g.rng
    timings: dict[str, float] = {}
    started = time.perf_counter()

    # -- companies and contacts ---------------------------------------------------------
    companies = g.companies(sizes["companies"])
    domains = [row[4] for row in companies]
    contacts, emails, phones, tags, dates_rows, urls, addresses = [], [], [], [], [], [], []
    email_seen: dict[str, int] = defaultdict(int)
    stage_names = [s for s, _ in STAGES] + [None]
    stage_weights = [w for _, w in STAGES] + [25]
    for cid in range(1, n_contacts + 1):
        display, given, family, given_latin, family_latin = g.person()
        created = g.moment_days_ago(30, 1_800)
        updated = created + timedelta(days=rng.uniform(0, (g.now - created).days))
        company_id = rng.randint(1, len(companies)) if rng.random() < 0.8 else None
        birthday = None
        if rng.random() < 0.4:
            born = date(rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28))
            birthday = born.isoformat() if rng.random() < 0.8 else born.strftime("--%m-%d")
        custom = "{}"
        if rng.random() < 0.05:
            custom = json.dumps(
                {"linkedin": f"in/{_ascii(given_latin)}{cid}", "shirt": rng.choice("SML")},
                sort_keys=True,
            )
        contacts.append(
            (
                cid,
                g.uid(),
                display,
                validate.key(display),
                given,
                family,
                rng.choice(("Sam", "Jo", "Max", "Bea", "Kim")) if rng.random() < 0.03 else None,
                rng.choice(TITLES) if rng.random() < 0.6 else None,
                company_id,
                birthday,
                rng.choices(stage_names, stage_weights)[0],
                rng.choice(SOURCES) if rng.random() < 0.5 else None,
                rng.choice(CADENCES) if rng.random() < 0.2 else None,
                custom,
                1 if rng.random() < 0.02 else 0,
                g.stamp(created),
                g.stamp(updated),
                None,  # last_contacted_at: set from the interactions below
                g.body(5, 25) if rng.random() < 0.1 else None,
                "[]",
                None,
            )
        )
        # emails: most have one, some two, a few none
        local = f"{_ascii(given_latin)}.{_ascii(family_latin)}".strip(".") or f"c{cid}"
        n_emails = rng.choices((0, 1, 2), (8, 80, 12))[0]
        for position in range(n_emails):
            domain = (
                domains[company_id - 1]
                if company_id and position == 0
                else rng.choice(EMAIL_DOMAINS)
            )
            base = f"{local}@{domain}"
            email_seen[base] += 1
            if email_seen[base] > 1:
                base = f"{local}{email_seen[base]}@{domain}"
            value = base
            if rng.random() < 0.1:  # written with capitals, as people do
                value = base[0].upper() + base[1 : base.index("@")] + base[base.index("@") :]
            label = "work" if company_id and position == 0 else rng.choice(LABELS)
            emails.append((cid, label, value, validate.email_key(value), position))
        n_phones = rng.choices((0, 1, 2), (30, 60, 10))[0]
        for position in range(n_phones):
            value = g.phone()
            phones.append((cid, rng.choice(LABELS), value, validate.phone_key(value), position))
        tags.extend((cid, tag) for tag, share in TAGS.items() if rng.random() < share)
        if rng.random() < 0.03:
            dates_rows.append(
                (cid, "anniversary", f"{rng.randint(1990, 2022)}-{rng.randint(1, 12):02d}-15", 0)
            )
        if rng.random() < 0.05:
            urls.append((cid, None, f"https://example.org/{local}{cid}", 0))
        if rng.random() < 0.03:
            addresses.append((cid, "work", f"{rng.randint(1, 200)} Main Street\nSpringfield", 0))

    # -- follow-ups ---------------------------------------------------------------------
    # Shares of all follow-ups: open and overdue for a while; open and due in the last two
    # weeks or today (together what `due` lists: ~4,400 at full size); open in the next
    # two weeks; open later; cancelled; the rest done.
    followups: list[tuple] = []
    by_contact_done: dict[int, list[int]] = defaultdict(list)
    contact_ids = list(range(1, n_contacts + 1))
    # who gets follow-ups and interactions: a skewed, shuffled order of the contacts
    activity_order = contact_ids[:]
    rng.shuffle(activity_order)

    def active_contact() -> int:
        return activity_order[int(n_contacts * rng.random() ** 1.5)]

    def add_followup(
        status: str,
        due_day: date,
        contact_id: int | None,
        *,
        title: str | None = None,
        rule: str | None = None,
        series: tuple[str, str, int] | None = None,
    ) -> int:
        fid = len(followups) + 1
        created = datetime.combine(
            due_day - timedelta(days=rng.randint(0, 30)), datetime.min.time(), tzinfo=UTC
        ) + timedelta(hours=rng.uniform(7, 19))
        created = min(created, g.now - timedelta(minutes=5))
        due_time = f"{rng.randint(8, 18):02d}:{rng.choice(('00', '15', '30', '45'))}"
        due_time = due_time if rng.random() < 0.3 else None
        completed = cancelled = None
        updated = created
        if status == "done":
            done_at = datetime.combine(due_day, datetime.min.time(), tzinfo=UTC) + timedelta(
                hours=rng.uniform(8, 120)
            )
            completed = g.stamp(min(done_at, g.now - timedelta(minutes=1)))
            updated = min(done_at, g.now - timedelta(minutes=1))
        elif status == "cancelled":
            cancelled_at = min(created + timedelta(days=rng.uniform(0, 20)), g.now)
            cancelled = g.stamp(cancelled_at)
            updated = cancelled_at
        series_uid, series_start, occurrence = series or (
            g.uid(),
            f"{due_day.isoformat()}T{due_time or '00:00'}",
            1,
        )
        followups.append(
            (
                fid,
                g.uid(),
                contact_id,
                title or rng.choice(FOLLOWUP_TITLES),
                g.body(5, 30) if rng.random() < 0.25 else None,
                due_day.isoformat(),
                due_time,
                rng.choices(("normal", "high", "low"), (80, 10, 10))[0],
                status,
                (due_day - timedelta(days=rng.randint(1, 7))).isoformat()
                if status == "open" and rng.random() < 0.05
                else None,
                rule,
                "due",
                None,
                None,
                series_uid,
                series_start,
                occurrence,
                completed,
                cancelled,
                g.stamp(created),
                g.stamp(updated),
            )
        )
        if status == "done" and contact_id is not None:
            by_contact_done[contact_id].append(fid)
        return fid

    def contact_or_none() -> int | None:
        return active_contact() if rng.random() < 0.98 else None

    shares = {
        "old_overdue": 0.002,
        "due_recent": 0.0193,
        "next_two_weeks": 0.02,
        "later": 0.0855,
        "cancelled": 0.03,
    }
    counts = {name: round(n_followups * share) for name, share in shares.items()}
    n_series = max(1, round(n_followups * 0.0025))
    for _ in range(counts["old_overdue"]):
        add_followup("open", today - timedelta(days=rng.randint(15, 700)), contact_or_none())
    for _ in range(counts["due_recent"]):
        back = 0 if rng.random() < 0.12 else rng.randint(1, 14)
        add_followup("open", today - timedelta(days=back), contact_or_none())
    for _ in range(counts["next_two_weeks"]):
        add_followup("open", today + timedelta(days=rng.randint(1, 14)), contact_or_none())
    for _ in range(counts["later"]):
        add_followup("open", today + timedelta(days=rng.randint(15, 365)), contact_or_none())
    for _ in range(counts["cancelled"]):
        add_followup("cancelled", today - timedelta(days=rng.randint(1, 900)), contact_or_none())
    # recurring series: some done occurrences, then the open one (a few of them due)
    for _ in range(n_series):
        rule = rng.choice(RULES)
        step = {"FREQ=WEEKLY": 7, "FREQ=WEEKLY;INTERVAL=2": 14, "FREQ=MONTHLY": 30}.get(rule, 1)
        occurrences = rng.randint(1, 6)
        last_due = today + timedelta(days=rng.randint(-3, step * 2))
        first_due = last_due - timedelta(days=step * (occurrences - 1))
        series_uid = g.uid()
        contact_id = contact_or_none()
        title = rng.choice(("Weekly check-in", "Monthly report", "Send the newsletter"))
        for n in range(1, occurrences + 1):
            due_day = first_due + timedelta(days=step * (n - 1))
            add_followup(
                "open" if n == occurrences else "done",
                due_day,
                contact_id,
                title=title,
                rule=rule,
                series=(series_uid, f"{first_due.isoformat()}T00:00", n),
            )
    planted_followup = None
    while len(followups) < n_followups:
        done_day = today - timedelta(days=rng.randint(1, 1_000))
        add_followup("done", done_day, contact_or_none())
    # the planted follow-up word: one open follow-up, a week ahead
    word = next(w for w, where, _ in PLANTED if where == "followup")
    planted_followup = add_followup(
        "open",
        today + timedelta(days=7),
        activity_order[0],
        title=f"Bring the {word} brochure",
    )

    # -- interactions -------------------------------------------------------------------
    interactions: list[tuple] = []
    links: list[tuple[int, int]] = []
    last_contacted: dict[int, str] = {}
    last_interaction: dict[int, tuple[str, int]] = {}  # contact -> (occurred_at, id)
    kind_names = [k for k, _ in KINDS]
    kind_weights = [w for _, w in KINDS]
    planted_interactions: dict[str, list[int]] = {}
    plant_at: dict[int, str] = {}
    for word, where, times in PLANTED:
        if where == "followup":
            continue
        ids = rng.sample(range(1, n_interactions + 1), times)
        planted_interactions[word] = sorted(ids)
        for iid in ids:
            plant_at[iid] = word
    for iid in range(1, n_interactions + 1):
        occurred = g.moment_days_ago(0.1, 1_100) if rng.random() < 0.85 else None
        if occurred is None:  # recent activity is denser
            occurred = g.moment_days_ago(0.1, 60)
        kind = rng.choices(kind_names, kind_weights)[0]
        body = g.body()
        if iid in plant_at:
            word = plant_at[iid]
            if word == "xylophone":
                kind = "note"
            parts = body.split(" ")
            parts.insert(rng.randint(1, len(parts)), word)
            body = " ".join(parts)
        n_people = rng.choices((1, 2, 3), (80, 15, 5))[0]
        people = list(dict.fromkeys(active_contact() for _ in range(n_people)))
        followup_id = None
        if rng.random() < 0.03 and by_contact_done.get(people[0]):
            followup_id = rng.choice(by_contact_done[people[0]])
        stamp = g.stamp(occurred)
        logged = g.stamp(occurred + timedelta(minutes=rng.randint(0, 600)))
        logged = min(logged, g.stamp(g.now))
        interactions.append((iid, g.uid(), kind, body, stamp, followup_id, logged, logged))
        for cid in people:
            links.append((iid, cid))
            if stamp > last_contacted.get(cid, ""):
                last_contacted[cid] = stamp
            if (stamp, iid) > last_interaction.get(cid, ("", 0)):
                last_interaction[cid] = (stamp, iid)

    # the contact `show` is timed on: a busy one (about the 50th most active), with open
    # follow-ups
    show_id = activity_order[min(50, n_contacts - 1)]
    for back in (2, 0, -3):
        add_followup("open", today - timedelta(days=back), show_id)
    contacts = [
        (
            *row[:17],
            last_contacted.get(row[0]),
            *row[18:],
            last_interaction.get(row[0], ("", None))[1],
        )
        for row in contacts
    ]
    timings["build rows"] = time.perf_counter() - started

    # -- write --------------------------------------------------------------------------
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", ".json"):
        Path(f"{out}{suffix}").unlink(missing_ok=True)
    step = time.perf_counter()
    store = minicrm.open_store(out)
    conn = store.conn
    conn.execute("PRAGMA cache_size = -262144")  # 256 MiB for the load
    timings["create schema"] = time.perf_counter() - step
    stamp = g.stamp(g.now)
    step = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    try:
        inserts = (
            (
                "companies",
                "id, uid, name, name_key, domain, notes, created_at, updated_at",
                companies,
            ),
            (
                "contacts",
                "id, uid, display_name, name_key, given_name, family_name, nickname, title, "
                "company_id, birthday, stage, source, cadence_days, custom, archived, "
                "created_at, updated_at, last_contacted_at, notes, vcard_extra, photo, "
                "last_interaction_id",
                contacts,
            ),
            ("contact_emails", "contact_id, label, value, value_key, position", emails),
            ("contact_phones", "contact_id, label, value, value_key, position", phones),
            ("contact_tags", "contact_id, tag", tags),
            ("contact_dates", "contact_id, label, value, position", dates_rows),
            ("contact_urls", "contact_id, label, value, position", urls),
            ("contact_addresses", "contact_id, label, value, position", addresses),
            (
                "tag_cadences",
                "tag, days, created_at, updated_at",
                [(tag, days, stamp, stamp) for tag, days in TAG_CADENCES.items()],
            ),
            (
                "followups",
                "id, uid, contact_id, title, notes, due_date, due_time, priority, status, "
                "snoozed_from, rrule, recur_from, recur_until, recur_count, series_uid, "
                "series_start, occurrence, completed_at, cancelled_at, created_at, updated_at",
                followups,
            ),
            (
                "interactions",
                "id, uid, kind, body, occurred_at, followup_id, created_at, updated_at",
                interactions,
            ),
            ("interaction_contacts", "interaction_id, contact_id", links),
        )
        for table, columns, rows in inserts:
            marks = ", ".join("?" for _ in columns.split(","))
            conn.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
        timings["insert rows"] = time.perf_counter() - step
        step = time.perf_counter()
        searchindex.rebuild(store.conn)
        timings["full-text index"] = time.perf_counter() - step
        problems = conn.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise SystemExit(f"broken references: {problems[:5]}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    step = time.perf_counter()
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    timings["analyze"] = time.perf_counter() - step
    due_count = conn.execute(
        "SELECT count(*) FROM followups WHERE status = 'open' AND due_date <= ?",
        [today.isoformat()],
    ).fetchone()[0]
    table_counts = {
        table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table, _, _ in inserts
    }
    show_email = conn.execute(
        "SELECT value FROM contact_emails WHERE contact_id = ? ORDER BY position LIMIT 1",
        [show_id],
    ).fetchone()
    show_row = conn.execute(
        "SELECT display_name, "
        "(SELECT count(*) FROM interaction_contacts WHERE contact_id = c.id), "
        "(SELECT count(*) FROM followups WHERE contact_id = c.id AND status = 'open') "
        "FROM contacts c WHERE id = ?",
        [show_id],
    ).fetchone()
    store.close()
    timings["total"] = time.perf_counter() - started
    manifest = {
        "database": str(out),
        "seed": args.seed,
        "scale": args.scale,
        "today": today.isoformat(),
        "generated_at": g.stamp(datetime.now(UTC)),
        "minicrm": minicrm.__version__,
        "counts": table_counts,
        "due": due_count,
        "planted": {word: {"where": where, "times": times} for word, where, times in PLANTED},
        "planted_ids": {**planted_interactions, "zeppelin": [planted_followup]},
        "common_word": "pricing",
        "show": {
            "contact_id": show_id,
            "ref": show_email[0] if show_email else f"#{show_id}",
            "name": show_row[0],
            "interactions": show_row[1],
            "open_followups": show_row[2],
        },
        "vip": sum(1 for _, tag in tags if tag == "vip"),
        "size_bytes": out.stat().st_size,
        "seconds": {k: round(v, 2) for k, v in timings.items()},
    }
    Path(f"{out}.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return manifest


def report(m: dict) -> None:
    print(f"{m['database']}: {m['size_bytes'] / 1e6:.0f} MB, seed {m['seed']}, today {m['today']}")
    for table, count in m["counts"].items():
        print(f"  {table:<22}{count:>10,}")
    print(f"  open follow-ups due (overdue or today): {m['due']:,}; vip contacts: {m['vip']:,}")
    show = m["show"]
    print(
        f"  show: {show['ref']} ({show['name']}, #{show['contact_id']}), "
        f"{show['interactions']} interactions, {show['open_followups']} open follow-ups"
    )
    for word, where in m["planted"].items():
        ids = m["planted_ids"][word]
        print(
            f"  planted word {word!r}: {where['times']} {where['where']}(s) "
            f"(id {', '.join(map(str, ids))})"
        )
    print(f"  common word: {m['common_word']!r}")
    print("  time: " + ", ".join(f"{k} {v:.1f} s" for k, v in m["seconds"].items()))
    print(f"  manifest: {m['database']}.json")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="bench/data/bench.db", help="database file to write")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the default sizes")
    parser.add_argument("--contacts", type=int, help=f"default {DEFAULTS['contacts']:,}")
    parser.add_argument("--interactions", type=int, help=f"default {DEFAULTS['interactions']:,}")
    parser.add_argument("--followups", type=int, help=f"default {DEFAULTS['followups']:,}")
    parser.add_argument("--companies", type=int, help=f"default {DEFAULTS['companies']:,}")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--today", help="the day the data is built around (default: today, UTC)")
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be positive")
    report(build(args))


if __name__ == "__main__":
    sys.exit(main())
