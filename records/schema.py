"""Tables of the compounding records.

``batches``: one row per batch, written once (order, plan, pharmacy profile, lot); its ``status``
and ``revision`` columns are the head pointer, moved with each new revision. ``revisions``: the
history, append-only. ``batch_lots``: every component lot a batch used, for recalls.
``lot_counters``: the last sequence number given out per day. ``idempotency_keys``: which
request made which batch, so a retried create returns the first answer. ``service_health``: the
one row the health check writes. Database triggers (migrations 0001, 0002) refuse any change to
a written revision or to a batch's recorded content, and any delete.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

batches = Table(
    "batches", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("lot_number", String(32), nullable=False, unique=True),
    Column("lot_date", Date, nullable=False, index=True),
    Column("lot_seq", Integer),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("patient_key", String(160), nullable=False, index=True),
    Column("patient_name", Text),
    Column("rx_number", String(20), index=True),
    Column("order_json", Text, nullable=False),
    Column("plan_json", Text, nullable=False),
    Column("profile_json", Text, nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("revision", Integer, nullable=False),
)

revisions = Table(
    "revisions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("batch_id", Integer, ForeignKey("batches.id"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("action", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("author", String(120)),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("reason", Text),
    Column("data_json", Text, nullable=False),
    UniqueConstraint("batch_id", "number", name="uq_revision_number"),
)

batch_lots = Table(
    "batch_lots", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("batch_id", Integer, ForeignKey("batches.id"), nullable=False, index=True),
    Column("component", String(16), nullable=False),
    Column("lot", String(80), nullable=False),
    Index("ix_batch_lots_component_lot", "component", "lot"),
)

lot_counters = Table(
    "lot_counters", metadata,
    Column("day", Date, primary_key=True),
    Column("last", Integer, nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scope", String(64), nullable=False),
    Column("key", String(255), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("lot_number", String(32), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("scope", "key", name="uq_idempotency_scope_key"),
)

service_health = Table(
    "service_health", metadata,
    Column("id", Integer, primary_key=True),
    Column("checked_at", DateTime(timezone=True), nullable=False),
)
