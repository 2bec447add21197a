"""submitOrder: a partner orders a service from a campaign activity, the Marketplace or the
Provider Locator. Fixed-price orders wait for the supplier's approval; quote orders wait for
quotes from the providers asked (by default the service's own provider)."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import access, ledger
from domain.errors import DomainError, ErrorCode, invalid, not_found
from domain.events import record_event
from domain.recipients import check_recipients
from domain.unit_of_work import UnitOfWork
from domain.validation import Problems, capped_list, optional_email, optional_text, required_text
from domain.viewer import Viewer
from models import (
    Campaign,
    CampaignActivity,
    MdfFund,
    Order,
    OrderContact,
    OrderEventKind,
    OrderInvitation,
    OrderOrigin,
    OrderRecipient,
    OrderStatus,
    Organization,
    OrganizationKind,
    PaymentMethod,
    Portal,
    PricingModel,
    Service,
    StatusChange,
)
from models.base import utcnow

MAX_LIST = 100  # contacts, recipients, invited providers


@dataclass
class ContactData:
    name: str
    email: str | None = None
    phone: str | None = None
    role: str | None = None


@dataclass
class NewOrder:
    service_id: int
    name: str
    origin: OrderOrigin
    payment_method: PaymentMethod
    description: str | None = None
    campaign_activity_id: int | None = None
    provider_ids: list[int] | None = None
    mdf_fund_id: int | None = None
    contacts: list[ContactData] = dc_field(default_factory=list)
    notification_recipients: list[str] = dc_field(default_factory=list)


def _f(*path: str | int) -> list[str]:
    return ["input", *map(str, path)]


async def submit_order(uow: UnitOfWork, viewer: Viewer, data: NewOrder) -> Order:
    session = uow.session
    if not viewer.is_partner:
        raise DomainError(ErrorCode.FORBIDDEN, "only partner users place orders")
    portal = await session.get_one(Portal, viewer.portal_id)
    service = await session.get(Service, data.service_id)
    if service is None or not access.can_see_service(viewer, service):
        raise not_found("service", _f("serviceId"))
    await _check_offered(session, service)
    await _check_origin(session, viewer, portal, service, data)

    problems = Problems()
    name = problems.check(required_text, data.name, _f("name"), max_length=200, what="name")
    description = problems.check(optional_text, data.description, _f("description"), what="description")
    contacts = problems.check(checked_contacts, data.contacts) or []
    problems.raise_any()
    recipients = await check_recipients(session, viewer.organization_id, data.notification_recipients)

    providers = await _invited_providers(session, viewer, service, data.provider_ids)
    fund = await _fund(session, viewer, portal, service, data)
    if service.pricing_model is PricingModel.FIXED_PRICE and service.price is None:
        raise invalid("this fixed-price service has no price yet", _f("serviceId"))

    now = utcnow()
    fixed = service.pricing_model is PricingModel.FIXED_PRICE
    order = Order(
        portal_id=viewer.portal_id,
        partner_id=viewer.organization_id,
        service_id=service.id,
        activity_type_id=service.activity_type_id,
        provider_id=service.provider_id if fixed else None,
        created_by_id=viewer.user_id,
        campaign_activity_id=data.campaign_activity_id if data.origin is OrderOrigin.CAMPAIGN_ACTIVITY else None,
        mdf_fund_id=fund.id if fund else None,
        name=name,
        description=description,
        status=OrderStatus.PENDING_APPROVAL if fixed else OrderStatus.PENDING_QUOTES,
        origin=data.origin,
        payment_method=data.payment_method,
        rate=service.price if fixed else None,
        currency=service.currency,  # the service's price (or its quotes) are in it
        submitted_at=now,
        last_activity_at=now,
        version=1,
    )
    session.add(order)
    await session.flush()
    session.add_all(
        OrderInvitation(order_id=order.id, provider_id=p, invited_at=now, last_activity_at=now) for p in providers
    )
    session.add_all(OrderContact(order_id=order.id, **vars(c)) for c in contacts)
    session.add_all(OrderRecipient(order_id=order.id, email=r.email, user_id=r.user_id) for r in recipients)
    change = StatusChange(
        order_id=order.id,
        from_status=None,
        to_status=order.status,
        action="SUBMIT_ORDER",
        actor_id=viewer.user_id,
        at=now,
    )
    session.add(change)
    await session.flush()
    await record_event(uow, order, OrderEventKind.STATUS_CHANGED, change.id, viewer.user_id)
    return order


async def _check_offered(session: AsyncSession, service: Service) -> None:
    """A retired service, one awaiting approval, or one of a deactivated provider takes no orders."""
    provider = await session.get(Organization, service.provider_id)
    if service.retired_at is not None or not service.approved or provider is None or not provider.is_active:
        raise invalid(f"{service.name!r} is no longer offered", _f("serviceId"))


async def _check_origin(
    session: AsyncSession, viewer: Viewer, portal: Portal, service: Service, data: NewOrder
) -> None:
    if data.origin is OrderOrigin.CAMPAIGN_ACTIVITY:
        if data.campaign_activity_id is None:
            raise invalid("an order from a campaign activity names the activity", _f("campaignActivityId"))
        activity = await session.get(CampaignActivity, data.campaign_activity_id)
        campaign = await session.get(Campaign, activity.campaign_id) if activity is not None else None
        if activity is None or campaign is None or campaign.portal_id != viewer.portal_id:
            raise not_found("campaign activity", _f("campaignActivityId"))
        if activity.retired_at is not None or campaign.retired_at is not None:
            raise invalid(f"{activity.name!r} is retired", _f("campaignActivityId"))
        if activity.service_id is None:
            raise invalid(f"{activity.name!r} is not a full service activity", _f("campaignActivityId"))
        if activity.service_id != service.id:
            raise invalid(f"{activity.name!r} is fulfilled by another service", _f("serviceId"))
        return
    if data.campaign_activity_id is not None:
        raise invalid("campaignActivityId is only for origin CAMPAIGN_ACTIVITY", _f("campaignActivityId"))
    enabled = portal.marketplace_enabled if data.origin is OrderOrigin.MARKETPLACE else portal.provider_locator_enabled
    if not enabled:
        where = "the Marketplace" if data.origin is OrderOrigin.MARKETPLACE else "the Provider Locator"
        raise DomainError(ErrorCode.FEATURE_DISABLED, f"{portal.name} has {where} switched off", _f("origin"))


def checked_contacts(contacts: list[ContactData]) -> list[ContactData]:
    """The order's contacts, cleaned and checked (submitOrder and updateOrder): DomainError if not valid."""
    capped_list(contacts, _f("contacts"), maximum=MAX_LIST, what="contacts")
    problems = Problems()
    cleaned = []
    for i, c in enumerate(contacts):
        cleaned.append(
            ContactData(
                name=problems.check(required_text, c.name, _f("contacts", i, "name"), max_length=200, what="name"),
                email=problems.check(optional_email, c.email, _f("contacts", i, "email")),
                phone=problems.check(optional_text, c.phone, _f("contacts", i, "phone"), max_length=50, what="phone"),
                role=problems.check(optional_text, c.role, _f("contacts", i, "role"), max_length=100, what="role"),
            )
        )
    problems.raise_any()
    return cleaned


async def _invited_providers(
    session: AsyncSession, viewer: Viewer, service: Service, provider_ids: list[int] | None
) -> list[int]:
    if service.pricing_model is not PricingModel.QUOTE:
        if provider_ids:
            raise invalid("providers are asked to quote only for QUOTE services", _f("providerIds"))
        return []
    if not provider_ids:
        return [service.provider_id]
    capped_list(provider_ids, _f("providerIds"), maximum=MAX_LIST, what="providers")
    wanted = list(dict.fromkeys(provider_ids))
    providers = {
        org.id: org
        for org in await session.scalars(select(Organization).where(Organization.id.in_(wanted)))
        if org.portal_id == viewer.portal_id and org.kind is OrganizationKind.PROVIDER
    }
    offering = set(
        await session.scalars(
            select(Service.provider_id).where(
                Service.portal_id == viewer.portal_id,
                Service.activity_type_id == service.activity_type_id,
                Service.provider_id.in_(list(providers)),
            )
        )
    )
    for i, provider_id in enumerate(provider_ids):
        if provider_id not in providers:
            raise not_found("provider", _f("providerIds", i))
        if provider_id not in offering:
            raise invalid(
                f"{providers[provider_id].name} offers no service of this activity type", _f("providerIds", i)
            )
    return wanted


async def _fund(
    session: AsyncSession, viewer: Viewer, portal: Portal, service: Service, data: NewOrder
) -> MdfFund | None:
    if data.payment_method is PaymentMethod.PARTNER_FUNDED:
        if data.mdf_fund_id is not None:
            raise invalid("a partner-funded order draws on no MDF fund", _f("mdfFundId"))
        return None
    if not portal.mdf_enabled:
        raise DomainError(ErrorCode.FEATURE_DISABLED, f"{portal.name} has MDF switched off", _f("paymentMethod"))
    if data.mdf_fund_id is None:
        raise invalid("an MDF order names the fund to draw on", _f("mdfFundId"))
    fund = await session.get(MdfFund, data.mdf_fund_id)
    if fund is None:
        raise not_found("MDF fund", _f("mdfFundId"))
    ledger.check_fund_usable(
        fund,
        partner_id=viewer.organization_id,
        portal_id=viewer.portal_id,
        currency=service.currency,
        today=utcnow().date(),
        field=_f("mdfFundId"),
    )
    return fund
