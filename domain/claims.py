"""MDF claims with proof of performance (DOMAIN.md, "Files, deliverables, claims").

Where the portal requires claims (`Portal.mdf_claims_required`), completing an MDF order keeps
its reservation (domain.workflow). The partner then files a claim: an amount up to what the
order still holds, with at least one PROOF file of the order. The supplier approves it (the
amount is spent, the rest released) or rejects it with a reason; after a rejection the
partner may file again until `Portal.claim_deadline_days` after completion. Past the deadline
a claim is refused, and `provider-orders sweep-claims` (run it from cron, like sweep-quotes)
releases what orders without an open claim still hold.

Every step locks the fund row first (domain.ledger) and writes the ledger: CLAIM when filed,
CLAIM_CLOSED when decided, SPEND and RELEASE on approval, RELEASE at the deadline, so the
fund's reserved, claimed, spent and available amounts add up under concurrency.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import cast

from sqlalchemy import exists, func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from domain import ledger
from domain.attachments import visible_attachment
from domain.errors import DomainError, ErrorCode, invalid, not_found
from domain.events import record_event
from domain.orders import OrderAccess, access_to, bump_order, load_order
from domain.transitions import Role
from domain.unit_of_work import UnitOfWork
from domain.validation import capped_list, optional_text, positive_decimal, required_text
from domain.viewer import Viewer
from models import (
    AttachmentKind,
    ClaimStatus,
    MdfClaim,
    MdfClaimProof,
    Order,
    OrderEventKind,
    OrderStatus,
    PaymentMethod,
    Portal,
)
from models.base import utcnow

ORDER_ID = ["input", "orderId"]
CLAIM_ID = ["input", "claimId"]
MAX_PROOFS = 20
MAX_CLAIMS_PER_ORDER = 20  # rejected ones included
MAX_AMOUNT = Decimal("1000000000")
CLAIMABLE = {OrderStatus.COMPLETED, OrderStatus.ARCHIVED}


def claim_deadline(order: Order, portal: Portal) -> datetime | None:
    if order.completed_at is None:
        return None
    return order.completed_at + timedelta(days=portal.claim_deadline_days)


async def submit_claim(
    uow: UnitOfWork,
    viewer: Viewer,
    order_id: int,
    amount: Decimal,
    note: str | None,
    proof_ids: list[int],
) -> MdfClaim:
    session = uow.session
    access = await load_order(session, viewer, order_id, field=ORDER_ID)
    order = access.order
    if Role.PARTNER not in access.roles:
        raise DomainError(ErrorCode.FORBIDDEN, "only the ordering partner files an MDF claim", ORDER_ID)
    if order.payment_method is not PaymentMethod.MDF or order.mdf_fund_id is None:
        raise invalid("only an order paid with MDF is claimed", ORDER_ID)
    if order.status not in CLAIMABLE:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, f"an order is claimed once COMPLETED (it is {order.status.value})", ORDER_ID
        )
    amount = positive_decimal(amount, ["input", "amount"], places=2, maximum=MAX_AMOUNT, what="the amount")
    note = optional_text(note, ["input", "note"], what="the note")
    capped_list(proof_ids, ["input", "proofIds"], minimum=1, maximum=MAX_PROOFS, what="PROOF files")
    portal = await session.get(Portal, order.portal_id)
    assert portal is not None
    now = utcnow()
    deadline = claim_deadline(order, portal)
    if deadline is not None and now > deadline:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, f"the claim deadline passed on {deadline:%Y-%m-%d %H:%M} UTC", ORDER_ID
        )
    fund = await ledger.locked_fund(session, order.mdf_fund_id)  # claims of one fund one at a time
    if await _has_claim(session, order.id, ClaimStatus.SUBMITTED, ClaimStatus.APPROVED):
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            "this order already has a claim waiting for the supplier or approved",
            ORDER_ID,
        )
    filed = await session.scalar(select(func.count()).select_from(MdfClaim).where(MdfClaim.order_id == order.id))
    if (filed or 0) >= MAX_CLAIMS_PER_ORDER:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, f"an order takes at most {MAX_CLAIMS_PER_ORDER} claims", ORDER_ID
        )
    held = await ledger.reserved_for_order(session, order.id)
    if held <= 0:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            "nothing of this order is reserved to claim (its MDF was spent at completion, or released)",
            ORDER_ID,
        )
    if amount > held:
        raise invalid(f"the claim may ask for at most the reserved {held} {order.currency}", ["input", "amount"])
    proofs = []
    for i, proof_id in enumerate(dict.fromkeys(proof_ids)):
        field = ["input", "proofIds", str(i)]
        attachment, _ = await visible_attachment(session, viewer, proof_id, field=field)
        if attachment.order_id != order.id or attachment.kind is not AttachmentKind.PROOF:
            raise invalid("proof must be files of kind PROOF attached to this order", field)
        proofs.append(attachment)
    claim = MdfClaim(
        portal_id=order.portal_id,
        order_id=order.id,
        fund_id=fund.id,
        status=ClaimStatus.SUBMITTED,
        amount=amount,
        currency=order.currency,
        note=note,
        submitted_by_id=viewer.user_id,
        submitted_at=now,
    )
    session.add(claim)
    await session.flush()
    session.add_all(MdfClaimProof(claim_id=claim.id, attachment_id=a.id) for a in proofs)
    await ledger.claim(session, fund, order, amount, viewer.user_id, f"order {order.id} claim {claim.id} filed")
    await bump_order(session, order)
    await record_event(uow, order, OrderEventKind.CLAIM_SUBMITTED, claim.id, viewer.user_id)
    return claim


async def _has_claim(session: AsyncSession, order_id: int, *statuses: ClaimStatus) -> bool:
    return bool(
        await session.scalar(select(exists().where(MdfClaim.order_id == order_id, MdfClaim.status.in_(statuses))))
    )


async def _claim_for_supplier(session: AsyncSession, viewer: Viewer, claim_id: int) -> tuple[MdfClaim, OrderAccess]:
    claim = await session.get(MdfClaim, claim_id)
    if claim is None:
        raise not_found("claim", CLAIM_ID)
    order = await session.get(Order, claim.order_id)
    assert order is not None
    access = await access_to(session, viewer, order, field=CLAIM_ID, what="claim")
    if not access.full or viewer.is_provider:
        raise not_found("claim", CLAIM_ID)  # providers never see the fund or its claims
    if Role.SUPPLIER not in access.roles:
        raise DomainError(ErrorCode.FORBIDDEN, "only the portal's channel managers decide MDF claims", CLAIM_ID)
    return claim, access


async def _decide(
    session: AsyncSession, viewer: Viewer, claim: MdfClaim, status: ClaimStatus, reason: str | None
) -> None:
    """SUBMITTED -> `status`, guarded: a claim already decided (by a racing request too) is refused."""
    now = utcnow()
    values = {"status": status, "decided_by_id": viewer.user_id, "decided_at": now, "rejection_reason": reason}
    result = await session.execute(
        update(MdfClaim)
        .where(MdfClaim.id == claim.id, MdfClaim.status == ClaimStatus.SUBMITTED)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if cast(CursorResult, result).rowcount != 1:
        current = await session.scalar(
            select(MdfClaim.status).where(MdfClaim.id == claim.id).execution_options(populate_existing=True)
        )
        state = current.value if current is not None else "gone"
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, f"the claim is {state}: only a SUBMITTED claim is decided", CLAIM_ID
        )
    for key, value in values.items():
        setattr(claim, key, value)


async def approve_claim(uow: UnitOfWork, viewer: Viewer, claim_id: int) -> MdfClaim:
    session = uow.session
    claim, access = await _claim_for_supplier(session, viewer, claim_id)
    order = access.order
    fund = await ledger.locked_fund(session, claim.fund_id)
    await _decide(session, viewer, claim, ClaimStatus.APPROVED, None)
    memo = f"order {order.id} claim {claim.id} approved"
    await ledger.close_claim(session, fund, order, claim.amount, viewer.user_id, memo)
    await ledger.spend_amount(session, fund, order, claim.amount, viewer.user_id, memo)
    await bump_order(session, order)
    await record_event(uow, order, OrderEventKind.CLAIM_APPROVED, claim.id, viewer.user_id)
    return claim


async def reject_claim(uow: UnitOfWork, viewer: Viewer, claim_id: int, reason: str) -> MdfClaim:
    session = uow.session
    claim, access = await _claim_for_supplier(session, viewer, claim_id)
    order = access.order
    reason = required_text(reason, ["input", "reason"], what="reason")
    fund = await ledger.locked_fund(session, claim.fund_id)
    await _decide(session, viewer, claim, ClaimStatus.REJECTED, reason)
    memo = f"order {order.id} claim {claim.id} rejected"
    await ledger.close_claim(session, fund, order, claim.amount, viewer.user_id, memo)
    await bump_order(session, order)
    await record_event(uow, order, OrderEventKind.CLAIM_REJECTED, claim.id, viewer.user_id)
    return claim


async def expired_claim_orders(session: AsyncSession, now: datetime) -> list[int]:
    """Completed MDF orders past their portal's claim deadline that still hold money and have no open claim."""
    rows = await session.execute(
        select(Order, Portal)
        .join(Portal, Portal.id == Order.portal_id)
        .where(
            Order.status.in_(CLAIMABLE),
            Order.mdf_fund_id.is_not(None),
            Order.completed_at.is_not(None),
            ~exists().where(MdfClaim.order_id == Order.id, MdfClaim.status == ClaimStatus.SUBMITTED),
        )
        .order_by(Order.id)
    )
    due = []
    for order, portal in rows:
        deadline = claim_deadline(order, portal)
        if deadline is not None and now > deadline and await ledger.reserved_for_order(session, order.id) > 0:
            due.append(order.id)
    return due


async def release_expired(uow: UnitOfWork, order_id: int, now: datetime) -> bool:
    """Release what one order past its claim deadline still holds (re-checked under the fund's lock)."""
    session = uow.session
    order = await session.get(Order, order_id)
    if order is None or order.mdf_fund_id is None:
        return False
    await ledger.locked_fund(session, order.mdf_fund_id)
    portal = await session.get(Portal, order.portal_id)
    assert portal is not None
    deadline = claim_deadline(order, portal)
    if deadline is None or now <= deadline or await _has_claim(session, order.id, ClaimStatus.SUBMITTED):
        return False
    entry = await ledger.release(session, order, None)
    if entry is None:
        return False
    await bump_order(session, order)
    await record_event(uow, order, OrderEventKind.CLAIM_EXPIRED, order.id, None)
    return True
