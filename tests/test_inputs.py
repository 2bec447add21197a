"""Bad input anywhere gives a 400 with a GraphQL error body, a GraphQL error with a code, or a
typed UserError: never a 500, a masked INTERNAL_SERVER_ERROR or a database error."""

from __future__ import annotations

import json
import random

import pytest
from sqlalchemy import func, select

from domain.errors import DomainError
from domain.ids import to_global_id
from domain.validation import email_address
from models import Comment, Lead, OrderStatus
from tests import factories
from tests.conftest import PARTNER, SUPPLIER
from tests.ordering import ERRORS

HEADERS = {"content-type": "application/json"}


async def post(client, gql, body: bytes | str, *, as_: str | None = PARTNER):
    headers = dict(HEADERS)
    if as_ is not None:
        headers["Authorization"] = f"Bearer {await gql.token(as_)}"
    return await client.post("/graphql", content=body, headers=headers)


def body_of(query: str, variables: dict | None = None) -> str:
    """JSON with every non-ASCII character escaped: lone surrogates survive as `\\udXXX`."""
    return json.dumps({"query": query, "variables": variables or {}})


VIEWER = '"query": "{ viewer { user { id } } }"'


@pytest.mark.parametrize(
    "body",
    [
        b'{"query": "{ viewer { user { id } } }", "extensions": {"x": "\xff\xfe"}}',  # not UTF-8
        b"\xef\xbb\xbf\xff",
        b"1",
        b'"x"',
        b"null",
        b"true",
        b"[]",
        b"[1]",
        b"[" * 100_000,  # deeper than the JSON decoder recurses
        ("{" + VIEWER + ', "variables": {"a": ' + "[" * 100_000 + "]" * 100_000 + "}}").encode(),
        b'{"query": 1}',
        ("{" + VIEWER + ', "variables": {"n": ' + "1" * 5000 + "}}").encode(),  # more digits than Python converts
        ("{" + VIEWER + ', "variables": []}').encode(),
        ("{" + VIEWER + ', "operationName": 1}').encode(),
        ("{" + VIEWER + ', "operationName": ["a"]}').encode(),
        ("{" + VIEWER + ', "operationName": {"a": 1}}').encode(),
    ],
    ids=[
        "latin1",
        "bom-then-garbage",
        "number",
        "string",
        "null",
        "true",
        "empty-list",
        "list",
        "deep-array",
        "deep-variables",
        "long-number",
        "query-number",
        "variables-list",
        "operation-number",
        "operation-list",
        "operation-object",
    ],
)
async def test_malformed_bodies_are_400_with_a_graphql_error(client, gql, body: bytes) -> None:
    response = await post(client, gql, body)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/json")
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert error["message"]


async def test_a_subscription_over_http_is_405(client, gql) -> None:
    response = await post(client, gql, body_of("subscription { orderEvents { __typename } }"))
    assert response.status_code == 405, response.text
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "METHOD_NOT_ALLOWED"
    assert "WebSocket" in error["message"]


# Text that once reached the databases' search syntax or failed in them: characters `unaccent`
# turns into tsquery syntax, FTS5 and LIKE syntax, quotes, backslashes, control characters.
NASTY = [
    "ʼ",
    "ː",
    "⑴",
    "ŉ",
    "donʼt",
    "ŉ⑴ːʼ",
    "a'b",
    "''",
    "\\",
    "a\\'b",
    "(",
    ")",
    "a & b",
    "a | b",
    "!a",
    "a:*",
    "a <-> b",
    "<1>",
    "*",
    '"',
    '""',
    'a"b',
    "NEAR(a b)",
    "a AND b OR NOT c",
    "^a",
    "a:b",
    "col:val",
    "-a",
    "+a",
    "%",
    "_",
    "%_%",
    "[a]",
    "{a}",
    "a\tb",
    "a\nb",
    "\x7f",
    "\u200b",
    "\ufeff",
    "ǅ",
    "Ⅻ",
    "½",
    "²",
    "ﬁ",
    "Æ",
    "ß",
    "℡",
    "㈱",
    "㍱",
    "⒜",
    "⓪",
    "🙂",
    "e\u0301",
    "İ",
    "ﷺ",
    "﴾",
    "﹙",
    "（",
    "＂",
    "＇",
    "＼",
    "＆",
    "｜",
    "！",
    "：",
    "＊",
    "‹›«»",
    "‘’‚‛“”„",
    "′″",
    "ꞌ",
    "ʻ",
    "ˈ",
    "ˮ",
    "ʹ",
    "ʺ",
    "ǀ",
    "ǃ",
    "ꓸ",
    "Москва",
    "東京",
    "x" * 200,
    " ".join(["ʼ"] * 60),
]


def generated(count: int, seed: int = 13) -> list[str]:
    """Random strings over punctuation and the letters, digits and symbols near it in Unicode."""
    rng = random.Random(seed)
    pool = (
        [chr(c) for c in range(0x20, 0x250)]
        + [chr(c) for c in range(0x2B0, 0x370)]
        + [chr(c) for c in range(0x2000, 0x2500)]
        + [chr(c) for c in range(0xFB00, 0xFB50)]
        + [chr(c) for c in range(0xFE10, 0xFF70)]
    )
    return ["".join(rng.choice(pool) for _ in range(rng.randint(1, 12))) for _ in range(count)]


SEARCH = """query($s: String) {
  orders(filter: {search: $s}) { totalCount edges { node { id } } }
  services(filter: {search: $s}) { totalCount }
  providers(filter: {search: $s}) { totalCount }
}"""


async def test_no_search_string_errs(gql) -> None:
    for text in NASTY + generated(150):
        body = await gql(SEARCH, {"s": text}, as_=SUPPLIER)
        assert "errors" not in body, (text, body["errors"])


async def test_search_still_finds_words_next_to_letters_unaccent_expands(gql, db) -> None:
    async with db.write_session() as session:
        await factories.make_order(session, name="Donʼt stop ⑴ café")
    for text in ("donʼt", "don", "cafe", "CAFÉ stop"):
        data = await gql.data(SEARCH, {"s": text}, as_=SUPPLIER)
        assert data["orders"]["totalCount"] == 1, text


@pytest.mark.parametrize("text", ["a\x00b", "a\ud800b", "\udfff", "x" * 201, "x" * 60_000])
async def test_bad_search_strings_are_bad_user_input(client, gql, text: str) -> None:
    for field in ("orders", "services", "providers"):
        response = await post(
            client,
            gql,
            body_of(f"query($s: String) {{ {field}(filter: {{search: $s}}) {{ totalCount }} }}", {"s": text}),
        )
        [error] = response.json()["errors"]
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "search"}, (field, error)
        assert text not in error["message"]


@pytest.mark.parametrize(
    ("argument", "values"),
    [
        ("statuses", ["DENIED"] * 25_000),
        ("paymentMethods", ["MDF"] * 35_000),
        ("origins", ["MARKETPLACE"] * 101),
        ("providerIds", ["x"] * 101),
    ],
)
async def test_long_list_filters_are_refused_before_any_sql(
    client, gql, sql_counter, argument: str, values: list
) -> None:
    types = {
        "statuses": "[OrderStatus!]",
        "paymentMethods": "[PaymentMethod!]",
        "origins": "[OrderOrigin!]",
        "providerIds": "[ID!]",
    }
    query = f"query($v: {types[argument]}) {{ orders(filter: {{{argument}: $v}}) {{ totalCount }} }}"
    token = await gql.token(SUPPLIER)
    with sql_counter:
        response = await client.post(
            "/graphql",
            content=json.dumps({"query": query, "variables": {"v": values}}, separators=(",", ":")),
            headers={**HEADERS, "Authorization": f"Bearer {token}"},
        )
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": argument}
    assert sql_counter.count <= 1  # the viewer's lookup only


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00", "2300-01-01T00:00:00Z"])
@pytest.mark.parametrize("end", ["from", "to"])
async def test_times_in_filters_are_range_checked_after_conversion_to_utc(gql, when: str, end: str) -> None:
    body = await gql(
        "query($t: DateTime) { orders(filter: {submitted: {" + end + ": $t}}) { totalCount } }",
        {"t": when},
        as_=SUPPLIER,
    )
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": f"submitted.{end}"}


async def test_times_near_the_ends_of_the_window_still_filter(gql, db) -> None:
    async with db.write_session() as session:
        await factories.make_order(session)
    body = await gql.data(
        '{ orders(filter: {submitted: {from: "1900-01-01T05:00:00+05:00", '
        'to: "2199-12-31T23:00:00-00:30"}}) { totalCount } }',
        as_=SUPPLIER,
    )
    assert body["orders"]["totalCount"] == 1


async def test_unpaired_surrogates_in_mutation_text_are_refused(client, gql, db) -> None:
    async with db.write_session() as session:
        order = await factories.make_order(session, status=OrderStatus.IN_PROGRESS)
    query = f"mutation($i: AddCommentInput!) {{ addComment(input: $i) {{ comment {{ id }} {ERRORS} }} }}"
    for text in ("a\ud800b", "\udfff"):
        response = await post(
            client, gql, body_of(query, {"i": {"orderId": to_global_id("Order", order.id), "body": text}})
        )
        [error] = response.json()["data"]["addComment"]["errors"]
        assert (error["code"], error["field"]) == ("VALIDATION", ["input", "body"])
    # Several lines are fine in a comment.
    body = await gql(query, {"i": {"orderId": to_global_id("Order", order.id), "body": "Line one\r\n\tline two"}})
    assert body["data"]["addComment"]["errors"] == []
    async with db.read_session() as session:
        assert await session.scalar(select(func.count()).where(Comment.order_id == order.id)) == 1


async def test_archived_orders_take_no_comments_and_no_lead_updates(gql, db) -> None:
    async with db.write_session() as session:
        order = await factories.make_order(session, status=OrderStatus.ARCHIVED, with_details=True)
        lead_id = (await session.scalars(select(Lead.id).where(Lead.order_id == order.id))).one()
    order_id = to_global_id("Order", order.id)
    before = await gql.data(
        "query($id: ID!) { node(id: $id) { ... on Order { version commentCount leads { status } } } }", {"id": order_id}
    )
    comment = await gql.data(
        f"mutation($i: AddCommentInput!) {{ addComment(input: $i) {{ comment {{ id }} {ERRORS} }} }}",
        {"i": {"orderId": order_id, "body": "Still there?"}},
    )
    assert [(e["code"], e["field"]) for e in comment["addComment"]["errors"]] == [
        ("INVALID_TRANSITION", ["input", "orderId"])
    ]
    lead = await gql.data(
        f"mutation($i: UpdateLeadInput!) {{ updateLead(input: $i) {{ lead {{ id }} {ERRORS} }} }}",
        {"i": {"leadId": to_global_id("Lead", lead_id), "status": "CONVERTED"}},
    )
    assert [(e["code"], e["field"]) for e in lead["updateLead"]["errors"]] == [
        ("INVALID_TRANSITION", ["input", "leadId"])
    ]
    after = await gql.data(
        "query($id: ID!) { node(id: $id) { ... on Order { version commentCount leads { status } } } }", {"id": order_id}
    )
    assert after == before


TEXT_ARGUMENTS = [
    "query($s: ID!) { node(id: $s) { id } }",
    "query($s: ID!) { nodes(ids: [$s, $s]) { id } }",
    "query($s: String) { orders(after: $s) { totalCount } }",
    "query($s: String) { orders(before: $s, last: 1) { totalCount } }",
    "query($s: String) { services(after: $s) { totalCount } }",
    "query($s: String) { notifications(after: $s) { totalCount } }",
    "query($s: ID) { deliveryFailures(orderId: $s) { totalCount } }",
    "query($s: [ID!]) { orders(filter: {providerIds: $s}) { totalCount } }",
    "query($s: [ID!]) { services(filter: {providerIds: $s, activityTypeIds: $s}) { totalCount } }",
]


@pytest.mark.parametrize("query", TEXT_ARGUMENTS)
async def test_text_arguments_never_reach_an_internal_error(client, gql, query: str) -> None:
    for text in ("\x00", "a\x00b", "\ud800", "a\udfffb", "\n\r\t", "ʼ⑴", "x" * 5000, ""):
        value = [text] if "[ID!]" in query else text
        response = await post(client, gql, body_of(query, {"s": value}), as_=SUPPLIER)
        assert response.status_code == 200, (text, response.text)
        for error in response.json().get("errors", []):
            assert error.get("extensions", {}).get("code") not in ("INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE"), (
                text,
                error,
            )


@pytest.mark.parametrize("value", ["garbage", "2026-13-45T00:00:00"])
async def test_unparsable_times_do_not_echo_the_parser(gql, value: str) -> None:
    body = await gql(
        "query($t: DateTime) { orders(filter: {submitted: {from: $t}}) { totalCount } }", {"t": value}, as_=SUPPLIER
    )
    [error] = body["errors"]
    assert error["message"] == f"Variable '$t' has invalid value: Value cannot represent a DateTime: \"{value}\"."


def test_a_refused_address_is_not_echoed_with_the_validator_text() -> None:
    with pytest.raises(DomainError) as refused:
        email_address("x" * 5000 + "@", ["input", "email"])
    assert refused.value.message == "not a valid e-mail address"
