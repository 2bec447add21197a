"""Leads: the assigned provider records them (up to 1,000 at once); the partner works them.

A lead whose e-mail (compared case-insensitively) is already on the order, or earlier in the
same batch, is skipped and reported back rather than refusing the whole batch.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import DomainError, ErrorCode, not_found
from domain.events import record_event
from domain.order_actions import require_action
from domain.orders import access_to, bump_order, load_order
from domain.transitions import OrderAction
from domain.unit_of_work import UnitOfWork
from domain.validation import Problems, capped_list, optional_email, optional_text, required_text
from domain.viewer import Viewer
from models import Lead, LeadStatus, Order, OrderEventKind
from models.base import utcnow

ORDER_ID = ["input", "orderId"]
LEAD_ID = ["input", "leadId"]
MAX_LEADS = 1000  # in one batch
MAX_LEADS_PER_ORDER = 10_000  # in all (the MAX_LEADS_PER_ORDER setting)


@dataclass
class LeadData:
    name: str
    email: str | None = None
    company: str | None = None
    phone: str | None = None


@dataclass
class SkippedLead:
    index: int  # position in the input list
    email: str
    reason: str


def _f(*path: str | int) -> list[str]:
    return ["input", *map(str, path)]


def _clean(leads: list[LeadData]) -> list[LeadData]:
    capped_list(leads, _f("leads"), minimum=1, maximum=MAX_LEADS, what="leads")
    problems = Problems()
    cleaned = []
    for i, lead in enumerate(leads):
        cleaned.append(
            LeadData(
                name=problems.check(required_text, lead.name, _f("leads", i, "name"), max_length=200, what="name"),
                email=problems.check(optional_email, lead.email, _f("leads", i, "email")),
                company=problems.check(
                    optional_text, lead.company, _f("leads", i, "company"), max_length=200, what="company"
                ),
                phone=problems.check(optional_text, lead.phone, _f("leads", i, "phone"), max_length=50, what="phone"),
            )
        )
    problems.raise_any()
    return cleaned


def _too_many(limit: int, on_order: int) -> DomainError:
    return DomainError(
        ErrorCode.VALIDATION,
        f"an order holds at most {limit:,} leads and this one has {on_order:,}: record fewer",
        _f("leads"),
    )


async def add_leads(
    uow: UnitOfWork,
    viewer: Viewer,
    order_id: int,
    leads: list[LeadData],
    max_per_order: int = MAX_LEADS_PER_ORDER,
) -> tuple[Order, list[Lead], list[SkippedLead]]:
    """At most `max_per_order` leads on the order in all: a batch that would pass it is refused whole."""
    session = uow.session
    access = await load_order(session, viewer, order_id, field=ORDER_ID)
    require_action(access, OrderAction.ADD_LEADS, field=ORDER_ID)
    order = access.order
    cleaned = _clean(leads)

    batch_emails = {lead.email.lower() for lead in cleaned if lead.email}
    known: set[str] = set()
    if batch_emails:
        known = (
            set(
                await session.scalars(
                    select(func.lower(Lead.email)).where(Lead.order_id == order.id, Lead.email.is_not(None))
                )
            )
            & batch_emails
        )
    now = utcnow()
    rows: list[dict] = []
    skipped: list[SkippedLead] = []
    for i, lead in enumerate(cleaned):
        key = lead.email.lower() if lead.email else None
        if lead.email and key in known:
            skipped.append(SkippedLead(i, lead.email, "a lead with this e-mail is already on the order"))
            continue
        if key is not None:
            known.add(key)  # later duplicates in the same batch are skipped too
        rows.append(
            {
                "order_id": order.id,
                "created_by_id": viewer.user_id,
                "status": LeadStatus.NEW,
                "created_at": now,
                "updated_at": now,
                **vars(lead),
            }
        )
    added: list[Lead] = []
    if order.lead_count + len(rows) > max_per_order:
        raise _too_many(max_per_order, order.lead_count)
    if rows:
        # One multi-row INSERT ... RETURNING instead of the unit of work's per-object bookkeeping.
        added = list(await session.scalars(insert(Lead).returning(Lead, sort_by_parameter_order=True), rows))
        await bump_order(session, order, lead_count=len(added))
        if order.lead_count > max_per_order:  # others added leads meanwhile: undo this batch
            raise _too_many(max_per_order, order.lead_count - len(added))
        await record_event(uow, order, OrderEventKind.LEADS_ADDED, added[0].id, viewer.user_id)
    return order, added, skipped


async def update_lead(session: AsyncSession, viewer: Viewer, lead_id: int, status: LeadStatus) -> tuple[Order, Lead]:
    """The partner (or the supplier) records how working the lead went."""
    lead = await session.get(Lead, lead_id)
    if lead is None:
        raise not_found("lead", LEAD_ID)
    order = await session.get_one(Order, lead.order_id)
    access = await access_to(session, viewer, order, field=LEAD_ID, what="lead")
    if not access.full:
        raise not_found("lead", LEAD_ID)
    # The partner works the leads; the provider only records them.
    require_action(access, OrderAction.UPDATE_LEAD, field=LEAD_ID)
    if lead.status is not status:
        lead.status, lead.updated_at = status, utcnow()
        await session.flush()
        await bump_order(session, order)
    return order, lead
