from __future__ import annotations

import pytest

from compounding import OrderError, plan_order

from .days import on_compounding_day
from .helpers import assert_error_body


def pytest_configure(config):
    """The tests' own data folder (each xdist worker its own): no chain key or checkpoint a
    test, or a command it runs, writes lands in the data folder of whoever runs the tests, and
    none of theirs is read."""
    import os
    import tempfile

    os.environ["COMPOUNDING_DATA_DIR"] = tempfile.mkdtemp(prefix="compounding-tests-")


@pytest.fixture
def errors_of():
    """Plan an order that must fail; returns its errors after checking the one error shape."""

    def run(order):
        with pytest.raises(OrderError) as caught:
            plan_order(order)
        return assert_error_body(caught.value.to_json(), caught.value.status)

    return run


@pytest.fixture(autouse=True)
def compounding_day(request):
    """The clock set to :data:`tests.days.COMPOUNDING_DAY` for the test; the real clock afterwards.

    Tests marked ``real_clock`` talk to other processes (a served workbench, the command line,
    a browser), which read the machine's clock: they keep it, and count their dates from it
    (:mod:`tests.days`)."""
    if request.node.get_closest_marker("real_clock"):
        yield None
        return
    with on_compounding_day() as traveller:
        yield traveller


@pytest.fixture(scope="session")
def app_database(tmp_path_factory, approved_formulary):
    """The records database every app starts from, made once (by this worker): migrated, its
    default capsule records approved, the tests' people added, on the compounding day. Each
    app gets a copy: migrating a new database and hashing the people's passwords cost some
    0.3 s a test."""
    from compounding.records import Accounts, Store

    from .people import HASHER, KEY, seed

    path = tmp_path_factory.mktemp("app-database") / "records.sqlite3"
    with on_compounding_day():
        store = Store.open(f"sqlite:///{path}", KEY)
        seed(Accounts(store.engine, HASHER, key=store.key))
        store.engine.dispose()
    return path


@pytest.fixture
def app(tmp_path, compounding_day, app_database):
    import shutil
    from pathlib import Path

    from compounding.profile import load_profile
    from compounding.web import create_app

    from .people import HASHER, KEY, seed

    database = tmp_path / "records.sqlite3"
    if FORMULARY["approve"]:  # the usual start: a copy of the database made once
        shutil.copyfile(app_database, database)
    sample = Path(__file__).resolve().parent.parent / "samples" / "pharmacy.toml"
    made = create_app({"TESTING": True,
                       "PROFILE": load_profile(sample.read_text(encoding="utf-8")),
                       "DATABASE_URL": f"sqlite:///{database}",
                       "CHAIN_KEY": KEY, "PASSWORD_HASHER": HASHER})
    if not FORMULARY["approve"]:
        seed(made.extensions["accounts"])
    return made


@pytest.fixture
def client(app):
    """A browser signed in as the technician."""
    from .people import login

    browser = app.test_client()
    login(browser, "tech")
    return browser


@pytest.fixture
def pharmacist(app):
    """A second browser, signed in as a pharmacist (not the technician)."""
    from .people import login

    browser = app.test_client()
    login(browser, "rph")
    return browser


@pytest.fixture(autouse=True, scope="session")
def dropped_databases():
    """Every PostgreSQL database the tests made is dropped by the end (in the background, as
    the tests go on: :class:`tests.databases._Admin`)."""
    from .databases import ADMIN

    yield
    failed = ADMIN.finish()
    assert not failed, f"databases not dropped: {failed[:3]}"


@pytest.fixture(scope="session")
def migrated_databases(tmp_path_factory, approved_formulary, dropped_databases):
    """The databases this worker migrated once, as :class:`~compounding.records.Store` opens
    a new one on the compounding day (its default capsule records approved), for each
    ``store`` to start from a copy of (:func:`database_url`)."""
    import time_machine

    from compounding.records import Store

    from .databases import Migrated
    from .days import COMPOUNDING_DAY
    from .people import KEY

    def make(url):
        # the clock held at the very start of the compounding day: whatever a test then does
        # on its own clock (which runs on from that moment) comes after the seeded records
        with time_machine.travel(COMPOUNDING_DAY, tick=False):
            Store.open(url, KEY).engine.dispose()

    databases = Migrated(tmp_path_factory.mktemp("migrated"), make)
    yield databases
    databases.close()


def _as_migrated(request) -> bool:
    """Whether the database a test migrates would come out as the worker's migrated one: on
    the compounding day, the formulary approved."""
    return ("formulary_drafts" not in request.fixturenames and FORMULARY["approve"]
            and not request.node.get_closest_marker("real_clock"))


@pytest.fixture
def owner_postgres(request):
    """A new PostgreSQL database for a test that migrates it as its owner (``Store.open``): a
    copy of the worker's migrated one where that comes out the same, else an empty one."""
    from .databases import fresh_postgres

    with (request.getfixturevalue("migrated_databases").postgres() if _as_migrated(request)
          else fresh_postgres()) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A new database of each kind. A test with the ``store`` fixture (on the compounding
    day, the formulary approved) starts from a copy of one migrated by this worker: the store
    opens it at head, as it opens any database."""
    import gc
    import warnings

    from .databases import database, migrated

    made = (migrated(request.param, tmp_path, request.getfixturevalue("migrated_databases"))
            if "store" in request.fixturenames and _as_migrated(request)
            else database(request.param, tmp_path))
    with made as url:
        # a connection the test left open is found below, named by its test, not later in
        # whichever test the garbage collector happens to run in. What was made before the test
        # (some 10^5 objects in a worker) is set aside, so that the collection looks at what
        # the test made only: some 1 ms instead of 0.3 s a test
        gc.freeze()
        try:
            yield url
            with warnings.catch_warnings(record=True) as left:
                warnings.simplefilter("always", ResourceWarning)
                gc.collect()
        finally:
            gc.unfreeze()
        unclosed = [str(w.message) for w in left if issubclass(w.category, ResourceWarning)]
        assert not unclosed, f"connections left open: {unclosed[:3]}"


@pytest.fixture
def store(database_url, compounding_day):
    from compounding.records import Store

    from .people import KEY

    opened = Store.open(database_url, KEY)
    yield opened
    opened.engine.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The address of a real ``compounding serve`` with the tests' people, for the browser."""
    from .service import serving

    folder = tmp_path_factory.mktemp("server")
    with serving(f"sqlite:///{folder / 'records.sqlite3'}") as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def first_start(tmp_path_factory):
    """A server with no one in it yet (``compounding serve`` on a fresh data folder): the
    setup link it prints."""
    import os
    import re
    import subprocess
    import sys

    from .service import await_health, free_port

    folder = tmp_path_factory.mktemp("first-start")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPOUNDING_")}
    env.update(COMPOUNDING_DATA_DIR=str(folder / "data"), COMPOUNDING_PORT=str(port))
    log = (folder / "serve.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "compounding", "serve"], env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        await_health(port, process, (folder / "serve.log").read_text)
        link = re.search(r"http://\S+/setup/\S+", (folder / "serve.log").read_text())
        assert link, (folder / "serve.log").read_text()
        yield link.group(0)
    finally:
        process.terminate()
        process.wait(10)
        log.close()


APPROVED = ("LDN-CAPS-TAB-MCC", "LDN-CAPS-API-MCC", "LDN-LIQ-1", "LDN-LIQ-01", "LDN-LIQ-API-1",
            "LDN-LIQ-API-01")
"""The records the tests' pharmacist approves: the default capsules from tablets and from
powder (each approval is a signature, with its cost in a test)."""
FORMULARY = {"approve": True}
"""Whether a records database opened in this test process has its seeded formulary approved
(:func:`approved_formulary`); a test of the drafts as seeded turns it off
(:func:`formulary_drafts`)."""


@pytest.fixture(autouse=True, scope="session")
def approved_formulary():
    """Every records database this process opens has its default capsule records
    (:data:`APPROVED`) approved by the tests' pharmacist (R. Okafor), as the first pharmacist
    does on a new install; a database made by another process (the command line, a served
    workbench on a fresh folder) keeps the drafts as seeded."""
    from compounding.records.formulary import FormularyStore

    from .people import RPH

    seed = FormularyStore.seed

    def seed_and_approve(self, author=None):
        added = seed(self, author)
        if FORMULARY["approve"]:  # also the drafts another process seeded
            for entry in self.formulary().entries():
                if entry.status == "draft" and entry.mfr.id in APPROVED:
                    kept = self.kept(entry.mfr.id, entry.mfr.version)
                    self.approve(entry.mfr.id, entry.mfr.version, RPH, expected=kept.revision)
        return added

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(FormularyStore, "seed", seed_and_approve)
        yield


@pytest.fixture
def formulary_drafts():
    """Records databases opened by this test keep the seeded formulary as drafts."""
    FORMULARY["approve"] = False
    yield
    FORMULARY["approve"] = True


SLOW_FIRST = ("test_records_reliability.py", "test_packaging.py", "test_browser_record.py",
              "test_browser_pages.py", "test_browser_shift.py", "test_openapi.py",
              "test_browser_liquid.py", "test_browser_kit.py", "test_browser_runs.py",
              "test_cli.py",
              "test_formulary_cli.py", "test_service.py", "test_web_fuzz.py",
              "test_connections.py", "test_browser.py", "test_records_cli.py",
              "test_browser_powder.py")
"""The modules that take longest (a server, a browser, processes or a built wheel each), the
longest first, run first: the workers share the rest out after them, instead of one worker
finishing them alone at the end. xdist keeps this order only without its own reordering of the
files by their number of tests (``--no-loadscope-reorder`` in ``pyproject.toml``)."""


def pytest_collection_modifyitems(items):
    rank = {name: i for i, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # otherwise as collected
