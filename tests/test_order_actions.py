"""`availableActions` and the mutations agree: for every status and every kind of viewer, an
action that keeps the status (comment, leads, edits) is listed exactly when its mutation goes
through (domain/order_actions.py decides both)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.settings import Settings
from domain.ids import to_global_id
from domain.order_actions import RULES
from models import Lead, OrderStatus, Quote
from tests import factories
from tests.conftest import PARTNER, PROVIDER, PROVIDER2, SUPPLIER
from tests.ordering import in_days, order_gid

ACTIONS = "query($id: ID!) { node(id: $id) { ... on Order { availableActions } } }"
MUTATIONS = {
    "ADD_COMMENT": ("addComment", "AddCommentInput", lambda o, lead: {"orderId": o, "body": "A question"}),
    "ADD_LEADS": ("addLeads", "AddLeadsInput", lambda o, lead: {"orderId": o, "leads": [{"name": "Kim Lead"}]}),
    "UPDATE_LEAD": ("updateLead", "UpdateLeadInput", lambda o, lead: {"leadId": lead, "status": "CONTACTED"}),
    "UPDATE_ORDER": ("updateOrder", "UpdateOrderInput", lambda o, lead: {"orderId": o, "description": "Edited"}),
    "UPDATE_ESTIMATED_COMPLETION": (
        "updateEstimatedCompletion",
        "UpdateEstimatedCompletionInput",
        lambda o, lead: {"orderId": o, "estimatedCompletionOn": in_days(45)},
    ),
    # Last: withdrawing the only quote of a request cancels it. `lead` is Taylor's quote here.
    "WITHDRAW_QUOTE": ("withdrawQuote", "WithdrawQuoteInput", lambda o, quote: {"quoteId": quote}),
}


@pytest.fixture
def settings(database_url: str) -> Settings:
    # Each viewer runs about sixty mutations here: no per-minute limit.
    return Settings(database_url=database_url, PROVIDER_ORDERS_ENV="test", mutation_rate_limit="")


def test_every_rule_has_a_mutation_here() -> None:
    assert {a.value for a in RULES} == set(MUTATIONS)


@pytest.mark.parametrize("status", list(OrderStatus), ids=lambda s: s.value)
async def test_listed_exactly_when_the_mutation_is_allowed(gql, db, status: OrderStatus) -> None:
    async with db.write_session() as session:
        quote_request = status is OrderStatus.PENDING_QUOTES
        order = await factories.make_order(
            session,
            status=status,
            service_name="SEO Consultation" if quote_request else "Social Media Starter Pack",
            with_details=True,
        )
        lead = await session.scalar(select(Lead.id).where(Lead.order_id == order.id))
        quote = await session.scalar(select(Quote.id).where(Quote.order_id == order.id))
        pk = order.id
    gid, lead_gid, quote_gid = order_gid(pk), to_global_id("Lead", lead), to_global_id("Quote", quote)
    offered_somewhere = set()
    for viewer in (PARTNER, SUPPLIER, PROVIDER, PROVIDER2):
        body = await gql(ACTIONS, {"id": gid}, as_=viewer)
        seen = body["data"]["node"]
        listed = set(seen["availableActions"]) if seen is not None else set()
        for action, (name, input_type, make) in MUTATIONS.items():
            query = f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ errors {{ code }} }} }}"
            second = quote_gid if action == "WITHDRAW_QUOTE" else lead_gid
            payload = (await gql.data(query, {"input": make(gid, second)}, as_=viewer))[name]
            allowed = payload["errors"] == []
            assert allowed is (action in listed), (status, viewer, action, payload["errors"])
            if allowed:
                offered_somewhere.add(action)
    if status is OrderStatus.IN_PROGRESS:
        assert offered_somewhere == set(MUTATIONS) - {"WITHDRAW_QUOTE"}  # the test can tell both ways
    if status is OrderStatus.PENDING_QUOTES:
        assert {"ADD_COMMENT", "WITHDRAW_QUOTE"} <= offered_somewhere
    if status is OrderStatus.ARCHIVED:
        assert offered_somewhere == set()
