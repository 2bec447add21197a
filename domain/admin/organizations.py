"""createOrganization, deactivateOrganization, reactivateOrganization.

Deactivating an organisation ends its users' access at once (domain.accounts: their tokens
are revoked, their open WebSockets closed after the commit). A provider with work in
progress (orders assigned to it and not finished, quote requests it has not answered) is
deactivated only with `force`: its open quote invitations are then declined for it (an order
left without a quote to offer is cancelled, as when its providers decline themselves), and
its assigned orders are flagged `attention_needed` for the supplier to hand over or cancel.
"""

from __future__ import annotations

from sqlalchemy import select

from domain import accounts
from domain.admin import audit, checks
from domain.admin.permissions import Permission, require
from domain.errors import invalid, not_found
from domain.orders import save_order
from domain.quotes import decline_on_behalf
from domain.unit_of_work import UnitOfWork
from domain.viewer import Viewer
from models import Order, OrderInvitation, OrderStatus, Organization, OrganizationKind

# Assigned and not finished: the provider still owes work.
IN_PROGRESS = (
    OrderStatus.APPROVED,
    OrderStatus.NOT_STARTED,
    OrderStatus.IN_PROGRESS,
    OrderStatus.WAITING_FOR_PARTNER,
    OrderStatus.SCHEDULED,
    OrderStatus.EXECUTING,
)
PROVIDER_GONE = "The provider left the portal."


def type_name(kind: OrganizationKind) -> str:
    """The GraphQL type of an organisation of `kind` (Supplier, Partner, Provider)."""
    return kind.value.capitalize()


async def create_organization(
    uow: UnitOfWork, viewer: Viewer | None, portal_id: int, kind: OrganizationKind, name: str
) -> Organization:
    """`viewer` None: the create-portal command (its supplier organisation)."""
    if viewer is not None:
        require(viewer, Permission.MANAGE_PORTAL)
        if kind is OrganizationKind.SUPPLIER:
            raise invalid("a portal has one supplier organisation", checks.f("kind"))
    text = checks.name(name, checks.f("name"))
    session = uow.session
    await checks.lock_portal(session, portal_id)
    await checks.require_unique(
        session,
        Organization.name,
        text,
        Organization.portal_id == portal_id,
        what="an organisation named",
        field=checks.f("name"),
    )
    org = Organization(portal_id=portal_id, kind=kind, name=text, is_active=True)
    session.add(org)
    await session.flush()
    await audit.record(
        session,
        portal_id=portal_id,
        actor=viewer,
        action="CREATE_ORGANIZATION",
        subject_type=type_name(kind),
        subject_id=org.id,
        after={"kind": kind, "name": text},
    )
    return org


async def load_organization(uow: UnitOfWork, viewer: Viewer, org_id: int, field: list[str]) -> Organization:
    org = await uow.session.get(Organization, org_id)
    if org is None or org.portal_id != viewer.portal_id:
        raise not_found("organisation", field)
    return org


async def set_organization_active(
    uow: UnitOfWork, viewer: Viewer, org_id: int, active: bool, *, force: bool = False
) -> Organization:
    require(viewer, Permission.MANAGE_PORTAL)
    field = checks.f("organizationId")
    session = uow.session
    await checks.lock_portal(session, viewer.portal_id)
    org = await load_organization(uow, viewer, org_id, field)
    if org.kind is OrganizationKind.SUPPLIER:
        raise invalid("the supplier organisation cannot be deactivated or reactivated", field)
    if org.is_active == active:
        return org  # nothing to change, nothing to log
    details: dict = {}
    if not active and org.kind is OrganizationKind.PROVIDER:
        details = await _hand_over(uow, viewer, org, force)
    await accounts.set_organization_active(session, org, active)
    await audit.record(
        session,
        portal_id=org.portal_id,
        actor=viewer,
        action="DEACTIVATE_ORGANIZATION" if not active else "REACTIVATE_ORGANIZATION",
        subject_type=type_name(org.kind),
        subject_id=org.id,
        before={"active": not active},
        after={"active": active, **details},
    )
    return org


def _open_invitations(provider_id: int):
    return (
        select(OrderInvitation)
        .join(Order, Order.id == OrderInvitation.order_id)
        .where(
            OrderInvitation.provider_id == provider_id,
            OrderInvitation.declined_at.is_(None),
            Order.status == OrderStatus.PENDING_QUOTES,
        )
    )


async def _hand_over(uow: UnitOfWork, viewer: Viewer, provider: Organization, force: bool) -> dict:
    """Refuse (VALIDATION, naming how many) while the provider has work in progress, unless
    `force`: then decline its open invitations and flag its assigned orders."""
    session = uow.session
    assigned = list(
        (
            await session.scalars(
                select(Order).where(Order.provider_id == provider.id, Order.status.in_(IN_PROGRESS)).order_by(Order.id)
            )
        ).all()
    )
    invitations = list((await session.scalars(_open_invitations(provider.id).order_by(OrderInvitation.id))).all())
    if not assigned and not invitations:
        return {}
    if not force:
        raise invalid(
            f"{provider.name} has {len(assigned)} order(s) in progress and {len(invitations)} open quote "
            "request(s); deactivate with force: true to decline its quote requests and flag its orders",
            checks.f("force"),
        )
    for order in assigned:
        await save_order(session, order, attention_needed=True)
    for invitation in invitations:
        await decline_on_behalf(uow, viewer, invitation, PROVIDER_GONE)
    return {"flaggedOrders": len(assigned), "declinedQuoteRequests": len(invitations)}
