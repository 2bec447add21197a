"""Payloads of the administration mutations: the object (null when refused) and `errors`."""

from __future__ import annotations

import strawberry

from schema.catalog import ActivityType, Campaign, CampaignActivity, Provider, Service
from schema.common import UserError
from schema.mdf import MdfFund
from schema.portal import Organization, Portal, User

ERRORS = "Why the mutation was refused (empty when it succeeded); nothing was changed then."


def errors_field() -> list[UserError]:
    return strawberry.field(default_factory=list, description=ERRORS)


@strawberry.type(description="The portal with its settings as they now stand.")
class UpdatePortalSettingsPayload:
    portal: Portal | None = strawberry.field(default=None, description="The portal.")
    errors: list[UserError] = errors_field()


@strawberry.type(description="The organisation made or changed.")
class OrganizationPayload:
    organization: Organization | None = strawberry.field(default=None, description="The organisation.")
    errors: list[UserError] = errors_field()


@strawberry.type(description="The organisation made.")
class CreateOrganizationPayload(OrganizationPayload):
    pass


@strawberry.type(description="The organisation deactivated.")
class DeactivateOrganizationPayload(OrganizationPayload):
    pass


@strawberry.type(description="The organisation reactivated.")
class ReactivateOrganizationPayload(OrganizationPayload):
    pass


@strawberry.type(description="The user made or changed.")
class UserPayload:
    user: User | None = strawberry.field(default=None, description="The user.")
    errors: list[UserError] = errors_field()


@strawberry.type(description="The user invited.")
class InviteUserPayload(UserPayload):
    pass


@strawberry.type(description="The user with its new role.")
class UpdateUserRolePayload(UserPayload):
    pass


@strawberry.type(description="The user deactivated.")
class DeactivateUserPayload(UserPayload):
    pass


@strawberry.type(description="The provider with its profile and offices as they now stand.")
class UpdateProviderProfilePayload:
    provider: Provider | None = strawberry.field(default=None, description="The provider.")
    errors: list[UserError] = errors_field()


@strawberry.type(description="The service made or changed.")
class ServicePayload:
    service: Service | None = strawberry.field(default=None, description="The service.")
    errors: list[UserError] = errors_field()


@strawberry.type(description="The service made.")
class CreateServicePayload(ServicePayload):
    pass


@strawberry.type(description="The service changed.")
class UpdateServicePayload(ServicePayload):
    pass


@strawberry.type(description="The service retired.")
class RetireServicePayload(ServicePayload):
    pass


@strawberry.type(description="The service approved.")
class ApproveServicePayload(ServicePayload):
    pass


@strawberry.type(description="The activity type made or changed.")
class ActivityTypePayload:
    activity_type: ActivityType | None = strawberry.field(default=None, description="The activity type.")
    errors: list[UserError] = errors_field()


@strawberry.type(description="The activity type made.")
class CreateActivityTypePayload(ActivityTypePayload):
    pass


@strawberry.type(description="The activity type renamed.")
class RenameActivityTypePayload(ActivityTypePayload):
    pass


@strawberry.type(description="The activity type retired.")
class RetireActivityTypePayload(ActivityTypePayload):
    pass


@strawberry.type(description="The campaign made or changed.")
class CampaignPayload:
    campaign: Campaign | None = strawberry.field(default=None, description="The campaign.")
    errors: list[UserError] = errors_field()


@strawberry.type(description="The campaign made.")
class CreateCampaignPayload(CampaignPayload):
    pass


@strawberry.type(description="The campaign changed.")
class UpdateCampaignPayload(CampaignPayload):
    pass


@strawberry.type(description="The campaign retired.")
class RetireCampaignPayload(CampaignPayload):
    pass


@strawberry.type(description="The campaign activity made or changed.")
class CampaignActivityPayload:
    activity: CampaignActivity | None = strawberry.field(default=None, description="The campaign activity.")
    errors: list[UserError] = errors_field()


@strawberry.type(description="The campaign activity made.")
class CreateCampaignActivityPayload(CampaignActivityPayload):
    pass


@strawberry.type(description="The campaign activity changed.")
class UpdateCampaignActivityPayload(CampaignActivityPayload):
    pass


@strawberry.type(description="The campaign activity retired.")
class RetireCampaignActivityPayload(CampaignActivityPayload):
    pass


@strawberry.type(description="The fund made or adjusted, with its balance.")
class MdfFundPayload:
    fund: MdfFund | None = strawberry.field(default=None, description="The MDF fund.")
    errors: list[UserError] = errors_field()


@strawberry.type(description="The fund made.")
class CreateMdfFundPayload(MdfFundPayload):
    pass


@strawberry.type(description="The fund adjusted.")
class AdjustMdfFundPayload(MdfFundPayload):
    pass
