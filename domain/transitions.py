"""The one transition table of DOMAIN.md.

Mutations, `Order.availableActions` and the table-driven tests all read `TRANSITIONS`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from domain.viewer import Viewer
from models import Order, OrderStatus

S = OrderStatus


class Role(enum.StrEnum):
    PARTNER = "PARTNER"  # a user of the order's partner organisation
    SUPPLIER = "SUPPLIER"  # a channel manager of the order's portal
    ASSIGNED_PROVIDER = "ASSIGNED_PROVIDER"  # the provider doing the work, from APPROVED on
    INVITED_PROVIDER = "INVITED_PROVIDER"  # asked to quote, not declined, while quotes are collected


class OrderAction(enum.StrEnum):
    SUBMIT_QUOTE = "SUBMIT_QUOTE"
    DECLINE_TO_QUOTE = "DECLINE_TO_QUOTE"
    ACCEPT_QUOTE = "ACCEPT_QUOTE"
    APPROVE_ORDER = "APPROVE_ORDER"
    REJECT_ORDER = "REJECT_ORDER"
    ACCEPT_ORDER = "ACCEPT_ORDER"
    DENY_ORDER = "DENY_ORDER"
    START_WORK = "START_WORK"
    REQUEST_PARTNER_INPUT = "REQUEST_PARTNER_INPUT"
    PROVIDE_INPUT = "PROVIDE_INPUT"
    RESUME_WORK = "RESUME_WORK"
    SCHEDULE_EXECUTION = "SCHEDULE_EXECUTION"
    START_EXECUTION = "START_EXECUTION"
    COMPLETE_ORDER = "COMPLETE_ORDER"
    CANCEL_ORDER = "CANCEL_ORDER"
    ARCHIVE_ORDER = "ARCHIVE_ORDER"
    ACCEPT_DELIVERABLES = "ACCEPT_DELIVERABLES"
    REQUEST_CHANGES = "REQUEST_CHANGES"
    # Actions that keep the status: their rules are in domain/order_actions.py, not in TRANSITIONS.
    ADD_COMMENT = "ADD_COMMENT"
    ADD_LEADS = "ADD_LEADS"
    UPDATE_LEAD = "UPDATE_LEAD"
    UPDATE_ORDER = "UPDATE_ORDER"
    UPDATE_ESTIMATED_COMPLETION = "UPDATE_ESTIMATED_COMPLETION"
    WITHDRAW_QUOTE = "WITHDRAW_QUOTE"


class MoneyEffect(enum.Enum):
    NONE = "NONE"
    RESERVE = "RESERVE"
    RELEASE = "RELEASE"
    SPEND = "SPEND"


@dataclass(frozen=True)
class Transition:
    action: OrderAction
    actors: frozenset[Role]
    sources: frozenset[OrderStatus]
    target: OrderStatus | None  # None: the status stays (quotes, declines)
    reason_required: bool = False
    money: MoneyEffect = MoneyEffect.NONE


def _t(action, actors, sources, target, *, reason=False, money=MoneyEffect.NONE) -> Transition:
    return Transition(action, frozenset(actors), frozenset(sources), target, reason, money)


R = Role
A = OrderAction
TRANSITIONS: dict[OrderAction, Transition] = {
    t.action: t
    for t in [
        _t(A.SUBMIT_QUOTE, {R.INVITED_PROVIDER}, {S.PENDING_QUOTES}, None),
        _t(A.DECLINE_TO_QUOTE, {R.INVITED_PROVIDER}, {S.PENDING_QUOTES}, None, reason=True),
        _t(A.ACCEPT_QUOTE, {R.PARTNER}, {S.PENDING_QUOTES}, S.APPROVED, money=MoneyEffect.RESERVE),
        _t(A.APPROVE_ORDER, {R.SUPPLIER}, {S.PENDING_APPROVAL}, S.APPROVED, money=MoneyEffect.RESERVE),
        _t(A.REJECT_ORDER, {R.SUPPLIER}, {S.PENDING_APPROVAL}, S.DENIED, reason=True),
        _t(A.ACCEPT_ORDER, {R.ASSIGNED_PROVIDER}, {S.APPROVED}, S.NOT_STARTED),
        _t(A.DENY_ORDER, {R.ASSIGNED_PROVIDER}, {S.APPROVED}, S.DENIED, reason=True, money=MoneyEffect.RELEASE),
        _t(A.START_WORK, {R.ASSIGNED_PROVIDER}, {S.NOT_STARTED}, S.IN_PROGRESS),
        _t(A.REQUEST_PARTNER_INPUT, {R.ASSIGNED_PROVIDER}, {S.IN_PROGRESS}, S.WAITING_FOR_PARTNER, reason=True),
        _t(A.PROVIDE_INPUT, {R.PARTNER}, {S.WAITING_FOR_PARTNER}, S.IN_PROGRESS, reason=True),
        _t(A.RESUME_WORK, {R.ASSIGNED_PROVIDER}, {S.WAITING_FOR_PARTNER}, S.IN_PROGRESS),
        _t(A.SCHEDULE_EXECUTION, {R.ASSIGNED_PROVIDER}, {S.IN_PROGRESS}, S.SCHEDULED),
        _t(A.START_EXECUTION, {R.ASSIGNED_PROVIDER}, {S.SCHEDULED}, S.EXECUTING),
        _t(A.COMPLETE_ORDER, {R.ASSIGNED_PROVIDER}, {S.IN_PROGRESS, S.EXECUTING}, S.COMPLETED, money=MoneyEffect.SPEND),
        _t(
            A.CANCEL_ORDER,
            # An invited provider never cancels a quote request: it declines or withdraws its quote.
            {R.PARTNER, R.ASSIGNED_PROVIDER, R.SUPPLIER},
            {S.PENDING_QUOTES, S.PENDING_APPROVAL, S.APPROVED, S.NOT_STARTED},
            S.CANCELLED,
            reason=True,
            money=MoneyEffect.RELEASE,
        ),
        _t(A.ARCHIVE_ORDER, {R.ASSIGNED_PROVIDER}, {S.COMPLETED, S.CANCELLED, S.DENIED}, S.ARCHIVED),
        # The partner reviews the deliverables of a completed order (while some are attached and
        # not yet accepted: DELIVERABLE_REVIEW): accepted (recorded, the status stays), or sent back.
        _t(A.ACCEPT_DELIVERABLES, {R.PARTNER}, {S.COMPLETED}, None),
        _t(A.REQUEST_CHANGES, {R.PARTNER}, {S.COMPLETED}, S.IN_PROGRESS, reason=True),
    ]
}


# Actions offered only while the order's deliverables wait for the partner's review.
DELIVERABLE_REVIEW = frozenset({OrderAction.ACCEPT_DELIVERABLES, OrderAction.REQUEST_CHANGES})
# Status-keeping actions that are recorded in the status history all the same (from = to).
RECORDED_IN_PLACE = frozenset({OrderAction.ACCEPT_DELIVERABLES})


def roles_of(viewer: Viewer, order: Order, *, invited: bool = False) -> frozenset[Role]:
    """The parts the viewer plays on this order. `invited`: invited and not declined."""
    if order.portal_id != viewer.portal_id:
        return frozenset()
    if viewer.is_supplier:
        return frozenset({Role.SUPPLIER})
    if viewer.is_partner:
        return frozenset({Role.PARTNER}) if order.partner_id == viewer.organization_id else frozenset()
    roles = set()
    if order.provider_id == viewer.organization_id and order.approved_at is not None:
        roles.add(Role.ASSIGNED_PROVIDER)
    if invited and order.status is OrderStatus.PENDING_QUOTES:
        roles.add(Role.INVITED_PROVIDER)
    return frozenset(roles)


def available_actions(
    roles: frozenset[Role],
    status: OrderStatus,
    *,
    has_acceptable_quote: bool = True,
    deliverables_to_review: bool = False,
) -> list[OrderAction]:
    """What these roles may do to an order in this status, in table order.

    ACCEPT_QUOTE is offered only when there is a quote to accept (a button with nothing
    behind it would only lead to an error); the deliverable review only while deliverables
    are attached and not yet accepted."""
    return [
        t.action
        for t in TRANSITIONS.values()
        if status in t.sources
        and roles & t.actors
        and (t.action is not OrderAction.ACCEPT_QUOTE or has_acceptable_quote)
        and (t.action not in DELIVERABLE_REVIEW or deliverables_to_review)
    ]
