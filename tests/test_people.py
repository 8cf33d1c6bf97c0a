"""People: passwords, sign-in, lockout, automatic logoff, sessions, the first-start setup
link, the administrator's pages, and what the audit trail keeps (security.md)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from compounding import clock
from compounding.records.accounts import password_problem

from .people import PASSWORD, csrf, login, signature
from .test_records import BENCH, ORDER


@pytest.mark.parametrize(("password", "problem"), [
    ("short pass", "at least 12"),
    ("password1234", "most common"),
    ("qwertyuiop123!", "most common"),
    ("aaaaaaaaaaaaaaaa", "repeated"),
    ("tech is my name ok", "username"),
], ids=["short", "common", "common-with-digits", "repeated", "has-username"])
def test_password_policy(password, problem):
    assert problem in password_problem(password, "tech")


def test_a_good_password_passes():
    assert password_problem("violet anchor drifting softly", "tech") is None


def _events(app, action=None):
    return [e for e in app.extensions["audit"].all() if action in (None, e.action)]


def test_five_failures_hold_the_name_back_from_that_computer(app, monkeypatch):
    browser = app.test_client()
    for _ in range(5):
        response = browser.post("/login", data={"csrf_token": csrf(browser), "username": "tech",
                                                "password": "not the password"})
        assert response.status_code == 401
    held = browser.post("/login", data={"csrf_token": csrf(browser), "username": "tech",
                                        "password": PASSWORD})
    assert held.status_code == 401 and "wait 1 minute" in held.get_data(as_text=True)
    assert len(_events(app, "login_failed")) == 6 and len(_events(app, "lockout")) == 1
    later = clock.now() + timedelta(seconds=61)
    monkeypatch.setattr(clock, "now", lambda: later)
    login(browser, "tech")


def test_an_unknown_name_fails_like_a_wrong_password(app):
    browser = app.test_client()
    response = browser.post("/login", data={"csrf_token": csrf(browser), "username": "nobody",
                                            "password": PASSWORD})
    assert response.status_code == 401
    assert "The username or password is not right." in response.get_data(as_text=True)


def test_signed_out_after_fifteen_idle_minutes(app, client, monkeypatch):
    assert client.get("/").status_code == 200
    later = clock.now() + timedelta(minutes=15, seconds=5)
    monkeypatch.setattr(clock, "now", lambda: later)
    response = client.get("/")
    assert response.status_code == 303 and "/login" in response.headers["Location"]
    assert "after 15 minutes" in client.get("/login").get_data(as_text=True)
    assert client.get("/api/v1/records").status_code == 401
    assert _events(app, "logoff_idle")


def test_a_new_session_at_sign_in(app):
    browser = app.test_client()
    before = csrf(browser)
    login(browser, "tech")
    after = csrf(browser, "/")
    assert before != after  # nothing of the session before sign-in carries over


def test_a_password_reset_or_a_disabled_account_ends_the_session(app, client):
    app.extensions["accounts"].set_password("tech", "a brand new long passphrase")
    assert client.get("/").status_code == 303
    other = app.test_client()
    login(other, "rph")
    app.extensions["accounts"].disable("rph")
    assert other.get("/").status_code == 303
    assert other.post("/login", data={"csrf_token": csrf(other), "username": "rph",
                                      "password": PASSWORD}).status_code == 401


def test_sign_out(app, client):
    # another site's form signed people out: without this page's token, no one is signed out
    assert client.post("/logout", data={}).status_code == 400
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 400
    assert client.get("/").status_code == 200 and not _events(app, "logout")
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    assert client.get("/").status_code == 303
    assert _events(app, "logout")


def test_reads_and_searches_are_in_the_audit_trail(app, client):
    lot = client.post("/api/v1/worksheet", json=ORDER).headers["X-Lot-Number"]
    client.get(f"/records/{lot}")
    client.get(f"/api/v1/records/{lot}")
    client.post("/api/v1/records/search", json={"patient": "jane"})
    events = _events(app)
    tech = app.extensions["accounts"].find("tech").id
    reads = [e for e in events if e.action == "read_record"]
    assert [e.target for e in reads] == [lot, lot] and {e.user_id for e in reads} == {tech}
    assert all(e.remote for e in reads)
    search = next(e for e in events if e.action == "search")
    assert search.detail["criteria"]["patient"] == "jane" and search.detail["results"] == [lot]
    assert [e.target for e in events if e.action == "create"] == [lot]
    assert app.extensions["audit"].problems() == []


def test_signatures_and_label_prints_are_in_the_audit_trail(app, client, pharmacist):
    lot = client.post("/api/v1/worksheet", json=ORDER).headers["X-Lot-Number"]
    client.post(f"/api/v1/records/{lot}/bench", json=BENCH)
    pharmacist.post(f"/api/v1/records/{lot}/verification", headers={"If-Match": '"2"'},
                    json={"decision": "approve", "signature": signature("rph")})
    pharmacist.post(f"/api/v1/records/{lot}/label", json={})
    signed = _events(app, "signature")
    assert [(e.target, e.detail["meaning"]) for e in signed] == [(lot, "approved batch")]
    assert [(e.target, e.detail["copies"]) for e in _events(app, "label_print")] == [(lot, 1)]


def test_setup_link_once(tmp_path):
    from compounding.profile import DEFAULT_PROFILE
    from compounding.web import create_app

    from .people import HASHER, KEY

    app = create_app({"TESTING": True, "PROFILE": DEFAULT_PROFILE, "CHAIN_KEY": KEY,
                      "PASSWORD_HASHER": HASHER,
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'first.sqlite3'}"})
    token = app.extensions["setup_token"]
    browser = app.test_client()
    assert browser.get("/setup/not-the-token").status_code == 404
    page = f"/setup/{token}"
    form = {"pharmacy-name": "Riverside Compounding", "pharmacy-address": "12 Mill Street",
            "pharmacy-phone": "(217) 555-0142", "pharmacy-time_zone": "Mars/Olympus",
            "username": "boss", "name": "B. Oss, PharmD", "password": "password1234",
            "pharmacist": "1", "licence": "RPH-1"}
    refused = browser.post(page, data={**form, "csrf_token": csrf(browser, page)})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert 'href="#pharmacy-time_zone">Pharmacy time zone</a>' in text
    assert "pharmacy.time_zone" not in text and "password" not in re.findall(r'value="([^"]*)"',
                                                                            text)
    form.update({"pharmacy-time_zone": "America/Chicago",
                 "password": "violet anchor drifting softly"})
    done = browser.post(page, data={**form, "csrf_token": csrf(browser, page)})
    assert done.status_code == 303
    assert app.config["PROFILE"].pharmacy.name == "Riverside Compounding"
    assert app.config["PROFILE"].settings.time_zone == "America/Chicago"
    assert browser.get(page).status_code == 404  # once
    login(browser, "boss", "violet anchor drifting softly")
    assert browser.get("/admin/users").status_code == 200
    again = create_app({"TESTING": True, "PROFILE": DEFAULT_PROFILE, "CHAIN_KEY": KEY,
                        "DATABASE_URL": f"sqlite:///{tmp_path / 'first.sqlite3'}"})
    assert "setup_token" not in again.extensions  # users exist: no link
    assert again.config["PROFILE"].pharmacy.phone == "(217) 555-0142"  # kept in the database


def test_setup_reports_the_pharmacy_and_the_account_at_once(tmp_path):
    # a bad time zone and a weak password, posted together, are both reported at once (the
    # page used to check the account only once the pharmacy was right: two rounds)
    from compounding.profile import DEFAULT_PROFILE
    from compounding.web import create_app

    from .people import HASHER, KEY

    app = create_app({"TESTING": True, "PROFILE": DEFAULT_PROFILE, "CHAIN_KEY": KEY,
                      "PASSWORD_HASHER": HASHER,
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'first.sqlite3'}"})
    browser = app.test_client()
    page = f"/setup/{app.extensions['setup_token']}"
    refused = browser.post(page, data={
        "csrf_token": csrf(browser, page), "pharmacy-name": "Riverside Compounding",
        "pharmacy-address": "12 Mill Street", "pharmacy-phone": "(217) 555-0142",
        "pharmacy-time_zone": "Mars/Olympus", "username": "b", "name": "B. Oss, PharmD",
        "password": "password1234", "pharmacist": "1", "licence": ""})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    linked = re.findall(r'<li><a href="#([\w-]+)">', text)
    assert linked == ["pharmacy-time_zone", "username", "licence", "password"]
    assert "most common" in text
    assert app.extensions["accounts"].count() == 0 and "setup_token" in app.extensions


def test_admin_adds_a_user_and_a_token_shown_once(app):
    admin = app.test_client()
    login(admin, "admin")
    added = admin.post("/admin/users", data={
        "csrf_token": csrf(admin, "/admin/users"), "username": "new.tech", "name": "N. Tech",
        "password": "violet anchor drifting softly", "roles": ["technician"]})
    assert added.status_code == 303
    made = admin.post("/admin/tokens", data={"csrf_token": csrf(admin, "/admin/tokens"),
                                             "name": "pms", "owner": "new.tech",
                                             "scopes": ["plan"]})
    text = re.search(r"<code>(cw_[^<]+)</code>", made.get_data(as_text=True)).group(1)
    assert text not in admin.get("/admin/tokens").get_data(as_text=True)  # shown once
    from .test_records import ORDER as order

    assert app.test_client().post("/api/v1/plan", json=order, headers={
        "Authorization": f"Bearer {text}"}).status_code == 200
    assert [e.action for e in _events(app) if e.action.startswith(("user_", "token_"))] == [
        "user_add", "token_create"]


def test_the_setup_page_offers_the_time_zones_to_pick(tmp_path):
    from compounding.profile import DEFAULT_PROFILE
    from compounding.web import create_app

    from .people import HASHER, KEY

    app = create_app({"TESTING": True, "PROFILE": DEFAULT_PROFILE, "CHAIN_KEY": KEY,
                      "PASSWORD_HASHER": HASHER,
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'zones.sqlite3'}"})
    page = app.test_client().get(f"/setup/{app.extensions['setup_token']}").get_data(
        as_text=True)
    assert 'id="pharmacy-time_zone" name="pharmacy-time_zone"' in page
    assert 'list="time-zones"' in page and '<option value="America/Chicago">' in page
    app.extensions["records"].engine.dispose()
