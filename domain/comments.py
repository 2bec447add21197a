"""addComment: the order's parties talk on it; while quotes are collected, each invited
provider has a private question-and-answer thread with the partner (the supplier sees every
thread). Who reads which comment: `domain.access.can_see_comment`."""

from __future__ import annotations

from sqlalchemy import select, update

from domain.errors import invalid, not_found
from domain.events import record_event
from domain.order_actions import require_action
from domain.orders import OrderAccess, bump_order, load_order
from domain.transitions import OrderAction, Role
from domain.unit_of_work import UnitOfWork
from domain.validation import MAX_TEXT, required_text
from domain.viewer import Viewer
from models import Comment, OrderEventKind, OrderInvitation, OrderStatus, Organization, OrganizationKind
from models.base import utcnow

ORDER_ID = ["input", "orderId"]
PROVIDER_ID = ["input", "providerId"]


async def _thread(uow: UnitOfWork, viewer: Viewer, access: OrderAccess, provider_id: int | None) -> int | None:
    """The provider whose private thread the comment goes to; None: the whole order's."""
    session, order = uow.session, access.order
    if viewer.is_provider:
        if provider_id is not None and provider_id != viewer.organization_id:
            raise invalid("a provider writes only in its own thread (leave providerId out)", PROVIDER_ID)
        # An invited provider's questions go to its own thread; the assigned provider's to the order.
        return viewer.organization_id if Role.INVITED_PROVIDER in access.roles else None
    if provider_id is None:
        return None
    provider = await session.get(Organization, provider_id)
    if provider is None or provider.portal_id != order.portal_id or provider.kind is not OrganizationKind.PROVIDER:
        raise not_found("provider", PROVIDER_ID)
    if order.status is not OrderStatus.PENDING_QUOTES:
        raise invalid("private threads are for the quote phase (PENDING_QUOTES)", PROVIDER_ID)
    invited = await session.scalar(
        select(OrderInvitation.id).where(
            OrderInvitation.order_id == order.id, OrderInvitation.provider_id == provider_id
        )
    )
    if invited is None:
        raise invalid(f"{provider.name} was not asked to quote on this order", PROVIDER_ID)
    return provider_id


async def add_comment(
    uow: UnitOfWork, viewer: Viewer, order_id: int, body: str, provider_id: int | None = None
) -> Comment:
    session = uow.session
    access = await load_order(session, viewer, order_id, field=ORDER_ID)
    # The partner, the supplier and the assigned provider on an order they see whole, until it
    # is archived; an invited provider in its own thread while quotes are collected.
    require_action(access, OrderAction.ADD_COMMENT, field=ORDER_ID)
    thread = await _thread(uow, viewer, access, provider_id)
    text = required_text(body, ["input", "body"], max_length=MAX_TEXT, what="comment")
    comment = Comment(
        order_id=order_id, author_id=viewer.user_id, body=text, created_at=utcnow(), private_to_provider_id=thread
    )
    session.add(comment)
    await session.flush()
    await bump_order(session, access.order, comment_count=1)
    if thread is not None:
        await session.execute(
            update(OrderInvitation)
            .where(OrderInvitation.order_id == order_id, OrderInvitation.provider_id == thread)
            .values(comment_count=OrderInvitation.comment_count + 1)
            .execution_options(synchronize_session=False)
        )
    await record_event(
        uow, access.order, OrderEventKind.COMMENT_ADDED, comment.id, viewer.user_id, subject_provider_id=thread
    )
    return comment
