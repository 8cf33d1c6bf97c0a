"""Archived records: imported with signatures this installation cannot verify.

- ``batches.archived`` (0 or 1, 0 for every batch kept so far): a record imported without a
  chain and checkpoint that verify with a key the importer trusts (:mod:`compounding.records.
  imports`; security.md, "The audit trail": import). It can be read and recalled; it takes no
  further step and prints no label or MedicationDispense.
- The flag is fixed like the rest of a batch's recorded content: the ``batches_content_fixed``
  trigger now covers it too (the application's PostgreSQL role was never given UPDATE on it:
  :mod:`compounding.records.roles`), and an archived batch's chain covers it
  (:func:`compounding.records.chain.batch_digest`), so lifting it by SQL breaks the record.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

FIXED_COLUMNS = ("lot_number", "lot_date", "lot_seq", "created_at", "patient_key",
                 "patient_name", "rx_number", "order_json", "plan_json", "profile_json",
                 "archived")
"""Migration 0002's fixed columns, and the flag."""


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column("batches", sa.Column("archived", sa.Integer, nullable=False,
                                       server_default="0"))
    body = ("FOR EACH ROW EXECUTE FUNCTION compounding_refuse()" if dialect == "postgresql"
            else "BEGIN SELECT RAISE(ABORT, 'compounding records are append-only'); END")
    op.execute("DROP TRIGGER batches_content_fixed ON batches" if dialect == "postgresql"
               else "DROP TRIGGER batches_content_fixed")
    op.execute(f"CREATE TRIGGER batches_content_fixed BEFORE UPDATE OF "
               f"{', '.join(FIXED_COLUMNS)} ON batches {body}")


def downgrade() -> None:
    raise RuntimeError("compounding records are never dropped by a downgrade")
