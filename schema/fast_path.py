"""A leaner completion of selection sets whose fields are all plain and synchronous.

graphql-core and Strawberry spend 10-20 µs on every field of every object (a resolve info,
Strawberry's resolver wrapper and argument conversion, awaitable checks, completion
dispatch); a page of 50 orders with nested fields has about 1,250 of them. Where a selection
set, and everything below it, only reads attributes or calls synchronous resolvers without
arguments, `FastPathExecutor` completes it with functions compiled once per selection set
and request, calling the very same resolvers with the very same arguments (a real `Info`
when they ask for one).

Left to graphql-core, decided when compiling: abstract types, field arguments, async
resolvers, field extensions, directives other than @include/@skip (already applied when the
fields were collected), @defer/@stream, middleware, exception handlers. Decided while
running: whenever a value is off the plain path (a resolver returns an awaitable or raises,
a null for a non-null field, a value of the wrong type), the compiled walk drops what it built
and graphql-core completes that object from scratch, so results and errors are exactly
graphql-core's. Resolvers that ran during the dropped walk run again: the walk only calls
synchronous resolvers without arguments, which here are pure reads.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from operator import attrgetter
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLID,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    TypeNameMetaFieldDef,
    is_leaf_type,
    is_object_type,
)
from graphql.pyutils import Path, Undefined
from strawberry import relay
from strawberry.relay.utils import to_base64
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField

log = logging.getLogger("provider_orders.graphql")

_BACKREF = "strawberry-definition"
# Directives that field collection has already applied by the time a selection set runs.
_COLLECTED_DIRECTIVES = frozenset({"include", "skip"})
# Strawberry's wrappers for a field without resolver, and for a synchronous resolver.
_STRAWBERRY_WRAPPERS = frozenset({
    "GraphQLCoreConverter.from_resolver.<locals>._get_basic_result",
    "GraphQLCoreConverter.from_resolver.<locals>._resolver",
})
_NODE_ID = relay.Node._id.__func__  # the resolver of every Node's `id`
_NODE_RESOLVE_ID = relay.Node.resolve_id.__func__
_NODE_RESOLVE_TYPENAME = relay.Node.resolve_typename.__func__

Step = Callable[[Any, Any], Any]  # (parent value, parent path) -> completed field value


def _path(fields: tuple) -> Path:
    return tuple.__new__(Path, fields)  # Path(*fields), without NamedTuple's argument handling


class _Abort(Exception):  # noqa: N818 - control flow that never leaves this module
    """Leave the compiled walk; graphql-core completes the object instead."""


def _abort_awaitable(value: Any) -> None:
    close = getattr(value, "close", None)  # a coroutine never awaited would warn
    if close is not None:
        close()
    raise _Abort


class FastPathExecutor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor, with plain selection sets completed by compiled functions."""

    #: Selection sets completed by compiled functions, and those that started there but were
    #: completed by graphql-core instead (per execution; for tests and diagnosis).
    fast_path_hits = 0
    fast_path_fallbacks = 0

    def build_per_event_executor(self, payload: Any) -> Any:
        executor = super().build_per_event_executor(payload)
        # Compiled functions are bound to the executor that compiled them (its root value...).
        executor.__dict__.pop("_fast_walks", None)
        executor.fast_path_hits = executor.fast_path_fallbacks = 0
        return executor

    def execute_operation(self, serially: bool | None = None) -> Any:
        result = super().execute_operation(serially)
        if self.is_awaitable(result):
            return self._forget_walks_after(result)
        self._forget_walks()
        return result

    async def _forget_walks_after(self, result: Any) -> Any:
        try:
            return await result
        finally:
            self._forget_walks()

    def _forget_walks(self) -> None:
        # The compiled functions reach the executor (through the resolve infos they build): a
        # cycle that would keep a request's objects for the garbage collector. Drop them.
        self.__dict__.pop("_fast_walks", None)

    def execute_collected_subfields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path,
        grouped_field_set: Any,
        new_defer_usages: Any,
        position_context: Any,
    ) -> Any:
        if not new_defer_usages and position_context is None:
            walk = self._walk_for(parent_type, grouped_field_set)
            if walk is not None:
                try:
                    result = walk(source_value, path)
                except Exception:  # noqa: BLE001 - graphql-core completes it again and reports any error
                    self.fast_path_fallbacks += 1
                else:
                    self.fast_path_hits += 1
                    return result
        return super().execute_collected_subfields(
            parent_type, source_value, path, grouped_field_set, new_defer_usages, position_context
        )

    # -- compiling (once per selection set and request) -------------------------------------

    def _walk_for(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> Step | None:
        walks = self.__dict__.setdefault("_fast_walks", {})
        key = (parent_type, id(grouped_field_set))
        cached = walks.get(key)
        if cached is not None and cached[0] is grouped_field_set:
            return cached[1]
        walks[key] = (grouped_field_set, None)  # a recursive selection is not compiled
        try:
            walk = self._compile_walk(parent_type, grouped_field_set)
        except Exception:  # a bug here must not fail the query: graphql-core completes it
            log.exception("fast path: cannot compile the selection set of %s", parent_type.name)
            walk = None
        walks[key] = (grouped_field_set, walk)
        return walk

    def _compile_walk(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> Step | None:
        if self.middleware_manager is not None and self.middleware_manager.middlewares:
            return None
        strawberry_schema = self.schema.extensions.get(_BACKREF)
        if strawberry_schema is None or getattr(strawberry_schema.schema_converter, "_exception_handler_specs", True):
            return None
        steps: list[tuple[str, Step]] = []
        for key, field_details_list in grouped_field_set.items():
            for details in field_details_list:
                node = details.node
                if (
                    details.defer_usage is not None
                    or details.fragment_variable_values is not None
                    or node.arguments
                    or any(d.name.value not in _COLLECTED_DIRECTIVES for d in node.directives or ())
                ):
                    return None
            field_def = self.schema.get_field(parent_type, field_details_list[0].node.name.value)
            if field_def is None:
                return None
            step = self._compile_step(strawberry_schema, parent_type, key, field_def, field_details_list)
            if step is None:
                return None
            steps.append((key, step))

        def walk(source: Any, path: Any) -> dict[str, Any]:
            return {key: step(source, path) for key, step in steps}

        return walk

    def _compile_step(
        self, strawberry_schema: Any, parent_type: GraphQLObjectType, key: str, field_def: GraphQLField,
        field_details_list: Any,
    ) -> Step | None:
        type_name = parent_type.name
        complete = self._compile_completion(field_def.type, field_details_list)
        if complete is None:
            return None
        finish, needs_info, uses_path = complete

        if field_def is TypeNameMetaFieldDef:
            value = finish(type_name, None, None)
            return lambda source, path: value

        field = field_def.extensions.get(_BACKREF) if field_def.extensions else None
        resolve = field_def.resolve
        if (
            not isinstance(field, StrawberryField)
            or getattr(resolve, "__qualname__", None) not in _STRAWBERRY_WRAPPERS
            or field.extensions
            or field.arguments
            or field_def.args
            or field.is_subscription
        ):
            return None
        field_nodes = [details.node for details in field_details_list]
        build_info = self._info_builder(field_def, field_nodes, parent_type)
        is_awaitable = self.is_awaitable

        resolver = field.base_resolver
        if resolver is None:  # an attribute
            if field.default_resolver is not getattr:
                return None
            read = attrgetter(field.python_name)

            def attribute(source: Any, path: Any) -> Any:
                value = read(source)
                if value is not None and is_awaitable(value):
                    raise _Abort  # graphql-core awaits it (the same object: left as it is)
                if not uses_path:
                    return finish(value, None, None)
                field_path = _path((path, key, type_name))
                return finish(value, field_path, build_info(field_path) if needs_info else None)

            return attribute

        if resolver.is_async or not callable(resolver.wrapped_func):
            return None
        func = resolver.wrapped_func  # what StrawberryResolver.__call__ calls
        node_id = self._node_id_reader(strawberry_schema, type_name, field_def, func)
        if node_id is not None:
            return lambda source, path: node_id(source)

        pass_self = resolver.self_parameter is not None
        parent_names = tuple(p.name for p in (resolver.parent_parameter, resolver.root_parameter) if p)
        info_name = resolver.info_parameter.name if resolver.info_parameter else None
        info_class = strawberry_schema.config.info_class

        def call(source: Any, path: Any) -> Any:
            field_path = _path((path, key, type_name))
            info = None
            kwargs = dict.fromkeys(parent_names, source)
            if info_name is not None or needs_info:
                info = build_info(field_path)
                if info_name is not None:
                    kwargs[info_name] = info_class(_raw_info=info, _field=field)
            value = func(source, **kwargs) if pass_self else func(**kwargs)
            if value is not None and is_awaitable(value):
                _abort_awaitable(value)
            return finish(value, field_path, info)

        return call

    def _info_builder(self, field_def: GraphQLField, field_nodes: list, parent_type: GraphQLObjectType) -> Callable:
        """path -> the field's resolve info, as `build_resolve_info` makes it: when that is
        Strawberry's, the same tuple is put together directly (only its path changes)."""
        build = self.build_resolve_info
        if type(self).build_resolve_info is not StrawberryGraphQLCoreExecutionContext.build_resolve_info:
            return lambda path: build(field_def, field_nodes, parent_type, path)
        sample = build(field_def, field_nodes, parent_type, None)
        head = (field_nodes[0].name.value, field_nodes, field_def.type, parent_type)
        info_type, tail = type(sample), tuple(sample[5:])
        if tuple(sample[:4]) != head or sample[4] is not None:
            return lambda path: build(field_def, field_nodes, parent_type, path)
        return lambda path: tuple.__new__(info_type, (*head, path, *tail))

    @staticmethod
    def _node_id_reader(
        strawberry_schema: Any, type_name: str, field_def: GraphQLField, func: Any
    ) -> Callable[[Any], str] | None:
        """relay.Node's `id` of a type that keeps Strawberry's resolve_id and resolve_typename,
        read straight from the row: the same string as `str(GlobalID(type name, str(id)))`,
        which is what graphql-core's ID makes of the GlobalID that resolver returns."""
        id_type = field_def.type
        if (
            getattr(func, "__func__", None) is not _NODE_ID
            or not isinstance(id_type, GraphQLNonNull)
            or id_type.of_type is not GraphQLID
        ):
            return None
        definition = strawberry_schema.get_type_by_name(type_name)
        origin = getattr(definition, "origin", None)
        if (
            origin is None
            or getattr(origin.resolve_id, "__func__", None) is not _NODE_RESOLVE_ID
            or getattr(origin.resolve_typename, "__func__", None) is not _NODE_RESOLVE_TYPENAME
        ):
            return None
        read = attrgetter(origin.resolve_id_attr())
        node_class = relay.Node

        def node_id(source: Any) -> str:
            # A Strawberry object (not a row) resolves through its own class: not handled here.
            value = None if isinstance(source, node_class) else read(source)
            if type(value) is not int and type(value) is not str:
                raise _Abort  # None, awaitables and the unusual: the resolver's own path
            return to_base64(type_name, str(value))

        return node_id

    def _compile_completion(
        self, return_type: GraphQLOutputType, field_details_list: Any
    ) -> tuple[Callable[[Any, Any, Any], Any], bool, bool] | None:
        """(finish(value, field path, info) -> completed value, whether finish needs the
        field's resolve info, whether it needs the field's path)."""
        if isinstance(return_type, GraphQLNonNull):
            inner = self._compile_completion(return_type.of_type, field_details_list)
            if inner is None:
                return None
            inner_finish, needs_info, uses_path = inner

            def non_null(value: Any, path: Any, info: Any) -> Any:
                if value is None:
                    raise _Abort
                completed = inner_finish(value, path, info)
                if completed is None:
                    raise _Abort
                return completed

            return non_null, needs_info, uses_path

        if isinstance(return_type, GraphQLList):
            inner = self._compile_completion(return_type.of_type, field_details_list)
            if inner is None:
                return None
            item_finish, needs_info, uses_path = inner
            is_awaitable = self.is_awaitable

            def list_of(value: Any, path: Any, info: Any) -> Any:
                if value is None or value is Undefined:
                    return None
                # Other iterables (generators...) and awaitable items are graphql-core's.
                if (type(value) is not list and type(value) is not tuple) or any(map(is_awaitable, value)):
                    raise _Abort
                if not uses_path:
                    return [item_finish(item, None, info) for item in value]
                return [item_finish(item, _path((path, index, None)), info) for index, item in enumerate(value)]

            return list_of, needs_info, uses_path

        if is_leaf_type(return_type):
            coerce = return_type.coerce_output_value

            def leaf(value: Any, path: Any, info: Any) -> Any:
                if value is None or value is Undefined:
                    return None
                if isinstance(value, Exception):
                    raise _Abort
                coerced = coerce(value)
                if coerced is None or coerced is Undefined:
                    raise _Abort
                return coerced

            return leaf, False, False

        if is_object_type(return_type):
            grouped, new_defer_usages, forbidden = self.collect_subfields(return_type, field_details_list)
            if new_defer_usages or forbidden:
                return None
            walk = self._walk_for(return_type, grouped)
            if walk is None:
                return None
            is_type_of = return_type.is_type_of

            def object_of(value: Any, path: Any, info: Any) -> Any:
                if value is None or value is Undefined:
                    return None
                if isinstance(value, Exception):
                    raise _Abort
                if is_type_of is not None:
                    matches = is_type_of(value, info)
                    if matches is not True:
                        if matches is not False and hasattr(matches, "__await__"):
                            _abort_awaitable(matches)
                        raise _Abort
                return walk(value, path)

            return object_of, is_type_of is not None, True

        return None  # interfaces and unions: graphql-core resolves the runtime type
