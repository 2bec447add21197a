"""Files on orders, comments and quotes: multipart uploads, limits, visibility, signed downloads."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.settings import Settings
from domain import downloads
from models import Attachment, User
from models.base import utcnow
from tests.conftest import OUTSIDER, PARTNER, PARTNER2, PROVIDER, PROVIDER2, SUPPLIER
from tests.files import ADD, ATTACHMENT, PDF, PNG, attach, order_in_progress, upload
from tests.ordering import SUBMIT_ORDER, demo_ids, make_fund_valid_today, pk_of

pytestmark = pytest.mark.usefixtures("no_list")

NODE = f"query($id: ID!) {{ node(id: $id) {{ ... on Attachment {{ {ATTACHMENT} }} }} }}"
ORDER_FILES = f"query($id: ID!) {{ node(id: $id) {{ ... on Order {{ attachments {{ {ATTACHMENT} }} }} }} }}"
REMOVE = "mutation($input: RemoveAttachmentInput!) { removeAttachment(input: $input) { errors { code message } } }"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        PROVIDER_ORDERS_ENV="test",
        file_storage_path=tmp_path / "files",
        max_upload_mb=1,
        max_upload_files=3,
    )


@pytest.fixture
async def ids(gql, db):
    await make_fund_valid_today(db)
    return await demo_ids(gql)


def stored_files(settings: Settings) -> list[Path]:
    root = Path(settings.file_storage_path)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


async def attachment_rows(db) -> int:
    async with db.read_session() as session:
        return await session.scalar(select(func.count()).select_from(Attachment))


async def test_upload_then_download_with_safe_headers(gql, ids, settings) -> None:
    order_id = await order_in_progress(gql, ids)
    payload = await attach(gql, order_id, [("logo.png", PNG, "image/png"), ("brief.pdf", PDF, "text/plain")], "BRIEF")
    assert payload["errors"] == [] and payload["order"] == {"id": order_id}
    logo, brief = payload["attachments"]
    assert (logo["filename"], logo["contentType"], logo["size"], logo["kind"]) == (
        "logo.png",
        "image/png",
        len(PNG),
        "BRIEF",
    )
    assert logo["sha256"] == hashlib.sha256(PNG).hexdigest()
    # The declared type is not trusted: the bytes say PDF.
    assert brief["contentType"] == "application/pdf"
    assert logo["uploadedBy"] == {"email": PARTNER}
    assert len(stored_files(settings)) == 2

    # Everyone who sees the whole order sees its files; nobody else.
    for user in (PARTNER, SUPPLIER, PROVIDER):
        listed = (await gql.data(ORDER_FILES, {"id": order_id}, as_=user))["node"]["attachments"]
        assert [a["filename"] for a in listed] == ["logo.png", "brief.pdf"]
    for user in (PARTNER2, PROVIDER2, OUTSIDER):
        assert (await gql.data(NODE, {"id": logo["id"]}, as_=user))["node"] is None

    response = await gql.http.get(logo["url"])
    assert response.status_code == 200
    assert response.content == PNG
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-disposition"].startswith('attachment; filename="logo.png"')
    assert response.headers["x-content-type-options"] == "nosniff"

    # A tampered link, an expired one, and another attachment's id in a signed link: 403.
    token = logo["url"].rsplit("/", 1)[1]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert (await gql.http.get(f"/files/{tampered}")).status_code == 403
    partner_pk = pk_of(logo["id"])
    async with gql.db.read_session() as session:
        partner = await session.scalar(select(User).where(User.email == PARTNER))
    expired = downloads.sign(
        settings.jwt_secret, downloads.Link(partner.id, 0, partner_pk), utcnow() - timedelta(seconds=1)
    )
    assert (await gql.http.get(f"/files/{expired}")).status_code == 403
    # A link minted for a user who may not see the file (signed properly): 403, access is re-checked.
    async with gql.db.read_session() as session:
        other = await session.scalar(select(User).where(User.email == PARTNER2))
    foreign = downloads.sign(
        settings.jwt_secret, downloads.Link(other.id, 0, partner_pk), utcnow() + timedelta(minutes=1)
    )
    assert (await gql.http.get(f"/files/{foreign}")).status_code == 403


async def test_remove_attachment(gql, ids, settings, db) -> None:
    order_id = await order_in_progress(gql, ids)
    logo = (await attach(gql, order_id, [("logo.png", PNG, "image/png")], "ASSET"))["attachments"][0]
    # Another party's id reads as not found; the provider sees it but did not upload it.
    refused = (await gql.data(REMOVE, {"input": {"attachmentId": logo["id"]}}, as_=PARTNER2))["removeAttachment"]
    assert refused["errors"][0]["code"] == "NOT_FOUND"
    refused = (await gql.data(REMOVE, {"input": {"attachmentId": logo["id"]}}, as_=PROVIDER))["removeAttachment"]
    assert refused["errors"][0]["code"] == "FORBIDDEN"
    assert len(stored_files(settings)) == 1
    done = (await gql.data(REMOVE, {"input": {"attachmentId": logo["id"]}}, as_=PARTNER))["removeAttachment"]
    assert done["errors"] == []
    assert stored_files(settings) == [] and await attachment_rows(db) == 0
    assert (await gql.http.get(logo["url"])).status_code == 403


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([("tool.exe", b"MZ\x90\x00\x03" + bytes(300), "application/octet-stream")], "not an allowed type"),
        ([("empty.txt", b"", "text/plain")], "is empty"),
        ([("../../etc/passwd.txt", b"root", "text/plain")], "must not contain a path"),
        ([("photo.pdf", PNG, "application/pdf")], "is not a .pdf file"),
        ([("script.svg", b"<svg onload=alert(1)>", "image/svg+xml")], "not allowed"),
    ],
)
async def test_refused_files_leave_nothing(gql, ids, settings, db, files, message) -> None:
    order_id = await order_in_progress(gql, ids)
    # A good file first: the refusal of the second must remove it too.
    response = await upload(
        gql, {"input": {"orderId": order_id, "kind": "ASSET"}}, [("ok.png", PNG, "image/png"), *files]
    )
    assert response.status_code == 200, response.text
    errors = response.json()["data"]["addAttachments"]["errors"]
    assert errors[0]["code"] == "VALIDATION" and message in errors[0]["message"], errors
    assert stored_files(settings) == [] and await attachment_rows(db) == 0


async def test_limits_and_malformed_requests(gql, ids, settings, db) -> None:
    order_id = await order_in_progress(gql, ids)
    variables = {"input": {"orderId": order_id, "kind": "ASSET"}}
    big = b"a" * (settings.max_upload_bytes + 1)
    response = await upload(gql, variables, [("big.txt", big, "text/plain")])
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "VALIDATION"
    assert "over the limit" in response.json()["errors"][0]["message"]
    # Each file under the limit, together over it.
    half = b"b" * (settings.max_upload_bytes // 2 + 10)
    response = await upload(gql, variables, [("a.txt", half, "text/plain"), ("b.txt", half, "text/plain")])
    assert response.status_code == 413 and "add up" in response.json()["errors"][0]["message"]
    response = await upload(
        gql, variables, [(f"{i}.png", PNG, "image/png") for i in range(settings.max_upload_files + 1)]
    )
    assert response.status_code == 413 and "at most 3 files" in response.json()["errors"][0]["message"]

    cases = [
        ({"files_map": {}}, "is not in `map`"),
        ({"files_map": {"0": ["variables.input.nothing.0"]}}, "does not name"),
        ({"files_map": {"0": ["variables.input.files.0"], "7": ["variables.input.files.1"]}}, "does not have"),
        ({"operations": "not an object"}, "must be a JSON object"),
        ({"headers": {}}, "CSRF"),
    ]
    for kwargs, message in cases:
        response = await upload(gql, variables, [("ok.png", PNG, "image/png")], **kwargs)
        assert response.status_code == 400, (kwargs, response.text)
        assert message in response.json()["errors"][0]["message"], (kwargs, response.text)
    token = await gql.token(PARTNER)
    missing_map = await gql.http.post(
        "/graphql",
        data={"operations": '{"query": "{ viewer { user { id } } }"}'},
        files=[("0", ("ok.png", PNG, "image/png"))],
        headers={"Authorization": f"Bearer {token}", "Apollo-Require-Preflight": "1"},
    )
    assert missing_map.status_code == 400 and "map" in missing_map.json()["errors"][0]["message"]
    assert stored_files(settings) == [] and await attachment_rows(db) == 0


async def test_a_proposal_is_never_seen_by_a_rival(gql, ids, settings) -> None:
    order = (
        await gql.data(
            SUBMIT_ORDER,
            {
                "input": {
                    "serviceId": ids["SEO Consultation"],
                    "name": "Two bidders",
                    "origin": "MARKETPLACE",
                    "paymentMethod": "PARTNER_FUNDED",
                    "providerIds": [ids["Taylor Marketing"], ids["Northwind Digital"]],
                }
            },
        )
    )["submitOrder"]["order"]
    quote = (
        await gql.data(
            """mutation($input: SubmitQuoteInput!) { submitQuote(input: $input) { quote { id } errors { code } } }""",
            {
                "input": {
                    "orderId": order["id"],
                    "plan": "Plan",
                    "lineItems": [{"description": "Audit", "quantity": 1, "unitPrice": "900.00"}],
                    "estimatedCompletionOn": (utcnow().date() + timedelta(days=30)).isoformat(),
                }
            },
            as_=PROVIDER,
        )
    )["submitQuote"]["quote"]
    # Only the quote's provider attaches to it; the rival does not even see it.
    rival = await upload(
        gql,
        {"input": {"orderId": order["id"], "kind": "PROPOSAL", "quoteId": quote["id"]}},
        [("p.pdf", PDF, "")],
        as_=PROVIDER2,
    )
    assert rival.json()["data"]["addAttachments"]["errors"][0]["code"] == "NOT_FOUND"
    no_quote = await upload(
        gql, {"input": {"orderId": order["id"], "kind": "BRIEF"}}, [("p.pdf", PDF, "")], as_=PROVIDER
    )
    assert no_quote.json()["data"]["addAttachments"]["errors"][0]["code"] == "FORBIDDEN"
    proposal = (
        await attach(
            gql, order["id"], [("proposal.pdf", PDF, "application/pdf")], "PROPOSAL", as_=PROVIDER, quoteId=quote["id"]
        )
    )["attachments"][0]
    quote_files = f"query($id: ID!) {{ node(id: $id) {{ ... on Quote {{ attachments {{ {ATTACHMENT} }} }} }} }}"
    for user in (PARTNER, SUPPLIER, PROVIDER):
        assert (await gql.data(NODE, {"id": proposal["id"]}, as_=user))["node"]["filename"] == "proposal.pdf"
        files = (await gql.data(quote_files, {"id": quote["id"]}, as_=user))["node"]["attachments"]
        assert [f["filename"] for f in files] == ["proposal.pdf"]
    for user in (PROVIDER2, PARTNER2, OUTSIDER):
        assert (await gql.data(NODE, {"id": proposal["id"]}, as_=user))["node"] is None
    timeline = (
        "query($id: ID!) { node(id: $id) { ... on Order { timeline { __typename ... on Attachment { filename } } } } }"
    )
    rival_view = (await gql.data(timeline, {"id": order["id"]}, as_=PROVIDER2))["node"]["timeline"]
    assert all(item["__typename"] != "Attachment" for item in rival_view)
    partner_view = (await gql.data(timeline, {"id": order["id"]}, as_=PARTNER))["node"]["timeline"]
    assert {"__typename": "Attachment", "filename": "proposal.pdf"} in partner_view
    events = "query($id: ID!) { node(id: $id) { ... on Order { id } } }"
    assert (await gql.data(events, {"id": order["id"]}, as_=PROVIDER2))["node"] is not None


async def test_comment_files_follow_the_comment(gql, ids, settings) -> None:
    order_id = await order_in_progress(gql, ids)
    comment = (
        await gql.data(
            "mutation($input: AddCommentInput!) { addComment(input: $input) { comment { id } } }",
            {"input": {"orderId": order_id, "body": "Please send your logo"}},
            as_=PROVIDER,
        )
    )["addComment"]["comment"]
    # Only the author attaches to a comment.
    other = await upload(
        gql, {"input": {"orderId": order_id, "kind": "ASSET", "commentId": comment["id"]}}, [("l.png", PNG, "")]
    )
    assert other.json()["data"]["addAttachments"]["errors"][0]["code"] == "FORBIDDEN"
    logo = await attach(
        gql, order_id, [("style.txt", b"colours: blue", "")], "ASSET", as_=PROVIDER, commentId=comment["id"]
    )
    assert logo["attachments"][0]["contentType"] == "text/plain"
    query = "query($id: ID!) { node(id: $id) { ... on Comment { attachments { filename } } } }"
    for user in (PARTNER, SUPPLIER, PROVIDER):
        assert (await gql.data(query, {"id": comment["id"]}, as_=user))["node"]["attachments"] == [
            {"filename": "style.txt"}
        ]
    assert (await gql.data(query, {"id": comment["id"]}, as_=PARTNER2))["node"] is None
    # Files on a comment are not the order's own files.
    assert (await gql.data(ORDER_FILES, {"id": order_id}, as_=PARTNER))["node"]["attachments"] == []


async def test_plain_json_requests_still_work_and_uploads_need_multipart(gql, ids) -> None:
    order_id = await order_in_progress(gql, ids)
    body = await gql(ADD, {"input": {"orderId": order_id, "kind": "ASSET", "files": []}})
    assert body["data"]["addAttachments"]["errors"][0]["code"] == "VALIDATION"
