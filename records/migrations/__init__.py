"""The records database's schema migrations (Alembic): ``versions/`` holds one module per
migration, numbered in order, run by :func:`compounding.records.migrate.upgrade`."""
