"""Who sees what (DOMAIN.md, "Who sees what"), as SQL filters and as checks on loaded rows.

Every read path goes through these: root lists filter with the `*_scope` clauses, node
lookups and mutations check loaded rows with `order_view` and friends. Anything the viewer
may not see reads exactly like something that does not exist.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true

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
    Portal,
    Quote,
    Service,
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


@dataclass(frozen=True)
class ScopeBranch:
    """One disjoint part of the orders a viewer may see (`order_scope_branches`).

    `invitation`: the part is a provider's quote requests, read joined with its own invitation
    (`invitation_join`), whose `last_activity_at` (and `version`) is the order as that provider
    sees it: such rows sort and filter by it, never by the order's own, which moves with rivals'
    bids."""

    where: ColumnElement[bool]
    invitation: bool = False

    @property
    def last_activity(self) -> Any:
        return OrderInvitation.last_activity_at if self.invitation else Order.last_activity_at


def invitation_join(viewer: Viewer) -> ColumnElement[bool]:
    """The ON clause joining an order to the viewing provider's invitation."""
    return and_(OrderInvitation.order_id == Order.id, OrderInvitation.provider_id == viewer.organization_id)


def order_scope_branches(viewer: Viewer) -> list[ScopeBranch]:
    """`order_scope` as disjoint parts, each answerable from one index.

    A provider's list is its assigned orders plus its quote requests; OR-ing the two in one
    WHERE makes the database scan the whole portal, so lists read each part on its own index
    and merge them (`resolvers.pagination`). The parts never overlap. The quote requests are
    read with the provider's invitation joined (`ScopeBranch.invitation`), which also limits
    them to the orders it is asked to quote on.
    """
    if not viewer.is_provider:
        return [ScopeBranch(order_scope(viewer))]
    return [
        ScopeBranch(and_(Order.portal_id == viewer.portal_id, assigned_order_scope(viewer))),
        ScopeBranch(
            and_(
                Order.portal_id == viewer.portal_id,
                Order.status == OrderStatus.PENDING_QUOTES,
                # not also in the first part (NULL-safe negation of assigned_order_scope)
                or_(
                    Order.approved_at.is_(None),
                    Order.provider_id.is_(None),
                    Order.provider_id != viewer.organization_id,
                ),
            ),
            invitation=True,
        ),
    ]


def assigned_order_scope(viewer: Viewer) -> ColumnElement[bool]:
    """For providers: only orders assigned to them (the fast path of Manage Orders)."""
    return and_(Order.provider_id == viewer.organization_id, Order.approved_at.is_not(None))


def provider_filter(viewer: Viewer, provider_ids: Collection[int]) -> ColumnElement[bool]:
    """SQL filter `providerIds`: orders assigned to one of these providers, and quote requests
    one of them is asked to quote on, as far as the viewer may know who is asked (the partner
    and the supplier; a provider only about itself, so naming a rival matches nothing more)."""
    if viewer.is_provider:
        # Everything a provider sees is assigned to it or a request it is asked to quote on.
        return true() if viewer.organization_id in provider_ids else false()
    return or_(
        Order.provider_id.in_(provider_ids),
        and_(
            Order.status == OrderStatus.PENDING_QUOTES,
            Order.id.in_(select(OrderInvitation.order_id).where(OrderInvitation.provider_id.in_(provider_ids))),
        ),
    )


def can_see_quote(viewer: Viewer, order: Order, quote: Quote) -> bool:
    view = loaded_order_view(viewer, order)
    if viewer.is_provider:
        return quote.provider_id == viewer.organization_id
    return view is OrderView.FULL


# Which comments of an order a viewer reads, as a hashable key for the per-request loaders:
# ALL_COMMENTS (partner and supplier users), or (provider id, public comments too?).
CommentScope = tuple[int, bool] | None
ALL_COMMENTS: CommentScope = None


def comment_scope(viewer: Viewer, view: OrderView) -> CommentScope:
    """The comments of an order the viewer (seeing it as `view`) may read: everything for the
    partner and the supplier; for a provider its own private thread, and once the order is
    assigned to it (FULL) the comments the whole order sees. Never another provider's thread."""
    if not viewer.is_provider:
        return ALL_COMMENTS
    return (viewer.organization_id, view is OrderView.FULL)


def comment_filter(scope: CommentScope) -> ColumnElement[bool] | None:
    """`comment_scope` as an SQL filter on comments (None: no filter)."""
    if scope is None:
        return None
    provider_id, public = scope
    own = Comment.private_to_provider_id == provider_id
    return or_(own, Comment.private_to_provider_id.is_(None)) if public else own


def can_see_comment(viewer: Viewer, view: OrderView, comment: Comment) -> bool:
    """The same rule on a loaded comment of an order the viewer sees as `view`."""
    if view is OrderView.NONE:
        return False
    scope = comment_scope(viewer, view)
    if scope is None:
        return True
    provider_id, public = scope
    return comment.private_to_provider_id == provider_id or (public and comment.private_to_provider_id is None)


def visible_comment_count(viewer: Viewer, view: OrderView, order_count: int, thread_counts: dict[int, int]) -> int:
    """How many of an order's comments the viewer sees (`commentCount`): `order_count` is all of
    them, `thread_counts` the length of each invited provider's private thread."""
    scope = comment_scope(viewer, view)
    if scope is None:
        return order_count
    provider_id, public = scope
    if not public:
        return thread_counts.get(provider_id, 0)
    return order_count - sum(n for p, n in thread_counts.items() if p != provider_id)


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
    (a provider's proposal: the partner, the supplier and that provider, never a rival; a
    private thread's files: its provider, the partner and the supplier).
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
        return comment is not None and comment.id == attachment.comment_id and can_see_comment(viewer, view, comment)
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


def can_see_users_of(viewer: Viewer, organization_id: int) -> bool:
    """An organisation's list of users: the supplier's users (any organisation of the portal,
    already checked visible) and the organisation's own users."""
    return viewer.is_supplier or viewer.organization_id == organization_id


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
    """The portal's campaigns that are not retired."""
    return and_(Campaign.portal_id == viewer.portal_id, Campaign.retired_at.is_(None))


def _portal_switch(viewer: Viewer, column: Any) -> ColumnElement[bool]:
    """SQL: the viewer's portal has the feature `column` switched on (evaluated once, uncorrelated)."""
    return exists().where(Portal.id == viewer.portal_id, column.is_(True))


def service_scope(viewer: Viewer) -> ColumnElement[bool]:
    """The Marketplace (`services`) as the viewer sees it: the portal's services that are not
    retired, of active providers, and approved (a provider also sees its own awaiting approval,
    the supplier every one). Partners see none while the portal has the Marketplace off."""
    clause = and_(
        Service.portal_id == viewer.portal_id,
        Service.retired_at.is_(None),
        Service.provider_id.in_(select(Organization.id).where(Organization.is_active.is_(True))),
    )
    if viewer.is_partner:
        return and_(clause, Service.approved.is_(True), _portal_switch(viewer, Portal.marketplace_enabled))
    if viewer.is_provider:
        return and_(clause, or_(Service.approved.is_(True), Service.provider_id == viewer.organization_id))
    return clause


def locator_scope(viewer: Viewer) -> ColumnElement[bool]:
    """The Provider Locator (`providers`): the portal's providers; partners see the active ones,
    and none while the portal has the Provider Locator off."""
    clause = organization_scope(viewer, OrganizationKind.PROVIDER)
    if viewer.is_partner:
        return and_(clause, Organization.is_active.is_(True), _portal_switch(viewer, Portal.provider_locator_enabled))
    return clause


def can_see_service(viewer: Viewer, service: Service) -> bool:
    """A service by id (node lookups, an order's service): the portal's, retired ones included
    (they stay on their orders); one awaiting approval only for its provider and the supplier."""
    if service.portal_id != viewer.portal_id:
        return False
    return service.approved or viewer.is_supplier or service.provider_id == viewer.organization_id


def service_listed(viewer: Viewer, service: Service) -> bool:
    """Whether a loaded service appears in the viewer's catalogue lists (`Provider.services`)."""
    return service.retired_at is None and can_see_service(viewer, service)


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
