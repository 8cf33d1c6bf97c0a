"""The formulary in the records: master formulation records seeded once, drafts edited, approved
by a signature that names the revision it signs, superseded by the next approved version, fixed
once approved (database triggers), chained (what SQL changes is named), and every batch kept
before attributed to the record it was made under (migration 0012)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import DBAPIError

from compounding import clock
from compounding.formulary import content_digest, seeded
from compounding.records import Author, Conflict, Store
from compounding.records.formulary import FormularyStore
from compounding.records.store import PreconditionRequired

from .people import KEY, RPH, RPH2, TECH
from .test_proof import as_owner, verify
from .test_records import BENCH, ORDER, PROFILE
from .test_roles import application_url as _application_url

application_url = _application_url
pytestmark = pytest.mark.usefixtures("formulary_drafts")  # the drafts as seeded
"""The application's PostgreSQL role on a database its owner migrated (:mod:`tests.test_roles`)."""

TAB = "LDN-CAPS-TAB-MCC"


@pytest.fixture
def kept(database_url, tmp_path):
    store = Store.open(database_url, KEY, folder=tmp_path)
    formulary = FormularyStore(store.engine, KEY, store.checkpoints)
    formulary.seed()
    yield SimpleNamespace(url=database_url, folder=tmp_path, store=store, formulary=formulary)
    store.engine.dispose()


def codes(caught) -> set[str]:
    return {e.code for e in caught.value.errors}


def revised(kept, version: int = 1, name: str = " (revised)"):
    """The tablet-capsule record as kept at ``version``, renamed."""
    mfr = kept.formulary.entry(TAB, version).mfr
    return mfr.model_copy(update={"name": mfr.name + name})


def approve(kept, version: int = 1, signer: Author = RPH):
    revision = kept.formulary.kept(TAB, version).revision
    return kept.formulary.approve(TAB, version, signer, expected=revision).entry


def refused(kept, *statements: str) -> None:
    """Each statement is refused by the database's triggers."""
    for statement in statements:
        try:
            with kept.store.engine.begin() as connection:
                connection.execute(text(statement))
        except DBAPIError as exc:
            assert "append-only" in str(exc), statement
        else:
            pytest.fail(f"not refused: {statement}")


def test_seeding_is_idempotent(kept):
    entries = kept.formulary.formulary().entries()
    assert {e.mfr.id for e in entries} == {m.id for m in seeded()}
    assert {(e.mfr.version, e.status, e.approval) for e in entries} == {(1, "draft", None)}
    assert all(e.digest == content_digest(e.mfr) for e in entries)
    assert kept.formulary.seed() == 0 and kept.formulary.seed(TECH) == 0
    assert len(kept.formulary.formulary().entries()) == len(entries)
    assert kept.formulary.problems() == []


def test_a_draft_is_edited_in_revisions(kept):
    changed = revised(kept)
    entry, revision = kept.formulary.save_draft(changed, TECH)
    assert (entry.mfr.version, entry.status, revision) == (1, "draft", 2)
    assert entry.mfr == changed and entry.digest == content_digest(changed)
    same = kept.formulary.save_draft(changed, TECH, expected=2)  # nothing new: nothing written
    assert same.revision == 2
    with pytest.raises(Conflict) as caught:
        kept.formulary.save_draft(revised(kept, name=" again"), TECH, expected=1)
    assert codes(caught) == {"STALE_REVISION"}
    with pytest.raises(Conflict) as caught:  # one draft at a time: version 2 waits for 1
        kept.formulary.save_draft(changed.model_copy(update={"version": 2}), TECH)
    assert codes(caught) == {"MFR_DRAFT_OPEN"}
    assert kept.formulary.problems() == []


def test_an_approval_is_a_signature_of_the_revision_read(kept):
    kept.formulary.save_draft(revised(kept), TECH)
    with pytest.raises(PreconditionRequired):
        kept.formulary.approve(TAB, 1, RPH, expected=None)
    with pytest.raises(Conflict) as caught:
        kept.formulary.approve(TAB, 1, RPH, expected=1)  # read before the edit
    assert codes(caught) == {"STALE_REVISION"}
    nobody = Author.model_construct(user_id=None, name="nobody")
    with pytest.raises(Exception, match="signed-in pharmacist"):
        kept.formulary.approve(TAB, 1, nobody, expected=2)
    before = clock.now()
    entry, revision = kept.formulary.approve(TAB, 1, RPH, expected=2)
    assert (entry.status, revision, entry.mfr.name) == ("approved", 3, revised(kept, name="").name)
    approval = entry.approval
    assert (approval.user_id, approval.name, approval.licence) == (2, RPH.name, RPH.licence)
    assert before <= approval.at <= clock.now() and f"{TAB} version 1" in approval.meaning
    with pytest.raises(Conflict) as caught:
        kept.formulary.approve(TAB, 1, RPH2, expected=3)
    assert codes(caught) == {"MFR_NOT_DRAFT"}
    assert kept.formulary.problems() == []


def test_an_approved_version_is_never_saved_over_and_the_next_supersedes_it(kept):
    approve(kept)
    with pytest.raises(Conflict) as caught:
        kept.formulary.save_draft(revised(kept), TECH)
    assert codes(caught) == {"MFR_VERSION_APPROVED"}
    second, _ = kept.formulary.save_draft(revised(kept).model_copy(update={"version": 7}), TECH)
    assert (second.mfr.version, second.status) == (2, "draft")  # the latest + 1
    assert kept.formulary.entry(TAB).mfr.version == 1  # the approved one is in force
    approve(kept, 2, RPH2)
    assert [(e.mfr.version, e.status) for e in kept.formulary.formulary().entries()
            if e.mfr.id == TAB] == [(1, "superseded"), (2, "approved")]
    assert kept.formulary.entry(TAB).mfr.version == 2
    assert kept.formulary.entry(TAB, 1).approval.name == RPH.name  # its signature kept
    assert kept.formulary.problems() == []


def test_sql_cannot_change_or_remove_an_approved_version(kept):
    approve(kept)
    kept.formulary.save_draft(revised(kept).model_copy(update={"version": 2}), TECH)
    approve(kept, 2)
    refused(kept,
            "UPDATE mfr_revisions SET content_json = '{}'",
            "UPDATE mfr_revisions SET digest = '0' WHERE action = 'approval'",
            "UPDATE mfr_revisions SET author = 'someone else' WHERE action = 'approval'",
            "DELETE FROM mfr_revisions",
            "DELETE FROM mfr_versions",
            f"UPDATE mfr_versions SET status = 'draft' WHERE mfr_id = '{TAB}'",
            f"UPDATE mfr_versions SET revision = 1 WHERE mfr_id = '{TAB}' AND version = 2",
            f"UPDATE mfr_versions SET status = 'approved' WHERE mfr_id = '{TAB}' "
            f"AND version = 1",  # superseded stays superseded
            "UPDATE mfr_versions SET version = version + 10")
    assert kept.formulary.problems() == []


def test_what_sql_changes_is_named(kept, monkeypatch):
    approve(kept)
    other = next(m.id for m in seeded() if m.id != TAB)
    with kept.store.engine.begin() as c:  # a draft's head is the one thing SQL may move
        c.execute(text(f"UPDATE mfr_versions SET status = 'approved' WHERE mfr_id = '{other}'"))
    as_owner(kept, "UPDATE mfr_revisions SET content_json = replace(content_json, "
                   "'capsules', 'caps') WHERE action = 'approval'")
    problems = kept.formulary.problems()
    assert any(f"({TAB} version 1): its content, digest or approval was changed" in p
               for p in problems), problems
    assert any(f"version 1 of {other} is approved at revision 1, but its history says draft"
               in p for p in problems), problems
    status, _, err = verify(kept, monkeypatch)
    assert status == 1 and f"({TAB} version 1)" in err


def test_a_deleted_approval_is_found(kept):
    approve(kept)
    as_owner(kept, "DELETE FROM mfr_revisions WHERE action = 'approval'",
             f"UPDATE mfr_versions SET status = 'draft', revision = 1 WHERE mfr_id = '{TAB}'")
    problems = kept.formulary.problems()
    assert any("last link or length is not the one recorded" in p for p in problems), problems


def test_a_deleted_approval_with_the_chain_moved_back_is_found(kept):
    approve(kept)
    as_owner(kept, "DELETE FROM mfr_revisions WHERE action = 'approval'",
             "UPDATE chain_heads SET count = count - 1, hash = (SELECT hash FROM mfr_revisions "
             "ORDER BY seq DESC LIMIT 1) WHERE name = 'formulary'")
    problems = kept.formulary.problems()
    assert any(f"version 1 of {TAB} is approved at revision 2, but its history says draft "
               f"at revision 1" in p for p in problems), problems


def test_the_application_role_keeps_the_formulary_and_cannot_rewrite_it(application_url):
    from sqlalchemy import create_engine

    engine = create_engine(application_url)
    formulary = FormularyStore(engine, KEY)
    # the owner's Store.open migrated and seeded the drafts; the application's role adds none
    assert formulary.seed(TECH) == 0
    assert {e.status for e in formulary.formulary().entries()} == {"draft"}
    mfr = formulary.entry(TAB).mfr
    formulary.save_draft(mfr.model_copy(update={"name": mfr.name + " (revised)"}), TECH)
    formulary.approve(TAB, 1, RPH, expected=2)
    formulary.save_draft(mfr.model_copy(update={"version": 2}), TECH)
    formulary.approve(TAB, 2, RPH2, expected=1)  # v1 superseded: its status alone moves
    assert [e.status for e in formulary.formulary().versions(TAB)] == ["superseded", "approved"]
    assert formulary.problems() == []
    for statement in ("UPDATE mfr_revisions SET content_json = '{}'",
                      "DELETE FROM mfr_revisions", "DELETE FROM mfr_versions",
                      "UPDATE mfr_versions SET mfr_id = 'X'", "UPDATE batches SET mfr_id = 'X'",
                      "UPDATE chain_heads SET name = 'x'"):
        with pytest.raises(DBAPIError, match="permission denied"), engine.begin() as c:
            c.execute(text(statement))
    engine.dispose()


def test_migration_0012_attributes_kept_batches_to_capsules_from_tablets(database_url):
    # a database of before the formulary, with one batch kept by the store of that time
    from types import SimpleNamespace as Row

    from compounding.orders.reading import parse_order
    from compounding.plan import plan_of, work_out
    from compounding.records.chain import batch_digest, revision_digest
    from compounding.records.db import make_engine
    from compounding.records.heads import append_events
    from compounding.records.migrate import upgrade
    from compounding.records.proof import feed_problems
    from compounding.records.schema import batches, revisions

    engine = make_engine(database_url)
    upgrade(engine, KEY, "0011")
    now, lot = clock.now(), "20261122-001"
    order = parse_order({**ORDER, "lot_number": lot, "compounded_on": "2026-11-22"})
    content = Row(lot_number=lot, lot_date=order.compounded_on, created_at=now,
                  order_json=order.model_dump_json(),
                  plan_json=plan_of(work_out(order, PROFILE.settings)).model_dump_json(),
                  profile_json=PROFILE.model_dump_json())
    first = Row(number=1, action="printed", status="printed", author=TECH.name,
                author_id=TECH.user_id, signed_in=1, at=now, reason=None, data_json="{}")
    prev = batch_digest(KEY, content)
    link = revision_digest(KEY, prev, first)
    with engine.begin() as connection:
        batch_id = connection.execute(insert(batches).values(
            **vars(content), lot_seq=1, patient_key="jane q. public",
            patient_name="Jane Q. Public", status="printed", revision=1)
            .returning(batches.c.id)).scalar_one()
        connection.execute(insert(revisions).values(batch_id=batch_id, **vars(first),
                                                    prev_hash=prev, hash=link))
        append_events(connection, KEY, [{"batch_id": batch_id, "action": "printed",
                                         "revision": 1, "status": "printed", "at": now,
                                         "user_id": TECH.user_id, "revision_hash": link}])
    upgrade(engine, KEY)
    with engine.connect() as connection:
        assert connection.execute(select(batches.c.mfr_id, batches.c.mfr_version)).all() == [
            (TAB, 1)]
    store = Store(engine, KEY)
    assert store.chain_problems() == [] and feed_problems(engine, KEY) == []
    assert store.enter_bench(lot, BENCH, TECH).status == "compounded"  # its head still moves
    for statement in ("UPDATE batches SET mfr_version = 2", "UPDATE batches SET mfr_id = NULL",
                      "UPDATE batches SET order_json = '{}'"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as c:
            c.execute(text(statement))
    assert FormularyStore(engine, KEY).problems() == []  # begun empty, whole
    engine.dispose()

