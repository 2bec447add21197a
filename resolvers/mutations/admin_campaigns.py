"""Activity types, campaigns and campaign activities: create, rename (update), retire."""

from __future__ import annotations

from typing import Any

from strawberry.types import Info

from domain.admin import campaigns
from domain.admin.checks import f
from domain.errors import DomainError
from domain.ids import decode_id
from resolvers.mutations.runner import run_mutation

Result = tuple[Any, list[DomainError]]


def _type_id(input: Any) -> int:
    return decode_id(input.activity_type_id, "ActivityType", field=f("activityTypeId"))


def _campaign_id(input: Any) -> int:
    return decode_id(input.campaign_id, "Campaign", field=f("campaignId"))


def _activity_id(input: Any) -> int:
    return decode_id(input.activity_id, "CampaignActivity", field=f("activityId"))


def _service_id(input: Any) -> int | None:
    return None if input.service_id is None else decode_id(input.service_id, "Service", field=f("serviceId"))


async def create_activity_type(info: Info, input: Any) -> Result:
    return await run_mutation(info, lambda uow, viewer: campaigns.create_activity_type(uow, viewer, input.name))


async def rename_activity_type(info: Info, input: Any) -> Result:
    return await run_mutation(
        info, lambda uow, viewer: campaigns.rename_activity_type(uow, viewer, _type_id(input), input.name)
    )


async def retire_activity_type(info: Info, input: Any) -> Result:
    return await run_mutation(info, lambda uow, viewer: campaigns.retire_activity_type(uow, viewer, _type_id(input)))


async def create_campaign(info: Info, input: Any) -> Result:
    return await run_mutation(
        info, lambda uow, viewer: campaigns.create_campaign(uow, viewer, input.name, input.description)
    )


async def update_campaign(info: Info, input: Any) -> Result:
    return await run_mutation(
        info,
        lambda uow, viewer: campaigns.update_campaign(uow, viewer, _campaign_id(input), input.name, input.description),
    )


async def retire_campaign(info: Info, input: Any) -> Result:
    return await run_mutation(info, lambda uow, viewer: campaigns.retire_campaign(uow, viewer, _campaign_id(input)))


async def create_campaign_activity(info: Info, input: Any) -> Result:
    return await run_mutation(
        info,
        lambda uow, viewer: campaigns.create_campaign_activity(
            uow, viewer, _campaign_id(input), input.name, _service_id(input)
        ),
    )


async def update_campaign_activity(info: Info, input: Any) -> Result:
    return await run_mutation(
        info,
        lambda uow, viewer: campaigns.update_campaign_activity(
            uow, viewer, _activity_id(input), input.name, _service_id(input), input.unlink_service
        ),
    )


async def retire_campaign_activity(info: Info, input: Any) -> Result:
    return await run_mutation(
        info, lambda uow, viewer: campaigns.retire_campaign_activity(uow, viewer, _activity_id(input))
    )
