"""People and proof: users, API tokens, the audit log, the pharmacy's details, and the chained
history.

- ``users``, ``api_tokens`` (never deleted: disabled or revoked), ``audit_events`` (append-only,
  chained), ``chain_heads`` (the audit chain's last link), ``pharmacy_settings``.
- ``revisions`` gain ``author_id`` and ``signed_in``: the authenticated author of each step. The
  revisions kept so far keep their typed ``author`` names as they were, with ``signed_in`` 0:
  unauthenticated history, shown as such.
- ``revisions`` gain ``prev_hash`` and ``hash``: every batch's history kept so far is chained
  here (:mod:`compounding.records.chain`); the append-only trigger is lifted for that one rewrite.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from types import SimpleNamespace

import sqlalchemy as sa
from alembic import context, op

from compounding.records.chain import batch_digest, revision_digest

revision = "0003"
down_revision = "0002"
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
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("licence", sa.String(40)),
        sa.Column("roles", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("password_set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True)),
        sa.Column("disabled", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("owner_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("scopes", sa.String(64), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False, unique=True),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer),
        sa.Column("token_id", sa.Integer),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target", sa.String(200)),
        sa.Column("detail_json", sa.Text, nullable=False),
        sa.Column("remote", sa.String(64)),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_table(
        "chain_heads",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
    )
    op.create_table(
        "pharmacy_settings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("pharmacy_json", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    for column in (sa.Column("author_id", sa.Integer), sa.Column("signed_in", sa.Integer),
                   sa.Column("prev_hash", sa.String(64)), sa.Column("hash", sa.String(64))):
        op.add_column("revisions", column)

    _drop_trigger(dialect, "revisions_no_update", "revisions")
    moment = sa.DateTime(timezone=True)
    batches = sa.table("batches", sa.column("lot_date", sa.Date), sa.column("created_at", moment),
                       *(sa.column(c) for c in ("id", "lot_number", "order_json", "plan_json",
                                                "profile_json")))
    revisions = sa.table("revisions", sa.column("at", moment), *(sa.column(c) for c in (
        "id", "batch_id", "number", "action", "status", "author", "author_id", "signed_in",
        "reason", "data_json", "prev_hash", "hash")))
    last = 0
    while True:
        rows = bind.execute(sa.select(batches).where(batches.c.id > last)
                            .order_by(batches.c.id).limit(1000)).all()
        if not rows:
            break
        for batch in rows:
            prev = batch_digest(key, batch)
            history = bind.execute(sa.select(revisions).where(revisions.c.batch_id == batch.id)
                                   .order_by(revisions.c.number)).all()
            for row in history:
                entry = SimpleNamespace(**{**row._mapping, "signed_in": 0})
                link = revision_digest(key, prev, entry)
                bind.execute(sa.update(revisions).where(revisions.c.id == entry.id)
                             .values(signed_in=0, prev_hash=prev, hash=link))
                prev = link
        last = rows[-1].id
    op.execute(f"CREATE TRIGGER revisions_no_update BEFORE UPDATE ON revisions {_body(dialect)}")
    for table in ("audit_events",):
        op.execute(f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                   f"{_body(dialect)}")
    for table in ("audit_events", "users", "api_tokens"):
        op.execute(f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                   f"{_body(dialect)}")


def downgrade() -> None:
    raise RuntimeError("compounding records are never dropped by a downgrade")
