"""The formulary kept in the records: master formulation records, versioned, approved by a
pharmacist's signature, chained (USP <795>: every batch follows the record it names).

A version (``mfr_versions``: its status and revision) is a draft until a pharmacist approves
it; each save of a draft and the approval is a revision (``mfr_revisions``, append-only) with
the record's canonical JSON and SHA-256 (:func:`compounding.formulary.content_digest`). An
approved version never changes (migration 0012's triggers): a change is a new version, the
latest + 1, which once approved supersedes it. A record has at most one draft at a time. An
approval is a signature like a batch's verification: it names the revision it signs
(``If-Match``: 428 without, 409 when stale) and keeps the signer's id, name, licence, meaning
and the server's time. Every revision is a link of the keyed ``formulary`` chain
(:mod:`.chain`, its head in ``chain_heads``): what SQL changes, inserts or removes is named by
:meth:`FormularyStore.problems` (``compounding db verify``). Who may approve, and the password
given again, are checked before :meth:`FormularyStore.approve` is called.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from types import SimpleNamespace
from typing import Any, NamedTuple

from pydantic import ValidationError
from sqlalchemy import Engine, insert, select, update

from compounding import clock
from compounding.errors import ErrorDetail, OrderError
from compounding.formulary import (
    Approval,
    Formulary,
    FormularyEntry,
    MasterFormulationRecord,
    canonical_json,
    content_digest,
    seeded,
)

from .chain import GENESIS, digest, same
from .checkpoints import Checkpoints, unmet
from .db import writer
from .heads import _locked_head, _move
from .models import Author
from .reading import aware
from .rows import Conflict, RecordNotFound, _parse, _require_expected
from .schema import chain_heads, mfr_revisions, mfr_versions

CHAIN = "formulary"


class Kept(NamedTuple):
    """A version as kept: its entry, and its revision (the ``If-Match`` of its approval)."""

    entry: FormularyEntry
    revision: int


def link_digest(key: bytes, prev: str, row: Any) -> str:
    """The digest of one revision of the formulary, linked to ``prev``."""
    return digest(key, "mfr", prev, row.seq, row.mfr_id, row.version, row.number, row.action,
                  row.content_json, row.digest, row.author_id, row.author, row.licence,
                  row.meaning, row.at)


def _not_found(mfr_id: str, version: int | None) -> RecordNotFound:
    which = f"version {version} of {mfr_id}" if version is not None else mfr_id
    return RecordNotFound([ErrorDetail("NOT_FOUND", "mfr", f"the formulary has no {which[:100]}")])


def _status(last: Any, in_force: dict[str, int]) -> str:
    """A version's status as its history says: a draft until approved; approved until a later
    approval of the same record (in the chain's order) supersedes it."""
    if last.action != "approval":
        return "draft"
    return "approved" if in_force.get(last.mfr_id) == last.version else "superseded"


class FormularyStore:
    """The formulary of one records database; ``key`` is its chain key."""

    def __init__(self, engine: Engine, key: bytes,
                 checkpoints: Checkpoints | None = None) -> None:
        self.engine = engine
        self.key = key
        self.checkpoints = checkpoints
        self._writes = writer(engine)
        self._read: tuple[tuple[int, str] | None, Formulary] | None = None

    def _kept(self, mfr_id: str | None = None) -> list[Kept]:
        """Every version (of ``mfr_id``) whose head is what its last revision says, with a
        genuine link and digest; any other is left out (:meth:`problems` names it)."""
        head, last = mfr_versions.c, mfr_revisions.c
        query = (select(head.status.label("head_status"), head.revision.label("head_revision"),
                        mfr_revisions)
                 .join(mfr_revisions, (last.mfr_id == head.mfr_id)
                       & (last.version == head.version) & (last.number == head.revision))
                 .order_by(head.mfr_id, head.version))
        approvals = select(last.mfr_id, last.version).where(last.action == "approval")
        if mfr_id is not None:
            query = query.where(head.mfr_id == mfr_id)
            approvals = approvals.where(last.mfr_id == mfr_id)
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
            in_force = {r.mfr_id: r.version
                        for r in connection.execute(approvals.order_by(last.seq))}
        found = []
        for row in rows:
            if row.head_status != _status(row, in_force) or not same(
                    row.hash, link_digest(self.key, row.prev_hash, row)):
                continue
            approval = None if row.action != "approval" else Approval(
                user_id=row.author_id, name=row.author, licence=row.licence,
                at=aware(row.at), meaning=row.meaning)
            try:
                entry = FormularyEntry(
                    mfr=MasterFormulationRecord.model_validate(json.loads(row.content_json)),
                    status=row.head_status, approval=approval, digest=row.digest)
            except (ValidationError, ValueError):
                continue
            found.append(Kept(entry, row.head_revision))
        return found

    def formulary(self) -> Formulary:
        """Every version kept, with its status, approval and digest: read and checked anew
        whenever the formulary's chain has moved since the last read (every draft saved and
        every approval moves it), else as last read. A change made by SQL alone, which does
        not move the chain, is for :meth:`problems` (``compounding db verify``) to find."""
        with self.engine.connect() as connection:
            head = connection.execute(select(chain_heads.c.count, chain_heads.c.hash)
                                      .where(chain_heads.c.name == CHAIN)).first()
        seen = None if head is None else (int(head[0]), str(head[1]))
        if self._read is not None and self._read[0] == seen:
            return self._read[1]
        made = Formulary(kept.entry for kept in self._kept())
        self._read = (seen, made)
        return made

    def kept(self, mfr_id: str, version: int | None = None) -> Kept:
        """Version ``version`` of ``mfr_id`` with its revision; without a version, the
        approved one, else the newest (``NOT_FOUND``, 404, when there is none)."""
        kept = self._kept(mfr_id)
        kept = ([k for k in kept if k.entry.mfr.version == version] if version is not None
                else [k for k in kept if k.entry.status == "approved"] or kept[-1:])
        if not kept:
            raise _not_found(mfr_id, version)
        return kept[0]

    def entry(self, mfr_id: str, version: int | None = None) -> FormularyEntry:
        """:meth:`kept`'s entry."""
        return self.kept(mfr_id, version).entry

    def _append(self, connection: Any, head: tuple[str, int], values: dict[str, Any]) -> str:
        """Insert one revision (``values`` without its links) as the chain's next link; the
        new head is returned, and must be moved by the caller (:func:`.heads._move`)."""
        prev, count = head
        row = {**values, "seq": count + 1}
        link = link_digest(self.key, prev, SimpleNamespace(**row))
        connection.execute(insert(mfr_revisions).values(**row, prev_hash=prev, hash=link))
        return link

    def seed(self, author: Author | None = None) -> int:
        """Add the built-in drafts (:func:`compounding.formulary.seeded`) of records not held
        yet, version 1 each: all on a new install, then none. Returns how many were added."""
        now, added = clock.now(), 0
        with self._writes.begin() as connection:
            prev, count, existed = _locked_head(connection, CHAIN)
            kept = set(connection.execute(select(mfr_versions.c.mfr_id)).scalars())
            for mfr in (m for m in seeded() if m.id not in kept):
                prev = self._new_version(connection, (prev, count + added),
                                         mfr.model_copy(update={"version": 1}), author, now)
                added += 1
            if added:
                _move(connection, CHAIN, prev, count + added, existed)
        if added:
            self._checkpoint()
        return added

    def _new_version(self, connection: Any, head: tuple[str, int],
                     mfr: MasterFormulationRecord, author: Author | None, now: datetime) -> str:
        connection.execute(insert(mfr_versions).values(
            mfr_id=mfr.id, version=mfr.version, status="draft", revision=1, created_at=now,
            created_by=author.user_id if author else None))
        return self._append(connection, head, self._draft(mfr, 1, author, now))

    @staticmethod
    def _draft(mfr: MasterFormulationRecord, number: int, author: Author | None,
               now: datetime) -> dict[str, Any]:
        return {"mfr_id": mfr.id, "version": mfr.version, "number": number, "action": "draft",
                "content_json": canonical_json(mfr), "digest": content_digest(mfr),
                "author_id": author.user_id if author else None,
                "author": author.name if author else None, "licence": None, "meaning": None,
                "at": now}

    def save_draft(self, mfr: MasterFormulationRecord | Mapping[str, Any], author: Author, *,
                   expected: int | None = None) -> Kept:
        """Keep ``mfr`` as a draft. When its version is a draft, that draft's content is
        replaced (a new revision; ``expected``, when given, must be its revision); when its
        version is approved or superseded, ``MFR_VERSION_APPROVED`` (409): an approved version
        never changes. Otherwise it becomes a new version, the latest + 1 (its ``version`` is
        set to that), unless the record has a draft already (``MFR_DRAFT_OPEN``, 409)."""
        mfr = _parse(MasterFormulationRecord, mfr)
        now = clock.now()
        with self._writes.begin() as connection:
            (prev, count, existed), versions = self._locked(connection, mfr.id)
            row = versions.get(mfr.version)
            draft = next((v for v, r in versions.items() if r.status == "draft"), None)
            if row is not None and row.status != "draft":
                raise Conflict([ErrorDetail("MFR_VERSION_APPROVED", "version", (
                    f"version {row.version} of {mfr.id} is {row.status} and never changes: "
                    f"save the change as version {max(versions) + 1}"))])
            if row is None and draft is not None:
                raise Conflict([ErrorDetail("MFR_DRAFT_OPEN", "version", (
                    f"version {draft} of {mfr.id} is a draft: change it rather than begin "
                    f"another version"))])
            if row is None:
                mfr = mfr.model_copy(update={"version": max(versions, default=0) + 1})
                link = self._new_version(connection, (prev, count), mfr, author, now)
            else:
                _stale(expected, row.revision)
                kept = connection.execute(select(mfr_revisions.c.digest).where(
                    mfr_revisions.c.mfr_id == mfr.id, mfr_revisions.c.version == mfr.version,
                    mfr_revisions.c.number == row.revision)).scalar()
                if kept == content_digest(mfr):  # nothing changed: nothing written
                    link = None
                else:
                    link = self._append(connection, (prev, count),
                                        self._draft(mfr, row.revision + 1, author, now))
                    _move_version(connection, row, "draft")
            if link is not None:
                _move(connection, CHAIN, link, count + 1, existed)
        if link is not None:
            self._checkpoint()
        return self.kept(mfr.id, mfr.version)

    def approve(self, mfr_id: str, version: int, signer: Author, *,
                expected: int | None) -> Kept:
        """A pharmacist's signature approving a draft as it stands at revision ``expected``;
        the version approved before it, if any, is superseded. The signer's account and role
        were checked by the caller."""
        _require_expected(expected)
        if getattr(signer, "user_id", None) is None:
            raise OrderError([ErrorDetail("SIGNER_REQUIRED", "signature",
                                          "an approval is signed by a signed-in pharmacist")])
        now = clock.now()
        with self._writes.begin() as connection:
            (prev, count, existed), versions = self._locked(connection, mfr_id)
            row = versions.get(version)
            if row is None:
                raise _not_found(mfr_id, version)
            if row.status != "draft":
                raise Conflict([ErrorDetail("MFR_NOT_DRAFT", "version",
                                            f"version {version} of {mfr_id} is {row.status}: "
                                            f"only a draft is approved")])
            _stale(expected, row.revision)
            signed = connection.execute(select(mfr_revisions).where(
                mfr_revisions.c.mfr_id == mfr_id, mfr_revisions.c.version == version,
                mfr_revisions.c.number == row.revision)).first()
            if signed is None or not same(signed.hash, link_digest(self.key, signed.prev_hash,
                                                                   signed)):
                raise Conflict([ErrorDetail("CHAIN_BROKEN", "version", f"version {version} of "
                                            f"{mfr_id} was altered outside the workbench")])
            link = self._append(connection, (prev, count), {
                "mfr_id": mfr_id, "version": version, "number": row.revision + 1,
                "action": "approval", "content_json": signed.content_json,
                "digest": signed.digest, "author_id": signer.user_id, "author": signer.name,
                "licence": signer.licence, "at": now,
                "meaning": f"approved master formulation record {mfr_id} version {version}"})
            _move_version(connection, row, "approved")
            connection.execute(update(mfr_versions).where(
                mfr_versions.c.mfr_id == mfr_id, mfr_versions.c.status == "approved",
                mfr_versions.c.version != version).values(status="superseded"))
            _move(connection, CHAIN, link, count + 1, existed)
        self._checkpoint()
        return self.kept(mfr_id, version)

    @staticmethod
    def _locked(connection: Any, mfr_id: str) -> tuple[tuple[str, int, bool], dict[int, Any]]:
        """The chain's head, locked (formulary writers go one at a time), and the versions of
        ``mfr_id`` by number."""
        head = _locked_head(connection, CHAIN)
        return head, {r.version: r for r in connection.execute(
            select(mfr_versions).where(mfr_versions.c.mfr_id == mfr_id))}

    def _checkpoint(self) -> None:
        if self.checkpoints is not None:
            self.checkpoints.write(self.engine)

    def problems(self) -> list[str]:
        """Every broken link of the formulary chain, and every version whose head is not what
        its revisions say, in words (empty when whole)."""
        found: list[str] = []
        with self.engine.connect() as connection:
            history = connection.execute(select(mfr_revisions)
                                         .order_by(mfr_revisions.c.seq)).all()
            heads = {(r.mfr_id, r.version): r for r in connection.execute(select(mfr_versions))}
            kept = connection.execute(select(chain_heads.c.count, chain_heads.c.hash)
                                      .where(chain_heads.c.name == CHAIN)).first()
        prev, count, links = GENESIS, 0, []
        last: dict[tuple[str, int], Any] = {}
        in_force: dict[str, int] = {}
        for row in history:
            count += 1
            which = f"formulary revision {row.seq} ({row.mfr_id} version {row.version})"
            if row.seq != count or not same(row.prev_hash, prev):
                found.append(f"{which}: it does not follow the revision before it (one was "
                             f"removed or inserted)")
            if not same(row.hash, link_digest(self.key, row.prev_hash, row)):
                found.append(f"{which}: its content, digest or approval was changed or "
                             f"written without the chain key")
            before = last.get((row.mfr_id, row.version))
            if row.number != (before.number + 1 if before else 1) or (
                    before is not None and before.action == "approval"):
                found.append(f"{which}: revision {row.number} is out of place")
            if row.action == "approval":
                in_force[row.mfr_id] = row.version
            last[(row.mfr_id, row.version)] = row
            prev = row.hash
            links.append(row.hash)
        if (kept is None and count) or (kept is not None and (
                kept.count != count or not same(kept.hash, prev))):
            found.append("the formulary chain's last link or length is not the one recorded: "
                         "revisions were removed from its end or added outside the workbench")
        if self.checkpoints is not None:
            found += unmet(self.checkpoints, CHAIN, links, self.engine)
        for name in sorted(set(heads) | set(last)):
            found += _head_problems(name, heads.get(name), last.get(name), in_force)
        return found


def _head_problems(name: tuple[str, int], head: Any, last: Any,
                   in_force: dict[str, int]) -> list[str]:
    which = f"version {name[1]} of {name[0]}"
    if head is None:
        return [f"{which} has revisions in the formulary chain but no row of its own"]
    if last is None:
        return [f"{which} has no revision in the formulary chain: it was added outside the "
                f"workbench"]
    status = _status(last, in_force)
    if (head.status, head.revision) != (status, last.number):
        return [f"{which} is {head.status} at revision {head.revision}, but its history says "
                f"{status} at revision {last.number}"]
    return []


def _stale(expected: int | None, revision: int) -> None:
    if expected is not None and expected != revision:
        raise Conflict([ErrorDetail("STALE_REVISION", "revision", f"the record is at revision "
                                    f"{revision}, not {expected}: someone saved it; reload it")])


def _move_version(connection: Any, row: Any, status: str) -> None:
    """Move a version's head one revision on, guarded by the revision it was read at."""
    moved = connection.execute(update(mfr_versions).where(
        mfr_versions.c.id == row.id, mfr_versions.c.revision == row.revision)
        .values(revision=row.revision + 1, status=status)).rowcount
    if moved != 1:
        raise Conflict([ErrorDetail("STALE_REVISION", "revision",
                                    "the record changed meanwhile; reload it")])

