"""The orders list and an order's detail page answered by PostgreSQL as JSON, in one statement.

`schema.compiled` hands over what a query selects (`Selected`: fragments, aliases and
`@include`/`@skip` already resolved); this module writes one statement that builds the
answer's JSON with `json_build_object`/`json_agg` and returns its text, which the response
carries as it is. Values come out as the schema writes them: global ids (base64 of
"Type:id"), date-times (`isoformat()` of UTC), money (a decimal string with the column's
scale), enums by name, and signed cursors (the HMAC of `resolvers.pagination.CursorCodec`,
computed with `sha256`). The rows are chosen by the same clauses as the list
(`domain.access.order_scope`, `resolvers.orders.order_filter_clauses`, the keyset bounds of
`resolvers.pagination`), compiled by SQLAlchemy and placed in the statement. Every statement
also checks, as it runs, that the viewer may still read (its guard): the viewer of a known
token is taken on trust until then (resolvers.context).

Anything this module does not know raises `NotCompiled`, and the field is resolved as
before: providers (whose view of an order depends on invitations and their own quotes), a
field with a resolver not listed here, a cursor argument on a nested connection, a
selection too wide for `json_build_object`.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from cachetools import LRUCache
from sqlalchemy import Select, Table, literal_column, select

from domain import access
from domain.ids import parse_global_id
from models import Comment, Lead, Order, OrderStatus, Organization, Quote, Service, StatusChange, User
from models.base import ScaledDecimal, utcnow
from resolvers.orders import SORT_KEYS, check_filter, order_filter_clauses
from resolvers.pagination import (
    _EMPTY,
    MAX_PAGE,
    BadPageRequest,
    PageRequest,
    SortDirection,
    _bound,
    _segments,
    _sort_tag,
    page_shape,
)


class NotCompiled(Exception):
    """The selection (or the viewer) is one this module does not answer: resolve it as before."""


@dataclass(frozen=True)
class Selected:
    """One field of the response: its response key, schema name, Python attribute name, the
    named type it returns, whether that type is an enum, whether a resolver computes it, its
    arguments (coerced, GraphQL names) and the fields selected under it."""

    key: str
    name: str
    python_name: str
    type_name: str
    is_enum: bool = False
    has_resolver: bool = False
    args: dict[str, Any] = field(default_factory=dict)
    children: tuple[Selected, ...] = ()


MAX_KEYS = 50  # json_build_object takes at most 100 arguments
_KEY = re.compile(r"^[_A-Za-z][_0-9A-Za-z]*$")


# Every statement starts with these parameters: the cursor key's HMAC pads, the time now, and
# the viewer as the request found it (user id, token version, role, e-mail, organisation, its
# kind and portal).
INNER_PAD, OUTER_PAD, NOW = "$1::bytea", "$2::bytea", "$3::timestamptz"
FIXED = 10
# `guard`: the viewer may still read, at the moment the statement runs, as the request found it:
# the user and its organisation active, its tokens not revoked since, nothing the viewer holds
# changed. When it may not, the statement answers (false, NULL) without building anything, and
# the field is resolved as before, after the viewer is looked up again (schema.compiled).
_HEADER = (
    f"WITH fixed AS (SELECT {INNER_PAD}, {OUTER_PAD}, {NOW}, $4::bigint, $5::integer, $6::text, $7::text, "
    "$8::bigint, $9::text, $10::bigint), "  # types them
    "guard AS MATERIALIZED (SELECT EXISTS (SELECT 1 FROM user_account u "
    "JOIN organization o ON o.id = u.organization_id WHERE u.id = $4::bigint AND u.is_active AND o.is_active "
    "AND coalesce(u.token_version, 0) = $5::integer AND u.role = $6::text AND u.email = $7::text "
    "AND o.id = $8::bigint AND o.kind = $9::text AND o.portal_id = $10::bigint) AS confirmed) "
)


def _guarded(body: str) -> str:
    """The final SELECT: (confirmed, the JSON text, or NULL when not confirmed)."""
    return f"SELECT guard.confirmed, CASE WHEN guard.confirmed THEN ({body})::text END FROM guard"


class Piece:
    """A SQLAlchemy clause or SELECT (the list's scope, filter and keyset bounds) as SQL text
    with its own $n parameters. Compiled once per shape: SQLAlchemy's cache key tells the
    shape and extracts this request's values, as `Connection.execute` does (without one,
    or with an expanding IN list, it is compiled for this request alone)."""

    def __init__(self, element: Any, dialect: Any):
        key = element._generate_cache_key() if hasattr(element, "_generate_cache_key") else None
        if key is None or any(b.expanding for b in key.bindparams):
            compiled = element.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
            values = compiled.construct_params()
            self.key: Any = None
        else:
            self.key = (dialect.name, key.key)
            compiled = _PIECES.get(self.key)
            if compiled is None:
                compiled = _PIECES[self.key] = element.compile(dialect=dialect, cache_key=key)
                if len(_PIECES) > 2000:
                    _PIECES.pop(next(iter(_PIECES)))
            values = compiled.construct_params(extracted_parameters=key.bindparams)
        self.text: str = compiled.string
        self.params = [values[name] for name in compiled.positiontup or ()]


_PIECES: dict[Any, Any] = {}


class Statement:
    """SQL text with positional ($n) parameters: the fixed ones, then each piece's in turn."""

    def __init__(self, pieces: list[Piece], extra: tuple[str, ...] = ()) -> None:
        self.pieces = pieces
        self.offsets = []
        offset = FIXED + len(extra)
        for piece in pieces:
            self.offsets.append(offset)
            offset += len(piece.params)

    def place(self, index: int) -> str:
        """Piece `index` as text, its parameters numbered in this statement."""
        offset = self.offsets[index]
        return re.sub(r"\$(\d+)", lambda m: f"${int(m.group(1)) + offset}", self.pieces[index].text)

    def params(self, fixed: list[Any]) -> tuple[Any, ...]:
        return tuple(fixed + [value for piece in self.pieces for value in piece.params])


# The statements' text by the shape of what they answer (the selection, the viewer's kind, the
# page, the pieces' shapes); each request brings its own parameters.
_TEXTS: OrderedDict[Any, tuple[Any, str]] = OrderedDict()
MAX_TEXTS = 500


def _remember(key: Any, keep: Any, text: str) -> None:
    _TEXTS[key] = (keep, text)
    if len(_TEXTS) > MAX_TEXTS:
        _TEXTS.popitem(last=False)


def _recalled(key: Any, keep: Any) -> str | None:
    hit = _TEXTS.get(key)
    if hit is None or hit[0] is not keep:
        return None
    _TEXTS.move_to_end(key)
    return hit[1]


# Whole requests' statements and their own parameters, by everything they are built from: the
# viewer's organisation (every user of it sees the same rows), the selection, the arguments. A
# plan depends on nothing else, so a list asked again (its first page above all, which each
# screen opens on) is not built again; only the fixed parameters (the time now) are new.
_PLANS: LRUCache[Any, tuple[Any, str, tuple[Any, ...]]] = LRUCache(maxsize=2000)


def _audience(viewer: Any) -> tuple[Any, ...]:
    """What the rows and values a supplier's or partner's statement reads depend on."""
    return (viewer.organization_kind, viewer.organization_id, viewer.portal_id)


# -- values as the schema writes them --------------------------------------------------------


def _text(literal: str) -> str:
    return "'" + literal.replace("'", "''") + "'"


def global_id(type_name: str, pk: str) -> str:
    return f"encode(convert_to({_text(type_name + ':')} || {pk}, 'UTF8'), 'base64')"


def iso_datetime(column: str) -> str:
    """`datetime.isoformat()` of a UTC timestamptz (microseconds only when not zero); NULL stays NULL."""
    utc = f"({column} AT TIME ZONE 'UTC')"
    return (
        f"(to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
        f"CASE WHEN to_char({utc}, 'US') = '000000' THEN '' ELSE to_char({utc}, '.US') END || '+00:00')"
    )


def iso_date(column: str) -> str:
    return f"to_char({column}, 'YYYY-MM-DD')"


def decimal_text(column: str, scale: int) -> str:
    """A scaled integer as the decimal string Strawberry writes (`str(Decimal)` with `scale` places):
    numeric times 0.01 keeps two places, "1500.00"."""
    if scale == 0:
        return f"({column})::text"
    return f"(({column})::numeric * 0.{'0' * (scale - 1)}1)::text"


def cursor(tag: str, value_text: str, pk: str) -> str:
    """`CursorCodec.encode(tag, value, pk)`: base64url(payload, unpadded) "." base64url(HMAC[:12])."""
    opening = _text(f'["{tag}",')
    payload = f"convert_to({opening} || coalesce('\"' || {value_text} || '\"', 'null') || ',' || {pk} || ']', 'UTF8')"
    body = f"rtrim(translate(replace(encode({payload}, 'base64'), E'\\n', ''), '+/', '-_'), '=')"
    signature = (
        f"translate(encode(substring(sha256({OUTER_PAD} || sha256({INNER_PAD} || {payload})) "
        "from 1 for 12), 'base64'), '+/', '-_')"
    )
    return f"({body} || '.' || {signature})"


def _object(pairs: list[tuple[str, str]]) -> str:
    if len(pairs) > MAX_KEYS:
        raise NotCompiled("too many fields for json_build_object")
    for key, _ in pairs:
        if not _KEY.match(key):
            raise NotCompiled("unexpected response key")
    return "json_build_object(" + ", ".join(f"'{key}', {value}" for key, value in pairs) + ")"


# -- objects ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """How a GraphQL object type reads from its table: the model, and the global id's type."""

    model: type
    node: str | None  # the Node type name of its id (None: no id field)


KINDS = {
    "Order": Kind(Order, "Order"),
    "Provider": Kind(Organization, "Provider"),
    "Partner": Kind(Organization, "Partner"),
    "Service": Kind(Service, "Service"),
    "Quote": Kind(Quote, "Quote"),
    "User": Kind(User, "User"),
    "Comment": Kind(Comment, "Comment"),
    "Lead": Kind(Lead, "Lead"),
    "StatusChange": Kind(StatusChange, None),
}

_SCALARS = {"String", "Int", "Boolean", "DateTime", "Date"}


class Compiler:
    """Writes the JSON expressions of one statement (its parameters in `stmt`)."""

    def __init__(self) -> None:
        self.aliases = 0

    def alias(self) -> str:
        self.aliases += 1
        return f"t{self.aliases}"

    def column(self, model: type, selected: Selected, alias: str) -> str:
        """A field that reads a column as it is."""
        table: Table = model.__table__  # type: ignore[attr-defined]
        if selected.has_resolver or selected.args or selected.children or selected.python_name not in table.c:
            raise NotCompiled(f"{selected.name} is not a plain column")
        column = table.c[selected.python_name]
        ref = f"{alias}.{column.name}"
        if selected.is_enum or selected.type_name in ("String", "Int", "Boolean"):
            return ref
        if selected.type_name == "DateTime":
            return iso_datetime(ref)
        if selected.type_name == "Date":
            return iso_date(ref)
        if selected.type_name == "Decimal" and isinstance(column.type, ScaledDecimal):
            return decimal_text(ref, column.type.scale)
        raise NotCompiled(f"{selected.name}: {selected.type_name} is not compiled")

    def obj(self, type_name: str, fields: Iterable[Selected], alias: str) -> str:
        kind = KINDS.get(type_name)
        if kind is None:
            raise NotCompiled(f"type {type_name}")
        pairs = []
        for f in fields:
            if f.name == "__typename":
                value = _text(f.type_name)
            elif f.name == "id" and kind.node is not None:
                value = global_id(kind.node, f"{alias}.id")
            else:
                special = getattr(self, f"_{type_name}_{f.name}", None)
                value = special(f, alias) if special is not None else self.column(kind.model, f, alias)
            pairs.append((f.key, value))
        return _object(pairs)

    def money(self, selected: Selected, amount: str, currency: str, scale: int = 2) -> str:
        pairs = []
        for f in selected.children:
            if f.name == "__typename":
                pairs.append((f.key, _text(f.type_name)))
            elif f.name == "amount":
                pairs.append((f.key, decimal_text(amount, scale)))
            elif f.name == "currency":
                pairs.append((f.key, currency))
            else:
                raise NotCompiled(f"Money.{f.name}")
        return f"CASE WHEN {amount} IS NULL THEN NULL ELSE {_object(pairs)} END"

    def one(self, type_name: str, selected: Selected, table: str, where: str) -> str:
        alias = self.alias()
        body = self.obj(type_name, selected.children, alias)
        return f"(SELECT {body} FROM {table} {alias} WHERE {where.format(a=alias)})"

    def many(self, type_name: str, selected: Selected, table: str, where: str, order: str) -> str:
        if selected.args:
            raise NotCompiled(f"{selected.name} with arguments")
        alias = self.alias()
        body = self.obj(type_name, selected.children, alias)
        order = order.format(a=alias)
        return (
            f"coalesce((SELECT json_agg({body} ORDER BY {order}) FROM {table} {alias} "
            f"WHERE {where.format(a=alias)}), '[]'::json)"
        )

    # Order's fields with resolvers: as they read for a supplier or a partner (FULL view).

    def _Order_rate(self, f: Selected, a: str) -> str:
        return self.money(f, f"{a}.rate", f"{a}.currency")

    def _Order_lastActivityAt(self, f: Selected, a: str) -> str:
        return iso_datetime(f"{a}.last_activity_at")

    def _Order_version(self, f: Selected, a: str) -> str:
        return f"{a}.version"

    def _Order_view(self, f: Selected, a: str) -> str:
        return _text(access.OrderView.FULL.value)

    def _Order_commentCount(self, f: Selected, a: str) -> str:
        return f"{a}.comment_count"

    def _Order_leadCount(self, f: Selected, a: str) -> str:
        return f"{a}.lead_count"

    def _Order_provider(self, f: Selected, a: str) -> str:
        return self.one("Provider", f, "organization", f"{{a}}.id = {a}.provider_id")

    def _Order_partner(self, f: Selected, a: str) -> str:
        return self.one("Partner", f, "organization", f"{{a}}.id = {a}.partner_id")

    def _Order_service(self, f: Selected, a: str) -> str:
        return self.one("Service", f, "service", f"{{a}}.id = {a}.service_id")

    def _Order_latestQuote(self, f: Selected, a: str) -> str:
        alias = self.alias()
        return (
            f"(SELECT {self.obj('Quote', f.children, alias)} FROM quote {alias} WHERE {alias}.order_id = {a}.id "
            f"ORDER BY {alias}.submitted_at DESC, {alias}.id DESC LIMIT 1)"
        )

    def _Order_quotes(self, f: Selected, a: str) -> str:
        return self.many("Quote", f, "quote", f"{{a}}.order_id = {a}.id", "{a}.submitted_at, {a}.id")

    def _Order_statusHistory(self, f: Selected, a: str) -> str:
        return self.many("StatusChange", f, "status_change", f"{{a}}.order_id = {a}.id", "{a}.at, {a}.id")

    def _Order_commentsConnection(self, f: Selected, a: str) -> str:
        return self.children(f, a, "Comment", "comment", f"{a}.comment_count")

    def _Order_leadsConnection(self, f: Selected, a: str) -> str:
        return self.children(f, a, "Lead", "lead", f"{a}.lead_count")

    def _Quote_status(self, f: Selected, a: str) -> str:
        return (
            f"CASE WHEN {a}.status = 'SUBMITTED' AND {a}.expires_at IS NOT NULL "
            f"AND {a}.expires_at <= {NOW} THEN 'EXPIRED' ELSE {a}.status END"
        )

    def _Quote_total(self, f: Selected, a: str) -> str:
        return self.money(f, f"{a}.total", f"{a}.currency")

    def _Quote_provider(self, f: Selected, a: str) -> str:
        return self.one("Provider", f, "organization", f"{{a}}.id = {a}.provider_id")

    def _Service_price(self, f: Selected, a: str) -> str:
        return self.money(f, f"{a}.price", f"{a}.currency")

    def _Comment_author(self, f: Selected, a: str) -> str:
        return self.one("User", f, "user_account", f"{{a}}.id = {a}.author_id")

    def _StatusChange_from(self, f: Selected, a: str) -> str:
        return f"{a}.from_status"

    def _StatusChange_to(self, f: Selected, a: str) -> str:
        return f"{a}.to_status"

    def _StatusChange_actor(self, f: Selected, a: str) -> str:
        return self.one("User", f, "user_account", f"{{a}}.id = {a}.actor_id")

    # -- connections -------------------------------------------------------------------

    def children(self, f: Selected, a: str, type_name: str, table: str, total: str) -> str:
        """`commentsConnection` / `leadsConnection` (oldest first) with `first` or `last`."""
        args = f.args
        if args.get("after") is not None or args.get("before") is not None:
            raise NotCompiled("a cursor on a nested connection")
        page = PageRequest(first=args.get("first"), last=args.get("last"))
        try:
            page.validated()
        except BadPageRequest as exc:
            raise NotCompiled("an invalid page (the resolver says why)") from exc
        limit, backwards = page_shape(page)
        rows, ranked = self.alias(), self.alias()
        read = "DESC" if backwards else "ASC"
        value = iso_datetime(f"{ranked}.created_at")

        def edge_cursor() -> str:  # its parameters are added only when a cursor is selected
            return cursor("CREATED_AT:ASC", value, f"{ranked}.id")

        ascending = f"{ranked}.created_at, {ranked}.id"
        descending = f"{ranked}.created_at DESC, {ranked}.id DESC"
        within = f"{ranked}.rn <= {limit}"
        has_more = f"(count(*) > {limit})"
        pairs = []
        for sub in f.children:
            if sub.name == "__typename":
                pairs.append((sub.key, _text(sub.type_name)))
            elif sub.name == "totalCount":
                pairs.append((sub.key, total))
            elif sub.name == "edges":
                edge = self.edge(sub, type_name, ranked, edge_cursor)
                pairs.append(
                    (sub.key, f"coalesce(json_agg({edge} ORDER BY {ascending}) FILTER (WHERE {within}), '[]'::json)")
                )
            elif sub.name == "nodes":
                node = self.obj(type_name, sub.children, ranked)
                pairs.append(
                    (sub.key, f"coalesce(json_agg({node} ORDER BY {ascending}) FILTER (WHERE {within}), '[]'::json)")
                )
            elif sub.name == "pageInfo":
                info = {
                    "hasNextPage": lambda: has_more if not backwards else "false",
                    "hasPreviousPage": lambda: has_more if backwards else "false",
                    "startCursor": lambda: (
                        f"(array_agg({edge_cursor()} ORDER BY {ascending}) FILTER (WHERE {within}))[1]"
                    ),
                    "endCursor": lambda: (
                        f"(array_agg({edge_cursor()} ORDER BY {descending}) FILTER (WHERE {within}))[1]"
                    ),
                }
                pairs.append((sub.key, self.page_info(sub, info)))
            else:
                raise NotCompiled(f"{f.name}.{sub.name}")
        return (
            f"(SELECT {_object(pairs)} FROM (SELECT {rows}.*, "
            f"row_number() OVER (ORDER BY {rows}.created_at {read}, {rows}.id {read}) AS rn "
            f"FROM (SELECT * FROM {table} WHERE {table}.order_id = {a}.id "
            f"ORDER BY {table}.created_at {read}, {table}.id {read} LIMIT {limit + 1}) {rows}) {ranked})"
        )

    def edge(self, sub: Selected, type_name: str, alias: str, edge_cursor: Callable[[], str]) -> str:
        pairs = []
        for e in sub.children:
            if e.name == "__typename":
                pairs.append((e.key, _text(e.type_name)))
            elif e.name == "cursor":
                pairs.append((e.key, edge_cursor()))
            elif e.name == "node":
                pairs.append((e.key, self.obj(type_name, e.children, alias)))
            else:
                raise NotCompiled(f"edge.{e.name}")
        return _object(pairs)

    def page_info(self, sub: Selected, values: dict[str, Callable[[], str]]) -> str:
        pairs = []
        for p in sub.children:
            if p.name == "__typename":
                pairs.append((p.key, _text(p.type_name)))
            elif p.name in values:
                pairs.append((p.key, values[p.name]()))
            else:
                raise NotCompiled(f"pageInfo.{p.name}")
        return _object(pairs)


# -- the root fields ------------------------------------------------------------------------


async def _run(ctx: Any, sql: str, params: tuple[Any, ...]) -> tuple[bool, str | None]:
    """(whether the viewer was confirmed, the JSON text)."""
    async with ctx.db.read_connection() as connection:
        result = await connection.exec_driver_sql(sql, params)
        confirmed, text = result.one()
        return confirmed, text


def _viewer(ctx: Any) -> Any:
    """The viewer, as the request found it: perhaps taken on trust (resolvers.context), which the
    statement's guard then checks."""
    if ctx.db.is_sqlite:
        raise NotCompiled("SQLite: the list's own path")
    viewer = ctx.viewer
    if viewer is None:
        raise NotCompiled("no viewer: the resolver says why")
    if viewer.is_provider:
        raise NotCompiled("a provider's view of an order depends on its invitations and quotes")
    return viewer


def _fixed(ctx: Any) -> list[Any]:
    viewer = ctx.viewer
    return [
        *ctx.cursors.hmac_pads(),
        utcnow(),
        viewer.user_id,
        ctx.token_version or 0,
        viewer.role.value,
        viewer.email,
        viewer.organization_id,
        viewer.organization_kind.value,
        viewer.portal_id,
    ]


def compile_node(ctx: Any, id_value: str, children: tuple[Selected, ...]) -> Any:
    """`node(id:)` of an order: an awaitable of (whether the statement's guard confirmed the
    viewer, the JSON text or None when the viewer may not see it). `children` must be the same
    object for the same selection (the statement is kept by it)."""
    viewer = _viewer(ctx)
    parsed = parse_global_id(id_value)
    if parsed is None or parsed[0] != "Order":
        raise NotCompiled("not an order's id")
    plan_key = ("node", _audience(viewer), id(children))
    plan = _PLANS.get(plan_key)
    if plan is None or plan[0] is not children:
        stmt = Statement([Piece(access.order_scope(viewer), ctx.db.engine.dialect)], extra=("$11::bigint",))
        body = Compiler().obj("Order", children, "provider_order")
        sql = _HEADER + _guarded(
            f"SELECT {body} FROM provider_order WHERE provider_order.id = $11::bigint AND {stmt.place(0)}"
        )
        plan = _PLANS[plan_key] = (children, sql, stmt.params([]))
    _, sql, scope_params = plan
    return _run(ctx, sql, (*_fixed(ctx), parsed[1], *scope_params))


class _Info:
    """What resolvers.orders' filter helpers read of `info`: the database, and the viewer as the
    statement will check it (perhaps not yet confirmed, see `_viewer`)."""

    def __init__(self, ctx: Any, viewer: Any):
        self.context = self
        self.db, self._viewer = ctx.db, viewer

    def require_viewer(self) -> Any:
        return self._viewer


def compile_orders(ctx: Any, page: PageRequest, f: Any, order_by: Any, selected: Selected) -> Any:
    """`orders(...)` for a supplier or a partner: an awaitable of (whether the statement's guard
    confirmed the viewer, the JSON text). `selected` must be the same object for the same
    selection (the statement is kept by it)."""
    viewer = _viewer(ctx)
    plan_key = ("orders", _audience(viewer), id(selected), repr(f), order_by.field, order_by.direction, page)
    plan = _PLANS.get(plan_key)
    if plan is not None and plan[0] is selected:
        return _run(ctx, plan[1], (*_fixed(ctx), *plan[2]))
    dialect = ctx.db.engine.dialect
    info = _Info(ctx, viewer)
    try:
        check_filter(f)
        page = page.validated()
        sort = SORT_KEYS[order_by.field]
        descending = order_by.direction is SortDirection.DESC
        after = ctx.cursors.decode(page.after, sort, "after", descending) if page.after is not None else None
        before = ctx.cursors.decode(page.before, sort, "before", descending) if page.before is not None else None
        (branch,) = access.order_scope_branches(viewer)
        clauses = order_filter_clauses(info, f, last_activity=branch.last_activity)
    except Exception as exc:  # the resolver reports it, as before
        raise NotCompiled("refused arguments") from exc
    if branch.invitation:
        raise NotCompiled("a provider's quote requests")
    scope = branch.where
    limit, backwards = page_shape(page)
    if not 0 <= limit <= MAX_PAGE:
        raise NotCompiled("page size")
    parts = _keyset_parts(sort, descending, after, before, backwards, limit, [scope, *clauses])
    wanted = {sub.name for sub in selected.children}
    pieces = [Piece(part, dialect) for part in parts]
    if "totalCount" in wanted:
        pieces.append(Piece(select(literal_column("count(*)")).select_from(Order).where(scope, *clauses), dialect))
    if "statusCounts" in wanted:
        unfiltered = order_filter_clauses(info, f, statuses=False, last_activity=branch.last_activity)
        counted = select(Order.status.label("status"), literal_column("count(*)").label("n"))
        pieces.append(Piece(counted.where(scope, *unfiltered).group_by(Order.status), dialect))
    stmt = Statement(pieces)
    key = (
        "orders",
        id(selected),
        sort.name,
        descending,
        limit,
        backwards,
        after is not None,
        before is not None,
        tuple(piece.key for piece in pieces),
    )
    cacheable = all(piece.key is not None for piece in pieces)
    sql = _recalled(key, selected) if cacheable else None
    if sql is None:
        sql = _orders_sql(stmt, len(parts), selected, page, sort, descending, limit, backwards)
        if cacheable:
            _remember(key, selected, sql)
    if cacheable:
        _PLANS[plan_key] = (selected, sql, stmt.params([]))
    return _run(ctx, sql, stmt.params(_fixed(ctx)))


def _keyset_parts(
    sort: Any, descending: bool, after: Any, before: Any, backwards: bool, limit: int, where: list[Any]
) -> list[Select]:
    """The page's rows as resolvers.pagination.read_keyset reads them: one SELECT a segment
    (rows with a sort value, then those without), each on its index range, numbered `seg`."""
    ascending = not descending
    read_ascending = ascending != backwards
    segments = _segments(sort)
    if backwards:
        segments = segments[::-1]
    parts = []
    for number, segment in enumerate(segments):
        clauses = where + ([segment.where] if segment.where is not None else [])
        empty = False
        for bound_at, is_after in ((after, True), (before, False)):
            if bound_at is None:
                continue
            bound = _bound(segment, sort, bound_at, ascending, is_after)
            if bound is _EMPTY:
                empty = True
            elif bound is not None:
                clauses.append(bound)
        if empty:
            continue
        order = [c.asc() if read_ascending else c.desc() for c in segment.columns]
        # Whole rows (the index range is read from the table anyway), and no LIMIT here: the
        # statement writes it as a number, so that PostgreSQL may keep one generic plan for it.
        table = Order.__table__  # type: ignore[attr-defined]
        parts.append(
            select(*table.c, sort.column.label("s"), literal_column(str(number)).label("seg"))
            .where(*clauses)
            .order_by(*order)
        )
    return parts


def _orders_sql(
    stmt: Statement,
    segments: int,
    selected: Selected,
    page: PageRequest,
    sort: Any,
    descending: bool,
    limit: int,
    backwards: bool,
) -> str:
    compiler = Compiler()
    read = "ASC" if (not descending) != backwards else "DESC"
    union = " UNION ALL ".join(f"({stmt.place(i)} LIMIT {limit + 1})" for i in range(segments))
    if not segments:
        union = "SELECT provider_order.*, NULL AS s, 0 AS seg FROM provider_order WHERE false"
    value_of = iso_date if sort.name == "ESTIMATED_COMPLETION_ON" else iso_datetime

    def edge_cursor() -> str:
        return cursor(_sort_tag(sort, descending), value_of("e.s"), "e.id")

    display = "DESC" if backwards else "ASC"
    counts = iter(range(segments, len(stmt.pieces)))
    pairs = []
    for sub in selected.children:
        if sub.name == "__typename":
            pairs.append((sub.key, _text(sub.type_name)))
        elif sub.name == "edges":
            edge = compiler.edge(sub, "Order", "e", edge_cursor)
            pairs.append((sub.key, f"coalesce((SELECT json_agg({edge} ORDER BY e.rn {display}) FROM e), '[]'::json)"))
        elif sub.name == "nodes":
            node = compiler.obj("Order", sub.children, "e")
            pairs.append((sub.key, f"coalesce((SELECT json_agg({node} ORDER BY e.rn {display}) FROM e), '[]'::json)"))
        elif sub.name == "pageInfo":
            pairs.append((sub.key, compiler.page_info(sub, _page_info(page, limit, backwards, edge_cursor))))
        elif sub.name == "totalCount":
            pairs.append((sub.key, f"({stmt.place(next(counts))})"))
        elif sub.name == "statusCounts":
            pairs.append((sub.key, _status_counts(sub, stmt.place(next(counts)))))
        else:
            raise NotCompiled(f"OrderConnection.{sub.name}")
    return (
        f"{_HEADER}, page AS ({union}), "
        f"r AS (SELECT page.*, row_number() OVER (ORDER BY page.seg, page.s {read}, page.id {read}) AS rn "
        f"FROM page), "
        f"e AS (SELECT * FROM r WHERE r.rn <= {limit}) " + _guarded(f"SELECT {_object(pairs)}")
    )


def _page_info(page: PageRequest, limit: int, backwards: bool, edge_cursor: Callable[[], str]) -> dict:
    """PageInfo's fields over the page's rows (`r`: read, up to limit + 1; `e`: shown), as
    resolvers.pagination.page_of sets them."""
    has_more = f"((SELECT count(*) FROM r) > {limit})"
    first, last = ("DESC", "ASC") if backwards else ("ASC", "DESC")
    return {
        "hasNextPage": lambda: has_more if not backwards else ("true" if page.before is not None else "false"),
        "hasPreviousPage": lambda: has_more if backwards else ("true" if page.after is not None else "false"),
        "startCursor": lambda: f"(SELECT {edge_cursor()} FROM e ORDER BY e.rn {first} LIMIT 1)",
        "endCursor": lambda: f"(SELECT {edge_cursor()} FROM e ORDER BY e.rn {last} LIMIT 1)",
    }


def _status_counts(sub: Selected, grouped: str) -> str:
    """Every status in the enum's order, zeros included (as resolvers.orders reads them)."""
    pairs = []
    for f in sub.children:
        if f.name == "__typename":
            pairs.append((f.key, _text(f.type_name)))
        elif f.name == "status":
            pairs.append((f.key, "s.status"))
        elif f.name == "count":
            pairs.append((f.key, "coalesce(c.n, 0)"))
        else:
            raise NotCompiled(f"statusCounts.{f.name}")
    values = ", ".join(f"({_text(status.name)}, {position})" for position, status in enumerate(OrderStatus))
    return (
        f"(SELECT json_agg({_object(pairs)} ORDER BY s.position) FROM (VALUES {values}) AS s(status, position) "
        f"LEFT JOIN ({grouped}) AS c ON c.status = s.status)"
    )
