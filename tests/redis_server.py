"""A real Redis server for the tests of the shared frontier: Debian's ``redis-server``, started
as a process of the test session on a free loopback port, with no persistence and no other
client. ``make test`` installs it (as root through apt); without it the tests fail with one
line saying what to install, never skip.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import redis

REDIS_SERVER = "redis-server"
_START_SECONDS = 10.0


class RedisMissingError(RuntimeError):
    """``redis-server`` is not on PATH."""


@dataclass
class RedisServer:
    """One running server: its URL for ``--redis``, and the process, for a test that kills it."""

    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)

    def flush(self) -> None:
        """Forget every key: each test starts from an empty frontier."""
        self.client().flushall()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def redis_server() -> Iterator[RedisServer]:
    """Start ``redis-server`` on a free port in a scratch directory; stop it on exit."""
    binary = shutil.which(REDIS_SERVER)
    if binary is None:
        raise RedisMissingError("redis-server missing: apt-get install redis-server "
                                "(make test does it as root)")
    with tempfile.TemporaryDirectory(prefix="redis-") as scratch:
        port = free_port()
        process = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", scratch,
             "--save", "", "--appendonly", "no", "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        server = RedisServer(port, process)
        try:
            _wait_until_ready(server)
            yield server
        finally:
            process.terminate()
            process.wait(timeout=10)


def _wait_until_ready(server: RedisServer) -> None:
    deadline = time.monotonic() + _START_SECONDS
    while True:
        try:
            server.client().ping()
            return
        except redis.ConnectionError:
            if server.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {server.port} "
                                   f"(exit code {server.process.poll()})") from None
            time.sleep(0.05)
