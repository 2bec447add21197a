"""Compiled reads: `orders(...)` and `node(id:)` of an order answered as JSON built by the database.

On PostgreSQL, for an HTTP request (the view sets `Context.raw_json`), a root `orders` or
`node` field whose selection `resolvers.order_json` knows how to write is answered by one
statement that returns the field's JSON; the executor hands that text on as a `RawJSON`
leaf, and `encode_response` splices it into the response without decoding it. Fragments,
aliases and `@include`/`@skip` are resolved here, as graphql-core collects fields; any other
directive, a fragment with arguments, an abstract type below the root, a field the compiler
does not know, or arguments the resolver would refuse: the field is resolved as before
(graphql-core, then `schema.fast_path`), so the answer and its errors are exactly today's.
Errors while the statement runs (a timeout, an outage) are the field's error, as a
resolver's would be: SERVICE_UNAVAILABLE through `MaskUnexpectedErrors`.
"""

from __future__ import annotations

import functools
import json
import logging
from collections import Counter, OrderedDict
from collections.abc import Iterator
from typing import Any

from graphql import (
    ArgumentNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLIncludeDirective,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSkipDirective,
    InlineFragmentNode,
    ListValueNode,
    ObjectFieldNode,
    ObjectValueNode,
    VariableNode,
    get_named_type,
    is_abstract_type,
    is_enum_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution.values import get_argument_values, get_directive_values
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.arguments import convert_arguments

from models.database import is_unavailable
from resolvers.order_json import NotCompiled, Selected, compile_node, compile_orders
from resolvers.pagination import PageRequest
from schema.filters import OrderFilter, OrderOrder

log = logging.getLogger(__name__)

ROOT_FIELDS = ("orders", "node")
_ALLOWED_DIRECTIVES = {"include", "skip"}


class RawJSON(str):
    """JSON text built by the database, written into the response as it is."""


# Completes a compiled root field: the text passes through as a leaf value.
_RAW = GraphQLScalarType("CompiledJSON", serialize=lambda value: value)

_STATS: Counter[str] = Counter()

# Root fields' selections by their syntax tree (requests of one document share it through the
# document cache) and the variables they read: key -> (the field's node, its Selected).
_SELECTIONS: OrderedDict[Any, tuple[Any, Selected]] = OrderedDict()
MAX_SELECTIONS = 500


def _variables_in(node: Any) -> Iterator[str]:
    """The names of the variables used anywhere in an argument list or value (AST)."""
    if isinstance(node, VariableNode):
        yield node.name.value
    elif isinstance(node, list | tuple):
        for item in node:
            yield from _variables_in(item)
    elif isinstance(node, ArgumentNode | ObjectFieldNode):
        yield from _variables_in(node.value)
    elif isinstance(node, ObjectValueNode):
        yield from _variables_in(node.fields)
    elif isinstance(node, ListValueNode):
        yield from _variables_in(node.values)


def stats() -> dict[str, int]:
    """Root fields answered compiled ("compiled") and left to the resolvers, by reason (per process)."""
    return dict(_STATS)


_dumps = functools.partial(json.dumps, separators=(",", ":"))


def encode_response(response: Any) -> str:
    """Compact json.dumps (as Strawberry's own encoder) of a response whose `data` may hold RawJSON
    values (spliced as they are)."""
    data = response.get("data") if isinstance(response, dict) else None
    if not isinstance(data, dict) or not any(isinstance(value, RawJSON) for value in data.values()):
        return _dumps(response)
    parts = []
    for key, value in response.items():
        if key == "data":
            inner = ",".join(
                _dumps(name) + ":" + (field if isinstance(field, RawJSON) else _dumps(field))
                for name, field in data.items()
            )
            parts.append('"data":{' + inner + "}")
        else:
            parts.append(_dumps(key) + ":" + _dumps(value))
    return "{" + ",".join(parts) + "}"


async def _settled(answer: Any) -> tuple[bool, Any]:
    """(confirmed, JSON text) of a compiled statement, or (True, the exception) when it failed."""
    try:
        confirmed, text = await answer
    except Exception as error:  # reported as the field's error, as a resolver's would be
        return True, error
    return confirmed, text


async def _ready(outcome: Any) -> RawJSON | None:
    if isinstance(outcome, Exception):
        raise outcome
    return None if outcome is None else RawJSON(outcome)


class CompiledReads(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor, with compilable root reads answered by the database as JSON.

    The viewer of an HTTP request may have been taken on trust from its token's last check
    (`Context.viewer_confirmed` false, app.graphql_view): a compiled statement checks it itself
    (`resolvers.order_json`'s guard); any other root field waits until it is looked up again."""

    def execute_field(self, parent_type: Any, source: Any, field_details_list: Any, path: Any, position_context: Any):
        if path.prev is not None:
            return super().execute_field(parent_type, source, field_details_list, path, position_context)
        context = self.context_value
        if (
            getattr(context, "raw_json", False)
            and parent_type is self.schema.query_type
            and field_details_list[0].node.name.value in ROOT_FIELDS
        ):
            answer = self._compiled(parent_type, field_details_list)
            if answer is not None:
                return self._answer(answer, parent_type, source, field_details_list, path, position_context)
        if not getattr(context, "viewer_confirmed", True):
            return self._after_confirming(parent_type, source, field_details_list, path, position_context)
        return super().execute_field(parent_type, source, field_details_list, path, position_context)

    async def _after_confirming(self, *field: Any) -> Any:
        await self.context_value.confirm_viewer()
        result = super().execute_field(*field)
        return await result if self.is_awaitable(result) else result

    async def _answer(
        self, answer: Any, parent_type: Any, source: Any, field_details_list: Any, path: Any, position_context: Any
    ) -> Any:
        confirmed, outcome = await _settled(answer)
        context = self.context_value
        if isinstance(outcome, Exception) and not context.viewer_confirmed and is_unavailable(outcome):
            # The database is gone before the viewer taken on trust was checked: answered as the
            # look-up's failure would have been (a 503).
            context.viewer_unavailable = True
        if not confirmed:
            # The viewer lost access, or changed, since it was looked up: look it up again and
            # let the resolver answer (or refuse) as it would have.
            await self.context_value.confirm_viewer(again=True)
            return await self._after_confirming(parent_type, source, field_details_list, path, position_context)
        field_def = parent_type.fields[field_details_list[0].node.name.value]
        nodes = [details.node for details in field_details_list]
        info = self.build_resolve_info(field_def, nodes, parent_type, path)
        leaf = GraphQLNonNull(_RAW) if is_non_null_type(field_def.type) else _RAW
        return await self.complete_awaitable_value(
            leaf, field_details_list, info, path, _ready(outcome), position_context
        )

    def _compiled(self, parent_type: GraphQLObjectType, field_details_list: Any) -> Any:
        """The awaitable JSON text of a root field, or None: resolve it as before."""
        try:
            if any(d.defer_usage is not None or d.fragment_variable_values is not None for d in field_details_list):
                raise NotCompiled("@defer or fragment arguments")
            node = field_details_list[0].node
            field_def = parent_type.fields[node.name.value]
            self._check_directives(node)
            args = get_argument_values(field_def, node, self.variable_values)
            selected = self._selection(field_def, field_details_list)
            if node.name.value == "node":
                if self._root_node_fields() > 1:
                    raise NotCompiled("several node fields: the loaders read them together")
                answer = compile_node(self.context_value, args["id"], selected.children)
            else:
                kwargs = self._converted(field_def, args)
                page = PageRequest(
                    first=kwargs.get("first"),
                    after=kwargs.get("after"),
                    last=kwargs.get("last"),
                    before=kwargs.get("before"),
                )
                answer = compile_orders(
                    self.context_value,
                    page,
                    kwargs.get("filter") or OrderFilter(),
                    kwargs.get("order_by") or OrderOrder(),
                    selected,
                )
        except NotCompiled as reason:
            _STATS[f"not compiled: {reason}"] += 1
            return None
        except Exception:  # a bug here must not fail the query: the resolvers answer it
            _STATS["not compiled: error"] += 1
            log.exception("compiled reads: cannot compile a root field")
            return None
        _STATS["compiled"] += 1
        return answer

    def _selection(self, field_def: Any, field_details_list: Any) -> Selected:
        """What the root field selects (fragments, directives and aliases resolved), worked out
        once per document and the values of the variables its selection reads (the root's
        own arguments aside: the statement takes those as parameters)."""
        node = field_details_list[0].node
        own = set(_variables_in(node.arguments))
        reads = tuple(
            sorted(
                (k, json.dumps(v, sort_keys=True, default=str))
                for k, v in self.variable_values.coerced.items()
                if k not in own
            )
        )
        key = (id(node), len(field_details_list), reads)
        hit = _SELECTIONS.get(key)
        if hit is not None and hit[0] is node:
            _SELECTIONS.move_to_end(key)
            return hit[1]
        nodes = [d.node for d in field_details_list]
        # node(id:): the type of the node when its id is an order's.
        shown = self.schema.get_type("Order") if node.name.value == "node" else get_named_type(field_def.type)
        assert isinstance(shown, GraphQLObjectType)
        name = node.name.value
        selected = Selected(name, name, name, shown.name, children=self._selected(shown, nodes))
        _SELECTIONS[key] = (node, selected)
        if len(_SELECTIONS) > MAX_SELECTIONS:
            _SELECTIONS.popitem(last=False)
        return selected

    def _root_node_fields(self) -> int:
        """How many `node` fields the operation asks for at its root (through fragments too)."""
        count, seen = 0, set()
        pending = [self.operation.selection_set]
        while pending:
            for selection in pending.pop().selections:
                if isinstance(selection, FieldNode):
                    count += selection.name.value == "node"
                elif isinstance(selection, InlineFragmentNode):
                    pending.append(selection.selection_set)
                elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
                    seen.add(selection.name.value)
                    fragment = self.fragment_definitions.get(selection.name.value)
                    if fragment is not None:
                        pending.append(fragment.selection_set)
        return count

    def _converted(self, field_def: Any, args: dict[str, Any]) -> dict[str, Any]:
        strawberry_field = field_def.extensions["strawberry-definition"]
        schema = self.schema._strawberry_schema  # type: ignore[attr-defined]
        return convert_arguments(
            args,
            strawberry_field.arguments,
            scalar_registry=schema.schema_converter.scalar_registry,
            config=schema.config,
        )

    # -- collecting fields, as graphql-core does --------------------------------------------

    def _check_directives(self, node: Any) -> None:
        for directive in node.directives or ():
            if directive.name.value not in _ALLOWED_DIRECTIVES:
                raise NotCompiled(f"@{directive.name.value}")

    def _included(self, node: Any) -> bool:
        self._check_directives(node)
        skip = get_directive_values(GraphQLSkipDirective, node, self.variable_values)
        if skip and skip["if"]:
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self.variable_values)
        return not (include and not include["if"])

    def _applies(self, type_condition: Any, object_type: GraphQLObjectType) -> bool:
        if type_condition is None:
            return True
        condition = self.schema.get_type(type_condition.name.value)
        if condition is object_type:
            return True
        return condition is not None and is_abstract_type(condition) and self.schema.is_sub_type(condition, object_type)  # type: ignore[arg-type]

    def _collect(self, object_type: GraphQLObjectType, selection_set: Any, into: dict[str, list[FieldNode]]) -> None:
        for selection in selection_set.selections:
            if not self._included(selection):
                continue
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                into.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                if self._applies(selection.type_condition, object_type):
                    self._collect(object_type, selection.selection_set, into)
            elif isinstance(selection, FragmentSpreadNode):
                if selection.arguments:
                    raise NotCompiled("fragment arguments")
                fragment = self.fragment_definitions.get(selection.name.value)
                if fragment is None:
                    raise NotCompiled("unknown fragment")
                if self._applies(fragment.type_condition, object_type):
                    self._check_directives(fragment)
                    self._collect(object_type, fragment.selection_set, into)
            else:
                raise NotCompiled("unknown selection")

    def _selected(self, object_type: GraphQLObjectType, nodes: list[FieldNode]) -> tuple[Selected, ...]:
        """The fields selected under `nodes` on `object_type`, merged by response key."""
        grouped: dict[str, list[FieldNode]] = {}
        for node in nodes:
            if node.selection_set is not None:
                self._collect(object_type, node.selection_set, grouped)
        selected = []
        for key, group in grouped.items():
            name = group[0].name.value
            if name == "__typename":
                selected.append(Selected(key, name, name, object_type.name))
                continue
            field_def = object_type.fields.get(name)
            if field_def is None:
                raise NotCompiled(f"{object_type.name}.{name}")
            named = get_named_type(field_def.type)
            strawberry_field = (field_def.extensions or {}).get("strawberry-definition")
            if strawberry_field is None:
                raise NotCompiled(f"{object_type.name}.{name} is not a Strawberry field")
            children: tuple[Selected, ...] = ()
            if is_object_type(named):
                children = self._selected(named, group)  # type: ignore[arg-type]
            elif is_abstract_type(named):
                raise NotCompiled(f"{object_type.name}.{name} returns an abstract type")
            selected.append(
                Selected(
                    key,
                    name,
                    strawberry_field.python_name,
                    named.name,
                    is_enum=is_enum_type(named),
                    has_resolver=strawberry_field.base_resolver is not None,
                    args=get_argument_values(field_def, group[0], self.variable_values) if field_def.args else {},
                    children=children,
                )
            )
        return tuple(selected)
