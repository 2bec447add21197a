"""addAttachments, removeAttachment."""

from __future__ import annotations

from typing import Any

from strawberry.types import Info

from domain.attachments import add_attachments, remove_attachment
from domain.errors import DomainError
from domain.ids import decode_id
from models import Attachment, AttachmentKind, Order
from resolvers.mutations.runner import run_mutation, selects

ORDER_ID = ["input", "orderId"]


async def resolve_add_attachments(
    info: Info, input: Any
) -> tuple[tuple[Order | None, list[Attachment]] | None, list[DomainError]]:
    ctx = info.context

    async def act(uow, viewer):
        return await add_attachments(
            uow,
            viewer,
            ctx.storage,
            decode_id(input.order_id, "Order", field=ORDER_ID),
            list(input.files),
            AttachmentKind(input.kind.value if hasattr(input.kind, "value") else input.kind),
            quote_id=decode_id(input.quote_id, "Quote", field=["input", "quoteId"]) if input.quote_id else None,
            comment_id=decode_id(input.comment_id, "Comment", field=["input", "commentId"])
            if input.comment_id
            else None,
            max_files=ctx.settings.max_upload_files,
        )

    added, errors = await run_mutation(info, act)
    if added is None:
        return None, errors
    order = await ctx.loaders.order.load(added[0].order_id) if selects(info, "order") else None
    return (order, added), errors


async def resolve_remove_attachment(info: Info, input: Any) -> tuple[Order | None, list[DomainError]]:
    ctx = info.context

    async def act(uow, viewer):
        pk = decode_id(input.attachment_id, "Attachment", field=["input", "attachmentId"])
        return await remove_attachment(uow, viewer, ctx.storage, pk)

    order, errors = await run_mutation(info, act)
    if order is None:
        return None, errors
    return await ctx.loaders.order.load(order.id), errors
