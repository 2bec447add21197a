"""Cost before work: documents that would make the server work too hard are refused before any
resolver runs, with a code saying why; child lists are bounded; `node`/`nodes` read in batches;
parsed documents are kept within a memory budget."""

from __future__ import annotations

import asyncio
import gc
import time
import tracemalloc
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from app.settings import Settings
from domain.ids import to_global_id
from models import Comment, Lead, LeadStatus, OrderStatus
from schema.api import build_schema
from schema.extensions import DocumentCache, default_extensions
from tests import factories
from tests.conftest import PARTNER, PROVIDER, SUPPLIER
from tests.live import Live

VIEWER = "{ viewer { user { id } } }"


def doubling(levels: int, body: str = "viewer { user { id } }") -> str:
    """Each fragment spreads the one before it twice: 2^levels spreads once expanded."""
    fragments = [f"fragment F0 on Query {{ {body} }}"]
    fragments += [f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels + 1)]
    return " ".join(fragments) + f" query {{ ...F{levels} }}"


def code(body: dict) -> str:
    return body["errors"][0]["extensions"]["code"]


async def test_fragment_doubling_is_refused_at_once_while_healthz_answers(gql, client) -> None:
    async def health() -> float:
        started = time.perf_counter()
        response = await client.get("/healthz")
        assert response.status_code == 200
        return time.perf_counter() - started

    started = time.perf_counter()
    body, health_wait = await asyncio.gather(gql(doubling(24)), health())
    elapsed = time.perf_counter() - started
    assert body["data"] is None and code(body) == "TOO_MANY_FRAGMENT_SPREADS", body
    assert "fragment spreads found" in body["errors"][0]["message"]
    assert elapsed < 2 and health_wait < 2, (elapsed, health_wait)
    # With aliases in the doubled fragment: the aliases are counted as executed too.
    body = await gql(doubling(24, "a: viewer { b: user { id } }"))
    assert {e["extensions"]["code"] for e in body["errors"]} == {"TOO_MANY_ALIASES", "TOO_MANY_FRAGMENT_SPREADS"}
    # A few levels stay allowed (7 spreads, each fragment measured once).
    assert (await gql.data(doubling(2)))["viewer"]["user"]["id"]


async def test_an_unknown_fragment_is_a_validation_error(gql) -> None:
    body = await gql("{ ...Nope }")
    assert body["data"] is None
    assert body["errors"][0]["message"] == "Unknown fragment 'Nope'."
    assert code(body) == "GRAPHQL_VALIDATION_FAILED"
    assert body["errors"][0]["message"] != "'Nope'"


async def test_depth_and_alias_limits_keep_their_codes(gql) -> None:
    chain = "services { provider { " * 6 + "name" + " } }" * 6
    body = await gql("query Deep { viewer { user { organization { ... on Provider { " + chain + " } } } } }")
    assert (
        code(body) == "QUERY_TOO_DEEP"
        and "'Deep' exceeds maximum operation depth of 12" in body["errors"][0]["message"]
    )
    body = await gql("{ " + " ".join(f"a{i}: viewer {{ user {{ id }} }}" for i in range(31)) + " }")
    assert code(body) == "TOO_MANY_ALIASES" and body["errors"][0]["message"] == "31 aliases found. Allowed: 30"


async def test_comments_count_as_tokens_and_long_documents_are_refused(gql) -> None:
    stuffed = "{ " + "#\n" * 6000 + "viewer { user { id } } }"
    body = await gql(stuffed)
    assert "more than 5000 tokens" in body["errors"][0]["message"] and code(body) == "GRAPHQL_PARSE_FAILED"
    # One long comment is a single token: the length of the text is capped too.
    padded = VIEWER + " # " + "x" * 60_000
    body = await gql(padded)
    assert body.get("data") is None and "more than 50000 code points" in body["errors"][0]["message"], body
    assert code(body) == "GRAPHQL_PARSE_FAILED"


NESTED_LISTS = """{ orders(first: 100) { edges { node {
  comments { author { name } } leads { order { id } } quotes { lineItems { amount } } } } } }"""


async def test_a_costly_query_is_refused_before_execution_with_its_cost(gql, sql_counter) -> None:
    await gql.token(PARTNER)
    with sql_counter:
        body = await gql(NESTED_LISTS)
    assert body["data"] is None and code(body) == "QUERY_TOO_COMPLEX"
    # 100 orders, each with up to 100 comments (and their authors), 100 leads (and their order)
    # and 100 quotes of up to 100 line items; plus the connection and its edges.
    node = 1 + 100 * 2 + 100 * 2 + 100 * (1 + 100)
    assert body["errors"][0]["extensions"] == {
        "code": "QUERY_TOO_COMPLEX",
        "cost": 1 + 100 * (1 + node),
        "maxCost": 50_000,
    }
    assert "1050201" in body["errors"][0]["message"]
    assert sql_counter.count == 1  # the viewer's lookup: nothing of the query ran
    # The same shape on a small page passes.
    assert (await gql.data(NESTED_LISTS.replace("first: 100", "first: 2")))["orders"]["edges"] is not None


NESTED_NODES = """{ orders(first: 100) { nodes {
  comments { author { name } } leads { order { id } } quotes { lineItems { amount } } } } }"""


async def test_a_connections_nodes_cost_what_its_edges_cost(gql) -> None:
    """`nodes` is the page like `edges`: its size multiplies what is selected below it."""
    await gql.token(PARTNER)
    body = await gql(NESTED_NODES)
    assert body["data"] is None and code(body) == "QUERY_TOO_COMPLEX"
    node = 1 + 100 * 2 + 100 * 2 + 100 * (1 + 100)
    assert body["errors"][0]["extensions"]["cost"] == 1 + 100 * node
    small = await gql.data(NESTED_NODES.replace("first: 100", "first: 2"))
    assert isinstance(small["orders"]["nodes"], list)


async def test_page_sizes_in_variables_count(gql) -> None:
    query = """query($n: Int, $m: Int = 100) { orders(first: $n) { edges { node { id
      leadsConnection(first: $m) { edges { node { order { quotes { id } } } } } } } } }"""
    body = await gql(query, {"n": 100})
    assert code(body) == "QUERY_TOO_COMPLEX" and body["errors"][0]["extensions"]["cost"] > 50_000
    # $n absent: the default page (20); $m's default applies.
    cost = body["errors"][0]["extensions"]["cost"]
    body = await gql(query, {})
    assert code(body) == "QUERY_TOO_COMPLEX"
    assert body["errors"][0]["extensions"]["cost"] < cost
    assert "errors" not in await gql(query, {"n": 2, "m": 2})
    # Asked again, each is costed as the first time (costs are kept by the variables).
    assert code(await gql(query, {"n": 100})) == "QUERY_TOO_COMPLEX"
    assert "errors" not in await gql(query, {"n": 2, "m": 2})


async def test_subscriptions_are_costed_too(live: Live) -> None:
    query = """subscription { orderEvents { ... on LeadsAddedEvent {
      leads { order { leads { order { leads { id } } } } } } } }"""
    async with AsyncExitStack() as stack:
        ws = await live.client(stack, PARTNER)
        await ws.subscribe("s", query)
        error = await ws.receive()
        assert error["type"] == "error", error
        assert error["payload"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
        await ws.subscribe("t", "subscription { orderEvents { ... on LeadsAddedEvent { leads { name } } } }")
        await ws.nothing(0.2)  # accepted: waits for events


async def order_with_leads(db, count: int) -> str:
    async with db.write_session() as session:
        order = await factories.make_order(
            session, status=OrderStatus.IN_PROGRESS, service_name="Social Media Starter Pack"
        )
        provider_user = await factories.user(session, PROVIDER)
        if count:
            await session.execute(
                insert(Lead),
                [
                    {
                        "order_id": order.id,
                        "created_by_id": provider_user.id,
                        "name": f"Lead {i:04d}",
                        "status": LeadStatus.NEW,
                    }
                    for i in range(count)
                ],
            )
            order.lead_count = count
        return to_global_id("Order", order.id)


LEADS = "query($id: ID!, $first: Int) { node(id: $id) { ... on Order { leadCount leads(first: $first) { name } } } }"


async def test_plain_child_lists_are_bounded(gql, db) -> None:
    order_id = await order_with_leads(db, 150)
    order = (await gql.data(LEADS, {"id": order_id}, as_=SUPPLIER))["node"]
    assert order["leadCount"] == 150 and len(order["leads"]) == 100  # the default
    assert order["leads"][0]["name"] == "Lead 0000"  # oldest first
    order = (await gql.data(LEADS, {"id": order_id, "first": 120}, as_=SUPPLIER))["node"]
    assert [lead["name"] for lead in order["leads"]] == [f"Lead {i:04d}" for i in range(120)]
    body = await gql(LEADS, {"id": order_id, "first": 1001}, as_=SUPPLIER)
    assert code(body) == "BAD_USER_INPUT"
    # Lead.order leads back to the order: nesting the lists is refused by cost, not built.
    nest = "query($id: ID!) { node(id: $id) { ... on Order { leads { order { leads { order { leads { id } } } } } } } }"
    body = await gql(nest, {"id": order_id}, as_=SUPPLIER)
    assert code(body) == "QUERY_TOO_COMPLEX"


TIMELINE = """query($id: ID!, $last: Int) { node(id: $id) { ... on Order {
  timeline(last: $last) { __typename ... on Comment { body } } } } }"""


async def test_the_timeline_is_bounded_to_its_latest_entries(gql, db) -> None:
    """It returned every comment of the order, however many, while its cost counted 100."""
    async with db.write_session() as session:
        order = await factories.make_order(
            session, status=OrderStatus.IN_PROGRESS, service_name="Social Media Starter Pack"
        )
        author = await factories.user(session, PARTNER)
        base = datetime.now(UTC) + timedelta(days=1)  # after the order's own status changes
        rows = [
            {
                "order_id": order.id,
                "author_id": author.id,
                "body": f"Comment {i:03d}",
                "created_at": base + timedelta(minutes=i),
            }
            for i in range(130)
        ]
        await session.execute(insert(Comment), rows)
        order_id = to_global_id("Order", order.id)
    timeline = (await gql.data(TIMELINE, {"id": order_id}, as_=SUPPLIER))["node"]["timeline"]
    assert len(timeline) == 100 and timeline[-1] == {"__typename": "Comment", "body": "Comment 129"}
    timeline = (await gql.data(TIMELINE, {"id": order_id, "last": 3}, as_=SUPPLIER))["node"]["timeline"]
    assert [item["body"] for item in timeline] == ["Comment 127", "Comment 128", "Comment 129"]
    body = await gql(TIMELINE, {"id": order_id, "last": 1001}, as_=SUPPLIER)
    assert code(body) == "BAD_USER_INPUT"


ADD_LEADS = """mutation($input: AddLeadsInput!) { addLeads(input: $input) {
  leads { id } order { leadCount } errors { code message field } } }"""


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, PROVIDER_ORDERS_ENV="test", max_leads_per_order=5)


async def test_leads_per_order_are_capped(gql, db) -> None:
    order_id = await order_with_leads(db, 0)

    def batch(*names: str) -> dict:
        return {"input": {"orderId": order_id, "leads": [{"name": name} for name in names]}}

    first = (await gql.data(ADD_LEADS, batch("a", "b", "c"), as_=PROVIDER))["addLeads"]
    assert first["errors"] == [] and first["order"]["leadCount"] == 3
    refused = (await gql.data(ADD_LEADS, batch("d", "e", "f"), as_=PROVIDER))["addLeads"]
    assert refused["leads"] == [] and refused["order"] is None
    assert refused["errors"] == [
        {
            "code": "VALIDATION",
            "field": ["input", "leads"],
            "message": "an order holds at most 5 leads and this one has 3: record fewer",
        }
    ]
    last = (await gql.data(ADD_LEADS, batch("d", "e"), as_=PROVIDER))["addLeads"]
    assert last["errors"] == [] and last["order"]["leadCount"] == 5


ORDER_FIELDS = "... on Order { id name provider { name } partner { name } service { name } }"


async def test_node_and_nodes_read_in_batches(gql, db, sql_counter) -> None:
    pks = await factories.bulk_orders(db, 30, with_details=False)
    ids = [to_global_id("Order", pk) for pk in pks]
    await gql.token(SUPPLIER)
    with sql_counter:
        data = await gql.data(
            f"query($ids: [ID!]!) {{ nodes(ids: $ids) {{ {ORDER_FIELDS} }} }}", {"ids": ids}, as_=SUPPLIER
        )
    assert [node["id"] for node in data["nodes"]] == ids and all(n["provider"]["name"] for n in data["nodes"])
    # The viewer, then the orders with their provider, partner and service in one statement.
    assert sql_counter.count == 2, sql_counter.statements
    aliases = " ".join(f'n{i}: node(id: "{gid}") {{ {ORDER_FIELDS} }}' for i, gid in enumerate(ids))
    with sql_counter:
        data = await gql.data(f"{{ {aliases} }}", as_=SUPPLIER)
    assert [data[f"n{i}"]["id"] for i in range(30)] == ids
    # Several node fields are read together by the loaders, not compiled one statement each (on
    # PostgreSQL a known token's viewer may be looked up first: then 3).
    assert sql_counter.count <= (2 if db.is_sqlite else 3), sql_counter.statements
    # Other kinds batch through their loaders too: the portal, a notification, users.
    viewer = await gql.data("{ viewer { portal { id } user { id } } }", as_=SUPPLIER)
    portal_id, user_id = viewer["viewer"]["portal"]["id"], viewer["viewer"]["user"]["id"]
    with sql_counter:
        data = await gql.data(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [portal_id] * 50 + [user_id] * 50}, as_=SUPPLIER
        )
    assert [n["id"] for n in data["nodes"]] == [portal_id] * 50 + [user_id] * 50
    assert sql_counter.count <= 4, sql_counter.statements  # viewer, portal, user, its organisation
    body = await gql("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [portal_id] * 101}, as_=SUPPLIER)
    assert code(body) == "BAD_USER_INPUT"


def padded(i: int, length: int) -> str:
    """A distinct document of about `length` characters (a long comment: few tokens) that
    parses and fails validation (nothing to execute)."""
    return f"{{ viewer {{ nope }} }} # {i} " + "x" * length


async def test_large_documents_do_not_stay_cached(db, settings) -> None:
    schema = build_schema(settings)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(300):
            result = await schema.execute(padded(i, 20_000))
            assert result.errors[0].message.startswith("Cannot query field 'nope'")
        del result
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept < 1_000_000, kept  # 300 documents of 20 KB would be 6 MB


async def test_the_document_cache_is_bounded_in_bytes(settings) -> None:
    cache = DocumentCache(max_bytes=2_000_000, max_length=5_000)
    schema = build_schema(settings, default_extensions(settings, cache=cache))
    for i in range(300):
        await schema.execute(padded(i, 2_000))
        assert cache.size <= 2_000_000
    assert 0 < len(cache.entries) < 10
    again = len(cache.entries)
    await schema.execute(padded(299, 2_000))  # the newest is still there: a hit
    assert len(cache.entries) == again
    await schema.execute(padded(0, 6_000))  # over max_length: not kept
    assert len(cache.entries) == again


def test_every_list_of_objects_has_a_bound() -> None:
    """A list field added to the schema must say how many objects it may return (schema.cost)."""
    from graphql import get_named_type, get_nullable_type, is_composite_type, is_list_type

    from schema import schema
    from schema.cost import is_connection, list_bound

    unbounded = []
    for type_ in schema._schema.type_map.values():
        if type_.name.startswith("__") or not hasattr(type_, "fields") or not hasattr(type_, "interfaces"):
            continue
        for name, field in type_.fields.items():
            if not (is_list_type(get_nullable_type(field.type)) and is_composite_type(get_named_type(field.type))):
                continue
            paged = (
                (name in ("edges", "nodes") and is_connection(type_))  # a connection's page
                or {"first", "last"} & set(field.args)
                or (type_.name == "Query" and name == "nodes")  # bounded by its ids
            )
            if not paged and list_bound(type_.name, name) is None:
                unbounded.append(f"{type_.name}.{name}")
    assert unbounded == []
