"""The root Query type."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from resolvers import catalog, node, orders, portal
from schema.catalog import ActivityType, Campaign, Provider, Service
from schema.common import AFTER, BEFORE, FIRST, LAST, Connection
from schema.filters import OrderFilter, OrderOrder, ProviderFilter, ServiceFilter
from schema.mdf import MdfFund
from schema.orders import OrderConnection
from schema.viewer import Viewer
from subscriptions.resolvers import resolve_latest_event_cursor


@strawberry.type
class Query:
    @strawberry.field(description="Who is signed in, their organisation and portal.")
    async def viewer(self, info: Info) -> Viewer:
        signed_in = await portal.resolve_viewer(info)
        return Viewer(user=signed_in.user, organization=signed_in.organization, portal=signed_in.portal)

    @strawberry.field(
        description=(
            "Where the live events stand now: subscribe with `after` set to it (`orderEvents`, "
            "`orderStatusChanged`, `commentAdded`) to get every event from this moment on, even those "
            "committed before the subscription starts listening. Read it before loading what the events update."
        )
    )
    async def latest_event_cursor(self, info: Info) -> str:
        return await resolve_latest_event_cursor(info)

    @strawberry.field(description="Any object by its global id; null when it does not exist or is not yours to see.")
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="A global id (`id` of any Node).")],
    ) -> relay.Node | None:
        return await node.resolve_node(info, id)

    @strawberry.field(
        description="Several objects (at most 100) by global id, in the order asked (null where not found)."
    )
    async def nodes(
        self,
        info: Info,
        ids: Annotated[list[strawberry.ID], strawberry.argument(description="Global ids, at most 100.")],
    ) -> list[relay.Node | None]:
        return await node.resolve_nodes(info, list(ids))

    @strawberry.field(description="My Orders (partner), Manage Orders (provider), every order (supplier).")
    async def orders(
        self,
        info: Info,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
        last: Annotated[int | None, LAST] = None,
        before: Annotated[str | None, BEFORE] = None,
        filter: Annotated[OrderFilter | None, strawberry.argument(description="Which orders; default: all.")] = None,
        order_by: Annotated[
            OrderOrder | None, strawberry.argument(description="The sort; default: newest submitted first.")
        ] = None,
    ) -> OrderConnection:
        return await orders.resolve_orders(
            info, first, after, last, before, filter or OrderFilter(), order_by or OrderOrder()
        )

    @strawberry.field(description="The Marketplace: services offered in the portal, by name.")
    async def services(
        self,
        info: Info,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
        filter: Annotated[
            ServiceFilter | None, strawberry.argument(description="Which services; default: all.")
        ] = None,
    ) -> Connection[Service]:
        f = filter or ServiceFilter()
        return await catalog.resolve_services(
            info, first, after, f.search, f.provider_ids, f.activity_type_ids, f.pricing_model
        )

    @strawberry.field(
        description="The Provider Locator: providers of the portal by name, or nearest first with `filter.near`."
    )
    async def providers(
        self,
        info: Info,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
        filter: Annotated[
            ProviderFilter | None, strawberry.argument(description="Which providers; default: all.")
        ] = None,
    ) -> Connection[Provider]:
        f = filter or ProviderFilter()
        return await catalog.resolve_providers(info, first, after, f.search, f.activity_type_ids, f.near)

    @strawberry.field(description="The portal's campaigns, by name.")
    async def campaigns(
        self, info: Info, first: Annotated[int | None, FIRST] = None, after: Annotated[str | None, AFTER] = None
    ) -> Connection[Campaign]:
        return await catalog.resolve_campaigns(info, first, after)

    @strawberry.field(description="The portal's activity types.")
    async def activity_types(self, info: Info) -> list[ActivityType]:
        return await portal.resolve_activity_types(info)

    @strawberry.field(description="MDF funds: the viewer's organisation's (every fund of the portal for a supplier).")
    async def mdf_funds(self, info: Info) -> list[MdfFund]:
        return await portal.resolve_mdf_funds(info)
