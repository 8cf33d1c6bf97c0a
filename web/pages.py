"""What the workbench's pages share: the error of a form that expired, a confirmation shown once
on the next page, and a whole number read from what was typed (a form's field, a query
parameter or a header: the API reads them the same way)."""

from __future__ import annotations

import re

from flask import session

from compounding.errors import ErrorDetail

EXPIRED = ErrorDetail("CSRF_FAILED", "form", "This form has expired; submit it again.")

_WHOLE = re.compile(r"[0-9]{1,19}")


def whole_number(text: str | None) -> int | None:
    """ASCII digits as a whole number, else ``None`` (``str.isdigit`` admits "²" and "١")."""
    return int(text) if text is not None and _WHOLE.fullmatch(text) else None


def session_notice(text: str) -> None:
    """A confirmation the next page shows once."""
    session["notice"] = text
