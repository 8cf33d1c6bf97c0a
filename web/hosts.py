"""Which ``Host`` headers the service answers to (DNS rebinding; security.md, "The input boundary").

The check is the service's own rather than Werkzeug's, so that an upstream release cannot change
what is trusted: Werkzeug 3.1.9 cut every trusted name at its first ":", so ``[::1]`` and ``::1``
never matched. A ``Host`` header (RFC 9110 §7.2, RFC 3986 §3.2.2) is one of

- a name or an IPv4 address, with an optional port: ``localhost``, ``ldn.example:8443``;
- an IPv6 address in brackets, with an optional port: ``[::1]``, ``[::1]:8000``;
- an IPv6 address without brackets and without a port: ``::1`` (what some clients send; a port
  cannot follow it, so ``::1:8000`` is read as the address ``::1:8000``, not loopback).

A port is 1 to 65535 in digits. Anything else (``[::1]evil``, ``[::1``, ``[::1]:99999``) matches
nothing. A trusted name is compared without its port; one that starts with a dot
(``.pharmacy.example``) trusts that domain and its subdomains; IPv6 addresses compare as
addresses, whatever their spelling (``[::1]``, ``::1``, ``0:0:0:0:0:0:0:1``).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

from flask import Flask, request
from werkzeug.exceptions import SecurityError

_NAME = re.compile(r"([A-Za-z0-9](?:[A-Za-z0-9.\-_]*[A-Za-z0-9_])?)\.?(?::([0-9]{1,5}))?")
_BRACKETED = re.compile(r"\[([0-9A-Fa-f:.]+)\](?::([0-9]{1,5}))?")
_LONGEST = 255


def host_name(header: str) -> str | None:
    """The host of a ``Host`` header without its port, lower case; IPv6 in its compressed form
    without brackets. ``None`` when the header is not a well-formed host.

    >>> host_name("[::1]:8000"), host_name("::1"), host_name("LocalHost:80")
    ('::1', '::1', 'localhost')
    >>> [host_name(h) for h in ("[::1]evil", "[::1]:99999", "[::1", "::1:8000", "a b", "")]
    [None, None, None, '::1:8000', None, None]
    """
    if not header or len(header) > _LONGEST:
        return None
    if header.startswith("["):
        match = _BRACKETED.fullmatch(header)
        if match is None or not _port_ok(match.group(2)):
            return None
        return _ipv6(match.group(1))
    if header.count(":") > 1:
        return _ipv6(header)
    match = _NAME.fullmatch(header)
    if match is None or not _port_ok(match.group(2)):
        return None
    return match.group(1).lower()


def _port_ok(port: str | None) -> bool:
    return port is None or 1 <= int(port) <= 65535


def _ipv6(text: str) -> str | None:
    try:
        return ipaddress.IPv6Address(text).compressed
    except ValueError:
        return None


def trusted_name(name: str) -> str | None:
    """A configured trusted host as it is compared: the host of :func:`host_name`, keeping a
    leading dot (a domain and its subdomains). ``None`` if it names no host."""
    name = name.strip()
    if name.startswith("."):
        rest = host_name(name[1:])
        return None if rest is None else f".{rest}"
    return host_name(name)


def is_trusted(header: str | None, trusted: Iterable[str]) -> bool:
    """Whether the ``Host`` header names one of the ``trusted`` hosts.

    >>> loopback = ["localhost", "127.0.0.1", "::1", "[::1]"]
    >>> [is_trusted(h, loopback) for h in ("[::1]:8000", "::1", "localhost:8000", "[::2]")]
    [True, True, True, False]
    >>> is_trusted("shop.pharmacy.example", [".pharmacy.example"])
    True
    >>> is_trusted("evilpharmacy.example", [".pharmacy.example"])
    False
    """
    host = host_name(header or "")
    if host is None:
        return False
    for reference in trusted:
        wanted = trusted_name(reference)
        if wanted is None:
            continue
        if wanted.startswith("."):
            if host == wanted[1:] or host.endswith(wanted):
                return True
        elif host == wanted:
            return True
    return False


def init_app(app: Flask) -> None:
    """Check every request's host against the app's ``TRUSTED_HOSTS`` (a list of names) before
    anything else reads the request; an untrusted host is refused with ``UNTRUSTED_HOST``.
    Werkzeug's own check is turned off (Flask's ``TRUSTED_HOSTS`` becomes ``None``) so that only
    this one decides."""
    trusted = tuple(app.config.get("TRUSTED_HOSTS") or ())
    app.extensions["trusted_hosts"] = trusted
    app.config["TRUSTED_HOSTS"] = None

    def check() -> None:
        environ = request.environ
        header = environ.get("HTTP_HOST")
        if header is None:  # HTTP/1.0 without a Host header: the server's own name
            header = environ.get("SERVER_NAME")
        if not is_trusted(header, trusted):
            raise SecurityError(f"host {str(header)[:64]!r} is not trusted")

    app.before_request_funcs.setdefault(None, []).append(check)
