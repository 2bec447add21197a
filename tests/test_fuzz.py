"""Schemathesis's GraphQL mode against a live server, once per role: generated queries and
mutations (valid ones, and ones with invalid values) must never get a 5xx, a body that is not
JSON, or an error coded INTERNAL_SERVER_ERROR or SERVICE_UNAVAILABLE (the database is up
throughout, so that code would be a masked bug too). A request left unanswered for
REQUEST_TIMEOUT is a finding too, and ends the role's run there (a server that stopped answering
would otherwise keep the run waiting out the timeout once per case).

The seed is fixed, so a run is reproducible; `FUZZ_EXAMPLES` (cases per operation and mode)
and `FUZZ_SEED` explore further from the command line, e.g.
`FUZZ_EXAMPLES=200 FUZZ_SEED=7 .venv/bin/pytest tests/test_fuzz.py`.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis.graphql import nodes
from sqlalchemy import select

from app.auth import mint_token
from app.db import Database
from app.seed import seed_demo_orders
from app.settings import Settings
from domain.ids import to_global_id
from models import (
    ActivityType,
    Campaign,
    CampaignActivity,
    Comment,
    Lead,
    MdfFund,
    Notification,
    Order,
    Organization,
    Portal,
    Quote,
    Service,
    User,
)
from tests.conftest import PARTNER, PROVIDER, SUPPLIER, DatabaseFactory
from tests.servers import LiveServer

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
SEED = int(os.environ.get("FUZZ_SEED", "20250613"))
ROLES = {"supplier": SUPPLIER, "partner": PARTNER, "provider": PROVIDER, "anonymous": None}
FAILING_CODES = {"INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE"}
REQUEST_TIMEOUT = 30  # seconds a request may take before it counts as unanswered
NODES = (
    Portal,
    User,
    ActivityType,
    Service,
    Campaign,
    CampaignActivity,
    MdfFund,
    Order,
    Quote,
    Comment,
    Lead,
    Notification,
)

# Decimal: the one custom scalar schemathesis has no strategy for (NaN, infinities, huge exponents).
# Text: any text; text around one of the characters that break things most often (NUL, line
# breaks and other controls, search-syntax punctuation, letters and symbols that `unaccent` turns
# into punctuation); and long strings. Datetimes: with offsets, up to the edges of the calendar.
TRICKY = "\x00\n\r\t\x1b\x7f\x85\u2028'\"\\&|!:*()<>-^%_\u02bc\u02d0\u2474\u0149"
schemathesis.graphql.scalar(
    "Decimal",
    st.one_of(
        st.decimals().map(str).map(nodes.String),
        st.integers().map(nodes.Int),
    ),
)
schemathesis.graphql.scalar(
    "String",
    st.one_of(
        st.text(max_size=40),
        st.tuples(st.text(max_size=10), st.sampled_from(TRICKY), st.text(max_size=10)).map("".join),
        st.text(st.characters(codec="utf-8", categories=["Cc", "Cf", "Po", "Ps", "Pe", "Sm", "No", "Lm"]), max_size=20),
        st.integers(min_value=1000, max_value=70_000).map(lambda n: "x" * n),
    ).map(nodes.String),
)
# Upload: a file only arrives in a multipart request (tests/test_attachments.py); in a JSON body a
# client can only send something else in its place, which must be refused cleanly.
schemathesis.graphql.scalar("Upload", st.sampled_from([nodes.Null, nodes.String("not a file")]))
schemathesis.graphql.scalar(
    "DateTime",
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()).map(nodes.String),
)


@dataclass
class Target:
    server: LiveServer
    schema: Any
    tokens: dict[str, str | None] = field(default_factory=dict)


@pytest.fixture(scope="module")
async def target(database_factory: DatabaseFactory) -> AsyncIterator[Target]:
    """One server for every role, on a database of its own with the demo orders (the runs
    change them, and add more)."""
    url = await database_factory.fresh()
    # No mutation rate limit: the fuzz should reach the mutations' own checks, not RATE_LIMITED.
    server = LiveServer(url, env={"MUTATION_RATE_LIMIT": ""})
    try:
        settings = Settings(database_url=url)
        db = Database(settings)
        try:
            async with db.write_session() as session:
                await seed_demo_orders(session, db.settings)
            async with db.read_session() as session:
                users = {u.email: u for u in await session.scalars(select(User))}
                ids = {
                    m.__name__: [to_global_id(m.__name__, pk) for pk in await session.scalars(select(m.id))]
                    for m in NODES
                }
                for pk, kind in await session.execute(select(Organization.id, Organization.kind)):
                    ids.setdefault(kind.title(), []).append(to_global_id(kind.title(), pk))
        finally:
            await db.dispose()
        # Ids of real objects among the generated ones, orders the most (most operations take
        # one), so that operations get past "not found".
        schemathesis.graphql.scalar(
            "ID",
            st.one_of(
                st.sampled_from(ids["Order"]).map(nodes.String),
                st.sampled_from(sorted(i for group in ids.values() for i in group)).map(nodes.String),
                st.text(max_size=20).map(nodes.String),
                st.integers().map(nodes.Int),
            ),
        )
        await server.start()
        tokens = {role: email and mint_token(settings, users[email]) for role, email in ROLES.items()}
        schema = schemathesis.graphql.from_url(f"{server.url}/graphql", config=schemathesis.Config())
        yield Target(server, schema, tokens)
    finally:
        await server.stop()
        await database_factory.drop(url)


def problem_of(response: requests.Response) -> str | None:
    """What is wrong with a response, or None."""
    if response.status_code >= 500:
        return f"HTTP {response.status_code}"
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code} with a body that is not JSON"
    errors = body.get("errors") if isinstance(body, dict) else None
    for error in errors or []:
        code = (error.get("extensions") or {}).get("code")
        if code in FAILING_CODES:
            return f"{code} at {'.'.join(map(str, error.get('path') or [])) or 'operation'}"
    return None


@pytest.mark.parametrize("role", ROLES)
def test_generated_operations_never_fail_the_server(role: str, target: Target) -> None:
    token = target.tokens[role]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    findings: dict[tuple[str, str], str] = {}  # (operation, problem) -> the first document and response
    http = requests.Session()
    unanswered = False

    def check(case: Any) -> None:
        nonlocal unanswered
        if unanswered:
            return
        try:
            response = case.call(session=http, headers=headers, timeout=REQUEST_TIMEOUT)
        except requests.RequestException as exc:
            problem, seen = f"no response: {type(exc).__name__}", ""
            # A server that left a request unanswered may answer no other: report it now rather
            # than wait out the timeout of every case still to come.
            unanswered = True
        else:
            problem, seen = problem_of(response), response.text[:600]
        if problem is not None:
            findings.setdefault((case.operation.label, problem), f"{case.body}\n  -> {seen}")

    try:
        operations = [result.ok() for result in target.schema.get_all_operations()]
        for operation, mode in itertools.product(
            operations, (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
        ):
            if unanswered:
                break
            run = seed(SEED)(
                settings(
                    max_examples=EXAMPLES,
                    database=None,
                    deadline=None,
                    phases=[Phase.generate],
                    suppress_health_check=list(HealthCheck),
                )(given(case=operation.as_strategy(generation_mode=mode))(check))
            )
            run()
    finally:
        http.close()
    if findings:
        report = "\n".join(f"{label}: {problem}\n{seen}\n" for (label, problem), seen in sorted(findings.items()))
        errors = [line for line in target.server.output().splitlines() if '"level": "error"' in line]
        pytest.fail(
            f"{len(findings)} finding(s) as {role}:\n{report}\nserver errors logged:\n" + "\n".join(errors)[-4000:],
            pytrace=False,
        )


def test_a_failing_answer_is_recognised() -> None:
    def answer(status: int, body: Any) -> requests.Response:
        response = requests.Response()
        response.status_code = status
        response._content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return response

    assert problem_of(answer(200, {"data": {"viewer": None}})) is None
    assert problem_of(answer(200, {"errors": [{"message": "x", "extensions": {"code": "VALIDATION"}}]})) is None
    assert problem_of(answer(502, b"Bad gateway")) == "HTTP 502"
    assert problem_of(answer(400, b"Bad request")) == "HTTP 400 with a body that is not JSON"
    masked = {
        "errors": [
            {"message": "Internal server error", "path": ["orders"], "extensions": {"code": "INTERNAL_SERVER_ERROR"}}
        ]
    }
    assert problem_of(answer(200, masked)) == "INTERNAL_SERVER_ERROR at orders"
