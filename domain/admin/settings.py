"""updatePortalSettings: the portal's feature switches, its orders page's label, its currency
and what it requires (deliverables, MDF claims, approval of new services)."""

from __future__ import annotations

from dataclasses import dataclass, fields

from domain.admin import audit, checks
from domain.admin.permissions import Permission, require
from domain.unit_of_work import UnitOfWork
from domain.validation import Problems, whole_number
from domain.viewer import Viewer
from models import Portal

# Input name -> Portal column.
COLUMNS = {
    "marketplace_enabled": "marketplace_enabled",
    "provider_locator_enabled": "provider_locator_enabled",
    "mdf_enabled": "mdf_enabled",
    "orders_page_label": "orders_page_label",
    "default_currency": "currency",
    "deliverables_required": "deliverables_required",
    "mdf_claims_required": "mdf_claims_required",
    "claim_deadline_days": "claim_deadline_days",
    "service_approval_required": "service_approval_required",
}


@dataclass
class SettingsChange:
    """None: leave as it is."""

    marketplace_enabled: bool | None = None
    provider_locator_enabled: bool | None = None
    mdf_enabled: bool | None = None
    orders_page_label: str | None = None
    default_currency: str | None = None
    deliverables_required: bool | None = None
    mdf_claims_required: bool | None = None
    claim_deadline_days: int | None = None
    service_approval_required: bool | None = None


async def update_portal_settings(uow: UnitOfWork, viewer: Viewer, change: SettingsChange) -> Portal:
    require(viewer, Permission.MANAGE_PORTAL)
    wanted = {f.name: getattr(change, f.name) for f in fields(change) if getattr(change, f.name) is not None}
    problems = Problems()
    if "orders_page_label" in wanted:
        wanted["orders_page_label"] = problems.check(
            checks.name, wanted["orders_page_label"], checks.f("ordersPageLabel"), max_length=100, what="label"
        )
    if "default_currency" in wanted:
        wanted["default_currency"] = problems.check(
            checks.currency, wanted["default_currency"], checks.f("defaultCurrency")
        )
    if "claim_deadline_days" in wanted:
        problems.check(
            whole_number,
            wanted["claim_deadline_days"],
            checks.f("claimDeadlineDays"),
            minimum=1,
            maximum=3650,
            what="claimDeadlineDays",
        )
    problems.raise_any()
    portal = await checks.lock_portal(uow.session, viewer.portal_id)
    columns = {COLUMNS[key]: value for key, value in wanted.items()}
    before = audit.values_of(portal, list(columns))
    for column, value in columns.items():
        setattr(portal, column, value)
    await uow.session.flush()
    old, new = audit.changed(before, audit.values_of(portal, list(columns)))
    if new:
        await audit.record(
            uow.session,
            portal_id=portal.id,
            actor=viewer,
            action="UPDATE_PORTAL_SETTINGS",
            subject_type="Portal",
            subject_id=portal.id,
            before=old,
            after=new,
        )
    return portal
