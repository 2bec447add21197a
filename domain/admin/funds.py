"""createMdfFund, adjustMdfFund (supplier ADMIN): allocations as ledger entries.

Every allocation, first or adjusting, is an ALLOCATE entry of the fund's ledger (negative when
the allocation shrinks). The fund row is locked first (PostgreSQL; SQLite serialises writers),
then the balance read: concurrent adjustments queue on the lock, so none is lost, and an
allocation never drops below what orders hold and spent (INSUFFICIENT_FUNDS).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select, update

from domain import ledger
from domain.admin import audit, checks
from domain.admin.permissions import Permission, require
from domain.errors import DomainError, ErrorCode, invalid, not_found
from domain.unit_of_work import UnitOfWork
from domain.validation import Problems, required_text
from domain.viewer import Viewer
from models import LedgerEntryKind, MdfFund, MdfLedgerEntry, Organization, OrganizationKind
from models.base import utcnow


def default_end(starts_on: date) -> date:
    """A fund without an end date runs to the end of the year it starts in."""
    return date(starts_on.year, 12, 31)


async def create_mdf_fund(
    uow: UnitOfWork,
    viewer: Viewer,
    partner_id: int,
    name: str,
    currency: str,
    allocated: Decimal,
    starts_on: date | None,
    ends_on: date | None,
) -> MdfFund:
    require(viewer, Permission.MANAGE_FUNDS)
    session = uow.session
    partner = await session.get(Organization, partner_id)
    if partner is None or partner.portal_id != viewer.portal_id or partner.kind is not OrganizationKind.PARTNER:
        raise not_found("partner", checks.f("partnerId"))
    problems = Problems()
    text = problems.check(checks.name, name, checks.f("name"))
    code = problems.check(checks.currency, currency, checks.f("currency"))
    amount = problems.check(checks.amount, allocated, checks.f("allocated"), what="allocated")
    start = starts_on or utcnow().date()
    end = ends_on or default_end(start)
    if end < start:
        problems.errors.append(invalid("endsOn must not be before startsOn", checks.f("endsOn")))
    problems.raise_any()
    await checks.lock_portal(session, viewer.portal_id)
    await checks.require_unique(
        session,
        MdfFund.name,
        text,
        MdfFund.partner_id == partner.id,
        what=f"{partner.name}'s fund",
        field=checks.f("name"),
    )
    fund = MdfFund(
        portal_id=viewer.portal_id,
        partner_id=partner.id,
        name=text,
        currency=code,
        valid_from=start,
        valid_to=end,
        version=1,
    )
    session.add(fund)
    await session.flush()
    if amount:
        session.add(
            MdfLedgerEntry(
                fund_id=fund.id,
                kind=LedgerEntryKind.ALLOCATE,
                amount=amount,
                actor_id=viewer.user_id,
                memo="initial allocation",
            )
        )
        await session.flush()
    await audit.record(
        session,
        portal_id=viewer.portal_id,
        actor=viewer,
        action="CREATE_MDF_FUND",
        subject_type="MdfFund",
        subject_id=fund.id,
        after={
            "partner": partner.name,
            "name": text,
            "currency": code,
            "allocated": amount,
            "startsOn": start,
            "endsOn": end,
        },
    )
    return fund


async def adjust_mdf_fund(uow: UnitOfWork, viewer: Viewer, fund_id: int, delta: Decimal, reason: str) -> MdfFund:
    """Add `delta` (negative: take back) to the allocation, with a reason in the ledger."""
    require(viewer, Permission.MANAGE_FUNDS)
    problems = Problems()
    amount = problems.check(
        checks.amount, delta, checks.f("allocatedDelta"), what="allocatedDelta", signed=True, nonzero=True
    )
    memo = problems.check(required_text, reason, checks.f("reason"), max_length=500, what="reason")
    problems.raise_any()
    session = uow.session
    fund = await session.scalar(
        select(MdfFund).where(MdfFund.id == fund_id).with_for_update().execution_options(populate_existing=True)
    )
    if fund is None or fund.portal_id != viewer.portal_id:
        raise not_found("MDF fund", checks.f("fundId"))
    balance = await ledger.fund_balance(session, fund.id)
    allocated = balance.allocated + amount
    if allocated < balance.reserved + balance.spent:
        raise DomainError(
            ErrorCode.INSUFFICIENT_FUNDS,
            f"the allocation cannot drop below what orders hold and spent ({balance.reserved + balance.spent} "
            f"{fund.currency}); at most {balance.available} {fund.currency} can be taken back",
            checks.f("allocatedDelta"),
        )
    session.add(
        MdfLedgerEntry(
            fund_id=fund.id, kind=LedgerEntryKind.ALLOCATE, amount=amount, actor_id=viewer.user_id, memo=memo
        )
    )
    await session.execute(
        update(MdfFund)
        .where(MdfFund.id == fund.id)
        .values(version=MdfFund.version + 1)
        .execution_options(synchronize_session=False)
    )
    await session.flush()
    await audit.record(
        session,
        portal_id=fund.portal_id,
        actor=viewer,
        action="ADJUST_MDF_FUND",
        subject_type="MdfFund",
        subject_id=fund.id,
        before={"allocated": balance.allocated},
        after={"allocated": allocated, "reason": memo},
    )
    return fund
