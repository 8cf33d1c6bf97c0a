"""The served workbench's connections over real sockets: a thousand idle or trickling sockets do
not stop the service (issue 22, item 12), one address holds at most
:data:`~compounding.web.server.CONNECTIONS_PER_CLIENT` connections, and a connection that has not
delivered a request within :data:`~compounding.web.server.REQUEST_DEADLINE_S` is closed."""

from __future__ import annotations

import http.client
import resource
import select
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import pytest

from compounding.web.server import CONNECTIONS_PER_CLIENT, REQUEST_DEADLINE_S

from .service import serving

pytestmark = pytest.mark.real_clock

ATTACKER = "127.0.0.2"  # the test itself (the "other" client) asks from 127.0.0.1
SOCKETS = 1050  # more than waitress's connection limit (1 000)


def _loopback_network() -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((ATTACKER, 0))
        except OSError:
            return False
    return True


requires_loopback_network = pytest.mark.skipif(
    not _loopback_network(), reason="needs the whole loopback network 127/8, as Linux has")


@pytest.fixture(autouse=True)
def open_files():
    """Room for 1 050 sockets in this process and in the server it starts."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 4096 if hard == resource.RLIM_INFINITY else min(4096, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def _connect(port: int, source: str) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0))


@contextmanager
def _opened(port: int, sources: list[str], count: int) -> Iterator[list[socket.socket]]:
    """``count`` connections from each of ``sources`` that send nothing; closed afterwards."""
    sockets: list[socket.socket] = []
    try:
        for source in sources:
            sockets += [_connect(port, source) for _ in range(count)]
        yield sockets
    finally:
        for connection in sockets:
            connection.close()


def _closed_by_server(sockets: list[socket.socket], wait: float = 0) -> set[socket.socket]:
    """Those of ``sockets`` the server has closed (an end of file or a reset waits to be read),
    waiting up to ``wait`` seconds for at least one."""
    poller = select.poll()
    by_fd = {s.fileno(): s for s in sockets}
    for fd in by_fd:
        poller.register(fd, select.POLLIN)
    closed = set()
    for fd, _ in poller.poll(wait * 1000):
        connection = by_fd[fd]
        try:
            connection.setblocking(False)
            if connection.recv(1) == b"":
                closed.add(connection)
        except (ConnectionResetError, BrokenPipeError):
            closed.add(connection)
        except BlockingIOError:  # pragma: no cover - readable, yet nothing there
            pass
    return closed


def _get(port: int, source: str = "127.0.0.1", timeout: float = 5) -> tuple[object, float]:
    """``GET /healthz`` on a new connection from ``source``: the status (or the error) and the
    seconds it took."""
    start = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout,
                                            source_address=(source, 0))
    try:
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        response.read()
        outcome: object = response.status
    except OSError as exc:
        outcome = repr(exc)
    finally:
        connection.close()
    return outcome, time.perf_counter() - start


@requires_loopback_network
def test_a_thousand_idle_sockets_from_one_address_do_not_stop_the_service(tmp_path):
    # 1 050 idle sockets filled waitress's 1 000 connections: it stopped accepting, and
    # everyone else waited until they were closed idle (30 s)
    with serving(f"sqlite:///{tmp_path / 'records.sqlite3'}") as port, \
            _opened(port, [ATTACKER], SOCKETS) as idle:
        time.sleep(1.0)
        answers = [_get(port) for _ in range(5)]
        assert [status for status, _ in answers] == [200] * 5, answers
        assert max(took for _, took in answers) < 1.0, answers
        # the address keeps its cap of connections; the others were closed as they came
        refused: set[socket.socket] = set()
        deadline = time.monotonic() + 3
        while len(refused) < SOCKETS - CONNECTIONS_PER_CLIENT and time.monotonic() < deadline:
            refused |= _closed_by_server([s for s in idle if s not in refused], wait=0.2)
        assert len(refused) == SOCKETS - CONNECTIONS_PER_CLIENT


@requires_loopback_network
def test_one_address_holds_at_most_its_cap_while_others_are_served(tmp_path):
    with serving(f"sqlite:///{tmp_path / 'records.sqlite3'}") as port, \
            _opened(port, [ATTACKER], CONNECTIONS_PER_CLIENT) as held:
        time.sleep(0.5)
        assert not _closed_by_server(held)
        with _opened(port, [ATTACKER], 1) as (extra,):
            assert _closed_by_server([extra], wait=2) == {extra}, "the 51st stayed open"
        assert not _closed_by_server(held, wait=0.5)
        status, took = _get(port)
        assert status == 200 and took < 1.0, (status, took)
        status, _ = _get(port, ATTACKER, timeout=2)
        assert status != 200
        # the address gets its place back when it closes a connection
        held.pop().close()
        time.sleep(0.3)
        status, took = _get(port, ATTACKER)
        assert status == 200 and took < 1.0, (status, took)


@requires_loopback_network
def test_idle_sockets_from_many_addresses_make_room_for_new_clients(tmp_path):
    # 21 addresses × 50 idle sockets stay under the cap of each and fill the connection limit:
    # the ones waiting longest for a request are closed to let a new client in
    attackers = [f"127.0.0.{i}" for i in range(2, 2 + SOCKETS // CONNECTIONS_PER_CLIENT)]
    with serving(f"sqlite:///{tmp_path / 'records.sqlite3'}") as port, \
            _opened(port, attackers, CONNECTIONS_PER_CLIENT):
        time.sleep(2.0)  # a connection younger than 1 s is left to send its request
        answers = [_get(port) for _ in range(5)]
        assert [status for status, _ in answers] == [200] * 5, answers
        assert max(took for _, took in answers) < 2.0, answers


def test_a_trickling_or_idle_connection_is_closed_after_the_request_deadline(tmp_path):
    # a byte every 8 s kept a connection open for ever (waitress closes one silent for 30 s)
    head = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Padding: " + b"x" * 64
    with serving(f"sqlite:///{tmp_path / 'records.sqlite3'}") as port:
        trickle = socket.create_connection(("127.0.0.1", port), timeout=5)
        opened = time.monotonic()
        keep_alive = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            keep_alive.request("GET", "/healthz")
            response = keep_alive.getresponse()
            response.read()
            answered = time.monotonic()
            assert response.status == 200 and not response.will_close
            started = {trickle: opened, keep_alive.sock: answered}
            closed_after: dict[str, float] = {}
            names = {trickle: "trickle", keep_alive.sock: "keep-alive"}
            sent, next_byte = 0, opened
            while len(closed_after) < 2 and time.monotonic() - opened < REQUEST_DEADLINE_S + 5:
                if "trickle" not in closed_after and time.monotonic() >= next_byte:
                    with suppress(OSError):  # a closed connection is seen below
                        trickle.send(head[sent:sent + 1])
                        sent += 1
                    next_byte += 2
                open_ = [s for s, name in names.items() if name not in closed_after]
                for connection in _closed_by_server(open_, wait=0.1):
                    closed_after[names[connection]] = time.monotonic() - started[connection]
        finally:
            trickle.close()
            keep_alive.close()
        assert set(closed_after) == {"trickle", "keep-alive"}, closed_after
        for name, seconds in closed_after.items():
            assert REQUEST_DEADLINE_S - 0.5 <= seconds <= REQUEST_DEADLINE_S + 2.5, \
                (name, seconds)
        assert sent >= 4  # it did trickle
