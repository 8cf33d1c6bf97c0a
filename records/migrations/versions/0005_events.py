"""The pharmacy system's identifiers on each batch, and the change feed.

``batches.patient_id`` and ``batches.prescription_id`` hold the order's ``patient.id`` and
``prescription_id`` (API v1.1), indexed for search. ``events`` is the change feed: one row, in
order, for every revision written (create, bench entry, correction, signature, scrap) and every
label printed; the revisions already kept are copied into it in their order. Events are
append-only, like revisions.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("batches", sa.Column("patient_id", sa.String(64)))
    op.add_column("batches", sa.Column("prescription_id", sa.String(64)))
    op.create_index("ix_batches_patient_id", "batches", ["patient_id"])
    op.create_index("ix_batches_prescription_id", "batches", ["prescription_id"])
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer),
    )
    op.create_index("ix_events_batch_id", "events", ["batch_id"])
    op.execute("INSERT INTO events (batch_id, action, revision, status, at, user_id) "
               "SELECT batch_id, action, number, status, at, author_id FROM revisions "
               "ORDER BY id")
    if op.get_bind().dialect.name == "postgresql":
        body = "FOR EACH ROW EXECUTE FUNCTION compounding_refuse()"
    else:
        body = "BEGIN SELECT RAISE(ABORT, 'compounding records are append-only'); END"
    for name, event in (("events_no_update", "UPDATE ON events"),
                        ("events_no_delete", "DELETE ON events")):
        op.execute(f"CREATE TRIGGER {name} BEFORE {event} {body}")


def downgrade() -> None:
    raise RuntimeError("compounding records are never dropped by a downgrade")
