"""The web service under load, against a bare WSGI app on the same waitress settings, in one run.

Starts ``compounding serve`` (waitress, 8 threads) and ``benchmarks/bare_wsgi.py`` (a WSGI
hello-world with the service's own waitress settings, and the same from a one-route Flask app,
for what Flask itself costs) on loopback, and drives them with ``wrk`` (Debian's native load
generator: ``apt-get install wrk``), 8 keep-alive connections, one wrk thread, pinned to one
core while the servers are pinned to the other. Three interleaved rounds of the bare apps and
``POST /api/v1/plan`` are compared round by round (the median ratio); then
``POST /api/v1/label`` latency, and the server's peak memory.

Targets: plan ≥ 50 % of the bare app's requests per second; label p95 ≤ 100 ms at 8 clients;
server memory ≤ 200 MB.

Run: ``python benchmarks/bench_web.py``. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import PYTHON, verdict

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 8
# servers on one core, the load generator on the other, so that neither steals the other's
# time and rounds compare like with like
PIN_SERVER, PIN_CLIENT = ((["taskset", "-c", "1"], ["taskset", "-c", "0"])
                          if shutil.which("taskset") and (os.cpu_count() or 1) >= 2 else ([], []))
REPORT = """
wrk.method = os.getenv("WRK_METHOD") or "GET"
local token = os.getenv("WRK_TOKEN")
if token then wrk.headers["Authorization"] = "Bearer " .. token end
local body = os.getenv("WRK_BODY")
if body then
  wrk.body = io.open(body):read("*a")
  wrk.headers["Content-Type"] = "application/json"
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


TOKEN = [""]  # the pharmacy system's token the load generator sends


def _token(url: str) -> str:
    """A user and a token with the plan scope in the benchmark's database."""
    from sqlalchemy import create_engine

    from compounding.records import Accounts, Store

    Store.open(url, b"bench").engine.dispose()  # the schema
    people = Accounts(create_engine(url), key=b"bench")
    people.add("loadgen", "Load generator", "a long benchmark passphrase", ["technician"], own=True)
    return people.create_token("loadgen", "loadgen", ["plan"])[1]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(port: int) -> None:
    for _ in range(150):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def load(script: Path, port: int, path: str, seconds: int, body: Path | None = None,
         method: str = "GET") -> tuple[float, float, float]:
    """Requests per second, p50 and p95 latency [s] of ``seconds`` of wrk on ``path``."""
    env = {**os.environ, "WRK_METHOD": method, "WRK_TOKEN": TOKEN[0]}
    if body:
        env["WRK_BODY"] = str(body)
    done = subprocess.run([*PIN_CLIENT, "wrk", "-t1", f"-c{CLIENTS}", f"-d{seconds}s", "-s",
                           str(script), f"http://127.0.0.1:{port}{path}"], capture_output=True,
                          text=True, env=env, check=True)
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT"))
    requests, duration, p50, p95, failed, non2xx = map(int, line.split()[1:])
    if failed or non2xx:
        raise RuntimeError(f"{path}: {failed} failed and {non2xx} non-2xx answers")
    rate = requests / (duration / 1e6)
    print(f"  {method} {path:<22} {rate:8.0f} req/s   p50 {p50 / 1e3:7.2f} ms   "
          f"p95 {p95 / 1e3:7.2f} ms   ({requests} requests)")
    return rate, p50 / 1e6, p95 / 1e6


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    if not shutil.which("wrk"):
        print("wrk is not installed: apt-get install wrk")
        return 1
    app_port, bare_port, flask_port = _port(), _port(), _port()
    script = Path(PYTHON).with_name("compounding")  # not a version manager's shim
    exe = str(script) if script.exists() else shutil.which("compounding")
    command = [exe] if exe else [PYTHON, "-m", "compounding.cli"]
    folder = Path(tempfile.mkdtemp())
    script = folder / "report.lua"
    script.write_text(REPORT)
    url = f"sqlite:///{folder / 'records.sqlite3'}"
    TOKEN[0] = _token(url)
    env = {**os.environ, "COMPOUNDING_PROFILE": str(ROOT / "samples" / "pharmacy.toml"),
           "COMPOUNDING_DATABASE_URL": url, "COMPOUNDING_CHAIN_KEY": "bench",
           "COMPOUNDING_DATA_DIR": str(folder)}
    server = subprocess.Popen([*PIN_SERVER, *command, "serve", "--port", str(app_port),
                               "--threads", "8"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    bare_wsgi = str(ROOT / "benchmarks" / "bare_wsgi.py")
    baselines = [subprocess.Popen([*PIN_SERVER, PYTHON, bare_wsgi, str(port), "8", kind],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for port, kind in ((bare_port, "wsgi"), (flask_port, "flask"))]
    ok = True
    try:
        for port in (app_port, bare_port, flask_port):
            _wait(port)
        plan_body = ROOT / "samples" / "usual-4.5mg.order.json"
        label_body = ROOT / "samples" / "opioid-percocet.order.json"
        print(f"waitress, 8 threads; wrk, 1 thread, {CLIENTS} connections")
        load(script, app_port, "/api/v1/plan", 2, plan_body, "POST")  # warm up
        load(script, bare_port, "/", 2)
        ratios, flask_ratios = [], []
        for round_ in range(1, 4):
            print(f" round {round_}")
            baseline, _, _ = load(script, bare_port, "/", 5)
            hello, _, _ = load(script, flask_port, "/", 5)
            plan, _, _ = load(script, app_port, "/api/v1/plan", 5, plan_body, "POST")
            ratios.append(plan / baseline)
            flask_ratios.append(plan / hello)
        print(" labels")
        load(script, app_port, "/api/v1/label", 2, label_body, "POST")  # warm up
        _, _, label_p95 = load(script, app_port, "/api/v1/label", 10, label_body, "POST")
        peak = peak_mb(server.pid)
        print(f"  server peak memory: {peak:.0f} MB")
        ratio = sorted(ratios)[1]
        print(f"  plan / Flask hello-world (what Flask itself allows): "
              f"{sorted(flask_ratios)[1]:.0%} (rounds: "
              f"{', '.join(f'{r:.0%}' for r in flask_ratios)})")
        ok &= verdict("plan ≥ 50 % of the bare WSGI app", ratio >= 0.5,
                      f"{ratio:.0%} (rounds: {', '.join(f'{r:.0%}' for r in ratios)})")
        ok &= verdict("label p95 ≤ 100 ms at 8 clients", label_p95 <= 0.100,
                      f"{label_p95 * 1e3:.1f} ms")
        ok &= verdict("server memory ≤ 200 MB", peak <= 200, f"{peak:.0f} MB peak")
    finally:
        for process in (server, *baselines):
            process.terminate()
            process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
