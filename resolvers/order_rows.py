"""Orders read as rows: the order and the relations a list page shows, in one Core SELECT,
made into snapshots (models.snapshots) instead of ORM entities."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import aliased

from models import Order, Organization, Quote, Service
from models.snapshots import Snapshot, snapshot, snapshot_class

# Relations of an order that a page can read with its rows (joined): name -> related model.
JOINABLE = {"provider": Organization, "partner": Organization, "service": Service, "latest_quote": Quote}


class OrderRows:
    """A SELECT of orders with `relations` joined, and the snapshot of each of its rows: an
    order snapshot whose relation attributes hold snapshots of the related rows (or None)."""

    def __init__(self, relations: Iterable[str]):
        relations = tuple(relations)
        self.order = snapshot_class(Order, relations)
        # Labelled with the attribute names (`id`, `submitted_at`...), which the keyset code reads.
        columns: list[Any] = [getattr(Order, key) for key in snapshot_class(Order).keys]
        self.width = len(columns)
        self.parts: list[tuple[str, Any, type[Snapshot], int, int, int]] = []
        for name in relations:
            cls = snapshot_class(JOINABLE[name])
            target = aliased(cls.model, name=f"{name}_row")
            start = len(columns)
            columns += [getattr(target, key).label(f"{name}__{key}") for key in cls.keys]
            self.parts.append((name, target, cls, start, len(columns), start + cls.keys.index("id")))
        stmt = select(*columns).select_from(Order)
        for name, target, *_ in self.parts:
            stmt = stmt.outerjoin(target, getattr(Order, name).of_type(target))
        self._select = stmt  # built once: a statement of 60 columns takes a while to build

    def select(self, *where: ColumnElement[bool]) -> Select:
        return self._select.where(*where)

    def snapshot(self, row: Any) -> Snapshot:
        related = tuple(
            None if row[id_at] is None else snapshot(cls, row[start:end])
            for _, _, cls, start, end, id_at in self.parts
        )
        return snapshot(self.order, row[: self.width] + related)
