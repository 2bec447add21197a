"""Helpers of the administration tests: run a mutation, expect success or a refusal."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from models import AuditEntry


async def ok(gql: Any, mutation: str, input: dict, selection: str, *, as_: str) -> dict:
    """Run `mutation(input:)` as `as_`; assert it succeeded; its payload."""
    body = await gql(
        f"mutation($input: {mutation[0].upper()}{mutation[1:]}Input!) {{ {mutation}(input: $input) "
        f"{{ {selection} errors {{ code message field }} }} }}",
        {"input": input},
        as_=as_,
    )
    assert not body.get("errors"), body["errors"]
    payload = body["data"][mutation]
    assert payload["errors"] == [], payload["errors"]
    return payload


async def refused(gql: Any, mutation: str, input: dict, *, as_: str) -> dict:
    """Run `mutation(input:)` as `as_`; assert it was refused with one error; that error."""
    body = await gql(
        f"mutation($input: {mutation[0].upper()}{mutation[1:]}Input!) {{ {mutation}(input: $input) "
        f"{{ errors {{ code message field }} }} }}",
        {"input": input},
        as_=as_,
    )
    assert not body.get("errors"), body["errors"]
    errors = body["data"][mutation]["errors"]
    assert len(errors) >= 1, f"{mutation} was not refused"
    return errors[0]


async def audit_count(db: Any) -> int:
    async with db.read_session() as session:
        return int(await session.scalar(select(func.count()).select_from(AuditEntry)) or 0)
