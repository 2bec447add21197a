"""Activity types, campaigns and campaign activities: create, rename, retire (supplier ADMIN).

A campaign activity links one service (a Full Service Activity, which partners order from the
campaign) or none. Retired ones leave the lists (`activityTypes`, `campaigns`,
`Campaign.activities`) and take no new orders; what was ordered keeps them. Names are unique
among the portal's activity types, the portal's campaigns, and a campaign's activities.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.admin import audit, checks
from domain.admin.permissions import Permission, require
from domain.errors import invalid, not_found
from domain.unit_of_work import UnitOfWork
from domain.viewer import Viewer
from models import ActivityType, Campaign, CampaignActivity, Service
from models.base import utcnow

NAME = 100  # activity type names' column length


async def _log(session: AsyncSession, viewer: Viewer, action: str, row: Any, before: dict | None, after: dict) -> None:
    if before is not None:
        before, after = audit.changed(before, after)
        if not after:
            return
    await audit.record(
        session,
        portal_id=viewer.portal_id,
        actor=viewer,
        action=action,
        subject_type=type(row).__name__,
        subject_id=row.id,
        before=before,
        after=after,
    )


# Activity types -------------------------------------------------------------------------------


async def create_activity_type(uow: UnitOfWork, viewer: Viewer, name: str) -> ActivityType:
    require(viewer, Permission.MANAGE_PORTAL)
    text = checks.name(name, checks.f("name"), max_length=NAME)
    await checks.lock_portal(uow.session, viewer.portal_id)
    await checks.require_unique(
        uow.session,
        ActivityType.name,
        text,
        ActivityType.portal_id == viewer.portal_id,
        what="an activity type named",
        field=checks.f("name"),
    )
    row = ActivityType(portal_id=viewer.portal_id, name=text)
    uow.session.add(row)
    await uow.session.flush()
    await _log(uow.session, viewer, "CREATE_ACTIVITY_TYPE", row, None, {"name": text})
    return row


async def _activity_type(uow: UnitOfWork, viewer: Viewer, type_id: int) -> ActivityType:
    require(viewer, Permission.MANAGE_PORTAL)
    row = await uow.session.get(ActivityType, type_id)
    if row is None or row.portal_id != viewer.portal_id:
        raise not_found("activity type", checks.f("activityTypeId"))
    return row


async def rename_activity_type(uow: UnitOfWork, viewer: Viewer, type_id: int, name: str) -> ActivityType:
    row = await _activity_type(uow, viewer, type_id)
    text = checks.name(name, checks.f("name"), max_length=NAME)
    await checks.lock_portal(uow.session, viewer.portal_id)
    await checks.require_unique(
        uow.session,
        ActivityType.name,
        text,
        ActivityType.portal_id == viewer.portal_id,
        ActivityType.id != row.id,
        what="an activity type named",
        field=checks.f("name"),
    )
    before = {"name": row.name}
    row.name = text
    await uow.session.flush()
    await _log(uow.session, viewer, "RENAME_ACTIVITY_TYPE", row, before, {"name": text})
    return row


async def retire_activity_type(uow: UnitOfWork, viewer: Viewer, type_id: int) -> ActivityType:
    row = await _activity_type(uow, viewer, type_id)
    if row.retired_at is None:
        row.retired_at = utcnow()
        await uow.session.flush()
        await _log(uow.session, viewer, "RETIRE_ACTIVITY_TYPE", row, {"retired": False}, {"retired": True})
    return row


# Campaigns ------------------------------------------------------------------------------------


async def create_campaign(uow: UnitOfWork, viewer: Viewer, name: str, description: str | None) -> Campaign:
    require(viewer, Permission.MANAGE_PORTAL)
    text = checks.name(name, checks.f("name"))
    about = checks.description(description, checks.f("description"))
    await checks.lock_portal(uow.session, viewer.portal_id)
    await checks.require_unique(
        uow.session,
        Campaign.name,
        text,
        Campaign.portal_id == viewer.portal_id,
        what="a campaign named",
        field=checks.f("name"),
    )
    row = Campaign(portal_id=viewer.portal_id, name=text, description=about)
    uow.session.add(row)
    await uow.session.flush()
    await _log(uow.session, viewer, "CREATE_CAMPAIGN", row, None, {"name": text, "description": about})
    return row


async def _campaign(uow: UnitOfWork, viewer: Viewer, campaign_id: int, field: list[str]) -> Campaign:
    require(viewer, Permission.MANAGE_PORTAL)
    row = await uow.session.get(Campaign, campaign_id)
    if row is None or row.portal_id != viewer.portal_id:
        raise not_found("campaign", field)
    return row


async def update_campaign(
    uow: UnitOfWork, viewer: Viewer, campaign_id: int, name: str | None, description: str | None
) -> Campaign:
    row = await _campaign(uow, viewer, campaign_id, checks.f("campaignId"))
    before = {"name": row.name, "description": row.description}
    if name is not None:
        text = checks.name(name, checks.f("name"))
        await checks.lock_portal(uow.session, viewer.portal_id)
        await checks.require_unique(
            uow.session,
            Campaign.name,
            text,
            Campaign.portal_id == viewer.portal_id,
            Campaign.id != row.id,
            what="a campaign named",
            field=checks.f("name"),
        )
        row.name = text
    if description is not None:
        row.description = checks.description(description, checks.f("description"))
    await uow.session.flush()
    await _log(uow.session, viewer, "UPDATE_CAMPAIGN", row, before, {"name": row.name, "description": row.description})
    return row


async def retire_campaign(uow: UnitOfWork, viewer: Viewer, campaign_id: int) -> Campaign:
    row = await _campaign(uow, viewer, campaign_id, checks.f("campaignId"))
    if row.retired_at is None:
        row.retired_at = utcnow()
        await uow.session.flush()
        await _log(uow.session, viewer, "RETIRE_CAMPAIGN", row, {"retired": False}, {"retired": True})
    return row


# Campaign activities --------------------------------------------------------------------------


async def _service(uow: UnitOfWork, viewer: Viewer, service_id: int | None) -> int | None:
    """The service an activity links: listed (approved, not retired) and of this portal."""
    if service_id is None:
        return None
    field = checks.f("serviceId")
    service = await uow.session.get(Service, service_id)
    if service is None or service.portal_id != viewer.portal_id:
        raise not_found("service", field)
    if service.retired_at is not None or not service.approved:
        raise invalid(f"the service {service.name!r} is not listed (retired or awaiting approval)", field)
    return service.id


async def create_campaign_activity(
    uow: UnitOfWork, viewer: Viewer, campaign_id: int, name: str, service_id: int | None
) -> CampaignActivity:
    campaign = await _campaign(uow, viewer, campaign_id, checks.f("campaignId"))
    if campaign.retired_at is not None:
        raise invalid("the campaign is retired", checks.f("campaignId"))
    text = checks.name(name, checks.f("name"))
    linked = await _service(uow, viewer, service_id)
    await checks.lock_portal(uow.session, viewer.portal_id)
    await checks.require_unique(
        uow.session,
        CampaignActivity.name,
        text,
        CampaignActivity.campaign_id == campaign.id,
        what="an activity named",
        field=checks.f("name"),
    )
    row = CampaignActivity(campaign_id=campaign.id, name=text, service_id=linked)
    uow.session.add(row)
    await uow.session.flush()
    await _log(uow.session, viewer, "CREATE_CAMPAIGN_ACTIVITY", row, None, {"name": text, "service_id": linked})
    return row


async def _activity(uow: UnitOfWork, viewer: Viewer, activity_id: int) -> CampaignActivity:
    field = checks.f("activityId")
    require(viewer, Permission.MANAGE_PORTAL)
    row = await uow.session.get(CampaignActivity, activity_id)
    campaign = await uow.session.get(Campaign, row.campaign_id) if row is not None else None
    if row is None or campaign is None or campaign.portal_id != viewer.portal_id:
        raise not_found("campaign activity", field)
    return row


async def update_campaign_activity(
    uow: UnitOfWork, viewer: Viewer, activity_id: int, name: str | None, service_id: int | None, unlink: bool
) -> CampaignActivity:
    """`unlink`: the activity no longer links a service (else `service_id` None leaves it)."""
    row = await _activity(uow, viewer, activity_id)
    before = {"name": row.name, "service_id": row.service_id}
    if name is not None:
        text = checks.name(name, checks.f("name"))
        await checks.lock_portal(uow.session, viewer.portal_id)
        await checks.require_unique(
            uow.session,
            CampaignActivity.name,
            text,
            CampaignActivity.campaign_id == row.campaign_id,
            CampaignActivity.id != row.id,
            what="an activity named",
            field=checks.f("name"),
        )
        row.name = text
    if unlink:
        if service_id is not None:
            raise invalid("give serviceId or unlinkService, not both", checks.f("unlinkService"))
        row.service_id = None
    elif service_id is not None:
        row.service_id = await _service(uow, viewer, service_id)
    await uow.session.flush()
    await _log(
        uow.session, viewer, "UPDATE_CAMPAIGN_ACTIVITY", row, before, {"name": row.name, "service_id": row.service_id}
    )
    return row


async def retire_campaign_activity(uow: UnitOfWork, viewer: Viewer, activity_id: int) -> CampaignActivity:
    row = await _activity(uow, viewer, activity_id)
    if row.retired_at is None:
        row.retired_at = utcnow()
        await uow.session.flush()
        await _log(uow.session, viewer, "RETIRE_CAMPAIGN_ACTIVITY", row, {"retired": False}, {"retired": True})
    return row
