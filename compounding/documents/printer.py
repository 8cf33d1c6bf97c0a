"""Send ZPL to a label printer over the network: raw TCP, port 9100 by default.

Zebra printers (and most label printers) take a print job as the bytes of its ZPL written to
TCP port 9100 ("raw" or "JetDirect" printing; Zebra, "ZPL II Programming Guide" P1012728, and
the printer's network guide). Nothing comes back: a job is sent when the printer has taken
every byte and the connection closed cleanly. Every failure (name not found, refused, no
answer within the timeout, connection dropped) is a :class:`PrinterError` whose message names
the printer in words a person can act on, never a traceback.
"""

from __future__ import annotations

import socket

from compounding.errors import CompoundingError, ErrorDetail

PORT = 9100
TIMEOUT = 5.0  # [s] to connect, and for each write


class PrinterError(CompoundingError, OSError):
    """The label printer could not be reached, or did not take the whole label (HTTP 502:
    the workbench is fine, the printer is not)."""

    status = 502


def _refused(host: str, port: int, why: str) -> PrinterError:
    return PrinterError([ErrorDetail(
        "PRINTER_UNREACHABLE", "printer",
        f"The label printer at {host}, port {port}, {why}. Check that it is switched on, "
        f"connected to the network and ready (not paused, not out of labels), and that its "
        f"address is right; then print again.")])


def send_zpl(zpl: str | bytes, host: str, port: int = PORT, timeout: float = TIMEOUT) -> None:
    """Send ``zpl`` (text, sent as UTF-8, which ``^CI28`` tells the printer to read; or bytes)
    to the printer at ``host``:``port`` [s of ``timeout`` to connect and for each write].
    :class:`PrinterError` (``PRINTER_UNREACHABLE``) when the printer cannot be reached or
    does not take every byte."""
    data = zpl.encode("utf-8") if isinstance(zpl, str) else bytes(zpl)
    try:
        with socket.create_connection((host, port), timeout=timeout) as connection:
            connection.sendall(data)
            connection.shutdown(socket.SHUT_WR)
    except socket.gaierror:
        raise _refused(host, port, "could not be found (no such name on the network)") from None
    except TimeoutError:
        raise _refused(host, port, f"did not answer within {timeout:g} seconds") from None
    except ConnectionRefusedError:
        raise _refused(host, port, "refused the connection (nothing is listening on that "
                                   "port)") from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise _refused(host, port, f"could not take the label ({reason.lower()})") from None
