"""Compounding records that last: every printed worksheet becomes a kept, searchable record.

SQLAlchemy 2 with Alembic migrations; SQLite by default, PostgreSQL by URL.
"""

from .accounts import Accounts, Token, User
from .audit import AuditLog
from .models import Author, Record, Revision, Summary
from .store import Conflict, RecordNotFound, Store

__all__ = ["Accounts", "AuditLog", "Author", "Conflict", "Record", "RecordNotFound", "Revision",
           "Store", "Summary", "Token", "User"]
