"""Compounding records that last: every printed worksheet becomes a kept, searchable record.

SQLAlchemy 2 with Alembic migrations; SQLite by default, PostgreSQL by URL.
"""

from .models import Record, Revision, Summary
from .store import Conflict, RecordNotFound, Store

__all__ = ["Conflict", "Record", "RecordNotFound", "Revision", "Store", "Summary"]
