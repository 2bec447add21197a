"""The Marketplace (`services`), the Provider Locator (`providers`) and `campaigns`."""

from __future__ import annotations

import math
from dataclasses import dataclass

import strawberry
from sqlalchemy import Select, and_, exists, or_, select
from strawberry.types import Info

from domain import access
from domain.errors import DomainError
from domain.ids import decode_ids
from domain.search import MAX_SEARCH_LENGTH
from domain.validation import text_problem
from models import Campaign, Organization, ProviderOffice, Service
from resolvers.context import Context
from resolvers.pagination import BadPageRequest, Edge, Page, PageRequest, SortKey, paginate, single_page

BY_NAME = lambda model: SortKey("NAME", model.name, model.id)  # noqa: E731
MAX_FILTER_IDS = 100
EARTH_RADIUS_KM = 6371.0088


def capped(values: list | None, argument: str, what: str = "values") -> list | None:
    """A list filter of at most MAX_FILTER_IDS values, refused before any SQL is built."""
    if values is not None and len(values) > MAX_FILTER_IDS:
        raise BadPageRequest(f"at most {MAX_FILTER_IDS} {what} in `{argument}`", argument)
    return values


def search_argument(value: str | None, argument: str = "search") -> str | None:
    """A search string of at most MAX_SEARCH_LENGTH characters of valid text."""
    if value is None:
        return None
    if len(value) > MAX_SEARCH_LENGTH:
        raise BadPageRequest(f"`{argument}` must be at most {MAX_SEARCH_LENGTH} characters", argument)
    if (problem := text_problem(value, one_line=False)) is not None:
        raise BadPageRequest(f"`{argument}` {problem}", argument)
    return value


def _ids(values: list[strawberry.ID] | None, type_name: str, argument: str) -> list[int] | None:
    if capped(values, argument, "ids") is None:
        return None
    try:
        return decode_ids(list(values), type_name)
    except DomainError:
        return [-1]  # a foreign or garbage id matches nothing, like an unknown one


def _search(term: str | None, *columns) -> object | None:
    term = (search_argument(term) or "").strip()
    if not term:
        return None
    pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(*(column.ilike(pattern, escape="\\") for column in columns))


async def resolve_services(
    info: Info,
    first: int | None,
    after: str | None,
    search: str | None,
    provider_ids: list[strawberry.ID] | None,
    activity_type_ids: list[strawberry.ID] | None,
    pricing_model: object | None,
) -> Page:
    ctx = info.context
    viewer = ctx.require_viewer()
    stmt: Select = select(Service).where(access.service_scope(viewer))
    if (clause := _search(search, Service.name, Service.description)) is not None:
        stmt = stmt.where(clause)
    if (ids := _ids(provider_ids, "Provider", "providerIds")) is not None:
        stmt = stmt.where(Service.provider_id.in_(ids))
    if (ids := _ids(activity_type_ids, "ActivityType", "activityTypeIds")) is not None:
        stmt = stmt.where(Service.activity_type_id.in_(ids))
    if pricing_model is not None:
        stmt = stmt.where(Service.pricing_model == pricing_model)
    return await _by_name(ctx, stmt, Service, first, after)


@dataclass(frozen=True)
class Near:
    latitude: float
    longitude: float
    radius_km: float


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _bounding_box(near: Near) -> tuple[float, float, float, float]:
    """Latitude/longitude bounds that contain the search circle (index-friendly pre-filter)."""
    dlat = math.degrees(near.radius_km / EARTH_RADIUS_KM)
    cos_lat = math.cos(math.radians(near.latitude))
    dlon = 180.0 if cos_lat < 1e-6 else min(180.0, math.degrees(near.radius_km / (EARTH_RADIUS_KM * cos_lat)))
    return near.latitude - dlat, near.latitude + dlat, near.longitude - dlon, near.longitude + dlon


def _validate_near(near: Near) -> None:
    if not -90 <= near.latitude <= 90:
        raise BadPageRequest("`near.latitude` must be between -90 and 90", "near.latitude")
    if not -180 <= near.longitude <= 180:
        raise BadPageRequest("`near.longitude` must be between -180 and 180", "near.longitude")
    if not 0 < near.radius_km <= 20000:
        raise BadPageRequest("`near.radiusKm` must be above 0 and at most 20000", "near.radiusKm")


async def resolve_providers(
    info: Info,
    first: int | None,
    after: str | None,
    search: str | None,
    activity_type_ids: list[strawberry.ID] | None,
    near: Near | None,
) -> Page:
    ctx = info.context
    viewer = ctx.require_viewer()
    stmt: Select = select(Organization).where(access.locator_scope(viewer))
    if (clause := _search(search, Organization.name, Organization.description)) is not None:
        stmt = stmt.where(clause)
    if (ids := _ids(activity_type_ids, "ActivityType", "activityTypeIds")) is not None:
        stmt = stmt.where(exists().where(Service.provider_id == Organization.id, Service.activity_type_id.in_(ids)))
    if near is None:
        return await _by_name(ctx, stmt, Organization, first, after)
    return await _providers_near(ctx, stmt, near, PageRequest(first=first, after=after))


DISTANCE = SortKey("DISTANCE", None, Organization.id, parse=float)


async def _providers_near(ctx, stmt: Select, near: Near, page: PageRequest) -> Page:
    """Nearest first: a bounding box in SQL, the exact great-circle distance in Python."""
    _validate_near(near)
    page = page.validated()
    lat_min, lat_max, lon_min, lon_max = _bounding_box(near)
    lon = ProviderOffice.longitude
    if lon_min < -180:  # the circle crosses the antimeridian
        lon_clause = or_(lon >= lon_min + 360, lon <= lon_max)
    elif lon_max > 180:
        lon_clause = or_(lon >= lon_min, lon <= lon_max - 360)
    else:
        lon_clause = lon.between(lon_min, lon_max)
    office_stmt = (
        stmt.add_columns(ProviderOffice.latitude, ProviderOffice.longitude)
        .join(ProviderOffice, ProviderOffice.provider_id == Organization.id)
        .where(and_(ProviderOffice.latitude.between(lat_min, lat_max), lon_clause))
    )
    async with ctx.db.read_session() as session:
        rows = (await session.execute(office_stmt)).all()
    nearest: dict[int, tuple[float, Organization]] = {}
    for org, lat, lon in rows:
        distance = haversine_km(near.latitude, near.longitude, lat, lon)
        if distance <= near.radius_km and (org.id not in nearest or distance < nearest[org.id][0]):
            nearest[org.id] = (distance, org)
    ranked = sorted(nearest.values(), key=lambda pair: (pair[0], pair[1].id))
    if page.after is not None:
        distance, pk = ctx.cursors.decode(page.after, DISTANCE, "after")
        ranked = [(d, o) for d, o in ranked if (d, o.id) > (distance, pk)]
    limit = 20 if page.first is None else page.first
    window = ranked[:limit]
    edges = []
    for distance, org in window:
        org.distance_km = distance  # read by Provider.distanceKm
        edges.append(Edge(cursor=ctx.cursors.encode(DISTANCE.name, distance, org.id), node=org))
    return single_page(
        edges, has_next_page=len(ranked) > limit, has_previous_page=page.after is not None, total=len(nearest)
    )


async def resolve_campaigns(info: Info, first: int | None, after: str | None) -> Page:
    ctx = info.context
    viewer = ctx.require_viewer()
    stmt = select(Campaign).where(access.campaign_scope(viewer))
    return await _by_name(ctx, stmt, Campaign, first, after)


async def _by_name(ctx: Context, stmt: Select, model: type, first: int | None, after: str | None) -> Page:
    """A catalogue list's page: sorted by name, forward only (the Marketplace, the Provider
    Locator, campaigns)."""
    return await paginate(
        ctx.db.read_session,
        stmt,
        sort=BY_NAME(model),
        descending=False,
        page=PageRequest(first=first, after=after),
        codec=ctx.cursors,
    )
