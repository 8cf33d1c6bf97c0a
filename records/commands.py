"""The record and people commands of ``compounding``: db, export, import, users, tokens, audit,
formulary (:mod:`.formulary_commands`).

They run in a trusted shell on the pharmacy's server (an administrator's), and every change they
make is in the audit trail. Passwords are read from the terminal, or from standard input with
``--password-stdin``; a token is printed once.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from compounding.errors import CompoundingError, ErrorDetail, OrderError, exit_status

from .accounts import Accounts, Failure, needs_consent
from .audit import AuditLog
from .chain import load_key
from .store import Store

EXIT_OK, EXIT_FAULT, EXIT_INVALID = 0, 1, 2


def open_store(args: argparse.Namespace) -> Store:
    """The records of the service settings (``--database`` wins over
    ``COMPOUNDING_DATABASE_URL``), with the chain key of the same settings."""
    from compounding.service_settings import load

    settings = load(database_url=args.database)
    key = settings.chain_key.get_secret_value() if settings.chain_key else None
    store = Store.open(settings.records_url(), load_key(settings.data_dir, key),
                       folder=settings.data_dir)
    _OPENED.append(store)
    return store


_OPENED: list[Store] = []


def close_stores() -> None:
    """Close the connections of every store a command opened."""
    while _OPENED:
        _OPENED.pop().engine.dispose()


def _people(store: Store) -> tuple[Accounts, AuditLog]:
    return (Accounts(store.engine, key=store.key, checkpoints=store.checkpoints),
            AuditLog(store.engine, store.key, store.checkpoints))


def _fail(err: TextIO, exc: CompoundingError) -> int:
    json.dump(exc.to_json(), err, indent=2, ensure_ascii=False)
    err.write("\n")
    return exit_status(exc)


def db(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    store = open_store(args)
    try:
        return _db(store, args, out, err)
    finally:
        store.engine.dispose()


def _db(store: Store, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.action == "verify":
        from .formulary import FormularyStore
        from .proof import audit_target_problems, database_problems, feed_problems

        people, log = _people(store)
        problems = (database_problems(store.engine, store.key) + store.chain_problems()
                    + feed_problems(store.engine, store.key, store.checkpoints)
                    + store.lot_index_problems()
                    + log.problems() + audit_target_problems(store.engine)
                    + people.problems()
                    + FormularyStore(store.engine, store.key, store.checkpoints).problems()
                    + store.kit_problems())
        for problem in problems:
            err.write(f"BROKEN {problem}\n")
        anchored = ("" if store.checkpoints is None or not store.checkpoints.path.exists()
                    else f", against {len(store.checkpoints.read(store.engine)[0])} checkpoints")
        out.write(f"{store.count()} batches, the change feed, the audit trail, the accounts, "
                  f"the formulary and the titration kits checked{anchored}: "
                  f"{'intact' if not problems else f'{len(problems)} broken'}\n")
        return EXIT_FAULT if problems else EXIT_OK
    if args.action == "grant":
        from .roles import grant_application_role

        if store.engine.dialect.name != "postgresql" or not args.role:
            err.write("db grant ROLE is for PostgreSQL: --database postgresql+psycopg://owner@"
                      "host/db grant ROLE\n")
            return EXIT_INVALID
        grant_application_role(store.engine, args.role)
        out.write(f"{args.role} may now use the records, and cannot change their history or "
                  f"their tables\n")
        return EXIT_OK
    out.write(f"records database up to date: {store.engine.url.render_as_string(True)} "
              f"({store.count()} batches)\n")
    return EXIT_OK


@contextmanager
def _output(path: str | None, out: TextIO) -> Iterator[TextIO]:
    """``path`` made 0600 (patient data: security.md), or standard output. A file that was
    already there is made 0600 too: ``O_CREAT`` sets the mode only of a file it creates."""
    if not path:
        yield out
        return
    descriptor = os.open(path, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as target:
        yield target


def export(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    store = open_store(args)
    if args.csv:
        return _export_log(args, store, out, err)
    count = 0
    with _output(args.output, out) as target:
        for record in store.export():
            target.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
            count += 1
    _people(store)[1].record("export", target=args.output or "stdout",
                                             detail={"records": count, "by": "shell"})
    return EXIT_OK


def _export_log(args: argparse.Namespace, store: Any, out: TextIO, err: TextIO) -> int:
    """``export --csv``: the compounding log (:mod:`compounding.records.log`)."""
    from datetime import date

    from .log import log_csv

    try:
        start = date.fromisoformat(args.date_from) if args.date_from else None
        end = date.fromisoformat(args.date_to) if args.date_to else None
    except ValueError:
        err.write("--from and --to are days, YYYY-MM-DD\n")
        return EXIT_INVALID
    with _output(args.output, out) as target:
        target.write(log_csv(store, start, end))
    _people(store)[1].record("log_export", target=args.output or "stdout",
                                             detail={"by": "shell"})
    return EXIT_OK


def import_(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    """``compounding import FILE [--trusted-key KEYFILE ...]``: each record replayed; kept live
    only when its chain verifies with this installation's key or a trusted one, archived
    otherwise (:mod:`.imports`)."""
    from pydantic import ValidationError

    from compounding.files import read as _read

    from .imports import import_records

    try:
        trusted = [_trusted_key(path) for path in args.trusted_key or []]
    except CompoundingError as exc:
        return _fail(err, exc)
    store = open_store(args)
    text = _read(args.file, stdin)
    archived: list[str] = []
    count, log = 0, _people(store)[1]
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        field = f"lines[{number - 1}]"
        try:
            done = import_records(store, iter([json.loads(line)]), trusted)
        except CompoundingError as exc:
            log.record("import_refused", target=args.file,
                       detail={"line": number, "codes": [e.code for e in exc.errors]})
            return _fail(err, type(exc)([ErrorDetail(e.code, field, f"{e.field}: {e.message}")
                                         for e in exc.errors]))
        except (ValueError, ValidationError) as exc:
            return _fail(err, OrderError([ErrorDetail("INVALID_JSON", field,
                                                      str(exc)[:300])]))
        count += len(done)
        archived += [i.lot_number for i in done if i.archived]
    log.record("import", target=args.file,
               detail={"records": count, "archived": len(archived),
                       "trusted_keys": len(trusted), "by": "shell"})
    out.write(f"imported {count} records\n")
    if archived:
        out.write(f"{len(archived)} kept archived (their chain does not verify with this "
                  f"installation's key or a --trusted-key: they can be read and recalled, but "
                  f"take no further step and print no label)\n")
        out.writelines(f"archived: {lot}\n" for lot in archived)
    return EXIT_OK


def _trusted_key(path: str) -> bytes:
    """The chain key in file ``path`` (another installation's ``chain.key``)."""
    try:
        key = Path(path).read_text(encoding="utf-8").strip().encode()
    except (OSError, UnicodeError) as exc:
        raise OrderError([ErrorDetail("INVALID_VALUE", "--trusted-key",
                                      f"cannot read the key file {path}: "
                                      f"{getattr(exc, 'strerror', None) or exc}")]) from None
    if not key:
        raise OrderError([ErrorDetail("INVALID_VALUE", "--trusted-key",
                                      f"the key file {path} is empty")])
    return key


def _password(args: argparse.Namespace, stdin: TextIO) -> str:
    if args.password_stdin:
        return stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("The same again: ") != first:
        raise OrderError([ErrorDetail("INVALID_VALUE", "password",
                                      "the two passwords differ")])
    return first


def users(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    store = open_store(args)
    people, log = _people(store)
    try:
        if args.action == "list":
            for user in people.all():
                out.write(f"{user.username}\t{user.name}\t{','.join(sorted(user.roles))}\t"
                          f"{user.licence or ''}\t{'disabled' if user.disabled else 'active'}\n")
            return EXIT_OK
        if not args.username:
            raise OrderError([ErrorDetail("FIELD_REQUIRED", "username", "name the user")])
        if args.action == "add":
            first = people.count() == 0  # the shell's operator making their own account
            user = people.add(args.username, args.name or args.username, _password(args, stdin),
                              (args.roles or "technician").split(","), args.licence,
                              own=first)
            log.record("user_add", target=user.username,
                       detail={"roles": sorted(user.roles), "by": "shell"})
        elif args.action == "change":
            user = people.change(args.username, name=args.name,
                                 roles=args.roles.split(",") if args.roles else None,
                                 licence=args.licence)
            log.record("user_change", target=user.username,
                       detail={"roles": sorted(user.roles), "licence": user.licence,
                               "name": user.name, "by": "shell"})
        elif args.action == "disable":
            user = people.disable(args.username)
            log.record("user_disable", target=user.username, detail={"by": "shell"})
        else:
            user = people.set_password(args.username, _password(args, stdin))
            log.record("user_reset_password", target=user.username, detail={"by": "shell"})
    except CompoundingError as exc:
        return _fail(err, exc)
    out.write(f"{args.action}: {user.username} ({','.join(sorted(user.roles))})\n")
    return EXIT_OK


def tokens(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    store = open_store(args)
    people, log = _people(store)
    try:
        if args.action == "list":
            owners = {u.id: u.username for u in people.all()}
            for token in people.tokens():
                out.write(f"{token.name}\t{owners.get(token.owner_id, '')}\t"
                          f"{','.join(sorted(token.scopes))}\t"
                          f"{'revoked' if token.revoked_at else 'live'}\n")
            return EXIT_OK
        if not args.name:
            raise OrderError([ErrorDetail("FIELD_REQUIRED", "name", "name the token")])
        if args.action == "create":
            scopes = (args.scopes or "").split(",")
            owner = people.find(args.owner or "")
            consent = False
            if owner is not None and needs_consent(owner, scopes):
                typed = (stdin.readline().rstrip("\n") if args.password_stdin else
                         getpass.getpass(f"{owner.username}'s password (their consent): "))
                outcome = people.authenticate(owner.username, typed, purpose="signature")
                if isinstance(outcome, Failure) or outcome.temporary:
                    raise OrderError([ErrorDetail(
                        "CONSENT_FAILED", "owner_password", "that is not the password of the "
                        "person the token acts as (or it is still one an administrator set)")])
                consent = True
            token, text = people.create_token(args.name, args.owner or "", scopes,
                                              consent=consent)
            log.record("token_create", target=token.name,
                       detail={"scopes": sorted(token.scopes), "owner": token.owner_id,
                               "by": "shell"})
            out.write(f"{text}\n")
            err.write("This token is shown once: keep it in the pharmacy system's settings.\n")
            return EXIT_OK
        token = people.revoke_token(args.name)
        log.record("token_revoke", target=token.name, detail={"by": "shell"})
    except CompoundingError as exc:
        return _fail(err, exc)
    out.write(f"revoked: {token.name}\n")
    return EXIT_OK


def audit(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    """The audit trail as JSON lines, oldest first; the export is itself an event."""
    store = open_store(args)
    log = _people(store)[1]
    with _output(args.output, out) as target:
        for event in log.all():
            target.write(json.dumps({"id": event.id, "at": event.at.isoformat(),
                                     "user_id": event.user_id, "token_id": event.token_id,
                                     "action": event.action, "target": event.target,
                                     "detail": event.detail, "remote": event.remote},
                                    ensure_ascii=False) + "\n")
    log.record("audit_export", target=args.output or "stdout", detail={"by": "shell"})
    return EXIT_OK


def formulary(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    """``compounding formulary list|show|approve|pdf|draft`` (:mod:`.formulary_commands`)."""
    from .formulary_commands import run

    return run(args, open_store(args), out, err, stdin)
