"""The plain transition mutations, made from the transition table (domain.transitions).

Each row of `PLAIN_TRANSITIONS` gives one mutation, `approveOrder(input: ApproveOrderInput!):
ApproveOrderPayload!` for `APPROVE_ORDER`: its input has `orderId`, plus the row's reason (or
message, domain.workflow.REASON_FIELD) when the table requires one, plus `scheduledFor` or an
optional `estimatedCompletionOn` when the row asks for it; its payload is the order (null when
refused) and `errors`. A new transition is a row of the domain table and a row here, in the
order the mutations are listed.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from domain.orders import ROLE_NAMES, VERBS
from domain.transitions import TRANSITIONS, MoneyEffect, OrderAction, Role
from domain.workflow import REASON_FIELD
from models import OrderStatus
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
    estimated_completion_on: str | None = None  # an optional `estimatedCompletionOn`, with this description


PLAIN_TRANSITIONS: dict[OrderAction, Api] = {
    A.APPROVE_ORDER: Api("The supplier approves a fixed-price order (reserving its MDF)."),
    A.REJECT_ORDER: Api("The supplier rejects an order waiting for approval."),
    A.ACCEPT_ORDER: Api(
        "The assigned provider takes on an approved order, optionally saying when it expects to complete it.",
        estimated_completion_on=(
            "When the work should be done (today or later); left out: the date stays (a quote's, or none)."
        ),
    ),
    A.DENY_ORDER: Api("The assigned provider turns down an approved order (its MDF is released)."),
    A.START_WORK: Api("The assigned provider starts work on an accepted order."),
    A.REQUEST_PARTNER_INPUT: Api(
        "The provider waits for the partner (message required).",
        text_description="What the provider needs from the partner.",
    ),
    A.PROVIDE_INPUT: Api(
        "The partner answers the provider (message required); work resumes.",
        text_description="The partner's answer.",
    ),
    A.RESUME_WORK: Api("The provider resumes work without waiting any longer."),
    A.SCHEDULE_EXECUTION: Api(
        "The provider schedules the activity (`Order.scheduledFor`).",
        scheduled_for="When the activity runs; not in the past; UTC when no offset is given.",
    ),
    A.START_EXECUTION: Api("The scheduled activity starts running."),
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


def field_name(action: OrderAction) -> str:
    """APPROVE_ORDER -> approveOrder."""
    name = type_name(action)
    return name[0].lower() + name[1:]


def described(action: OrderAction, api: Api) -> str:
    """The mutation's description: the row's own words, then who may run it from which
    statuses to which, and the error codes it may answer (read from the table)."""
    row = TRANSITIONS[action]
    who = " or ".join(ROLE_NAMES[role] for role in Role if role in row.actors)
    sources = " or ".join(status.value for status in OrderStatus if status in row.sources)
    target = row.target.value if row.target is not None else "the same status"
    codes = ["NOT_FOUND (no order you may see has that id)", "FORBIDDEN (not your part)"]
    codes.append(f"INVALID_TRANSITION (the order is not {sources})")
    if row.reason_required or api.scheduled_for is not None or row.money is MoneyEffect.RESERVE:
        codes.append("VALIDATION (a bad input value)")
    if row.money is MoneyEffect.RESERVE:
        codes.append("INSUFFICIENT_FUNDS (the MDF fund cannot cover the rate)")
    codes.append("CONFLICT (changed by someone else meanwhile: retry)")
    return f"{api.description} Who: {who}. From {sources} to {target}. Errors: {', '.join(codes)}."


def input_type(action: OrderAction, api: Api) -> type:
    annotations: dict[str, Any] = {"order_id": strawberry.ID}
    namespace: dict[str, Any] = {"order_id": strawberry.field(description="The order's global id (`Order.id`).")}
    text = text_field(action)
    if text is not None:
        annotations[text] = str
        namespace[text] = strawberry.field(
            description=api.text_description or "Why (1 to 10,000 characters); the order's parties see it."
        )
    if api.scheduled_for is not None:
        annotations["scheduled_for"] = datetime
        namespace["scheduled_for"] = strawberry.field(description=api.scheduled_for)
    if api.estimated_completion_on is not None:
        annotations["estimated_completion_on"] = date | None
        namespace["estimated_completion_on"] = strawberry.field(default=None, description=api.estimated_completion_on)
    cls = type(f"{type_name(action)}Input", (), {"__module__": __name__, "__annotations__": annotations, **namespace})
    return strawberry.input(cls, description=f"What `{field_name(action)}` needs.")


def payload_type(action: OrderAction) -> type:
    cls = type(f"{type_name(action)}Payload", (OrderPayload,), {"__module__": __name__})
    return strawberry.type(cls, description=f"The order after `{field_name(action)}`, or why it was refused.")


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
            estimated_completion_on=getattr(input, "estimated_completion_on", None),
        )
        return payload_cls(order=order, errors=user_errors(errors))

    # Strawberry reads the argument and result types from the annotations.
    given = "" if text is None else ", and why" if text == "reason" else f", and the {text}"
    argument = strawberry.argument(description=f"The order to {VERBS[action]}{given}.")
    resolve.__annotations__ = {"info": Info, "input": Annotated[input_cls, argument], "return": payload_cls}
    resolve.__name__ = action.value.lower()
    return strawberry.mutation(resolve, description=described(action, api))


def transition_mutations(base: type, name: str) -> type:
    """A Strawberry type named `name` with `base`'s fields, then one mutation per row (in table order)."""
    fields = {action.value.lower(): mutation(action, api) for action, api in PLAIN_TRANSITIONS.items()}
    return strawberry.type(type(name, (base,), {"__module__": __name__, **fields}), name=name)
