"""Titration kits: one batch record per strength, tied together by the kit (issue 26).

- ``kits``: one row per kit, written once: its number (``id``, the kit's place in the
  ``kits`` chain), when and by whom it was made (the signed-in user's id and printed name),
  the kit order as kept (canonical JSON), its plan (the schedule with its dates, the kit's
  directions, each strength's plan), and the schedule's first day (``start_on``). Each row is
  linked in the ``kits`` chain (``prev_hash``, ``hash``: keyed SHA-256 of its content, the lot
  numbers of its batches and the link before it; ``chain_heads`` row ``kits``, begun here,
  empty), so a kit changed, removed or added outside the workbench breaks the chain.
- ``kit_batches``: which batch is which strength of which kit (``position``: the kit's order,
  lowest strength first); a batch is in one kit at most. Its lot numbers are in the kit's
  digest, so a link added, moved or removed is seen too.
- Neither is ever changed or deleted: triggers refuse it, and the application's PostgreSQL
  role may only add rows (:mod:`compounding.records.roles`). A kit's status is not stored: it
  is its batches' (released when every one is verified), each of which is kept and chained as
  any batch is, so it cannot disagree with them.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    op.create_table(
        "kits",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(120)),
        sa.Column("author_id", sa.Integer),
        sa.Column("order_json", sa.Text, nullable=False),
        sa.Column("plan_json", sa.Text, nullable=False),
        sa.Column("start_on", sa.Date, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "kit_batches",
        sa.Column("kit_id", sa.Integer, sa.ForeignKey("kits.id"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), nullable=False,
                  unique=True),
    )
    heads = sa.table("chain_heads", sa.column("name"), sa.column("hash"), sa.column("count"))
    bind.execute(sa.insert(heads).values(name="kits", hash="0" * 64, count=0))
    if dialect == "postgresql":  # compounding_refuse() is migration 0001's
        body = "FOR EACH ROW EXECUTE FUNCTION compounding_refuse()"
    else:
        body = "FOR EACH ROW BEGIN SELECT RAISE(ABORT, 'compounding records are append-only'); END"
    for table in ("kits", "kit_batches"):
        for event in ("UPDATE", "DELETE"):
            name = f"{table}_no_{event.lower()}"
            op.execute(f"CREATE TRIGGER {name} BEFORE {event} ON {table} {body}")


def downgrade() -> None:
    raise RuntimeError("compounding records are never dropped by a downgrade")
