"""The plain transition mutations are made from the table: each row, its input and its payload."""

from __future__ import annotations

from graphql import GraphQLNonNull

from domain.transitions import TRANSITIONS, OrderAction
from schema import schema
from schema.transition_mutations import PLAIN_TRANSITIONS, type_name

# Rows with their own mutation: quotes (submitQuote, declineToQuote, acceptQuote).
NOT_PLAIN = {OrderAction.SUBMIT_QUOTE, OrderAction.DECLINE_TO_QUOTE, OrderAction.ACCEPT_QUOTE}


def camel(action: OrderAction) -> str:
    name = type_name(action)
    return name[0].lower() + name[1:]


def test_every_plain_row_of_the_table_is_a_mutation_in_table_order() -> None:
    plain = [a for a in TRANSITIONS if a not in NOT_PLAIN]
    assert list(PLAIN_TRANSITIONS) == plain
    fields = list(schema._schema.mutation_type.fields)
    assert [f for f in fields if f in {camel(a) for a in plain}] == [camel(a) for a in plain]


def test_inputs_ask_for_what_the_row_requires() -> None:
    for action in PLAIN_TRANSITIONS:
        field = schema._schema.mutation_type.fields[camel(action)]
        input_type = field.args["input"].type.of_type
        assert input_type.name == f"{type_name(action)}Input"
        names = list(input_type.fields)
        assert names[0] == "orderId"
        text = {"reason", "message"} & set(names)
        assert bool(text) is TRANSITIONS[action].reason_required, action
        optional = {"estimatedCompletionOn"}  # acceptOrder's date may be left out
        assert all(isinstance(input_type.fields[n].type, GraphQLNonNull) for n in names if n not in optional)
        assert ("scheduledFor" in names) is (action is OrderAction.SCHEDULE_EXECUTION)
        assert ("estimatedCompletionOn" in names) is (action is OrderAction.ACCEPT_ORDER)
        assert field.type.of_type.name == f"{type_name(action)}Payload"
        assert list(field.type.of_type.fields) == ["order", "errors"]
