"""Profile settings: the pharmacy profile's sections as changed on the settings page (issue 23).

- ``profile_settings``: one row per saved version, numbered from 1 (``version``, unique: two
  saves made from the same page cannot both become the next version), with the JSON of the
  sections that version changed (``{"balance": {...}}``), who changed them (a user's id) and
  when (:mod:`compounding.records.settings_store`). The profile in force is the profile file
  with each section as its newest version left it.
- Every version is kept: a trigger refuses any change or delete, like the records' history.
  The application's PostgreSQL role adds rows (its INSERT on every table) and was given no
  UPDATE on this table (:mod:`compounding.records.roles`).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "profile_settings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("sections_json", sa.Text, nullable=False),
        sa.Column("changed_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("version", name="uq_profile_settings_version"),
    )
    body = ("FOR EACH ROW EXECUTE FUNCTION compounding_refuse()"  # migration 0001's
            if dialect == "postgresql"
            else "FOR EACH ROW BEGIN SELECT RAISE(ABORT, 'compounding records are append-only'); "
                 "END")
    for name, event in (("profile_settings_no_update", "UPDATE ON profile_settings"),
                        ("profile_settings_no_delete", "DELETE ON profile_settings")):
        op.execute(f"CREATE TRIGGER {name} BEFORE {event} {body}")


def downgrade() -> None:
    raise RuntimeError("compounding records are never dropped by a downgrade")
