"""The ``compounding`` command: plan an order, print its documents, serve the web form.

``compounding plan ORDER.json`` prints the plan JSON (API v1) on stdout; ``-`` reads stdin.
Exit status 0 on success, 2 on an invalid order with the API v1 error body on stderr.
This module is the boundary where files are read; the calculation itself does no I/O.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

EXIT_OK = 0
EXIT_INVALID = 2

EPILOG = """\
commands:
  plan ORDER.json            print the batch plan as JSON (use - to read the order from stdin)

An order is the JSON object of API v1 (see README.md). An invalid order prints
{"ok": false, "status": 422, "errors": [...]} on stderr and exits with status 2.
"""


class _Unreadable(Exception):
    """The order file could not be read; carries the API v1 error body."""

    def __init__(self, path: str, exc: Exception) -> None:
        from .errors import ErrorDetail, error_body

        reason = getattr(exc, "strerror", None) or str(exc)
        self.body = error_body(400, [ErrorDetail("INVALID_JSON", "order",
                                                 f"cannot read {path}: {reason}")])


def _read(path: str, stdin: TextIO) -> str:
    try:
        if path == "-":
            return stdin.read()
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise _Unreadable(path, exc) from None


def _cmd_plan(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    from .errors import CompoundingError
    from .orders import parse_order_json
    from .plan import plan_order

    try:
        plan = plan_order(parse_order_json(_read(args.order, stdin)))
    except CompoundingError as exc:
        json.dump(exc.to_json(), err, indent=2, ensure_ascii=False)
        err.write("\n")
        return EXIT_INVALID
    json.dump(plan.model_dump(mode="json"), out, indent=2, ensure_ascii=False)
    out.write("\n")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="compounding",
        description="Low-dose naltrexone capsules from 50 mg tablets: batch plan, checks, "
                    "worksheet and label.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    plan = commands.add_parser("plan", help="print the batch plan of an order as JSON",
                               description="Print the batch plan (API v1 JSON) of an order.")
    plan.add_argument("order", metavar="ORDER.json", help="the order file, or - for stdin")
    plan.set_defaults(run=_cmd_plan)
    return parser


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None,
         err: TextIO | None = None, stdin: TextIO | None = None) -> int:
    """Run the command line; returns the exit status."""
    out, err, stdin = out or sys.stdout, err or sys.stderr, stdin or sys.stdin
    args = build_parser().parse_args(argv)
    run: Callable[..., int] = args.run
    try:
        return run(args, out, err, stdin)
    except _Unreadable as exc:
        json.dump(exc.body, err, indent=2, ensure_ascii=False)
        err.write("\n")
        return EXIT_INVALID
    except BrokenPipeError:  # the reader went away (``| head``): nothing more to say
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
