"""``compounding formulary list|show|approve|pdf|draft``: the formulary from the shell.

- ``list``: every version of every record, one a line: id, version, status, form, source,
  ``default`` when it is the default for its form and source, name (tab-separated).
- ``show ID[@VERSION]``: one version as JSON, as ``GET /api/v1/formulary/{id}`` gives it (the
  version in force, else the newest).
- ``approve ID@VERSION --as USERNAME``: a pharmacist's signature, as on the formulary's page:
  the password read from standard input (its first line), the version as it stands now
  (``--revision N`` to sign only that revision), audited as a ``signature`` with its meaning.
- ``pdf ID[@VERSION] -o FILE``: the inspector's copy.
- ``draft FILE --as USERNAME``: a record in JSON or TOML (``.toml``) kept as a draft: a change
  of its open draft, or a new version.

Errors are the API's error body on standard error, with the exit statuses of the other
commands (2 invalid or refused signature, 3 refused in the record's state, 4 not found).
"""

from __future__ import annotations

import argparse
import json
import tomllib
from pathlib import Path
from typing import Any, TextIO

from pydantic import ValidationError

from compounding.errors import CompoundingError, ErrorDetail, OrderError, exit_status
from compounding.formulary import MasterFormulationRecord, parse_ref

from .accounts import Accounts
from .audit import AuditLog
from .models import Author
from .people import User
from .store import Store

EXIT_OK = 0


class Refused(CompoundingError):
    """A signature or an author the command does not accept (HTTP 403; exit status 2)."""

    status = 403


def _fail(err: TextIO, exc: CompoundingError) -> int:
    json.dump(exc.to_json(), err, indent=2, ensure_ascii=False)
    err.write("\n")
    return exit_status(exc)


def run(args: argparse.Namespace, store: Store, out: TextIO, err: TextIO,
        stdin: TextIO) -> int:
    """Run ``formulary ACTION`` on ``store``."""
    accounts = Accounts(store.engine, key=store.key, checkpoints=store.checkpoints)
    log = AuditLog(store.engine, store.key, store.checkpoints)
    try:
        return _ACTIONS[args.action](args, store, accounts, log, out, stdin)
    except CompoundingError as exc:
        return _fail(err, exc)


def _ref(args: argparse.Namespace, versioned: bool = False) -> tuple[str, int | None]:
    if not args.ref:
        raise OrderError([ErrorDetail("FIELD_REQUIRED", "mfr", "name the record: ID or "
                                                               "ID@VERSION")])
    mfr_id, version = parse_ref(args.ref)
    if versioned and version is None:
        raise OrderError([ErrorDetail("MFR_REQUIRED", "mfr", f"name the version you sign: "
                                                             f"{mfr_id}@1, say")])
    return mfr_id, version


def _list(args: argparse.Namespace, store: Store, accounts: Accounts, log: AuditLog,
          out: TextIO, stdin: TextIO) -> int:
    for entry in store.formulary().formulary().entries():
        mfr = entry.mfr
        out.write(f"{mfr.id}\t{mfr.version}\t{entry.status}\t{mfr.form}\t{mfr.source_kind}\t"
                  f"{'default' if mfr.default else ''}\t{mfr.name}\n")
    return EXIT_OK


def _show(args: argparse.Namespace, store: Store, accounts: Accounts, log: AuditLog,
          out: TextIO, stdin: TextIO) -> int:
    kept = store.formulary().kept(*_ref(args))
    body = kept.entry.model_copy(update={"revision": kept.revision}).model_dump(mode="json")
    json.dump(body, out, indent=2, ensure_ascii=False)
    out.write("\n")
    return EXIT_OK


def _user(accounts: Accounts, username: str | None) -> User:
    user = accounts.find(username or "")
    if user is None or user.disabled:
        raise Refused([ErrorDetail("FORBIDDEN", "as", f"no active account is named "
                                                      f"{(username or '')[:64]!r}")])
    return user


def _approve(args: argparse.Namespace, store: Store, accounts: Accounts, log: AuditLog,
             out: TextIO, stdin: TextIO) -> int:
    mfr_id, version = _ref(args, versioned=True)
    assert version is not None
    signer = _signer(accounts, log, args.as_user or "", stdin.readline().rstrip("\r\n"))
    formulary = store.formulary()
    expected = args.revision if args.revision is not None else formulary.kept(
        mfr_id, version).revision
    kept = formulary.approve(mfr_id, version, signer, expected=expected)
    meaning = kept.entry.approval.meaning if kept.entry.approval else None
    log.record("signature", user_id=signer.user_id, target=kept.entry.ref,
               detail={"meaning": meaning, "signer": signer.user_id,
                       "revision": kept.revision, "by": "shell"})
    out.write(f"Version {version} of {mfr_id} approved by {signer.name}: {meaning}\n")
    return EXIT_OK


def _signer(accounts: Accounts, log: AuditLog, username: str, password: str) -> Author:
    """The pharmacist whose password this is (as the web's signature checks it)."""
    if not username or not password:
        raise Refused([ErrorDetail("SIGNATURE_FAILED", "signature", "a signature needs the "
                                   "signer's username (--as) and password (standard input)")])
    outcome = accounts.authenticate(username, password, purpose="signature")
    if not isinstance(outcome, User):
        log.record("signature_failed", target=username[:64],
                   detail={"reason": outcome.reason, "by": "shell"})
        raise Refused([ErrorDetail("SIGNATURE_FAILED", "signature",
                                   "the username or password is not right, or the account "
                                   "is locked or disabled")])
    if outcome.temporary:
        raise Refused([ErrorDetail("PASSWORD_CHANGE_REQUIRED", "signature",
                                   f"{outcome.name}'s password was set by an administrator: "
                                   f"it signs nothing until {outcome.name} changes it")])
    if "pharmacist" not in outcome.roles:
        raise Refused([ErrorDetail("SIGNATURE_FAILED", "signature",
                                   f"{outcome.name} is not a pharmacist: only a pharmacist "
                                   f"approves a master formulation record")])
    return Author(user_id=outcome.id, name=outcome.name, licence=outcome.licence)


def _pdf(args: argparse.Namespace, store: Store, accounts: Accounts, log: AuditLog,
         out: TextIO, stdin: TextIO) -> int:
    from compounding.documents import mfr_pdf
    from compounding.files import Unreadable

    if not args.output:
        raise OrderError([ErrorDetail("FIELD_REQUIRED", "output",
                                      "name the file to write: -o FILE")])
    mfr_id, version = _ref(args)
    formulary = store.formulary()
    kept = formulary.kept(mfr_id, version)
    document = mfr_pdf(kept.entry, formulary.formulary().versions(mfr_id), _profile(store))
    try:
        Path(args.output).write_bytes(document)
    except OSError as exc:
        raise Unreadable(args.output, exc, "cannot write", "output") from None
    log.record("formulary_print", target=kept.entry.ref, detail={"copies": 1, "by": "shell"})
    out.write(f"{args.output}\n")
    return EXIT_OK


def _profile(store: Store) -> Any:
    """The pharmacy's profile as the service reads it: its settings' profile file, the
    pharmacy's details as set up, its time zone."""
    from compounding.profile import DEFAULT_PROFILE, load_profile
    from compounding.service_settings import load

    settings = load()
    profile = (load_profile(settings.profile.read_text(encoding="utf-8"))
               if settings.profile else DEFAULT_PROFILE)
    pharmacy = store.pharmacy()
    if pharmacy is not None:
        profile = profile.with_pharmacy(pharmacy)
    return profile.in_zone(settings.time_zone)


def _draft(args: argparse.Namespace, store: Store, accounts: Accounts, log: AuditLog,
           out: TextIO, stdin: TextIO) -> int:
    from compounding.files import Unreadable
    from compounding.orders.reading import validation_errors

    user = _user(accounts, args.as_user)
    if not user.has("technician"):
        raise Refused([ErrorDetail("FORBIDDEN", "as", f"{user.name} is neither a technician "
                                                      f"nor a pharmacist")])
    if not args.ref:
        raise OrderError([ErrorDetail("FIELD_REQUIRED", "file", "name the record's file "
                                                                "(JSON or TOML)")])
    try:
        text = stdin.read() if args.ref == "-" else Path(args.ref).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise Unreadable(args.ref, exc, field="file") from None
    try:
        data = (tomllib.loads(text) if args.ref.endswith(".toml") else json.loads(text))
        mfr = MasterFormulationRecord.model_validate(data)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise OrderError([ErrorDetail("INVALID_JSON", "file", f"{args.ref}: {exc}"[:300])]
                         ) from None
    except ValidationError as exc:
        raise OrderError(validation_errors(exc)) from None
    kept = store.formulary().save_draft(mfr, Author(user_id=user.id, name=user.name,
                                                    licence=user.licence),
                                        expected=args.revision)
    log.record("formulary_draft", user_id=user.id, target=kept.entry.ref,
               detail={"revision": kept.revision, "by": "shell"})
    out.write(f"{kept.entry.ref}: draft at revision {kept.revision}\n")
    return EXIT_OK


_ACTIONS = {"list": _list, "show": _show, "approve": _approve, "pdf": _pdf, "draft": _draft}
ACTIONS = tuple(_ACTIONS)


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """The ``formulary`` command's parser, under ``commands`` (the CLI's subparsers)."""
    parser = commands.add_parser(
        "formulary", help="master formulation records: list, show, approve, pdf, draft",
        description="The pharmacy's master formulation records: list them, show one version "
                    "as JSON, approve a draft (a pharmacist's signature: the password is read "
                    "from standard input), print one as PDF, or keep a record file (JSON or "
                    "TOML) as a draft.")
    parser.add_argument("action", choices=ACTIONS)
    parser.add_argument("ref", nargs="?", metavar="ID[@VERSION] | FILE",
                        help="the record (show, approve, pdf), or the file (draft; - reads "
                             "stdin as JSON)")
    parser.add_argument("--as", dest="as_user", metavar="USERNAME",
                        help="approve: the pharmacist who signs; draft: the author")
    parser.add_argument("--revision", type=int, metavar="N",
                        help="approve or draft only if the version is still at revision N")
    parser.add_argument("-o", "--output", metavar="FILE", help="pdf: where to write it")
    return parser
