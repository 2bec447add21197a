"""What the list and detail screens read through an order: latest quote, counts, comment and
lead pages, with a fixed number of SQL statements whatever the page size."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from domain.ids import to_global_id
from models import Comment, Lead, LeadStatus, OrderStatus, Quote
from models.base import utcnow
from tests import factories
from tests.conftest import PARTNER, PROVIDER, PROVIDER2, SUPPLIER
from tests.fast_path_taken import fast_path_taken  # noqa: F401 - every test here takes the fast path

LIST = """
query($first: Int) {
  orders(first: $first) {
    totalCount
    edges { node {
      id name status rate { amount currency } submittedAt
      provider { id name } service { id name } partner { id name }
      latestQuote { id total { amount } provider { name } }
      commentCount leadCount
    } }
  }
}"""


# The same page as a plain list of its orders.
NODES_LIST = LIST.replace("edges { node {", "nodes {").replace("} }\n  }\n}", "}\n  }\n}")


def page_nodes(data: dict) -> list[dict]:
    page = data["orders"]
    return page["nodes"] if "nodes" in page else [edge["node"] for edge in page["edges"]]


@pytest.mark.parametrize("query", [LIST, NODES_LIST], ids=["edges", "nodes"])
async def test_a_page_of_5_and_a_page_of_100_cost_the_same_statements(gql, db, sql_counter, query: str) -> None:
    await factories.bulk_orders(db, 100)
    await gql.token(SUPPLIER)  # the token lookup is not part of the query
    # Nor the viewer's first lookup (on PostgreSQL, a known token's viewer is checked within the page).
    await gql.data(query, {"first": 1}, as_=SUPPLIER)
    with sql_counter:
        small = await gql.data(query, {"first": 5}, as_=SUPPLIER)
    small_count = sql_counter.count
    with sql_counter:
        large = await gql.data(query, {"first": 100}, as_=SUPPLIER)
    assert len(page_nodes(small)) == 5 and len(page_nodes(large)) == 100
    assert sql_counter.count == small_count <= 8, sql_counter.statements
    node = page_nodes(large)[0]
    assert node["provider"]["name"] == "Taylor Marketing" and node["partner"]["name"] == "Acme Resellers"
    assert node["latestQuote"]["provider"]["name"] == "Northwind Digital"
    assert (node["commentCount"], node["leadCount"]) == (1, 1)


LATEST = "query($id: ID!) { node(id: $id) { ... on Order { latestQuote { provider { name } } } } }"
LATEST_IN_LIST = "{ orders(first: 50) { edges { node { id latestQuote { provider { name } } } } } }"


async def test_latest_quote_is_the_viewers_latest(gql, db) -> None:
    async with db.write_session() as session:
        order = await factories.make_order(
            session,
            status=OrderStatus.PENDING_QUOTES,
            invited=("Taylor Marketing", "Northwind Digital"),
            with_details=True,
        )
        quotes = (await session.scalars(select(Quote).where(Quote.order_id == order.id).order_by(Quote.id))).all()
        quotes[0].submitted_at = utcnow() + timedelta(minutes=1)  # Taylor's is the newer
        order_id = to_global_id("Order", order.id)
        empty = await factories.make_order(session, status=OrderStatus.PENDING_QUOTES, name="No quotes")
        empty_id = to_global_id("Order", empty.id)

    def latest(data: dict) -> dict:
        return data["node"]["latestQuote"]

    assert latest(await gql.data(LATEST, {"id": order_id}, as_=PARTNER))["provider"]["name"] == "Taylor Marketing"
    assert latest(await gql.data(LATEST, {"id": order_id}, as_=SUPPLIER))["provider"]["name"] == "Taylor Marketing"
    assert latest(await gql.data(LATEST, {"id": order_id}, as_=PROVIDER2))["provider"]["name"] == "Northwind Digital"
    assert latest(await gql.data(LATEST, {"id": empty_id}, as_=PARTNER)) is None
    # The list reads the latest quotes with its page (a provider's from its own quotes): same answers.
    for viewer, expected in (
        (PARTNER, "Taylor Marketing"),
        (SUPPLIER, "Taylor Marketing"),
        (PROVIDER, "Taylor Marketing"),
        (PROVIDER2, "Northwind Digital"),
    ):
        edges = (await gql.data(LATEST_IN_LIST, as_=viewer))["orders"]["edges"]
        listed = {e["node"]["id"]: e["node"]["latestQuote"] for e in edges}
        assert listed[order_id]["provider"]["name"] == expected, viewer
        assert listed.get(empty_id) is None


THREAD = """
query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  node(id: $id) { ... on Order {
    commentCount
    commentsConnection(first: $first, after: $after, last: $last, before: $before) {
      totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { node { body } }
    }
    leadsConnection(first: 2) { totalCount edges { node { name } } }
    comments { body }
  } }
}"""


async def test_comments_and_leads_page_through_an_order(gql, db) -> None:
    async with db.write_session() as session:
        order = await factories.make_order(session, status=OrderStatus.IN_PROGRESS)
        author = await factories.user(session, PARTNER)
        start = utcnow()
        for i in range(5):
            session.add(
                Comment(order_id=order.id, author_id=author.id, body=f"c{i}", created_at=start + timedelta(seconds=i))
            )
            session.add(
                Lead(
                    order_id=order.id,
                    created_by_id=author.id,
                    name=f"l{i}",
                    status=LeadStatus.NEW,
                    created_at=start + timedelta(seconds=i),
                )
            )
        order.comment_count, order.lead_count = 5, 5
        order_id = to_global_id("Order", order.id)

    async def thread(as_: str = PARTNER, **page) -> dict:
        return (await gql.data(THREAD, {"id": order_id, **page}, as_=as_))["node"]

    node = await thread(first=2)
    conn = node["commentsConnection"]
    assert [e["node"]["body"] for e in conn["edges"]] == ["c0", "c1"]
    assert conn["totalCount"] == 5 and conn["pageInfo"]["hasNextPage"] is True
    assert [e["node"]["name"] for e in node["leadsConnection"]["edges"]] == ["l0", "l1"]
    assert len(node["comments"]) == 5  # the plain list still works
    rest = (await thread(first=10, after=conn["pageInfo"]["endCursor"]))["commentsConnection"]
    assert [e["node"]["body"] for e in rest["edges"]] == ["c2", "c3", "c4"]
    assert rest["pageInfo"]["hasNextPage"] is False and rest["pageInfo"]["hasPreviousPage"] is True
    newest = (await thread(last=2))["commentsConnection"]
    assert [e["node"]["body"] for e in newest["edges"]] == ["c3", "c4"]
    older = (await thread(last=2, before=newest["pageInfo"]["startCursor"]))["commentsConnection"]
    assert [e["node"]["body"] for e in older["edges"]] == ["c1", "c2"] and older["pageInfo"]["hasPreviousPage"]
    body = await gql(THREAD, {"id": order_id, "first": 101}, as_=PARTNER)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    # A quote request shows no comments or leads.
    async with db.write_session() as session:
        request = await factories.make_order(session, status=OrderStatus.PENDING_QUOTES, with_details=True)
        request_id = to_global_id("Order", request.id)
    node = (await gql.data(THREAD, {"id": request_id, "first": 5}, as_=PROVIDER))["node"]
    assert node["commentsConnection"]["edges"] == [] and node["commentsConnection"]["totalCount"] == 0
    assert node["commentCount"] == 0
