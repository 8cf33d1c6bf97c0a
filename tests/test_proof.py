"""The proof beyond each batch's chain (security.md, tamper evidence): accounts in a chain of
their own, the change feed chained over every revision, checkpoints outside the database, and
the chain key recognised.

Each attack passed ``compounding db verify`` before: a pharmacist added by SQL, a password or
roles set by SQL, a revoked token revived, a signed rejection or a whole batch deleted with the
heads moved back, the last audit events cut off, a forged feed event, a recall index row
removed, and a lost ``chain.key`` silently replaced."""

from __future__ import annotations

import io
import json
from types import SimpleNamespace

import pytest
from sqlalchemy import text

from compounding.cli import main
from compounding.records import Accounts, AuditLog, Store
from compounding.records.accounts import Failure, User
from compounding.records.store import WrongKey

from .people import HASHER, KEY, PASSWORD, RPH, TECH, seed
from .test_records import BENCH, ORDER, PROFILE, approve

GUARDS = {"revisions", "events", "audit_events", "account_states", "users", "api_tokens",
          "batch_lots"}


@pytest.fixture
def kept(database_url, tmp_path):
    store = Store.open(database_url, KEY, folder=tmp_path)
    people = Accounts(store.engine, HASHER, key=KEY, checkpoints=store.checkpoints)
    seed(people)
    yield SimpleNamespace(url=database_url, folder=tmp_path, store=store, people=people,
                          log=AuditLog(store.engine, KEY, store.checkpoints))
    store.engine.dispose()


def verify(kept, monkeypatch) -> tuple[int, str, str]:
    """``compounding db verify`` on these records, with their key and data folder."""
    monkeypatch.setenv("COMPOUNDING_CHAIN_KEY", KEY.decode())
    monkeypatch.setenv("COMPOUNDING_DATA_DIR", str(kept.folder))
    out, err = io.StringIO(), io.StringIO()
    status = main(["db", "verify", "--database", kept.url], out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def as_owner(kept, *statements: str, **values) -> None:
    """What an intruder with the tables' owner (or the SQLite file) does: lift the guards,
    change the rows, put the guards back."""
    dialect = kept.store.engine.dialect.name
    with kept.store.engine.begin() as connection:
        if dialect == "postgresql":
            connection.execute(text("SET session_replication_role = replica"))
        else:
            triggers = connection.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
            for name, _ in triggers:
                connection.execute(text(f"DROP TRIGGER {name}"))
        for statement in statements:
            connection.execute(text(statement), values)
        if dialect == "postgresql":
            connection.execute(text("SET session_replication_role = origin"))
        else:
            for _, sql in triggers:
                connection.execute(text(sql))


def move_head_back(kept, name: str, table: str) -> None:
    """The chain's head set to its (new) last row, as a careful intruder would."""
    with kept.store.engine.begin() as connection:
        count, last = connection.execute(text(
            f"SELECT count(*), (SELECT hash FROM {table} ORDER BY id DESC LIMIT 1) "
            f"FROM {table}")).one()
        if count == 0:  # as if the chain had never begun
            connection.execute(text("DELETE FROM chain_heads WHERE name = :n"), {"n": name})
        else:
            connection.execute(
                text("UPDATE chain_heads SET count = :c, hash = :h WHERE name = :n"),
                {"c": count, "h": last, "n": name})


def released(kept) -> str:
    lot = kept.store.create(ORDER, PROFILE, TECH).lot_number
    kept.store.enter_bench(lot, BENCH, TECH)
    approve(kept.store, lot, RPH)
    return lot


def test_intact_records_verify(kept, monkeypatch):
    released(kept)
    kept.people.create_token("pms", "tech", ["records:read"])
    status, out, err = verify(kept, monkeypatch)
    assert (status, err) == (0, ""), err
    assert "intact" in out and "checkpoints" in out


# -- accounts -------------------------------------------------------------------------------

def test_a_pharmacist_added_by_sql_signs_nothing(kept, monkeypatch):
    as_owner(kept, "INSERT INTO users (username, name, licence, roles, password_hash, "
                   "password_set_at, failures, disabled, created_at) VALUES ('relief', "
                   "'Relief RPh', 'RPH-9', 'technician,pharmacist', :hash, :at, 0, 0, :at)",
             hash=HASHER.hash("a relief passphrase"), at="2026-11-22 10:00:00")
    outcome = kept.people.authenticate("relief", "a relief passphrase")
    assert isinstance(outcome, Failure) and outcome.reason == "tampered"
    status, _, err = verify(kept, monkeypatch)
    assert status == 1 and "user relief" in err and "not in the accounts chain" in err


def test_a_password_set_by_sql_takes_over_nothing(kept, monkeypatch):
    as_owner(kept, "UPDATE users SET password_hash = :hash WHERE username = 'rph'",
             hash=HASHER.hash("the intruder's passphrase"))
    outcome = kept.people.authenticate("rph", "the intruder's passphrase")
    assert isinstance(outcome, Failure) and outcome.reason == "tampered"
    status, _, err = verify(kept, monkeypatch)
    assert status == 1 and "user rph" in err and "password_hash" in err


def test_roles_set_by_sql_make_no_signer(kept, monkeypatch):
    tech = kept.people.find("tech")
    assert isinstance(kept.people.authenticate("tech", PASSWORD), User)
    as_owner(kept, "UPDATE users SET roles = 'technician,pharmacist', licence = 'X' "
                   "WHERE username = 'tech'")
    assert kept.people.authenticate("tech", PASSWORD).reason == "tampered"
    assert kept.people.get(tech.id) is None  # a signed-in session ends at its next request
    status, _, err = verify(kept, monkeypatch)
    assert status == 1 and "user tech" in err and "roles" in err and "licence" in err


def test_a_revoked_token_revived_or_minted_by_sql_opens_nothing(kept, monkeypatch):
    _, revived = kept.people.create_token("old-pms", "rph", ["records:read"])
    kept.people.revoke_token("old-pms")
    as_owner(kept, "UPDATE api_tokens SET revoked_at = NULL WHERE name = 'old-pms'")
    assert kept.people.token_user(revived) is None
    status, _, err = verify(kept, monkeypatch)
    assert status == 1 and "API token old-pms" in err and "revoked_at" in err


def test_changes_made_through_the_workbench_hold(kept, monkeypatch):
    kept.people.set_password("tech", "another long passphrase")
    kept.people.disable("rph2")
    _, token = kept.people.create_token("pms", "rph", ["records:read"])
    assert kept.people.token_user(token) is not None
    assert isinstance(kept.people.authenticate("tech", "another long passphrase"), User)
    assert verify(kept, monkeypatch)[0] == 0


# -- history cut short ----------------------------------------------------------------------

def test_a_signed_rejection_deleted_with_the_heads_moved_back_is_found(kept, monkeypatch):
    lot = kept.store.create(ORDER, PROFILE, TECH).lot_number
    kept.store.enter_bench(lot, BENCH, TECH)
    approve(kept.store, lot, decision="reject", reason="capsules too light")
    assert kept.store.get(lot).status == "rejected"
    as_owner(kept, "DELETE FROM revisions WHERE number = 3",
             "DELETE FROM events WHERE revision = 3",
             "UPDATE batches SET status = 'compounded', revision = 2")
    move_head_back(kept, "feed", "events")
    assert kept.store.chain_problems() == []  # the batch's own chain is whole again
    status, _, err = verify(kept, monkeypatch)
    assert status == 1 and "the feed chain, which now has" in err, err


def test_a_whole_batch_deleted_is_found(kept, monkeypatch):
    released(kept)
    as_owner(kept, "DELETE FROM batch_lots", "DELETE FROM events", "DELETE FROM revisions",
             "DELETE FROM batches")
    move_head_back(kept, "feed", "events")
    status, _, err = verify(kept, monkeypatch)
    assert status == 1 and "its end was cut off" in err


def test_the_last_audit_events_cut_off_are_found(kept, monkeypatch):
    for number in range(3):
        kept.log.record("read_record", target=f"lot-{number}")
    kept.store.checkpoint()
    as_owner(kept, "DELETE FROM audit_events WHERE id > (SELECT min(id) FROM audit_events)")
    move_head_back(kept, "audit", "audit_events")
    status, _, err = verify(kept, monkeypatch)
    assert status == 1 and "the audit chain, which now has 1" in err


def test_a_signature_the_audit_trail_names_cannot_be_erased_without_an_anchor(
        kept, monkeypatch):
    # no checkpoint file at all: the audit trail still names the signed revision
    lot = released(kept)
    kept.log.record("signature", target=lot, detail={"revision": 3, "meaning": "approved"})
    as_owner(kept, "DELETE FROM revisions WHERE number = 3",
             "DELETE FROM events WHERE revision = 3",
             "UPDATE batches SET status = 'compounded', revision = 2")
    move_head_back(kept, "feed", "events")
    kept.store.checkpoints.path.unlink()
    status, _, err = verify(kept, monkeypatch)
    assert status == 1 and f"names revision 3 of batch {lot}, which no longer exists" in err


def test_a_forged_checkpoint_is_named(kept, monkeypatch):
    released(kept)
    with open(kept.store.checkpoints.path, "a", encoding="utf-8") as handle:
        body = json.dumps({"at": "2026-11-22T10:00:00+00:00", "heads": {"feed": [1, "0" * 64]}})
        handle.write(json.dumps({"checkpoint": body, "hmac": "0" * 64}) + "\n")
    status, _, err = verify(kept, monkeypatch)
    assert status == 1 and "signature does not match" in err


# -- the feed and the recall index ----------------------------------------------------------

def test_a_forged_feed_event_is_found_and_never_served(kept, monkeypatch):
    lot = kept.store.create(ORDER, PROFILE, TECH).lot_number
    as_owner(kept, "INSERT INTO events (batch_id, action, revision, status, at, user_id, "
                   "revision_hash, prev_hash, hash) SELECT id, 'verification', 2, 'verified', "
                   "created_at, 2, :h, :h, :h FROM batches", h="0" * 64)
    found, _ = kept.store.events()
    assert [(e.lot_number, e.action) for e in found] == [(lot, "printed")]
    status, _, err = verify(kept, monkeypatch)
    assert status == 1 and "written without the chain key" in err


def test_a_recall_index_row_removed_is_found(kept, monkeypatch):
    lot = released(kept)
    as_owner(kept, "DELETE FROM batch_lots WHERE lot = 'N456'")
    status, _, err = verify(kept, monkeypatch)
    assert status == 1 and f"batch {lot}: its recall index" in err


# -- the chain key --------------------------------------------------------------------------

def test_a_replaced_chain_key_refuses_to_start(kept, monkeypatch):
    released(kept)
    with pytest.raises(WrongKey, match=r"Restore the chain\.key"):
        Store.open(kept.url, b"a new key made when the old one was lost")
    monkeypatch.setenv("COMPOUNDING_CHAIN_KEY", "another key")
    monkeypatch.setenv("COMPOUNDING_DATA_DIR", str(kept.folder))
    out, err = io.StringIO(), io.StringIO()
    assert main(["db", "verify", "--database", kept.url], out=out, err=err) == 1
    assert "Restore the chain.key" in err.getvalue() and "Traceback" not in err.getvalue()
