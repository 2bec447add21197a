"""submitQuote, declineToQuote, withdrawQuote, acceptQuote."""

from __future__ import annotations

from typing import Any

from strawberry.types import Info

from domain import quotes
from domain.errors import DomainError
from domain.ids import decode_id
from models import Order, Quote
from resolvers.mutations.runner import run_mutation, selects

ORDER_ID = ["input", "orderId"]


async def resolve_submit_quote(info: Info, input: Any) -> tuple[tuple[Order | None, Quote] | None, list[DomainError]]:
    """(order, quote): the order only when the operation asks for it."""

    async def act(uow, viewer):
        order_id = decode_id(input.order_id, "Order", field=ORDER_ID)
        data = quotes.NewQuote(
            plan=input.plan,
            line_items=[quotes.LineItemData(i.description, i.quantity, i.unit_price) for i in input.line_items],
            estimated_completion_on=input.estimated_completion_on,
            expires_at=input.expires_at,
            terms=input.terms,
        )
        return await quotes.submit_quote(uow, viewer, order_id, data)

    quote, errors = await run_mutation(info, act)
    if quote is None:
        return None, errors
    order = await info.context.loaders.order.load(quote.order_id) if selects(info, "order") else None
    return (order, quote), errors


async def resolve_decline_to_quote(info: Info, input: Any) -> tuple[Order | None, list[DomainError]]:
    async def act(uow, viewer):
        order_id = decode_id(input.order_id, "Order", field=ORDER_ID)
        return await quotes.decline_to_quote(uow, viewer, order_id, input.reason)

    return await run_mutation(info, act)


async def resolve_accept_quote(info: Info, input: Any) -> tuple[tuple[Order, Quote] | None, list[DomainError]]:
    async def act(uow, viewer):
        quote_id = decode_id(input.quote_id, "Quote", field=["input", "quoteId"])
        return await quotes.accept_quote(uow, viewer, quote_id)

    return await run_mutation(info, act)


async def resolve_withdraw_quote(info: Info, input: Any) -> tuple[tuple[Order, Quote] | None, list[DomainError]]:
    async def act(uow, viewer):
        quote_id = decode_id(input.quote_id, "Quote", field=["input", "quoteId"])
        return await quotes.withdraw_quote(uow, viewer, quote_id)

    return await run_mutation(info, act)
