"""The `orders` list: My Orders (partner), Manage Orders (provider), the portal (supplier)."""

from __future__ import annotations

from sqlalchemy import Select, select
from strawberry.types import Info

from domain import access
from models import Order, OrderStatus
from resolvers.catalog import _ids
from resolvers.pagination import PageRequest, SortKey, paginate, parse_date, parse_datetime
from schema.common import Connection, SortDirection
from schema.filters import OrderFilter, OrderOrder, OrderSortField

SORT_KEYS = {
    OrderSortField.SUBMITTED_AT: SortKey("SUBMITTED_AT", Order.submitted_at, Order.id, parse_datetime),
    OrderSortField.LAST_ACTIVITY_AT: SortKey("LAST_ACTIVITY_AT", Order.last_activity_at, Order.id, parse_datetime),
    OrderSortField.ESTIMATED_COMPLETION_ON: SortKey(
        "ESTIMATED_COMPLETION_ON", Order.estimated_completion_on, Order.id, parse_date
    ),
}


def filtered_orders(info: Info, filter: OrderFilter | None) -> Select:  # noqa: A002
    viewer = info.context.require_viewer()
    stmt = select(Order).where(access.order_scope(viewer))
    f = filter or OrderFilter()
    if viewer.is_provider and not f.statuses:
        # Manage Orders: archived orders leave the default list.
        stmt = stmt.where(Order.status != OrderStatus.ARCHIVED)
    if f.statuses:
        stmt = stmt.where(Order.status.in_(f.statuses))
    if (ids := _ids(f.provider_ids, "Provider", "providerIds")) is not None:
        stmt = stmt.where(Order.provider_id.in_(ids))
    if (ids := _ids(f.activity_type_ids, "ActivityType", "activityTypeIds")) is not None:
        stmt = stmt.where(Order.activity_type_id.in_(ids))
    if f.payment_methods:
        stmt = stmt.where(Order.payment_method.in_(f.payment_methods))
    if f.origins:
        stmt = stmt.where(Order.origin.in_(f.origins))
    for column, window in ((Order.submitted_at, f.submitted), (Order.last_activity_at, f.last_activity)):
        if window is not None and window.from_ is not None:
            stmt = stmt.where(column >= window.from_)
        if window is not None and window.to is not None:
            stmt = stmt.where(column < window.to)
    if f.search and f.search.strip():
        from resolvers.catalog import _search
        from models import Organization, Service

        stmt = stmt.where(
            _search(f.search, Order.name, Order.description)
            | Order.service_id.in_(select(Service.id).where(_search(f.search, Service.name)))
            | Order.provider_id.in_(select(Organization.id).where(_search(f.search, Organization.name)))
        )
    return stmt


async def resolve_orders(
    info: Info,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    filter: OrderFilter | None,  # noqa: A002
    order_by: OrderOrder | None,
) -> Connection:
    ctx = info.context
    order_by = order_by or OrderOrder()
    stmt = filtered_orders(info, filter)
    sort = SORT_KEYS[order_by.field]
    if order_by.field is OrderSortField.ESTIMATED_COMPLETION_ON:
        stmt = stmt.where(Order.estimated_completion_on.is_not(None))
    return await paginate(
        ctx.db.read_session,
        stmt,
        sort=sort,
        descending=order_by.direction is SortDirection.DESC,
        page=PageRequest(first=first, after=after, last=last, before=before),
        codec=ctx.cursors,
    )
