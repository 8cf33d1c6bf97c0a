"""The least-privilege PostgreSQL role the application connects as (security.md).

Migrations run as the owner of the tables. The application's role may read everything and add
rows, and may change only the columns that are meant to move: a batch's head (status, revision),
the lot counters, the health row, the chains' heads, sign-in failure counts, sessions' last use
and end, users' passwords, names, roles, licences and disabled flags (each change chained),
token revocations, the pharmacy's details, an inventory lot's quarantine, a master formulation
record version's head (status, revision: each move chained in ``mfr_revisions``, which it may
only add to). Titration kits (``kits``, ``kit_batches``) it may only add. It may delete
nothing, alter no table or trigger, and create nothing in the schema, so neither it nor anyone
holding its password can rewrite a revision, an audit event, or the triggers that guard them.
"""

from __future__ import annotations

from sqlalchemy import Engine, text

UPDATABLE = {
    "batches": ("status", "revision"),
    "lot_counters": ("last",),
    "service_health": ("checked_at",),
    "chain_heads": ("hash", "count"),
    "users": ("name", "licence", "roles", "password_hash", "password_set_at", "failures",
              "locked_until", "disabled"),
    "api_tokens": ("revoked_at",),
    "pharmacy_settings": ("pharmacy_json", "updated_at"),
    "sign_in_failures": ("failures", "last_at", "held_until"),
    "sessions": ("seen_at", "ended_at", "ended_why"),
    "inventory_lots": ("quarantined_at", "quarantined_by", "quarantine_reason"),
    "mfr_versions": ("status", "revision"),
}


def grant_application_role(engine: Engine, role: str) -> None:
    """Give ``role`` (an existing PostgreSQL role) exactly the application's rights; run as
    the owner of the tables."""
    name = '"' + role.replace('"', '""') + '"'
    statements = [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {name}",
        f"REVOKE CREATE ON SCHEMA public FROM {name}",
        f"GRANT USAGE ON SCHEMA public TO {name}",
        f"GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO {name}",
        f"REVOKE INSERT ON alembic_version FROM {name}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {name}",
    ]
    statements += [f"GRANT UPDATE ({', '.join(columns)}) ON {table} TO {name}"
                   for table, columns in UPDATABLE.items()]
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
