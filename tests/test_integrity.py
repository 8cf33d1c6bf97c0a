"""Tamper evidence (security.md): a history changed behind the workbench's back is found by
``compounding db verify``, shown on the record's page, and prints no label.

Each attack was possible before: one SQL ``UPDATE batches SET status='verified'`` turned a
scrapped batch into one whose label printed; fake revisions could be inserted; dropping and
recreating the triggers left no trace."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import text

from compounding import OrderError
from compounding.records import AuditLog

from .people import KEY, RPH, TECH, login
from .test_cli import run
from .test_records import BENCH, ORDER, PROFILE, approve


def _drop_and_recreate(connection, dialect: str, table: str, statement: str, **values) -> None:
    """What an intruder with the owner's password does: lift the guard, change, put it back."""
    name = f"{table}_no_update"
    body = ("FOR EACH ROW EXECUTE FUNCTION compounding_refuse()" if dialect == "postgresql"
            else "BEGIN SELECT RAISE(ABORT, 'compounding records are append-only'); END")
    connection.execute(text(f"DROP TRIGGER {name} ON {table}" if dialect == "postgresql"
                            else f"DROP TRIGGER {name}"))
    connection.execute(text(statement), values)
    connection.execute(text(f"CREATE TRIGGER {name} BEFORE UPDATE ON {table} {body}"))


def _verified(store) -> str:
    lot = store.create(ORDER, PROFILE, TECH).lot_number
    store.enter_bench(lot, BENCH, TECH)
    approve(store, lot, RPH)
    return lot


def test_an_intact_history_verifies(store):
    _verified(store)
    assert store.chain_problems() == []


def test_a_status_set_by_sql_is_found(store):
    lot = store.create(ORDER, PROFILE, TECH).lot_number
    store.scrap(lot, {"reason": "spilled"}, RPH, expected=1)
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE batches SET status = 'verified'"))
    record = store.get(lot)
    assert record.status == "verified" and "is not what its history says" in record.chain_problem
    with pytest.raises(OrderError) as caught:
        record.order_for_label()
    assert caught.value.status == 409
    assert [e.code for e in caught.value.errors] == ["CHAIN_BROKEN"]
    assert store.chain_problems() == [f"batch {lot}: {record.chain_problem}"]


@pytest.mark.parametrize("forged_hash", ["0" * 64, "sha256 of the content, without the key"])
def test_an_inserted_revision_is_found(store, forged_hash):
    lot = store.create(ORDER, PROFILE, TECH).lot_number
    store.enter_bench(lot, BENCH, TECH)
    with store.engine.begin() as connection:
        batch_id, last = connection.execute(text(
            "SELECT b.id, r.hash FROM batches b JOIN revisions r ON r.batch_id = b.id "
            "AND r.number = b.revision")).one()
        data = json.dumps({"decision": "approve"})
        if forged_hash.startswith("sha256"):
            import hashlib
            forged_hash = hashlib.sha256(data.encode()).hexdigest()
        connection.execute(text(
            "INSERT INTO revisions (batch_id, number, action, status, author, author_id, "
            "signed_in, at, reason, data_json, prev_hash, hash) VALUES (:b, 3, 'verification', "
            "'verified', 'R. Okafor, PharmD', 2, 1, :at, NULL, :d, :p, :h)"),
            {"b": batch_id, "at": "2026-11-23 10:00:00", "d": data, "p": last, "h": forged_hash})
        connection.execute(text("UPDATE batches SET status = 'verified', revision = 3"))
    record = store.get(lot)
    assert record.chain_problem == "revision 3 was changed"
    assert store.chain_problems() == [f"batch {lot}: revision 3 was changed"]


def test_history_rewritten_under_lifted_triggers_is_found(store):
    lot = _verified(store)
    with store.engine.begin() as connection:
        _drop_and_recreate(connection, store.engine.dialect.name, "revisions",
                           "UPDATE revisions SET data_json = replace(data_json, '748', '750') "
                           "WHERE number = 2")
    # the light check on reading sees what it read (the bench entry as it reads now)
    assert store.get(lot).chain_problem == "revision 2 was changed"
    assert store.chain_problems() == [f"batch {lot}: revision 2 was changed"]


def test_a_removed_revision_is_found(store):
    lot = _verified(store)
    with store.engine.begin() as connection:
        dialect = store.engine.dialect.name
        connection.execute(text("DROP TRIGGER revisions_no_delete ON revisions"
                                if dialect == "postgresql" else
                                "DROP TRIGGER revisions_no_delete"))
        connection.execute(text("DELETE FROM revisions WHERE number = 2"))
    assert "revision 2 is missing" in store.get(lot).chain_problem


def test_the_audit_trail_is_chained(store):
    log = AuditLog(store.engine, KEY)
    for action in ("login", "read_record", "label_print"):
        log.record(action, user_id=1, target="x", remote="127.0.0.1")
    assert log.problems() == []
    with store.engine.begin() as connection:
        _drop_and_recreate(connection, store.engine.dialect.name, "audit_events",
                           "UPDATE audit_events SET user_id = 9 WHERE action = 'read_record'")
    assert log.problems() == ["audit event 2: its content was changed"]


def test_db_verify_exits_non_zero_at_a_broken_link(tmp_path):
    from compounding.records import Store

    url = f"sqlite:///{tmp_path / f'{uuid.uuid4().hex}.sqlite3'}"
    store = Store.open(url, KEY)
    lot = _verified(store)
    done = run("db", "verify", "--database", url)
    assert done.returncode == 0 and "intact" in done.stdout, done.stderr
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE batches SET status = 'printed'"))
    done = run("db", "verify", "--database", url)
    assert done.returncode == 1
    assert f"BROKEN batch {lot}: its status printed" in done.stderr


def test_a_broken_record_shows_it_and_prints_no_label(app, client):
    lot = client.post("/api/v1/worksheet", json=ORDER).headers["X-Lot-Number"]
    client.post(f"/api/v1/records/{lot}/bench", json=BENCH)
    pharmacist = app.test_client()
    login(pharmacist, "rph")
    from .people import signature

    signed = pharmacist.post(f"/api/v1/records/{lot}/verification", headers={"If-Match": '"2"'},
                             json={"decision": "approve", "signature": signature("rph")})
    assert signed.status_code == 200
    assert pharmacist.post(f"/api/v1/records/{lot}/label", json={}).status_code == 200
    store = app.extensions["records"]
    with store.engine.begin() as connection:
        _drop_and_recreate(connection, "sqlite", "revisions",
                           "UPDATE revisions SET data_json = replace(data_json, '150', '130') "
                           "WHERE number = 2")  # a capsule out of range, hidden
    refused = pharmacist.post(f"/api/v1/records/{lot}/label", json={})
    assert refused.status_code == 409
    assert refused.get_json()["errors"][0]["code"] == "CHAIN_BROKEN"
    page = pharmacist.get(f"/records/{lot}").get_data(as_text=True)
    assert "This record has been altered outside the workbench" in page
