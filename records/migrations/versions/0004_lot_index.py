"""Recalls read their page from one index: batch lots by (component, lot, batch id).

A recall of a lot used by 10 000 batches counts them and picks a page of their ids from this
index alone, in order, then reads only that page's batches.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_batch_lots_lookup", "batch_lots", ["component", "lot", "batch_id"])
    op.drop_index("ix_batch_lots_component_lot", table_name="batch_lots")


def downgrade() -> None:
    raise RuntimeError("compounding records are never dropped by a downgrade")
