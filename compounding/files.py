"""Files named on the command line: read whole, ``-`` for standard input; a file that cannot
be read is an API v1 error body naming the field it was for, never a traceback."""

from __future__ import annotations

from typing import TextIO


class Unreadable(Exception):
    """The order file could not be read; carries the API v1 error body."""

    def __init__(self, path: str, exc: Exception, verb: str = "cannot read",
                 field: str = "order") -> None:
        from compounding.errors import ErrorDetail, error_body

        reason = getattr(exc, "strerror", None) or str(exc)
        code = ("FILE_NOT_FOUND" if isinstance(exc, FileNotFoundError)
                else "FILE_UNREADABLE" if isinstance(exc, OSError) else "INVALID_JSON")
        self.body = error_body(400, [ErrorDetail(code, field, f"{verb} {path}: {reason}")])


def read(path: str, stdin: TextIO) -> str:
    try:
        if path == "-":
            return stdin.read()
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise Unreadable(path, exc) from None
