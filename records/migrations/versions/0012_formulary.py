"""The formulary: master formulation records, versioned and approved by a pharmacist's signature.

- ``mfr_versions``: one row per version of a master formulation record (``mfr_id``,
  ``version``), its head: ``status`` (draft, approved, superseded) and ``revision`` (the
  ``If-Match`` an approval names), moved like a batch's (:mod:`compounding.records.formulary`).
  Which version it is, and who made it when, never change; a version no longer a draft keeps
  its revision, and its status may only go from approved to superseded (when a later version is
  approved). The application's PostgreSQL role may update ``status`` and ``revision`` alone
  (:mod:`compounding.records.roles`).
- ``mfr_revisions``: every draft saved and every approval, with the record's content (canonical
  JSON) and its SHA-256, who and when, and for an approval the printed name, licence and
  meaning of the signature. Append-only, like the records' history, and chained in
  ``chain_heads`` row ``formulary`` (begun here, empty): a content, digest or approval changed
  or removed breaks the chain.
- ``batches.mfr_id`` and ``batches.mfr_version``: the master formulation record each batch was
  made under. Every batch kept so far was made from tablets as capsules: it is attributed to
  ``LDN-CAPS-TAB-MCC`` version 1. Both are fixed with the rest of a batch's recorded content:
  the ``batches_content_fixed`` trigger now covers them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

KEPT_MFR = ("LDN-CAPS-TAB-MCC", 1)
"""What every batch kept before the formulary was made under: capsules from tablets."""

FIXED_COLUMNS = ("lot_number", "lot_date", "lot_seq", "created_at", "patient_key",
                 "patient_name", "rx_number", "order_json", "plan_json", "profile_json",
                 "archived", "mfr_id", "mfr_version")
"""Migration 0008's fixed columns of a batch, and its master formulation record."""

REFUSE_PG = "EXECUTE FUNCTION compounding_refuse()"  # migration 0001's
REFUSE_SQLITE = "BEGIN SELECT RAISE(ABORT, 'compounding records are append-only'); END"


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    op.create_table(
        "mfr_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("mfr_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer),
        sa.UniqueConstraint("mfr_id", "version", name="uq_mfr_version"),
    )
    op.create_table(
        "mfr_revisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("seq", sa.Integer, nullable=False, unique=True),
        sa.Column("mfr_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("content_json", sa.Text, nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("author_id", sa.Integer),
        sa.Column("author", sa.String(120)),
        sa.Column("licence", sa.String(40)),
        sa.Column("meaning", sa.Text),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["mfr_id", "version"],
                                ["mfr_versions.mfr_id", "mfr_versions.version"],
                                name="fk_mfr_revisions_version"),
        sa.UniqueConstraint("mfr_id", "version", "number", name="uq_mfr_revision_number"),
    )
    heads = sa.table("chain_heads", sa.column("name"), sa.column("hash"), sa.column("count"))
    bind.execute(sa.insert(heads).values(name="formulary", hash="0" * 64, count=0))

    op.add_column("batches", sa.Column("mfr_id", sa.String(64)))
    op.add_column("batches", sa.Column("mfr_version", sa.Integer))
    batches = sa.table("batches", sa.column("mfr_id"), sa.column("mfr_version"))
    bind.execute(sa.update(batches).values(mfr_id=KEPT_MFR[0], mfr_version=KEPT_MFR[1]))

    if dialect == "postgresql":
        body, after_approval = REFUSE_PG, (
            "WHEN (OLD.status <> 'draft' AND NOT (OLD.status = 'approved' AND "
            "NEW.status = 'superseded' AND NEW.revision = OLD.revision))")
    else:
        body, after_approval = REFUSE_SQLITE, (
            "WHEN OLD.status <> 'draft' AND NOT (OLD.status = 'approved' AND "
            "NEW.status = 'superseded' AND NEW.revision = OLD.revision)")
    op.execute("DROP TRIGGER batches_content_fixed ON batches" if dialect == "postgresql"
               else "DROP TRIGGER batches_content_fixed")
    triggers = [
        ("batches_content_fixed", f"UPDATE OF {', '.join(FIXED_COLUMNS)} ON batches"),
        ("mfr_versions_no_delete", "DELETE ON mfr_versions"),
        ("mfr_versions_named_fixed",
         "UPDATE OF id, mfr_id, version, created_at, created_by ON mfr_versions"),
        ("mfr_versions_signed_fixed", f"UPDATE ON mfr_versions FOR EACH ROW {after_approval}"),
        ("mfr_revisions_no_update", "UPDATE ON mfr_revisions"),
        ("mfr_revisions_no_delete", "DELETE ON mfr_revisions"),
    ]
    for name, event in triggers:
        each = "" if "FOR EACH ROW" in event else " FOR EACH ROW"
        op.execute(f"CREATE TRIGGER {name} BEFORE {event}{each} {body}")


def downgrade() -> None:
    raise RuntimeError("compounding records are never dropped by a downgrade")
