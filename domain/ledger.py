"""Moving MDF money: reserve, release and spend as ledger entries in the caller's transaction.

Writers lock the fund row first (SELECT ... FOR UPDATE on PostgreSQL; SQLite's write
transactions are already serialised by BEGIN IMMEDIATE and ignore FOR UPDATE), then read the
balance, so two approvals cannot both draw on the last of a fund.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import DomainError, ErrorCode, invalid, not_found
from domain.mdf import ZERO, balance_columns, held_total
from models import LedgerEntryKind, MdfFund, MdfLedgerEntry, Order


@dataclass(frozen=True)
class Balance:
    allocated: Decimal
    reserved: Decimal
    spent: Decimal
    claimed: Decimal

    @property
    def available(self) -> Decimal:
        return self.allocated - self.reserved - self.spent


async def fund_balance(session: AsyncSession, fund_id: int) -> Balance:
    row = (await session.execute(select(*balance_columns()).where(MdfLedgerEntry.fund_id == fund_id))).one()
    return Balance(*(Decimal(v) if not isinstance(v, Decimal) else v for v in row))


async def reserved_for_order(session: AsyncSession, order_id: int) -> Decimal:
    """What the order still holds: its reservations minus what was released or spent."""
    held = await session.scalar(select(held_total()).where(MdfLedgerEntry.order_id == order_id))
    return Decimal(held or 0) if not isinstance(held, Decimal) else held


def check_fund_usable(
    fund: MdfFund, *, partner_id: int, portal_id: int, currency: str, today: date, field: list[str]
) -> None:
    """A fund may pay for an order of `partner_id` today: same portal, same organisation, valid, same currency."""
    if fund.portal_id != portal_id or fund.partner_id != partner_id:
        raise not_found("MDF fund", field)
    if not fund.valid_from <= today <= fund.valid_to:
        raise invalid(f"the MDF fund {fund.name!r} can be used only from {fund.valid_from} to {fund.valid_to}", field)
    if fund.currency != currency:
        raise invalid(f"the MDF fund {fund.name!r} is in {fund.currency}, the order in {currency}", field)


async def _locked_fund(session: AsyncSession, fund_id: int) -> MdfFund:
    fund = await session.scalar(
        select(MdfFund).where(MdfFund.id == fund_id).with_for_update().execution_options(populate_existing=True)
    )
    if fund is None:  # pragma: no cover - the foreign key keeps it
        raise not_found("MDF fund")
    return fund


async def _append(
    session: AsyncSession,
    fund: MdfFund,
    order: Order,
    kind: LedgerEntryKind,
    amount: Decimal,
    actor_id: int | None,
    memo: str,
) -> MdfLedgerEntry:
    entry = MdfLedgerEntry(fund_id=fund.id, order_id=order.id, kind=kind, amount=amount, actor_id=actor_id, memo=memo)
    session.add(entry)
    await session.execute(
        update(MdfFund)
        .where(MdfFund.id == fund.id)
        .values(version=MdfFund.version + 1)
        .execution_options(synchronize_session=False)
    )
    await session.flush()
    return entry


async def reserve(
    session: AsyncSession, order: Order, amount: Decimal, actor_id: int | None, *, today: date, field: list[str]
) -> MdfLedgerEntry | None:
    """Hold `amount` of the order's fund; INSUFFICIENT_FUNDS when the fund cannot cover it."""
    if order.mdf_fund_id is None:
        return None
    fund = await _locked_fund(session, order.mdf_fund_id)
    check_fund_usable(
        fund, partner_id=order.partner_id, portal_id=order.portal_id, currency=order.currency, today=today, field=field
    )
    balance = await fund_balance(session, fund.id)
    if balance.available < amount:
        raise DomainError(
            ErrorCode.INSUFFICIENT_FUNDS,
            f"the MDF fund {fund.name!r} has {balance.available} {fund.currency} available; "
            f"this order needs {amount} {order.currency}",
            field,
        )
    return await _append(session, fund, order, LedgerEntryKind.RESERVE, amount, actor_id, f"order {order.id} approved")


async def release(session: AsyncSession, order: Order, actor_id: int | None) -> MdfLedgerEntry | None:
    """Give back whatever the order holds (nothing when it never reached APPROVED)."""
    return await _settle(session, order, LedgerEntryKind.RELEASE, actor_id, "released")


async def spend(session: AsyncSession, order: Order, actor_id: int | None) -> MdfLedgerEntry | None:
    """Turn the order's reservation into spend."""
    return await _settle(session, order, LedgerEntryKind.SPEND, actor_id, "completed")


async def locked_fund(session: AsyncSession, fund_id: int) -> MdfFund:
    """The fund row, locked for the rest of the transaction (every writer of its ledger takes it first)."""
    return await _locked_fund(session, fund_id)


async def claim(session: AsyncSession, fund: MdfFund, order: Order, amount: Decimal, actor_id: int, memo: str) -> None:
    """Record a claim filed against the order's reservation (the amount stays reserved)."""
    await _append(session, fund, order, LedgerEntryKind.CLAIM, amount, actor_id, memo)


async def close_claim(
    session: AsyncSession, fund: MdfFund, order: Order, amount: Decimal, actor_id: int | None, memo: str
) -> None:
    await _append(session, fund, order, LedgerEntryKind.CLAIM_CLOSED, amount, actor_id, memo)


async def spend_amount(
    session: AsyncSession, fund: MdfFund, order: Order, amount: Decimal, actor_id: int | None, memo: str
) -> None:
    """Spend `amount` of what the order holds, then release the rest."""
    held = await reserved_for_order(session, order.id)
    assert amount <= held, "a claim never exceeds the reservation"
    if amount > ZERO:
        await _append(session, fund, order, LedgerEntryKind.SPEND, amount, actor_id, memo)
    if held - amount > ZERO:
        await _append(session, fund, order, LedgerEntryKind.RELEASE, held - amount, actor_id, f"{memo}: rest released")


async def _settle(
    session: AsyncSession, order: Order, kind: LedgerEntryKind, actor_id: int | None, what: str
) -> MdfLedgerEntry | None:
    if order.mdf_fund_id is None:
        return None
    fund = await _locked_fund(session, order.mdf_fund_id)
    held = await reserved_for_order(session, order.id)
    if held <= ZERO:
        return None
    return await _append(session, fund, order, kind, held, actor_id, f"order {order.id} {what}")
