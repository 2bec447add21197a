"""A new portal: its supplier organisation and first ADMIN (the create-portal command).

Everything else in the portal is then set up through the API by that ADMIN.
"""

from __future__ import annotations

from sqlalchemy import func, select

from domain.admin import audit, checks
from domain.admin.organizations import create_organization
from domain.admin.users import invite_user
from domain.errors import DomainError, ErrorCode
from domain.unit_of_work import UnitOfWork
from models import OrganizationKind, Portal, User, UserRole


async def create_portal(
    uow: UnitOfWork, name: str, supplier_email: str, supplier_name: str, *, currency: str = "USD"
) -> tuple[Portal, User]:
    """The portal (Marketplace and Provider Locator off, MDF on: the supplier switches them),
    its supplier organisation named `supplier_name` and that organisation's ADMIN at
    `supplier_email` (named after the organisation until they rename themselves)."""
    session = uow.session
    text = checks.name(name, ["name"])
    if await session.scalar(select(Portal.id).where(func.lower(Portal.name) == text.lower())) is not None:
        raise DomainError(ErrorCode.CONFLICT, f"a portal named {text!r} already exists", ["name"])
    portal = Portal(name=text, currency=checks.currency(currency, ["currency"]))
    session.add(portal)
    await session.flush()
    await audit.record(
        session,
        portal_id=portal.id,
        actor=None,
        action="CREATE_PORTAL",
        subject_type="Portal",
        subject_id=portal.id,
        after={"name": text},
    )
    supplier = await create_organization(uow, None, portal.id, OrganizationKind.SUPPLIER, supplier_name)
    admin = await invite_user(uow, None, supplier, supplier_email, supplier_name, UserRole.ADMIN)
    return portal, admin
