"""Who sees what: tenant isolation for every type reachable by `node`, and each role's view of an order."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from domain.ids import to_global_id
from models import (
    ActivityType,
    Campaign,
    CampaignActivity,
    Comment,
    Lead,
    MdfFund,
    OrderStatus,
    Organization,
    Portal,
    Quote,
    Service,
    User,
)
from tests import factories
from tests.conftest import OUTSIDER, PARTNER, PARTNER2, PROVIDER, PROVIDER2, SUPPLIER

NODE = "query($id: ID!) { node(id: $id) { __typename id } }"
DEMO_USERS = [PARTNER, PARTNER2, SUPPLIER, PROVIDER, PROVIDER2]


async def _ids_by_portal(db) -> dict[str, dict[str, list[str]]]:
    """Global ids of every node type, per portal name."""
    async with db.write_session() as session:
        for portal_partner in ("Acme Resellers", "Outside Partners"):
            service_name = "SEO Consultation" if portal_partner == "Acme Resellers" else "SEO Sprint"
            invited = ("Taylor Marketing",) if portal_partner == "Acme Resellers" else ()
            await factories.make_order(
                session,
                status=OrderStatus.IN_PROGRESS,
                service_name=service_name,
                partner_name=portal_partner,
                invited=invited,
                with_details=True,
            )
    result: dict[str, dict[str, list[str]]] = {}
    async with db.read_session() as session:
        portals = {p.id: p.name for p in await session.scalars(select(Portal))}
        orgs = {o.id: o for o in await session.scalars(select(Organization))}
        from models import Order

        orders = {o.id: o for o in await session.scalars(select(Order))}
        campaigns = {c.id: c for c in await session.scalars(select(Campaign))}

        def add(portal_id: int, type_name: str, pk: int) -> None:
            result.setdefault(portals[portal_id], {}).setdefault(type_name, []).append(to_global_id(type_name, pk))

        for pid in portals:
            add(pid, "Portal", pid)
        for o in orgs.values():
            add(o.portal_id, o.kind.value.title(), o.id)
        for u in await session.scalars(select(User)):
            add(orgs[u.organization_id].portal_id, "User", u.id)
        for s in await session.scalars(select(Service)):
            add(s.portal_id, "Service", s.id)
        for t in await session.scalars(select(ActivityType)):
            add(t.portal_id, "ActivityType", t.id)
        for c in campaigns.values():
            add(c.portal_id, "Campaign", c.id)
        for a in await session.scalars(select(CampaignActivity)):
            add(campaigns[a.campaign_id].portal_id, "CampaignActivity", a.id)
        for f in await session.scalars(select(MdfFund)):
            add(f.portal_id, "MdfFund", f.id)
        for o in orders.values():
            add(o.portal_id, "Order", o.id)
        for model, name in ((Quote, "Quote"), (Comment, "Comment"), (Lead, "Lead")):
            for row in await session.scalars(select(model)):
                add(orders[row.order_id].portal_id, name, row.id)
    return result


EVERY_TYPE = {
    "Portal",
    "Supplier",
    "Partner",
    "Provider",
    "User",
    "Service",
    "ActivityType",
    "Campaign",
    "CampaignActivity",
    "MdfFund",
    "Order",
    "Quote",
    "Comment",
    "Lead",
}


async def test_nothing_of_one_portal_is_visible_from_the_other(gql, db) -> None:
    ids = await _ids_by_portal(db)
    assert set(ids["Other Portal"]) == EVERY_TYPE and set(ids["Demo Portal"]) == EVERY_TYPE
    for type_name, other_ids in ids["Other Portal"].items():
        for user in DEMO_USERS:
            data = await gql.data("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": other_ids}, as_=user)
            assert data["nodes"] == [None] * len(other_ids), (type_name, user)
    for type_name, demo_ids in ids["Demo Portal"].items():
        data = await gql.data("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": demo_ids}, as_=OUTSIDER)
        assert data["nodes"] == [None] * len(demo_ids), type_name
    # The outsider does see their own portal's things.
    own = ids["Other Portal"]["Service"][0]
    assert (await gql.data(NODE, {"id": own}, as_=OUTSIDER))["node"]["__typename"] == "Service"


async def test_supplier_sees_every_type_of_its_portal(gql, db) -> None:
    ids = await _ids_by_portal(db)
    for type_name, demo_ids in ids["Demo Portal"].items():
        data = await gql.data(
            "query($ids: [ID!]!) { nodes(ids: $ids) { __typename } }", {"ids": demo_ids}, as_=SUPPLIER
        )
        assert [n and n["__typename"] for n in data["nodes"]] == [type_name] * len(demo_ids)


@pytest.mark.parametrize(
    "garbage",
    ["", "nope", "T3JkZXI6", "T3JkZXI6YWJj", "T3JkZXI6LTE=", "VW5rbm93bjox", "T3JkZXI6OTk5OTk5OTk5", "💥" * 3],
)
async def test_garbage_and_unknown_ids_read_as_null(gql, garbage) -> None:
    body = await gql(NODE, {"id": garbage}, as_=SUPPLIER)
    assert body["data"] == {"node": None} and not body.get("errors")


async def test_a_node_of_the_wrong_kind_reads_as_null(gql, db) -> None:
    async with db.read_session() as session:
        acme = (await session.scalars(select(Organization).where(Organization.name == "Acme Resellers"))).one()
    assert (await gql.data(NODE, {"id": to_global_id("Provider", acme.id)}, as_=SUPPLIER))["node"] is None
    assert (await gql.data(NODE, {"id": to_global_id("Partner", acme.id)}, as_=SUPPLIER))["node"][
        "__typename"
    ] == "Partner"


async def test_partners_do_not_see_each_other(gql, db) -> None:
    async with db.read_session() as session:
        beta = (await session.scalars(select(Organization).where(Organization.name == "Beta Solutions"))).one()
        beta_fund = (await session.scalars(select(MdfFund).where(MdfFund.partner_id == beta.id))).one()
    for gid in (to_global_id("Partner", beta.id), to_global_id("MdfFund", beta_fund.id)):
        assert (await gql.data(NODE, {"id": gid}, as_=PARTNER))["node"] is None
    funds = (await gql.data("{ mdfFunds { name } }", as_=PARTNER))["mdfFunds"]
    assert funds == [{"name": "2026 Q4 MDF"}]
    assert (await gql.data("{ mdfFunds { name } }", as_=PROVIDER))["mdfFunds"] == []
    assert len((await gql.data("{ mdfFunds { name } }", as_=SUPPLIER))["mdfFunds"]) == 2


ORDER_VIEW = """query($id: ID!) { node(id: $id) { ... on Order {
  name status view contacts { name } comments { body } leads { name } notificationRecipients { email }
  statusHistory { to } mdfFund { name } quotes { provider { name } } invitations { provider { name } }
  commentCount leadCount availableActions
} } }"""


async def _quote_request(db):
    async with db.write_session() as session:
        order = await factories.make_order(
            session,
            status=OrderStatus.PENDING_QUOTES,
            invited=("Taylor Marketing", "Northwind Digital"),
            with_details=True,
        )
    return to_global_id("Order", order.id)


async def test_each_role_sees_a_quote_request_as_it_should(gql, db) -> None:
    gid = await _quote_request(db)
    for user in (PARTNER, SUPPLIER):
        order = (await gql.data(ORDER_VIEW, {"id": gid}, as_=user))["node"]
        assert order["view"] == "FULL"
        assert order["contacts"] and order["comments"] and order["leads"] and order["notificationRecipients"]
        assert sorted(q["provider"]["name"] for q in order["quotes"]) == ["Northwind Digital", "Taylor Marketing"]
        assert len(order["invitations"]) == 2
    assert "ACCEPT_QUOTE" in (await gql.data(ORDER_VIEW, {"id": gid}, as_=PARTNER))["node"]["availableActions"]

    # An invited provider sees a quote request: its own quote only, no contacts, comments, leads or fund.
    order = (await gql.data(ORDER_VIEW, {"id": gid}, as_=PROVIDER))["node"]
    assert order["view"] == "QUOTE_REQUEST"
    assert [q["provider"]["name"] for q in order["quotes"]] == ["Taylor Marketing"]
    for hidden in ("contacts", "comments", "leads", "notificationRecipients", "statusHistory", "invitations"):
        assert order[hidden] == [], hidden
    assert order["mdfFund"] is None and order["commentCount"] == 0 and order["leadCount"] == 0
    # It may revise or withdraw its quote, decline, or ask the partner in its own thread.
    assert set(order["availableActions"]) == {"SUBMIT_QUOTE", "DECLINE_TO_QUOTE", "WITHDRAW_QUOTE", "ADD_COMMENT"}

    for user in (PARTNER2, OUTSIDER):
        assert (await gql.data(ORDER_VIEW, {"id": gid}, as_=user))["node"] is None


async def test_providers_see_assigned_orders_from_approval_on(gql, db) -> None:
    async with db.write_session() as session:
        pending = await factories.make_order(
            session, status=OrderStatus.PENDING_APPROVAL, service_name="Social Media Starter Pack"
        )
        approved = await factories.make_order(
            session, status=OrderStatus.APPROVED, service_name="Social Media Starter Pack", with_details=True
        )
        uninvited = await factories.make_order(
            session, status=OrderStatus.PENDING_QUOTES, invited=("Northwind Digital",)
        )
    # Fixed price, not yet approved: the provider does not know of it.
    assert (await gql.data(NODE, {"id": to_global_id("Order", pending.id)}, as_=PROVIDER))["node"] is None
    assert (await gql.data(NODE, {"id": to_global_id("Order", uninvited.id)}, as_=PROVIDER))["node"] is None
    order = (await gql.data(ORDER_VIEW, {"id": to_global_id("Order", approved.id)}, as_=PROVIDER))["node"]
    assert order["view"] == "FULL" and order["contacts"] and order["comments"] and order["mdfFund"] is None
    assert set(order["availableActions"]) == {"ACCEPT_ORDER", "DENY_ORDER", "CANCEL_ORDER", "ADD_COMMENT"}
    assert (await gql.data(NODE, {"id": to_global_id("Order", approved.id)}, as_=PROVIDER2))["node"] is None
    # The orders list agrees with node.
    listed = await gql.data("{ orders(first: 50) { totalCount edges { node { name status } } } }", as_=PROVIDER)
    assert {e["node"]["status"] for e in listed["orders"]["edges"]} == {"APPROVED"}
