"""What a resolver declares it reads (`metadata=reads(...)`, schema.common) is all it reads.

A list selects only the columns its fields declare (resolvers.order_rows.columns_read): a
resolver reading another column would find it missing from a partial row. So every resolver
declaring `reads(...)`, and every type check declaring `checks_read(...)`, runs here against
each stored row of its type wrapped so that only the declared columns can be read (any other
column or relation fails the test), as every kind of viewer, over orders in every state.
"""

from __future__ import annotations

import inspect
import types
from typing import Any

import pytest
from sqlalchemy import inspect as orm_inspect
from sqlalchemy import select
from strawberry.types.base import StrawberryObjectDefinition

from app.auth import load_viewer
from models import OrderStatus
from models.base import Base
from resolvers.context import Context
from schema import schema
from tests import factories
from tests.conftest import PARTNER, PARTNER2, PROVIDER, PROVIDER2, SUPPLIER


class UndeclaredRead(AssertionError):
    pass


class Only:
    """`target` with only `allowed` of its columns readable; properties and methods of its
    class run against this wrapper, so the columns they read are checked too."""

    __slots__ = ("_allowed", "_columns", "_target", "_what")

    def __init__(self, target: Any, allowed: set[str], what: str) -> None:
        mapper = orm_inspect(type(target))
        for name, value in (
            ("_target", target),
            ("_allowed", allowed),
            ("_what", what),
            ("_columns", set(mapper.column_attrs.keys()) | set(mapper.relationships.keys())),
        ):
            object.__setattr__(self, name, value)

    @property  # type: ignore[misc]
    def __class__(self) -> type:  # isinstance sees the row's class
        return type(self._target)

    def __getattr__(self, name: str) -> Any:
        if name in self._columns:
            if name not in self._allowed:
                raise UndeclaredRead(f"{self._what} reads {name!r}, which it does not declare")
            return getattr(self._target, name)
        found = inspect.getattr_static(type(self._target), name, None)
        if isinstance(found, property):
            return found.fget(self)
        if inspect.isfunction(found):
            return types.MethodType(found, self)
        raise AttributeError(name)  # not held by a row read in part


def _resolvers_declaring_reads() -> list[tuple[StrawberryObjectDefinition, Any]]:
    found = []
    for type_name in sorted(schema._schema.type_map):
        definition = schema.get_type_by_name(type_name)
        if not isinstance(definition, StrawberryObjectDefinition) or definition.is_input:
            continue
        for field in definition.fields:
            if "reads" in (field.metadata or {}) and field.base_resolver is not None:
                found.append((definition, field))
    return found


RESOLVERS = _resolvers_declaring_reads()


def _type_check(definition: StrawberryObjectDefinition) -> Any:
    return getattr(definition.origin, "is_type_of", None)


def test_the_declarations_are_found() -> None:
    names = {f"{d.name}.{f.name}" for d, f in RESOLVERS}
    assert {
        "Order.rate",
        "Order.view",
        "Order.comment_count",
        "Quote.status",
        "Provider.distance_km",
        "Service.price",
    } <= names
    assert getattr(_type_check(schema.get_type_by_name("Provider")).__func__, "reads", None) == ("kind",)


@pytest.fixture
async def rows(db) -> list[Any]:
    """A stored row of every kind: orders in every state with their quotes, comments, leads..."""
    await factories.bulk_orders(db, 12)
    async with db.write_session() as session:
        for status in OrderStatus:
            await factories.make_order(session, status=status, name=f"In {status.value}", with_details=True)
    found = []
    async with db.read_session() as session:
        for mapper in Base.registry.mappers:
            found += (await session.scalars(select(mapper.class_).limit(40))).all()
    return found


async def _call(resolver: Any, wrapped: Only, info: Any) -> Any:
    arguments: dict[str, Any] = {}
    positional = [wrapped] if resolver.self_parameter is not None else []
    for parameter in (resolver.parent_parameter, resolver.root_parameter):
        if parameter is not None:
            arguments[parameter.name] = wrapped
    if resolver.info_parameter is not None:
        arguments[resolver.info_parameter.name] = info
    result = resolver.wrapped_func(*positional, **arguments)  # other arguments: their defaults
    while inspect.isawaitable(result):
        result = await result
    return result


@pytest.mark.parametrize("email", [SUPPLIER, PARTNER, PARTNER2, PROVIDER, PROVIDER2])
async def test_resolvers_read_only_the_columns_they_declare(db, settings, rows, email: str) -> None:
    async with db.read_session() as session:
        viewer = await load_viewer(session, (await factories.user(session, email)).id)
    checked: set[str] = set()
    for row in rows:
        for definition, field in RESOLVERS:
            if not definition.is_type_of or definition.is_type_of(row, None) is not True:
                continue
            what = f"{definition.name}.{field.name}"
            context = Context(db=db, settings=settings, bus=None, request_id="test", viewer=viewer)
            info = types.SimpleNamespace(context=context, schema=schema)
            await _call(field.base_resolver, Only(row, set(field.metadata["reads"]), what), info)
            checked.add(what)
    assert checked == {f"{d.name}.{f.name}" for d, f in RESOLVERS}  # each ran against a row of its type


async def test_type_checks_read_only_the_id_and_the_columns_they_declare(rows) -> None:
    checked = set()
    for type_name in sorted(schema._schema.type_map):
        definition = schema.get_type_by_name(type_name)
        check = _type_check(definition) if isinstance(definition, StrawberryObjectDefinition) else None
        if check is None:
            continue
        declared = {"id", *getattr(getattr(check, "__func__", check), "reads", ())}
        for row in rows:
            if check(row, None) is True:
                assert check(Only(row, declared, f"{type_name}.is_type_of"), None) is True
                checked.add(type_name)
    assert {"Order", "Quote", "Provider", "Partner", "Supplier", "Service"} <= checked
