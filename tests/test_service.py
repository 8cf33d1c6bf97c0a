"""The service over real sockets (waitress in a child process): no input stalls it, slow
clients do not lock others out, and a database outage is a 503 followed by recovery with
nothing lost (security.md, "The input boundary")."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import urllib.parse
import uuid

import pytest
from sqlalchemy import create_engine, func, select

import compounding.web.api
import compounding.web.health  # the app imports it as it starts; a test may come first
from compounding.records.schema import batches

from .databases import fresh_postgres
from .days import shifted_clock
from .people import PASSWORD
from .service import auth, request, serving
from .test_records import BENCH, ORDER

pytestmark = pytest.mark.real_clock

HOSTILE = ["4.5 mg**9**9**9", "4.5 mg**9**9**7", "2 * 3 mg", "1e999999 mg",
           "9" * 20_000 + " mg", "1 a" + " " * 40_000 + "b"]
FIELDS = {
    "strength": lambda q: {"strength": q},
    "source.average_tablet_weight": lambda q: {"source": {**ORDER["source"],
                                                          "average_tablet_weight": q}},
    "source.strength": lambda q: {"source": {**ORDER["source"], "strength": q}},
    "filler.pack_stat": lambda q: {"filler": {**ORDER["filler"], "pack_stat": q}},
    "filler.density": lambda q: {"filler": {"density": q}},
    "patient.weight": lambda q: {"patient": {"name": "A", "weight": q}},
}
BENCH_FIELDS = ("tablet_powder_actual", "filler_actual", "capsule_weights")


class Poller(threading.Thread):
    """Asks ``/healthz`` every 50 ms and keeps how long each answer took."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.port, self.latencies, self.failures = port, [], []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            start = time.perf_counter()
            try:
                status = request(self.port, "GET", "/healthz", timeout=5)[0]
                if status != 200:
                    self.failures.append(status)
            except OSError as exc:
                self.failures.append(repr(exc))
            self.latencies.append(time.perf_counter() - start)
            self.stop.wait(0.05)


def _form_session(port: int) -> tuple[str, str]:
    """A signed-in browser's cookie and the form's anti-forgery token."""
    _, headers, body = request(port, "GET", "/login")
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    token = re.search(rb'name="csrf_token" value="([^"]+)"', body).group(1).decode()
    form = urllib.parse.urlencode({"csrf_token": token, "username": "tech",
                                   "password": PASSWORD}).encode()
    status, headers, _ = request(port, "POST", "/login", form, {
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    assert status == 303
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    _, headers, body = request(port, "GET", "/", headers={"Cookie": cookie})
    cookie = headers.get("Set-Cookie", cookie).split(";", 1)[0]  # the form's token is in it
    return cookie, re.search(rb'name="csrf_token" value="([^"]+)"', body).group(1).decode()


def _timed(port: int, *args, **kwargs) -> tuple[int, bytes, float]:
    start = time.perf_counter()
    status, _, body = request(port, *args, **kwargs)
    return status, body, time.perf_counter() - start


@shifted_clock
def test_hostile_quantities_never_stall_the_service(tmp_path):
    # "4.5 mg**9**9**9" made pint compute 9**(9**9) holding the GIL: every worker and /healthz
    # stopped; "mg**9**9**7" stalled everything for ~3 s
    with serving(f"sqlite:///{tmp_path / 'records.sqlite3'}") as port:
        status, headers, _ = request(port, "POST", "/api/v1/worksheet", ORDER, auth())
        lot = headers["X-Lot-Number"]
        cookie, csrf = _form_session(port)
        poller = Poller(port)
        poller.start()
        slowest = 0.0
        try:
            for quantity in HOSTILE * 3:
                for field, change in FIELDS.items():
                    for path in ("/api/v1/plan", "/api/v1/worksheet", "/api/v1/label"):
                        status, body, took = _timed(port, "POST", path, {
                            **ORDER, **change(quantity)}, auth())
                        slowest = max(slowest, took)
                        assert status == 422, (path, field, body[:200])
                        assert field in {e["field"] for e in json.loads(body)["errors"]}
                for field in BENCH_FIELDS:
                    value = [quantity] * 10 if field == "capsule_weights" else quantity
                    status, body, took = _timed(port, "POST", f"/api/v1/records/{lot}/bench",
                                                {**BENCH, field: value}, auth())
                    slowest = max(slowest, took)
                    assert status in (413, 422), body[:200]  # 10 × 20 KB is over 64 KiB
                form = urllib.parse.urlencode({
                    "csrf_token": csrf, "strength": quantity, "strength_unit": "mg",
                    "quantity": "30", "capsule.size": "3",
                    "source.average_tablet_weight": quantity}).encode()
                status, body, took = _timed(
                    port, "POST", "/", form,
                    {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
                slowest = max(slowest, took)
                assert status in (413, 422), body[:200]
        finally:
            poller.stop.set()
            poller.join()
        assert not poller.failures
        assert len(poller.latencies) >= 3  # /healthz was asked while the battery ran
        assert max(poller.latencies) < 1.0, max(poller.latencies)
        assert slowest < 1.0, slowest


@shifted_clock
def test_slow_connections_do_not_lock_others_out(tmp_path):
    # 110 slow connections (headers sent a byte at a time, or a body that never comes)
    # locked everyone out until they closed
    with serving(f"sqlite:///{tmp_path / 'records.sqlite3'}") as port:
        slow = []
        try:
            for i in range(150):
                # from another address than the test's own requests: one address may hold
                # at most 50 connections
                connection = socket.create_connection(("127.0.0.1", port), timeout=5,
                                                      source_address=("127.0.0.2", 0))
                head = (b"POST /api/v1/plan HTTP/1.1\r\nHost: localhost\r\n"
                        b"Content-Type: application/json\r\nContent-Length: 4000\r\n\r\n{")
                connection.sendall(head if i % 2 else head[:20])  # half the headers, or all
                slow.append(connection)
            time.sleep(0.5)
            for _ in range(5):
                status, _, took = _timed(port, "GET", "/healthz", timeout=5)
                assert status == 200 and took < 1.0, took
                status, _, took = _timed(port, "POST", "/api/v1/plan", ORDER, auth(), timeout=5)
                assert status == 200 and took < 1.0, took
        finally:
            for connection in slow:
                connection.close()


class Proxy:
    """A TCP relay in front of PostgreSQL that can be cut (a restart) and restored."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.connections: list[socket.socket] = []
        self.listener: socket.socket | None = None
        self.lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            with self.lock:
                self.connections += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        """What a restart does: every connection drops, new ones are refused."""
        assert self.listener is not None
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        except OSError:
            pass
        self.listener.close()
        with self.lock:
            for s in self.connections:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
            self.connections.clear()


def test_a_postgresql_restart_is_503_then_recovery_with_nothing_lost():
    # a PostgreSQL restart answered 500, not 503
    with fresh_postgres() as direct:
        from sqlalchemy.engine import make_url

        url = make_url(direct)
        proxy = Proxy((url.host or "127.0.0.1", url.port or 5432))
        proxy.start()
        create_engine(direct).dispose()
        through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
        answered: dict[str, str] = {}  # idempotency key -> lot of every 201
        with serving(through) as port:
            def make(key: str) -> int:
                status, headers, _ = request(port, "POST", "/api/v1/worksheet", ORDER,
                                             {"Idempotency-Key": key, **auth()}, timeout=15)
                if status == 201:
                    answered[key] = headers["X-Lot-Number"]
                return status

            assert make(str(uuid.uuid4())) == 201
            proxy.cut()
            statuses, retry = set(), []
            for _ in range(3):
                key = str(uuid.uuid4())
                status = make(key)
                statuses.add(status)
                if status != 201:
                    retry.append(key)
            health = request(port, "GET", "/healthz")
            assert statuses == {503} and health[0] == 503
            assert health[1]["Retry-After"] == "5"
            assert json.loads(health[2])["errors"][0]["code"] == "UNAVAILABLE"
            proxy.start()  # the server is back
            deadline = time.monotonic() + 20
            while request(port, "GET", "/healthz")[0] != 200:
                assert time.monotonic() < deadline, "no recovery"
                time.sleep(0.2)
            for key in retry:  # the client retries what was refused, with the same key
                assert make(key) == 201
            assert make(retry[0]) == 201  # and a retry of a success is still one batch
        engine = create_engine(direct)
        with engine.connect() as connection:
            kept = set(connection.execute(select(batches.c.lot_number)).scalars())
            count = connection.execute(select(func.count()).select_from(batches)).scalar_one()
        engine.dispose()
        proxy.cut()
        assert set(answered.values()) == kept and count == len(answered) == 4


@pytest.fixture
def tiny_disk(tmp_path):
    """A 24 MiB file system of its own (tmpfs), for a database whose disk fills up."""
    import subprocess

    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(folder)],
                             capture_output=True)
    if mounted.returncode != 0:
        import os

        message = f"cannot mount a tmpfs here: {mounted.stderr.decode()[:200]}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def _app(url: str):
    """The app on ``url``, and a browser signed in as the technician."""
    from compounding.profile import DEFAULT_PROFILE
    from compounding.web import create_app

    from .people import HASHER, KEY, login, seed

    app = create_app({"TESTING": True, "PROFILE": DEFAULT_PROFILE, "DATABASE_URL": url,
                      "CHAIN_KEY": KEY, "PASSWORD_HASHER": HASHER})
    seed(app.extensions["accounts"])
    browser = app.test_client()
    login(browser, "tech")
    return app, browser


def test_health_says_503_on_a_full_disk(tiny_disk, monkeypatch):
    # /healthz answered OK on a full disk

    monkeypatch.setattr(compounding.web.health, "WRITE_CHECK_S", 0)
    app, client = _app(f"sqlite:///{tiny_disk / 'records.sqlite3'}")
    assert client.get("/healthz").status_code == 200
    with open(tiny_disk / "filler.bin", "wb") as handle:  # fill it to the last byte
        try:
            while True:
                handle.write(b"\0" * 1024 * 1024)
                handle.flush()
        except OSError:
            pass
    response = client.get("/healthz")
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "full" in response.get_json()["errors"][0]["message"]
    status = client.post("/api/v1/worksheet", json=ORDER).status_code
    assert status == 503  # never a 500
    app.extensions["records"].engine.dispose()


def test_health_says_503_on_a_read_only_database(tiny_disk, monkeypatch):
    import subprocess


    monkeypatch.setattr(compounding.web.health, "WRITE_CHECK_S", 0)
    app, client = _app(f"sqlite:///{tiny_disk / 'records.sqlite3'}")
    assert client.post("/api/v1/worksheet", json=ORDER).status_code == 201
    app.extensions["records"].engine.dispose()
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_disk)], check=True)
    try:
        response = client.get("/healthz")
        assert response.status_code == 503
        assert client.post("/api/v1/worksheet", json=ORDER).status_code == 503
    finally:
        app.extensions["records"].engine.dispose()
        subprocess.run(["mount", "-o", "remount,rw", str(tiny_disk)], check=True)


def test_health_says_503_on_a_read_only_postgresql(monkeypatch):

    monkeypatch.setattr(compounding.web.health, "WRITE_CHECK_S", 0)
    with fresh_postgres() as url:
        app, client = _app(url)
        assert client.get("/healthz").status_code == 200
        name = url.rsplit("/", 1)[1]
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(
                f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
        admin.dispose()
        app.extensions["records"].engine.dispose()  # new sessions take the setting
        response = client.get("/healthz")
        assert response.status_code == 503, response.data
        assert "cannot be written" in response.get_json()["errors"][0]["message"]
        app.extensions["records"].engine.dispose()
