"""The S3 storage path, against a local S3 server (moto) the test starts on a loopback port."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from pathlib import Path

import aioboto3
import httpx
import pytest
from moto.server import ThreadedMotoServer

from app.settings import Settings
from tests.conftest import PARTNER
from tests.files import PNG, attach, order_in_progress, upload
from tests.ordering import demo_ids, make_fund_valid_today

pytestmark = pytest.mark.usefixtures("no_list")
BUCKET = "po-files"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def settings(database_url: str, s3_endpoint: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        PROVIDER_ORDERS_ENV="test",
        file_storage_url=f"s3://{BUCKET}/attachments",
        file_storage_path=tmp_path / "unused",
        s3_endpoint_url=s3_endpoint,
        s3_region="us-east-1",
        s3_access_key_id="testing",
        s3_secret_access_key="testing",
        max_upload_mb=20,
    )


async def objects(endpoint: str) -> list[str]:
    async with aioboto3.Session(**CREDENTIALS).client("s3", endpoint_url=endpoint) as s3:
        listed = await s3.list_objects_v2(Bucket=BUCKET)
        return [o["Key"] for o in listed.get("Contents", [])]


@pytest.fixture
async def bucket(s3_endpoint: str) -> None:
    async with aioboto3.Session(**CREDENTIALS).client("s3", endpoint_url=s3_endpoint) as s3:
        with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
            await s3.create_bucket(Bucket=BUCKET)
        for key in await objects(s3_endpoint):
            await s3.delete_object(Bucket=BUCKET, Key=key)


async def test_upload_to_s3_and_download_through_a_presigned_url(gql, db, bucket, s3_endpoint, tmp_path) -> None:
    await make_fund_valid_today(db)
    order_id = await order_in_progress(gql, await demo_ids(gql))
    # Large enough for a multipart upload (8 MiB parts), streamed as it is read.
    big = b"name,value\n" + b"row,1\n" * (9 * 1024 * 1024 // 6)
    payload = await attach(gql, order_id, [("logo.png", PNG, "image/png"), ("data.csv", big, "text/csv")], "ASSET")
    logo, data = payload["attachments"]
    assert data["size"] == len(big) and data["contentType"] == "text/csv"
    keys = await objects(s3_endpoint)
    assert len(keys) == 2 and all(k.startswith("attachments/") for k in keys)

    redirect = await gql.http.get(logo["url"])
    assert redirect.status_code == 302
    async with httpx.AsyncClient() as outside:
        fetched = await outside.get(redirect.headers["location"])
    assert fetched.status_code == 200 and fetched.content == PNG
    assert fetched.headers["content-type"] == "image/png"
    assert fetched.headers["content-disposition"].startswith("attachment;")

    # A tampered link is refused; a refused request leaves no object.
    assert (await gql.http.get(logo["url"] + "x")).status_code == 403
    refused = await upload(
        gql,
        {"input": {"orderId": order_id, "kind": "ASSET"}},
        [("ok.png", PNG, "image/png"), ("bad.exe", b"MZ" + bytes(100), "application/octet-stream")],
        as_=PARTNER,
    )
    assert refused.json()["data"]["addAttachments"]["errors"][0]["code"] == "VALIDATION"
    assert sorted(await objects(s3_endpoint)) == sorted(keys)
