"""An API powder lot's certificate of analysis in the inventory.

- ``inventory_lots.assay`` (exact decimal text, %), ``assay_basis`` (``as_is`` or ``dried``)
  and ``water`` (exact decimal text, %, on the dried basis only): what the certificate of a lot
  of naltrexone HCl powder (API) says, kept when the lot is received, so that an order or a
  bench entry that picks the lot takes its assay (:mod:`compounding.records.receipts`). Lots
  received before have none.
- They are fixed with the rest of what was received: the ``inventory_lots_received_fixed``
  trigger is made again to cover them.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-09
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

RECEIVED_COLUMNS = ("kind", "product", "ndc", "manufacturer", "lot", "expiry",
                    "average_weight_mg", "assay", "assay_basis", "water", "received_on",
                    "received_at", "received_by")
"""What a receipt records: never changed (migration 0009's, with the certificate)."""


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column("inventory_lots", sa.Column("assay", sa.String(16)))
    op.add_column("inventory_lots", sa.Column("assay_basis", sa.String(8)))
    op.add_column("inventory_lots", sa.Column("water", sa.String(16)))
    if dialect == "postgresql":  # compounding_refuse() is migration 0001's
        op.execute("DROP TRIGGER inventory_lots_received_fixed ON inventory_lots")
        body = "EXECUTE FUNCTION compounding_refuse()"
    else:
        op.execute("DROP TRIGGER inventory_lots_received_fixed")
        body = "BEGIN SELECT RAISE(ABORT, 'compounding records are append-only'); END"
    op.execute(f"CREATE TRIGGER inventory_lots_received_fixed BEFORE UPDATE OF "
               f"{', '.join(RECEIVED_COLUMNS)} ON inventory_lots FOR EACH ROW {body}")


def downgrade() -> None:
    raise RuntimeError("compounding records are never dropped by a downgrade")
