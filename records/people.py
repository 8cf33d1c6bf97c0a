"""The people and systems of the records as the code holds them: users, tokens, and why a
sign-in failed (:mod:`.accounts` keeps them; :mod:`.tokens` keeps the tokens)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from compounding.errors import OrderError

from .throttle import Held


class AccountError(OrderError):
    """A user or token change that cannot be made (HTTP 422), naming the field."""


class NotFound(OrderError):
    """No such user or token (HTTP 404)."""

    status = 404


@dataclass(frozen=True, slots=True)
class User:
    """A person who signs in. ``roles`` ⊆ :data:`ROLES`; ``licence`` for a pharmacist.
    ``temporary``: the password was set by someone else and must be changed before signing."""

    id: int
    username: str
    name: str
    licence: str | None
    roles: frozenset[str]
    disabled: bool
    password_set_at: datetime
    temporary: bool = False

    def has(self, role: str) -> bool:
        """Whether the user may act in ``role``: a pharmacist may do all a technician may
        (and can read what it signs)."""
        return role in self.roles or (role == "technician" and "pharmacist" in self.roles)


@dataclass(frozen=True, slots=True)
class Token:
    """A pharmacy system's key: its ``owner``'s roles, narrowed to ``scopes``."""

    id: int
    name: str
    owner_id: int
    scopes: frozenset[str]
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class Failure:
    """Why a sign-in failed, for the audit log (never shown to the person as such).
    ``held``: the sign-in is held back (:mod:`.throttle`), and for how long."""

    reason: str  # "unknown", "password", "held", "disabled", "tampered"
    user: User | None
    held: Held | None = None

    @property
    def locked_now(self) -> bool:
        """Whether this failure started a hold."""
        return self.held is not None and self.held.started_now


def licence_key(text: str | None) -> str:
    """A licence number as compared: NFKC, no spaces or dashes, case-folded."""
    return re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", text or "")).casefold()


def _user(row: Any, temporary: bool = False) -> User:
    return User(id=row.id, username=row.username, name=row.name, licence=row.licence,
                roles=frozenset(filter(None, row.roles.split(","))), disabled=bool(row.disabled),
                password_set_at=_aware(row.password_set_at) or row.password_set_at,
                temporary=temporary)


def _token(row: Any) -> Token:
    return Token(id=row.id, name=row.name, owner_id=row.owner_id,
                 scopes=frozenset(filter(None, row.scopes.split(","))), prefix=row.prefix,
                 created_at=row.created_at, revoked_at=row.revoked_at)


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes; they were written in UTC."""
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)
