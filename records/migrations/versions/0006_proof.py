"""The proof widened: the change feed chained, accounts chained, the chain key recognised.

- ``events`` gain ``revision_hash`` (the digest of the revision each names), ``prev_hash`` and
  ``hash``: the feed kept so far is chained here, in its order (the append-only trigger is
  lifted for that one rewrite), and its head is kept in ``chain_heads`` as ``feed``.
- ``account_states``: every state of a user or an API token, chained (``accounts``); the users
  and tokens kept so far are its first states.
- ``chain_heads`` row ``key``: the chain key's check (:func:`...chain.key_check`); row
  ``database``: this database's own name, for its checkpoints (:func:`...chain.database_id`).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import context, op

from compounding.records.chain import database_id, key_check
from compounding.records.heads import append_events, append_state
from compounding.records.schema import api_tokens, chain_heads, users

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _body(dialect: str) -> str:
    return ("FOR EACH ROW EXECUTE FUNCTION compounding_refuse()" if dialect == "postgresql"
            else "BEGIN SELECT RAISE(ABORT, 'compounding records are append-only'); END")


def _drop_trigger(dialect: str, name: str, table: str) -> None:
    op.execute(f"DROP TRIGGER {name} ON {table}" if dialect == "postgresql"
               else f"DROP TRIGGER {name}")


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    key = context.config.attributes["chain_key"]
    for column in ("revision_hash", "prev_hash", "hash"):
        op.add_column("events", sa.Column(column, sa.String(64)))
    op.create_table(
        "account_states",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("seq", sa.Integer, nullable=False, unique=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("subject_id", sa.Integer, nullable=False),
        sa.Column("state_json", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author_id", sa.Integer),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_account_states_subject", "account_states",
                    ["kind", "subject_id", "seq"])

    # the feed kept so far, chained in its order: copied out, emptied, appended again
    old = sa.table("events", sa.column("at", sa.DateTime(timezone=True)), *(sa.column(c) for c in (
        "id", "batch_id", "action", "revision", "status", "user_id")))
    revisions = sa.table("revisions", *(sa.column(c) for c in ("batch_id", "number", "hash")))
    rows = bind.execute(
        sa.select(old, revisions.c.hash.label("revision_hash"))
        .select_from(old.outerjoin(revisions, sa.and_(revisions.c.batch_id == old.c.batch_id,
                                                      revisions.c.number == old.c.revision)))
        .order_by(old.c.id)).all()
    _drop_trigger(dialect, "events_no_delete", "events")
    op.execute("DELETE FROM events")
    op.execute(f"CREATE TRIGGER events_no_delete BEFORE DELETE ON events {_body(dialect)}")
    if rows:
        append_events(bind, key, [{"id": r.id, "batch_id": r.batch_id, "action": r.action,
                                   "revision": r.revision, "status": r.status, "at": r.at,
                                   "user_id": r.user_id, "revision_hash": r.revision_hash}
                                  for r in rows])

    now = datetime.now(UTC)
    for row in bind.execute(sa.select(users).order_by(users.c.id)).all():
        append_state(bind, key, "user", row, now, None)
    for row in bind.execute(sa.select(api_tokens).order_by(api_tokens.c.id)).all():
        append_state(bind, key, "token", row, now, None)
    bind.execute(sa.insert(chain_heads).values(name="key", hash=key_check(key), count=0))
    bind.execute(sa.insert(chain_heads).values(name="database", hash=database_id(key),
                                               count=0))
    for name, event in (("account_states_no_update", "UPDATE ON account_states"),
                        ("account_states_no_delete", "DELETE ON account_states")):
        op.execute(f"CREATE TRIGGER {name} BEFORE {event} {_body(dialect)}")


def downgrade() -> None:
    raise RuntimeError("compounding records are never dropped by a downgrade")
