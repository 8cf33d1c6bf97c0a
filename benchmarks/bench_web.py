"""The web service under load, against a baseline endpoint on the same server, in one run.

Starts ``compounding serve`` (waitress) on loopback and drives it with 8 concurrent clients
(separate processes, keep-alive connections): requests per second and p50/p95 latency of
``POST /api/v1/plan`` and ``POST /api/v1/label``, next to two trivial endpoints on the same server:
``GET /healthz`` (which pings the records database) and the static stylesheet; the faster of the
two is the baseline. Then the server's resident memory. Clients and server share the machine,
so baseline and plan are measured in three interleaved rounds and compared round by round (the
median ratio). Targets: plan ≥ 50 % of the trivial endpoint's throughput; label p95 ≤ 150 ms; server
memory ≤ 200 MB.

Run: ``python benchmarks/bench_web.py``. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from multiprocessing import Pool
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import PYTHON, percentile, verdict

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 8
PLAN = (ROOT / "samples" / "usual-4.5mg.order.json").read_bytes()
LABEL = (ROOT / "samples" / "opioid-percocet.order.json").read_bytes()


def _client(job: tuple[int, str, str, bytes | None, int]) -> list[float]:
    port, method, path, body, count = job
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json"} if body else {}
    latencies = []
    for _ in range(count):
        start = time.perf_counter()
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        assert response.status == 200, (path, response.status)
        latencies.append(time.perf_counter() - start)
    connection.close()
    return latencies


def load(pool: Pool, port: int, method: str, path: str, body: bytes | None, count: int):
    _client((port, method, path, body, 5))  # warm up
    start = time.perf_counter()
    results = pool.map(_client, [(port, method, path, body, count)] * CLIENTS)
    wall = time.perf_counter() - start
    latencies = [x for r in results for x in r]
    rate = len(latencies) / wall
    print(f"  {method} {path:<22} {rate:8.0f} req/s   p50 {percentile(latencies, 50) * 1e3:7.2f} ms"
          f"   p95 {percentile(latencies, 95) * 1e3:7.2f} ms   ({len(latencies)} requests)")
    return rate, percentile(latencies, 95)


def rss_mb(pid: int) -> tuple[float, float]:
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text()
                  .splitlines() if ":" in line)
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)


def main() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = shutil.which("compounding")
    command = [exe] if exe else [PYTHON, "-m", "compounding.cli"]
    env = {**os.environ, "COMPOUNDING_PROFILE": str(ROOT / "samples" / "pharmacy.toml")}
    server = subprocess.Popen([*command, "serve", "--port", str(port), "--threads", "8"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ok = True
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        json.loads(PLAN)
        print(f"compounding serve (waitress, 8 threads) on 127.0.0.1:{port}, {CLIENTS} clients")
        ratios = []
        with Pool(CLIENTS) as pool:
            for round_ in range(1, 4):
                print(f" round {round_}")
                health, _ = load(pool, port, "GET", "/healthz", None, 300)
                static, _ = load(pool, port, "GET", "/static/app.css", None, 300)
                plan, _ = load(pool, port, "POST", "/api/v1/plan", PLAN, 300)
                ratios.append(plan / max(health, static))
            _, label_p95 = load(pool, port, "POST", "/api/v1/label", LABEL, 40)
        rss, peak = rss_mb(server.pid)
        print(f"  server memory: {rss:.0f} MB resident, {peak:.0f} MB peak")
        ratio = sorted(ratios)[1]
        ok &= verdict("plan ≥ 50 % of the faster trivial endpoint", ratio >= 0.5,
                      f"{ratio:.0%} (rounds: {', '.join(f'{r:.0%}' for r in ratios)})")
        ok &= verdict("label p95 ≤ 150 ms", label_p95 <= 0.150, f"{label_p95 * 1e3:.1f} ms")
        ok &= verdict("server memory ≤ 200 MB", peak <= 200, f"{peak:.0f} MB peak")
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
