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


@pytest.fixture
def app(tmp_path, compounding_day):
    from pathlib import Path

    from compounding.profile import load_profile
    from compounding.web import create_app

    from .people import HASHER, KEY, seed

    sample = Path(__file__).resolve().parent.parent / "samples" / "pharmacy.toml"
    made = create_app({"TESTING": True,
                       "PROFILE": load_profile(sample.read_text(encoding="utf-8")),
                       "DATABASE_URL": f"sqlite:///{tmp_path / 'records.sqlite3'}",
                       "CHAIN_KEY": KEY, "PASSWORD_HASHER": HASHER})
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


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    import gc
    import warnings

    from .databases import database

    with database(request.param, tmp_path) as url:
        yield url
        # a connection the test left open is found here, named by its test, not later in
        # whichever test the garbage collector happens to run in
        with warnings.catch_warnings(record=True) as left:
            warnings.simplefilter("always", ResourceWarning)
            gc.collect()
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


FORMULARY = {"approve": True}
"""Whether a records database opened in this test process has its seeded formulary approved
(:func:`approved_formulary`); a test of the drafts as seeded turns it off
(:func:`formulary_drafts`)."""


@pytest.fixture(autouse=True, scope="session")
def approved_formulary():
    """Every records database this process opens has its seeded master formulation records
    approved by the tests' pharmacist (R. Okafor), as the first pharmacist does on a new
    install; a database made by another process (the command line, a served workbench on a
    fresh folder) keeps the drafts as seeded."""
    from compounding.records.formulary import FormularyStore

    from .people import RPH

    seed = FormularyStore.seed

    def seed_and_approve(self, author=None):
        added = seed(self, author)
        if FORMULARY["approve"]:  # also the drafts another process seeded
            for entry in self.formulary().entries():
                if entry.status == "draft":
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
