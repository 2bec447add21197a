"""Inputs of the administration mutations: one input object per mutation. Omitted optional
fields of an update leave the value as it is."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from schema.enums import OrganizationKind, PricingModel, UserRole

ID = strawberry.ID


@strawberry.input(description="Only the settings given change.")
class UpdatePortalSettingsInput:
    marketplace_enabled: bool | None = strawberry.field(default=None, description="Partners order from `services`.")
    provider_locator_enabled: bool | None = strawberry.field(default=None, description="Partners search `providers`.")
    mdf_enabled: bool | None = strawberry.field(default=None, description="Orders may be paid from MDF funds.")
    orders_page_label: str | None = strawberry.field(default=None, description="1 to 100 characters.")
    default_currency: str | None = strawberry.field(default=None, description="Three letters, e.g. USD.")
    deliverables_required: bool | None = strawberry.field(default=None, description="Completion needs a deliverable.")
    mdf_claims_required: bool | None = strawberry.field(default=None, description="MDF is spent on approved claims.")
    claim_deadline_days: int | None = strawberry.field(default=None, description="1 to 3650 days.")
    service_approval_required: bool | None = strawberry.field(
        default=None, description="Providers' new services wait for approval."
    )


@strawberry.input(description="A new partner or provider organisation of the portal.")
class CreateOrganizationInput:
    kind: OrganizationKind = strawberry.field(description="PARTNER or PROVIDER.")
    name: str = strawberry.field(description="Unique in the portal (case-insensitive).")


@strawberry.input(description="Deactivate a partner or provider: its users lose access at once.")
class DeactivateOrganizationInput:
    organization_id: ID = strawberry.field(description="The Partner or Provider.")
    force: bool = strawberry.field(
        default=False,
        description="A provider with work in progress: decline its quote requests and flag its orders.",
    )


@strawberry.input(description="Reactivate an organisation: its users sign in anew.")
class ReactivateOrganizationInput:
    organization_id: ID = strawberry.field(description="The Partner or Provider.")
    force: bool = strawberry.field(default=False, description="Unused; accepted for symmetry.")


@strawberry.input(description="A new user of an organisation.")
class InviteUserInput:
    organization_id: ID = strawberry.field(
        description="Any organisation of the portal (supplier ADMIN), else your own."
    )
    email: str = strawberry.field(description="Unique across the service.")
    name: str = strawberry.field(description="The person's name.")
    role: UserRole = strawberry.field(description="ADMIN or MEMBER.")


@strawberry.input(description="Change a user's role (not your own).")
class UpdateUserRoleInput:
    user_id: ID = strawberry.field(description="The user.")
    role: UserRole = strawberry.field(description="ADMIN or MEMBER.")


@strawberry.input(description="Deactivate a user (not yourself): its tokens and WebSockets stop at once.")
class DeactivateUserInput:
    user_id: ID = strawberry.field(description="The user.")


@strawberry.input(description="An office of a provider, where the Provider Locator finds it.")
class OfficeInput:
    name: str = strawberry.field(description="E.g. 'Head office'.")
    latitude: float = strawberry.field(description="-90 to 90, given by the caller (no geocoding).")
    longitude: float = strawberry.field(description="-180 to 180.")
    city: str | None = strawberry.field(default=None, description="The city.")
    country: str | None = strawberry.field(default=None, description="Two-letter country code.")


@strawberry.input(description="A provider's profile; omitted fields stay, `offices` replaces them all.")
class UpdateProviderProfileInput:
    provider_id: ID = strawberry.field(description="The provider (a provider ADMIN: its own).")
    description: str | None = strawberry.field(default=None, description="Empty text clears it.")
    website: str | None = strawberry.field(default=None, description="Empty text clears it.")
    offices: list[OfficeInput] | None = strawberry.field(default=None, description="At most 50; replaces the offices.")


@strawberry.input(description="A new service of a provider.")
class CreateServiceInput:
    name: str = strawberry.field(description="Unique among the provider's services.")
    pricing_model: PricingModel = strawberry.field(description="FIXED_PRICE (with a price) or QUOTE.")
    activity_type_id: ID = strawberry.field(description="One of the portal's activity types, not retired.")
    provider_id: ID | None = strawberry.field(default=None, description="Required for the supplier; default: yours.")
    price: Decimal | None = strawberry.field(default=None, description="FIXED_PRICE only: above 0, two decimals.")
    currency: str | None = strawberry.field(default=None, description="Three letters; default the portal's.")
    description: str | None = strawberry.field(default=None, description="What the service is.")


@strawberry.input(description="Change a service; omitted fields stay.")
class UpdateServiceInput:
    service_id: ID = strawberry.field(description="The service.")
    name: str | None = strawberry.field(default=None, description="Unique among the provider's services.")
    pricing_model: PricingModel | None = strawberry.field(default=None, description="FIXED_PRICE or QUOTE.")
    price: Decimal | None = strawberry.field(default=None, description="FIXED_PRICE only.")
    currency: str | None = strawberry.field(default=None, description="Three letters.")
    activity_type_id: ID | None = strawberry.field(default=None, description="An activity type, not retired.")
    description: str | None = strawberry.field(default=None, description="What the service is.")


@strawberry.input(description="Retire a service: it leaves the Marketplace; its orders keep it.")
class RetireServiceInput:
    service_id: ID = strawberry.field(description="The service.")


@strawberry.input(description="Approve a service awaiting approval: it is listed.")
class ApproveServiceInput:
    service_id: ID = strawberry.field(description="The service.")


@strawberry.input(description="A new activity type of the portal.")
class CreateActivityTypeInput:
    name: str = strawberry.field(description="Unique in the portal.")


@strawberry.input(description="Rename an activity type.")
class RenameActivityTypeInput:
    activity_type_id: ID = strawberry.field(description="The activity type.")
    name: str = strawberry.field(description="Unique in the portal.")


@strawberry.input(description="Retire an activity type: no new service uses it.")
class RetireActivityTypeInput:
    activity_type_id: ID = strawberry.field(description="The activity type.")


@strawberry.input(description="A new campaign of the portal.")
class CreateCampaignInput:
    name: str = strawberry.field(description="Unique in the portal.")
    description: str | None = strawberry.field(default=None, description="What the campaign is about.")


@strawberry.input(description="Rename or describe a campaign; omitted fields stay.")
class UpdateCampaignInput:
    campaign_id: ID = strawberry.field(description="The campaign.")
    name: str | None = strawberry.field(default=None, description="Unique in the portal.")
    description: str | None = strawberry.field(default=None, description="What the campaign is about.")


@strawberry.input(description="Retire a campaign: it leaves `campaigns` and takes no new orders.")
class RetireCampaignInput:
    campaign_id: ID = strawberry.field(description="The campaign.")


@strawberry.input(description="A new activity of a campaign.")
class CreateCampaignActivityInput:
    campaign_id: ID = strawberry.field(description="The campaign (not retired).")
    name: str = strawberry.field(description="Unique in the campaign.")
    service_id: ID | None = strawberry.field(
        default=None, description="A listed service: a Full Service Activity partners order."
    )


@strawberry.input(description="Rename an activity or change its service; omitted fields stay.")
class UpdateCampaignActivityInput:
    activity_id: ID = strawberry.field(description="The campaign activity.")
    name: str | None = strawberry.field(default=None, description="Unique in the campaign.")
    service_id: ID | None = strawberry.field(default=None, description="Link this listed service instead.")
    unlink_service: bool = strawberry.field(default=False, description="Link no service any more.")


@strawberry.input(description="Retire a campaign activity: it takes no new orders.")
class RetireCampaignActivityInput:
    activity_id: ID = strawberry.field(description="The campaign activity.")


@strawberry.input(description="A new MDF fund of a partner.")
class CreateMdfFundInput:
    partner_id: ID = strawberry.field(description="The partner it is allocated to.")
    name: str = strawberry.field(description="Unique among the partner's funds.")
    currency: str = strawberry.field(description="Three letters, e.g. USD.")
    allocated: Decimal = strawberry.field(description="Not negative, two decimals at most.")
    starts_on: date | None = strawberry.field(default=None, description="First day it pays; default today.")
    ends_on: date | None = strawberry.field(default=None, description="Last day it pays; default the year's end.")


@strawberry.input(description="Change a fund's allocation, with a reason, as a ledger entry.")
class AdjustMdfFundInput:
    fund_id: ID = strawberry.field(description="The MDF fund.")
    allocated_delta: Decimal = strawberry.field(description="Added (negative: taken back); never below held + spent.")
    reason: str = strawberry.field(description="Why; kept in the ledger and the audit log.")
