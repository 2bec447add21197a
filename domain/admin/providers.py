"""updateProviderProfile: a provider's description, website and offices.

The caller gives each office's latitude and longitude (no outside geocoding); the Provider
Locator searches them by distance. The offices given replace the provider's offices.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select

from domain.admin import audit, checks
from domain.admin.permissions import Permission, require_for
from domain.errors import invalid
from domain.unit_of_work import UnitOfWork
from domain.validation import Problems, capped_list, optional_text
from domain.viewer import Viewer
from models import Organization, OrganizationKind, ProviderOffice

MAX_OFFICES = 50  # schema.cost counts Provider.offices at this bound


@dataclass
class OfficeData:
    name: str
    latitude: float
    longitude: float
    city: str | None = None
    country: str | None = None


@dataclass
class ProfileChange:
    """None: leave as it is (an empty description or website clears it)."""

    description: str | None = None
    website: str | None = None
    offices: list[OfficeData] | None = None


def _office(office: OfficeData, i: int, problems: Problems) -> dict:
    path = lambda name: checks.f("offices", i, name)  # noqa: E731
    if not -90 <= office.latitude <= 90:
        problems.errors.append(invalid("latitude must be between -90 and 90", path("latitude")))
    if not -180 <= office.longitude <= 180:
        problems.errors.append(invalid("longitude must be between -180 and 180", path("longitude")))
    country = problems.check(optional_text, office.country, path("country"), max_length=2, what="country")
    return {
        "name": problems.check(checks.name, office.name, path("name")),
        "city": problems.check(optional_text, office.city, path("city"), max_length=200, what="city"),
        "country": country.upper() if country else None,
        "latitude": float(office.latitude),
        "longitude": float(office.longitude),
    }


async def update_provider_profile(
    uow: UnitOfWork, viewer: Viewer, provider_id: int, change: ProfileChange
) -> Organization:
    session = uow.session
    field = checks.f("providerId")
    provider = await session.get(Organization, provider_id)
    if provider is not None and provider.kind is not OrganizationKind.PROVIDER:
        provider = None
    provider = require_for(viewer, Permission.MANAGE_SERVICES, provider, "provider", field)
    problems = Problems()
    values: dict = {}
    if change.description is not None:
        values["description"] = problems.check(checks.description, change.description, checks.f("description"))
    if change.website is not None:
        values["website"] = problems.check(
            optional_text, change.website, checks.f("website"), max_length=500, what="website"
        )
    offices = None
    if change.offices is not None:
        capped_list(change.offices, checks.f("offices"), maximum=MAX_OFFICES, what="offices")
        offices = [_office(o, i, problems) for i, o in enumerate(change.offices)]
    problems.raise_any()

    before = audit.values_of(provider, list(values))
    for key, value in values.items():
        setattr(provider, key, value)
    after = audit.values_of(provider, list(values))
    if offices is not None:
        current = (
            await session.scalars(
                select(ProviderOffice).where(ProviderOffice.provider_id == provider.id).order_by(ProviderOffice.id)
            )
        ).all()
        before["offices"] = [audit.values_of(o, ("name", "city", "country", "latitude", "longitude")) for o in current]
        await session.execute(delete(ProviderOffice).where(ProviderOffice.provider_id == provider.id))
        session.add_all(ProviderOffice(provider_id=provider.id, **office) for office in offices)
        after["offices"] = offices
    await session.flush()
    old, new = audit.changed(before, after)
    if new:
        await audit.record(
            session,
            portal_id=provider.portal_id,
            actor=viewer,
            action="UPDATE_PROVIDER_PROFILE",
            subject_type="Provider",
            subject_id=provider.id,
            before=old,
            after=new,
        )
    return provider
