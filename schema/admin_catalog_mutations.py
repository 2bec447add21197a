"""Administration mutations of the catalogue: provider profiles, services, activity types,
campaigns and their activities. Each is recorded in the admin audit log."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from resolvers.mutations import admin_campaigns as c
from resolvers.mutations import admin_catalog
from schema import admin_inputs as i
from schema import admin_payloads as p
from schema.common import user_errors

INPUT = "What to do (see the input type's fields)."


@strawberry.type
class AdminCatalogMutations:
    @strawberry.mutation(description="A provider ADMIN (or supplier ADMIN) edits the profile and offices.")
    async def update_provider_profile(
        self, info: Info, input: Annotated[i.UpdateProviderProfileInput, strawberry.argument(description=INPUT)]
    ) -> p.UpdateProviderProfilePayload:
        provider, errors = await admin_catalog.update_provider_profile(info, input)
        return p.UpdateProviderProfilePayload(provider=provider, errors=user_errors(errors))

    @strawberry.mutation(description="A provider ADMIN (or supplier ADMIN) adds a service; it may wait for approval.")
    async def create_service(
        self, info: Info, input: Annotated[i.CreateServiceInput, strawberry.argument(description=INPUT)]
    ) -> p.CreateServicePayload:
        service, errors = await admin_catalog.create_service(info, input)
        return p.CreateServicePayload(service=service, errors=user_errors(errors))

    @strawberry.mutation(description="A provider ADMIN (or supplier ADMIN) changes a service.")
    async def update_service(
        self, info: Info, input: Annotated[i.UpdateServiceInput, strawberry.argument(description=INPUT)]
    ) -> p.UpdateServicePayload:
        service, errors = await admin_catalog.update_service(info, input)
        return p.UpdateServicePayload(service=service, errors=user_errors(errors))

    @strawberry.mutation(description="Retire a service: it leaves the Marketplace; its orders keep it.")
    async def retire_service(
        self, info: Info, input: Annotated[i.RetireServiceInput, strawberry.argument(description=INPUT)]
    ) -> p.RetireServicePayload:
        service, errors = await admin_catalog.retire_service(info, input)
        return p.RetireServicePayload(service=service, errors=user_errors(errors))

    @strawberry.mutation(description="A supplier ADMIN approves a service awaiting approval.")
    async def approve_service(
        self, info: Info, input: Annotated[i.ApproveServiceInput, strawberry.argument(description=INPUT)]
    ) -> p.ApproveServicePayload:
        service, errors = await admin_catalog.approve_service(info, input)
        return p.ApproveServicePayload(service=service, errors=user_errors(errors))

    @strawberry.mutation(description="A supplier ADMIN adds an activity type.")
    async def create_activity_type(
        self, info: Info, input: Annotated[i.CreateActivityTypeInput, strawberry.argument(description=INPUT)]
    ) -> p.CreateActivityTypePayload:
        row, errors = await c.create_activity_type(info, input)
        return p.CreateActivityTypePayload(activity_type=row, errors=user_errors(errors))

    @strawberry.mutation(description="A supplier ADMIN renames an activity type.")
    async def rename_activity_type(
        self, info: Info, input: Annotated[i.RenameActivityTypeInput, strawberry.argument(description=INPUT)]
    ) -> p.RenameActivityTypePayload:
        row, errors = await c.rename_activity_type(info, input)
        return p.RenameActivityTypePayload(activity_type=row, errors=user_errors(errors))

    @strawberry.mutation(description="A supplier ADMIN retires an activity type.")
    async def retire_activity_type(
        self, info: Info, input: Annotated[i.RetireActivityTypeInput, strawberry.argument(description=INPUT)]
    ) -> p.RetireActivityTypePayload:
        row, errors = await c.retire_activity_type(info, input)
        return p.RetireActivityTypePayload(activity_type=row, errors=user_errors(errors))

    @strawberry.mutation(description="A supplier ADMIN adds a campaign.")
    async def create_campaign(
        self, info: Info, input: Annotated[i.CreateCampaignInput, strawberry.argument(description=INPUT)]
    ) -> p.CreateCampaignPayload:
        row, errors = await c.create_campaign(info, input)
        return p.CreateCampaignPayload(campaign=row, errors=user_errors(errors))

    @strawberry.mutation(description="A supplier ADMIN renames or describes a campaign.")
    async def update_campaign(
        self, info: Info, input: Annotated[i.UpdateCampaignInput, strawberry.argument(description=INPUT)]
    ) -> p.UpdateCampaignPayload:
        row, errors = await c.update_campaign(info, input)
        return p.UpdateCampaignPayload(campaign=row, errors=user_errors(errors))

    @strawberry.mutation(description="A supplier ADMIN retires a campaign.")
    async def retire_campaign(
        self, info: Info, input: Annotated[i.RetireCampaignInput, strawberry.argument(description=INPUT)]
    ) -> p.RetireCampaignPayload:
        row, errors = await c.retire_campaign(info, input)
        return p.RetireCampaignPayload(campaign=row, errors=user_errors(errors))

    @strawberry.mutation(description="A supplier ADMIN adds an activity to a campaign (with a service or none).")
    async def create_campaign_activity(
        self, info: Info, input: Annotated[i.CreateCampaignActivityInput, strawberry.argument(description=INPUT)]
    ) -> p.CreateCampaignActivityPayload:
        row, errors = await c.create_campaign_activity(info, input)
        return p.CreateCampaignActivityPayload(activity=row, errors=user_errors(errors))

    @strawberry.mutation(description="A supplier ADMIN renames an activity or changes its service.")
    async def update_campaign_activity(
        self, info: Info, input: Annotated[i.UpdateCampaignActivityInput, strawberry.argument(description=INPUT)]
    ) -> p.UpdateCampaignActivityPayload:
        row, errors = await c.update_campaign_activity(info, input)
        return p.UpdateCampaignActivityPayload(activity=row, errors=user_errors(errors))

    @strawberry.mutation(description="A supplier ADMIN retires a campaign activity.")
    async def retire_campaign_activity(
        self, info: Info, input: Annotated[i.RetireCampaignActivityInput, strawberry.argument(description=INPUT)]
    ) -> p.RetireCampaignActivityPayload:
        row, errors = await c.retire_campaign_activity(info, input)
        return p.RetireCampaignActivityPayload(activity=row, errors=user_errors(errors))
