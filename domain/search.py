"""Keyword search over orders with the database's full-text index.

The index (`order_search`, made by the 0001 migration, rebuilt by 0006, kept in step by
triggers) holds the order's name and description and its provider's, service's and partner's
names: an FTS5 table on SQLite, a tsvector with a GIN index on PostgreSQL (the provider's name
weighted B, the rest A). Every word the user typed must match the start of a word ("optim"
finds "Optimise"). Callers AND the clause with the viewer's scope, and leave the provider's
name out for provider viewers (`provider_names=False`): on a quote request it is the service's
provider, who may be a rival, and a provider never finds an order by a rival's name.

No input can reach FTS5 or tsquery syntax: each word is a quoted prefix token. On PostgreSQL
the quoting happens after `unaccent`, which turns some letters into syntax (`ʼ` into `'`,
`⑴` into `(1)`).
"""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, String, bindparam, column, func, literal, literal_column, select, table
from sqlalchemy.ext.asyncio import AsyncSession

from models import Order

MAX_TERMS = 20
MAX_SEARCH_LENGTH = 200  # characters of a search string (orders, services, providers)
# Above this many matching orders (SQLite), walking the list's sort index and probing the
# matches beats reading every match and sorting them (see `order_search_clause`).
BROAD_SEARCH = 2000
_WORD = re.compile(r"[^\W_]+")  # letters and digits, as the FTS tokenizers split words

_sqlite_index = table("order_search", column("rowid"))
_postgresql_index = table("order_search", column("order_id"), column("document"))


def search_terms(text: str | None) -> list[str]:
    """The words of a search string; none means no search."""
    return [word.lower() for word in _WORD.findall(text or "")][:MAX_TERMS]


def _sqlite_query(terms: list[str], provider_names: bool = True) -> str:
    # Each word a quoted prefix token: user input can never be read as FTS5 syntax.
    words = " ".join(f'"{term}"*' for term in terms)
    return words if provider_names else f"{{name description service_name partner_name}} : ({words})"


def _sqlite_matching(terms: list[str], provider_names: bool = True):
    return select(_sqlite_index.c.rowid).where(
        literal_column("order_search").op("MATCH")(
            bindparam("order_search_query", _sqlite_query(terms, provider_names))
        )
    )


async def is_broad(session: AsyncSession, text: str | None, dialect: str, provider_names: bool = True) -> bool:
    """Whether a search matches so many orders that the list should be read in sort order
    (SQLite only; PostgreSQL's planner has statistics for its GIN index)."""
    terms = search_terms(text)
    if not terms or dialect != "sqlite":
        return False
    matches = await session.execute(
        select(func.count()).select_from(_sqlite_matching(terms, provider_names).limit(BROAD_SEARCH + 1).subquery())
    )
    return matches.scalar_one() > BROAD_SEARCH


def order_search_clause(
    text: str | None, dialect: str, broad: bool = False, *, provider_names: bool = True
) -> ColumnElement[bool] | None:
    """`Order.id IN (matching orders)`, or None when there is nothing to search for.

    `broad` (see `is_broad`): on SQLite the id is written `+provider_order.id`, which keeps
    the planner from driving the query from the matches; it walks the (scope, sort, id) index
    instead and stops after a page, rather than fetching and sorting thousands of matches.
    """
    terms = search_terms(text)
    if not terms:
        return None
    if dialect == "sqlite":
        matching = _sqlite_matching(terms, provider_names)
        if broad:
            return literal_column(f"+{Order.__tablename__}.id").in_(matching)
    else:
        query = _postgresql_query(terms, "A" if not provider_names else "")
        matching = select(_postgresql_index.c.order_id).where(
            _postgresql_index.c.document.op("@@")(func.to_tsquery(literal_column("'simple'"), query))
        )
    return Order.id.in_(matching)


def _postgresql_query(terms: list[str], weights: str = "") -> ColumnElement[str]:
    """`'term1 ':* & 'term2 ':*`, each term unaccented, then quoted as a tsquery lexeme
    (quotes and backslashes doubled). The space keeps a term that unaccent leaves without
    letters from being the empty lexeme `''`, a syntax error; the parser drops it. `weights`:
    match only lexemes of these weights (`'term ':*A`)."""
    parts = []
    for i, term in enumerate(terms):
        text = func.unaccent(bindparam(f"order_search_term_{i}", term, type_=String))
        escaped = func.replace(func.replace(text, "\\", "\\\\"), "'", "''")
        parts.append(literal("'", String) + escaped + literal(f" ':*{weights}", String))
    query = parts[0]
    for part in parts[1:]:
        query = query + literal(" & ", String) + part
    return query
