"""The production server: waitress, with limits that keep one client from locking out others.

Waitress reads each request completely on its event loop before a worker thread sees it, so a
slow or idle connection holds only a socket, never a worker. What it does hold is a place under
the connection limit (:data:`CONNECTION_LIMIT`), and waitress alone closes a connection only
after :data:`CHANNEL_TIMEOUT_S` seconds without a byte: a thousand idle sockets, or a thousand
that trickle a byte every few seconds, would stop the service for everyone. So the server is
waitress with guarded connections (:mod:`compounding.web.connections`): one client address holds
at most :data:`CONNECTIONS_PER_CLIENT` connections, a connection that has not delivered a
complete request :data:`REQUEST_DEADLINE_S` seconds after it opened (or after its previous
answer) is closed, and at the limit the connections waiting longest for a request make room for
new ones (security.md, "The input boundary"). Behind the deployment kit's Caddy, the proxy's own
timeouts apply to the clients, and the proxy's address has no cap. The same settings serve the
benchmark's bare WSGI baseline (plain waitress).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from compounding.service_settings import LOOPBACK_NAMES

CONNECTION_LIMIT = 1000
"""Connections open at once [connections] (sockets, not threads; each costs a few KB)."""
CHANNEL_TIMEOUT_S = 30
"""A connection without a byte in either direction this long is closed [s]: what bounds a
client that stops reading its answer."""
REQUEST_DEADLINE_S = 10
"""A connection that has not delivered a complete request this long after it opened, or after
its previous answer was sent (keep-alive), is closed, however it trickles [s]. A request is
read whole before it is served, and on a LAN it takes milliseconds."""
CONNECTIONS_PER_CLIENT = 50
"""Connections one client address may hold open at once [connections]; further ones are closed
as soon as they are accepted, while other addresses are served. A browser opens six at most.
The trusted proxy (``COMPOUNDING_TRUSTED_PROXY``) carries every client's requests and has no
cap; with ``*``, no address has one."""
OPEN_FILES = CONNECTION_LIMIT + 256
"""The open-file limit the server raises itself to, when the system allows [files]."""
SERVER_SETTINGS: dict[str, Any] = {
    "connection_limit": CONNECTION_LIMIT,
    "channel_timeout": CHANNEL_TIMEOUT_S,  # [s] without a byte in either direction
    "cleanup_interval": 1,  # [s] how often idle and late connections are looked for
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
    trusted hosts. Connections are guarded as the module says; the proxy has no per-address cap."""
    from .connections import Guard, create_server, ensure_descriptors

    proxy: dict[str, Any] = {}
    if trusted_proxy:
        proxy = {"trusted_proxy": trusted_proxy, "trusted_proxy_count": 1,
                 "trusted_proxy_headers": PROXY_HEADERS}
    ensure_descriptors(OPEN_FILES)
    guard = Guard(CONNECTIONS_PER_CLIENT, REQUEST_DEADLINE_S, exempt=trusted_proxy)
    server = create_server(app, guard, host=host, port=port, threads=threads,
                           **SERVER_SETTINGS, **proxy)
    server.print_listen("Serving on http://{}:{}")
    server.run()
