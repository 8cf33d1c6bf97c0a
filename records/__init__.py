"""Compounding records that last: every printed worksheet becomes a kept, searchable record, and
a titration kit ties together the records of its strengths.

SQLAlchemy 2 with Alembic migrations; SQLite by default, PostgreSQL by URL.
"""

from .accounts import Accounts, Token, User
from .audit import AuditLog
from .kits import Kit, KitBatch
from .models import Author, Record, Revision, Summary
from .store import Conflict, RecordNotFound, Store

__all__ = ["Accounts", "AuditLog", "Author", "Conflict", "Kit", "KitBatch", "Record",
           "RecordNotFound", "Revision", "Store", "Summary", "Token", "User"]
