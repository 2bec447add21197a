"""Plain, read-only copies of rows ("snapshots") for screens that only read.

An ORM entity costs about 15 µs to build (identity map, instance state, instrumented
attributes); a page of 50 orders with their provider, partner, service and latest quote is 250
of them, more than the rest of the page's work. A snapshot is built from a Core row with one
dict, has the model's column attributes under the same names (and, for an order, the relations
read with it), and the schema's types accept it as they accept the model (`is_model`). Nothing
writes through a snapshot: mutations load ORM entities.
"""

from __future__ import annotations

from functools import cache
from typing import Any, ClassVar

from sqlalchemy import inspect


class Snapshot:
    """A row of `model`, copied."""

    model: ClassVar[type]
    keys: ClassVar[tuple[str, ...]]  # the model's column attributes, in the mapper's order

    @classmethod
    def of(cls, values: Any) -> Snapshot:
        snapshot = cls.__new__(cls)
        snapshot.__dict__ = dict(zip(cls.keys, values))
        return snapshot

    def __repr__(self) -> str:
        return f"<{type(self).__name__} id={self.__dict__.get('id')!r}>"


@cache
def snapshot_class(model: type) -> type[Snapshot]:
    keys = tuple(attribute.key for attribute in inspect(model).column_attrs)
    return type(f"{model.__name__}Snapshot", (Snapshot,), {"model": model, "keys": keys})


def is_model(obj: Any, model: type) -> bool:
    """`obj` is an entity of `model`, or a snapshot of one."""
    return isinstance(obj, model) or (isinstance(obj, Snapshot) and obj.model is model)
