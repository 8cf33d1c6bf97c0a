"""The ``compounding`` command: plan an order, print its documents, serve the web form.

``compounding plan ORDER.json`` prints the plan JSON (API v1) on stdout; ``-`` reads stdin.
Exit status 0 on success, 2 on an invalid order with the API v1 error body on stderr.
This module is the boundary where files are read; the calculation itself does no I/O.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from compounding.errors import EXIT_FAULT, EXIT_INVALID, EXIT_OK, CompoundingError, exit_status
from compounding.files import Unreadable as _Unreadable
from compounding.files import read as _read

EPILOG = """\
commands:
  plan ORDER.json                  print the batch plan as JSON (- reads stdin)
  worksheet ORDER.json -o FILE     write the batch worksheet (compounding record) PDF
  label ORDER.json -o FILE [--format pdf|zpl|json] [--dpi 203|300]
                                   write a proof of the patient label: PDF, ZPL for a Zebra
                                   thermal printer, or its content as JSON (refused while a
                                   critical finding is unacknowledged)
  serve [--host H] [--port P]      the web form and the HTTP API on a production WSGI server
                                   (waitress), on http://127.0.0.1:8000 by default
  db upgrade | verify | grant ROLE create or migrate the records database; check every
                                   batch's history and the audit trail (exit 1 if broken);
                                   give a PostgreSQL role the application's rights
  export [-o FILE]                 every record and revision as JSON lines (backup, moving)
  import FILE [--trusted-key KEYFILE]
                                   load exported records, each replayed first (- reads stdin);
                                   one whose chain does not verify with this installation's
                                   key or the exporter's is kept archived, never labelled
  users add|change|disable|reset-password|list [NAME]
                                   people who sign in (never deleted)
  tokens create|revoke|list [NAME] pharmacy systems' API tokens (shown once)
  audit [-o FILE]                  the audit trail as JSON lines
  formulary list | show ID[@VERSION] | approve ID@VERSION --as USER | pdf ID[@VERSION] -o FILE
            | draft FILE --as USER
                                   the master formulation records: list, show as JSON, approve
                                   a draft (a pharmacist's signature; the password is read from
                                   standard input), print as PDF, keep a JSON or TOML record as
                                   a draft
  vocabulary import-rxnorm RXNCONSO.RRF RXNREL.RRF [-o DIFF]
                                   propose the brand names and synonyms of an RxNorm release
                                   for the medication table, as a diff to review and apply

The service settings are COMPOUNDING_* environment variables (docs/deployment.md, "Service
settings"); a flag wins over its variable. The records database is --database URL or
COMPOUNDING_DATABASE_URL (e.g. postgresql+psycopg://user@host/db), else a SQLite file in
COMPOUNDING_DATA_DIR (default: the per-user data folder).

The pharmacy profile (name, address, balance, label stock, pack stats) is read from --profile
FILE or the COMPOUNDING_PROFILE environment variable; see samples/pharmacy.toml. Without one,
built-in defaults apply.

An order is the JSON object of API v1 (docs/api.md). An error prints the API v1 error body,
{"ok": false, "status": 422, "errors": [...]}, on stderr. Exit statuses: 0 done; 1 a fault of the
workbench itself; 2 an invalid order or input; 3 refused (a critical finding unacknowledged, or
not allowed in the batch's state: HTTP 409); 4 not found.
"""


def _profile(args: argparse.Namespace, stdin: TextIO):
    from compounding.profile import DEFAULT_PROFILE, load_profile

    path = args.profile or os.environ.get("COMPOUNDING_PROFILE")
    return load_profile(_read(path, stdin)) if path else DEFAULT_PROFILE


def _fail(err: TextIO, exc: CompoundingError) -> int:
    json.dump(exc.to_json(), err, indent=2, ensure_ascii=False)
    err.write("\n")
    return exit_status(exc)


def _cmd_plan(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    from compounding.orders.reading import parse_any_json
    from compounding.plan import plan_order

    try:
        profile = _profile(args, stdin)
        plan = plan_order(parse_any_json(_read(args.order, stdin)), profile.settings)
    except CompoundingError as exc:
        return _fail(err, exc)
    json.dump(plan.model_dump(mode="json"), out, indent=2, ensure_ascii=False)
    out.write("\n")
    return EXIT_OK


def _cmd_document(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    from compounding import documents
    from compounding.errors import ErrorDetail, OrderError
    from compounding.orders.kit import KitOrder
    from compounding.orders.reading import parse_any_json

    build = documents.worksheet_pdf if args.command == "worksheet" else documents.label_pdf
    form = getattr(args, "format", "pdf")
    try:
        profile = _profile(args, stdin)
        order = parse_any_json(_read(args.order, stdin))
        if isinstance(order, KitOrder):
            raise OrderError([ErrorDetail(
                "INVALID_VALUE", "schedule", "a titration kit is one batch per strength: "
                "`compounding plan` gives each strength's order (kit[]), printed one by one")])
        pdf = (build(order, profile) if form == "pdf" else documents.label_text(
            order, profile, form=form, dpi=args.dpi).encode("utf-8"))
    except CompoundingError as exc:
        return _fail(err, exc)
    try:
        with open(args.output, "wb") as handle:
            handle.write(pdf)
    except OSError as exc:
        raise _Unreadable(args.output, exc, "cannot write", "output") from None
    out.write(f"{args.output}\n")
    return EXIT_OK


def _cmd_serve(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    import logging

    from compounding.service_settings import load
    from compounding.web import create_app
    from compounding.web.server import run, trusted_hosts

    try:
        settings = load(host=args.host, port=args.port, threads=args.threads,
                        profile=args.profile)
        _listenable(settings.host, settings.port)
        hosts = trusted_hosts(settings.host, settings.trusted_hosts)
        app = create_app({"TRUSTED_HOSTS": hosts}, settings=settings)
    except CompoundingError as exc:
        return _fail(err, exc)
    logging.basicConfig(level=settings.log_level,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    out.write(f"Compounding workbench on http://{settings.host}:{settings.port}/ "
              f"(Ctrl-C stops it)\n"
              f"It answers to the host names {', '.join(hosts)} "
              f"(COMPOUNDING_TRUSTED_HOSTS sets them).\n")
    setup = app.extensions.get("setup_token")
    if setup:
        host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
        out.write(f"No one can sign in yet. Open this link once to record the pharmacy's "
                  f"details and create the first administrator:\n"
                  f"  http://{host}:{settings.port}/setup/{setup}\n")
    out.flush()
    run(app, settings.host, settings.port, settings.threads, settings.trusted_proxy)
    return EXIT_OK


def _listenable(host: str, port: int) -> None:
    """``PORT_UNAVAILABLE`` (naming ``port``) when nothing could listen on ``host``:``port``
    now: another program holds it, or the address is not this machine's; checked before the
    database is opened or a setup link printed."""
    import socket

    from compounding.errors import ErrorDetail, OrderError

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host.strip("[]"), port))
        except OSError as exc:
            raise OrderError([ErrorDetail(
                "PORT_UNAVAILABLE", "port",
                f"cannot listen on {host}:{port} ({exc.strerror or exc}): another program "
                f"holds the port, or the address is not this machine's; choose another with "
                f"--port (COMPOUNDING_PORT)")]) from None


def _records(name: str) -> Callable[..., int]:
    """A command of :mod:`compounding.records.commands`, imported only when it runs (``plan`` starts
    without the database layer)."""

    def run(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
        from compounding.records import commands

        try:
            return getattr(commands, name)(args, out, err, stdin)
        finally:
            commands.close_stores()  # run in-process (a test, a script): no connection left

    return run


def _cmd_vocabulary(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    from pathlib import Path

    from compounding.errors import ErrorDetail, error_body
    from compounding.screening.rxnorm import RrfError, as_diff, propose, summary
    from compounding.screening.vocabulary import TableError, Vocabulary, read_rows, table_path

    table = Path(args.table) if args.table else table_path()
    shown = args.table or "compounding/data/medications.csv"
    try:
        text = table.read_text(encoding="utf-8")
        terms = Vocabulary.of(read_rows(text.splitlines(), shown))
        proposal = propose(terms, Path(args.conso), Path(args.rel), args.release)
        diff = as_diff(text, proposal, shown)
    except (OSError, RrfError, TableError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        name = getattr(exc, "filename", None)
        message = f"{name}: {reason}" if name else reason
        json.dump(error_body(422, [ErrorDetail("INVALID_VALUE", "file", message)]), err,
                  indent=2, ensure_ascii=False)
        err.write("\n")
        return EXIT_INVALID
    if args.output:
        Path(args.output).write_text(diff, encoding="utf-8")
    else:
        out.write(diff)
    err.write(summary(proposal) + "\n")
    return EXIT_OK


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("compounding-workbench")
    except PackageNotFoundError:  # a checkout that was never installed
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="compounding",
        description="Low-dose naltrexone capsules from 50 mg tablets: batch plan, checks, "
                    "worksheet and label.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"compounding {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    plan = commands.add_parser("plan", help="print the batch plan of an order as JSON",
                               description="Print the batch plan (API v1 JSON) of an order.")
    plan.add_argument("order", metavar="ORDER.json", help="the order file, or - for stdin")
    plan.add_argument("--profile", metavar="FILE", help="pharmacy profile (TOML)")
    plan.set_defaults(run=_cmd_plan)
    for name, text in (("worksheet", "write the batch worksheet (compounding record) PDF"),
                       ("label", "write the patient label PDF")):
        command = commands.add_parser(name, help=text, description=text + ".")
        command.add_argument("order", metavar="ORDER.json",
                             help="the order file, or - for stdin")
        command.add_argument("-o", "--output", required=True, metavar="FILE",
                             help="where to write the document")
        command.add_argument("--profile", metavar="FILE", help="pharmacy profile (TOML)")
        if name == "label":
            command.add_argument("--format", choices=["pdf", "zpl", "json"], default="pdf",
                                 help="pdf (default), zpl for a Zebra thermal printer, or the "
                                      "label's content as json")
            command.add_argument("--dpi", type=int, choices=[203, 300], default=203,
                                 help="the thermal printer's resolution, for zpl (203)")
        command.set_defaults(run=_cmd_document)
    serve = commands.add_parser(
        "serve", help="serve the web form and the HTTP API (waitress)",
        description="Serve the web form and the HTTP API on a production WSGI server. It "
                    "listens on loopback unless told otherwise.")
    serve.add_argument("--host", help="address to listen on (COMPOUNDING_HOST, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (COMPOUNDING_PORT, 8000)")
    serve.add_argument("--threads", type=int, help="worker threads (COMPOUNDING_THREADS, 8)")
    serve.add_argument("--profile", metavar="FILE", help="pharmacy profile (TOML)")
    serve.set_defaults(run=_cmd_serve)
    db = commands.add_parser("db", help="the records database",
                             description="Create or migrate the records database, check its "
                                         "chains, or grant the application's PostgreSQL role.")
    db.add_argument("action", choices=["upgrade", "verify", "grant"],
                    help="upgrade: to the newest schema; verify: every batch's history and the "
                         "audit trail, exit 1 at a broken link; grant ROLE: the least-privilege "
                         "application role (PostgreSQL, as the owner)")
    db.add_argument("role", nargs="?", help="with grant: the PostgreSQL role")
    db.set_defaults(run=_records("db"))
    export = commands.add_parser("export", help="write every record as JSON lines",
                                 description="Write every record and revision as JSON lines.")
    export.add_argument("-o", "--output", metavar="FILE", help="file (default: stdout)")
    export.add_argument("--csv", action="store_true",
                        help="the compounding log as CSV (one batch a line) instead")
    export.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD",
                        help="with --csv: batches made on or after this day")
    export.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD",
                        help="with --csv: batches made on or before this day")
    export.set_defaults(run=_records("export"))
    load = commands.add_parser("import", help="load records written by export",
                               description="Load records written by export, each replayed "
                                           "first; one that does not add up is refused.")
    load.add_argument("file", metavar="FILE", help="the JSON lines file, or - for stdin")
    load.add_argument("--trusted-key", metavar="KEYFILE", action="append",
                      help="the exporting installation's chain key (its chain.key): records "
                           "whose chain verifies with it (or with this installation's key) "
                           "stay live; any other is kept archived, never labelled (repeatable)")
    load.set_defaults(run=_records("import_"))
    users = commands.add_parser("users", help="people who sign in",
                                description="Add, change (--roles, --licence, --name), "
                                            "disable, reset the password of, or list users "
                                            "(never deleted). A password set here is "
                                            "temporary: its owner changes it at the next "
                                            "sign-in (except the very first user's).")
    users.add_argument("action", choices=["add", "change", "disable", "reset-password", "list"])
    users.add_argument("username", nargs="?")
    users.add_argument("--name", help="the name printed at their steps and signatures")
    users.add_argument("--roles", help="technician,pharmacist,admin (default technician)")
    users.add_argument("--licence", help="a pharmacist's licence number")
    users.add_argument("--password-stdin", action="store_true",
                       help="read the password from standard input")
    users.set_defaults(run=_records("users"))
    tokens = commands.add_parser("tokens", help="pharmacy systems' API tokens",
                                 description="Create (shown once), revoke or list API tokens.")
    tokens.add_argument("action", choices=["create", "revoke", "list"])
    tokens.add_argument("name", nargs="?")
    tokens.add_argument("--owner", help="the user the token acts as")
    tokens.add_argument("--scopes", help="plan,records:read,records:write,labels:print")
    tokens.add_argument("--password-stdin", action="store_true",
                        help="read the owner's password (their consent, for a token that "
                             "prints labels or writes for a pharmacist) from standard input")
    tokens.set_defaults(run=_records("tokens"))
    audit = commands.add_parser("audit", help="export the audit trail as JSON lines",
                                description="Write the audit trail as JSON lines, oldest "
                                            "first.")
    audit.add_argument("-o", "--output", metavar="FILE", help="file (default: stdout)")
    audit.set_defaults(run=_records("audit"))
    from compounding.records.formulary_commands import add_parser

    formulary = add_parser(commands)
    formulary.set_defaults(run=_records("formulary"))
    vocabulary = commands.add_parser(
        "vocabulary", help="the medication table",
        description="Propose additions to the medication table from an RxNorm release: brand "
                    "names and synonyms of its ingredients, written as a unified diff to review "
                    "and apply (git apply, patch -p1); the table itself is not changed.")
    vocabulary.add_argument("action", choices=["import-rxnorm"])
    vocabulary.add_argument("conso", metavar="RXNCONSO.RRF")
    vocabulary.add_argument("rel", metavar="RXNREL.RRF")
    vocabulary.add_argument("-o", "--output", metavar="FILE", help="the diff (default: stdout)")
    vocabulary.add_argument("--table", metavar="CSV",
                            help="the table to compare with (default: the packaged one)")
    vocabulary.add_argument("--release", default="",
                            help="the release's name for the source column, e.g. 2026-11-03")
    vocabulary.set_defaults(run=_cmd_vocabulary)
    for command in (db, export, load, users, tokens, audit, formulary):
        command.add_argument("--database", metavar="URL",
                             help="database URL (default: COMPOUNDING_DATABASE_URL or the "
                                  "SQLite file in COMPOUNDING_DATA_DIR)")
    return parser


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None,
         err: TextIO | None = None, stdin: TextIO | None = None) -> int:
    """Run the command line; returns the exit status."""
    out, err, stdin = out or sys.stdout, err or sys.stderr, stdin or sys.stdin
    parser = build_parser()
    if not list(sys.argv[1:] if argv is None else argv):  # no command: what there is to do
        parser.print_help(out)
        return EXIT_OK
    args = parser.parse_args(argv)
    run: Callable[..., int] = args.run
    try:
        return run(args, out, err, stdin)
    except _Unreadable as exc:
        json.dump(exc.body, err, indent=2, ensure_ascii=False)
        err.write("\n")
        return EXIT_INVALID
    except BrokenPipeError:  # the reader went away (``| head``): nothing more to say
        return EXIT_OK
    except Exception as exc:  # a fault of ours: reported in the error shape, never a traceback
        if getattr(exc, "refuses_start", False):  # e.g. the records' chain key is not this one
            err.write(f"{exc}\n")
            return EXIT_FAULT
        from compounding.errors import ErrorDetail, error_body

        body = error_body(500, [ErrorDetail("INTERNAL_ERROR", "order",
                                            f"internal error ({type(exc).__name__}); please "
                                            f"report it with the order that caused it")])
        json.dump(body, err, indent=2)
        err.write("\n")
        return EXIT_FAULT


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
