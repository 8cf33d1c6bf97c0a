"""Compounding records: batches, revisions, batch lots, lot counters; append-only triggers.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

IMMUTABLE_BATCH_COLUMNS = ("lot_number", "lot_date", "lot_seq", "created_at", "patient_key",
                           "rx_number", "order_json", "plan_json", "profile_json")


def upgrade() -> None:
    op.create_table(
        "batches",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("lot_number", sa.String(32), nullable=False, unique=True),
        sa.Column("lot_date", sa.Date, nullable=False, index=True),
        sa.Column("lot_seq", sa.Integer),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("patient_key", sa.String(160), nullable=False, index=True),
        sa.Column("rx_number", sa.String(20), index=True),
        sa.Column("order_json", sa.Text, nullable=False),
        sa.Column("plan_json", sa.Text, nullable=False),
        sa.Column("profile_json", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("revision", sa.Integer, nullable=False),
    )
    op.create_table(
        "revisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("author", sa.String(120)),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("data_json", sa.Text, nullable=False),
        sa.UniqueConstraint("batch_id", "number", name="uq_revision_number"),
    )
    op.create_table(
        "batch_lots",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), nullable=False,
                  index=True),
        sa.Column("component", sa.String(16), nullable=False),
        sa.Column("lot", sa.String(80), nullable=False),
    )
    op.create_index("ix_batch_lots_component_lot", "batch_lots", ["component", "lot"])
    op.create_table(
        "lot_counters",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("last", sa.Integer, nullable=False),
    )
    _append_only_triggers(op.get_bind().dialect.name)


def _append_only_triggers(dialect: str) -> None:
    """Refuse updates of revisions and lots, deletes of anything, and changes of a batch's
    recorded content; in each dialect's trigger syntax."""
    if dialect == "postgresql":
        op.execute("""
            CREATE FUNCTION compounding_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'compounding records are append-only'; END $$""")
        body = "FOR EACH ROW EXECUTE FUNCTION compounding_refuse()"
    else:
        body = "BEGIN SELECT RAISE(ABORT, 'compounding records are append-only'); END"
    columns = ", ".join(IMMUTABLE_BATCH_COLUMNS)
    triggers = [(f"{t}_no_update", f"UPDATE ON {t}") for t in ("revisions", "batch_lots")]
    triggers += [(f"{t}_no_delete", f"DELETE ON {t}")
                 for t in ("revisions", "batch_lots", "batches")]
    triggers.append(("batches_content_fixed", f"UPDATE OF {columns} ON batches"))
    for name, event in triggers:
        op.execute(f"CREATE TRIGGER {name} BEFORE {event} {body}")


def downgrade() -> None:
    raise RuntimeError("compounding records are never dropped by a downgrade")
