"""createService, updateService, retireService, approveService.

A provider's ADMIN manages its own services, a supplier ADMIN any provider's. Where the portal
requires approval (`service_approval_required`), a service a provider creates is listed only
once a supplier ADMIN approves it; the supplier's own are approved as they are made. A retired
service leaves the Marketplace and cannot be ordered; the orders placed for it keep it.
Service names are unique per provider.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domain.admin import audit, checks
from domain.admin.permissions import Permission, require, require_for
from domain.errors import invalid, not_found
from domain.unit_of_work import UnitOfWork
from domain.validation import Problems
from domain.viewer import Viewer
from models import ActivityType, Organization, OrganizationKind, PricingModel, Service
from models.base import utcnow

AUDITED = ("name", "description", "pricing_model", "price", "currency", "activity_type_id", "approved", "retired_at")


@dataclass
class ServiceData:
    """For an update, None leaves a field as it is."""

    name: str | None = None
    pricing_model: PricingModel | None = None
    price: Decimal | None = None
    currency: str | None = None
    activity_type_id: int | None = None
    description: str | None = None


async def _activity_type(uow: UnitOfWork, viewer: Viewer, type_id: int) -> ActivityType:
    field = checks.f("activityTypeId")
    activity_type = await uow.session.get(ActivityType, type_id)
    if activity_type is None or activity_type.portal_id != viewer.portal_id:
        raise not_found("activity type", field)
    if activity_type.retired_at is not None:
        raise invalid(f"the activity type {activity_type.name!r} is retired", field)
    return activity_type


def _price(model: PricingModel, price: Decimal | None) -> Decimal | None:
    field = checks.f("price")
    if model is PricingModel.QUOTE:
        if price is not None:
            raise invalid("a QUOTE service has no fixed price", field)
        return None
    if price is None:
        raise invalid("a FIXED_PRICE service needs a price", field)
    value = checks.amount(price, field, what="price")
    if value == 0:
        raise invalid("price must be greater than zero", field)
    return value


async def create_service(uow: UnitOfWork, viewer: Viewer, provider_id: int, data: ServiceData) -> Service:
    session = uow.session
    provider = await session.get(Organization, provider_id)
    if provider is not None and provider.kind is not OrganizationKind.PROVIDER:
        provider = None
    require_for(viewer, Permission.MANAGE_SERVICES, provider, "provider", checks.f("providerId"))
    assert provider is not None
    portal = await checks.lock_portal(session, viewer.portal_id)
    problems = Problems()
    name = problems.check(checks.name, data.name, checks.f("name"))
    description = problems.check(checks.description, data.description, checks.f("description"))
    currency = (
        portal.currency
        if data.currency is None
        else problems.check(checks.currency, data.currency, checks.f("currency"))
    )
    model = data.pricing_model or PricingModel.QUOTE
    price = problems.check(_price, model, data.price)
    problems.raise_any()
    if data.activity_type_id is None:
        raise invalid("a service has an activity type", checks.f("activityTypeId"))
    activity_type = await _activity_type(uow, viewer, data.activity_type_id)
    await checks.require_unique(
        session,
        Service.name,
        name,
        Service.provider_id == provider.id,
        what=f"{provider.name}'s service",
        field=checks.f("name"),
    )
    approved = not portal.service_approval_required or viewer.is_supplier
    service = Service(
        portal_id=viewer.portal_id,
        provider_id=provider.id,
        activity_type_id=activity_type.id,
        name=name,
        description=description,
        pricing_model=model,
        price=price,
        currency=currency,
        approved=approved,
    )
    session.add(service)
    await session.flush()
    await audit.record(
        session,
        portal_id=viewer.portal_id,
        actor=viewer,
        action="CREATE_SERVICE",
        subject_type="Service",
        subject_id=service.id,
        after=audit.values_of(service, AUDITED),
    )
    return service


async def load_service(uow: UnitOfWork, viewer: Viewer, service_id: int, permission: Permission) -> Service:
    field = checks.f("serviceId")
    service = await uow.session.get(Service, service_id)
    provider = await uow.session.get(Organization, service.provider_id) if service is not None else None
    if service is None or provider is None or service.portal_id != viewer.portal_id:
        raise not_found("service", field)
    if not service.approved and not (viewer.is_supplier or viewer.organization_id == provider.id):
        raise not_found("service", field)  # waiting for approval: only its provider and the supplier see it
    if permission is Permission.APPROVE_SERVICES:
        require(viewer, permission)
    else:
        require_for(viewer, permission, provider, "service", field)
    return service


async def _save(uow: UnitOfWork, viewer: Viewer, service: Service, action: str, changes: dict) -> Service:
    before = audit.values_of(service, AUDITED)
    for key, value in changes.items():
        setattr(service, key, value)
    await uow.session.flush()
    old, new = audit.changed(before, audit.values_of(service, AUDITED))
    if new:
        await audit.record(
            uow.session,
            portal_id=service.portal_id,
            actor=viewer,
            action=action,
            subject_type="Service",
            subject_id=service.id,
            before=old,
            after=new,
        )
    return service


async def update_service(uow: UnitOfWork, viewer: Viewer, service_id: int, data: ServiceData) -> Service:
    service = await load_service(uow, viewer, service_id, Permission.MANAGE_SERVICES)
    if service.retired_at is not None:
        raise invalid("a retired service cannot be changed", checks.f("serviceId"))
    await checks.lock_portal(uow.session, viewer.portal_id)
    problems = Problems()
    changes: dict = {}
    if data.name is not None:
        changes["name"] = problems.check(checks.name, data.name, checks.f("name"))
    if data.description is not None:
        changes["description"] = problems.check(checks.description, data.description, checks.f("description"))
    if data.currency is not None:
        changes["currency"] = problems.check(checks.currency, data.currency, checks.f("currency"))
    model = data.pricing_model or service.pricing_model
    if data.pricing_model is not None or data.price is not None:
        price = data.price if data.price is not None or model is PricingModel.QUOTE else service.price
        changes["pricing_model"], changes["price"] = model, problems.check(_price, model, price)
    problems.raise_any()
    if data.activity_type_id is not None:
        changes["activity_type_id"] = (await _activity_type(uow, viewer, data.activity_type_id)).id
    if "name" in changes:
        await checks.require_unique(
            uow.session,
            Service.name,
            changes["name"],
            Service.provider_id == service.provider_id,
            what="a service named",
            field=checks.f("name"),
            exclude_id=Service.id != service.id,
        )
    return await _save(uow, viewer, service, "UPDATE_SERVICE", changes)


async def retire_service(uow: UnitOfWork, viewer: Viewer, service_id: int) -> Service:
    service = await load_service(uow, viewer, service_id, Permission.MANAGE_SERVICES)
    if service.retired_at is not None:
        return service
    return await _save(uow, viewer, service, "RETIRE_SERVICE", {"retired_at": utcnow()})


async def approve_service(uow: UnitOfWork, viewer: Viewer, service_id: int) -> Service:
    service = await load_service(uow, viewer, service_id, Permission.APPROVE_SERVICES)
    if service.retired_at is not None:
        raise invalid("a retired service cannot be approved", checks.f("serviceId"))
    return await _save(uow, viewer, service, "APPROVE_SERVICE", {"approved": True})
