from __future__ import annotations

import pytest

from compounding import OrderError, plan_order

from .helpers import assert_error_body


@pytest.fixture
def errors_of():
    """Plan an order that must fail; returns its errors after checking the one error shape."""

    def run(order):
        with pytest.raises(OrderError) as caught:
            plan_order(order)
        return assert_error_body(caught.value.to_json(), caught.value.status)

    return run


COMPOUNDING_DAY = "2026-11-22T10:00:00-06:00"
"""The moment the in-process records and web tests run at: 10:00 in the sample pharmacy's
zone (America/Chicago) on the day their orders are compounded (``compounded_on`` 2026-11-22).
Their dates (lot expiries, BUDs, lot numbers) are written for that day, so the clock is set to
it (time-machine; it keeps running from there) rather than read from the machine: they pass on
any day and in any time zone (domain.md §20)."""


@pytest.fixture
def compounding_day():
    """The clock set to :data:`COMPOUNDING_DAY` for the test; the real clock afterwards."""
    import time_machine

    with time_machine.travel(COMPOUNDING_DAY, tick=True) as traveller:
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
    from .databases import database

    with database(request.param, tmp_path) as url:
        yield url


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
