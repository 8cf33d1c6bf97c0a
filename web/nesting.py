"""How deep a JSON body nests, read before anything parses it (security.md, "The input
boundary"): a FHIR extension nested 200 deep made the validator recurse past Python's limit."""

from __future__ import annotations

from flask import Flask, request

from compounding.errors import ErrorDetail
from compounding.orders.reading import MalformedOrder

MAX_DEPTH = 32
"""Objects and arrays inside one another at most; a MedicationRequest needs fewer than 10."""


def depth(raw: bytes) -> int:
    """The deepest nesting of objects and arrays in JSON text, brackets inside strings aside;
    one pass, no recursion.

    >>> depth(b'{"a": [1, {"b": "[[[["}]}'), depth(b'"just text"'), depth(b'[[[]]]')
    (3, 0, 3)
    """
    deepest = level = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x7B, 0x5B):  # { [
            level += 1
            deepest = max(deepest, level)
        elif byte in (0x7D, 0x5D):  # } ]
            level -= 1
    return deepest


def init_app(app: Flask) -> None:
    """Refuse a JSON body nested more than :data:`MAX_DEPTH` deep with ``INVALID_JSON``."""

    def check() -> None:
        if request.mimetype.endswith("json") and request.content_length:
            if depth(request.get_data(cache=True)) > MAX_DEPTH:
                raise MalformedOrder([ErrorDetail(
                    "INVALID_JSON", "body",
                    f"the JSON nests more than {MAX_DEPTH} levels deep; no order or resource "
                    f"needs that")])

    app.before_request_funcs.setdefault(None, []).append(check)
