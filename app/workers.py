"""Several server processes on one port, each accepting on its own listening socket; and
serving on an inherited listening socket (`serve --fd`).

uvicorn's `--workers` shares one listening socket between its processes, and whichever
process wakes first accepts every connection waiting: a burst of new keep-alive connections
(a load balancer's or a client pool's, opened at once) lands on one process while the others
stay idle, and keep-alive connections are never moved afterwards. With SO_REUSEPORT each
worker listens on its own socket bound to the same address, and the kernel spreads new
connections across them (by a hash of the client's address and port).

The supervisor is uvicorn's (`Multiprocess`: a dead worker is replaced, SIGHUP restarts them
all, SIGTTIN/SIGTTOU add or remove one); only which socket each worker gets differs. A
worker's socket stays open in the supervisor, so connections that arrive while its worker is
being replaced wait in the queue for the new one.
"""

from __future__ import annotations

import logging
import socket
import sys

from uvicorn.config import STARTUP_FAILURE, Config
from uvicorn.server import Server
from uvicorn.supervisors.multiprocess import Multiprocess, Process

log = logging.getLogger("uvicorn.error")


def reuse_port_supported() -> bool:
    return hasattr(socket, "SO_REUSEPORT")


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def free_port(host: str, port: int) -> int:
    """The port, checked free with an ordinary bind first: SO_REUSEPORT alone would let this
    server silently share a port with another one (of the same user) already listening there.
    Port 0 gives any free port."""
    with socket.socket(_family(host), socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
        return probe.getsockname()[1]


def bind_reuse_port(host: str, port: int, backlog: int) -> socket.socket:
    """A listening socket of the port's SO_REUSEPORT group. It listens at once, before its
    worker has started: the kernel picks a listening socket for each new connection, and a
    connection that picked a worker still starting waits in its queue (were only the started
    workers listening, every connection made meanwhile would go to them, for good)."""
    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    sock.set_inheritable(True)
    return sock


class ReusePortMultiprocess(Multiprocess):
    """uvicorn's supervisor, with one SO_REUSEPORT listening socket per worker."""

    def __init__(self, config: Config):
        super().__init__(config, sockets=[])
        self.worker_sockets: list[socket.socket] = []
        try:
            self.port = free_port(config.host, config.port)
            self.worker_sockets.append(self._bind())
        except OSError as exc:
            log.error("%s", exc)
            sys.exit(STARTUP_FAILURE)
        log.info(
            "Uvicorn running on http://%s:%d (Press CTRL+C to quit), one listening socket per worker",
            config.host,
            self.port,
        )

    def _bind(self) -> socket.socket:
        return bind_reuse_port(self.config.host, self.port, self.config.backlog)

    def _start(self, sock: socket.socket) -> Process:
        process = Process(self.config, [sock])
        process.start()
        return process

    def init_processes(self) -> None:
        while len(self.worker_sockets) < self.processes_num:
            self.worker_sockets.append(self._bind())
        for sock in self.worker_sockets:
            self.processes.append(self._start(sock))

    def restart_all(self) -> None:
        """Replaces each worker in turn; the new one serves its socket before the old one stops."""
        for idx, old_process in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            new_process = self._start(self.worker_sockets[idx])
            if not new_process.wait_until_ready(self.config.timeout_worker_healthcheck, self.should_exit):
                new_process.kill()
                new_process.join()
                if not self.should_exit.is_set():
                    log.error(
                        "New child process [%s] was not ready in time; keeping worker [%s] and aborting the restart.",
                        new_process.pid,
                        old_process.pid,
                    )
                return
            old_process.terminate()
            old_process.join()
            self.processes[idx] = new_process

    def keep_subprocess_alive(self) -> None:
        if self.should_exit.is_set():
            return
        for idx, process in enumerate(self.processes):
            if process.is_alive(timeout=self.config.timeout_worker_healthcheck):
                continue
            process.kill()  # hung: kill it
            process.join()
            if process.exitcode == STARTUP_FAILURE:
                log.error("Child process [%s] failed to start, stopping the parent process.", process.pid)
                self.should_exit.set()
                return
            if self.should_exit.is_set():
                return
            log.info("Child process [%s] died", process.pid)
            self.processes[idx] = self._start(self.worker_sockets[idx])

    def handle_ttin(self) -> None:
        log.info("Received SIGTTIN, increasing the number of processes.")
        self.processes_num += 1
        self.worker_sockets.append(self._bind())
        self.processes.append(self._start(self.worker_sockets[-1]))

    def handle_ttou(self) -> None:
        log.info("Received SIGTTOU, decreasing number of processes.")
        if self.processes_num <= 1:
            log.info("Already reached one process, cannot decrease the number of processes anymore.")
            return
        self.processes_num -= 1
        process = self.processes.pop()
        process.terminate()
        process.join()
        self.worker_sockets.pop().close()

    def run(self) -> None:
        try:
            super().run()
        finally:
            for sock in self.worker_sockets:
                sock.close()


def inherited_socket(fd: int) -> socket.socket:
    """The listening socket handed over as descriptor `fd`, as what it is (TCP or Unix-domain).

    uvicorn's own `fd` option wraps the descriptor as a Unix-domain socket whatever it is, and
    asyncio then leaves Nagle's algorithm on for the TCP connections accepted on it: a response
    goes out in two writes (head, then body), and the body waited for the client to acknowledge
    the head, which a client waiting for the rest delays. Every answer on a kept-alive connection
    came a delayed ACK late."""
    return socket.socket(fileno=fd)


def serve_inherited(config: Config, fd: int) -> None:
    """uvicorn on the listening socket `fd` (socket activation), with `config.workers` processes
    sharing it."""
    sock = inherited_socket(fd)
    log.info("Uvicorn running on socket %s (Press CTRL+C to quit)", sock.getsockname())
    if config.workers > 1:
        Multiprocess(config, sockets=[sock]).run()
        return
    server = Server(config)
    server.run(sockets=[sock])
    if not server.started:
        sys.exit(STARTUP_FAILURE)
