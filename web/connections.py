"""Waitress with guarded connections: a cap per client address, a request deadline, and room made.

Waitress (3.0) keeps at most ``connection_limit`` connections and stops accepting while they are
all open; it closes a connection only after ``channel_timeout`` seconds without a byte, so a
client that sends one byte every few seconds keeps its connection for ever, and a thousand such
connections stop the service for everyone. :func:`create_server` builds waitress's own server
and channel classes, with:

- a cap on the connections one client address holds open at once (:class:`Guard`): further
  ones from that address are accepted and closed at once, while other addresses are served;
- a deadline for the request: a connection that has not delivered a complete request within
  ``request_deadline`` seconds of opening, or of its previous answer (keep-alive), is closed,
  however it trickles;
- when every connection is taken all the same (many addresses), the connections that have
  waited longest for their request are closed to make room, instead of new ones waiting.

A connection whose request is being served, or whose answer is still being sent, is never closed
by these guards (``channel_timeout`` still bounds a client that stops reading).
"""

from __future__ import annotations

import heapq
import ipaddress
import logging
import threading
import time
from typing import Any

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import MultiSocketServer, TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher

LOG = logging.getLogger(__name__)
REFUSALS_PER_WAKE = 256
"""Connections refused in one turn of the event loop before it serves others [connections]."""
EVICTION_GRACE_S = 1.0
"""A connection this new is not closed to make room, so that a new client's request, already
on its way, is read [s]."""
EVICTION_LOG_INTERVAL_S = 10.0
"""Connections closed to make room are logged at most this often [s]."""


def client_key(host: str) -> str:
    """The address a connection is counted under: the client's address as text, an IPv4
    address mapped into IPv6 (``::ffff:10.0.0.5``) as IPv4."""
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


class Guard:
    """The limits and the count of open connections per client address, shared by the
    listening sockets of one server.

    ``exempt`` is the trusted proxy's address (``*``: every address), whose connections carry
    many clients: it has no cap of its own (its clients are the proxy's business), but the
    request deadline applies to it too."""

    def __init__(self, per_client: int, request_deadline: float,
                 exempt: str | None = None) -> None:
        self.per_client = per_client
        self.request_deadline = request_deadline
        self.exempt_all = exempt == "*"
        self.exempt = client_key(exempt) if exempt and exempt != "*" else None
        self.open: dict[str, int] = {}
        self.refused: dict[str, int] = {}  # since the address was last at its cap
        self.lock = threading.Lock()

    def admits(self, key: str) -> bool:
        """Whether ``key`` may open one more connection; a refusal is logged once per episode."""
        if self.exempt_all or key == self.exempt:
            return True
        with self.lock:
            if self.open.get(key, 0) < self.per_client:
                return True
            refused = self.refused[key] = self.refused.get(key, 0) + 1
        if refused == 1:
            LOG.warning("%s holds %d connections, the most one address may: closing its new "
                        "ones until it closes some", key, self.per_client)
        return False

    def opened(self, key: str) -> None:
        with self.lock:
            self.open[key] = self.open.get(key, 0) + 1

    def closed(self, key: str) -> None:
        with self.lock:
            held = self.open.get(key, 0) - 1
            if held > 0:
                self.open[key] = held
            else:
                self.open.pop(key, None)
            if held < self.per_client and key in self.refused:
                LOG.info("%s is below its connection cap again; %d of its connections were "
                         "closed at once", key, self.refused.pop(key))


class GuardedChannel(HTTPChannel):
    """Waitress's channel, counted under its client's address, knowing since when it has
    been waiting for a request (:attr:`waiting_since`, monotonic clock [s])."""

    server: GuardedServer
    client: str | None = None
    in_service = False

    def __init__(self, server: GuardedServer, sock: Any, addr: Any, adj: Adjustments,
                 map: dict[int, Any] | None = None) -> None:
        self.waiting_since = time.monotonic()
        super().__init__(server, sock, addr, adj, map=map)
        self.client = client_key(str(addr[0]))
        server.guard.opened(self.client)

    def del_channel(self, map: dict[int, Any] | None = None) -> None:
        super().del_channel(map)
        if self.client is not None:
            client, self.client = self.client, None
            self.server.guard.closed(client)

    def service(self) -> None:
        self.in_service = True
        try:
            super().service()
        finally:
            self.waiting_since = time.monotonic()
            self.in_service = False

    def _flush_some(self, do_close: bool = True) -> bool:
        sent: bool = super()._flush_some(do_close=do_close)
        if sent:  # an answer is on its way: the next request's time starts when it is sent
            self.waiting_since = time.monotonic()
        return sent

    def waiting(self) -> bool:
        """Whether the channel is waiting for its client's request: nothing being served or
        sent, and not already closing."""
        return not (self.requests or self.in_service or self.total_outbufs_len
                    or self.will_close or self.close_when_flushed)


class GuardedServer(TcpWSGIServer):
    """Waitress's TCP server with :class:`GuardedChannel` connections and a :class:`Guard`."""

    channel_class = GuardedChannel
    next_channel_cleanup: float  # waitress's, [s] by time.time()
    in_connection_overflow: bool  # waitress's: at the limit and not accepting
    evicted = 0  # connections closed to make room since the last log line
    next_eviction_log = 0.0  # [s], monotonic

    def __init__(self, application: Any, guard: Guard, **kw: Any) -> None:
        self.guard = guard
        super().__init__(application, **kw)

    def accept(self) -> tuple[Any, Any] | None:
        """The next connection to serve; those from an address at its cap are closed on the
        way, at most :data:`REFUSALS_PER_WAKE` at a time."""
        for _ in range(REFUSALS_PER_WAKE):
            pair = super().accept()
            if pair is None:
                return None
            connection, addr = pair
            if self.guard.admits(client_key(str(self.fix_addr(addr)[0]))):
                return connection, addr
            connection.close()
        return None

    def readable(self) -> bool:
        """Waitress's: maintenance every ``cleanup_interval``, and accept while under the
        connection limit; at the limit, make room (:meth:`make_room`) instead of waiting."""
        now = time.time()
        if now >= self.next_channel_cleanup:
            self.next_channel_cleanup = now + self.adj.cleanup_interval
            self.maintenance(now)
        if not self.accepting:
            return False
        over = len(self._map) - self.adj.connection_limit + 1
        if over <= 0:
            if self.in_connection_overflow:
                self.in_connection_overflow = False
                self.logger.info("open connections dropped below the connection limit, "
                                 "accepting again")
            return True
        if not self.make_room(over) and not self.in_connection_overflow:
            self.in_connection_overflow = True
            self.logger.warning("every connection is taken and none is waiting for a request: "
                                "no longer accepting new connections")
        return False

    def make_room(self, wanted: int) -> bool:
        """Close up to ``wanted`` connections that have waited longest for their request
        (and at least :data:`EVICTION_GRACE_S`), counting those already closing; whether any
        is closing."""
        channels: list[GuardedChannel] = list(self.active_channels.values())
        closing = sum(1 for c in channels if c.will_close or c.close_when_flushed)
        if closing >= wanted:
            return True
        cutoff = time.monotonic() - EVICTION_GRACE_S
        oldest = heapq.nsmallest(wanted - closing, (c for c in channels
                                                    if c.waiting() and c.waiting_since < cutoff),
                                 key=lambda c: c.waiting_since)
        for channel in oldest:
            channel.will_close = True
        self.evicted += len(oldest)
        if self.evicted and time.monotonic() >= self.next_eviction_log:
            self.next_eviction_log = time.monotonic() + EVICTION_LOG_INTERVAL_S
            LOG.warning("every connection was taken: closed the %d that had waited longest "
                        "for a request", self.evicted)
            self.evicted = 0
        return bool(closing or oldest)

    def maintenance(self, now: float) -> None:
        """Waitress's idle timeout, then the request deadline."""
        super().maintenance(now)
        cutoff = time.monotonic() - self.guard.request_deadline
        late = [c for c in list(self.active_channels.values())
                if c.waiting() and c.waiting_since < cutoff]
        for channel in late:
            channel.will_close = True
        if late:
            LOG.info("closed %d connections that sent no complete request within %g s",
                     len(late), self.guard.request_deadline)


def create_server(application: Any, guard: Guard, **settings: Any) -> Any:
    """What ``waitress.create_server`` makes for a host and port, with guarded connections:
    one :class:`GuardedServer` per address the host resolves to, sharing one event loop, worker
    pool and ``guard``. The result has waitress's ``run()`` and ``print_listen()``."""
    adj = Adjustments(**settings)
    if adj.unix_socket or adj.sockets:
        raise ValueError("only a host and port are served with guarded connections")
    socket_map: dict[int, Any] = {}
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(adj.threads)
    servers = [GuardedServer(application, guard, map=socket_map, dispatcher=dispatcher,
                             adj=adj, sockinfo=sockinfo) for sockinfo in adj.listen]
    if len(servers) == 1:
        return servers[0]
    return MultiSocketServer(socket_map, adj,
                             [(s.effective_host, s.effective_port) for s in servers],
                             dispatcher, servers[-1].log_info)


def ensure_descriptors(wanted: int) -> None:
    """Raise this process's soft limit of open files to ``wanted`` (within the hard limit): a
    common default of 1 024 would end the connections before the connection limit does."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (OSError, ValueError):  # pragma: no cover - not allowed here
            LOG.warning("cannot raise the open-file limit from %d to %d", soft, target)
