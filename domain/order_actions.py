"""What a viewer may do to an order now, besides changing its status.

Status changes are rows of the transition table (domain.transitions); the actions here keep
the status (comment, leads, edits). Each has one rule: who (the roles of
domain.transitions.roles_of) and in which statuses, plus, for offering it in
`Order.availableActions`, whether there is something to act on. The mutations ask
`require_action` and `Order.availableActions` asks `available_order_actions`, so the list a
UI shows and what the server accepts cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from domain.errors import DomainError, ErrorCode
from domain.orders import ROLE_NAMES, OrderAccess
from domain.transitions import OrderAction, Role, available_actions
from models import OrderStatus

S = OrderStatus
R = Role
A = OrderAction

# From accepting the order until it is archived, the work can produce leads.
LEAD_STATUSES = frozenset({S.NOT_STARTED, S.IN_PROGRESS, S.WAITING_FOR_PARTNER, S.SCHEDULED, S.EXECUTING, S.COMPLETED})
# Every status but the ends: a completed, cancelled, denied or archived order is no longer edited.
OPEN_STATUSES = frozenset(S) - {S.COMPLETED, S.CANCELLED, S.DENIED, S.ARCHIVED}
# Accepted and not yet completed: the work's completion date can still move.
WORK_STATUSES = frozenset({S.NOT_STARTED, S.IN_PROGRESS, S.WAITING_FOR_PARTNER, S.SCHEDULED, S.EXECUTING})


@dataclass(frozen=True, slots=True)
class Situation:
    """What the rules read: the viewer's roles on the order and the order's state."""

    roles: frozenset[Role]
    status: OrderStatus
    lead_count: int = 0
    has_acceptable_quote: bool = True  # the partner has a quote to accept (ACCEPT_QUOTE)
    has_open_own_quote: bool = False  # the viewing provider has a quote it could withdraw
    deliverables_to_review: bool = False  # deliverables attached and not yet accepted (the partner's review)


@dataclass(frozen=True)
class ActionRule:
    action: OrderAction
    actors: frozenset[Role]
    statuses: frozenset[OrderStatus]
    verb: str  # "Only <who> may <verb> this order" / "Cannot <verb> an order that is ..."
    # Offered in availableActions only when there is something to act on (the mutation names it).
    offered: Callable[[Situation], bool] | None = None


def _rule(action, actors, statuses, verb, offered=None) -> ActionRule:
    return ActionRule(action, frozenset(actors), frozenset(statuses), verb, offered)


RULES: dict[OrderAction, ActionRule] = {
    r.action: r
    for r in [
        # An invited provider (the role exists only while quotes are collected) asks in its own thread.
        _rule(
            A.ADD_COMMENT,
            {R.PARTNER, R.SUPPLIER, R.ASSIGNED_PROVIDER, R.INVITED_PROVIDER},
            frozenset(S) - {S.ARCHIVED},
            "comment on",
        ),
        _rule(A.ADD_LEADS, {R.ASSIGNED_PROVIDER}, LEAD_STATUSES, "add leads to"),
        _rule(
            A.UPDATE_LEAD,
            {R.PARTNER, R.SUPPLIER},
            frozenset(S) - {S.ARCHIVED},
            "update the leads of",
            offered=lambda s: s.lead_count > 0,
        ),
        _rule(A.UPDATE_ORDER, {R.PARTNER}, OPEN_STATUSES, "edit"),
        _rule(A.UPDATE_ESTIMATED_COMPLETION, {R.ASSIGNED_PROVIDER}, WORK_STATUSES, "move the completion date of"),
        # Which quote: domain.quotes.withdrawal_refusal checks it is the provider's own, and open.
        _rule(
            A.WITHDRAW_QUOTE,
            {R.INVITED_PROVIDER},
            {S.PENDING_QUOTES},
            "withdraw a quote on",
            offered=lambda s: s.has_open_own_quote,
        ),
    ]
}


def refusal(action: OrderAction, situation: Situation, field: list[str] | None = None) -> DomainError | None:
    """Why this viewer may not do `action` now (FORBIDDEN: not its part; INVALID_TRANSITION:
    not in this status), or None when it may."""
    rule = RULES[action]
    if not situation.roles & rule.actors:
        who = " or ".join(ROLE_NAMES[r] for r in Role if r in rule.actors)
        return DomainError(ErrorCode.FORBIDDEN, f"Only {who} may {rule.verb} this order.", field)
    if situation.status not in rule.statuses:
        return DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"Cannot {rule.verb} an order that is {situation.status.value}.",
            field,
        )
    return None


def situation_of(access: OrderAccess, **facts: object) -> Situation:
    order = access.order
    return Situation(access.roles, order.status, lead_count=order.lead_count, **facts)  # type: ignore[arg-type]


def require_action(access: OrderAccess, action: OrderAction, *, field: list[str], **facts: object) -> None:
    """Refuse (raise) unless the viewer of `access` may do `action` to its order now."""
    error = refusal(action, situation_of(access, **facts), field)
    if error is not None:
        raise error


def available_order_actions(situation: Situation) -> list[OrderAction]:
    """Everything the viewer may do now: the transition table's actions (in table order), then
    these rules' (in the enum's order) that have something to act on."""
    actions = available_actions(
        situation.roles,
        situation.status,
        has_acceptable_quote=situation.has_acceptable_quote,
        deliverables_to_review=situation.deliverables_to_review,
    )
    for action, rule in RULES.items():
        if refusal(action, situation) is None and (rule.offered is None or rule.offered(situation)):
            actions.append(action)
    return actions
