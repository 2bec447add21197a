"""Who sees what (DOMAIN.md, "Who sees what"), as SQL filters and as checks on loaded rows.

Every read path goes through these: root lists filter with the `*_scope` clauses, node
lookups and mutations check loaded rows with `order_view` and friends. Anything the viewer
may not see reads exactly like something that does not exist.
"""

from __future__ import annotations

import enum
from collections.abc import Collection

from sqlalchemy import ColumnElement, and_, exists, false, or_, select

from domain.viewer import Viewer
from models import (
    Attachment,
    Campaign,
    Comment,
    MdfFund,
    Order,
    OrderEvent,
    OrderInvitation,
    OrderStatus,
    Organization,
    OrganizationKind,
    Quote,
)


class OrderView(enum.Enum):
    NONE = "NONE"
    QUOTE_REQUEST = "QUOTE_REQUEST"  # an invited provider while quotes are collected
    FULL = "FULL"


def order_view(viewer: Viewer, order: Order, invited: bool | None = None) -> OrderView:
    """How much of `order` the viewer sees. `invited` is needed only for providers."""
    if order.portal_id != viewer.portal_id:
        return OrderView.NONE
    if viewer.is_supplier:
        return OrderView.FULL
    if viewer.is_partner:
        return OrderView.FULL if order.partner_id == viewer.organization_id else OrderView.NONE
    if order.provider_id == viewer.organization_id and order.approved_at is not None:
        return OrderView.FULL
    if order.status is OrderStatus.PENDING_QUOTES and invited:
        return OrderView.QUOTE_REQUEST
    return OrderView.NONE


_QUOTE_REQUEST, _FULL = OrderView.QUOTE_REQUEST, OrderView.FULL  # read once: asked per field per order


def loaded_order_view(viewer: Viewer, order: Order) -> OrderView:
    """The view of an order that was loaded through `order_scope` (so it is visible)."""
    if viewer.is_provider and not (order.provider_id == viewer.organization_id and order.approved_at is not None):
        return _QUOTE_REQUEST
    return _FULL


def _invited(viewer: Viewer) -> ColumnElement[bool]:
    return exists().where(
        OrderInvitation.order_id == Order.id,
        OrderInvitation.provider_id == viewer.organization_id,
    )


def order_scope(viewer: Viewer) -> ColumnElement[bool]:
    """SQL filter: the orders this viewer may see."""
    if viewer.is_supplier:
        return Order.portal_id == viewer.portal_id
    if viewer.is_partner:
        return and_(Order.portal_id == viewer.portal_id, Order.partner_id == viewer.organization_id)
    return and_(
        Order.portal_id == viewer.portal_id,
        or_(
            and_(Order.provider_id == viewer.organization_id, Order.approved_at.is_not(None)),
            and_(Order.status == OrderStatus.PENDING_QUOTES, _invited(viewer)),
        ),
    )


def order_scope_branches(viewer: Viewer) -> list[ColumnElement[bool]]:
    """`order_scope` as disjoint parts, each answerable from one index.

    A provider's list is its assigned orders plus its quote requests; OR-ing the two in one
    WHERE makes the database scan the whole portal, so lists read each part on its own index
    and merge them (`resolvers.pagination`). The parts never overlap.
    """
    if not viewer.is_provider:
        return [order_scope(viewer)]
    return [
        and_(Order.portal_id == viewer.portal_id, assigned_order_scope(viewer)),
        and_(
            Order.portal_id == viewer.portal_id,
            Order.status == OrderStatus.PENDING_QUOTES,
            # not also in the first part (NULL-safe negation of assigned_order_scope)
            or_(Order.approved_at.is_(None), Order.provider_id.is_(None), Order.provider_id != viewer.organization_id),
            Order.id.in_(select(OrderInvitation.order_id).where(OrderInvitation.provider_id == viewer.organization_id)),
        ),
    ]


def assigned_order_scope(viewer: Viewer) -> ColumnElement[bool]:
    """For providers: only orders assigned to them (the fast path of Manage Orders)."""
    return and_(Order.provider_id == viewer.organization_id, Order.approved_at.is_not(None))


def can_see_quote(viewer: Viewer, order: Order, quote: Quote) -> bool:
    view = loaded_order_view(viewer, order)
    if viewer.is_provider:
        return quote.provider_id == viewer.organization_id
    return view is OrderView.FULL


def can_see_comment(viewer: Viewer, order: Order, comment: Comment, invited: bool | None = None) -> bool:
    """A comment is part of the whole order."""
    return comment.order_id == order.id and order_view(viewer, order, invited) is OrderView.FULL


def can_see_attachment(
    viewer: Viewer,
    order: Order,
    attachment: Attachment,
    *,
    quote: Quote | None = None,
    comment: Comment | None = None,
    invited: bool | None = None,
) -> bool:
    """A file is seen by whoever sees what it hangs on: the whole order, the comment, or the quote
    (a provider's proposal: the partner, the supplier and that provider, never a rival).
    `quote` / `comment`: the row it hangs on, when it hangs on one."""
    if attachment.order_id != order.id:
        return False
    view = order_view(viewer, order, invited)
    if view is OrderView.NONE:
        return False
    if attachment.quote_id is not None:
        if quote is None or quote.id != attachment.quote_id or quote.order_id != order.id:
            return False
        return quote.provider_id == viewer.organization_id if viewer.is_provider else view is OrderView.FULL
    if attachment.comment_id is not None:
        return comment is not None and comment.id == attachment.comment_id and can_see_comment(viewer, order, comment)
    return view is OrderView.FULL


def organization_scope(viewer: Viewer, kind: OrganizationKind | None = None) -> ColumnElement[bool]:
    """Organisations of the viewer's portal. Partners do not see other partners."""
    clause = Organization.portal_id == viewer.portal_id
    if kind is not None:
        clause = and_(clause, Organization.kind == kind)
    if viewer.is_partner and kind in (None, OrganizationKind.PARTNER):
        clause = and_(
            clause,
            or_(Organization.kind != OrganizationKind.PARTNER, Organization.id == viewer.organization_id),
        )
    return clause


def can_see_organization(viewer: Viewer, org: Organization) -> bool:
    if org.portal_id != viewer.portal_id:
        return False
    if viewer.is_partner and org.kind is OrganizationKind.PARTNER:
        return org.id == viewer.organization_id
    return True


def fund_scope(viewer: Viewer) -> ColumnElement[bool]:
    """MDF funds: a partner's own, every fund of the portal for the supplier, none for providers."""
    if viewer.is_supplier:
        return MdfFund.portal_id == viewer.portal_id
    if viewer.is_partner:
        return and_(MdfFund.portal_id == viewer.portal_id, MdfFund.partner_id == viewer.organization_id)
    return false()


def can_see_fund(viewer: Viewer, fund: MdfFund) -> bool:
    if fund.portal_id != viewer.portal_id:
        return False
    return viewer.is_supplier or (viewer.is_partner and fund.partner_id == viewer.organization_id)


def campaign_scope(viewer: Viewer) -> ColumnElement[bool]:
    return Campaign.portal_id == viewer.portal_id


def can_receive_event(viewer: Viewer, event: OrderEvent, order: Order, invited: Collection[int]) -> bool:
    """Whether a stored event is delivered to the viewer now: it was in the event's audience
    (`can_see_event`) and it may see the order as the order stands now, by the same function
    as `node(id:)` (`invited`: the providers invited to quote on it). A losing bidder stops
    receiving the order's events as the quote request ends, live and on replay."""
    if not can_see_event(viewer, event.portal_id, event.audience):
        return False
    is_invited = viewer.is_provider and viewer.organization_id in invited
    return order_view(viewer, order, is_invited) is not OrderView.NONE


def can_see_event(viewer: Viewer, portal_id: int, audience: dict) -> bool:
    """Whether a stored order event is the viewer's to receive, by its audience as it stood when
    the event happened (`domain.events.event_audience`): never another portal's, every event of
    the portal for its suppliers, the order's events for its partner, and for a provider only
    the events it was in the audience of (assigned from APPROVED on, or invited)."""
    if portal_id != viewer.portal_id:
        return False
    if viewer.is_supplier:
        return True
    if viewer.is_partner:
        return audience.get("partner") == viewer.organization_id
    return viewer.organization_id in audience.get("providers", ())
