"""Helpers of the attachment and claim tests: multipart uploads, an order worked to a given point."""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy import update

from models import Portal
from tests.conftest import PARTNER, PROVIDER, SUPPLIER
from tests.ordering import SUBMIT_ORDER, transition_mutation

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
PDF = b"%PDF-1.7\n" + b"1 0 obj << >> endobj\n" * 50 + b"%%EOF\n"
ERRORS = "errors { code message field }"
ATTACHMENT = "id filename contentType size sha256 kind createdAt url uploadedBy { email }"
ADD = f"""
mutation($input: AddAttachmentsInput!) {{
  addAttachments(input: $input) {{ attachments {{ {ATTACHMENT} }} order {{ id }} {ERRORS} }} }}
"""
PREFLIGHT = {"Apollo-Require-Preflight": "true"}


async def upload(
    gql: Any,
    variables: dict[str, Any],
    files: list[tuple[str, bytes, str]],
    *,
    as_: str = PARTNER,
    query: str = ADD,
    headers: dict[str, str] | None = None,
    operations: Any = None,
    files_map: Any = None,
) -> httpx.Response:
    """A GraphQL multipart request: `variables.input.files` gets the files."""
    variables = json.loads(json.dumps(variables))
    variables["input"]["files"] = [None] * len(files)
    ops = operations if operations is not None else {"query": query, "variables": variables}
    mapping = (
        files_map if files_map is not None else {str(i): [f"variables.input.files.{i}"] for i in range(len(files))}
    )
    token = await gql.token(as_)
    return await gql.http.post(
        "/graphql",
        data={"operations": json.dumps(ops), "map": json.dumps(mapping)},
        files=[(str(i), f) for i, f in enumerate(files)],
        headers={"Authorization": f"Bearer {token}", **(PREFLIGHT if headers is None else headers)},
    )


async def attach(
    gql: Any, order_id: str, files: list[tuple[str, bytes, str]], kind: str, *, as_: str = PARTNER, **extra
):
    response = await upload(gql, {"input": {"orderId": order_id, "kind": kind, **extra}}, files, as_=as_)
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body.get("errors"), body
    return body["data"]["addAttachments"]


async def set_portal(db: Any, **values: Any) -> None:
    async with db.write_session() as session:
        await session.execute(update(Portal).where(Portal.name == "Demo Portal").values(**values))


async def order_in_progress(gql: Any, ids: dict[str, str], *, mdf: bool = True) -> str:
    """The demo's fixed-price service ordered (with MDF), approved, accepted and started: its id."""
    extra = {"paymentMethod": "MDF", "mdfFundId": ids["fund"]} if mdf else {"paymentMethod": "PARTNER_FUNDED"}
    submitted = await gql.data(
        SUBMIT_ORDER,
        {
            "input": {
                "serviceId": ids["Social Media Starter Pack"],
                "name": "Files order",
                "origin": "MARKETPLACE",
                **extra,
            }
        },
    )
    order_id = submitted["submitOrder"]["order"]["id"]
    for name, user in (("approveOrder", SUPPLIER), ("acceptOrder", PROVIDER), ("startWork", PROVIDER)):
        mutation = transition_mutation(name, name[0].upper() + name[1:] + "Input")
        result = await gql.data(mutation, {"input": {"orderId": order_id}}, as_=user)
        assert result[name]["errors"] == [], result
    return order_id


async def run(gql: Any, name: str, input_type: str, input: dict, *, as_: str) -> dict:
    return (await gql.data(transition_mutation(name, input_type), {"input": input}, as_=as_))[name]
