"""`provider-orders serve --fd N`: serving on an inherited listening socket (socket activation,
and how the tests' live servers run) answers as promptly as on a port the server binds itself.

uvicorn wraps an inherited descriptor as a Unix-domain socket whatever it is, so asyncio left
Nagle's algorithm on for the TCP connections accepted on it: a response goes out in two writes
(head, then body), and the body waited for the client to acknowledge the head, which a client
waiting for the rest delays: nearly every answer on a kept-alive connection came a delayed ACK
late.
"""

from __future__ import annotations

import socket
import statistics
import time

import pytest

from tests.servers import LiveServer

DELAYED_ACK = 0.04  # seconds: the shortest delayed acknowledgement of Linux (TCP_DELACK_MIN)


def round_trip(conn: socket.socket) -> float:
    """Seconds from sending `GET /healthz` on a kept-alive connection to the end of its answer."""
    started = time.perf_counter()
    conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
    received = b""
    while b"\r\n\r\n" not in received:
        received += conn.recv(65536) or pytest.fail(f"connection closed: {received!r}")
    head, _, body = received.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += conn.recv(65536) or pytest.fail(f"connection closed: {received!r}")
    assert head.startswith(b"HTTP/1.1 200"), head
    return time.perf_counter() - started


@pytest.mark.parametrize("workers", [1, 2])
async def test_answers_on_an_inherited_socket_wait_for_no_delayed_ack(database_url: str, workers: int) -> None:
    async with LiveServer(database_url, workers=workers) as server:  # `--fd`
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # each request leaves in one piece
            typical = statistics.median(round_trip(conn) for _ in range(21))
    # Stalled, every answer but the first few of a connection (the client's acknowledgements are
    # quick at first) takes the delayed ACK at least; a load on the machine slows some answers
    # down, hardly half of them.
    assert typical < DELAYED_ACK * 0.75, f"half of the answers took {typical * 1000:.1f} ms or more"
