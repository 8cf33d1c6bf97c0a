"""Order drafts kept by the server for the person typing them (:mod:`compounding.records.
drafts`): appended rows, the newest of a person is their draft.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("fields_json", sa.Text, nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_drafts_user", "drafts", ["user_id", "id"])


def downgrade() -> None:
    raise RuntimeError("compounding records are never dropped by a downgrade")
