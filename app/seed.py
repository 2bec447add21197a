"""Demo data (../shared/API.md), seeded into an empty database."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.settings import Settings
from domain import comments, leads, quotes, workflow
from domain.ordering import ContactData, NewOrder, submit_order
from domain.transitions import OrderAction as A
from domain.unit_of_work import UnitOfWork
from domain.viewer import Viewer
from models import (
    ActivityType,
    Campaign,
    CampaignActivity,
    LedgerEntryKind,
    MdfFund,
    MdfLedgerEntry,
    OrderOrigin,
    Organization,
    OrganizationKind,
    PaymentMethod,
    Portal,
    PricingModel,
    ProviderOffice,
    Service,
    User,
    UserRole,
)
from models.base import utcnow

ACTIVITY_TYPES = ["SEO", "Social Media", "Email", "Events", "Content", "Paid Search"]


async def is_empty(session: AsyncSession) -> bool:
    return (await session.scalar(select(func.count()).select_from(Portal))) == 0


def _org(session: AsyncSession, portal: Portal, kind: OrganizationKind, name: str, **kw) -> Organization:
    org = Organization(portal_id=portal.id, kind=kind, name=name, **kw)
    session.add(org)
    return org


async def seed_demo(session: AsyncSession) -> None:
    """Create the demo portals. Call inside a transaction on an empty database."""
    demo = Portal(name="Demo Portal", currency="USD", marketplace_enabled=True, provider_locator_enabled=True)
    other = Portal(name="Other Portal", currency="EUR", marketplace_enabled=True, provider_locator_enabled=True)
    session.add_all([demo, other])
    await session.flush()

    types = {name: ActivityType(portal_id=demo.id, name=name) for name in ACTIVITY_TYPES}
    other_seo = ActivityType(portal_id=other.id, name="SEO")
    session.add_all([*types.values(), other_seo])

    supplier = _org(session, demo, OrganizationKind.SUPPLIER, "Demo Brand")
    acme = _org(session, demo, OrganizationKind.PARTNER, "Acme Resellers")
    beta = _org(session, demo, OrganizationKind.PARTNER, "Beta Solutions")
    taylor = _org(
        session,
        demo,
        OrganizationKind.PROVIDER,
        "Taylor Marketing",
        description="Full-service marketing agency: SEO, social media and content.",
        website="https://taylor-marketing.example",
    )
    northwind = _org(
        session,
        demo,
        OrganizationKind.PROVIDER,
        "Northwind Digital",
        description="Search specialists: audits, technical SEO and paid search.",
        website="https://northwind-digital.example",
    )
    other_supplier = _org(session, other, OrganizationKind.SUPPLIER, "Other Brand")
    other_partner = _org(session, other, OrganizationKind.PARTNER, "Outside Partners")
    other_provider = _org(session, other, OrganizationKind.PROVIDER, "Elsewhere Agency")
    await session.flush()

    session.add_all(
        [
            User(organization_id=supplier.id, email="supplier@demo.example", name="Sam Supplier", role=UserRole.ADMIN),
            User(organization_id=acme.id, email="partner@demo.example", name="Pat Partner", role=UserRole.ADMIN),
            User(organization_id=beta.id, email="partner2@demo.example", name="Bea Partner", role=UserRole.ADMIN),
            User(organization_id=taylor.id, email="provider@demo.example", name="Taylor Provider", role=UserRole.ADMIN),
            User(
                organization_id=northwind.id, email="provider2@demo.example", name="Nora Provider", role=UserRole.ADMIN
            ),
            User(
                organization_id=other_partner.id,
                email="outsider@other.example",
                name="Oscar Outsider",
                role=UserRole.ADMIN,
            ),
            User(
                organization_id=other_supplier.id,
                email="supplier@other.example",
                name="Olga Supplier",
                role=UserRole.ADMIN,
            ),
            User(
                organization_id=other_provider.id,
                email="provider@other.example",
                name="Otto Provider",
                role=UserRole.ADMIN,
            ),
            ProviderOffice(
                provider_id=taylor.id,
                name="Seattle",
                city="Seattle",
                country="US",
                latitude=47.6062,
                longitude=-122.3321,
            ),
            ProviderOffice(
                provider_id=taylor.id,
                name="Portland",
                city="Portland",
                country="US",
                latitude=45.5152,
                longitude=-122.6784,
            ),
            ProviderOffice(
                provider_id=northwind.id,
                name="Chicago",
                city="Chicago",
                country="US",
                latitude=41.8781,
                longitude=-87.6298,
            ),
            ProviderOffice(
                provider_id=other_provider.id,
                name="Berlin",
                city="Berlin",
                country="DE",
                latitude=52.52,
                longitude=13.405,
            ),
        ]
    )
    await session.flush()

    seo_consultation = Service(
        portal_id=demo.id,
        provider_id=taylor.id,
        activity_type_id=types["SEO"].id,
        name="SEO Consultation",
        description="A consultation and plan to lift your organic search ranking.",
        pricing_model=PricingModel.QUOTE,
        currency="USD",
    )
    social = Service(
        portal_id=demo.id,
        provider_id=taylor.id,
        activity_type_id=types["Social Media"].id,
        name="Social Media Starter Pack",
        description="Profiles set up, a month of posts and a report.",
        pricing_model=PricingModel.FIXED_PRICE,
        price=Decimal("1500.00"),
        currency="USD",
    )
    audit = Service(
        portal_id=demo.id,
        provider_id=northwind.id,
        activity_type_id=types["SEO"].id,
        name="SEO Audit",
        description="A technical and content audit of your site with prioritised fixes.",
        pricing_model=PricingModel.QUOTE,
        currency="USD",
    )
    elsewhere = Service(
        portal_id=other.id,
        provider_id=other_provider.id,
        activity_type_id=other_seo.id,
        name="SEO Sprint",
        description="Other Portal's SEO service.",
        pricing_model=PricingModel.FIXED_PRICE,
        price=Decimal("900.00"),
        currency="EUR",
    )
    session.add_all([seo_consultation, social, audit, elsewhere])
    campaign = Campaign(portal_id=demo.id, name="Optimise Your Reach", description="Grow organic traffic this quarter.")
    other_campaign = Campaign(portal_id=other.id, name="Other Campaign")
    session.add_all([campaign, other_campaign])
    await session.flush()

    session.add_all(
        [
            CampaignActivity(campaign_id=campaign.id, name="SEO Consultation", service_id=seo_consultation.id),
            CampaignActivity(campaign_id=campaign.id, name="Newsletter refresh"),
            CampaignActivity(campaign_id=other_campaign.id, name="SEO Sprint", service_id=elsewhere.id),
        ]
    )
    # Demo funds stay usable whenever the demo is seeded: valid until the end of 2026 or for
    # another year, whichever is later.
    valid_to = max(date(2026, 12, 31), date.today() + timedelta(days=365))
    funds = [
        MdfFund(
            portal_id=demo.id,
            partner_id=acme.id,
            name="2026 Q4 MDF",
            currency="USD",
            valid_from=date(2026, 10, 1),
            valid_to=valid_to,
        ),
        MdfFund(
            portal_id=demo.id,
            partner_id=beta.id,
            name="Beta 2026 MDF",
            currency="USD",
            valid_from=date(2026, 1, 1),
            valid_to=valid_to,
        ),
        MdfFund(
            portal_id=other.id,
            partner_id=other_partner.id,
            name="Other MDF",
            currency="EUR",
            valid_from=date(2026, 1, 1),
            valid_to=valid_to,
        ),
    ]
    session.add_all(funds)
    await session.flush()
    for fund, amount in zip(funds, ["10000.00", "5000.00", "3000.00"], strict=True):
        session.add(
            MdfLedgerEntry(
                fund_id=fund.id, kind=LedgerEntryKind.ALLOCATE, amount=Decimal(amount), memo="initial allocation"
            )
        )
    await session.flush()


async def _viewer(session: AsyncSession, email: str) -> Viewer:
    user = (await session.execute(select(User).where(User.email == email))).scalar_one()
    org = await session.get_one(Organization, user.organization_id)
    return Viewer(user.id, user.email, user.name, org.id, org.kind, org.portal_id)


async def seed_demo_orders(session: AsyncSession, settings: Settings) -> None:
    """A few Demo Portal orders in various statuses, made through the workflow's own actions
    (so history, quotes, MDF ledger, events and notifications are what real use would leave).

    Acme's "2026 Q4 MDF" keeps its 10000.00 allocation; "Site audit" reserves 2400.00 of it.
    """
    uow = UnitOfWork(session, settings)
    partner, partner2 = await _viewer(session, "partner@demo.example"), await _viewer(session, "partner2@demo.example")
    supplier = await _viewer(session, "supplier@demo.example")
    taylor, northwind = (
        await _viewer(session, "provider@demo.example"),
        await _viewer(session, "provider2@demo.example"),
    )
    services = {s.name: s.id for s in await session.scalars(select(Service))}
    fund_id = await session.scalar(select(MdfFund.id).where(MdfFund.name == "2026 Q4 MDF"))
    activity_id = await session.scalar(
        select(CampaignActivity.id).where(CampaignActivity.service_id == services["SEO Consultation"])
    )
    today = utcnow().date()

    def social(name: str, **kw) -> NewOrder:
        kw.setdefault("payment_method", PaymentMethod.PARTNER_FUNDED)
        return NewOrder(
            service_id=services["Social Media Starter Pack"], name=name, origin=OrderOrigin.MARKETPLACE, **kw
        )

    def quote(plan: str, *items: tuple[str, str, str], days: int) -> quotes.NewQuote:
        return quotes.NewQuote(
            plan=plan,
            estimated_completion_on=today + timedelta(days=days),
            terms="Net 30",
            line_items=[quotes.LineItemData(d, int(q), Decimal(p)) for d, q, p in items],
        )

    async def walk(order_id: int, *steps: tuple) -> None:
        for viewer, action, *reason in steps:
            await workflow.perform(
                uow,
                viewer,
                order_id,
                action,
                reason=reason[0] if reason else None,
                scheduled_for=utcnow() + timedelta(days=7),
            )

    # Waiting for the supplier's approval, paid from MDF.
    await submit_order(
        uow,
        partner,
        social(
            "Spring social push",
            payment_method=PaymentMethod.MDF,
            mdf_fund_id=fund_id,
            description="Launch our spring bundle on LinkedIn and Instagram.",
            contacts=[ContactData("Dana Acme", "dana@acme.example", role="Marketing lead")],
            notification_recipients=["dana@acme.example"],
        ),
    )

    # Two providers have quoted: the partner can compare and accept.
    seo = await submit_order(
        uow,
        partner,
        NewOrder(
            service_id=services["SEO Consultation"],
            name="Q1 SEO consultation",
            origin=OrderOrigin.CAMPAIGN_ACTIVITY,
            campaign_activity_id=activity_id,
            provider_ids=[taylor.organization_id, northwind.organization_id],
            payment_method=PaymentMethod.MDF,
            mdf_fund_id=fund_id,
            description="Lift organic traffic for our product pages.",
        ),
    )
    await quotes.submit_quote(
        uow,
        taylor,
        seo.id,
        quote(
            "Keyword research, then on-page fixes.",
            ("Keyword research", "10", "120.00"),
            ("On-page fixes", "8", "95.00"),
            days=30,
        ),
    )
    await quotes.submit_quote(
        uow,
        northwind,
        seo.id,
        quote(
            "Technical audit first, content plan second.",
            ("Technical audit", "1", "1400.00"),
            ("Content plan", "1", "650.00"),
            days=45,
        ),
    )

    # Accepted quote (MDF reserved), taken on by the provider.
    audit = await submit_order(
        uow,
        partner,
        NewOrder(
            service_id=services["SEO Audit"],
            name="Site audit",
            origin=OrderOrigin.PROVIDER_LOCATOR,
            payment_method=PaymentMethod.MDF,
            mdf_fund_id=fund_id,
        ),
    )
    audit_quote = await quotes.submit_quote(
        uow,
        northwind,
        audit.id,
        quote(
            "Full crawl, fixes prioritised by impact.",
            ("Audit", "1", "2000.00"),
            ("Follow-up call", "2", "200.00"),
            days=21,
        ),
    )
    await quotes.accept_quote(uow, partner, audit_quote.id)
    await walk(audit.id, (northwind, A.ACCEPT_ORDER))

    # In progress, with a conversation and leads.
    busy = await submit_order(uow, partner, social("Holiday social campaign"))
    await walk(busy.id, (supplier, A.APPROVE_ORDER), (taylor, A.ACCEPT_ORDER), (taylor, A.START_WORK))
    await comments.add_comment(uow, partner, busy.id, "Please feature the gift bundle first.")
    await comments.add_comment(uow, taylor, busy.id, "Will do: first posts go out on Monday.")
    await leads.add_leads(
        uow,
        taylor,
        busy.id,
        [
            leads.LeadData("Ada Byron", "ada@example.com", "Analytical Ltd"),
            leads.LeadData("Grace Hopper", "grace@example.com", "Compilers Inc"),
            leads.LeadData("Linus T", "linus@example.com"),
        ],
    )

    # Done, and archived by the provider; one cancelled; one of Beta Solutions waiting.
    done = await submit_order(uow, partner, social("Autumn social refresh"))
    await walk(
        done.id,
        (supplier, A.APPROVE_ORDER),
        (taylor, A.ACCEPT_ORDER),
        (taylor, A.START_WORK),
        (taylor, A.SCHEDULE_EXECUTION),
        (taylor, A.START_EXECUTION),
        (taylor, A.COMPLETE_ORDER),
    )
    dropped = await submit_order(uow, partner, social("Trade show teaser"))
    await walk(dropped.id, (partner, A.CANCEL_ORDER, "The trade show was postponed."))
    await submit_order(uow, partner2, social("Beta social launch"))
    uow.store_pending()
