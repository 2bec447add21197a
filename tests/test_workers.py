"""`provider-orders serve --workers N --port P`: each worker accepts on its own listening socket,
so connections opened at once spread over all the workers (with one shared socket, the first
worker to wake took them all, for as long as they were kept alive)."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import subprocess
import sys

import httpx
import pytest

from app.cli import serve_advice, usable_cores, worker_count
from tests.conftest import SUPPLIER
from tests.servers import ROOT, LiveServer

VIEWER = "{ viewer { user { email } } }"


async def test_connections_opened_at_once_spread_over_every_worker(database_url, gql) -> None:
    token = await gql.token(SUPPLIER)
    async with LiveServer(database_url, workers=2, by_port=True) as server:
        clients = [
            httpx.AsyncClient(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
            for _ in range(20)
        ]
        try:
            responses = await asyncio.gather(
                *(
                    http.post("/graphql", json={"query": VIEWER}, headers={"X-Request-ID": f"spread-{n}"})
                    for n, http in enumerate(clients)
                )
            )
        finally:
            await asyncio.gather(*(http.aclose() for http in clients))
        assert all(r.json()["data"]["viewer"]["user"]["email"] == SUPPLIER for r in responses)
        server.signal(signal.SIGTERM)
        assert await server.wait(30) == 0
        lines = [json.loads(line) for line in server.output().splitlines() if line.startswith("{")]
    served_by = {
        line["pid"]
        for line in lines
        if line.get("message") == "request" and str(line.get("request_id")).startswith("spread-")
    }
    assert len(served_by) == 2, lines  # 20 connections on one of two workers: 1 chance in 500,000


async def test_a_port_already_served_is_refused_not_shared(database_url) -> None:
    async with LiveServer(database_url, workers=2, by_port=True) as server:
        second = subprocess.run(
            [
                sys.executable,
                "-m",
                "app.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(server.port),
                "--workers",
                "2",
            ],
            cwd=ROOT,
            env=server.env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode != 0
        assert "in use" in second.stdout + second.stderr
        async with httpx.AsyncClient(base_url=server.url) as http:
            assert (await http.get("/healthz")).status_code == 200


def test_workers_auto_is_one_per_usable_core_and_nonsense_is_refused() -> None:
    assert worker_count("auto") == usable_cores() >= 1
    assert worker_count("3") == 3
    for bad in ("0", "-2", "many"):
        with pytest.raises(argparse.ArgumentTypeError):
            worker_count(bad)


def test_serve_says_when_workers_outnumber_cores_or_lack_a_bus() -> None:
    assert serve_advice(2, "redis://127.0.0.1:6379/0", cores=2) == []
    assert serve_advice(1, None, cores=1) == []
    [bus] = serve_advice(2, None, cores=2)
    assert "REDIS_URL" in bus
    [cores] = serve_advice(4, "redis://127.0.0.1:6379/0", cores=2)
    assert "4 workers on 2 cores" in cores and "2 workers usually serve more" in cores
