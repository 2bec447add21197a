"""addComment: partner, supplier and assigned provider users talk on an order they see whole."""

from __future__ import annotations

from domain.errors import DomainError, ErrorCode
from domain.events import record_event
from domain.orders import bump_order, load_order
from domain.unit_of_work import UnitOfWork
from domain.validation import MAX_TEXT, required_text
from domain.viewer import Viewer
from models import Comment, OrderEventKind, OrderStatus
from models.base import utcnow

ORDER_ID = ["input", "orderId"]


async def add_comment(uow: UnitOfWork, viewer: Viewer, order_id: int, body: str) -> Comment:
    session = uow.session
    access = await load_order(session, viewer, order_id, field=ORDER_ID)
    if not access.full:
        # Providers asked to quote see a quote request, not the order's conversation.
        raise DomainError(ErrorCode.FORBIDDEN, "only the order's parties may comment on it", ORDER_ID)
    if access.order.status is OrderStatus.ARCHIVED:
        # An archived order is closed: like every other change, a comment is refused.
        raise DomainError(ErrorCode.INVALID_TRANSITION, "cannot comment on an order that is ARCHIVED", ORDER_ID)
    text = required_text(body, ["input", "body"], max_length=MAX_TEXT, what="comment")
    comment = Comment(order_id=order_id, author_id=viewer.user_id, body=text, created_at=utcnow())
    session.add(comment)
    await session.flush()
    await bump_order(session, access.order, comment_count=1)
    await record_event(uow, access.order, OrderEventKind.COMMENT_ADDED, comment.id, viewer.user_id)
    return comment
