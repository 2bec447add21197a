"""Requests at the edges of the protocol, found by a review of the hardening: which operation
runs, documents that repeat fields, refused variables. Each is answered with a code, in
milliseconds, never a 500 or a masked INTERNAL_SERVER_ERROR."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import func, select

from domain.ids import to_global_id
from models import Notification, OrderStatus
from tests import factories
from tests.conftest import PARTNER, SUPPLIER
from tests.live import WS, Live

HEADERS = {"content-type": "application/json"}


async def post(client, gql, body: dict) -> httpx.Response:
    headers = {**HEADERS, "Authorization": f"Bearer {await gql.token(PARTNER)}"}
    return await client.post("/graphql", content=json.dumps(body), headers=headers)


def code(body: dict) -> str:
    return body["errors"][0]["extensions"]["code"]


async def test_an_operation_name_with_a_lone_surrogate_is_a_json_400(client, gql) -> None:
    response = await post(client, gql, {"query": "{ __typename }", "operationName": "\ud800"})
    assert response.status_code == 400 and code(response.json()) == "BAD_REQUEST"


async def test_an_unknown_operation_name_over_a_socket_closes_it_as_the_clients_error(live: Live) -> None:
    async with WS.connect(live.url) as ws:
        await ws.init(await live.token(PARTNER))
        payload = {"query": "subscription A { orderStatusChanged { to } }", "operationName": "Nope"}
        await ws.send({"id": "1", "type": "subscribe", "payload": payload})
        code, reason = await ws.closed()
        assert code == 4400 and "Nope" in reason  # the protocol's "invalid message", not a server error


async def test_several_operations_without_an_operation_name_run_none(client, gql, db) -> None:
    document = "mutation B { markNotificationsRead(input: { all: true }) { errors { code } } } query A { __typename }"
    async with db.read_session() as session:
        unread_before = await session.scalar(select(func.count()).where(Notification.read_at.is_(None)))
    body = (await post(client, gql, {"query": document})).json()
    assert body.get("data") is None and code(body) == "BAD_REQUEST", body
    async with db.read_session() as session:
        assert await session.scalar(select(func.count()).where(Notification.read_at.is_(None))) == unread_before
    # Named, the one asked for runs.
    body = (await post(client, gql, {"query": document, "operationName": "A"})).json()
    assert body == {"data": {"__typename": "Query"}}


def fragments(count: int, fields: int) -> str:
    spreads = " ".join(f"...F{i}" for i in range(count))
    definitions = " ".join(
        f"fragment F{i} on Query {{ {' '.join(['viewer { user { id } }'] * fields)} }}" for i in range(count)
    )
    return f"{{ {spreads} }} {definitions}"


@pytest.mark.parametrize(
    "document",
    [
        "{ " + " ".join(["viewer { user { id } }"] * 600) + " }",  # one field, repeated
        fragments(30, 20),  # repeated through fragments
        "{ " + " ".join(["viewer { " + " ".join(["user { id }"] * 30) + " }"] * 30) + " }",  # nested
    ],
)
async def test_documents_repeating_a_field_are_refused_before_graphql_core_compares_them(client, gql, document) -> None:
    """graphql-core's field-merging rule compares repeated fields pairwise: these took about a
    second of the event loop each, without a token."""
    response = await client.post("/graphql", json={"query": document})
    assert code(response.json()) == "QUERY_TOO_COMPLEX"


async def test_a_field_selected_a_few_times_over_is_still_fine(client, gql) -> None:
    document = "query Frags " + fragments(3, 3) + " query Again { viewer { user { id } user { id email } } }"
    body = (await post(client, gql, {"query": document, "operationName": "Again"})).json()
    assert body["data"]["viewer"]["user"]["email"] == PARTNER


async def test_a_refused_variable_has_a_code_and_a_short_message(client, gql) -> None:
    document = "mutation($i: AddCommentInput!) { addComment(input: $i) { errors { code } } }"
    body = (await post(client, gql, {"query": document, "variables": {"i": {"orderId": 1, "x": "y" * 5000}}})).json()
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and len(error["message"]) < 600


LEADS_LIVE = "subscription { orderEvents { ... on OrderEventBase { order { leads(first: 50) { id } } } } }"


async def test_a_users_subscriptions_share_one_cost_budget(serve) -> None:
    """Every event runs each subscription again: 100 subscriptions each within the query cost
    made one comment render millions of objects. Their costs now add up per user."""
    server = await serve(max_subscription_cost_per_user=120)  # room for two of LEADS_LIVE (52 each)
    async with WS.connect(server.url) as ws, WS.connect(server.url) as other_user:
        await ws.init(await server.token(PARTNER))
        for op_id in ("1", "2", "3"):
            await ws.subscribe(op_id, LEADS_LIVE)
        refused = await ws.receive()  # whichever came third (they start concurrently)
        assert refused["type"] == "error" and refused["payload"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
        await ws.nothing()  # the other two stay
        open_ids = {"1", "2", "3"} - {refused["id"]}
        # Another user has a budget of its own.
        await other_user.init(await server.token(SUPPLIER))
        await other_user.subscribe("1", LEADS_LIVE)
        await other_user.nothing()
        # Completing a subscription gives its cost back.
        await ws.send({"id": min(open_ids), "type": "complete"})
        for _ in range(100):
            await ws.subscribe("4", LEADS_LIVE)
            try:
                message = await ws.receive(timeout=0.2)
            except TimeoutError:
                break  # accepted: it waits for events
            assert message["type"] == "error"  # the completion was not processed yet
        else:
            raise AssertionError("the completed subscription's cost was never given back")


async def test_an_unknown_path_is_a_json_404(client) -> None:
    response = await client.get("/nope")
    assert response.status_code == 404 and code(response.json()) == "NOT_FOUND"
    response = await client.post("/healthz")
    assert response.status_code == 405 and code(response.json()) == "METHOD_NOT_ALLOWED"


async def test_dates_out_of_range_are_refused_like_date_times(client, gql) -> None:
    document = "mutation($i: SubmitQuoteInput!) { submitQuote(input: $i) { errors { code } } }"
    quote = {"orderId": "T3JkZXI6MQ==", "plan": "p", "lineItems": [], "estimatedCompletionOn": "9999-12-31"}
    body = (await post(client, gql, {"query": document, "variables": {"i": quote}})).json()
    assert body["data"] is None and code(body) == "BAD_USER_INPUT"


async def test_an_object_has_one_global_id(gql, db) -> None:
    async with db.write_session() as session:
        order = await factories.make_order(session, status=OrderStatus.IN_PROGRESS)
        order_id = to_global_id("Order", order.id)
    node = "query($id: ID!) { node(id: $id) { id } }"
    assert (await gql.data(node, {"id": order_id}, as_=PARTNER))["node"] == {"id": order_id}
    for variant in (order_id[:4] + "\x00" + order_id[4:], order_id.rstrip("=") + "====", " " + order_id):
        assert (await gql.data(node, {"id": variant}, as_=PARTNER))["node"] is None
