"""updateProviderProfile, createService, updateService, retireService, approveService."""

from __future__ import annotations

from typing import Any

from strawberry.types import Info

from domain.admin import providers, services
from domain.admin.checks import f
from domain.errors import DomainError, invalid
from domain.ids import decode_id
from models import Organization, Service
from resolvers.mutations.runner import run_mutation

Result = tuple[Any, list[DomainError]]


def _optional_id(value: Any, type_name: str, name: str) -> int | None:
    return None if value is None else decode_id(value, type_name, field=f(name))


async def update_provider_profile(info: Info, input: Any) -> Result:
    offices = None
    if input.offices is not None:
        offices = [
            providers.OfficeData(
                name=o.name, latitude=o.latitude, longitude=o.longitude, city=o.city, country=o.country
            )
            for o in input.offices
        ]
    change = providers.ProfileChange(description=input.description, website=input.website, offices=offices)

    async def act(uow, viewer) -> Organization:
        provider_id = decode_id(input.provider_id, "Provider", field=f("providerId"))
        return await providers.update_provider_profile(uow, viewer, provider_id, change)

    return await run_mutation(info, act)


def _data(input: Any) -> services.ServiceData:
    return services.ServiceData(
        name=input.name,
        pricing_model=input.pricing_model,
        price=input.price,
        currency=input.currency,
        activity_type_id=_optional_id(input.activity_type_id, "ActivityType", "activityTypeId"),
        description=input.description,
    )


async def create_service(info: Info, input: Any) -> Result:
    async def act(uow, viewer) -> Service:
        provider_id = _optional_id(input.provider_id, "Provider", "providerId")
        if provider_id is None:
            if not viewer.is_provider:
                raise invalid("name the provider whose service this is", f("providerId"))
            provider_id = viewer.organization_id
        return await services.create_service(uow, viewer, provider_id, _data(input))

    return await run_mutation(info, act)


async def update_service(info: Info, input: Any) -> Result:
    async def act(uow, viewer) -> Service:
        service_id = decode_id(input.service_id, "Service", field=f("serviceId"))
        return await services.update_service(uow, viewer, service_id, _data(input))

    return await run_mutation(info, act)


async def retire_service(info: Info, input: Any) -> Result:
    async def act(uow, viewer) -> Service:
        return await services.retire_service(uow, viewer, decode_id(input.service_id, "Service", field=f("serviceId")))

    return await run_mutation(info, act)


async def approve_service(info: Info, input: Any) -> Result:
    async def act(uow, viewer) -> Service:
        return await services.approve_service(uow, viewer, decode_id(input.service_id, "Service", field=f("serviceId")))

    return await run_mutation(info, act)
