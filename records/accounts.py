"""People and systems that may use the workbench: users with roles, and API tokens with scopes.

security.md: passwords are argon2id (argon2-cffi, its default cost unless told otherwise), at
least 12 characters and not a common password; 5 failures lock an account for 15 minutes;
accounts are disabled, never deleted, so the history keeps their names. An API token is shown
once: ``cw_<prefix>_<secret>``; only the SHA-256 of its secret is kept (a 256-bit random secret
needs no slow hash), with its owner and scopes, until it is revoked.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from types import SimpleNamespace
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Engine, func, insert, select, update

from compounding import clock
from compounding.errors import ErrorDetail, OrderError

from .chain import same, state_digest
from .checkpoints import Checkpoints
from .db import writer
from .heads import append_state, state_of
from .proof import account_problems
from .schema import account_states, api_tokens, users

ROLES = ("technician", "pharmacist", "admin")
SCOPES = ("plan", "records:read", "records:write")
MIN_PASSWORD = 12
LOCK_AFTER = 5
LOCK_FOR = timedelta(minutes=15)
TOKEN_MEMO_S = 2.0
"""How long a valid token's look-up is remembered [s]."""
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
_TOKEN = re.compile(r"cw_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})")


class AccountError(OrderError):
    """A user or token change that cannot be made (HTTP 422), naming the field."""


class NotFound(OrderError):
    """No such user or token (HTTP 404)."""

    status = 404


@dataclass(frozen=True, slots=True)
class User:
    """A person who signs in. ``roles`` ⊆ :data:`ROLES`; ``licence`` for a pharmacist."""

    id: int
    username: str
    name: str
    licence: str | None
    roles: frozenset[str]
    disabled: bool
    password_set_at: datetime

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
    """Why a sign-in failed, for the audit log (never shown to the person as such)."""

    reason: str  # "unknown", "password", "locked", "disabled", "tampered"
    user: User | None
    locked_now: bool = False


def username_key(text: str) -> str:
    """A username as compared: NFKC, case-folded, trimmed."""
    return unicodedata.normalize("NFKC", text).strip().casefold()


@cache
def _common() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str, username: str = "") -> str | None:
    """Why ``password`` may not be used, in words; ``None`` when it may (security.md)."""
    if len(password) < MIN_PASSWORD:
        return f"a password has at least {MIN_PASSWORD} characters"
    if len(password) > 256:
        return "a password has at most 256 characters"
    folded = password.casefold()
    stem = folded.rstrip("0123456789!@#$%^&*?.-_ ")
    if folded in _common() or (len(stem) >= 4 and stem in _common()):
        return "this password is one of the most common ones; choose another"
    if len(set(folded)) <= 2:
        return "a password of one or two repeated characters is too easy to guess"
    if username and username_key(username) in folded:
        return "a password may not contain the username"
    return None


def _user(row: Any) -> User:
    return User(id=row.id, username=row.username, name=row.name, licence=row.licence,
                roles=frozenset(filter(None, row.roles.split(","))), disabled=bool(row.disabled),
                password_set_at=_aware(row.password_set_at) or row.password_set_at)


def _token(row: Any) -> Token:
    return Token(id=row.id, name=row.name, owner_id=row.owner_id,
                 scopes=frozenset(filter(None, row.scopes.split(","))), prefix=row.prefix,
                 created_at=row.created_at, revoked_at=row.revoked_at)


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes; they were written in UTC."""
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


class Accounts:
    """Users and tokens in the records database."""

    def __init__(self, engine: Engine, hasher: PasswordHasher | None = None, *, key: bytes,
                 checkpoints: Checkpoints | None = None) -> None:
        self.engine = engine
        self._key = key
        self._checkpoints = checkpoints
        self._writes = writer(engine)
        self.hasher = hasher or PasswordHasher()  # argon2id, the library's default cost
        self._dummy = self.hasher.hash("not a password of anyone's")
        self._memo: dict[str, tuple[float, tuple[Token, User]]] = {}

    # -- users ------------------------------------------------------------------------------

    def count(self) -> int:
        with self.engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(users)).scalar_one()

    def add(self, username: str, name: str, password: str, roles: list[str],
            licence: str | None = None, *, by: int | None = None) -> User:
        """A new user; errors name the field (``username``, ``password``, ``roles``...)."""
        key = username_key(username)
        errors = []
        if not _USERNAME.fullmatch(key):
            errors.append(ErrorDetail("INVALID_VALUE", "username",
                                      "a username is 2-64 letters, digits, '.', '_' or '-'"))
        name = " ".join(unicodedata.normalize("NFC", name).split())
        if not name or len(name) > 120 or not name.isprintable():
            errors.append(ErrorDetail("INVALID_VALUE", "name",
                                      "the printed name is 1-120 printable characters"))
        wrong = [r for r in roles if r not in ROLES]
        if wrong or not roles:
            errors.append(ErrorDetail("INVALID_VALUE", "roles",
                                      f"roles are one or more of {', '.join(ROLES)}"))
        if "pharmacist" in roles and not (licence and licence.strip()):
            errors.append(ErrorDetail("FIELD_REQUIRED", "licence",
                                      "a pharmacist's licence number is printed at signatures"))
        problem = password_problem(password, key)
        if problem:
            errors.append(ErrorDetail("WEAK_PASSWORD", "password", problem))
        if errors:
            raise AccountError(errors)
        if self.find(key) is not None:
            raise AccountError([ErrorDetail("INVALID_VALUE", "username",
                                            f"the username {key} is taken")])
        now = clock.now()
        with self._writes.begin() as connection:
            made = connection.execute(insert(users).values(
                username=key, name=name, licence=(licence or "").strip() or None,
                roles=",".join(r for r in ROLES if r in roles),
                password_hash=self.hasher.hash(password), password_set_at=now, failures=0,
                locked_until=None, disabled=0, created_at=now).returning(users.c.id)).scalar_one()
            self._sealed(connection, "user", made, by)
        self._checkpoint()
        user = self.find(key)
        assert user is not None
        return user

    def find(self, username: str) -> User | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(users).where(
                users.c.username == username_key(username))).first()
        return _user(row) if row else None

    def get(self, user_id: int) -> User | None:
        """The user of ``user_id``; ``None`` also when the account's row is not the state the
        accounts chain last recorded for it (changed outside the workbench)."""
        with self.engine.connect() as connection:
            row = connection.execute(select(users).where(users.c.id == user_id)).first()
            if row is None or not self._holds(connection, "user", row):
                return None
        return _user(row)

    def all(self) -> list[User]:
        with self.engine.connect() as connection:
            return [_user(r) for r in connection.execute(select(users).order_by(users.c.id))]

    def _require(self, username: str) -> User:
        user = self.find(username)
        if user is None:
            raise NotFound([ErrorDetail("NOT_FOUND", "username", "no user has that name")])
        return user

    def disable(self, username: str, *, by: int | None = None) -> User:
        self._memo.clear()
        user = self._require(username)
        with self._writes.begin() as connection:
            connection.execute(update(users).where(users.c.id == user.id).values(disabled=1))
            self._sealed(connection, "user", user.id, by)
        self._checkpoint()
        return self._require(username)

    def set_password(self, username: str, password: str, *, by: int | None = None) -> User:
        """A new password (a reset also lifts a lock); sessions signed in before it end."""
        user = self._require(username)
        problem = password_problem(password, user.username)
        if problem:
            raise AccountError([ErrorDetail("WEAK_PASSWORD", "password", problem)])
        with self._writes.begin() as connection:
            connection.execute(update(users).where(users.c.id == user.id).values(
                password_hash=self.hasher.hash(password), password_set_at=clock.now(),
                failures=0, locked_until=None))
            self._sealed(connection, "user", user.id, by)
        self._checkpoint()
        return self._require(username)

    # -- the accounts' chain ------------------------------------------------------------------

    def _sealed(self, connection: Any, kind: str, subject_id: int, by: int | None) -> None:
        """Append the row of ``subject_id`` as it now stands to the accounts chain."""
        table = users if kind == "user" else api_tokens
        row = connection.execute(select(table).where(table.c.id == subject_id)).one()
        append_state(connection, self._key, kind, row, clock.now(), by)

    def _checkpoint(self) -> None:
        if self._checkpoints is not None:
            self._checkpoints.write(self.engine)

    def problems(self) -> list[str]:
        """Every user or token whose row is not the last state the accounts chain holds for
        it, and every broken link of that chain, in words (empty when whole)."""
        with self.engine.connect() as connection:
            return account_problems(connection, self._key)

    def _holds(self, connection: Any, kind: str, row: Any) -> bool:
        """Whether ``row`` is its subject's last state, and that state's link is genuine (a
        cost of one indexed read and one digest: every read of a signed-in user)."""
        last = connection.execute(
            select(account_states).where(account_states.c.kind == kind,
                                         account_states.c.subject_id == row.id)
            .order_by(account_states.c.seq.desc()).limit(1)).first()
        return last is not None and same(last.hash, state_digest(self._key, last.prev_hash,
                                                                 last)) \
            and last.state_json == state_of(kind, row)

    def _whole(self, connection: Any, kinds_rows: list[tuple[str, Any]]) -> bool:
        """Whether the accounts chain is whole and each row is its subject's last state: at
        every sign-in, signature and token look-up."""
        return not account_problems(connection, self._key, only=kinds_rows)

    def authenticate(self, username: str, password: str) -> User | Failure:
        """The user, when the password is right and the account usable; else why not. Five
        failures in a row lock the account for 15 minutes; an unknown name costs the same time
        as a known one."""
        key = username_key(username)[:64]
        with self.engine.connect() as connection:
            row = connection.execute(select(users).where(users.c.username == key)).first()
        if row is None:
            self._check(self._dummy, password)
            return Failure("unknown", None)
        user, now = _user(row), clock.now()
        locked = _aware(row.locked_until)
        if locked is not None and locked > now:
            return Failure("locked", user)
        if not self._check(row.password_hash, password):
            failures = row.failures + 1
            lock = now + LOCK_FOR if failures >= LOCK_AFTER else None
            with self._writes.begin() as connection:
                connection.execute(update(users).where(users.c.id == user.id).values(
                    failures=0 if lock else failures, locked_until=lock))
            return Failure("password", user, locked_now=lock is not None)
        if user.disabled:
            return Failure("disabled", user)
        with self.engine.connect() as connection:
            if not self._whole(connection, [("user", row)]):
                return Failure("tampered", user)
        if row.failures or row.locked_until is not None:
            with self._writes.begin() as connection:
                connection.execute(update(users).where(users.c.id == user.id)
                                   .values(failures=0, locked_until=None))
        return user

    def _check(self, stored: str, password: str) -> bool:
        try:
            return self.hasher.verify(stored, password[:256])
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    # -- tokens -----------------------------------------------------------------------------

    def create_token(self, name: str, owner: str, scopes: list[str], *,
                     by: int | None = None) -> tuple[Token, str]:
        """A new token and its text, which is shown this once and never kept."""
        user = self._require(owner)
        errors = []
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", name):
            errors.append(ErrorDetail("INVALID_VALUE", "name",
                                      "a token name is 1-64 letters, digits, '.', '_' or '-'"))
        if not scopes or any(s not in SCOPES for s in scopes):
            errors.append(ErrorDetail("INVALID_VALUE", "scopes",
                                      f"scopes are one or more of {', '.join(SCOPES)}"))
        if errors:
            raise AccountError(errors)
        prefix = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        with self._writes.begin() as connection:
            taken = connection.execute(select(api_tokens.c.id)
                                       .where(api_tokens.c.name == name)).first()
            if taken:
                raise AccountError([ErrorDetail("INVALID_VALUE", "name",
                                                f"a token is already named {name}")])
            made = connection.execute(insert(api_tokens).values(
                name=name, owner_id=user.id, scopes=",".join(s for s in SCOPES if s in scopes),
                prefix=prefix, secret_hash=hashlib.sha256(secret.encode()).hexdigest(),
                created_at=clock.now(), revoked_at=None).returning(api_tokens.c.id)).scalar_one()
            self._sealed(connection, "token", made, by)
        self._checkpoint()
        token = next(t for t in self.tokens() if t.name == name)
        return token, f"cw_{prefix}_{secret}"

    def tokens(self) -> list[Token]:
        with self.engine.connect() as connection:
            return [_token(r) for r in connection.execute(select(api_tokens)
                                                          .order_by(api_tokens.c.id))]

    def revoke_token(self, name: str, *, by: int | None = None) -> Token:
        self._memo.clear()
        with self._writes.begin() as connection:
            done = connection.execute(update(api_tokens).where(
                api_tokens.c.name == name, api_tokens.c.revoked_at.is_(None))
                .values(revoked_at=clock.now()).returning(api_tokens.c.id)).first()
            if done is not None:
                self._sealed(connection, "token", done.id, by)
        if done is None:
            raise NotFound([ErrorDetail("NOT_FOUND", "name", "no live token has that name")])
        self._checkpoint()
        return next(t for t in self.tokens() if t.name == name)

    def token_user(self, text: str) -> tuple[Token, User] | None:
        """The live token written ``text`` and its owner (an enabled user), or ``None``. A
        valid answer is remembered for :data:`TOKEN_MEMO_S` seconds (a pharmacy system calls
        many times a second); revoking or disabling in this process forgets it at once, in
        another process within that time."""
        match = _TOKEN.fullmatch(text)
        if match is None:
            return None
        digest = hashlib.sha256(text.encode()).hexdigest()
        remembered = self._memo.get(digest)
        if remembered is not None and remembered[0] > time.monotonic():
            return remembered[1]
        prefix, secret = match.groups()
        with self.engine.connect() as connection:
            row = connection.execute(
                select(api_tokens, *(c.label(f"u_{c.name}") for c in users.c))
                .join(users, users.c.id == api_tokens.c.owner_id)
                .where(api_tokens.c.prefix == prefix)).first()
        if row is None or row.revoked_at is not None or row.u_disabled or not same(
                row.secret_hash, hashlib.sha256(secret.encode()).hexdigest()):
            return None
        owner_row = SimpleNamespace(**{c.name: getattr(row, f"u_{c.name}") for c in users.c})
        token_row = SimpleNamespace(**{c.name: getattr(row, c.name) for c in api_tokens.c})
        with self.engine.connect() as connection:
            if not self._whole(connection, [("token", token_row), ("user", owner_row)]):
                return None
        owner = _user(owner_row)
        found = (_token(row), owner)
        self._memo[digest] = (time.monotonic() + TOKEN_MEMO_S, found)
        return found
