"""The input boundary: patient name for summaries, component lots in their normal form,
idempotency keys, the health check's row.

- ``batches.patient_name``: the name as ordered, so a search or recall lists batches without
  reading each order's JSON; filled from the orders kept so far, and fixed like the rest of a
  batch's recorded content.
- ``batch_lots.lot``: every component lot rewritten in its normal form
  (:func:`compounding.orders.lot_grammar.normal_lot`), so a recall finds every spelling; the
  append-only trigger is lifted for that one rewrite and put back.
- ``idempotency_keys``: which request (scope, key, body digest) made which batch.
- ``service_health``: one row that ``/healthz`` writes to prove the database is writable.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from compounding.orders.lot_grammar import normal_lot

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

FIXED_COLUMNS = ("lot_number", "lot_date", "lot_seq", "created_at", "patient_key",
                 "patient_name", "rx_number", "order_json", "plan_json", "profile_json")


def _drop_trigger(dialect: str, name: str, table: str) -> None:
    op.execute(f"DROP TRIGGER {name} ON {table}" if dialect == "postgresql"
               else f"DROP TRIGGER {name}")


def _create_trigger(dialect: str, name: str, event: str, table: str) -> None:
    """The append-only trigger of migration 0001, in each dialect's syntax."""
    body = ("FOR EACH ROW EXECUTE FUNCTION compounding_refuse()" if dialect == "postgresql"
            else "BEGIN SELECT RAISE(ABORT, 'compounding records are append-only'); END")
    op.execute(f"CREATE TRIGGER {name} BEFORE {event} ON {table} {body}")


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name

    op.add_column("batches", sa.Column("patient_name", sa.Text))
    name = ("(order_json::jsonb)->'patient'->>'name'" if dialect == "postgresql"
            else "json_extract(order_json, '$.patient.name')")
    op.execute(f"UPDATE batches SET patient_name = {name}")
    _drop_trigger(dialect, "batches_content_fixed", "batches")
    _create_trigger(dialect, "batches_content_fixed",
                    f"UPDATE OF {', '.join(FIXED_COLUMNS)}", "batches")

    _drop_trigger(dialect, "batch_lots_no_update", "batch_lots")
    table = sa.table("batch_lots", sa.column("lot", sa.String))
    for (lot,) in bind.execute(sa.select(table.c.lot).distinct()).all():
        normal = normal_lot(lot)[:80]
        if normal != lot:
            bind.execute(sa.update(table).where(table.c.lot == lot).values(lot=normal))
    _create_trigger(dialect, "batch_lots_no_update", "UPDATE", "batch_lots")

    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("scope", sa.String(64), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("lot_number", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("scope", "key", name="uq_idempotency_scope_key"),
    )
    op.create_table(
        "service_health",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    raise RuntimeError("compounding records are never dropped by a downgrade")
