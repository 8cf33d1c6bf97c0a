"""Does the proof hold? The checks of ``compounding db verify`` beyond each batch's own chain
(:mod:`.history`) and the audit trail's (:mod:`.audit`), in words (security.md).

- :func:`account_problems`: the accounts chain whole, and every user and API token row the
  last state it recorded (a user added, promoted or given another password by SQL is named).
- :func:`feed_problems`: the change feed's chain whole; every event names a revision that
  exists with the digest it recorded; every revision has its event; the checkpoints met.
- :func:`audit_target_problems`: every ``create``, ``signature`` and ``label_print`` in the
  audit trail names a batch, and a revision of it, that exists (this needs no anchor: a
  signed step erased with its feed event is still named by the audit trail).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine, select

from .chain import GENESIS, database_id_holds, feed_digest, same, state_digest
from .checkpoints import Checkpoints, unmet
from .heads import ACCOUNTS, FEED, state_of
from .schema import (
    account_states,
    api_tokens,
    audit_events,
    batches,
    chain_heads,
    events,
    revisions,
    users,
)

NAMED_STEPS = ("create", "signature", "label_print")


def _head(connection: Any, name: str) -> Any:
    return connection.execute(select(chain_heads.c.count, chain_heads.c.hash)
                              .where(chain_heads.c.name == name)).first()


def _ends(name: str, head: Any, count: int, last: str) -> list[str]:
    if count == 0 and head is None:
        return []
    if head is None or head.count != count or not same(head.hash, last):
        return [f"the {name} chain's last link or length is not the one recorded: links were "
                f"removed from its end or added outside the workbench"]
    return []


def _who(kind: str, row: Any) -> str:
    return (f"user {row.username} (id {row.id})" if kind == "user"
            else f"API token {row.name} (id {row.id})")


def account_problems(connection: Any, key: bytes, *,
                     only: list[tuple[str, Any]] | None = None,
                     checkpoints: Checkpoints | None = None) -> list[str]:
    """What is wrong with the accounts chain and the accounts (``only``: just these rows)."""
    found: list[str] = []
    last: dict[tuple[str, int], str] = {}
    prev, count, links = GENESIS, 0, []
    for row in connection.execute(select(account_states).order_by(account_states.c.seq)):
        count += 1
        if row.seq != count or not same(row.prev_hash, prev):
            found.append(f"account state {count}: it does not follow the state before it")
        if not same(row.hash, state_digest(key, row.prev_hash, row)):
            found.append(f"account state {row.seq}: it was changed or written without the "
                         f"chain key")
        last[(row.kind, row.subject_id)] = row.state_json
        prev = row.hash
        links.append(row.hash)
    found += _ends("accounts", _head(connection, ACCOUNTS), count, prev)
    if checkpoints is not None:
        found += unmet(checkpoints, ACCOUNTS, links, connection.engine)
    rows = only if only is not None else (
        [("user", r) for r in connection.execute(select(users).order_by(users.c.id))]
        + [("token", r) for r in connection.execute(select(api_tokens)
                                                    .order_by(api_tokens.c.id))])
    for kind, row in rows:
        state = last.pop((kind, row.id), None)
        if state is None:
            found.append(f"{_who(kind, row)} is not in the accounts chain: it was added "
                         f"outside the workbench and signs nothing")
        elif state != state_of(kind, row):
            kept, now = json.loads(state), json.loads(state_of(kind, row))
            fields = ", ".join(k for k in now if now[k] != kept.get(k))
            found.append(f"{_who(kind, row)}: {fields} changed outside the workbench; it "
                         f"signs nothing until an admin sets it again")
    if only is None:
        for kind, subject in last:
            found.append(f"the {kind} of id {subject} in the accounts chain is missing from "
                         f"its table")
    return found


def database_problems(engine: Engine, key: bytes) -> list[str]:
    """Whether the database still has the name its checkpoints are filed under."""
    with engine.connect() as connection:
        name = connection.execute(select(chain_heads.c.hash)
                                  .where(chain_heads.c.name == "database")).scalar()
    if database_id_holds(key, name):
        return []
    return ["the database's own name is missing or was not made with the chain key: its "
            "checkpoints cannot be matched to it"]


def feed_problems(engine: Engine, key: bytes,
                  checkpoints: Checkpoints | None = None) -> list[str]:
    """What is wrong with the change feed, and with the histories it anchors."""
    found: list[str] = []
    with engine.connect() as connection:
        kept = {(r.batch_id, r.number): r for r in connection.execute(
            select(revisions.c.batch_id, revisions.c.number, revisions.c.action,
                   revisions.c.status, revisions.c.hash))}
        lots = dict(connection.execute(select(batches.c.id, batches.c.lot_number)).all())
        prev, count, links, fed = GENESIS, 0, [], set()
        for row in connection.execute(select(events).order_by(events.c.id)):
            count += 1
            where = f"feed event {row.id}"
            if not same(row.prev_hash, prev):
                found.append(f"{where}: it does not follow the event before it (an event was "
                             f"removed or inserted)")
            if not same(row.hash, feed_digest(key, row.prev_hash, row)):
                found.append(f"{where}: it was changed or written without the chain key")
            named = kept.get((row.batch_id, row.revision))
            lot = lots.get(row.batch_id, f"of id {row.batch_id}")
            if named is None:
                found.append(f"{where} names revision {row.revision} of batch {lot}, which no "
                             f"longer exists: history was cut short")
            elif not same(named.hash, row.revision_hash) or (
                    row.action != "label" and (named.action, named.status)
                    != (row.action, row.status)):
                found.append(f"{where} does not match revision {row.revision} of batch {lot}")
            if row.action != "label":
                fed.add((row.batch_id, row.revision))
            prev = row.hash
            links.append(row.hash)
        found += _ends("change feed", _head(connection, FEED), count, prev)
    for batch_id, number in sorted(set(kept) - fed):
        found.append(f"revision {number} of batch {lots.get(batch_id)} has no event in the "
                     f"change feed")
    if checkpoints is not None:
        found += unmet(checkpoints, FEED, links, engine)
    return found


def audit_target_problems(engine: Engine) -> list[str]:
    """Each create, signature and label print the audit trail names, that no longer exists."""
    found: list[str] = []
    with engine.connect() as connection:
        heads = dict(connection.execute(select(batches.c.lot_number, batches.c.revision)).all())
        for row in connection.execute(select(audit_events.c.id, audit_events.c.action,
                                             audit_events.c.target, audit_events.c.detail_json)
                                      .where(audit_events.c.action.in_(NAMED_STEPS))
                                      .order_by(audit_events.c.id)):
            revision = json.loads(row.detail_json).get("revision")
            if row.target not in heads:
                found.append(f"audit event {row.id} ({row.action}) names batch {row.target}, "
                             f"which no longer exists")
            elif isinstance(revision, int) and revision > heads[row.target]:
                found.append(f"audit event {row.id} ({row.action}) names revision {revision} "
                             f"of batch {row.target}, which no longer exists: its history was "
                             f"cut short")
    return found
