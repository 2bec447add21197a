"""Compiled reads (schema.compiled, resolvers.order_json) answer exactly as the resolvers do:
the same JSON, key order included, for every kind of viewer, filter, sort, direction and page,
with fragments, aliases and directives; what the compiler does not know is resolved as before;
a database that fails during a compiled read gives SERVICE_UNAVAILABLE."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select, update

from app.auth import load_viewer
from domain.ids import to_global_id
from models import OrderStatus, Organization, OrganizationKind, User, UserRole
from resolvers.context import Context
from schema import compiled
from schema.api import build_schema
from tests import factories
from tests.conftest import BACKEND, PARTNER, PARTNER2, PROVIDER, PROVIDER2, SUPPLIER, requires_postgresql
from tests.test_revocation import deactivate_organization, deactivate_user, revoke

pytestmark = requires_postgresql  # SQLite keeps the resolvers (the fast path) for every read

schema = build_schema()

ORDER_FIELDS = """
  id __typename name description status origin paymentMethod currency submittedAt lastActivityAt
  estimatedCompletionOn scheduledFor completedAt version view
  rate { amount currency __typename }
  provider { __typename id name kind description website }
  partner { id name kind }
  service { id name description pricingModel price { amount currency } }
  latestQuote { __typename id status revision plan expiresAt estimatedCompletionOn terms submittedAt
                total { amount currency } provider { id name } }
  commentCount leadCount
"""

LIST = (
    """
query($first: Int, $after: String, $last: Int, $before: String, $filter: OrderFilter, $orderBy: OrderOrder) {
  orders(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
    __typename totalCount
    pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor }
    edges { __typename cursor node { """
    + ORDER_FIELDS
    + """ } }
    statusCounts { __typename status count }
  }
}"""
)

SHAPES = """
query($withQuote: Boolean!, $skipCounts: Boolean!) {
  orders(first: 30, orderBy: {field: LAST_ACTIVITY_AT, direction: ASC}) {
    pageInfo { ...Pages }
    list: edges { at: cursor node {
      ...OrderBits
      title: name
      latestQuote @include(if: $withQuote) { __typename id status total { amount currency } provider { name } }
      commentCount @skip(if: $skipCounts)
      leadCount @skip(if: $skipCounts)
      ... on Order { provider { id } partner { kind website } }
      ... on Node { id }
    } }
    count: totalCount
  }
  again: orders(first: 2) { edges { node { name } } nodes { id rate { amount } } }
}
fragment Pages on PageInfo { hasNextPage hasPreviousPage startCursor endCursor }
fragment OrderBits on Order {
  id __typename status origin paymentMethod
  provider { __typename id name ... on Organization { kind } }
  partner { id name }
  quotes { id status total { amount } }
}"""

DETAIL = """
query($id: ID!, $last: Int, $first: Int) {
  node(id: $id) { __typename id ... on Order {
    name description status paymentMethod submittedAt lastActivityAt estimatedCompletionOn
    rate { amount currency } provider { id name } service { id name } partner { id name }
    commentCount leadCount
    commentsConnection(last: $last) {
      __typename totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { __typename cursor node { id body createdAt author { id name email } } }
    }
    leadsConnection(first: $first) {
      nodes { name }
      totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id name email company phone status createdAt updatedAt } }
    }
    statusHistory { __typename from to action reason at actor { id name } }
    quotes { id status plan total { amount currency } submittedAt expiresAt provider { name } }
  } }
}"""

# Not compiled: a field with a per-viewer resolver, and an abstract type.
UNKNOWN = """
query($id: ID!) {
  node(id: $id) { ... on Order { id availableActions timeline { __typename } } }
  orders(first: 5) { edges { node { id availableActions mdfFund { id } } } }
}"""

VIEWERS = [PARTNER, PARTNER2, SUPPLIER, PROVIDER, PROVIDER2]
COMPILED_VIEWERS = {PARTNER, PARTNER2, SUPPLIER}


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


async def _both(db, settings, email: str, query: str, variables: dict | None = None) -> tuple[str, str, int]:
    """(resolvers' JSON, compiled JSON, root fields compiled) of one query."""
    async with db.read_session() as session:
        user = await factories.user(session, email)
        viewer = await load_viewer(session, user.id)

    def context(raw: bool) -> Context:
        context = Context(db=db, settings=settings, bus=None, request_id="test", viewer=viewer)
        context.raw_json = raw
        return context

    def as_json(r: Any) -> str:
        body = {"data": r.data}
        if r.errors:
            body["errors"] = [e.formatted for e in r.errors]
        return json.dumps(json.loads(compiled.encode_response(body)))

    expected = await schema.execute(query, variable_values=variables, context_value=context(False))
    before = compiled.stats().get("compiled", 0)
    got = await schema.execute(query, variable_values=variables, context_value=context(True))
    return as_json(expected), as_json(got), compiled.stats().get("compiled", 0) - before


async def _same(db, settings, email: str, query: str, variables: dict | None = None) -> dict:
    expected, got, taken = await _both(db, settings, email, query, variables)
    assert got == expected
    assert "errors" not in json.loads(expected), expected
    if email in COMPILED_VIEWERS:
        assert taken >= 1, compiled.stats()
    else:
        assert taken == 0
    return json.loads(expected)


@pytest.mark.parametrize("email", VIEWERS)
async def test_the_list_pages_forwards_and_backwards_in_every_sort(db, settings, orders, email: str) -> None:
    for field in ("SUBMITTED_AT", "LAST_ACTIVITY_AT", "ESTIMATED_COMPLETION_ON"):
        for direction in ("ASC", "DESC"):
            order_by = {"field": field, "direction": direction}
            first = await _same(db, settings, email, LIST, {"first": 7, "orderBy": order_by})
            page = first["data"]["orders"]
            assert page["edges"] or email not in COMPILED_VIEWERS
            seen = [e["node"]["id"] for e in page["edges"]]
            while page["pageInfo"]["hasNextPage"]:
                after = page["pageInfo"]["endCursor"]
                page = (await _same(db, settings, email, LIST, {"first": 7, "after": after, "orderBy": order_by}))[
                    "data"
                ]["orders"]
                seen += [e["node"]["id"] for e in page["edges"]]
            assert len(seen) == len(set(seen)) == first["data"]["orders"]["totalCount"]
            if page["edges"]:
                before = page["pageInfo"]["startCursor"]
                await _same(db, settings, email, LIST, {"last": 5, "before": before, "orderBy": order_by})
            await _same(db, settings, email, LIST, {"last": 4, "orderBy": order_by})


@pytest.mark.parametrize("email", VIEWERS)
async def test_every_filter(db, settings, orders, email: str) -> None:
    async with db.read_session() as session:
        provider = await factories.org(session, "Taylor Marketing")
    filters = [
        {"statuses": ["PENDING_QUOTES", "IN_PROGRESS"]},
        {"search": "quotes"},
        {"search": "bulk"},
        {"providerIds": [to_global_id("Provider", provider.id)]},
        {"paymentMethods": ["MDF"]},
        {"origins": ["MARKETPLACE", "CAMPAIGN_ACTIVITY"]},
        {"submitted": {"from": "2000-01-01T00:00:00Z", "to": "2100-01-01T00:00:00Z"}},
        {"lastActivity": {"from": "2000-01-01T00:00:00+02:00"}},
        {"statuses": ["ARCHIVED"]},
    ]
    for f in filters:
        await _same(db, settings, email, LIST, {"first": 10, "filter": f})


@pytest.mark.parametrize("email", VIEWERS)
@pytest.mark.parametrize(("with_quote", "skip_counts"), [(True, False), (False, True)])
async def test_fragments_directives_and_aliases(
    db, settings, orders, email: str, with_quote: bool, skip_counts: bool
) -> None:
    await _same(db, settings, email, SHAPES, {"withQuote": with_quote, "skipCounts": skip_counts})


@pytest.mark.parametrize("email", VIEWERS)
async def test_the_detail_page(db, settings, orders, email: str) -> None:
    for order_id in orders:
        for last, first in ((50, 50), (2, 1), (0, None), (None, None)):
            expected, got, _ = await _both(db, settings, email, DETAIL, {"id": order_id, "last": last, "first": first})
            assert got == expected
    # Someone else's order, and no order at all, read as null either way.
    await _same(db, settings, email, DETAIL, {"id": to_global_id("Order", 10**9)})


@pytest.mark.parametrize("email", [SUPPLIER, PARTNER])
async def test_what_is_not_compiled_is_resolved_as_before(db, settings, orders, email: str) -> None:
    expected, got, taken = await _both(db, settings, email, UNKNOWN, {"id": orders[0]})
    assert got == expected and taken == 0
    # A quote's id in node(id:): the node resolver answers.
    expected, got, taken = await _both(db, settings, email, DETAIL, {"id": to_global_id("Quote", 1)})
    assert got == expected and taken == 0


@pytest.mark.parametrize(
    "variables",
    [
        {"first": 500},
        {"first": 5, "last": 5},
        {"first": 5, "after": "bm90IGEgY3Vyc29y.AAAA"},
        {"first": 5, "filter": {"search": "x" * 300}},
        {"first": 5, "filter": {"submitted": {"from": "1700-01-01T00:00:00Z"}}},
        {"first": 5, "filter": {"statuses": ["DENIED"] * 101}},
    ],
)
async def test_refused_arguments_give_the_same_errors(db, settings, orders, variables: dict) -> None:
    expected, got, taken = await _both(db, settings, SUPPLIER, LIST, variables)
    assert got == expected and taken == 0
    assert json.loads(got)["errors"]


async def test_over_http_the_answer_is_spliced_and_unauthenticated_is_refused(gql, orders) -> None:
    before = compiled.stats().get("compiled", 0)
    data = await gql.data(LIST, {"first": 3}, as_=SUPPLIER)
    assert len(data["orders"]["edges"]) == 3 and compiled.stats()["compiled"] == before + 1
    body = await gql(LIST, {"first": 3}, as_=None)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_database_failure_during_a_compiled_read_is_service_unavailable(gql, orders, db, monkeypatch) -> None:
    async def refuse(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionRefusedError("the database went away")

    await gql.token(SUPPLIER)
    monkeypatch.setattr("sqlalchemy.ext.asyncio.AsyncConnection.exec_driver_sql", refuse)
    body = await gql(LIST, {"first": 3}, as_=SUPPLIER)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"


async def test_a_database_failure_with_a_known_token_is_service_unavailable(gql, orders, monkeypatch) -> None:
    """The viewer taken on trust: the compiled read's own failure, and the look-up another field
    waits for, both answer as a failed look-up before execution does: 503, SERVICE_UNAVAILABLE
    (never UNAUTHENTICATED: the client keeps its token)."""

    async def refuse(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionRefusedError("the database went away")

    assert "errors" not in await gql(LIST, {"first": 3}, as_=SUPPLIER)  # the token is known now
    for query in (LIST, "query { viewer { user { email } } }"):  # compiled, then not
        with monkeypatch.context() as patch:
            patch.setattr("sqlalchemy.ext.asyncio.AsyncConnection.exec_driver_sql", refuse)
            patch.setattr("sqlalchemy.ext.asyncio.AsyncConnection.execute", refuse)
            response = await gql.raw(query, {"first": 3}, as_=SUPPLIER)
        assert response.status_code == 503 and response.headers["Retry-After"] == "1", response.text
        assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert "errors" not in await gql("query { viewer { user { email } } }", as_=SUPPLIER)


def test_only_postgresql_is_compiled() -> None:
    assert BACKEND == "postgresql"


async def test_one_statement_a_page_whatever_its_size(gql, orders, sql_counter) -> None:
    await gql.token(SUPPLIER)
    counts = []
    for variables in ({"first": 2}, {"first": 29}, {"last": 29}):
        with sql_counter:
            await gql.data(LIST, variables, as_=SUPPLIER)
        counts.append(len(sql_counter.statements))
    # The viewer's lookup, then the page with its orders, relations, counts and cursors; once the
    # token is known, the page alone: its statement checks the viewer itself.
    assert counts == [2, 1, 1]
    with sql_counter:
        await gql.data(DETAIL, {"id": orders[0], "last": 50, "first": 50}, as_=SUPPLIER)
    assert len(sql_counter.statements) == 1


FIRST_ORDER = "query { orders(first: 1) { edges { node { id } } } }"


@pytest.mark.parametrize(
    "change",
    ["deactivate the user", "deactivate the organisation", "revoke the tokens", "user row", "organisation row"],
)
async def test_a_known_token_loses_access_at_once(gql, app, orders, change: str) -> None:
    """The viewer a token named at its last check is taken on trust by compiled reads, and the
    statement checks it: losing access shows on the very next request."""
    body = await gql(FIRST_ORDER, as_=PARTNER)
    assert body["data"]["orders"]["edges"], body
    db, bus = app.state.db, app.state.bus
    if change == "deactivate the user":
        await deactivate_user(db, bus, PARTNER)
    elif change == "deactivate the organisation":
        await deactivate_organization(db, bus, "Acme Resellers")
    elif change in ("user row", "organisation row"):  # switched off as an operator might, in SQL
        async with db.write_session() as session:
            if change == "user row":
                await session.execute(update(User).where(User.email == PARTNER).values(is_active=False))
            else:
                await session.execute(
                    update(Organization).where(Organization.name == "Acme Resellers").values(is_active=False)
                )
    else:
        await revoke(db, bus, PARTNER)
    for query in (FIRST_ORDER, "query($id: ID!) { node(id: $id) { id } }"):
        body = await gql(query, {"id": orders[0]} if "$id" in query else None, as_=PARTNER)
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", body
        assert body["data"] in (None, {"node": None})  # orders is non-null, node nullable


async def test_a_known_token_whose_user_changed_role_is_answered_as_the_resolvers_do(gql, app, orders) -> None:
    first = await gql(FIRST_ORDER, as_=PARTNER)
    async with app.state.db.write_session() as session:
        await session.execute(update(User).where(User.email == PARTNER).values(role=UserRole.MEMBER))
    again = await gql(FIRST_ORDER, as_=PARTNER)
    assert again == first
    assert "errors" not in again


async def test_a_known_token_whose_user_moved_organisation_reads_the_new_ones_orders(gql, app, orders) -> None:
    before = await gql(FIRST_ORDER, as_=PARTNER)
    theirs = await gql(FIRST_ORDER, as_=PARTNER2)
    assert before != theirs
    async with app.state.db.write_session() as session:
        beta = await session.scalar(select(User.organization_id).where(User.email == PARTNER2))
        await session.execute(update(User).where(User.email == PARTNER).values(organization_id=beta))
    assert await gql(FIRST_ORDER, as_=PARTNER) == theirs


async def test_a_known_token_whose_organisation_became_a_provider_reads_as_one(gql, app, orders) -> None:
    assert (await gql(FIRST_ORDER, as_=PARTNER))["data"]["orders"]["edges"]
    async with app.state.db.write_session() as session:
        await session.execute(
            update(Organization).where(Organization.name == "Acme Resellers").values(kind=OrganizationKind.PROVIDER)
        )
    for _ in range(2):  # and never again as the partner it was
        assert (await gql(FIRST_ORDER, as_=PARTNER))["data"]["orders"]["edges"] == []


async def test_other_fields_of_a_request_wait_for_the_viewer_to_be_looked_up(gql, app, orders, sql_counter) -> None:
    await gql(FIRST_ORDER, as_=PARTNER)
    await deactivate_user(app.state.db, app.state.bus, PARTNER)
    with sql_counter:
        body = await gql("query { viewer { user { email } } }", as_=PARTNER)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", body
    assert any("user_account" in statement for statement in sql_counter.statements)
    body = await gql("query { orders(first: 1) { totalCount } viewer { user { email } } }", as_=PARTNER)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", body
