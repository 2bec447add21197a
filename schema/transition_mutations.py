"""The plain transition mutations, made from the transition table (domain.transitions).

Each row of `PLAIN_TRANSITIONS` gives one mutation, `approveOrder(input: ApproveOrderInput!):
ApproveOrderPayload!` for `APPROVE_ORDER`: its input has `orderId`, plus the row's reason (or
message, domain.workflow.REASON_FIELD) when the table requires one, plus `scheduledFor` when the
row asks for it; its payload is the order (null when refused) and `errors`. A new transition is
a row of the domain table and a row here, in the order the mutations are listed.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from domain.transitions import TRANSITIONS, OrderAction
from domain.workflow import REASON_FIELD
from resolvers.mutations.transitions import resolve_transition
from schema.common import user_errors
from schema.order_payloads import OrderPayload

A = OrderAction


@dataclass(frozen=True)
class Api:
    """The GraphQL side of one row: descriptions, and the extra input a row needs."""

    description: str | None = None
    text_description: str | None = None  # of the reason or message, when the table requires one
    scheduled_for: str | None = None  # a required `scheduledFor`, with this description


PLAIN_TRANSITIONS: dict[OrderAction, Api] = {
    A.APPROVE_ORDER: Api("The supplier approves a fixed-price order (reserving its MDF)."),
    A.REJECT_ORDER: Api("The supplier rejects an order waiting for approval."),
    A.ACCEPT_ORDER: Api("The assigned provider takes on an approved order."),
    A.DENY_ORDER: Api("The assigned provider turns down an approved order (its MDF is released)."),
    A.START_WORK: Api(),
    A.REQUEST_PARTNER_INPUT: Api(
        "The provider waits for the partner (message required).",
        text_description="What the provider needs from the partner.",
    ),
    A.PROVIDE_INPUT: Api(
        "The partner answers the provider (message required); work resumes.",
        text_description="The partner's answer.",
    ),
    A.RESUME_WORK: Api("The provider resumes work without waiting any longer."),
    A.SCHEDULE_EXECUTION: Api(scheduled_for="When the activity runs; not in the past."),
    A.START_EXECUTION: Api(),
    A.COMPLETE_ORDER: Api("The provider completes the order (its MDF reservation becomes spend)."),
    A.CANCEL_ORDER: Api("Cancel before work starts (reason required; MDF released)."),
    A.ARCHIVE_ORDER: Api("The provider archives a finished order (it leaves the default Manage Orders list)."),
    A.ACCEPT_DELIVERABLES: Api("The partner accepts the deliverables of a completed order (recorded in its history)."),
    A.REQUEST_CHANGES: Api(
        "The partner sends a completed order back to work (reason required): it is IN_PROGRESS again.",
        text_description="What should change.",
    ),
}


def type_name(action: OrderAction) -> str:
    """APPROVE_ORDER -> ApproveOrder."""
    return "".join(word.capitalize() for word in action.value.split("_"))


def text_field(action: OrderAction) -> str | None:
    """The input field of the row's reason or message, when the table requires one."""
    return REASON_FIELD.get(action, "reason") if TRANSITIONS[action].reason_required else None


def input_type(action: OrderAction, api: Api) -> type:
    annotations: dict[str, Any] = {"order_id": strawberry.ID}
    namespace: dict[str, Any] = {}
    text = text_field(action)
    if text is not None:
        annotations[text] = str
        if api.text_description is not None:
            namespace[text] = strawberry.field(description=api.text_description)
    if api.scheduled_for is not None:
        annotations["scheduled_for"] = datetime
        namespace["scheduled_for"] = strawberry.field(description=api.scheduled_for)
    cls = type(f"{type_name(action)}Input", (), {"__module__": __name__, "__annotations__": annotations, **namespace})
    return strawberry.input(cls)


def payload_type(action: OrderAction) -> type:
    return strawberry.type(type(f"{type_name(action)}Payload", (OrderPayload,), {"__module__": __name__}))


def mutation(action: OrderAction, api: Api) -> Any:
    """The mutation field of one row: decode nothing here, run the transition, build the payload."""
    input_cls, payload_cls = input_type(action, api), payload_type(action)
    text = text_field(action)

    async def resolve(self: Any, info: Info, input: Any) -> Any:
        order, errors = await resolve_transition(
            info,
            action,
            input.order_id,
            reason=getattr(input, text) if text is not None else None,
            scheduled_for=getattr(input, "scheduled_for", None),
        )
        return payload_cls(order=order, errors=user_errors(errors))

    # Strawberry reads the argument and result types from the annotations.
    resolve.__annotations__ = {"info": Info, "input": input_cls, "return": payload_cls}
    resolve.__name__ = action.value.lower()
    return strawberry.mutation(resolve, description=api.description)


def transition_mutations(base: type, name: str) -> type:
    """A Strawberry type named `name` with `base`'s fields, then one mutation per row (in table order)."""
    fields = {action.value.lower(): mutation(action, api) for action, api in PLAIN_TRANSITIONS.items()}
    return strawberry.type(type(name, (base,), {"__module__": __name__, **fields}), name=name)
