"""A leaner completion of selection sets whose fields are all plain and synchronous.

graphql-core and Strawberry do a good deal of work on every field of every object (a resolve
info, Strawberry's resolver wrapper and argument conversion, awaitable checks, completion
dispatch); a page of 50 orders with nested fields has about 1,250 of them. Where a selection
set, and everything below it, only reads attributes or calls synchronous resolvers without
arguments, `FastPathExecutor` completes it with functions compiled once per query document
(and values of the variables its directives use), calling the very same resolvers with the
very same arguments (a real `Info` when they ask for one).

Left to graphql-core, decided when compiling (`_NotEligible`, counted by reason): abstract
types (and so exception handlers, which apply to unions only), field arguments, async
resolvers, field extensions (permission classes among them), directives other than
@include/@skip (already applied when the fields were collected), @defer/@stream, middleware
(Strawberry's operation directives among them). Decided while running: whenever a value is off
the plain path (a resolver returns an awaitable or raises, a null for a non-null field, a
value of the wrong type), the compiled walk drops what it built and graphql-core completes
that object from scratch, so results and errors are exactly graphql-core's (counted as
fallbacks). Resolvers that ran during the dropped walk run again: the walk only calls
synchronous resolvers without arguments, which here are pure reads.

It relies on internals of Strawberry and graphql-core: `check_internals` compares them with
those it was written against when the schema is built, and turns it off (one warning) when
they differ. `stats()` gives this process's counts; tests/test_fast_path_guards.py has a test
for every guard.
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import logging
import operator
import weakref
from binascii import b2a_base64
from collections import Counter, OrderedDict
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLString,
    TypeNameMetaFieldDef,
    VariableNode,
    Visitor,
    is_leaf_type,
    is_object_type,
    visit,
)
from graphql.execution.collect_fields import FieldDetails
from graphql.pyutils import Path, Undefined
from strawberry import relay
from strawberry.relay.utils import to_base64
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField
from strawberry.types.fields.resolver import StrawberryResolver

log = logging.getLogger("provider_orders.graphql")

_BACKREF = "strawberry-definition"
# Directives that field collection has already applied by the time a selection set runs.
_COLLECTED_DIRECTIVES = frozenset({"include", "skip"})
# Strawberry's wrappers for a field without resolver, and for a synchronous resolver.
_STRAWBERRY_WRAPPERS = frozenset(
    {
        "GraphQLCoreConverter.from_resolver.<locals>._get_basic_result",
        "GraphQLCoreConverter.from_resolver.<locals>._resolver",
    }
)
_NODE_ID = relay.Node._id.__func__  # the resolver of every Node's `id`
_NODE_RESOLVE_ID = relay.Node.resolve_id.__func__
_NODE_RESOLVE_TYPENAME = relay.Node.resolve_typename.__func__

# Compiled walks, shared by the requests that send the same document (the parser cache hands
# them the same syntax tree): (object type, ids of the tree's nodes of the selection set, values
# of the variables the document's directives use) -> (those nodes, the walk or None when it
# cannot be compiled), the least recently used dropped first.
_WALKS: OrderedDict[tuple, Any] = OrderedDict()
_WALKS_KEPT = 1000
# The variables read by the directives of an operation: id of its node -> (the node, names).
_DIRECTIVE_VARIABLES: OrderedDict[int, tuple[Any, set[str]]] = OrderedDict()

Walk = Callable[[Any, Any, Any], dict]  # (executor, object, its path) -> its completed fields
Finish = Callable[[Any, Any, Any, Any], Any]  # (executor, value, field path, field info) -> completed


_UNKNOWN = object()


# -- the internals this module was written against ---------------------------------------------

_EXECUTOR = StrawberryGraphQLCoreExecutionContext  # graphql-core's methods, as the MRO resolves them
# (what, owner, attribute, its parameters, a fingerprint of its source): the functions whose
# behaviour the walk reproduces (completion, resolve infos), calls around (Strawberry's resolver
# wrappers and the resolvers they call) or overrides. pyproject.toml bounds the versions; when
# one of these changes anyway, check this module against the new code and update the table
# (`python -m schema.fast_path` prints it as it is now).
_RELIED_ON: tuple[tuple[str, Any, str, tuple[str, ...], str], ...] = (
    ("Strawberry's resolver factory", GraphQLCoreConverter, "from_resolver", ("self", "field"), "bcac1354fecdee79"),
    (
        "Strawberry's field result",
        StrawberryField,
        "get_result",
        ("self", "source", "info", "args", "kwargs"),
        "1881f471e7299ddb",
    ),
    ("Strawberry's resolver call", StrawberryResolver, "__call__", ("self", "args", "kwargs"), "e86ac9383353bada"),
    (
        "Strawberry's resolve info",
        _EXECUTOR,
        "build_resolve_info",
        ("self", "field_def", "field_nodes", "parent_type", "path"),
        "d600ee8361192a18",
    ),
    ("relay.Node id", relay.Node, "_id", ("root", "info"), "0385fe0f9fc66452"),
    ("relay.Node resolve_id", relay.Node, "resolve_id", ("root", "info"), "6776cbfdcc3fa535"),
    ("relay.Node resolve_typename", relay.Node, "resolve_typename", ("root", "info"), "03f8e46718d57341"),
    (
        "graphql-core's subfields",
        _EXECUTOR,
        "execute_collected_subfields",
        ("self", "parent_type", "source_value", "path", "grouped_field_set", "new_defer_usages", "delivery_group_map"),
        "4be78f15f06f988a",
    ),
    (
        "graphql-core's subfield collection",
        _EXECUTOR,
        "collect_subfields",
        ("self", "return_type", "field_details_list"),
        "53924d281ad7f699",
    ),
    (
        "graphql-core's object completion",
        _EXECUTOR,
        "collect_and_execute_subfields",
        ("self", "return_type", "field_details_list", "path", "result", "position_context"),
        "98432d93fb1b2526",
    ),
    (
        "graphql-core's fields",
        _EXECUTOR,
        "execute_fields",
        ("self", "parent_type", "source_value", "path", "grouped_field_set", "position_context"),
        "797f54fbd779b4e3",
    ),
    (
        "graphql-core's field",
        _EXECUTOR,
        "execute_field",
        ("self", "parent_type", "source", "field_details_list", "path", "position_context"),
        "5281dc836ecc24a0",
    ),
    (
        "graphql-core's value completion",
        _EXECUTOR,
        "complete_value",
        ("self", "return_type", "field_details_list", "info", "path", "result", "position_context"),
        "06c34f7681a13120",
    ),
    (
        "graphql-core's list completion",
        _EXECUTOR,
        "complete_list_value",
        ("self", "return_type", "field_details_list", "info", "path", "result", "position_context"),
        "3ee91ce2f0fa9b62",
    ),
    ("graphql-core's leaf completion", _EXECUTOR, "complete_leaf_value", ("return_type", "result"), "a8c54d5838ad9753"),
    (
        "graphql-core's object check",
        _EXECUTOR,
        "complete_object_value",
        ("self", "return_type", "field_details_list", "info", "path", "result", "position_context"),
        "55e77f58eca1ddc4",
    ),
)
# The attributes read from graphql-core's collected fields.
_FIELD_DETAILS = ("node", "defer_usage", "fragment_variable_values")

# The verdict of check_internals per Strawberry schema, and the problems already warned about.
_VERDICTS: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()
_WARNED: set[str] = set()


def _fingerprint(function: Any) -> str:
    return hashlib.sha256(inspect.getsource(getattr(function, "__func__", function)).encode()).hexdigest()[:16]


def _relied_on_now() -> list[tuple[str, tuple[str, ...] | None, str | None]]:
    """(what, parameters, fingerprint) of each function in _RELIED_ON as installed; None for
    what cannot be read."""
    found = []
    for what, owner, name, _parameters, _fingerprint_then in _RELIED_ON:
        function = getattr(owner, name, None)
        try:
            parameters: tuple[str, ...] | None = tuple(inspect.signature(function).parameters)
        except (TypeError, ValueError):
            parameters = None
        try:
            fingerprint: str | None = _fingerprint(function)
        except (OSError, TypeError):
            fingerprint = None
        found.append((what, parameters, fingerprint))
    return found


def internals_problems(strawberry_schema: Any) -> list[str]:
    """What differs from the internals this module was written against (empty: none)."""
    problems = []
    for (what, owner, name, parameters, fingerprint), (_, now_parameters, now_fingerprint) in zip(
        _RELIED_ON, _relied_on_now(), strict=True
    ):
        if getattr(owner, name, None) is None:
            problems.append(f"{what} ({owner.__name__}.{name}) is gone")
        elif now_parameters != parameters:
            problems.append(f"{what} ({owner.__name__}.{name}) takes {now_parameters}, not {parameters}")
        elif now_fingerprint != fingerprint:
            problems.append(f"{what} ({owner.__name__}.{name}) has changed")
    if getattr(FieldDetails, "_fields", None) != _FIELD_DETAILS:
        problems.append(f"graphql-core's FieldDetails holds {getattr(FieldDetails, '_fields', None)}")
    if not hasattr(getattr(strawberry_schema, "config", None), "info_class"):
        problems.append("Strawberry's schema config has no info_class")
    return problems


def check_internals(strawberry_schema: Any) -> bool:
    """Whether the fast path may run for this schema: called when the schema is built (else
    before its first query). When an internal differs, one warning, and graphql-core
    completes every field of this schema."""
    problems = internals_problems(strawberry_schema)
    _VERDICTS[strawberry_schema] = not problems
    if problems:
        message = "; ".join(problems)
        if message not in _WARNED:
            _WARNED.add(message)
            log.warning(
                "fast path off (graphql-core completes every field): the internals of Strawberry and "
                "graphql-core it relies on are not those it was written against: %s",
                message,
            )
    return not problems


# -- what happened, for operators ---------------------------------------------------------------


@dataclasses.dataclass
class _Stats:
    hits: int = 0  # selection sets completed by a walk
    fallbacks: Counter = dataclasses.field(default_factory=Counter)  # reason -> walks left for graphql-core
    not_compiled: Counter = dataclasses.field(default_factory=Counter)  # reason -> selection sets


_STATS = _Stats()


def stats(strawberry_schema: Any = None) -> dict[str, Any]:
    """This process's figures since it started: selection sets completed by the fast path,
    walks that fell back to graphql-core (by reason) and selection sets it did not compile (by
    reason; each compiled once per document). With a schema: whether the fast path is on for it."""
    figures: dict[str, Any] = {
        "hits": _STATS.hits,
        "fallbacks": dict(_STATS.fallbacks),
        "notCompiled": dict(_STATS.not_compiled),
    }
    if strawberry_schema is not None:
        figures["enabled"] = _VERDICTS.get(strawberry_schema)
    return figures


def _path(fields: tuple) -> Path:
    return tuple.__new__(Path, fields)  # Path(*fields), without NamedTuple's argument handling


def info_unused(function: Callable) -> Callable:
    """Marks an `is_type_of` that never reads its `info` argument: the fast path then passes
    None instead of making a resolve info for every object it checks."""
    function.info_unused = True  # type: ignore[attr-defined]
    return function


def _info_unused(is_type_of: Callable) -> bool:
    return getattr(getattr(is_type_of, "__func__", is_type_of), "info_unused", False)


class _Abort(Exception):
    """Leave the compiled walk; graphql-core completes the object instead."""


class _NotEligible(Exception):
    """A selection set the fast path leaves to graphql-core by design (the reason is the text)."""


def _fell_back(parent_type: GraphQLObjectType, exc: Exception) -> None:
    """Count a walk that graphql-core completes again, and say why: at debug level when the
    value was off the plain path (by design: a null, an awaitable, a value to check...) or an
    expected GraphQL error; at info level for any other error a resolver raised (graphql-core
    calls it again and reports it)."""
    if isinstance(exc, _Abort):
        reason = "a value off the plain path"
    elif isinstance(exc, GraphQLError):
        reason = "a GraphQL error"
    else:
        reason = "an error raised"
    _STATS.fallbacks[reason] += 1
    level = logging.INFO if reason == "an error raised" else logging.DEBUG
    if log.isEnabledFor(level):
        log.log(
            level,
            "fast path: %s of %s completed by graphql-core (%s: %r)",
            reason,
            parent_type.name,
            type(exc).__name__,
            exc,
        )


def _abort_awaitable(value: Any) -> None:
    close = getattr(value, "close", None)  # a coroutine never awaited would warn
    if close is not None:
        close()
    raise _Abort


class _DirectiveVariables(Visitor):
    """Collects the names of the variables used in directive arguments."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self._in_directive = 0

    def enter_directive(self, *_args: Any) -> None:
        self._in_directive += 1

    def leave_directive(self, *_args: Any) -> None:
        self._in_directive -= 1

    def enter_variable(self, node: VariableNode, *_args: Any) -> None:
        if self._in_directive:
            self.names.add(node.name.value)


class FastPathExecutor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor, with plain selection sets completed by compiled functions."""

    #: Selection sets completed by compiled functions, and those that started there but were
    #: completed by graphql-core instead (per execution; for tests and diagnosis).
    fast_path_hits = 0
    fast_path_fallbacks = 0

    def execute_collected_subfields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path,
        grouped_field_set: Any,
        new_defer_usages: Any,
        position_context: Any,
    ) -> Any:
        # @defer: deferred fragments are not compiled (their fields have a defer usage).
        walk = self._walk_for(parent_type, grouped_field_set)
        if walk is not None:
            try:
                result = walk(self, source_value, path)
            except Exception as exc:
                self.fast_path_fallbacks += 1
                _fell_back(parent_type, exc)
            else:
                self.fast_path_hits += 1
                _STATS.hits += 1
                return result
        return super().execute_collected_subfields(
            parent_type, source_value, path, grouped_field_set, new_defer_usages, position_context
        )

    # -- finding or compiling a walk ----------------------------------------------------------

    def _walk_for(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> Walk | None:
        # This request's selection sets (graphql-core collects each once per request; kept
        # here, their ids stay theirs)...
        walks = self.__dict__.setdefault("_fast_walks", {})
        key = (parent_type, id(grouped_field_set))
        cached = walks.get(key)
        if cached is not None:
            return cached[1]
        # ...then those of earlier requests with the same document.
        shared = self._shared_key(parent_type, grouped_field_set)
        nodes = tuple(details.node for group in grouped_field_set.values() for details in group)
        hit = _WALKS.get(shared) if shared is not None else None
        if hit is not None:  # the key holds the ids of nodes the entry keeps alive: the same nodes
            _WALKS.move_to_end(shared)
            walk = hit[1]
        else:
            try:
                walk = self._compile_walk(parent_type, grouped_field_set)
            except _NotEligible as refusal:
                reason = str(refusal)
                _STATS.not_compiled[reason] += 1
                log.debug("fast path: a selection set of %s is left to graphql-core: %s", parent_type.name, reason)
                walk = None
            except Exception:  # a bug here must not fail the query: graphql-core completes it
                _STATS.not_compiled["cannot compile"] += 1
                log.exception("fast path: cannot compile the selection set of %s", parent_type.name)
                walk = None
            if shared is not None:
                _WALKS[shared] = (nodes, walk)  # the nodes kept alive: their ids stay theirs
                if len(_WALKS) > _WALKS_KEPT:
                    _WALKS.popitem(last=False)
        walks[key] = (grouped_field_set, walk)
        return walk

    def _shared_key(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> tuple | None:
        """What a compiled walk depends on: the object type, the syntax nodes of its selection
        set (by id; the cache keeps them to check they are the same), and the values of the
        variables that directives (@include, @skip...) read. None when those values cannot
        serve as a key."""
        if "_directive_values" not in self.__dict__:
            names = self._directive_variable_names()
            values: Any = tuple((name, self.variable_values.coerced.get(name)) for name in sorted(names))
            try:
                hash(values)
            except TypeError:
                values = None
            self._directive_values = values
        if self._directive_values is None:
            return None
        shape = tuple((key, tuple(id(details.node) for details in group)) for key, group in grouped_field_set.items())
        return (parent_type, shape, self._directive_values)

    def _directive_variable_names(self) -> set[str]:
        """The variables the directives of this operation and its fragments read (found once
        per document: the operation's node, kept in the cache, stands for it)."""
        hit = _DIRECTIVE_VARIABLES.get(id(self.operation))
        if hit is not None:  # the entry keeps the operation alive: its id is its own
            _DIRECTIVE_VARIABLES.move_to_end(id(self.operation))
            return hit[1]
        names: set[str] = set()
        for definition in (self.operation, *self.fragment_definitions.values()):
            finder = _DirectiveVariables()
            visit(definition, finder)
            names |= finder.names
        _DIRECTIVE_VARIABLES[id(self.operation)] = (self.operation, names)
        if len(_DIRECTIVE_VARIABLES) > _WALKS_KEPT:
            _DIRECTIVE_VARIABLES.popitem(last=False)
        return names

    # -- compiling ----------------------------------------------------------------------------

    def _compile_walk(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> Walk:
        """The walk of a selection set, or _NotEligible."""
        strawberry_schema = self.schema.extensions.get(_BACKREF)
        if strawberry_schema is None:
            raise _NotEligible("not a Strawberry schema")
        enabled = _VERDICTS.get(strawberry_schema)
        if enabled is None:  # a schema not built by schema.api.build_schema
            enabled = check_internals(strawberry_schema)
        if not enabled:
            raise _NotEligible("off: internals differ")
        if self.middleware_manager is not None and self.middleware_manager.middlewares:
            raise _NotEligible("middleware")
        steps: list[tuple[str, _Step]] = []
        for key, field_details_list in grouped_field_set.items():
            for details in field_details_list:
                node = details.node
                if details.defer_usage is not None:
                    raise _NotEligible("@defer")
                if any(d.name.value not in _COLLECTED_DIRECTIVES for d in node.directives or ()):
                    raise _NotEligible("directives")
            field_def = self.schema.get_field(parent_type, field_details_list[0].node.name.value)
            if field_def is None:
                raise _NotEligible("unknown field")
            steps.append((key, self._compile_step(strawberry_schema, parent_type, key, field_def, field_details_list)))
        return _generate_walk(parent_type.name, steps)

    def _compile_step(
        self,
        strawberry_schema: Any,
        parent_type: GraphQLObjectType,
        key: str,
        field_def: GraphQLField,
        field_details_list: Any,
    ) -> _Step:
        type_name = parent_type.name
        finish, needs_info, uses_path = self._compile_completion(field_def.type, field_details_list)
        step = _Step(
            key=key,
            type_name=type_name,
            return_type=field_def.type,
            finish=finish,
            needs_info=needs_info,
            uses_path=uses_path,
        )

        if field_def is TypeNameMetaFieldDef:
            return step.but(kind="const", value=finish(self, type_name, None, None))

        field = field_def.extensions.get(_BACKREF) if field_def.extensions else None
        if not isinstance(field, StrawberryField):
            raise _NotEligible("not a Strawberry field")
        if field.extensions:  # permission classes among them
            raise _NotEligible("field extensions")
        if field.arguments or field_def.args:
            raise _NotEligible("field arguments")
        if field.is_async:
            raise _NotEligible("an async resolver")
        # Exception handlers apply to fields of union types only, left to graphql-core below:
        # the fields here have Strawberry's plain wrappers (the fingerprint of from_resolver
        # keeps it so).
        if getattr(field_def.resolve, "__qualname__", None) not in _STRAWBERRY_WRAPPERS:
            raise _NotEligible("a resolver Strawberry does not wrap as usual")
        info_of = _info_builder(field_def, [details.node for details in field_details_list], parent_type)
        step = step.but(info_of=info_of)

        resolver = field.base_resolver
        if resolver is None:  # an attribute
            if field.default_resolver is not getattr:
                raise _NotEligible("a default resolver other than getattr")
            return step.but(kind="attribute", value=field.python_name)

        func = resolver.wrapped_func  # what StrawberryResolver.__call__ calls
        node_id = _node_id_reader(strawberry_schema, type_name, field_def, func)
        if node_id is not None:
            return step.but(kind="node_id", value=node_id)
        call = _Call(
            func=func,
            pass_self=resolver.self_parameter is not None,
            parent_names=tuple(
                dict.fromkeys(p.name for p in (resolver.parent_parameter, resolver.root_parameter) if p)
            ),
            info_name=resolver.info_parameter.name if resolver.info_parameter else None,
            info_class=strawberry_schema.config.info_class,
            field=field,
        )
        return step.but(kind="call", value=call)

    def _compile_completion(self, return_type: GraphQLOutputType, field_details_list: Any) -> tuple[Finish, bool, bool]:
        """(finish, whether it needs the field's resolve info, whether it needs its path)."""
        if isinstance(return_type, GraphQLNonNull):
            inner_finish, needs_info, uses_path = self._compile_completion(return_type.of_type, field_details_list)

            def non_null(ex: Any, value: Any, path: Any, info: Any) -> Any:
                if value is None:
                    raise _Abort
                return inner_finish(ex, value, path, info)  # never None for a value

            non_null.object_parts = getattr(inner_finish, "object_parts", None)  # type: ignore[attr-defined]
            return non_null, needs_info, uses_path

        if isinstance(return_type, GraphQLList):
            item_finish, needs_info, uses_path = self._compile_completion(return_type.of_type, field_details_list)

            def list_of(ex: Any, value: Any, path: Any, info: Any) -> Any:
                if value is None or value is Undefined:
                    return None
                # Other iterables (generators...) and awaitable items are graphql-core's.
                if (type(value) is not list and type(value) is not tuple) or (
                    not _PLAIN.issuperset(map(type, value)) and any(map(ex.is_awaitable, value))
                ):
                    raise _Abort
                if not uses_path:
                    return [item_finish(ex, item, None, info) for item in value]
                return [item_finish(ex, item, _path((path, index, None)), info) for index, item in enumerate(value)]

            return list_of, needs_info, uses_path

        if is_leaf_type(return_type):
            coerce = return_type.coerce_output_value

            def leaf(ex: Any, value: Any, path: Any, info: Any) -> Any:
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
            grouped, _new_defer_usages, forbidden = self.collect_subfields(return_type, field_details_list)
            if forbidden:
                raise _NotEligible("forbidden directives")
            walk = self._walk_for(return_type, grouped)
            if walk is None:
                raise _NotEligible(f"a field of type {return_type.name}, left to graphql-core")
            is_type_of = return_type.is_type_of

            def object_of(ex: Any, value: Any, path: Any, info: Any) -> Any:
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
                return walk(ex, value, path)

            reads_info = is_type_of is not None and not _info_unused(is_type_of)
            object_of.object_parts = (walk, is_type_of)  # type: ignore[attr-defined]  (inlined by _generate_walk)
            return object_of, reads_info, True

        raise _NotEligible("an interface or union")  # graphql-core resolves the runtime type

    def _remember_info_tail(self, info: Any) -> None:
        """Keep the fields after the path of a resolve info Strawberry's `build_resolve_info`
        made (field name, nodes, return type, parent type and path first: its fingerprint in
        _RELIED_ON keeps it so): the same for every field of this request."""
        tail = None
        if type(self).build_resolve_info is StrawberryGraphQLCoreExecutionContext.build_resolve_info:
            tail = (type(info), tuple(info[5:]))
        self.__dict__["_info_tail"] = tail


# -- generating a walk's code ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Call:
    """A synchronous resolver without arguments, and how Strawberry would call it."""

    func: Callable
    pass_self: bool
    parent_names: tuple[str, ...]  # parameters that take the parent object (root, Parent[...])
    info_name: str | None
    info_class: type
    field: StrawberryField


@dataclasses.dataclass(frozen=True)
class _Step:
    """One field of a selection set, as `_generate_walk` writes it out."""

    key: str  # the response key
    type_name: str  # the parent type
    return_type: GraphQLOutputType
    finish: Finish
    needs_info: bool  # finish needs the field's resolve info (an object's is_type_of)
    uses_path: bool  # finish needs the field's path (objects and lists of them)
    kind: str = ""  # "const", "node_id", "attribute" or "call"
    value: Any = None  # the constant, the id reader, the attribute name or the _Call
    info_of: Callable | None = None

    def but(self, **changes: Any) -> _Step:
        return dataclasses.replace(self, **changes)


# Types whose values are never awaitable: no `is_awaitable` call for them.
_PLAIN = frozenset({type(None), bool, int, float, str, list, tuple, dict, Decimal, datetime, date})


# Built-in scalars whose output coercion returns a value of one exact type as it is.
_AS_IS = {
    id(GraphQLString): "type(v) is str",
    id(GraphQLID): "type(v) is str",
    id(GraphQLBoolean): "type(v) is bool",
    id(GraphQLInt): "type(v) is int and -2147483648 <= v <= 2147483647",
}


def _converted(scalar: Any) -> tuple[str, str] | None:
    """(condition on v, expression) of a custom scalar whose output coercion is a plain
    conversion, inlined for the value types it is meant for: Strawberry's DateTime and Date
    (`methodcaller('isoformat')`) and Decimal (`str`)."""
    coerce = getattr(scalar, "coerce_output_value", None)
    if coerce is str:
        return "type(v) is Decimal", "str(v)"
    if isinstance(coerce, operator.methodcaller) and repr(coerce) == "operator.methodcaller('isoformat')":
        return "(type(v) is datetime or type(v) is date)", "v.isoformat()"
    return None


def _lazy_info_class(info_class: type) -> type:
    """The schema's Info class, building the underlying resolve info only when a resolver
    reads more than `context` from it (most read nothing else)."""
    cached = _LAZY_INFO.get(info_class)
    if cached is not None:
        return cached

    class LazyInfo(info_class):  # type: ignore[misc, valid-type]
        _info_of: Callable  # set on a subclass per field (see _lazy_info_of), with `_field`

        def __init__(self, ex: Any, path: Any) -> None:
            self._ex, self._path = ex, path

        @property
        def _raw_info(self) -> Any:
            raw = self.__dict__.get("_raw")
            if raw is None:
                raw = self.__dict__["_raw"] = self._info_of(self._ex, self._path)
            return raw

        @property
        def context(self) -> Any:
            return self._ex.context_value

    LazyInfo.__name__ = LazyInfo.__qualname__ = info_class.__name__
    _LAZY_INFO[info_class] = LazyInfo
    return LazyInfo


_LAZY_INFO: dict[type, type] = {}


def _lazy_info_of(info_class: type, field: Any, info_of: Callable) -> type:
    """The lazy Info of one field: (executor, field path) -> an Info."""
    base = _lazy_info_class(info_class)
    return type(base.__name__, (base,), {"_field": field, "_info_of": staticmethod(info_of)})


def _leaf_slow(step: _Step, close: bool) -> Callable[[Any, Any], Any]:
    """A leaf value off the inlined checks: graphql-core's own coercion and errors."""
    finish = step.finish
    memo = None
    scalar = step.return_type.of_type if isinstance(step.return_type, GraphQLNonNull) else step.return_type
    wrapped = getattr(scalar, "wrapped_cls", None) if isinstance(scalar, GraphQLEnumType) else None
    if wrapped is not None:
        memo = {}

    def slow(ex: Any, value: Any) -> Any:
        if value is not None and ex.is_awaitable(value):
            if close:
                _abort_awaitable(value)
            raise _Abort
        coerced = finish(ex, value, None, None)
        if memo is not None and type(value) is wrapped and coerced is not None:
            memo[value] = coerced  # an enum member always coerces to its name
        return coerced

    slow.memo = memo  # type: ignore[attr-defined]
    slow.wrapped = wrapped  # type: ignore[attr-defined]
    return slow


def _generate_walk(type_name: str, steps: list[tuple[str, _Step]]) -> Walk:
    """A walk as straight-line Python, compiled once: each field's read or resolver call,
    the common scalar values checked inline, the rest through the same finish functions."""
    names: dict[str, Any] = {
        "_Abort": _Abort,
        "_abort_awaitable": _abort_awaitable,
        "_PLAIN": _PLAIN,
        "_tn": tuple.__new__,
        "_Path": Path,
        "_b64": b2a_base64,
        "_Node": relay.Node,
        "Decimal": Decimal,
        "datetime": datetime,
        "date": date,
    }
    lines = ["def walk(ex, source, path):"]
    results = []

    def emit(line: str) -> None:
        lines.append("    " + line)

    for i, (key, step) in enumerate(steps):
        names[f"fin{i}"] = step.finish
        names[f"io{i}"] = step.info_of
        field_path = f"_tn(_Path, (path, {key!r}, {step.type_name!r}))"
        result = f"r{i}"
        results.append(f"{key!r}: {result}")
        if step.kind == "const":
            names[f"c{i}"] = step.value
            emit(f"{result} = c{i}")
            continue
        if step.kind == "node_id":
            names[f"nid{i}"] = step.value
            attribute, prefix = step.value.inline
            if attribute.isidentifier():
                names[f"pre{i}"] = prefix
                emit(f"v = source.{attribute}")
                emit(
                    f"{result} = (_b64((pre{i} + str(v)).encode(), newline=False).decode() "
                    f"if type(v) is int and not isinstance(source, _Node) else nid{i}(source))"
                )
            else:
                emit(f"{result} = nid{i}(source)")
            continue
        close = step.kind == "call"
        if step.kind == "attribute":
            if step.value.isidentifier():
                emit(f"v = source.{step.value}")
            else:
                names[f"rd{i}"] = operator.attrgetter(step.value)
                emit(f"v = rd{i}(source)")
        else:
            call: _Call = step.value
            names[f"f{i}"] = call.func
            arguments = ["source"] if call.pass_self else []
            arguments += [f"{name}=source" for name in call.parent_names]
            if call.info_name is not None:
                names[f"fld{i}"] = call.field
                if step.needs_info:  # the resolve info is made anyway: a plain Info around it
                    names[f"ic{i}"] = call.info_class
                    emit(f"fp = {field_path}")
                    emit(f"raw = io{i}(ex, fp)")
                    arguments.append(f"{call.info_name}=ic{i}(_raw_info=raw, _field=fld{i})")
                else:
                    names[f"li{i}"] = _lazy_info_of(call.info_class, call.field, step.info_of)
                    arguments.append(f"{call.info_name}=li{i}(ex, {field_path})")
            emit(f"v = f{i}({', '.join(arguments)})")
        scalar = step.return_type.of_type if isinstance(step.return_type, GraphQLNonNull) else step.return_type
        if is_leaf_type(scalar):
            slow = _leaf_slow(step, close)
            names[f"sl{i}"] = slow
            as_is = _AS_IS.get(id(scalar))
            converted = _converted(scalar)
            if as_is is not None:
                emit(f"{result} = v if {as_is} else sl{i}(ex, v)")
            elif converted is not None:
                emit(f"{result} = {converted[1]} if {converted[0]} else sl{i}(ex, v)")
            elif slow.memo is not None:
                names[f"m{i}"] = slow.memo  # an enum member -> its name; any other value: slow
                emit(f"{result} = m{i}.get(v) or sl{i}(ex, v)")
            else:
                emit(f"{result} = sl{i}(ex, v)")
            continue
        abort = "_abort_awaitable(v)" if close else "raise _Abort"
        emit(f"if type(v) not in _PLAIN and ex.is_awaitable(v): {abort}")
        if not (close and step.needs_info and step.value.info_name is not None):  # else made above
            emit(f"fp = {field_path}" if step.uses_path or step.needs_info else "fp = None")
            emit(f"raw = io{i}(ex, fp)" if step.needs_info else "raw = None")
        parts = getattr(step.finish, "object_parts", None)
        if parts is None:
            emit(f"{result} = fin{i}(ex, v, fp, raw)")
            continue
        # An object: its walk called here when the value passes (else the finish's own checks).
        names[f"w{i}"], names[f"ito{i}"] = parts
        emit("if v is None:")
        emit("    raise _Abort" if isinstance(step.return_type, GraphQLNonNull) else f"    {result} = None")
        passes = "not isinstance(v, Exception)" if parts[1] is None else f"ito{i}(v, raw) is True"
        emit(f"elif {passes}:")
        emit(f"    {result} = w{i}(ex, v, fp)")
        emit("else:")
        emit(f"    {result} = fin{i}(ex, v, fp, raw)")
    emit("return {" + ", ".join(results) + "}")
    code = compile("\n".join(lines), f"<fast path walk of {type_name}>", "exec")
    exec(code, names)
    return names["walk"]


def _info_builder(field_def: GraphQLField, field_nodes: list, parent_type: GraphQLObjectType) -> Callable:
    """(executor, path) -> the field's resolve info, as the executor's `build_resolve_info`
    makes it: when that is Strawberry's, the same tuple put together directly."""
    head = (field_nodes[0].name.value, field_nodes, field_def.type, parent_type)

    def info_of(ex: Any, path: Any) -> Any:
        tail = ex.__dict__.get("_info_tail", _UNKNOWN)
        if tail is None or tail is _UNKNOWN:
            info = ex.build_resolve_info(field_def, field_nodes, parent_type, path)
            if tail is _UNKNOWN:
                ex._remember_info_tail(info)
            return info
        return tuple.__new__(tail[0], (*head, path, *tail[1]))

    return info_of


def _node_id_reader(strawberry_schema: Any, type_name: str, field_def: GraphQLField, func: Any) -> Callable | None:
    """relay.Node's `id` of a type that keeps Strawberry's resolve_id and resolve_typename, read
    straight from the row: the same string as `str(GlobalID(type name, str(id)))`, which is
    what graphql-core's ID makes of the GlobalID that resolver returns."""
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
    read = operator.attrgetter(origin.resolve_id_attr())
    node_class = relay.Node
    prefix = f"{type_name}:"
    if to_base64(type_name, "1") != b2a_base64(f"{prefix}1".encode(), newline=False).decode():
        return None  # Strawberry encodes global ids some other way now: its resolver does it

    def node_id(source: Any) -> str:
        # A Strawberry object (not a row) resolves through its own class: not handled here.
        value = None if isinstance(source, node_class) else read(source)
        if type(value) is not int and type(value) is not str:
            raise _Abort  # None, awaitables and the unusual: the resolver's own path
        return b2a_base64(f"{prefix}{value}".encode(), newline=False).decode()  # = to_base64(type_name, value)

    node_id.inline = (origin.resolve_id_attr(), prefix)  # type: ignore[attr-defined]  (see _generate_walk)
    return node_id


if __name__ == "__main__":  # the fingerprints of _RELIED_ON as installed, to update the table
    for what, parameters, fingerprint in _relied_on_now():
        print(f"{what:<40} {fingerprint}  {parameters}")
