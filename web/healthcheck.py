"""The container's health check: ``python -m compounding.web.healthcheck``.

Exits 0 when ``GET /healthz`` on this machine answers 200 within 5 s, else 1 with the reason on
stderr (Docker's ``HEALTHCHECK`` in ``deploy/Dockerfile``). It reads the same ``COMPOUNDING_*``
settings as ``compounding serve`` and names the first trusted host, which the service answers to.
"""

from __future__ import annotations

import http.client
import sys

from compounding.errors import CompoundingError
from compounding.service_settings import load

TIMEOUT_S = 5


def main() -> int:
    try:
        settings = load()
    except CompoundingError as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
    # the address it listens on; any address: this machine's IPv4 loopback
    address = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "localhost") \
        else settings.host.strip("[]")
    host = settings.trusted_hosts[0] if settings.trusted_hosts else "localhost"
    connection = http.client.HTTPConnection(address, settings.port, timeout=TIMEOUT_S)
    try:
        connection.request("GET", "/healthz", headers={"Host": host})
        response = connection.getresponse()
        body = response.read(500).decode(errors="replace")
    except OSError as exc:
        sys.stderr.write(f"no answer on {address}:{settings.port}: {exc}\n")
        return 1
    finally:
        connection.close()
    if response.status != 200:
        sys.stderr.write(f"/healthz answered {response.status}: {body}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
