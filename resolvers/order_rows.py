"""Orders read as rows: the order and the relations a list page shows, in one Core SELECT,
made into snapshots (models.snapshots) instead of ORM entities.

The statement is built once per set of relations from the tables themselves (not the ORM's
annotated attributes, whose cache key SQLAlchemy works out again on every execution).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, and_, inspect, select

from models import Order, OrderInvitation, Organization, Quote, Service
from models.snapshots import Snapshot, snapshot, snapshot_class

ORDER: Table = Order.__table__  # type: ignore[assignment]
_INVITATION_ON = OrderInvitation.__table__.c.order_id == ORDER.c.id


def _latest_quote_of(quote: Any) -> ColumnElement[bool]:
    """`quote` is the order's latest (by submission, then id): Order.latest_quote's join."""
    newer = Quote.__table__.alias("newer_quote")
    newest = (
        select(newer.c.id)
        .where(newer.c.order_id == ORDER.c.id)
        .order_by(newer.c.submitted_at.desc(), newer.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return and_(quote.c.order_id == ORDER.c.id, quote.c.id == newest)


@dataclass(frozen=True)
class Joinable:
    """A relation of an order that a page can read with its rows (joined)."""

    model: type
    field: str  # Order's GraphQL field for it
    type_name: str  # that field's GraphQL type
    condition: Callable[[Any], ColumnElement[bool]]  # the join, given the related table's alias


JOINABLE = {
    "provider": Joinable(Organization, "provider", "Provider", lambda t: t.c.id == ORDER.c.provider_id),
    "partner": Joinable(Organization, "partner", "Partner", lambda t: t.c.id == ORDER.c.partner_id),
    "service": Joinable(Service, "service", "Service", lambda t: t.c.id == ORDER.c.service_id),
    "latest_quote": Joinable(Quote, "latestQuote", "Quote", _latest_quote_of),
}


def _columns(model: type, table: Any, keys: tuple[str, ...], prefix: str = "") -> list[Any]:
    attributes = inspect(model).column_attrs
    return [table.c[attributes[key].columns[0].key].label(prefix + key) for key in keys]


class OrderRows:
    """A SELECT of orders with `relations` joined, and the snapshot of each of its rows: an
    order snapshot whose relation attributes hold snapshots of the related rows (or None).

    `relations`: (name, the related row's columns to read, or None for all of them);
    `order_columns`: the order's columns to read (None: all)."""

    def __init__(
        self, relations: Iterable[tuple[str, tuple[str, ...] | None]], order_columns: tuple[str, ...] | None = None
    ):
        relations = tuple(relations)
        self.order = snapshot_class(Order, tuple(name for name, _ in relations), order_columns)
        order_keys = snapshot_class(Order, (), order_columns).keys
        # Labelled with the attribute names (`id`, `submitted_at`...), which the keyset code reads.
        columns = _columns(Order, ORDER, order_keys)
        self.width = len(columns)
        joined: Any = ORDER
        self.parts: list[tuple[type[Snapshot], int, int, int]] = []
        for name, read in relations:
            model = JOINABLE[name].model
            cls = snapshot_class(model, (), read)
            table = model.__table__.alias(f"{name}_row")
            joined = joined.outerjoin(table, JOINABLE[name].condition(table))
            start = len(columns)
            columns += _columns(model, table, cls.keys, f"{name}__")
            self.parts.append((cls, start, len(columns), start + cls.keys.index("id")))
        self._select = select(*columns).select_from(joined)
        self._columns, self._joined = columns, joined

    def select(self, *where: ColumnElement[bool]) -> Select:
        return self._select.where(*where)

    @cache  # noqa: B019 - a few per statement shape (OrderRows are cached themselves)
    def _own_select(self) -> Select:
        invitation = OrderInvitation.__table__
        own = {"last_activity_at": invitation.c.last_activity_at, "version": invitation.c.version}
        columns = [own[c.name].label(c.name) if c.name in own else c for c in self._columns]
        return select(*columns).select_from(self._joined.join(invitation, _INVITATION_ON))

    def select_own(self, provider_id: int, *where: ColumnElement[bool]) -> Select:
        """A provider's quote requests joined with its invitation, whose `last_activity_at` and
        `version` the rows carry instead of the order's (domain.access.ScopeBranch)."""
        return self._own_select().where(OrderInvitation.__table__.c.provider_id == provider_id, *where)

    def snapshot(self, row: Any) -> Snapshot:
        related = tuple(
            None if row[id_at] is None else snapshot(cls, row[start:end]) for cls, start, end, id_at in self.parts
        )
        return snapshot(self.order, row[: self.width] + related)


def columns_read(
    schema: Any, type_name: str, model: type, field_names: Iterable[str], also: Iterable[str] = ()
) -> tuple[str, ...] | None:
    """The columns of `model` that the fields selected on `type_name` read: those of attribute
    fields and of resolvers that say what they read (`schema.common.reads`), the id, what the
    type check reads (`schema.common.checks_read`), and `also`; None (every column) when
    another resolver is selected: it may read any."""
    attributes = _attribute_fields(schema, type_name, model)
    read = {"id", *_checked(schema, type_name)} | set(also)
    for name in field_names:
        if name == "__typename":
            continue
        columns = attributes.get(name)
        if columns is None:
            return None
        read.update(columns)
    return tuple(sorted(read))


@cache
def _checked(schema: Any, type_name: str) -> tuple[str, ...]:
    """The columns the `is_type_of` of `type_name` declares it reads."""
    check = schema.get_type_by_name(type_name).is_type_of
    return getattr(getattr(check, "__func__", check), "reads", ())


@cache
def _attribute_fields(schema: Any, type_name: str, model: type) -> dict[str, tuple[str, ...]]:
    """GraphQL name -> the columns of `model` it reads, for the fields of `type_name` that
    read a column as it is, the Node id, and resolvers that say what they read (`reads`)."""
    definition = schema.get_type_by_name(type_name)
    columns = set(inspect(model).column_attrs.keys())
    fields: dict[str, tuple[str, ...]] = {"id": ("id",)}
    for field in definition.fields:
        name = schema.config.name_converter.from_field(field)
        if name == "id":
            continue
        if field.base_resolver is None and field.python_name in columns:
            fields[name] = (field.python_name,)
        elif "reads" in (field.metadata or {}):
            fields[name] = tuple(field.metadata["reads"])
    return fields
