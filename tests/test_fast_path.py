"""The fast path (schema.fast_path) gives exactly graphql-core's results and errors.

A small schema exercises what the compiled walk must hand back to graphql-core (resolvers
that raise, nulls for non-null fields, awaitables from sync resolvers, generators, failed
`is_type_of`, async resolvers, arguments) next to what it completes itself (attributes, sync
resolvers, scalars, enums, lists, fragments, aliases, @include/@skip, __typename, the `info`
a resolver sees). The orders screens are compared on real data in test_fast_path_orders.py.
"""

from __future__ import annotations

import asyncio
import enum
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
import strawberry
from strawberry.extensions import ParserCache
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema import fast_path
from schema.fast_path import FastPathExecutor


class Recording(FastPathExecutor):
    last: Recording | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        Recording.last = self


@strawberry.enum
class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Leaf:
    name: str
    color: Color
    amount: Decimal
    at: datetime


@strawberry.type
class Checked:
    value: int

    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return getattr(obj, "value", None) != 13


async def _later(value: str) -> str:
    return value


def _done(value: str) -> asyncio.Future:
    future = asyncio.get_running_loop().create_future()
    future.set_result(value)
    return future


@dataclass
class Row:
    id: int
    label: str | None = None
    note: Any = None  # an awaitable for one row: graphql-core awaits what an attribute holds


@strawberry.type
class Item:
    id: int
    label: str | None
    note: str | None

    @strawberry.field
    def twice(self, root: strawberry.Parent[Row]) -> int:
        return root.id * 2

    @strawberry.field
    def where(self, info: strawberry.Info) -> str:
        return f"{'.'.join(map(str, info.path.as_list()))} {info.path.typename}.{info.field_name}"

    @strawberry.field
    def leaf(self, root: strawberry.Parent[Row]) -> Leaf | None:
        if root.id % 2:
            return None
        return Leaf(
            name=f"leaf {root.id}",
            color=Color.BLUE,
            amount=Decimal("1.50"),
            at=datetime(2026, 1, 1 + root.id % 28, tzinfo=UTC),
        )

    @strawberry.field
    def must(self, root: strawberry.Parent[Row]) -> str:
        return None if root.id == 3 else "ok"  # type: ignore[return-value]

    @strawberry.field
    def boom(self, root: strawberry.Parent[Row]) -> str | None:
        if root.id == 2:
            raise ValueError("boom 2")
        return "fine"

    @strawberry.field
    def later(self, root: strawberry.Parent[Row]) -> str:
        return _later("later") if root.id == 4 else "now"  # type: ignore[return-value]

    @strawberry.field
    def tags(self, root: strawberry.Parent[Row]) -> list[str]:
        return (t for t in ["gen"]) if root.id == 5 else ["a", "b"]  # type: ignore[return-value]

    @strawberry.field
    def pending(self, root: strawberry.Parent[Row]) -> list[str]:
        return ["x", _done("awaited")] if root.id == 8 else ["x"]  # type: ignore[list-item]

    @strawberry.field
    def checked(self, root: strawberry.Parent[Row]) -> Checked | None:
        return SimpleNamespace(value=13 if root.id == 6 else root.id)  # type: ignore[return-value]

    @strawberry.field
    async def slow(self, root: strawberry.Parent[Row]) -> int:
        return root.id

    @strawberry.field
    def scaled(self, root: strawberry.Parent[Row], factor: int = 10) -> int:
        return root.id * factor

    @strawberry.field
    def kids(self, root: strawberry.Parent[Row]) -> list[Item]:
        return [Row(id=root.id * 10 + i, label=None) for i in (1, 2)]  # type: ignore[misc]


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item | None]:
        return [
            Row(id=i, label=f"item {i}" if i != 1 else None, note=_done("noted") if i == 7 else "plain")
            for i in range(1, 10)
        ]  # type: ignore[misc]

    @strawberry.field
    def plain(self) -> list[Item]:
        return [Row(id=i, label=f"plain {i}") for i in (8, 10)]  # type: ignore[misc]


# With the parser cache, as the app: requests sending the same document share its syntax tree,
# and so the fast path's compiled functions.
fast_schema = strawberry.Schema(query=Query, execution_context_class=Recording, extensions=[ParserCache])
reference_schema = strawberry.Schema(query=Query, execution_context_class=StrawberryGraphQLCoreExecutionContext)

EVERYTHING = """
query($withLeaf: Boolean!, $skipTags: Boolean!) {
  items {
    __typename id label note twice where must boom later pending checked { value }
    tags @skip(if: $skipTags)
    ...Leafy @include(if: $withLeaf)
    kids { id where leaf { name } }
  }
}
fragment Leafy on Item { leaf { name color amount at } renamed: leaf { color } }
"""

PLAIN = """
query {
  plain {
    __typename id alias: label twice where
    ... on Item { leaf { __typename name color amount at } }
    leaf { name }
    kids { id label where kids { id where } }
  }
}"""


def _result(result: Any) -> str:
    errors = [e.formatted for e in result.errors or []]
    return json.dumps({"data": result.data, "errors": errors}, sort_keys=True, default=str)


async def _both(query: str, variables: dict | None = None) -> tuple[str, Recording]:
    reference = await reference_schema.execute(query, variable_values=variables)
    fast = await fast_schema.execute(query, variable_values=variables)
    assert Recording.last is not None
    assert _result(fast) == _result(reference)
    return _result(fast), Recording.last


@pytest.mark.parametrize("with_leaf", [True, False])
@pytest.mark.parametrize("skip_tags", [True, False])
async def test_results_and_errors_are_graphql_cores(with_leaf: bool, skip_tags: bool) -> None:
    body, executor = await _both(EVERYTHING, {"withLeaf": with_leaf, "skipTags": skip_tags})
    result = json.loads(body)
    messages = {e["message"] for e in result["errors"]}
    # The failures the walk hands back: a raise, a null for String!, a failed is_type_of,
    # a generator (only when tags are asked for); the items around them complete as usual.
    assert "boom 2" in messages
    assert "Cannot return null for non-nullable field Item.must." in messages
    assert any(m.startswith("Expected value of type 'Checked'") for m in messages)
    assert result["data"]["items"][2] is None  # must: null bubbled up to the nullable item
    assert result["data"]["items"][3]["later"] == "later"  # the awaitable, awaited by graphql-core
    assert result["data"]["items"][6]["note"] == "noted"  # an awaitable attribute, likewise
    assert result["data"]["items"][7]["pending"] == ["x", "awaited"]  # and an awaitable list item
    assert result["data"]["items"][1]["kids"][0]["where"] == "items.1.kids.0.where Item.where"
    assert executor.fast_path_hits > 0 and executor.fast_path_fallbacks > 0


async def test_plain_selections_never_leave_the_fast_path() -> None:
    body, executor = await _both(PLAIN)
    data = json.loads(body)["data"]
    assert data["plain"][0]["leaf"] == {
        "__typename": "Leaf",
        "name": "leaf 8",
        "color": "BLUE",
        "amount": "1.50",
        "at": "2026-01-09T00:00:00+00:00",
    }
    assert data["plain"][1]["kids"][1]["kids"][0]["where"] == "plain.1.kids.1.kids.0.where Item.where"
    # Each item is one selection set completed by the walk, nested objects included.
    assert (executor.fast_path_hits, executor.fast_path_fallbacks) == (2, 0)


async def test_async_resolvers_and_arguments_stay_with_graphql_core() -> None:
    _, executor = await _both("{ plain { id slow } }")
    assert executor.fast_path_hits == 0
    _, executor = await _both("{ plain { id scaled(factor: 3) } }")
    assert executor.fast_path_hits == 0
    # Below such a field, plain selections are fast again.
    _, executor = await _both("{ plain { slow kids { id twice } } }")
    assert executor.fast_path_hits == 4


async def test_requests_with_the_same_document_and_directive_values_share_compiled_functions(monkeypatch) -> None:
    compiled = []
    original = FastPathExecutor._compile_walk

    def counting(self, parent_type, grouped_field_set):
        compiled.append(parent_type.name)
        return original(self, parent_type, grouped_field_set)

    monkeypatch.setattr(FastPathExecutor, "_compile_walk", counting)
    monkeypatch.setattr(fast_path, "_WALKS", type(fast_path._WALKS)())
    first = {"withLeaf": True, "skipTags": False}
    await _both(EVERYTHING, first)
    assert compiled
    compiled.clear()
    await _both(EVERYTHING, first)  # the same document and values: nothing compiled again
    assert compiled == []
    # Other values of the directives' variables select other fields, here only below the
    # item's own fields: compiled for them.
    nested = "query($withLeaf: Boolean!) { plain { id kids { id leaf @include(if: $withLeaf) { name } } } }"
    with_leaf, _ = await _both(nested, {"withLeaf": True})
    without_leaf, _ = await _both(nested, {"withLeaf": False})
    assert json.loads(with_leaf)["data"]["plain"][0]["kids"][1] == {"id": 82, "leaf": {"name": "leaf 82"}}
    assert json.loads(without_leaf)["data"]["plain"][0]["kids"][1] == {"id": 82}
    compiled.clear()
    await _both(EVERYTHING, first)
    await _both(nested, {"withLeaf": True})
    assert compiled == []
