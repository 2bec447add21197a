"""The app's screens give the same JSON with the fast path as with graphql-core alone, for
every kind of viewer (access rules included), and the orders list takes the fast path."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

import pytest
from strawberry.schema.schema_converter import GraphQLCoreConverter

from app.auth import load_viewer
from domain.ids import to_global_id
from models import OrderStatus
from resolvers.context import Context
from schema import fast_path
from schema.api import Executor, build_schema
from subscriptions.sharing import SharedEventExecutor
from tests import factories
from tests.conftest import PARTNER, PARTNER2, PROVIDER, PROVIDER2, SUPPLIER


class Recording(Executor):
    last: Recording | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        Recording.last = self


fast = build_schema(executor=Recording)
reference = build_schema(executor=SharedEventExecutor)

LIST = """
query($first: Int) {
  orders(first: $first) {
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      id name status paymentMethod submittedAt lastActivityAt estimatedCompletionOn
      rate { amount currency }
      provider { id name } service { id name } partner { id name }
      latestQuote { id status total { amount currency } }
      commentCount leadCount
    } }
  }
}"""

# The same page through `nodes`, and through both (each selecting part of the fields).
NODES = """
query($first: Int) {
  orders(first: $first) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id name status paymentMethod submittedAt lastActivityAt estimatedCompletionOn
      rate { amount currency }
      provider { id name } service { id name } partner { id name }
      latestQuote { id status total { amount currency } }
      commentCount leadCount
    }
  }
}"""
BOTH = """
query($first: Int) {
  orders(first: $first) {
    edges { cursor node { id name status provider { name } } }
    nodes { id rate { amount currency } partner { name } service { name } latestQuote { id } }
  }
}"""

SHAPES = """
query($withQuote: Boolean!, $skipCounts: Boolean!) {
  orders(first: 30, orderBy: {field: LAST_ACTIVITY_AT, direction: ASC}) {
    __typename totalCount
    pageInfo { ...Pages }
    edges { cursor node {
      ...OrderBits
      title: name
      latestQuote @include(if: $withQuote) {
        __typename id status revision plan total { amount currency } provider { name }
      }
      commentCount @skip(if: $skipCounts)
      leadCount @skip(if: $skipCounts)
      ... on Order { provider { id } partner { kind website } }
    } }
  }
}
fragment Pages on PageInfo { hasNextPage hasPreviousPage startCursor endCursor }
fragment OrderBits on Order {
  id __typename status origin paymentMethod currency description submittedAt lastActivityAt
  estimatedCompletionOn scheduledFor completedAt version view
  rate { amount currency }
  provider { __typename id name kind description website }
  partner { id name kind }
  service { id name description pricingModel price { amount currency } }
  activityType { id name }
  quotes { id status total { amount } }
}"""

DETAIL = """
query($id: ID!) {
  node(id: $id) { __typename id ... on Order {
    name status availableActions commentCount leadCount
    quotes { id revision plan status expiresAt terms total { amount currency }
             lineItems { description quantity unitPrice amount } provider { name } order { id } }
    invitations { invitedAt declinedAt declineReason provider { name } }
    statusHistory { from to action reason at actor { name } }
    comments { id body createdAt author { name } }
    leads { id name email company status }
    contacts { name email phone role }
    notificationRecipients { email user { name } }
    commentsConnection(last: 3) { totalCount edges { cursor node { body author { name } } } }
    leadsConnection(first: 3) { totalCount edges { node { name } } }
    latestComments: commentsConnection(last: 3) { nodes { body author { name } } }
    firstLeads: leadsConnection(first: 3) { pageInfo { hasNextPage } nodes { name } }
    timeline { __typename ... on Comment { body } ... on Quote { id total { amount } } ... on StatusChange { to } }
    quoteComparison { lowestTotal { amount } earliestCompletionOn quotes { id } awaiting { name } }
  } }
}"""

MISC = """
{
  viewer { user { id name email } organization { __typename id name } portal { id name currency features { mdf } } }
  services(first: 10) {
    edges { node { id name pricingModel price { amount } provider { name } activityType { name } } }
  }
  providers(first: 10) { edges { node { id name services { name } offices { name city } activityTypes { name } } } }
  campaigns(first: 10) { nodes { id name activities { name } } }
  serviceNodes: services(first: 10) { nodes { id name provider { name } } }
  activityTypes { id name }
  mdfFunds { id name allocated reserved spent available partner { name } }
}"""


@pytest.fixture
async def orders(db) -> list[str]:
    await factories.bulk_orders(db, 25)
    async with db.write_session() as session:
        made = [
            await factories.make_order(
                session,
                status=OrderStatus.PENDING_QUOTES,
                name="Two quotes",
                invited=("Taylor Marketing", "Northwind Digital"),
                with_details=True,
            ),
            await factories.make_order(session, status=OrderStatus.PENDING_QUOTES, name="No quotes yet"),
            await factories.make_order(
                session,
                status=OrderStatus.APPROVED,
                name="Fixed price",
                service_name="Social Media Starter Pack",
                with_details=True,
            ),
            await factories.make_order(
                session,
                status=OrderStatus.IN_PROGRESS,
                partner_name="Beta Solutions",
                service_name="Social Media Starter Pack",
                name="Beta's",
                with_details=True,
            ),
        ]
        return [to_global_id("Order", order.id) for order in made]


async def _same(db, settings, email: str, query: str, variables: dict | None = None) -> dict:
    async with db.read_session() as session:
        user = await factories.user(session, email)
        viewer = await load_viewer(session, user.id)

    def context() -> Context:
        return Context(db=db, settings=settings, bus=None, request_id="test", viewer=viewer)

    expected = await reference.execute(query, variable_values=variables, context_value=context())
    got = await fast.execute(query, variable_values=variables, context_value=context())

    def as_json(r: Any) -> str:
        return json.dumps({"data": r.data, "errors": [e.formatted for e in r.errors or []]}, sort_keys=True)

    assert as_json(got) == as_json(expected)
    assert not expected.errors, expected.errors
    return expected.data


VIEWERS = [PARTNER, PARTNER2, SUPPLIER, PROVIDER, PROVIDER2]


@pytest.mark.parametrize("email", VIEWERS)
async def test_the_orders_list_is_the_same_and_fast(db, settings, orders, email: str) -> None:
    data = await _same(db, settings, email, LIST, {"first": 50})
    assert data["orders"]["edges"]
    # graphql-core ran the root field only: the connection, its edges and every order in it
    # were completed by the compiled walk in one go.
    assert (Recording.last.fast_path_hits, Recording.last.fast_path_fallbacks) == (1, 0)


@pytest.mark.parametrize("email", VIEWERS)
async def test_the_orders_lists_nodes_are_its_edges_nodes_and_fast(db, settings, orders, email: str) -> None:
    edges = (await _same(db, settings, email, LIST, {"first": 50}))["orders"]
    nodes = (await _same(db, settings, email, NODES, {"first": 50}))["orders"]
    assert (Recording.last.fast_path_hits, Recording.last.fast_path_fallbacks) == (1, 0)
    assert nodes["nodes"] == [edge["node"] for edge in edges["edges"]]
    assert nodes["pageInfo"] == edges["pageInfo"]
    # Fields selected under `edges` and under `nodes` are all read (one statement reads both).
    both = (await _same(db, settings, email, BOTH, {"first": 50}))["orders"]
    assert [n["id"] for n in both["nodes"]] == [e["node"]["id"] for e in both["edges"]]
    by_id = {e["node"]["id"]: e["node"] for e in edges["edges"]}
    for edge, node in zip(both["edges"], both["nodes"], strict=True):
        full = by_id[node["id"]]
        assert edge["node"] == {
            "id": full["id"],
            "name": full["name"],
            "status": full["status"],
            "provider": full["provider"] and {"name": full["provider"]["name"]},
        }
        assert node == {
            "id": full["id"],
            "rate": full["rate"],
            "partner": {"name": full["partner"]["name"]},
            "service": {"name": full["service"]["name"]},
            "latestQuote": full["latestQuote"] and {"id": full["latestQuote"]["id"]},
        }


@pytest.mark.parametrize("email", VIEWERS)
@pytest.mark.parametrize(("with_quote", "skip_counts"), [(True, False), (False, True)])
async def test_fragments_directives_and_aliases(
    db, settings, orders, email: str, with_quote: bool, skip_counts: bool
) -> None:
    await _same(db, settings, email, SHAPES, {"withQuote": with_quote, "skipCounts": skip_counts})
    # totalCount and quotes are async: the connection and its orders are graphql-core's, what
    # hangs off each order the fast path's.
    assert Recording.last.fast_path_hits > 0
    assert Recording.last.fast_path_fallbacks == 0


@pytest.mark.parametrize("email", VIEWERS)
async def test_order_details(db, settings, orders, email: str) -> None:
    hits = 0
    for order_id in orders:
        await _same(db, settings, email, DETAIL, {"id": order_id})
        hits += Recording.last.fast_path_hits
        assert Recording.last.fast_path_fallbacks == 0
    # The order itself has async fields: its quotes, comments, leads... are the fast path's.
    assert hits > 0


@pytest.mark.parametrize("email", [PARTNER, SUPPLIER, PROVIDER])
async def test_viewer_catalog_and_funds(db, settings, orders, email: str) -> None:
    await _same(db, settings, email, MISC)
    assert Recording.last.fast_path_hits > 0
    assert Recording.last.fast_path_fallbacks == 0


async def test_with_other_internals_the_app_starts_with_one_warning_and_lists_without_the_fast_path(
    db, settings, orders, monkeypatch, caplog
) -> None:
    original = GraphQLCoreConverter.from_resolver

    def from_resolver(self: Any, field: Any) -> Any:  # a Strawberry release whose factory differs
        return original(self, field)

    monkeypatch.setattr(GraphQLCoreConverter, "from_resolver", from_resolver)
    monkeypatch.setattr(fast_path, "_WARNED", set())
    with caplog.at_level(logging.WARNING, logger="provider_orders.graphql"):
        monkeypatch.setattr(sys.modules[__name__], "fast", build_schema(executor=Recording))  # what _same runs
        build_schema(executor=Recording)  # another worker's schema, say: no second warning
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "fast path off" in warnings[0] and "resolver factory" in warnings[0]
    data = await _same(db, settings, SUPPLIER, LIST, {"first": 50})
    assert len(data["orders"]["edges"]) == 29
    assert (Recording.last.fast_path_hits, Recording.last.fast_path_fallbacks) == (0, 0)
