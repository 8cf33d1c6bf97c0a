"""Component inventory: tablet, API, filler and capsule-shell lots as received (issue 23).

- ``inventory_lots``: one row per kind and lot (its normal form,
  :func:`compounding.orders.lot_grammar.normal_lot`), with product, NDC, manufacturer, expiry, the
  tablets' measured average weight (exact decimal text, mg), the day and moment it was received
  and by whom (:mod:`compounding.records.inventory`).
- What was received is fixed once written, like a batch's recorded content: a trigger refuses
  a change of it, and any delete. Only the quarantine may be written, once (who, when, why):
  the application's PostgreSQL role is given UPDATE on those three columns alone
  (:mod:`compounding.records.roles`), and a trigger refuses any change of a row already
  quarantined, so a quarantine is never lifted or rewritten by SQL.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

RECEIVED_COLUMNS = ("kind", "product", "ndc", "manufacturer", "lot", "expiry",
                    "average_weight_mg", "received_on", "received_at", "received_by")
"""What a receipt records: never changed."""


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "inventory_lots",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("product", sa.String(120), nullable=False),
        sa.Column("ndc", sa.String(13)),
        sa.Column("manufacturer", sa.String(120), nullable=False),
        sa.Column("lot", sa.String(40), nullable=False),
        sa.Column("expiry", sa.Date, nullable=False),
        sa.Column("average_weight_mg", sa.String(24)),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_by", sa.Integer, nullable=False),
        sa.Column("quarantined_at", sa.DateTime(timezone=True)),
        sa.Column("quarantined_by", sa.Integer),
        sa.Column("quarantine_reason", sa.Text),
        sa.UniqueConstraint("kind", "lot", name="uq_inventory_kind_lot"),
    )
    op.create_index("ix_inventory_lots_expiry", "inventory_lots", ["expiry"])
    if dialect == "postgresql":  # compounding_refuse() is migration 0001's
        body = "EXECUTE FUNCTION compounding_refuse()"
        once = "FOR EACH ROW WHEN (OLD.quarantined_at IS NOT NULL)"
    else:
        body = "BEGIN SELECT RAISE(ABORT, 'compounding records are append-only'); END"
        once = "FOR EACH ROW WHEN OLD.quarantined_at IS NOT NULL"
    triggers = [
        ("inventory_lots_no_delete", "DELETE ON inventory_lots FOR EACH ROW"),
        ("inventory_lots_received_fixed",
         f"UPDATE OF {', '.join(RECEIVED_COLUMNS)} ON inventory_lots FOR EACH ROW"),
        ("inventory_lots_quarantine_once", f"UPDATE ON inventory_lots {once}"),
    ]
    for name, event in triggers:
        op.execute(f"CREATE TRIGGER {name} BEFORE {event} {body}")


def downgrade() -> None:
    raise RuntimeError("compounding records are never dropped by a downgrade")
