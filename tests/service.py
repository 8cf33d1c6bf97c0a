"""A real ``compounding serve`` (waitress) in a child process, for tests over real sockets."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


PORTS = (20000, 32000)
"""Ports for the tests' servers: below the kernel's ephemeral range (32768-60999 on Linux), so
that no outgoing connection of a parallel test (to PostgreSQL, say) can take one between the
choice of a port and its server's start."""


def free_port() -> int:
    """A port nothing listens on, on any interface, outside the ephemeral range."""
    import random

    for _ in range(200):
        port = random.randint(*PORTS)
        with socket.socket() as s:
            try:
                s.bind(("0.0.0.0", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in the tests' range")


TOKEN: dict[str, str] = {}
"""The bearer token of the last server started: every scope, acting as the pharmacist rph."""


def people(database_url: str) -> str:
    """The tests' people in ``database_url`` and a token with every scope; the token's text."""
    from compounding.records import Accounts, Store

    from .people import HASHER, KEY, seed

    store = Store.open(database_url, KEY)
    accounts = Accounts(store.engine, HASHER, key=store.key)
    if accounts.find("tech") is None:
        seed(accounts)
    text = accounts.create_token(f"service-{free_port()}", "rph",
                                 ["plan", "records:read", "records:write", "labels:print"],
                                 consent=True)[1]
    store.engine.dispose()
    return text


def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKEN['text']}"}


def await_health(port: int, server: subprocess.Popen, said: Callable[[], str],
                 timeout: float = 30) -> None:
    """Wait until ``/healthz`` on ``port`` answers 200; ``RuntimeError`` with what the server
    ``said`` when it stops or does not answer in ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if request(port, "GET", "/healthz")[0] == 200:
                return
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the server did not start: {said()}")
        time.sleep(0.1)


@contextmanager
def serving(database_url: str, *, threads: int = 4) -> Iterator[int]:
    """The port of a running server on ``database_url`` (with the tests' people and a token,
    :func:`auth`); stopped afterwards."""
    from .people import KEY

    TOKEN["text"] = people(database_url)
    port = free_port()
    env = {**os.environ, "COMPOUNDING_DATABASE_URL": database_url,
           "COMPOUNDING_PROFILE": str(ROOT / "samples" / "pharmacy.toml"),
           "COMPOUNDING_CHAIN_KEY": KEY.decode()}
    # the log goes to a file: a pipe nobody reads fills after some 64 KiB of access log lines,
    # and the server then blocks writing its log
    log = tempfile.TemporaryFile()
    server = subprocess.Popen(
        [sys.executable, "-c", "from compounding.cli import main; raise SystemExit(main())",
         "serve", "--port", str(port), "--threads", str(threads)],
        env=env, stdout=subprocess.DEVNULL, stderr=log)
    def said() -> str:
        log.seek(0)
        return repr(log.read()[-2000:])

    try:
        await_health(port, server, said)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            server.kill()
        log.close()


def request(port: int, method: str, path: str, body: Any = None,
            headers: dict[str, str] | None = None,
            timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    """One request on a new connection: status, headers, body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    data = json.dumps(body).encode() if body is not None and not isinstance(body, bytes) \
        else body
    sent = {"Content-Type": "application/json"} if data is not None else {}
    try:
        connection.request(method, path, body=data, headers={**sent, **(headers or {})})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()
