"""Signing in, reading a page and signing, with argon2id at the library's default cost.

Starts ``compounding serve`` (waitress, 8 threads) on a fresh SQLite database with a technician
and a pharmacist whose passwords are hashed at argon2-cffi's default cost (argon2id, time cost
3, memory 64 MiB, parallelism 4, as printed), then, from 2 concurrent clients: sign-in
(``POST /login``), a record page (``GET /records/{lot}``) and a signature (a scrap, with the
password re-entered), each timed from request to answer. Baselines in the same run: one
``PasswordHasher().verify`` in this process (the floor of a sign-in or a signature) and
``GET /healthz``. Targets: p95 ≤ 300 ms for each.

Run: ``python benchmarks/bench_auth.py``. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import PYTHON, percentile, report, time_calls, verdict
from argon2 import PasswordHasher

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "violet anchor drifting softly"
ORDER = json.loads((ROOT / "samples" / "usual-4.5mg.order.json").read_text(encoding="utf-8"))
ORDER.pop("lot_number", None)
ROUNDS, CLIENTS = 30, 2


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """A cookie jar over one keep-alive connection."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""

    def send(self, method: str, path: str, form: dict[str, str] | None = None,
             headers: dict[str, str] | None = None, body: bytes | None = None):
        sent = {**(headers or {}), **({"Cookie": self.cookie} if self.cookie else {})}
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=sent)
        response = self.connection.getresponse()
        data = response.read()
        if response.getheader("Set-Cookie"):
            self.cookie = response.getheader("Set-Cookie").split(";", 1)[0]
        return response.status, data

    def csrf(self, path: str) -> str:
        _, page = self.send("GET", path)
        return re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()

    def login(self, username: str) -> float:
        token = self.csrf("/login")
        start = time.perf_counter()
        status, _ = self.send("POST", "/login", {"csrf_token": token, "username": username,
                                                 "password": PASSWORD})
        assert status == 303, status
        return time.perf_counter() - start


def main() -> int:
    from sqlalchemy import create_engine

    from compounding.records import Accounts, Store

    hasher = PasswordHasher()
    print(f"argon2id cost: time {hasher.time_cost}, memory {hasher.memory_cost} KiB, "
          f"parallelism {hasher.parallelism}")
    stored = hasher.hash(PASSWORD)
    floor = report("  baseline: PasswordHasher().verify", time_calls(
        lambda: hasher.verify(stored, PASSWORD), runs=20, warmup=2), "ms")
    folder = Path(tempfile.mkdtemp())
    url = f"sqlite:///{folder / 'records.sqlite3'}"
    Store.open(url, b"bench").engine.dispose()
    people = Accounts(create_engine(url), hasher, key=b"bench")
    people.add("tech", "T. Tech", PASSWORD, ["technician"])
    people.add("rph", "R. Okafor, PharmD", PASSWORD, ["pharmacist", "technician"], "RPH-1")
    token = people.create_token("bench", "tech", ["records:write"])[1]
    people.engine.dispose()
    port = _port()
    exe = shutil.which("compounding")
    command = [exe] if exe else [PYTHON, "-m", "compounding.cli"]
    env = {**os.environ, "COMPOUNDING_DATABASE_URL": url, "COMPOUNDING_CHAIN_KEY": "bench"}
    server = subprocess.Popen([*command, "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ok = True
    try:
        for _ in range(150):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        maker = Browser(port)
        lots = []
        for _ in range(ROUNDS * CLIENTS):
            status, _ = maker.send("POST", "/api/v1/worksheet", headers={
                "Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                body=json.dumps(ORDER).encode())
            assert status == 201, status
        lots = [f"{ORDER['compounded_on'].replace('-', '')}-{n:03d}"
                for n in range(1, ROUNDS * CLIENTS + 1)]

        def client(share: list[str]) -> dict[str, list[float]]:
            times: dict[str, list[float]] = {"sign-in": [], "page": [], "signature": [],
                                             "health": []}
            for lot in share:
                browser = Browser(port)
                times["sign-in"].append(browser.login("rph"))
                start = time.perf_counter()
                status, page = browser.send("GET", f"/records/{lot}")
                times["page"].append(time.perf_counter() - start)
                assert status == 200, status
                csrf = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()
                start = time.perf_counter()
                status, _ = browser.send("POST", f"/records/{lot}/scrap", {
                    "csrf_token": csrf, "revision": "1", "reason": "benchmark",
                    "password": PASSWORD})
                times["signature"].append(time.perf_counter() - start)
                assert status == 303, status
                start = time.perf_counter()
                browser.send("GET", "/healthz")
                times["health"].append(time.perf_counter() - start)
            return times

        shares = [lots[i::CLIENTS] for i in range(CLIENTS)]
        with ThreadPoolExecutor(CLIENTS) as pool:
            results = list(pool.map(client, shares))
        print(f"compounding serve, {CLIENTS} clients, {ROUNDS} rounds each")
        for name in ("health", "sign-in", "page", "signature"):
            samples = [x for r in results for x in r[name]]
            report(f"  {name}", samples, "ms")
            if name != "health":
                p95 = percentile(samples, 95)
                ok &= verdict(f"{name} p95 ≤ 300 ms", p95 <= 0.300, f"{p95 * 1e3:.0f} ms "
                              f"({p95 / floor:.1f} × one argon2 verify)")
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
