"""Tables of the compounding records.

``batches``: one row per batch, written once (order, plan, pharmacy profile, lot); its
``status`` and ``revision`` columns are the head pointer, moved with each new revision.
``revisions``: the history, append-only. ``batch_lots``: every component lot a batch used, for
recalls. ``events``: the change feed, one row in order for each revision written and each label
printed, chained (its head anchors every batch's history). ``lot_counters``: the last sequence
number given out per day. ``idempotency_keys``: which request made which batch, so a retried
create returns the first answer. ``service_health``: the one row the health check writes.
``users`` and ``api_tokens``: who may sign in, with what roles and scopes; ``account_states``:
every state either has been in, chained (who may sign is part of the proof). ``audit_events``:
who read or did what, when, from where, hash-chained (``chain_heads`` holds the chain's last
link). ``pharmacy_settings``: the pharmacy's name, address, phone and time zone as set up on
first start. ``sign_in_failures``: failed sign-ins counted per name and address, per address and
per name, each held back until a time (:mod:`.throttle`). ``sessions``: every signed-in
session, by the digest of its secret, until it ends (:mod:`.sessions`). ``batches.archived``
(migration 0009): a record imported with signatures this installation cannot verify, readable
and recallable but never labelled (:mod:`.imports`), fixed like the rest of the batch's
recorded content and covered by its chain. ``inventory_lots`` (migration 0010): tablet,
API, filler and capsule-shell lots as received, one row per kind and lot, fixed once
written but for its quarantine (:mod:`.inventory`); an API lot's certificate assay, basis and
water (migration 0013). Each revision carries
its author's user id and the keyed SHA-256 of its content and of the revision before it
(:mod:`.chain`). Database triggers (migrations 0001-0003) refuse any change to a written
revision, an audit event or a batch's recorded content, and any delete. ``drafts``: the order
form's fields kept for the person typing them (:mod:`.drafts`). ``mfr_versions`` and
``mfr_revisions`` (migration 0012): the formulary of master formulation records
(:mod:`.formulary`). ``mfr_versions`` is each version's head (its status, draft, approved or
superseded, and its revision, the ``If-Match`` of a signature), moved like a batch's;
``mfr_revisions`` its history, append-only: every saved draft and the pharmacist's approval,
each with the record's content as canonical JSON and its SHA-256, linked in the ``formulary``
chain (``chain_heads``). An approved version never changes: only its status may go on to
superseded. ``batches.mfr_id`` and ``batches.mfr_version`` (migration 0012): the master
formulation record a batch was made under, fixed with the rest of its recorded content.
``kits`` and ``kit_batches`` (migration 0014): a titration kit as made (its order, its plan,
who made it when, the schedule's first day), linked in the ``kits`` chain, and which batch is
which of its strengths (:mod:`.kits`); never changed or deleted.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
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
    Column("patient_id", String(64), index=True),
    Column("prescription_id", String(64), index=True),
    Column("order_json", Text, nullable=False),
    Column("plan_json", Text, nullable=False),
    Column("profile_json", Text, nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("revision", Integer, nullable=False),
    Column("archived", Integer, nullable=False, server_default="0"),
    Column("mfr_id", String(64)),
    Column("mfr_version", Integer),
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
    Column("author_id", Integer),
    Column("signed_in", Integer),
    Column("prev_hash", String(64)),
    Column("hash", String(64)),
    UniqueConstraint("batch_id", "number", name="uq_revision_number"),
)

batch_lots = Table(
    "batch_lots", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("batch_id", Integer, ForeignKey("batches.id"), nullable=False, index=True),
    Column("component", String(16), nullable=False),
    Column("lot", String(80), nullable=False),
    Index("ix_batch_lots_lookup", "component", "lot", "batch_id"),
)

events = Table(
    "events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("batch_id", Integer, ForeignKey("batches.id"), nullable=False, index=True),
    Column("action", String(16), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("user_id", Integer),
    Column("revision_hash", String(64)),
    Column("prev_hash", String(64)),
    Column("hash", String(64)),
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

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("name", String(120), nullable=False),
    Column("licence", String(40)),
    Column("roles", String(64), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("password_set_at", DateTime(timezone=True), nullable=False),
    Column("failures", Integer, nullable=False),
    Column("locked_until", DateTime(timezone=True)),
    Column("disabled", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

api_tokens = Table(
    "api_tokens", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("owner_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("scopes", String(64), nullable=False),
    Column("prefix", String(16), nullable=False, unique=True),
    Column("secret_hash", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

audit_events = Table(
    "audit_events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("user_id", Integer),
    Column("token_id", Integer),
    Column("action", String(32), nullable=False),
    Column("target", String(200)),
    Column("detail_json", Text, nullable=False),
    Column("remote", String(64)),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

account_states = Table(
    "account_states", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("seq", Integer, nullable=False, unique=True),
    Column("kind", String(8), nullable=False),
    Column("subject_id", Integer, nullable=False),
    Column("state_json", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("author_id", Integer),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_account_states_subject", "kind", "subject_id", "seq"),
)

chain_heads = Table(
    "chain_heads", metadata,
    Column("name", String(32), primary_key=True),
    Column("hash", String(64), nullable=False),
    Column("count", Integer, nullable=False),
)

pharmacy_settings = Table(
    "pharmacy_settings", metadata,
    Column("id", Integer, primary_key=True),
    Column("pharmacy_json", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

sign_in_failures = Table(
    "sign_in_failures", metadata,
    Column("key", String(200), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_at", DateTime(timezone=True), nullable=False),
    Column("held_until", DateTime(timezone=True)),
)

sessions = Table(
    "sessions", metadata,
    Column("id", String(64), primary_key=True),
    Column("user_id", Integer, nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("seen_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True)),
    Column("ended_why", String(16)),
    Column("remote", String(64)),
)

inventory_lots = Table(
    "inventory_lots", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(8), nullable=False),
    Column("product", String(120), nullable=False),
    Column("ndc", String(13)),
    Column("manufacturer", String(120), nullable=False),
    Column("lot", String(40), nullable=False),
    Column("expiry", Date, nullable=False, index=True),
    Column("average_weight_mg", String(24)),
    Column("assay", String(16)),
    Column("assay_basis", String(8)),
    Column("water", String(16)),
    Column("received_on", Date, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("received_by", Integer, nullable=False),
    Column("quarantined_at", DateTime(timezone=True)),
    Column("quarantined_by", Integer),
    Column("quarantine_reason", Text),
    UniqueConstraint("kind", "lot", name="uq_inventory_kind_lot"),
)

drafts = Table(
    "drafts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, nullable=False),
    Column("fields_json", Text, nullable=False),
    Column("saved_at", DateTime(timezone=True), nullable=False),
    Index("ix_drafts_user", "user_id", "id"),
)

mfr_versions = Table(
    "mfr_versions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("mfr_id", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", Integer),
    UniqueConstraint("mfr_id", "version", name="uq_mfr_version"),
)

mfr_revisions = Table(
    "mfr_revisions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("seq", Integer, nullable=False, unique=True),
    Column("mfr_id", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("number", Integer, nullable=False),
    Column("action", String(16), nullable=False),
    Column("content_json", Text, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("author_id", Integer),
    Column("author", String(120)),
    Column("licence", String(40)),
    Column("meaning", Text),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    ForeignKeyConstraint(["mfr_id", "version"], ["mfr_versions.mfr_id", "mfr_versions.version"],
                         name="fk_mfr_revisions_version"),
    UniqueConstraint("mfr_id", "version", "number", name="uq_mfr_revision_number"),
)

kits = Table(
    "kits", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("author", String(120)),
    Column("author_id", Integer),
    Column("order_json", Text, nullable=False),
    Column("plan_json", Text, nullable=False),
    Column("start_on", Date, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

kit_batches = Table(
    "kit_batches", metadata,
    Column("kit_id", Integer, ForeignKey("kits.id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("batch_id", Integer, ForeignKey("batches.id"), nullable=False, unique=True),
)
