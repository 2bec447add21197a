"""Helpers for the order workflow tests: demo ids, GraphQL snippets, small actions."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update

from app.db import Database
from domain.ids import to_global_id
from models import MdfFund, MdfLedgerEntry, Order, StatusChange
from models.base import utcnow

ORDER_FIELDS = """
  id status version lastActivityAt rate { amount currency } availableActions
  provider { name } estimatedCompletionOn
  statusHistory { from to action reason actor { email } }
"""
ERRORS = "errors { code message field }"

SUBMIT_ORDER = f"""
mutation($input: SubmitOrderInput!) {{ submitOrder(input: $input) {{ order {{ {ORDER_FIELDS} }} {ERRORS} }} }}
"""


def transition_mutation(name: str, input_type: str) -> str:
    return f"""
mutation($input: {input_type}!) {{ {name}(input: $input) {{ order {{ {ORDER_FIELDS} }} {ERRORS} }} }}
"""


async def demo_ids(gql: Any) -> dict[str, str]:
    """Global ids of the demo services, providers, campaign activity and Acme's fund."""
    data = await gql.data(
        """{ services(first: 50) { edges { node { id name provider { id name } } } }
             campaigns(first: 10) { edges { node { activities { id name service { id } } } } }
             mdfFunds { id name } }"""
    )
    ids: dict[str, str] = {}
    for edge in data["services"]["edges"]:
        node = edge["node"]
        ids[node["name"]] = node["id"]
        ids[node["provider"]["name"]] = node["provider"]["id"]
    for edge in data["campaigns"]["edges"]:
        for activity in edge["node"]["activities"]:
            ids["activity:" + activity["name"]] = activity["id"]
    ids["fund"] = data["mdfFunds"][0]["id"]
    return ids


async def make_fund_valid_today(db: Database) -> None:
    """The demo fund is valid in 2026 Q4; keep tests true on any date."""
    today = utcnow().date()
    async with db.write_session() as session:
        await session.execute(
            update(MdfFund).values(valid_from=today - timedelta(days=30), valid_to=today + timedelta(days=90))
        )


async def fund_balance(gql: Any, as_: str = "partner@demo.example") -> dict[str, Decimal]:
    data = await gql.data("{ mdfFunds { name allocated reserved spent available } }", as_=as_)
    fund = next(f for f in data["mdfFunds"] if f["name"] == "2026 Q4 MDF")
    return {k: Decimal(fund[k]) for k in ("allocated", "reserved", "spent", "available")}


async def snapshot(db: Database, order_pk: int) -> tuple:
    """What a refused mutation must leave unchanged."""
    async with db.read_session() as session:
        order = await session.get(Order, order_pk)
        history = await session.scalar(
            select(func.count()).select_from(StatusChange).where(StatusChange.order_id == order_pk)
        )
        ledger = await session.scalar(select(func.count()).select_from(MdfLedgerEntry))
        return (
            order.status,
            order.version,
            order.last_activity_at,
            order.comment_count,
            order.lead_count,
            history,
            ledger,
        )


def pk_of(global_id: str) -> int:
    from domain.ids import parse_global_id

    parsed = parse_global_id(global_id)
    assert parsed is not None
    return parsed[1]


def order_gid(pk: int) -> str:
    return to_global_id("Order", pk)


def in_days(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()
