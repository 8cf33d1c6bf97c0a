"""People and systems that may use the workbench: users with roles, and API tokens with scopes.

security.md: passwords are argon2id (argon2-cffi, its default cost unless told otherwise) and
follow :mod:`.passwords`; failed sign-ins hold back the name and address that failed
(:mod:`.throttle`), never the whole account for everyone; accounts are disabled, never
deleted, so the history keeps their names. A password set by anyone but its owner (an
administrator's reset, the command line) is temporary: it must be changed by its owner before
anything is signed (21 CFR 11.300(a): a signature's secret is known to its owner alone); who set
each password is read from the accounts chain, not from a column anyone could change. Two
accounts may not share a licence number. An API token is shown once: ``cw_<prefix>_<secret>``;
only the SHA-256 of its secret is kept (a 256-bit random secret needs no slow hash), with its
owner and scopes, until it is revoked. A token made by anyone but its owner may not print
dispensing labels (``labels:print``) or write to records as a pharmacist unless the owner
consented with their password.
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Engine, func, insert, select, update

from compounding import clock
from compounding.errors import ErrorDetail

from .chain import same, state_digest
from .checkpoints import Checkpoints
from .db import writer
from .heads import append_state, state_of
from .passwords import MIN_PASSWORD, HashingPool, password_problem, username_key
from .people import AccountError, Failure, NotFound, Token, User, _aware, _user, licence_key
from .proof import account_problems
from .schema import account_states, api_tokens, users
from .sessions import Sessions
from .throttle import Throttle
from .tokens import SCOPES, TOKEN_MEMO_S, TokenMethods, needs_consent

__all__ = ["MIN_PASSWORD", "ROLES", "SCOPES", "TOKEN_MEMO_S", "AccountError", "Accounts",
           "Failure", "NotFound", "Token", "User", "licence_key", "needs_consent",
           "password_problem", "username_key"]

ROLES = ("technician", "pharmacist", "admin")
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")


class Accounts(TokenMethods):
    """Users and tokens in the records database."""

    def __init__(self, engine: Engine, hasher: PasswordHasher | None = None, *, key: bytes,
                 checkpoints: Checkpoints | None = None, pool: HashingPool | None = None,
                 session_lifetime: timedelta | None = None) -> None:
        self.engine = engine
        self._key = key
        self._checkpoints = checkpoints
        self._writes = writer(engine)
        self.hasher = hasher or PasswordHasher()  # argon2id, the library's default cost
        self.pool = pool or HashingPool()
        start = time.perf_counter()  # a hash takes about as long as a verify: the first guess
        self.hasher.hash("not a password of anyone's")
        self.pool.observed(time.perf_counter() - start)
        self._memo: dict[str, tuple[float, tuple[Token, User]]] = {}
        self.throttle = Throttle(engine)
        self.sessions = (Sessions(engine, session_lifetime) if session_lifetime
                         else Sessions(engine))

    # -- users ------------------------------------------------------------------------------

    def count(self) -> int:
        with self.engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(users)).scalar_one()

    def add(self, username: str, name: str, password: str, roles: list[str],
            licence: str | None = None, *, by: int | None = None, own: bool = False,
            first: bool = False, pharmacy: str = "") -> User:
        """A new user; errors name the field (``username``, ``password``, ``roles``...).
        ``own``: the person chose the password themselves (first start); otherwise it is
        temporary. ``first``: only if no user exists yet (the first start's administrator;
        two pages posting at once make one)."""
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
        problem = password_problem(password, key, name=name, pharmacy=pharmacy)
        if problem:
            errors.append(ErrorDetail("WEAK_PASSWORD", "password", problem))
        if errors:
            raise AccountError(errors)
        now = clock.now()
        with self._writes.begin() as connection:
            # the accounts chain's head row is locked first: one writer at a time, so the
            # checks below hold until this transaction commits
            self._lock_accounts(connection)
            if first and connection.execute(select(func.count()).select_from(users)).scalar_one():
                raise AccountError([ErrorDetail("SETUP_DONE", "username",
                                                "the first administrator already exists")])
            self._free(connection, key, licence)
            made = connection.execute(insert(users).values(
                username=key, name=name, licence=(licence or "").strip() or None,
                roles=",".join(r for r in ROLES if r in roles),
                password_hash=self.hasher.hash(password), password_set_at=now, failures=0,
                locked_until=None, disabled=0, created_at=now).returning(users.c.id)).scalar_one()
            self._sealed(connection, "user", made, made if own else by)
        self._checkpoint()
        user = self.find(key)
        assert user is not None
        return user

    def _lock_accounts(self, connection: Any) -> None:
        """Lock the chain key's row (PostgreSQL; SQLite's writer already holds the whole
        database), so that account changes are made one after the other and a check made in
        the transaction still holds at its commit."""
        from .heads import KEY
        from .schema import chain_heads

        connection.execute(select(chain_heads.c.name).where(chain_heads.c.name == KEY)
                           .with_for_update())

    def _free(self, connection: Any, username: str, licence: str | None,
              but: int | None = None) -> None:
        """Refuse a taken username, or a licence number another account holds."""
        rows = connection.execute(select(users.c.id, users.c.username, users.c.licence)).all()
        if but is None and any(r.username == username for r in rows):
            raise AccountError([ErrorDetail("INVALID_VALUE", "username",
                                            f"the username {username} is taken")])
        mine = licence_key(licence)
        holder = next((r for r in rows if mine and r.id != but
                       and licence_key(r.licence) == mine), None)
        if holder is not None:
            raise AccountError([ErrorDetail(
                "LICENCE_TAKEN", "licence",
                f"the licence number {licence} is already {holder.username}'s; each "
                "pharmacist signs under their own")])

    def find(self, username: str) -> User | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(users).where(
                users.c.username == username_key(username))).first()
            return _user(row, self._temporary(connection, row)) if row else None

    def get(self, user_id: int) -> User | None:
        """The user of ``user_id``; ``None`` also when the account's row is not the state the
        accounts chain last recorded for it (changed outside the workbench)."""
        with self.engine.connect() as connection:
            row = connection.execute(select(users).where(users.c.id == user_id)).first()
            if row is None or not self._holds(connection, "user", row):
                return None
            return _user(row, self._temporary(connection, row))

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
        self.sessions.end_all(user.id, "disabled")
        return self._require(username)

    def set_password(self, username: str, password: str, *, by: int | None = None,
                     own: bool = False, pharmacy: str = "") -> User:
        """A new password (a reset also lifts a hold); every session of the user ends.
        ``own``: set by its owner; otherwise temporary until the owner changes it."""
        user = self._require(username)
        problem = password_problem(password, user.username, name=user.name, pharmacy=pharmacy)
        if problem:
            raise AccountError([ErrorDetail("WEAK_PASSWORD", "password", problem)])
        with self._writes.begin() as connection:
            connection.execute(update(users).where(users.c.id == user.id).values(
                password_hash=self.hasher.hash(password), password_set_at=clock.now()))
            self._sealed(connection, "user", user.id, user.id if own else by)
        self._checkpoint()
        self.throttle.succeeded(user.username, None)
        self.sessions.end_all(user.id, "password")
        return self._require(username)

    def change(self, username: str, *, name: str | None = None,
               roles: list[str] | None = None, licence: str | None = None,
               by: int | None = None) -> User:
        """Change a user's printed name, roles or licence (``None``: unchanged; ``""``
        licence: none). A change of who may sign: in the accounts chain, and every session
        of the user ends (the two-person rule counts it, :func:`account_changes`)."""
        user = self._require(username)
        new_name = user.name if name is None else " ".join(
            unicodedata.normalize("NFC", name).split())
        new_roles = sorted(user.roles) if roles is None else roles
        new_licence = user.licence if licence is None else (licence.strip() or None)
        errors = []
        if not new_name or len(new_name) > 120 or not new_name.isprintable():
            errors.append(ErrorDetail("INVALID_VALUE", "name",
                                      "the printed name is 1-120 printable characters"))
        if not new_roles or any(r not in ROLES for r in new_roles):
            errors.append(ErrorDetail("INVALID_VALUE", "roles",
                                      f"roles are one or more of {', '.join(ROLES)}"))
        if "pharmacist" in new_roles and not new_licence:
            errors.append(ErrorDetail("FIELD_REQUIRED", "licence",
                                      "a pharmacist's licence number is printed at signatures"))
        if errors:
            raise AccountError(errors)
        self._memo.clear()
        with self._writes.begin() as connection:
            self._lock_accounts(connection)
            self._free(connection, user.username, new_licence, but=user.id)
            connection.execute(update(users).where(users.c.id == user.id).values(
                name=new_name, licence=new_licence,
                roles=",".join(r for r in ROLES if r in new_roles)))
            self._sealed(connection, "user", user.id, by)
        self._checkpoint()
        if set(new_roles) != set(user.roles) or new_licence != user.licence:
            self.sessions.end_all(user.id, "roles")
        return self._require(username)

    def change_password(self, user_id: int, current: str, new: str, *,
                        address: str | None = None, pharmacy: str = "") -> User | Failure:
        """A user's change of their own password: the current one first (a wrong one counts
        as a failed sign-in); the new one must differ from it."""
        user = self.get(user_id)
        if user is None:
            raise NotFound([ErrorDetail("NOT_FOUND", "user", "no such user")])
        outcome = self.authenticate(user.username, current, address=address)
        if isinstance(outcome, Failure):
            return outcome
        if new == current:
            raise AccountError([ErrorDetail("SAME_PASSWORD", "new_password",
                                            "the new password must differ from the current")])
        return self.set_password(user.username, new, own=True, pharmacy=pharmacy)

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

    def _states(self, connection: Any, kind: str, subject_id: int) -> list[Any]:
        return connection.execute(
            select(account_states).where(account_states.c.kind == kind,
                                         account_states.c.subject_id == subject_id)
            .order_by(account_states.c.seq.desc())).all()

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

    def _temporary(self, connection: Any, row: Any) -> bool:
        """Whether the user's password was set by someone else: the author of the earliest
        state that holds the present password is not the user."""
        setter: Any = None
        for state in self._states(connection, "user", row.id):
            if json.loads(state.state_json)["password_hash"] != row.password_hash:
                break
            setter = state.author_id
        return setter != row.id

    def changed_by(self, subject_id: int, author_id: int, since: datetime) -> list[str]:
        """What ``author_id`` did to the account of ``subject_id`` since ``since``, in words
        (:func:`account_changes`)."""
        with self.engine.connect() as connection:
            return account_changes(connection, subject_id, author_id, since)

    def _whole(self, connection: Any, kinds_rows: list[tuple[str, Any]]) -> bool:
        """Whether the accounts chain is whole and each row is its subject's last state: at
        every sign-in, signature and token look-up."""
        return not account_problems(connection, self._key, only=kinds_rows)

    def authenticate(self, username: str, password: str, *, address: str | None = None,
                     purpose: str = "sign_in") -> User | Failure:
        """The user, when the password is right and the account usable; else why not.
        Failures hold back the name and the address they came from (:mod:`.throttle`): a
        held-back try is answered at once, whether its name exists or not. An unknown name is
        answered after as long as a password hash takes, without hashing
        (:meth:`.passwords.HashingPool.pad`): neither the time nor the words tell which names
        exist, and a flood costs no processor time and holds no worker thread. At
        most a few hashes run at once (:class:`.passwords.HashingPool`; beyond them
        :class:`.passwords.Busy`), and guesses that waited for one are checked again first."""
        key = username_key(username)[:64]
        held = self.throttle.held(key, address)
        with self.engine.connect() as connection:
            row = connection.execute(select(users).where(users.c.username == key)).first()
            user = _user(row, self._temporary(connection, row)) if row else None
        if held is not None:  # answered at once, known name or not: the same time and words
            return Failure("held", user, held)
        if row is None or user is None:
            self.pool.pad()
            return Failure("unknown", None, self.throttle.failed(key, address))
        with self.pool.slot(purpose):
            held = self.throttle.held(key, address)  # counted while this one waited
            if held is not None:
                return Failure("held", user, held)
            if not self._check(row.password_hash, password):  # counted before the slot frees
                return Failure("password", user, self.throttle.failed(key, address))
        if user.disabled:
            return Failure("disabled", user)
        with self.engine.connect() as connection:
            if not self._whole(connection, [("user", row)]):
                return Failure("tampered", user)
        self.throttle.succeeded(key, address)
        return user

    def _check(self, stored: str, password: str) -> bool:
        start = time.perf_counter()
        try:
            return self.hasher.verify(stored, password[:256])
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        finally:
            self.pool.observed(time.perf_counter() - start)


def account_changes(connection: Any, subject_id: int, author_id: int,
                    since: datetime) -> list[str]:
    """What ``author_id`` did to the account of ``subject_id`` since ``since``, in words:
    created it, set its password, changed its roles or licence. The two-person rule refuses
    such a verifier of the subject's bench work (security.md, "Signatures"): an administrator
    who is also a pharmacist could otherwise approve work entered under an account it made."""
    states = connection.execute(
        select(account_states).where(account_states.c.kind == "user",
                                     account_states.c.subject_id == subject_id)
        .order_by(account_states.c.seq)).all()
    done: list[str] = []
    before: dict[str, Any] | None = None
    for state in states:
        now = json.loads(state.state_json)
        moment = _aware(state.at) or state.at
        if state.author_id == author_id and moment >= since:
            day = moment.date().isoformat()
            if before is None:
                done.append(f"created the account on {day}")
            else:
                if now["password_hash"] != before["password_hash"]:
                    done.append(f"set its password on {day}")
                if (now["roles"], now["licence"]) != (before["roles"], before["licence"]):
                    done.append(f"changed its roles or licence on {day}")
        before = now
    return done
