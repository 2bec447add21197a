"""The in-database JSON floor (a benchmark server, not part of the app).

    .venv/bin/python bench/json_floor.py --database-url postgresql://... --port 8099 --portal 1

A bare Starlette app on asyncpg, served by uvicorn like `serve`: each endpoint runs ONE
hand-written statement that builds the whole response with `json_build_object`/`json_agg`
and sends its bytes as they come. No authentication, no GraphQL. The same answers as the
app's for the scenarios of `bench/orders_list.py --throughput` (as the bench supplier, who
sees the whole portal): global ids, date-times, money and signed cursors written in SQL.

    POST /first            the first page of 50, nested
    POST /deep?after=V,ID  page 1,000: the 50 orders after (submitted_at, id)
    POST /search?q=WORD    the first page of a keyword search
    POST /counts           totalCount and statusCounts of the whole list
    POST /detail?id=ID     one order with 50 comments, 50 leads, status history, quotes
"""

# ruff: noqa: E501  (the statements are SQL text, kept one clause a line)
from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import sys
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import asyncpg
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from models import OrderStatus

ISO = "to_char({c} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN to_char({c} AT TIME ZONE 'UTC', 'US') = '000000' THEN '' ELSE to_char({c} AT TIME ZONE 'UTC', '.US') END || '+00:00'"


def iso(column: str) -> str:
    return "(" + ISO.format(c=column) + ")"


def gid(type_name: str, column: str) -> str:
    return f"encode(convert_to('{type_name}:' || {column}, 'UTF8'), 'base64')"


def money(amount: str, currency: str) -> str:
    return f"CASE WHEN {amount} IS NULL THEN NULL ELSE json_build_object('amount', ({amount}::numeric * 0.01)::text, 'currency', {currency}) END"


def signed(tag: str, value: str, pk: str) -> str:
    """The app's cursor: base64url(payload) "." base64url(HMAC-SHA256[:12]) ($2, $3: the key's pads)."""
    payload = f"convert_to('[\"{tag}\",\"' || {value} || '\",' || {pk} || ']', 'UTF8')"
    return (
        f"(rtrim(translate(replace(encode({payload}, 'base64'), E'\\n', ''), '+/', '-_'), '=') || '.' || "
        f"translate(encode(substring(sha256($3::bytea || sha256($2::bytea || {payload})) from 1 for 12), 'base64'), '+/', '-_'))"
    )


NODE = f"""json_build_object(
  'id', {gid("Order", "e.id")}, 'name', e.name, 'status', e.status, 'paymentMethod', e.payment_method,
  'submittedAt', {iso("e.submitted_at")}, 'lastActivityAt', {iso("e.last_activity_at")},
  'estimatedCompletionOn', to_char(e.estimated_completion_on, 'YYYY-MM-DD'),
  'rate', {money("e.rate", "e.currency")},
  'provider', (SELECT json_build_object('id', {gid("Provider", "x.id")}, 'name', x.name) FROM organization x WHERE x.id = e.provider_id),
  'service', (SELECT json_build_object('id', {gid("Service", "x.id")}, 'name', x.name) FROM service x WHERE x.id = e.service_id),
  'partner', (SELECT json_build_object('id', {gid("Partner", "x.id")}, 'name', x.name) FROM organization x WHERE x.id = e.partner_id),
  'latestQuote', (SELECT json_build_object('id', {gid("Quote", "q.id")}, 'status', q.status, 'total', {money("q.total", "q.currency")})
                  FROM quote q WHERE q.order_id = e.id ORDER BY q.submitted_at DESC, q.id DESC LIMIT 1),
  'commentCount', e.comment_count, 'leadCount', e.lead_count)"""


def page_sql(where: str) -> str:
    """The first 50 orders of the portal ($1) matching `where`, newest first, as the list's JSON."""
    return f"""
WITH p AS (SELECT * FROM provider_order WHERE portal_id = $1 {where} ORDER BY submitted_at DESC, id DESC LIMIT 51),
e AS (SELECT p.*, row_number() OVER (ORDER BY p.submitted_at DESC, p.id DESC) AS rn FROM p)
SELECT json_build_object('data', json_build_object('orders', json_build_object(
  'pageInfo', json_build_object('hasNextPage', (SELECT count(*) > 50 FROM e),
                                'endCursor', (SELECT {signed("SUBMITTED_AT:DESC", iso("e.submitted_at"), "e.id")} FROM e WHERE rn <= 50 ORDER BY rn DESC LIMIT 1)),
  'edges', coalesce((SELECT json_agg(json_build_object('cursor', {signed("SUBMITTED_AT:DESC", iso("e.submitted_at"), "e.id")}, 'node', {NODE}) ORDER BY e.rn)
                     FROM e WHERE e.rn <= 50), '[]'::json))))::text"""


STATUSES = ", ".join(f"('{s.name}', {i})" for i, s in enumerate(OrderStatus))
COUNTS = f"""
SELECT json_build_object('data', json_build_object('orders', json_build_object(
  'totalCount', (SELECT count(*) FROM provider_order WHERE portal_id = $1),
  'statusCounts', (SELECT json_agg(json_build_object('status', s.status, 'count', coalesce(c.n, 0)) ORDER BY s.position)
                   FROM (VALUES {STATUSES}) AS s(status, position)
                   LEFT JOIN (SELECT status, count(*) AS n FROM provider_order WHERE portal_id = $1 GROUP BY status) c
                   ON c.status = s.status))))::text"""

DETAIL = f"""
SELECT json_build_object('data', json_build_object('node', (SELECT json_build_object(
  'id', {gid("Order", "e.id")}, 'name', e.name, 'description', e.description, 'status', e.status,
  'paymentMethod', e.payment_method, 'submittedAt', {iso("e.submitted_at")}, 'lastActivityAt', {iso("e.last_activity_at")},
  'estimatedCompletionOn', to_char(e.estimated_completion_on, 'YYYY-MM-DD'), 'rate', {money("e.rate", "e.currency")},
  'provider', (SELECT json_build_object('id', {gid("Provider", "x.id")}, 'name', x.name) FROM organization x WHERE x.id = e.provider_id),
  'service', (SELECT json_build_object('id', {gid("Service", "x.id")}, 'name', x.name) FROM service x WHERE x.id = e.service_id),
  'partner', (SELECT json_build_object('id', {gid("Partner", "x.id")}, 'name', x.name) FROM organization x WHERE x.id = e.partner_id),
  'commentCount', e.comment_count, 'leadCount', e.lead_count,
  'commentsConnection', json_build_object('totalCount', e.comment_count, 'edges', (
      SELECT coalesce(json_agg(json_build_object('node', json_build_object('id', {gid("Comment", "c.id")}, 'body', c.body,
             'createdAt', {iso("c.created_at")},
             'author', (SELECT json_build_object('id', {gid("User", "u.id")}, 'name', u.name) FROM user_account u WHERE u.id = c.author_id)))
             ORDER BY c.created_at, c.id), '[]'::json)
      FROM (SELECT * FROM comment WHERE order_id = e.id ORDER BY created_at DESC, id DESC LIMIT 50) c)),
  'leadsConnection', json_build_object('totalCount', e.lead_count, 'edges', (
      SELECT coalesce(json_agg(json_build_object('node', json_build_object('id', {gid("Lead", "l.id")}, 'name', l.name,
             'email', l.email, 'company', l.company, 'status', l.status, 'createdAt', {iso("l.created_at")}))
             ORDER BY l.created_at, l.id), '[]'::json)
      FROM (SELECT * FROM lead WHERE order_id = e.id ORDER BY created_at, id LIMIT 50) l)),
  'statusHistory', coalesce((SELECT json_agg(json_build_object('from', s.from_status, 'to', s.to_status, 'reason', s.reason,
             'at', {iso("s.at")}) ORDER BY s.at, s.id) FROM status_change s WHERE s.order_id = e.id), '[]'::json),
  'quotes', coalesce((SELECT json_agg(json_build_object('id', {gid("Quote", "q.id")}, 'status', q.status,
             'total', {money("q.total", "q.currency")}, 'submittedAt', {iso("q.submitted_at")}) ORDER BY q.submitted_at, q.id)
             FROM quote q WHERE q.order_id = e.id), '[]'::json))
  FROM provider_order e WHERE e.id = $1 AND e.portal_id = $2)))::text"""


def pads(secret: str) -> tuple[bytes, bytes]:
    key = hashlib.sha256(("cursor:" + secret).encode()).digest().ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def build(database_url: str, portal: int, secret: str) -> Starlette:
    inner, outer = pads(secret)
    state: dict[str, asyncpg.Pool] = {}
    first, deep = page_sql(""), page_sql("AND (submitted_at, id) < ($4::timestamptz, $5::bigint)")
    search = page_sql("AND id IN (SELECT order_id FROM order_search WHERE document @@ to_tsquery('simple', $4))")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state["pool"] = await asyncpg.create_pool(database_url, min_size=10, max_size=10)
        yield
        await state["pool"].close()

    def answer(body: str) -> Response:
        return Response(body, media_type="application/json")

    async def first_page(request: Request) -> Response:
        return answer(await state["pool"].fetchval(first, portal, inner, outer))

    async def deep_page(request: Request) -> Response:
        value, pk = request.query_params["after"].rsplit(",", 1)
        return answer(await state["pool"].fetchval(deep, portal, inner, outer, datetime.fromisoformat(value), int(pk)))

    async def search_page(request: Request) -> Response:
        words = " & ".join(f"'{w} ':*" for w in request.query_params["q"].split())
        return answer(await state["pool"].fetchval(search, portal, inner, outer, words))

    async def counts(request: Request) -> Response:
        return answer(await state["pool"].fetchval(COUNTS, portal))

    async def detail(request: Request) -> Response:
        return answer(await state["pool"].fetchval(DETAIL, int(request.query_params["id"]), portal))

    async def ready(request: Request) -> Response:
        return Response("ok")

    routes = [
        Route("/readyz", ready),
        Route("/first", first_page, methods=["POST"]),
        Route("/deep", deep_page, methods=["POST"]),
        Route("/search", search_page, methods=["POST"]),
        Route("/counts", counts, methods=["POST"]),
        Route("/detail", detail, methods=["POST"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="postgresql://... (asyncpg's form)")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--portal", type=int, required=True)
    args = parser.parse_args()
    secret = os.environ["JWT_SECRET"]
    uvicorn.run(build(args.database_url, args.portal, secret), host="127.0.0.1", port=args.port, log_config=None)


if __name__ == "__main__":
    main()
