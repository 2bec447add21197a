"""Real servers for tests: `provider-orders serve` in a subprocess, and a TCP proxy to cut the database.

Ports come from `TEST_SERVER_PORTS` (default 8300-8399); each is bound here and handed to the
server as a file descriptor, so two test runs can never race for the same port.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
PORTS = os.environ.get("TEST_SERVER_PORTS", "8300-8399")


def bind_free_port(ports: str | None = None, *, reuse_address: bool = False) -> socket.socket:
    """A listening-ready TCP socket on 127.0.0.1 bound to a free port of the range.

    `reuse_address`: SO_REUSEADDR, so that a server restarted on its port can bind it while the
    connections of the one before linger in TIME_WAIT (Linux wants it on both servers' sockets)."""
    ports = ports or PORTS
    first, last = (int(part) for part in ports.split("-"))
    # From a random place in the range: two test runs on one machine rarely pick the same port
    # (a `by_port` server binds it itself, a moment after this socket has let it go).
    start = random.randint(first, last)
    for port in [*range(start, last + 1), *range(first, start)]:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if reuse_address:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            sock.close()
            continue
        return sock
    raise RuntimeError(f"no free port in {ports}")


class LiveServer:
    """`provider-orders serve --workers N` on its own port, for tests that need real concurrency."""

    def __init__(
        self,
        database_url: str,
        *,
        workers: int = 1,
        env: dict[str, str] | None = None,
        ports: str | None = None,
        by_port: bool = False,
        reuse_address: bool = False,
    ):
        """`by_port`: the server binds the port itself (`--port`, a free one of the range at
        start) instead of being handed a bound socket (`--fd`). `reuse_address`: see bind_free_port
        (to restart a server on the port it had: both with it, the second with `ports="8301-8301"`)."""
        self.database_url, self.workers, self.ports, self.by_port = database_url, workers, ports, by_port
        self.reuse_address = reuse_address
        self.extra_env = env or {}
        self.process: subprocess.Popen | None = None
        self.port = 0
        self.log = tempfile.NamedTemporaryFile(prefix="po-live-", suffix=".log", delete=False)  # noqa: SIM115 - closed in stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
        env |= {"DATABASE_URL": self.database_url, "PROVIDER_ORDERS_ENV": "test", **self.extra_env}
        return env

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run a `provider-orders` command against this server's database."""
        return subprocess.run(
            [sys.executable, "-m", "app.cli", *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            check=check,
            timeout=120,
        )

    async def start(self, timeout: float = 60) -> LiveServer:
        sock = bind_free_port(self.ports, reuse_address=self.reuse_address)
        self.port = sock.getsockname()[1]
        listen = ["--fd", str(sock.fileno())] if not self.by_port else ["--host", "127.0.0.1", "--port", str(self.port)]
        try:
            if self.by_port:
                sock.close()
            self.process = subprocess.Popen(
                [sys.executable, "-m", "app.cli", "serve", *listen, "--workers", str(self.workers)],
                cwd=ROOT,
                env=self.env(),
                pass_fds=[] if self.by_port else [sock.fileno()],
                stdout=self.log,
                stderr=subprocess.STDOUT,
            )
        finally:
            sock.close()  # the server holds its own copy
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(base_url=self.url, timeout=2) as http:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.output()}")
                with contextlib.suppress(httpx.TransportError):
                    if (await http.get("/readyz")).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"server not ready after {timeout}s:\n{self.output()}")
                await asyncio.sleep(0.1)
        return self

    def signal(self, sig: int = signal.SIGTERM) -> None:
        assert self.process is not None
        self.process.send_signal(sig)

    async def wait(self, timeout: float = 30) -> int:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while self.process.poll() is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"server still running after {timeout}s")
            await asyncio.sleep(0.05)
        return self.process.returncode

    async def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.signal(signal.SIGTERM)
            try:
                await self.wait(20)
            except TimeoutError:
                self.process.kill()
                self.process.wait()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)

    def output(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")

    async def __aenter__(self) -> LiveServer:
        return await self.start()

    async def __aexit__(self, *_exc: Any) -> None:
        await self.stop()


class TcpProxy:
    """Forwards a local port to the database; `cut()` makes the database vanish, `restore()` brings it back."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> TcpProxy:
        sock = bind_free_port() if not self.port else socket.create_server(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        self._server = await asyncio.start_server(self._handle, sock=sock)
        return self

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._writers -= {writer, up_writer}

    def cut_connections(self) -> None:
        """Drop every open connection at once (synchronous: callable from an engine event)."""
        for writer in list(self._writers):
            transport = writer.transport
            if isinstance(transport, asyncio.Transport):
                transport.abort()
        self._writers.clear()

    async def cut(self) -> None:
        """The database goes away: open connections dropped, new ones refused."""
        assert self._server is not None
        self._server.close()
        self.cut_connections()
        await self._server.wait_closed()
        self._server = None

    async def restore(self) -> None:
        await self.start()

    async def close(self) -> None:
        if self._server is not None:
            await self.cut()
