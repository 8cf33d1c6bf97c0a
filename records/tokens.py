"""API tokens: a pharmacy system's key, acting as its owner narrowed to its scopes.

Shown once as ``cw_<prefix>_<secret>``; only the SHA-256 of its secret is kept (a 256-bit random
secret needs no slow hash). A token that prints dispensing labels (``labels:print``), or that
writes to records for a pharmacist, acts for that person: it is made only with their consent
(security.md, "People and roles"; 21 CFR 11.300: what signs or releases in a person's name is
theirs alone).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update

from compounding import clock
from compounding.errors import ErrorDetail

from .chain import same
from .people import AccountError, NotFound, Token, _token, _user
from .schema import api_tokens, users

if TYPE_CHECKING:
    from .people import User

SCOPES = ("plan", "records:read", "records:write", "labels:print")
SCOPE_ROLE = {"plan": "technician", "records:read": "technician",
              "records:write": "technician", "labels:print": "pharmacist"}
"""The role a token's owner needs for its scope to reach anything (the access table)."""
TOKEN_MEMO_S = 2.0
"""How long a valid token's look-up is remembered [s]."""
_TOKEN = re.compile(r"cw_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})")


def needs_consent(owner: User, scopes: list[str] | frozenset[str]) -> str | None:
    """What a token of ``scopes`` would do in its owner's name that needs their consent, in
    words; ``None`` if nothing."""
    if "labels:print" in scopes:
        return "prints dispensing labels"
    if "records:write" in scopes and owner.has("pharmacist"):
        return "writes to records as a pharmacist"
    return None


class TokenMethods:
    """The token half of :class:`.accounts.Accounts` (it provides the engine and chain)."""

    engine: Any
    _writes: Any
    _memo: dict[str, Any]

    if TYPE_CHECKING:  # what Accounts provides
        def _require(self, username: str) -> User: ...
        def _sealed(self, connection: Any, kind: str, subject_id: int,
                    by: int | None) -> None: ...
        def _checkpoint(self) -> None: ...
        def _whole(self, connection: Any, kinds_rows: list[tuple[str, Any]]) -> bool: ...

    def create_token(self, name: str, owner: str, scopes: list[str], *,
                     by: int | None = None, consent: bool = False) -> tuple[Token, str]:
        """A new token and its text, which is shown this once and never kept. A token acts
        as its owner: one that prints dispensing labels, or writes to records as a
        pharmacist, needs the owner's ``consent`` (their own token, or their password given
        to whoever makes it)."""
        user = self._require(owner)
        errors = []
        if needs_consent(user, scopes) and not consent and by != user.id:
            errors.append(ErrorDetail(
                "CONSENT_REQUIRED", "owner_password",
                f"a token that {needs_consent(user, scopes)} acts for {user.name}: it needs "
                f"{user.name}'s password as their consent, or {user.name} makes it"))
        useless = [s for s in scopes if s in SCOPE_ROLE and not user.has(SCOPE_ROLE[s])]
        if useless:
            errors.append(ErrorDetail(
                "TOKEN_OWNER_CANNOT_USE", "owner",
                f"{user.username} is not a {SCOPE_ROLE[useless[0]]}: a token acting as them "
                f"would be refused everything its scope {useless[0]} reaches; choose a "
                f"{SCOPE_ROLE[useless[0]]} as the owner"))
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
