"""Plain, read-only copies of rows ("snapshots") for screens that only read.

An ORM entity is costly to build (identity map, instance state, instrumented attributes), and a
page of 50 orders with their provider, partner, service and latest quote is 250 of them: more
than the rest of the page's work (docs/benchmarks.md). A snapshot is a tuple of the row's values (a
slice of a Core row) with the model's column attributes under the same names, like a named
tuple, and, for an order read with its relations, those relations' snapshots. The schema's
types accept it as they accept the model (`is_model`). Nothing writes through a snapshot:
mutations load ORM entities.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from operator import itemgetter
from typing import Any, ClassVar

from sqlalchemy import inspect
from sqlalchemy.orm import Mapper


class Snapshot(tuple):
    """A row of `model`, copied: its values in the order of `keys`."""

    __slots__ = ()
    model: ClassVar[type]
    keys: ClassVar[tuple[str, ...]]  # the columns copied, then the relations read with them
    complete: ClassVar[bool]  # every column of the model is there
    relations: ClassVar[tuple[str, ...]]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} id={getattr(self, 'id', None)!r}>"


def columns_of(model: type) -> tuple[str, ...]:
    mapper: Mapper[Any] = inspect(model)
    return tuple(attribute.key for attribute in mapper.column_attrs)


@cache
def snapshot_class(
    model: type, relations: tuple[str, ...] = (), columns: tuple[str, ...] | None = None
) -> type[Snapshot]:
    """Snapshots of `model`'s rows (of `columns` only, when given: a partial snapshot, which
    only the field it was read for may see), followed by those of `relations` read with them."""
    every = columns_of(model)
    columns = every if columns is None else tuple(key for key in every if key in columns)
    keys = columns + relations
    attributes: dict[str, Any] = {
        "__slots__": (),
        "model": model,
        "keys": keys,
        "complete": columns == every,
        "relations": relations,
    }
    attributes.update({key: property(itemgetter(i), doc=key) for i, key in enumerate(keys)})
    return type(f"{model.__name__}Snapshot", (Snapshot,), attributes)


def snapshot(cls: type[Snapshot], values: Sequence[Any]) -> Snapshot:
    return tuple.__new__(cls, values)


NOT_READ = object()


def read_with(obj: Any, relation: str) -> Any:
    """The snapshot (or None) of `relation` read with `obj`, or NOT_READ."""
    if isinstance(obj, Snapshot) and relation in obj.relations:
        return getattr(obj, relation)
    return NOT_READ


def is_model(obj: Any, model: type) -> bool:
    """`obj` is an entity of `model`, or a snapshot of one."""
    return isinstance(obj, model) or (isinstance(obj, Snapshot) and obj.model is model)
