"""The production server: waitress, with limits that keep one client from locking out others.

Waitress reads each request completely on its event loop before a worker thread sees it, so a
slow or idle connection holds only a socket, never a worker. What it does hold is a place under
the connection limit: :data:`SERVER_SETTINGS` raises the limit well past what slow clients can
open at once from one pharmacy's network, polls instead of ``select()`` (no 1024-descriptor
ceiling), and closes a connection idle for :data:`CHANNEL_TIMEOUT_S` seconds
(security.md, "The input boundary"). The same settings serve the benchmark's bare WSGI baseline.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from compounding.service_settings import LOOPBACK_NAMES

CHANNEL_TIMEOUT_S = 30
SERVER_SETTINGS: dict[str, Any] = {
    "connection_limit": 1000,  # sockets, not threads; each costs a few KB
    "channel_timeout": CHANNEL_TIMEOUT_S,  # [s] without a byte in either direction
    "cleanup_interval": 5,  # [s] how often idle connections are looked for
    "asyncore_use_poll": True,
    "backlog": 1024,
    "max_request_body_size": 1024 * 1024,  # [bytes]; the application refuses > 64 KiB itself
    "clear_untrusted_proxy_headers": True,
    "ident": "compounding",
}
LOOPBACK_HOSTS = list(LOOPBACK_NAMES)


def trusted_hosts(bind_host: str, configured: list[str] | None = None) -> list[str]:
    """Host names the service answers to: ``configured`` (``COMPOUNDING_TRUSTED_HOSTS``), else
    the loopback names and, when it listens on one particular address, that address."""
    if configured:
        return list(configured)
    hosts = list(LOOPBACK_HOSTS)
    try:
        address = ipaddress.ip_address(bind_host)
    except ValueError:  # a name: trust it as given
        return [*hosts, bind_host] if bind_host not in hosts else hosts
    if not (address.is_unspecified or address.is_loopback):
        hosts.append(str(address))
    return hosts


PROXY_HEADERS = {"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"}


def run(app: Any, host: str, port: int, threads: int, trusted_proxy: str | None = None) -> None:
    """Serve ``app`` until interrupted. Behind ``trusted_proxy`` (an address, or ``*``), the
    proxy's forwarded client address, scheme and host are believed: a request that came to the
    proxy over TLS is secure (its session cookie too), and its host name is checked against the
    trusted hosts."""
    from waitress import serve

    proxy: dict[str, Any] = {}
    if trusted_proxy:
        proxy = {"trusted_proxy": trusted_proxy, "trusted_proxy_count": 1,
                 "trusted_proxy_headers": PROXY_HEADERS}
    serve(app, host=host, port=port, threads=threads, **SERVER_SETTINGS, **proxy)
