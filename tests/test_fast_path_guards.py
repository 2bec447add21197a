"""Every guard of the fast path (schema.fast_path): what it must leave to graphql-core.

Each test fails when its guard is removed: either the results differ from graphql-core's (a
permission or extension bypassed, an Int out of range let through, another Node id), or the
selection set would be compiled only to fall back at run time (counted), where the guard keeps
it from being compiled (counted too, with the guard's reason). The internals check that turns
the whole fast path off is tested here as well.
"""

from __future__ import annotations

import base64
import dataclasses
import gc
import json
import logging
import warnings
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NewType

import pytest
import strawberry
from graphql import DirectiveLocation, parse
from graphql import execute as graphql_execute
from strawberry import relay
from strawberry.directive import DirectiveValue
from strawberry.extensions import FieldExtension, ParserCache, SchemaExtension
from strawberry.permission import BasePermission
from strawberry.relay import types as relay_types
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

from schema import fast_path
from schema.fast_path import FastPathExecutor


class Recording(FastPathExecutor):
    last: Recording | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        Recording.last = self


class Deny(BasePermission):
    message = "Not for you."

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return False


class Upper(FieldExtension):
    def resolve(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        return next_(source, info, **kwargs).upper()


class Shouting(SchemaExtension):
    """A `resolve` hook: Strawberry turns it into graphql-core middleware."""

    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        result = _next(root, info, *args, **kwargs)
        return result.upper() if isinstance(result, str) else result


class Refused(Exception):
    pass


@dataclass
class Row:
    id: Any
    name: str = "row"
    count: int = 1
    flag: Any = True
    price: Decimal | None = None
    odd: str = "odd"


Odd = NewType("Odd", str)
SCALARS = {Odd: strawberry.scalar(name="Odd", serialize=lambda v: None if v == "none" else v, parse_value=str)}


@strawberry.type
class Problem:
    """No is_type_of: any value passes, as far as graphql-core is concerned."""

    args: list[str]


async def _problem_later() -> Problem:
    return Problem(args=["later"])


@strawberry.type
class Careful:
    count: int

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:  # reads its info: the walk must pass it
        return info.field_name == "careful" and isinstance(obj, Row)


@strawberry.type
class Failure:
    reason: str


@strawberry.type
class Row2:
    id: int


class RefusedHandler(strawberry.ExceptionHandler[Refused, Failure]):
    def handle(self, exception: Refused, *, field: Any, info: Any) -> Failure:
        return Failure(reason="refused")


def _rows_too(cls: type, obj: Any, _info: Any) -> bool:
    return isinstance(obj, cls | Row | dict)


@strawberry.type
class Thing(relay.Node):
    id: relay.NodeID[int]
    name: str
    is_type_of = classmethod(_rows_too)
    count: int
    flag: bool
    secret: str | None = strawberry.field(default=None, permission_classes=[Deny])

    @strawberry.field(permission_classes=[Deny])
    def guarded(self, root: strawberry.Parent[Row]) -> str | None:
        return "secret"

    @strawberry.field(extensions=[Upper()])
    def loud(self, root: strawberry.Parent[Row]) -> str:
        return root.name

    @strawberry.field
    def scaled(self, root: strawberry.Parent[Row], factor: int = 10) -> int:
        return root.count * factor

    @strawberry.field
    async def later(self, root: strawberry.Parent[Row]) -> int:
        return root.count

    @strawberry.field
    def where(self, info: strawberry.Info) -> str:
        return getattr(info._raw_info, "seen", "plain")

    @strawberry.field
    def failure(self, root: strawberry.Parent[Row]) -> Failure | Row2:
        raise Refused

    @strawberry.field
    def kids(self, root: strawberry.Parent[Row]) -> list[Thing]:
        return [Row(id=root.id * 10 + i, name=f"kid {i}") for i in (1, 2)]  # type: ignore[misc]

    @strawberry.field
    def oops(self, root: strawberry.Parent[Row]) -> str | None:
        return ValueError("returned, not raised") if root.id == 2 else "fine"  # type: ignore[return-value]

    @strawberry.field
    def cost(self, root: strawberry.Parent[Row]) -> Decimal | None:
        return ValueError("no cost") if root.id == 2 else Decimal("1.5")  # type: ignore[return-value]

    @strawberry.field
    def problem(self, root: strawberry.Parent[Row]) -> Problem | None:
        return ValueError("a problem") if root.id == 2 else Problem(args=["none"])  # type: ignore[return-value]

    @strawberry.field
    def must_problem(self, root: strawberry.Parent[Row]) -> Problem:
        return None if root.id == 2 else Problem(args=["here"])  # type: ignore[return-value]

    @strawberry.field
    def soon(self, root: strawberry.Parent[Row]) -> Problem:
        return _problem_later()  # type: ignore[return-value]  (a coroutine from a sync resolver)

    @strawberry.field
    def code(self) -> strawberry.ID:
        return strawberry.ID("custom")

    @strawberry.field
    def careful(self, root: strawberry.Parent[Row]) -> Careful:
        return Row(id=0, count=root.id)  # type: ignore[return-value]

    price: Decimal | None = None
    odd: Odd = "odd"  # type: ignore[assignment]

    @strawberry.field
    def seen(self, info: strawberry.Info) -> str:
        return str(info._raw_info.root_value)

    @strawberry.field
    def event(self, info: strawberry.Info) -> str:
        return info.root_value[0].name  # a subscription's: the event's payload


@strawberry.type
class OwnId(relay.Node):
    id: relay.NodeID[int]
    is_type_of = classmethod(_rows_too)

    @classmethod
    def resolve_id(cls, root: Any, *, info: Any) -> str:
        return f"own-{root.id}"


@strawberry.type
class OwnTypename(relay.Node):
    id: relay.NodeID[int]
    is_type_of = classmethod(_rows_too)

    @classmethod
    def resolve_typename(cls, root: Any, info: Any) -> str:
        return "Thing"


class RenamedThing(Thing):
    """A value of Thing (is_type_of: an instance) whose class names its ids otherwise."""

    @classmethod
    def resolve_typename(cls, root: Any, info: Any) -> str:
        return "Renamed"


@strawberry.type
class Query:
    @strawberry.field
    def things(self) -> list[Thing]:
        return [Row(id=1, name="one"), Row(id=2, name="two")]  # type: ignore[list-item]

    @strawberry.field
    def big(self) -> list[Thing]:
        return [Row(id=1, count=2**31), Row(id=2, count=-(2**31) - 1)]  # type: ignore[list-item]

    @strawberry.field
    def flags(self) -> list[Thing]:
        return [Row(id=1, flag=1), Row(id=2, flag=0)]  # type: ignore[list-item]

    @strawberry.field
    def no_ids(self) -> list[Thing | None]:
        return [Row(id=None)]  # type: ignore[list-item]

    @strawberry.field
    def objects(self) -> list[Thing]:
        return [RenamedThing(id=3, name="three", count=1, flag=True)]

    @strawberry.field
    def own_ids(self) -> list[OwnId]:
        return [Row(id=4)]  # type: ignore[list-item]

    @strawberry.field
    def own_typenames(self) -> list[OwnTypename]:
        return [Row(id=5)]  # type: ignore[list-item]

    @strawberry.field
    def holes(self) -> list[Thing]:
        return [Row(id=1), None]  # type: ignore[list-item]

    @strawberry.field
    def odds(self) -> list[Thing]:
        return [Row(id=1, odd="fine"), Row(id=2, odd="none")]  # type: ignore[list-item]

    @strawberry.field
    def dicts(self) -> list[Thing]:
        return [{"id": 6, "name": "six", "count": 6, "flag": False}]  # type: ignore[list-item]


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def ticks(self) -> AsyncGenerator[list[Thing], None]:
        for i in (1, 2):
            yield [Row(id=i, name=f"tick {i}")]  # type: ignore[list-item]


def _schemas(**kwargs: Any) -> tuple[strawberry.Schema, strawberry.Schema]:
    extensions = kwargs.pop("extensions", [])
    kwargs["config"] = dataclasses.replace(kwargs.get("config") or StrawberryConfig(), scalar_map=SCALARS)
    fast = strawberry.Schema(
        query=Query,
        subscription=Subscription,
        execution_context_class=Recording,
        extensions=[ParserCache, *extensions],
        **kwargs,
    )
    reference = strawberry.Schema(
        query=Query,
        subscription=Subscription,
        execution_context_class=StrawberryGraphQLCoreExecutionContext,
        extensions=extensions,
        **kwargs,
    )
    return fast, reference


FAST, REFERENCE = _schemas()


def _as_json(result: Any) -> str:
    return json.dumps({"data": result.data, "errors": [e.formatted for e in result.errors or []]}, sort_keys=True)


async def _same(query: str, schemas: tuple = (FAST, REFERENCE)) -> tuple[dict, Recording, dict]:
    """Both schemas' results (the same), the fast one's executor, and the counters' change."""
    before = fast_path.stats()
    expected = await schemas[1].execute(query)
    got = await schemas[0].execute(query)
    after = fast_path.stats()
    assert _as_json(got) == _as_json(expected)
    change = {
        "hits": after["hits"] - before["hits"],
        "fallbacks": sum(after["fallbacks"].values()) - sum(before["fallbacks"].values()),
        "notCompiled": {
            k: v - before["notCompiled"].get(k, 0)
            for k, v in after["notCompiled"].items()
            if v != before["notCompiled"].get(k, 0)
        },
    }
    assert Recording.last is not None
    return json.loads(_as_json(got)), Recording.last, change


async def test_plain_fields_take_the_fast_path() -> None:
    result, executor, _change = await _same("{ things { id name count flag where } }")
    assert result["data"]["things"][1] == {
        "id": relay.to_base64("Thing", 2),
        "name": "two",
        "count": 1,
        "flag": True,
        "where": "plain",
    }
    assert (executor.fast_path_hits, executor.fast_path_fallbacks) == (2, 0)


@pytest.mark.parametrize("field", ["secret", "guarded"])
async def test_permission_classes_are_never_bypassed(field: str) -> None:
    result, executor, change = await _same(f"{{ things {{ name {field} }} }}")
    assert result["data"]["things"][0] == {"name": "one", field: None}
    assert result["errors"][0]["message"] == "Not for you."
    assert executor.fast_path_hits == 0
    assert change["notCompiled"] == {"field extensions": 1}


async def test_field_extensions_run() -> None:
    result, _executor, change = await _same("{ things { loud } }")
    assert result["data"]["things"][0] == {"loud": "ONE"}
    assert change["notCompiled"] == {"field extensions": 1}


async def test_graphql_core_middleware_runs() -> None:
    result, executor, change = await _same("{ things { name } }", _schemas(extensions=[Shouting]))
    assert result["data"]["things"][0] == {"name": "ONE"}
    assert executor.fast_path_hits == 0
    assert change["notCompiled"] == {"middleware": 1}


async def test_exception_handlers_apply_to_unions_left_to_graphql_core() -> None:
    schemas = _schemas(exception_handlers=[RefusedHandler()])
    result, executor, change = await _same("{ things { name failure { ... on Failure { reason } } } }", schemas)
    assert result["data"]["things"][0] == {"name": "one", "failure": {"reason": "refused"}}
    # Things: graphql-core's; each Failure the handler made: the fast path's.
    assert (executor.fast_path_hits, change["fallbacks"]) == (2, 0)
    assert change["notCompiled"] == {"an interface or union": 1}


async def test_defer_is_left_to_graphql_core() -> None:
    config = StrawberryConfig(enable_experimental_incremental_execution=True)
    fast, reference = _schemas(config=config)
    query = "{ things { id ... @defer { name } } }"
    expected = await reference.execute(query)
    got = await fast.execute(query)
    assert (
        got.initial_result.data
        == expected.initial_result.data
        == {"things": [{"id": relay.to_base64("Thing", 1)}, {"id": relay.to_base64("Thing", 2)}]}
    )
    assert [r.formatted async for r in got.subsequent_results] == [
        r.formatted async for r in expected.subsequent_results
    ]
    assert Recording.last.fast_path_hits == 0


async def test_stream_and_other_directives_are_left_to_graphql_core() -> None:
    config = StrawberryConfig(enable_experimental_incremental_execution=True)
    fast, reference = _schemas(config=config)
    query = "{ things { name kids @stream(initialCount: 1) { name } } }"
    expected = await reference.execute(query)
    got = await fast.execute(query)
    assert got.initial_result.data == expected.initial_result.data
    assert got.initial_result.data["things"][0] == {"name": "one", "kids": [{"name": "kid 1"}]}
    assert [r.formatted async for r in got.subsequent_results] == [
        r.formatted async for r in expected.subsequent_results
    ]
    assert Recording.last.fast_path_hits == 2  # the kids, streamed: each on its own


async def test_field_arguments_and_their_defaults() -> None:
    result, executor, change = await _same("{ things { scaled(factor: 3) } }")
    assert result["data"]["things"][1] == {"scaled": 3}
    assert change["notCompiled"] == {"field arguments": 1}
    # An argument left to its default: the walk would call the resolver without it.
    result, executor, change = await _same("{ things { scaled } }")
    assert result["data"]["things"][1] == {"scaled": 10}
    assert (executor.fast_path_hits, change["fallbacks"], change["notCompiled"]) == (0, 0, {"field arguments": 1})


async def test_async_resolvers_are_not_compiled() -> None:
    _result, executor, change = await _same("{ things { later } }")
    assert (executor.fast_path_hits, change["fallbacks"], change["notCompiled"]) == (0, 0, {"an async resolver": 1})


async def test_a_default_resolver_other_than_getattr() -> None:
    fast, reference = _schemas(config=StrawberryConfig(default_resolver=lambda obj, name: obj[name]))
    result, executor, change = await _same("{ dicts { name count flag } }", (fast, reference))
    assert result["data"]["dicts"] == [{"name": "six", "count": 6, "flag": False}]
    assert (executor.fast_path_hits, change["fallbacks"]) == (0, 0)
    assert change["notCompiled"] == {"a default resolver other than getattr": 1}


async def test_a_resolver_graphql_core_was_given_instead_of_strawberrys(monkeypatch) -> None:
    fast, reference = _schemas()
    for schema in (fast, reference):
        field_def = schema._schema.get_type("Thing").fields["name"]
        monkeypatch.setattr(field_def, "resolve", lambda source, info: "replaced")
    result, _executor, change = await _same("{ things { name } }", (fast, reference))
    assert result["data"]["things"][0] == {"name": "replaced"}
    assert change["notCompiled"] == {"a resolver Strawberry does not wrap as usual": 1}


async def test_a_field_that_is_not_strawberrys(monkeypatch) -> None:
    fast, reference = _schemas()
    field_def = fast._schema.get_type("Thing").fields["name"]
    monkeypatch.setattr(field_def, "extensions", {})
    _result, _executor, change = await _same("{ things { name } }", (fast, reference))
    assert change["notCompiled"] == {"not a Strawberry field": 1}


async def test_an_unknown_field_of_an_unvalidated_document() -> None:
    document = parse("{ things { name nothing } }")
    before = fast_path.stats()["notCompiled"].get("unknown field", 0)
    got = graphql_execute(FAST._schema, document, executor_class=Recording)
    expected = graphql_execute(REFERENCE._schema, document, executor_class=StrawberryGraphQLCoreExecutionContext)
    assert got.data == expected.data == {"things": [{"name": "one"}, {"name": "two"}]}
    assert fast_path.stats()["notCompiled"]["unknown field"] == before + 1


@pytest.mark.parametrize("query", ["{ big { count } }", "{ big { id count } }"])
async def test_ints_out_of_32_bits_are_graphql_cores_errors(query: str) -> None:
    result, _executor, _ = await _same(query)
    assert result["data"] is None  # Int! of a non-null list item
    assert "Int cannot represent non 32-bit signed integer value: 2147483648" in result["errors"][0]["message"]


async def test_booleans_from_other_values_are_coerced_as_graphql_core_does() -> None:
    result, _, _ = await _same("{ flags { flag } }")
    assert result["data"]["flags"] == [{"flag": True}, {"flag": False}]


async def test_node_ids_without_a_value_are_graphql_cores_errors() -> None:
    result, executor, _change = await _same("{ noIds { id name } }")
    assert result["data"]["noIds"] == [None]
    assert executor.fast_path_fallbacks == 1


async def test_node_ids_of_strawberry_objects_follow_their_class() -> None:
    result, _, _ = await _same("{ objects { id name } }")
    assert result["data"]["objects"][0]["id"] == relay.to_base64("Renamed", 3)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("{ ownIds { id } }", relay.to_base64("OwnId", "own-4")),
        ("{ ownTypenames { id } }", relay.to_base64("Thing", 5)),
    ],
)
async def test_node_ids_of_types_that_resolve_them_otherwise(query: str, expected: str) -> None:
    result, _executor, _ = await _same(query)
    assert next(iter(result["data"].values()))[0]["id"] == expected


class Seeing(StrawberryGraphQLCoreExecutionContext):
    """An executor of its own resolve infos: the fast path must make them through it."""

    def build_resolve_info(self, *args: Any) -> Any:
        info = super().build_resolve_info(*args)
        return type("Seen", (type(info),), {"seen": "seen"})(*info)._replace(root_value=info.path.as_list())


class SeeingExecutor(Seeing, Recording):
    pass


async def test_an_executor_that_makes_its_own_resolve_infos() -> None:
    config = StrawberryConfig(scalar_map=SCALARS)
    fast = strawberry.Schema(query=Query, execution_context_class=SeeingExecutor, config=config)
    reference = strawberry.Schema(query=Query, execution_context_class=Seeing, config=config)
    result, executor, _ = await _same("{ things { name where seen } }", (fast, reference))
    assert result["data"]["things"][1] == {"name": "two", "where": "seen", "seen": "['things', 1, 'seen']"}
    assert executor.fast_path_hits == 2


async def test_subscription_events_take_the_fast_path_each_on_its_own() -> None:
    query = "subscription { ticks { id name event } }"
    events = []
    before = fast_path.stats()
    for schema in (REFERENCE, FAST):
        stream = await schema.subscribe(query)
        events.append([json.loads(_as_json(result)) async for result in stream])
    assert events[0] == events[1]
    assert events[1][0]["data"] == {"ticks": [{"id": relay.to_base64("Thing", 1), "name": "tick 1", "event": "tick 1"}]}
    assert events[1][1]["data"] == {"ticks": [{"id": relay.to_base64("Thing", 2), "name": "tick 2", "event": "tick 2"}]}
    assert fast_path.stats()["hits"] == before["hits"] + 2


async def test_null_items_of_a_list_of_non_null_objects() -> None:
    result, _executor, _ = await _same("{ holes { id } }")
    assert result["data"] is None
    assert result["errors"][0]["message"] == "Cannot return null for non-nullable field Query.holes."


@pytest.mark.parametrize(
    ("field", "message"), [("oops", "returned, not raised"), ("cost", "no cost"), ("problem { args }", "a problem")]
)
async def test_exceptions_returned_by_resolvers_are_errors(field: str, message: str) -> None:
    result, _, _ = await _same(f"{{ things {{ {field} }} }}")
    assert list(result["data"]["things"][1].values()) == [None]
    assert [e["message"] for e in result["errors"]] == [message]


async def test_a_null_for_a_non_null_object() -> None:
    result, _, _ = await _same("{ things { name mustProblem { args } } }")
    assert result["data"] is None
    assert result["errors"][0]["message"] == "Cannot return null for non-nullable field Thing.mustProblem."


async def test_a_scalar_that_serialises_to_null_is_graphql_cores_error() -> None:
    result, _, _ = await _same("{ odds { odd } }")
    assert result["data"] is None
    assert "to return non-nullable value" in result["errors"][0]["message"]


async def test_a_null_decimal() -> None:
    result, _, _ = await _same("{ things { price } }")
    assert result["data"]["things"] == [{"price": None}, {"price": None}]


async def test_an_awaitable_from_a_sync_resolver_is_awaited_by_graphql_core_and_never_left_unawaited() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result, executor, _change = await _same("{ things { soon { args } } }")
        gc.collect()
    assert result["data"]["things"][0] == {"soon": {"args": ["later"]}}
    assert executor.fast_path_fallbacks == 2
    assert not [w for w in caught if "never awaited" in str(w.message)]


async def test_id_fields_other_than_the_node_id_keep_their_resolver() -> None:
    result, _, _ = await _same("{ things { id code } }")
    assert result["data"]["things"][0]["code"] == "custom"


async def test_type_checks_that_read_their_info_get_it() -> None:
    result, executor, _change = await _same("{ things { careful { count } } }")
    assert result["data"]["things"][1] == {"careful": {"count": 2}}
    assert (executor.fast_path_hits, executor.fast_path_fallbacks) == (2, 0)


def _urlsafe_base64(type_name: str, node_id: Any) -> str:
    return base64.urlsafe_b64encode(f"{type_name}|{node_id}".encode()).decode()


async def test_global_ids_encoded_otherwise_are_left_to_strawberry(monkeypatch) -> None:
    monkeypatch.setattr(relay_types, "to_base64", _urlsafe_base64)
    monkeypatch.setattr(fast_path, "to_base64", _urlsafe_base64)
    result, _, _ = await _same("{ things { id } }", _schemas())
    assert result["data"]["things"][0]["id"] == _urlsafe_base64("Thing", 1)


@strawberry.directive(locations=[DirectiveLocation.FIELD])
def tagged(value: DirectiveValue[str], names: list[str]) -> str:
    return f"{value} {' '.join(names)}"


async def test_unhashable_values_of_directive_variables() -> None:
    fast, reference = _schemas(directives=[tagged])
    query = "query($names: [String!]!) { things { id name @tagged(names: $names) } }"
    expected = await reference.execute(query, variable_values={"names": ["a", "b"]})
    got = await fast.execute(query, variable_values={"names": ["a", "b"]})
    assert _as_json(got) == _as_json(expected)
    assert got.data["things"][0]["name"] == "one a b"


# -- the internals check -----------------------------------------------------------------------


@pytest.fixture
def fresh_warnings(monkeypatch) -> None:
    monkeypatch.setattr(fast_path, "_WARNED", set())


def _changed_resolver_factory(monkeypatch) -> None:
    original = GraphQLCoreConverter.from_resolver

    def from_resolver(self: Any, field: Any) -> Any:  # the same behaviour, other code
        return original(self, field)

    monkeypatch.setattr(GraphQLCoreConverter, "from_resolver", from_resolver)


def _changed_signature(monkeypatch) -> None:
    original = StrawberryGraphQLCoreExecutionContext.complete_leaf_value

    def complete_leaf_value(return_type: Any, result: Any, strict: bool = True) -> Any:
        return original(return_type, result)

    monkeypatch.setattr(StrawberryGraphQLCoreExecutionContext, "complete_leaf_value", staticmethod(complete_leaf_value))


@pytest.mark.parametrize("change", [_changed_resolver_factory, _changed_signature])
async def test_changed_internals_turn_the_fast_path_off_with_one_warning(
    monkeypatch, caplog, fresh_warnings, change
) -> None:
    change(monkeypatch)
    with caplog.at_level(logging.WARNING, logger="provider_orders.graphql"):
        schemas = [
            strawberry.Schema(
                query=Query, execution_context_class=Recording, config=StrawberryConfig(scalar_map=SCALARS)
            )
            for _ in range(2)
        ]
        for schema in schemas:
            assert not fast_path.check_internals(schema)
            assert fast_path.stats(schema)["enabled"] is False
    warnings = [r for r in caplog.records if r.name == "provider_orders.graphql" and r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "fast path off" in warnings[0].getMessage()
    what = {
        _changed_resolver_factory: "resolver factory (GraphQLCoreConverter.from_resolver) has changed",
        _changed_signature: "complete_leaf_value) takes ('return_type', 'result', 'strict')",
    }[change]
    assert what in warnings[0].getMessage()
    result, executor, change_ = await _same("{ things { id name count } }", (schemas[0], REFERENCE))
    assert result["data"]["things"][1]["name"] == "two"
    assert (executor.fast_path_hits, executor.fast_path_fallbacks) == (0, 0)
    assert change_["notCompiled"] == {"off: internals differ": 1}


def test_the_installed_internals_are_those_it_was_written_against() -> None:
    assert fast_path.internals_problems(FAST) == []
    assert fast_path.stats(FAST)["enabled"] is True
