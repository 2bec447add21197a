"""`provider-orders seed-bench`: a deterministic synthetic portal for benchmarks.

"Bench Portal": 2,000 partners, 300 providers with three services each, and N orders in every
status with, on average, 5 comments, 2 quotes (each with a line item) and 3 leads; invitations,
status history and MDF ledger entries agree with each order's status, and the denormalised
`comment_count` / `lead_count` match the rows. The same N and seed give the same data.

Rows go in with Core `insert()` executemany in large batches and explicit ids (no RETURNING
round trips); the search index is filled by its triggers as the orders go in. Users:
`supplier@bench.example`, `partner<i>@bench.example`, `provider<i>@bench.example`.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db import Database
from models import (
    ActivityType,
    Comment,
    Lead,
    LeadStatus,
    LedgerEntryKind,
    MdfFund,
    MdfLedgerEntry,
    Order,
    OrderInvitation,
    OrderOrigin,
    OrderStatus,
    Organization,
    OrganizationKind,
    PaymentMethod,
    Portal,
    PricingModel,
    Quote,
    QuoteLineItem,
    QuoteStatus,
    Service,
    StatusChange,
    User,
    UserRole,
)

PORTAL_NAME = "Bench Portal"
PARTNERS = 2000
PROVIDERS = 300
SERVICES_PER_PROVIDER = 3
CHUNK = 5000  # orders generated (with their children) per batch of inserts
START = datetime(2024, 1, 1, tzinfo=UTC)
SPAN_SECONDS = 2 * 365 * 86400

ACTIVITY_TYPES = ["SEO", "Social Media", "Email", "Events", "Content", "Paid Search", "Video", "Webinars"]
ADJECTIVES = [
    "Spring",
    "Summer",
    "Autumn",
    "Winter",
    "Global",
    "Regional",
    "Partner",
    "Premium",
    "Rapid",
    "Strategic",
    "Digital",
    "Local",
    "Annual",
    "Quarterly",
    "Launch",
    "Holiday",
    "Growth",
    "Brand",
]
TOPICS = [
    "campaign",
    "refresh",
    "webinar series",
    "newsletter",
    "landing page",
    "trade show",
    "retargeting",
    "SEO audit",
    "content plan",
    "video ads",
    "social push",
    "email nurture",
    "product launch",
    "lead generation",
    "analytics setup",
    "website optimisation",
    "roadshow",
    "case study",
]
WORDS = [
    "optimise",
    "audience",
    "conversion",
    "pipeline",
    "awareness",
    "keywords",
    "budget",
    "creative",
    "funnel",
    "reach",
    "engagement",
    "partners",
    "region",
    "quarter",
    "metrics",
    "outreach",
    "launch",
    "brand",
    "leads",
    "traffic",
    "ranking",
    "content",
    "channel",
    "event",
    "promotion",
    "segment",
]
AGENCY_WORDS = [
    "Blue",
    "North",
    "Bright",
    "Summit",
    "Pixel",
    "Harbor",
    "Vector",
    "Cedar",
    "Nova",
    "Atlas",
    "Maple",
    "Orbit",
    "Signal",
    "Peak",
    "River",
    "Stone",
    "Lumen",
    "Echo",
    "Falcon",
    "Willow",
]
AGENCY_KINDS = ["Marketing", "Digital", "Media", "Partners", "Labs", "Agency", "Studio", "Growth"]

# Status mix of a mature portal; (status, weight).
STATUS_WEIGHTS = [
    (OrderStatus.PENDING_QUOTES, 6),
    (OrderStatus.PENDING_APPROVAL, 5),
    (OrderStatus.APPROVED, 5),
    (OrderStatus.DENIED, 4),
    (OrderStatus.NOT_STARTED, 6),
    (OrderStatus.IN_PROGRESS, 14),
    (OrderStatus.WAITING_FOR_PARTNER, 5),
    (OrderStatus.SCHEDULED, 5),
    (OrderStatus.EXECUTING, 5),
    (OrderStatus.COMPLETED, 25),
    (OrderStatus.CANCELLED, 6),
    (OrderStatus.ARCHIVED, 14),
]
BEFORE_APPROVAL = {OrderStatus.PENDING_QUOTES, OrderStatus.PENDING_APPROVAL}


def _batches(rows: list, size: int = 20000) -> Iterator[list]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


async def _insert(conn: AsyncConnection, model: Any, rows: list[dict]) -> None:
    """executemany of one INSERT, values converted by the columns' own bind processors.

    The same as Core `insert(table)` with a list of dicts, minus SQLAlchemy's per-row
    parameter assembly (a third of the seeding time at 200,000 orders).
    """
    if not rows:
        return
    dialect = conn.dialect
    quote = dialect.identifier_preparer.quote
    columns = [c for c in model.__table__.columns if c.key in rows[0]]
    processors = [c.type.bind_processor(dialect) for c in columns]
    marks = ", ".join("?" if dialect.paramstyle == "qmark" else f"${i + 1}" for i in range(len(columns)))
    sql = f"INSERT INTO {quote(model.__tablename__)} ({', '.join(quote(c.name) for c in columns)}) VALUES ({marks})"
    keyed = list(zip([c.key for c in columns], processors, strict=True))
    values = [tuple(p(row[k]) if p else row[k] for k, p in keyed) for row in rows]
    for batch in _batches(values):
        await conn.exec_driver_sql(sql, batch)


async def _next_id(conn: AsyncConnection, model: Any) -> int:
    return int(await conn.scalar(select(func.coalesce(func.max(model.id), 0)))) + 1


class Ids:
    """Explicit primary keys, so children can name parents without RETURNING."""

    def __init__(self, start: dict[Any, int]):
        self.next = dict(start)

    def take(self, model: Any) -> int:
        value = self.next[model]
        self.next[model] = value + 1
        return value


def _bulk_load_pragmas(sync_conn: Any, done: bool = False) -> None:
    """SQLite, this connection only: a large page cache (the indexes of a big table no longer
    fit the default 2 MB) and no fsync while loading; back to the app's settings after."""
    cursor = sync_conn.connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL" if done else "PRAGMA synchronous=OFF")
    cursor.execute("PRAGMA cache_size=-2000" if done else "PRAGMA cache_size=-262144")
    cursor.close()


def _sentences(rng: random.Random, count: int = 4000) -> list[str]:
    """A pool of sentences of 5 to 24 words to draw texts from (cheaper than a word at a time)."""
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randrange(5, 25))).capitalize() + "." for _ in range(count)]


async def seed_bench(db: Database, orders: int, seed: int = 42, log: Any = print) -> dict[str, int]:
    """Build the bench portal in a migrated database; returns the row counts."""
    rng = random.Random(seed)
    texts = _sentences(rng)
    started = time.perf_counter()
    counts: dict[str, int] = {}
    async with db.engine.begin() as conn:
        if await conn.scalar(select(func.count()).select_from(Portal).where(Portal.name == PORTAL_NAME)):
            raise SystemExit(f"{PORTAL_NAME!r} already exists in this database; use a fresh one")
        models = [
            Portal,
            ActivityType,
            Organization,
            User,
            Service,
            MdfFund,
            MdfLedgerEntry,
            Order,
            OrderInvitation,
            Quote,
            QuoteLineItem,
            Comment,
            Lead,
            StatusChange,
        ]
        ids = Ids({m: await _next_id(conn, m) for m in models})
        portal_id = ids.take(Portal)
        await _insert(
            conn,
            Portal,
            [
                dict(
                    id=portal_id,
                    name=PORTAL_NAME,
                    currency="USD",
                    marketplace_enabled=True,
                    provider_locator_enabled=True,
                    mdf_enabled=True,
                    created_at=START,
                )
            ],
        )
        type_ids = [ids.take(ActivityType) for _ in ACTIVITY_TYPES]
        await _insert(
            conn,
            ActivityType,
            [dict(id=i, portal_id=portal_id, name=n) for i, n in zip(type_ids, ACTIVITY_TYPES, strict=True)],
        )

        org_rows, user_rows = [], []

        def organization(kind: OrganizationKind, name: str, email: str) -> tuple[int, int]:
            org_id, user_id = ids.take(Organization), ids.take(User)
            org_rows.append(
                dict(
                    id=org_id,
                    portal_id=portal_id,
                    kind=kind,
                    name=name,
                    description=None,
                    website=None,
                    created_at=START,
                )
            )
            user_rows.append(
                dict(
                    id=user_id,
                    organization_id=org_id,
                    email=email,
                    name=f"{name} user",
                    role=UserRole.ADMIN,  # each organisation's one user administers it
                    is_active=True,
                    created_at=START,
                )
            )
            return org_id, user_id

        _supplier_org, supplier_user = organization(OrganizationKind.SUPPLIER, "Bench Brand", "supplier@bench.example")
        partners = [
            organization(
                OrganizationKind.PARTNER, f"Reseller {i:04d} {rng.choice(AGENCY_WORDS)}", f"partner{i}@bench.example"
            )
            for i in range(PARTNERS)
        ]
        providers = [
            organization(
                OrganizationKind.PROVIDER,
                f"{rng.choice(AGENCY_WORDS)} {rng.choice(AGENCY_WORDS)} {rng.choice(AGENCY_KINDS)} {i}",
                f"provider{i}@bench.example",
            )
            for i in range(PROVIDERS)
        ]
        await _insert(conn, Organization, org_rows)
        await _insert(conn, User, user_rows)

        services = []  # (id, provider org, provider user, type id, pricing, price)
        service_rows = []
        for provider_org, provider_user in providers:
            for _ in range(SERVICES_PER_PROVIDER):
                service_id = ids.take(Service)
                pricing = PricingModel.QUOTE if rng.random() < 0.5 else PricingModel.FIXED_PRICE
                price = Decimal(rng.randrange(500, 20000, 50)) if pricing is PricingModel.FIXED_PRICE else None
                type_index = rng.randrange(len(ACTIVITY_TYPES))
                name = f"{ACTIVITY_TYPES[type_index]} {rng.choice(TOPICS).title()} {service_id}"
                services.append((service_id, provider_org, provider_user, type_ids[type_index], pricing, price))
                service_rows.append(
                    dict(
                        id=service_id,
                        portal_id=portal_id,
                        provider_id=provider_org,
                        activity_type_id=type_ids[type_index],
                        name=name,
                        description=rng.choice(texts),
                        pricing_model=pricing,
                        price=price,
                        currency="USD",
                        created_at=START,
                    )
                )
        await _insert(conn, Service, service_rows)

        funds, fund_rows, ledger_rows = {}, [], []
        for partner_org, _partner_user in partners:
            fund_id = ids.take(MdfFund)
            funds[partner_org] = fund_id
            fund_rows.append(
                dict(
                    id=fund_id,
                    portal_id=portal_id,
                    partner_id=partner_org,
                    name="Bench MDF",
                    currency="USD",
                    valid_from=date(2024, 1, 1),
                    valid_to=date(2027, 12, 31),
                    version=1,
                    created_at=START,
                )
            )
            ledger_rows.append(
                dict(
                    id=ids.take(MdfLedgerEntry),
                    fund_id=fund_id,
                    order_id=None,
                    kind=LedgerEntryKind.ALLOCATE,
                    amount=Decimal("5000000.00"),
                    actor_id=supplier_user,
                    memo="bench allocation",
                    created_at=START,
                )
            )
        await _insert(conn, MdfFund, fund_rows)
        await _insert(conn, MdfLedgerEntry, ledger_rows)
    log(
        f"portal, {PARTNERS} partners, {PROVIDERS} providers, {len(services)} services: "
        f"{time.perf_counter() - started:.1f}s"
    )

    statuses = [s for s, _ in STATUS_WEIGHTS]
    weights = [w for _, w in STATUS_WEIGHTS]
    made = 0

    def generate(size: int) -> dict[Any, list[dict]]:
        rows: dict[Any, list[dict]] = {
            m: [] for m in (Order, OrderInvitation, Quote, QuoteLineItem, Comment, Lead, StatusChange, MdfLedgerEntry)
        }
        for _ in range(size):
            _order(
                rng,
                texts,
                ids,
                rows,
                portal_id,
                partners,
                providers,
                services,
                funds,
                supplier_user,
                rng.choices(statuses, weights)[0],
            )
        return rows

    # The next chunk is generated in a thread while the database stores the current one.
    pending = asyncio.create_task(asyncio.to_thread(generate, min(CHUNK, orders)))
    async with db.engine.connect() as conn:
        if db.is_sqlite:
            await conn.run_sync(_bulk_load_pragmas)
        while made < orders:
            rows = await pending
            size = len(rows[Order])
            if made + size < orders:
                pending = asyncio.create_task(asyncio.to_thread(generate, min(CHUNK, orders - made - size)))
            async with conn.begin():
                for model, model_rows in rows.items():
                    await _insert(conn, model, model_rows)
                    counts[model.__tablename__] = counts.get(model.__tablename__, 0) + len(model_rows)
            made += size
            log(f"{made} orders: {time.perf_counter() - started:.1f}s")
        if db.is_sqlite:
            await conn.run_sync(_bulk_load_pragmas, done=True)

    async with db.engine.begin() as conn:
        if not db.is_sqlite:
            for model in (
                Portal,
                ActivityType,
                Organization,
                User,
                Service,
                MdfFund,
                MdfLedgerEntry,
                Order,
                OrderInvitation,
                Quote,
                QuoteLineItem,
                Comment,
                Lead,
                StatusChange,
            ):
                table = model.__tablename__
                await conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
                )
    # Planner statistics, so the database picks the (scope, sort, id) indexes.
    async with db.engine.connect() as conn:
        if db.is_sqlite:
            await conn.exec_driver_sql("ANALYZE")
        else:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.exec_driver_sql("ANALYZE")
        await conn.commit()
    log(f"done: {orders} orders in {time.perf_counter() - started:.1f}s; {counts}")
    return counts


def _order(rng, texts, ids, rows, portal_id, partners, providers, services, funds, supplier_user, status) -> None:
    """One order and what its history left behind, appended to `rows`."""
    order_id = ids.take(Order)
    partner_org, partner_user = rng.choice(partners)
    service_id, service_provider, service_provider_user, type_id, pricing, price = rng.choice(services)
    submitted = START + timedelta(seconds=rng.randrange(SPAN_SECONDS))
    approved = status not in BEFORE_APPROVAL and not (
        status in (OrderStatus.DENIED, OrderStatus.CANCELLED) and rng.random() < 0.5
    )
    if status is OrderStatus.PENDING_QUOTES and pricing is PricingModel.FIXED_PRICE:
        status = OrderStatus.PENDING_APPROVAL
    if status is OrderStatus.PENDING_APPROVAL and pricing is PricingModel.QUOTE and rng.random() < 0.5:
        status = OrderStatus.PENDING_QUOTES
    activity_span = rng.randrange(3600, 120 * 86400)
    last_activity = submitted + timedelta(seconds=activity_span)
    completion = (submitted + timedelta(days=rng.randrange(14, 150))).date() if approved else None
    mdf = rng.random() < 0.35
    provider_org, provider_user = service_provider, service_provider_user
    rate, accepted_quote = price, None

    # Quotes: invited providers quote; once approved the chosen one is ACCEPTED.
    if pricing is PricingModel.QUOTE:
        invited = [(service_provider, service_provider_user)]
        invited += rng.sample(providers, rng.randrange(1, 6))  # ~4 quotes for half of the orders: ~2 overall
        invited = list({p[0]: p for p in invited}.values())
        accepted_index = rng.randrange(len(invited)) if approved else None
        for index, (quoting_org, quoting_user) in enumerate(invited):
            rows[OrderInvitation].append(
                dict(
                    id=ids.take(OrderInvitation),
                    order_id=order_id,
                    provider_id=quoting_org,
                    invited_at=submitted,
                    declined_at=None,
                    decline_reason=None,
                    # What this provider may see move: its own quote below, if it quotes.
                    last_activity_at=submitted,
                    version=1,
                    comment_count=0,
                )
            )
            invitation = rows[OrderInvitation][-1]
            if status is OrderStatus.PENDING_QUOTES and rng.random() < 0.3:
                continue  # not quoted yet
            quote_id = ids.take(Quote)
            total = Decimal(rng.randrange(800, 30000, 25))
            if accepted_index is None:
                quote_status = QuoteStatus.SUBMITTED if status is OrderStatus.PENDING_QUOTES else QuoteStatus.REJECTED
            else:
                quote_status = QuoteStatus.ACCEPTED if index == accepted_index else QuoteStatus.REJECTED
            if index == accepted_index:
                provider_org, provider_user, rate, accepted_quote = quoting_org, quoting_user, total, quote_id
            quoted_at = submitted + timedelta(seconds=rng.randrange(60, max(61, activity_span // 2)))
            invitation.update(last_activity_at=quoted_at, version=2)
            rows[Quote].append(
                dict(
                    id=quote_id,
                    order_id=order_id,
                    provider_id=quoting_org,
                    submitted_by_id=quoting_user,
                    status=quote_status,
                    revision=1,
                    plan=rng.choice(texts),
                    total=total,
                    currency="USD",
                    expires_at=None,
                    estimated_completion_on=(quoted_at + timedelta(days=45)).date(),
                    terms=None,
                    submitted_at=quoted_at,
                )
            )
            rows[QuoteLineItem].append(
                dict(
                    id=ids.take(QuoteLineItem),
                    quote_id=quote_id,
                    position=0,
                    description="Agency work",
                    quantity=1,
                    unit_price=total,
                    amount=total,
                )
            )
        if not approved:
            provider_org, provider_user, rate = None, None, None

    comments = rng.randrange(0, 11)  # ~5
    leads = rng.randrange(0, 8) if approved else 0  # ~3.5 of ~85% approved: ~3
    for n in range(comments):
        author = rng.choice([partner_user, provider_user or partner_user, supplier_user])
        rows[Comment].append(
            dict(
                id=ids.take(Comment),
                order_id=order_id,
                author_id=author,
                body=rng.choice(texts),
                created_at=submitted + timedelta(seconds=activity_span * (n + 1) // (comments + 1)),
            )
        )
    for n in range(leads):
        at = submitted + timedelta(seconds=activity_span * (n + 1) // (leads + 1))
        rows[Lead].append(
            dict(
                id=ids.take(Lead),
                order_id=order_id,
                created_by_id=provider_user,
                name=f"Lead {order_id}-{n}",
                email=f"lead{order_id}.{n}@example.com",
                company=f"Company {rng.randrange(10000)}",
                phone=None,
                status=rng.choice(list(LeadStatus)),
                created_at=at,
                updated_at=at,
            )
        )
    first = OrderStatus.PENDING_QUOTES if pricing is PricingModel.QUOTE else OrderStatus.PENDING_APPROVAL
    rows[StatusChange].append(
        dict(
            id=ids.take(StatusChange),
            order_id=order_id,
            from_status=None,
            to_status=first,
            action="SUBMIT_ORDER",
            actor_id=partner_user,
            reason=None,
            at=submitted,
        )
    )
    if status is not first:
        rows[StatusChange].append(
            dict(
                id=ids.take(StatusChange),
                order_id=order_id,
                from_status=first,
                to_status=status,
                action="BENCH",
                actor_id=provider_user or supplier_user,
                reason=None,
                at=last_activity,
            )
        )
    if mdf and approved and rate is not None:
        fund_id = funds[partner_org]
        rows[MdfLedgerEntry].append(
            dict(
                id=ids.take(MdfLedgerEntry),
                fund_id=fund_id,
                order_id=order_id,
                kind=LedgerEntryKind.RESERVE,
                amount=rate,
                actor_id=supplier_user,
                memo=None,
                created_at=submitted,
            )
        )
        closing = {
            OrderStatus.COMPLETED: LedgerEntryKind.SPEND,
            OrderStatus.ARCHIVED: LedgerEntryKind.SPEND,
            OrderStatus.DENIED: LedgerEntryKind.RELEASE,
            OrderStatus.CANCELLED: LedgerEntryKind.RELEASE,
        }
        if status in closing:
            rows[MdfLedgerEntry].append(
                dict(
                    id=ids.take(MdfLedgerEntry),
                    fund_id=fund_id,
                    order_id=order_id,
                    kind=closing[status],
                    amount=rate,
                    actor_id=supplier_user,
                    memo=None,
                    created_at=last_activity,
                )
            )
    adjective, topic = rng.choice(ADJECTIVES), rng.choice(TOPICS)
    rows[Order].append(
        dict(
            id=order_id,
            portal_id=portal_id,
            partner_id=partner_org,
            service_id=service_id,
            activity_type_id=type_id,
            provider_id=provider_org,
            created_by_id=partner_user,
            campaign_activity_id=None,
            accepted_quote_id=accepted_quote,
            mdf_fund_id=funds[partner_org] if mdf else None,
            name=f"{adjective} {topic} {order_id}",
            description=rng.choice(texts),
            status=status,
            origin=rng.choice([OrderOrigin.MARKETPLACE, OrderOrigin.PROVIDER_LOCATOR]),
            payment_method=PaymentMethod.MDF if mdf else PaymentMethod.PARTNER_FUNDED,
            rate=rate,
            currency="USD",
            submitted_at=submitted,
            last_activity_at=last_activity,
            approved_at=submitted if approved else None,
            estimated_completion_on=completion,
            scheduled_for=last_activity if status in (OrderStatus.SCHEDULED, OrderStatus.EXECUTING) else None,
            completed_at=last_activity if status in (OrderStatus.COMPLETED, OrderStatus.ARCHIVED) else None,
            comment_count=comments,
            lead_count=leads,
            version=1,
        )
    )
