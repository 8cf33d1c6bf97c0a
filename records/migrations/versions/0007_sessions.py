"""Sign-in without lockouts strangers can cause, and sessions the server can end.

- ``sign_in_failures``: failed sign-ins counted per name and address, per address and per name
  (:mod:`compounding.records.throttle`), each with the time until which it is held back.
- ``sessions``: every signed-in session, by the digest of its secret, with when it began, when
  it was last used and when and why it ended (:mod:`compounding.records.sessions`).

The failure counters kept on ``users`` before (``failures``, ``locked_until``) are no longer
read or written.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("held_until", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("ended_why", sa.String(16)),
        sa.Column("remote", sa.String(64)),
    )
    op.create_index("ix_sessions_user_id", "sessions", ["user_id"])


def downgrade() -> None:
    raise RuntimeError("compounding records are never dropped by a downgrade")
