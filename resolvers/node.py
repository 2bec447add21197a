"""`node(id:)` and `nodes(ids:)`: every type reachable by global id, each behind its access check.

An id the viewer may not see resolves to null, exactly like one that does not exist.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy import select
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from domain import access
from domain.admin.permissions import Permission, permissions_of
from domain.ids import parse_global_id
from domain.viewer import Viewer
from models import AuditEntry, Order, OrganizationKind
from resolvers.context import Context
from resolvers.orders import eager_loads, prefetch, selected_fields
from resolvers.pagination import BadPageRequest


async def _order(ctx: Context, viewer: Viewer, pk: int) -> Any:
    order = await ctx.loaders.order.load(pk)
    if order is None:
        return None
    invited = False
    if viewer.is_provider:
        invitations = await ctx.loaders.invitations_by_order.load(pk)
        invited = any(i.provider_id == viewer.organization_id for i in invitations)
    return order if access.order_view(viewer, order, invited) is not access.OrderView.NONE else None


async def _full_order(ctx: Context, viewer: Viewer, pk: int) -> Any:
    order = await _order(ctx, viewer, pk)
    if order is None or access.loaded_order_view(viewer, order) is not access.OrderView.FULL:
        return None
    return order


async def _quote(ctx: Context, viewer: Viewer, pk: int) -> Any:
    quote = await ctx.loaders.quote.load(pk)
    if quote is None:
        return None
    order = await _order(ctx, viewer, quote.order_id)
    return quote if order is not None and access.can_see_quote(viewer, order, quote) else None


async def _comment(ctx: Context, viewer: Viewer, pk: int) -> Any:
    comment = await ctx.loaders.comment.load(pk)
    if comment is None:
        return None
    order = await _order(ctx, viewer, comment.order_id)
    if order is None or not access.can_see_comment(viewer, access.loaded_order_view(viewer, order), comment):
        return None
    return comment


async def _on_full_order(loader_name: str, ctx: Context, viewer: Viewer, pk: int) -> Any:
    row = await getattr(ctx.loaders, loader_name).load(pk)
    if row is None or await _full_order(ctx, viewer, row.order_id) is None:
        return None
    return row


def _organization(kind: OrganizationKind) -> Callable[..., Awaitable[Any]]:
    async def resolve(ctx: Context, viewer: Viewer, pk: int) -> Any:
        org = await ctx.loaders.organization.load(pk)
        if org is None or org.kind is not kind or not access.can_see_organization(viewer, org):
            return None
        return org

    return resolve


async def _in_portal(loader_name: str, ctx: Context, viewer: Viewer, pk: int) -> Any:
    row = await getattr(ctx.loaders, loader_name).load(pk)
    return row if row is not None and row.portal_id == viewer.portal_id else None


async def _service(ctx: Context, viewer: Viewer, pk: int) -> Any:
    service = await ctx.loaders.service.load(pk)
    return service if service is not None and access.can_see_service(viewer, service) else None


async def _campaign_activity(ctx: Context, viewer: Viewer, pk: int) -> Any:
    activity = await ctx.loaders.campaign_activity.load(pk)
    if activity is None or await _in_portal("campaign", ctx, viewer, activity.campaign_id) is None:
        return None
    return activity


async def _user(ctx: Context, viewer: Viewer, pk: int) -> Any:
    user = await ctx.loaders.user.load(pk)
    if user is None:
        return None
    org = await ctx.loaders.organization.load(user.organization_id)
    return user if org is not None and access.can_see_organization(viewer, org) else None


async def _fund(ctx: Context, viewer: Viewer, pk: int) -> Any:
    fund = await ctx.loaders.fund.load(pk)
    return fund if fund is not None and access.can_see_fund(viewer, fund) else None


async def _portal(ctx: Context, viewer: Viewer, pk: int) -> Any:
    return await ctx.loaders.portal.load(pk) if pk == viewer.portal_id else None


async def _notification(ctx: Context, viewer: Viewer, pk: int) -> Any:
    """Only its owner sees a notification."""
    row = await ctx.loaders.notification.load(pk)
    return row if row is not None and row.user_id == viewer.user_id else None


async def _audit_entry(ctx: Context, viewer: Viewer, pk: int) -> Any:
    """The supplier's users read the audit log."""
    if Permission.VIEW_AUDIT_LOG not in permissions_of(viewer):
        return None
    async with ctx.db.read_session() as session:
        row = await session.get(AuditEntry, pk)
    return row if row is not None and row.portal_id == viewer.portal_id else None


async def _attachment(ctx: Context, viewer: Viewer, pk: int) -> Any:
    attachment = await ctx.loaders.attachment.load(pk)
    if attachment is None:
        return None
    order = await _order(ctx, viewer, attachment.order_id)
    if order is None:
        return None
    quote = await ctx.loaders.quote.load(attachment.quote_id) if attachment.quote_id is not None else None
    comment = await ctx.loaders.comment.load(attachment.comment_id) if attachment.comment_id is not None else None
    invited = None
    if viewer.is_provider:
        invited = any(
            i.provider_id == viewer.organization_id for i in await ctx.loaders.invitations_by_order.load(order.id)
        )
    visible = access.can_see_attachment(viewer, order, attachment, quote=quote, comment=comment, invited=invited)
    return attachment if visible else None


async def _claim(ctx: Context, viewer: Viewer, pk: int) -> Any:
    """MDF claims: the order's partner and the portal's suppliers (providers never see the fund)."""
    claim = await ctx.loaders.claim.load(pk)
    if claim is None or viewer.is_provider or await _full_order(ctx, viewer, claim.order_id) is None:
        return None
    return claim


RESOLVERS: dict[str, Callable[[Context, Viewer, int], Awaitable[Any]]] = {
    "Order": _order,
    "Quote": _quote,
    "Comment": _comment,
    "Lead": lambda c, v, pk: _on_full_order("lead", c, v, pk),
    "Supplier": _organization(OrganizationKind.SUPPLIER),
    "Partner": _organization(OrganizationKind.PARTNER),
    "Provider": _organization(OrganizationKind.PROVIDER),
    "User": _user,
    "Service": _service,
    "ActivityType": lambda c, v, pk: _in_portal("activity_type", c, v, pk),
    "Campaign": lambda c, v, pk: _in_portal("campaign", c, v, pk),
    "CampaignActivity": _campaign_activity,
    "MdfFund": _fund,
    "Portal": _portal,
    "Notification": _notification,
    "AuditEntry": _audit_entry,
    "Attachment": _attachment,
    "MdfClaim": _claim,
}


MAX_IDS = 100


async def resolve_node(info: Info, global_id: str) -> Any:
    """Every read goes through the request's loaders: many `node` fields (aliases) and the
    ids of `nodes` are read together, a statement per kind of row, not a session per id."""
    ctx: Context = info.context
    viewer = ctx.require_viewer()
    parsed = parse_global_id(global_id)
    if parsed is None or parsed[0] not in RESOLVERS:
        return None
    type_name, pk = parsed
    if type_name == "Order":
        await _read_order_with_relations(info, viewer, pk)
    return await RESOLVERS[type_name](ctx, viewer, pk)


async def _read_order_with_relations(info: Info, viewer: Viewer, pk: int) -> None:
    """An order's detail page: the provider, partner, service (and latest quote) it asks for
    are read with the order in one statement, as the orders list does with its page, instead
    of one statement per relation; the orders of every `node` asking for the same fields are
    read together. Only into the request's loaders: the access check follows."""
    loaders = info.context.loaders
    fields = frozenset(selected_fields(info.selected_fields, ()))
    options = eager_loads(set(fields), viewer.is_provider)
    if not options or loaders.order.cache_map.get(pk) is not None:
        return
    key = ("orders with relations", fields)
    batch = loaders.batches.get(key)
    if batch is None:
        batch = loaders.batches[key] = _orders_with_relations(info, fields, options)
    await batch.load(pk)


def _orders_with_relations(info: Info, fields: frozenset[str], options: list[Any]) -> DataLoader:
    async def load(pks: Sequence[int]) -> list[Any]:
        async with info.context.db.read_session() as session:
            rows = (await session.scalars(select(Order).where(Order.id.in_(pks)).options(*options))).unique().all()
        found = {row.id: row for row in rows}
        loaders = info.context.loaders
        for pk in pks:
            if loaders.order.cache_map.get(pk) is None:
                loaders.order.prime(pk, found.get(pk))
        await prefetch(info, list(found.values()), set(fields))
        return [found.get(pk) for pk in pks]

    return DataLoader(load_fn=load)


async def resolve_nodes(info: Info, global_ids: list[str]) -> list[Any]:
    if len(global_ids) > MAX_IDS:
        raise BadPageRequest(f"at most {MAX_IDS} ids", "ids")
    return list(await asyncio.gather(*(resolve_node(info, gid) for gid in global_ids)))
