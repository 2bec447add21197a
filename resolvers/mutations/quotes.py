"""submitQuote, declineToQuote, acceptQuote."""

from __future__ import annotations

from strawberry.types import Info

from domain import quotes
from domain.ids import decode_id
from resolvers.mutations.common import ORDER_ID, mutate, selects
from schema.order_inputs import AcceptQuoteInput, DeclineToQuoteInput, SubmitQuoteInput
from schema.order_payloads import AcceptQuotePayload, DeclineToQuotePayload, SubmitQuotePayload


async def resolve_submit_quote(info: Info, input: SubmitQuoteInput) -> SubmitQuotePayload:
    async def act(session, viewer):
        order_id = decode_id(input.order_id, "Order", field=ORDER_ID)
        data = quotes.NewQuote(
            plan=input.plan,
            line_items=[quotes.LineItemData(i.description, i.quantity, i.unit_price) for i in input.line_items],
            estimated_completion_on=input.estimated_completion_on,
            expires_at=input.expires_at,
            terms=input.terms,
        )
        quote = await quotes.submit_quote(session, viewer, order_id, data)
        return quote

    quote, errors = await mutate(info, act)
    if quote is None:
        return SubmitQuotePayload(errors=errors)
    order = await info.context.loaders.order.load(quote.order_id) if selects(info, "order") else None
    return SubmitQuotePayload(order=order, quote=quote, errors=errors)


async def resolve_decline_to_quote(info: Info, input: DeclineToQuoteInput) -> DeclineToQuotePayload:
    async def act(session, viewer):
        order_id = decode_id(input.order_id, "Order", field=ORDER_ID)
        return await quotes.decline_to_quote(session, viewer, order_id, input.reason)

    order, errors = await mutate(info, act)
    return DeclineToQuotePayload(order=order, errors=errors)


async def resolve_accept_quote(info: Info, input: AcceptQuoteInput) -> AcceptQuotePayload:
    async def act(session, viewer):
        quote_id = decode_id(input.quote_id, "Quote", field=["input", "quoteId"])
        return await quotes.accept_quote(session, viewer, quote_id)

    result, errors = await mutate(info, act)
    if result is None:
        return AcceptQuotePayload(errors=errors)
    order, quote = result
    return AcceptQuotePayload(order=order, quote=quote, errors=errors)
