"""The application's PostgreSQL role (security.md): it can keep records and can rewrite no
history, alter no table or trigger, and create nothing; migrations run as the owner."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from compounding.profile import DEFAULT_PROFILE
from compounding.records import Accounts, AuditLog, Store
from compounding.records.roles import grant_application_role

from .people import HASHER, KEY, RPH, TECH
from .test_records import BENCH, ORDER, approve

ATTEMPTS = [
    "UPDATE revisions SET reason = 'x'",
    "DELETE FROM revisions",
    "UPDATE batches SET order_json = '{}'",
    "DELETE FROM batches",
    "UPDATE audit_events SET user_id = 1",
    "DELETE FROM audit_events",
    "DROP TRIGGER revisions_no_update ON revisions",
    "ALTER TABLE revisions DISABLE TRIGGER ALL",
    "ALTER TABLE batches ADD COLUMN x integer",
    "CREATE TABLE shadow (id integer)",
    "TRUNCATE lot_counters",
    "UPDATE users SET username = 'boss'",  # roles may move, each change chained; names not
    "UPDATE api_tokens SET scopes = 'plan,records:read,records:write'",
]


@pytest.fixture
def application_url(owner_postgres):
    """A fresh database migrated by its owner, and the URL of the application's role on it."""
    owner_url = owner_postgres  # a copy of one the owner migrated, where it can be
    Store.open(owner_url, KEY).engine.dispose()  # migrations, as the owner
    role = f"compounding_app_{uuid.uuid4().hex[:8]}"
    owner = create_engine(owner_url, isolation_level="AUTOCOMMIT")
    with owner.connect() as connection:
        connection.execute(text(f'CREATE ROLE "{role}" LOGIN'))
    grant_application_role(owner, role)
    try:
        yield make_url(owner_url).set(username=role).render_as_string(False)
    finally:
        with owner.connect() as connection:
            connection.execute(text(f'DROP OWNED BY "{role}"'))
            connection.execute(text(f'DROP ROLE "{role}"'))
        owner.dispose()


def test_the_application_role_keeps_records(application_url):
    store = Store.open(application_url, KEY)  # at head: the upgrade writes nothing
    people = Accounts(store.engine, HASHER, key=store.key)
    people.add("tech", "T. Tech", "violet anchor drifting softly", ["technician"])
    assert people.authenticate("tech", "wrong password here").reason == "password"  # counted
    lot = store.create(ORDER, DEFAULT_PROFILE, TECH).lot_number
    store.enter_bench(lot, BENCH, TECH)
    assert approve(store, lot, RPH).status == "verified"
    store.check_writable()
    AuditLog(store.engine, KEY).record("read_record", user_id=1, target=lot)
    people.disable("tech")
    assert store.chain_problems() == []
    store.engine.dispose()


@pytest.mark.parametrize("statement", ATTEMPTS)
def test_the_application_role_cannot_rewrite_history(application_url, statement):
    engine = create_engine(application_url)
    with pytest.raises(DBAPIError, match=r"permission denied|must be owner"), engine.begin() as c:
        c.execute(text(statement))
    engine.dispose()
