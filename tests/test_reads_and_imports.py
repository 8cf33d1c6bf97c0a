"""Reads that check the whole chain, and imports that cannot bring signatures nobody here can
verify (issue 22, items 5 and 11; security.md, "The audit trail": tamper evidence, import).

Item 5: a read recomputed only the revisions whose content it loaded, so a revision appended by
SQL (as the application's database role may: it inserts rows and moves a batch's head) whose
data a plain read never loads (a ``printed`` step, an earlier bench entry) read as intact: the
record showed ``verified`` in the API, the FHIR MedicationDispense and the record page. Every
read now checks the whole chain of the record against its head.

Item 11: ``compounding import`` kept every record live, with approvals chained anew under this
installation's key, whoever signed them. An imported record is now archived (readable,
recallable, never labelled, takes no further step) unless it carries the exporting
installation's chain and checkpoint and they verify with a key the importer trusts (its own, or
``--trusted-key FILE``).
"""

from __future__ import annotations

import io
import json
from types import SimpleNamespace

import pytest
from sqlalchemy import text

from compounding import OrderError
from compounding.cli import main

from .people import HASHER, KEY, RPH, TECH, login, seed, signature
from .test_records import BENCH, ORDER, PROFILE, approve

OTHER_KEY = b"the chain key of another pharmacy, which exported the records"


def _lift_guards(store, *statements: str, **values) -> None:
    """What whoever holds the tables' owner (or the SQLite file) does: lift the append-only
    guards, change rows, put the guards back."""
    dialect = store.engine.dialect.name
    with store.engine.begin() as connection:
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


def _forge_printed_step(store, lot: str, status: str = "verified") -> None:
    """Append a revision of action ``printed`` after the last one, linked to it but with a made-up
    digest, and move the batch's head to it: only INSERT on revisions and UPDATE of a batch's
    status and revision, which the application's role may do."""
    with store.engine.begin() as connection:
        batch_id, number, last = connection.execute(text(
            "SELECT b.id, b.revision, r.hash FROM batches b JOIN revisions r "
            "ON r.batch_id = b.id AND r.number = b.revision WHERE b.lot_number = :lot"),
            {"lot": lot}).one()
        connection.execute(text(
            "INSERT INTO revisions (batch_id, number, action, status, author, author_id, "
            "signed_in, at, reason, data_json, prev_hash, hash) VALUES (:b, :n, 'printed', "
            ":s, 'R. Okafor, PharmD', 2, 1, :at, NULL, '{}', :p, :h)"),
            {"b": batch_id, "n": number + 1, "s": status, "at": "2026-11-22 12:00:00",
             "p": last, "h": "0" * 64})
        connection.execute(text("UPDATE batches SET status = :s, revision = :n WHERE id = :b"),
                           {"s": status, "n": number + 1, "b": batch_id})


def _compounded(store) -> str:
    lot = store.create(ORDER, PROFILE, TECH).lot_number
    store.enter_bench(lot, BENCH, TECH)
    return lot


def _released(store) -> str:
    lot = _compounded(store)
    approve(store, lot, RPH)
    return lot


@pytest.fixture
def web(database_url, tmp_path, compounding_day):
    """The web app on the test's database (SQLite or PostgreSQL), with a technician's and a
    pharmacist's browser."""
    from compounding.web import create_app

    app = create_app({"TESTING": True, "PROFILE": PROFILE, "DATABASE_URL": database_url,
                      "CHAIN_KEY": KEY, "PASSWORD_HASHER": HASHER})
    seed(app.extensions["accounts"])
    tech, rph = app.test_client(), app.test_client()
    login(tech, "tech")
    login(rph, "rph")
    yield SimpleNamespace(app=app, store=app.extensions["records"], tech=tech, rph=rph)
    app.extensions["records"].engine.dispose()


def _label(browser, lot: str, form: str = "pdf"):
    """A pharmacist's session asks for the label: a POST with a JSON body where printing is a
    POST, else the GET with query parameters."""
    asked = browser.post(f"/api/v1/records/{lot}/label", json={"format": form})
    if asked.status_code == 405:
        asked = browser.get(f"/api/v1/records/{lot}/label?format={form}")
    return asked


def _code(response, status: int) -> str:
    assert response.status_code == status, response.get_data(as_text=True)[:400]
    return response.get_json()["errors"][0]["code"]


# -- item 5: every read checks the whole chain ---------------------------------------------

def test_a_forged_printed_step_reads_as_tampered(store):
    lot = _compounded(store)
    _forge_printed_step(store, lot)
    record = store.get(lot)  # a plain read, without history
    assert record.status == "verified"
    assert record.chain_problem == "revision 3 was changed"
    assert store.get(lot, history=True).chain_problem == "revision 3 was changed"
    with pytest.raises(OrderError) as caught:
        record.order_for_label()
    assert [e.code for e in caught.value.errors] == ["CHAIN_BROKEN"]


def test_a_changed_revision_a_plain_read_does_not_show_is_found(store):
    lot = _compounded(store)
    store.correct(lot, {"reason": "a capsule reweighed", "bench": BENCH}, TECH)
    # the first bench entry (replaced by the correction) and the printed worksheet: a plain
    # read does not load their data, and recomputed neither
    _lift_guards(store, "UPDATE revisions SET data_json = replace(data_json, '748', '750') "
                        "WHERE number = 2")
    assert store.get(lot).chain_problem == "revision 2 was changed"
    _lift_guards(store, "UPDATE revisions SET data_json = replace(data_json, '750', '748') "
                        "WHERE number = 2",
                 "UPDATE revisions SET author = 'Someone Else' WHERE number = 1")
    assert store.get(lot).chain_problem == "revision 1 was changed"


def test_an_intact_record_reads_intact(store):
    lot = _compounded(store)
    store.correct(lot, {"reason": "a capsule reweighed", "bench": BENCH}, TECH)
    approve(store, lot, RPH)
    assert store.get(lot).chain_problem is None
    assert store.get(lot, history=True).chain_problem is None


def test_a_forged_step_shows_in_the_api_the_page_and_refuses_the_dispense(web):
    lot = _compounded(web.store)
    assert web.rph.get(f"/api/v1/records/{lot}/fhir").status_code == 200
    _forge_printed_step(web.store, lot)
    read = web.rph.get(f"/api/v1/records/{lot}")
    assert read.status_code == 200
    assert read.get_json()["status"] == "verified"
    assert read.get_json()["chain_problem"] == "revision 3 was changed"
    assert _code(web.rph.get(f"/api/v1/records/{lot}/fhir"), 409) == "CHAIN_BROKEN"
    assert _code(_label(web.rph, lot), 409) == "CHAIN_BROKEN"
    page = web.rph.get(f"/records/{lot}").get_data(as_text=True)
    assert "This record has been altered outside the workbench" in page
    assert "revision 3 was changed" in page


# -- item 11: imports keep signatures live only when a trusted key verifies them ------------

@pytest.fixture
def exporter(tmp_path, compounding_day):
    """Another installation (its own chain key), with a released batch, a compounded one, and
    one just printed."""
    from compounding.records import Store

    other = Store.open(f"sqlite:///{tmp_path / 'exporter.sqlite3'}", OTHER_KEY)
    lots = SimpleNamespace(released=_released(other), compounded=_compounded(other),
                           printed=other.create(ORDER, PROFILE, TECH).lot_number)
    yield SimpleNamespace(store=other, lots=lots,
                          lines=[json.loads(json.dumps(r)) for r in other.export()])
    other.engine.dispose()


def _imported(store, lines, trusted=()):
    from compounding.records.imports import import_records

    return import_records(store, iter(lines), trusted)


def test_an_import_nobody_here_can_verify_is_archived(store, exporter):
    assert store.import_records(iter(exporter.lines)) == 3
    record = store.get(exporter.lots.released)
    assert record.status == "verified" and record.chain_problem is None
    with pytest.raises(OrderError) as caught:  # another pharmacy's approval prints no label
        record.order_for_label()
    assert [e.code for e in caught.value.errors] == ["RECORD_ARCHIVED"]
    assert exporter.lots.released in caught.value.errors[0].message
    assert record.archived
    # readable and recallable
    assert {s.lot_number for s in store.recall(source_lot="N456")[0]} == set(vars(exporter.lots)
                                                                             .values())
    assert {s.lot_number: s.archived for s in store.search()} == dict.fromkeys(
        vars(exporter.lots).values(), True)
    assert store.chain_problems() == []


@pytest.mark.parametrize("step", ["bench", "correction", "verification", "acknowledgement",
                                  "scrap"])
def test_an_archived_record_takes_no_further_step(store, exporter, step):
    store.import_records(iter(exporter.lines))
    lots = exporter.lots
    with pytest.raises(OrderError) as caught:
        if step == "bench":
            store.enter_bench(lots.printed, BENCH, TECH)
        elif step == "correction":
            store.correct(lots.compounded, {"reason": "reweighed", "bench": BENCH}, TECH)
        elif step == "verification":
            approve(store, lots.compounded, RPH)
        elif step == "acknowledgement":
            store.acknowledge(lots.printed, {"finding": "X", "reason": "r"}, RPH, expected=1)
        else:
            store.scrap(lots.printed, {"reason": "spilled"}, RPH, expected=1)
    assert caught.value.status == 409
    assert [e.code for e in caught.value.errors] == ["RECORD_ARCHIVED"]
    assert store.get(lots.printed).revision == 1 and store.get(lots.compounded).revision == 2


def test_an_import_whose_chain_verifies_with_a_trusted_key_stays_live(store, exporter):
    outcome = _imported(store, exporter.lines, [OTHER_KEY])
    assert not any(i.archived for i in outcome)
    record = store.get(exporter.lots.released)
    assert not record.archived and record.chain_problem is None
    assert record.order_for_label().rx_number == ORDER["rx_number"]
    assert store.chain_problems() == []  # chained anew under this installation's key
    store.enter_bench(exporter.lots.printed, BENCH, TECH)  # a live record takes its steps


def test_an_export_of_this_installation_is_trusted_by_it(store, tmp_path):
    from compounding.records import Store

    lot = _released(store)
    lines = [json.loads(json.dumps(r)) for r in store.export()]
    again = Store.open(f"sqlite:///{tmp_path / 'restored.sqlite3'}", KEY)
    try:
        assert [i.archived for i in _imported(again, lines)] == [False]
        assert not again.get(lot).archived
        assert [json.loads(json.dumps(r)) for r in again.export()] == lines
    finally:
        again.engine.dispose()


def _tampered(lines, change):
    changed = json.loads(json.dumps(lines))
    change(changed[0])
    return changed


@pytest.mark.parametrize("change", [
    lambda r: r["revisions"][2]["data"]["signature"].update(name="Dr. Nobody"),
    lambda r: r["revisions"][2].update(at="2026-11-22T11:00:00Z"),
    lambda r: r["order"]["patient"].update(name="Jane R. Public"),
    lambda r: r.pop("chain"),
    lambda r: r["chain"].update(checkpoint="0" * 64),
    # cut short: the approval dropped with its link, as if the batch were still compounded
    lambda r: (r.update(revisions=r["revisions"][:2], status="compounded", revision=2),
               r["chain"].update(revisions=r["chain"]["revisions"][:2])),
    lambda r: r["chain"]["revisions"].reverse(),
], ids=["signer-renamed", "time-moved", "patient-renamed", "no-chain", "forged-checkpoint",
        "cut-short", "links-reordered"])
def test_an_altered_export_is_archived_even_with_a_trusted_key(store, exporter, change):
    lines = _tampered(exporter.lines, change)
    outcome = _imported(store, lines, [OTHER_KEY])
    assert [i.archived for i in outcome] == [True, False, False]
    assert store.get(lines[0]["lot_number"]).archived


def test_an_archived_record_stays_archived_when_exported_again(store, exporter, tmp_path):
    from compounding.records import Store

    _imported(store, exporter.lines)
    lines = [json.loads(json.dumps(r)) for r in store.export()]
    assert all(line["archived"] for line in lines)
    third = Store.open(f"sqlite:///{tmp_path / 'third.sqlite3'}", b"a third key")
    try:
        # even trusting the key it was chained under here, and with the flag lifted in the file
        lifted = _tampered(lines, lambda r: r.update(archived=False))
        assert [i.archived for i in _imported(third, lifted, [KEY])] == [True, True, True]
    finally:
        third.engine.dispose()


def test_an_archived_flag_lifted_by_sql_breaks_the_chain(store, exporter):
    _imported(store, exporter.lines)
    lot = exporter.lots.released
    _lift_guards(store, "UPDATE batches SET archived = 0 WHERE lot_number = :lot", lot=lot)
    record = store.get(lot)
    assert not record.archived
    assert record.chain_problem == "revision 1 does not follow the batch's recorded content"
    with pytest.raises(OrderError) as caught:
        record.order_for_label()
    assert [e.code for e in caught.value.errors] == ["CHAIN_BROKEN"]


def test_the_archived_flag_cannot_be_changed_through_the_guards(store, exporter):
    _imported(store, exporter.lines)
    with pytest.raises(Exception, match="append-only"), store.engine.begin() as connection:
        connection.execute(text("UPDATE batches SET archived = 0"))


def test_an_archived_record_prints_no_label_and_no_dispense_but_reads(web, exporter):
    web.store.import_records(iter(exporter.lines))
    lot = exporter.lots.released
    for form in ("pdf", "zpl", "json"):
        assert _code(_label(web.rph, lot, form), 409) == "RECORD_ARCHIVED", form
    assert _code(web.rph.get(f"/api/v1/records/{lot}/fhir"), 409) == "RECORD_ARCHIVED"
    read = web.rph.get(f"/api/v1/records/{lot}")
    assert read.status_code == 200 and read.get_json()["archived"] is True
    page = web.rph.get(f"/records/{lot}").get_data(as_text=True)
    assert "This record is archived" in page and "Print label (PDF)" not in page
    bench = web.tech.post(f"/api/v1/records/{exporter.lots.printed}/bench", json=BENCH)
    assert _code(bench, 409) == "RECORD_ARCHIVED"
    signed = web.rph.post(f"/api/v1/records/{exporter.lots.compounded}/verification",
                          headers={"If-Match": '"2"'},
                          json={"decision": "approve", "signature": signature("rph")})
    assert _code(signed, 409) == "RECORD_ARCHIVED"
    recall = web.rph.get("/api/v1/recall?source_lot=N456").get_json()
    assert {r["lot_number"] for r in recall["records"]} == set(vars(exporter.lots).values())


def _import_command(database_url, path, *more, monkeypatch, tmp_path):
    monkeypatch.setenv("COMPOUNDING_CHAIN_KEY", KEY.decode())
    monkeypatch.setenv("COMPOUNDING_DATA_DIR", str(tmp_path / "data"))
    out, err = io.StringIO(), io.StringIO()
    status = main(["import", str(path), "--database", database_url, *more], out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def test_the_import_command_archives_unless_given_the_exporters_key(
        database_url, exporter, tmp_path, monkeypatch):
    from compounding.records import Store

    dump = tmp_path / "records.jsonl"
    dump.write_text("".join(json.dumps(line) + "\n" for line in exporter.lines[:1]),
                    encoding="utf-8")
    status, out, err = _import_command(database_url, dump, monkeypatch=monkeypatch,
                                       tmp_path=tmp_path)
    assert status == 0, err
    assert "imported 1 records" in out
    assert f"archived: {exporter.lots.released}" in out  # it says which record it archived
    key_file = tmp_path / "exporter.key"
    key_file.write_bytes(OTHER_KEY + b"\n")
    dump.write_text("".join(json.dumps(line) + "\n" for line in exporter.lines[1:]),
                    encoding="utf-8")
    status, out, err = _import_command(database_url, dump, "--trusted-key", str(key_file),
                                       monkeypatch=monkeypatch, tmp_path=tmp_path)
    assert status == 0, err
    assert "imported 2 records" in out and "archived" not in out
    store = Store.open(database_url, KEY, migrate=False)
    try:
        assert [store.get(lot).archived for lot in vars(exporter.lots).values()] == [
            True, False, False]
    finally:
        store.engine.dispose()
    missing = _import_command(database_url, dump, "--trusted-key", str(tmp_path / "none"),
                              monkeypatch=monkeypatch, tmp_path=tmp_path)
    assert missing[0] == 2 and "Traceback" not in missing[2]


def test_a_read_of_a_long_history_is_cheap(store):
    import time

    lot = _compounded(store)
    for number in range(18):
        store.correct(lot, {"reason": f"reweighed {number}", "bench": BENCH}, TECH)
    assert store.get(lot).revision == 20
    started = time.perf_counter()
    for _ in range(20):
        assert store.get(lot).chain_problem is None
    assert (time.perf_counter() - started) / 20 < 0.25
