"""Plain, read-only copies of rows ("snapshots") for screens that only read.

An ORM entity costs about 15 µs to build (identity map, instance state, instrumented
attributes); a page of 50 orders with their provider, partner, service and latest quote is 250
of them, more than the rest of the page's work. A snapshot is a tuple of the row's values (a
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


class Snapshot(tuple):
    """A row of `model`, copied: its values in the order of `keys`."""

    __slots__ = ()
    model: ClassVar[type]
    keys: ClassVar[tuple[str, ...]]  # the model's column attributes (then any relations)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} id={getattr(self, 'id', None)!r}>"


@cache
def snapshot_class(model: type, relations: tuple[str, ...] = ()) -> type[Snapshot]:
    """Snapshots of `model`'s rows, followed by the snapshots of `relations` read with them."""
    keys = tuple(attribute.key for attribute in inspect(model).column_attrs) + relations
    attributes: dict[str, Any] = {"__slots__": (), "model": model, "keys": keys}
    attributes.update({key: property(itemgetter(i), doc=key) for i, key in enumerate(keys)})
    return type(f"{model.__name__}Snapshot", (Snapshot,), attributes)


def snapshot(cls: type[Snapshot], values: Sequence[Any]) -> Snapshot:
    return tuple.__new__(cls, values)


def is_model(obj: Any, model: type) -> bool:
    """`obj` is an entity of `model`, or a snapshot of one."""
    return isinstance(obj, model) or (isinstance(obj, Snapshot) and obj.model is model)
