"""addComment: partner, supplier and assigned provider users talk on an order they see whole."""

from __future__ import annotations

from domain.events import record_event
from domain.order_actions import require_action
from domain.orders import bump_order, load_order
from domain.transitions import OrderAction
from domain.unit_of_work import UnitOfWork
from domain.validation import MAX_TEXT, required_text
from domain.viewer import Viewer
from models import Comment, OrderEventKind
from models.base import utcnow

ORDER_ID = ["input", "orderId"]


async def add_comment(uow: UnitOfWork, viewer: Viewer, order_id: int, body: str) -> Comment:
    session = uow.session
    access = await load_order(session, viewer, order_id, field=ORDER_ID)
    # Providers asked to quote see a quote request, not the order's conversation; an archived
    # order is closed (domain.order_actions).
    require_action(access, OrderAction.ADD_COMMENT, field=ORDER_ID)
    text = required_text(body, ["input", "body"], max_length=MAX_TEXT, what="comment")
    comment = Comment(order_id=order_id, author_id=viewer.user_id, body=text, created_at=utcnow())
    session.add(comment)
    await session.flush()
    await bump_order(session, access.order, comment_count=1)
    await record_event(uow, access.order, OrderEventKind.COMMENT_ADDED, comment.id, viewer.user_id)
    return comment
