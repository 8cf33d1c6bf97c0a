"""Who may reach what: every route of the app's URL map × every kind of caller.

The expected table is written here by hand, independently of ``web.auth.ACCESS``, and the test
first checks it names exactly the endpoints of the URL map: a new route fails this test until
someone decides who may use it. Callers: nobody, a technician, a pharmacist, an administrator
(each signed in), and pharmacy-system tokens of each scope, owned by a pharmacist or by a
technician. Allowed means anything but 401 and 403 (a missing body is 400, 415 or 422);
refused means 401 (API) or a redirect to sign in (pages) for nobody, 403 otherwise.
"""

from __future__ import annotations

import re

import pytest

from .people import login

T, P, A = "technician", "pharmacist", "admin"
PUBLIC = "public"
SIGNED_IN = "anyone signed in"
# endpoint -> the role it needs, and the token scope that reaches it (None: pages only)
EXPECTED: dict[str, tuple[str, str | None]] = {
    "static": (PUBLIC, None), "api.healthz": (PUBLIC, None),
    "api.openapi_json": (PUBLIC, None), "auth.login": (PUBLIC, None),
    "auth.logout": (PUBLIC, None), "setup.setup": (PUBLIC, None),
    "api.plan": (T, "plan"), "api.label": (T, "plan"), "api.worksheet": (T, "records:write"),
    "records_api.search": (T, "records:read"), "records_api.search_by_post": (T, "records:read"),
    "records_api.read": (T, "records:read"), "records_api.revision": (T, "records:read"),
    "records_api.worksheet": (T, "records:read"), "records_api.recall": (T, "records:read"),
    "records_api.executed": (T, "records:read"), "records.executed": (T, None),
    "records_api.bench": (T, "records:write"), "records_api.correction": (T, "records:write"),
    "records_api.verification": (P, "records:write"),
    "records_api.acknowledgement": (P, "records:write"),
    "records_api.scrap": (P, "records:write"), "records_api.label": (P, "labels:print"),
    "integration_api.create": (T, "records:write"), "integration_api.events": (T, "records:read"),
    "api.create_kit": (T, "records:write"), "api.read_kit": (T, "records:read"),
    "api.kit_label": (P, "labels:print"), "api.kit_calendar": (T, "records:read"),
    "api.kit_leaflet": (T, "records:read"),
    "integration_api.log": (T, "records:read"),
    "fhir_api.medication_request": (T, "plan"), "fhir_api.dispense": (T, "records:read"),
    "formulary_api.listing": (T, "records:read"), "formulary_api.read": (T, "records:read"),
    "formulary_api.pdf": (T, "records:read"), "formulary_api.draft": (T, "records:write"),
    "formulary_api.approval": (P, "records:write"),
    "formulary.index": (T, None), "formulary.show": (T, None), "formulary.changes": (T, None),
    "formulary.approve": (P, None),
    "form.index": (T, None), "form.preview": (T, None), "form.create_batch": (T, None),
    "form.discard_draft": (T, None),
    "records.index": (T, None), "records.search": (T, None), "records.show": (T, None),
    "records.worksheet": (T, None), "records.bench": (T, None), "records.correction": (T, None),
    "records.verification": (P, None), "records.acknowledgement": (P, None),
    "records.scrap": (P, None), "records.label": (P, None),
    "kits.show": (T, None), "kits.label": (P, None), "kits.calendar": (T, None),
    "kits.leaflet": (T, None),
    "inventory.index": (T, None), "inventory.receive": (T, None), "inventory.show": (T, None),
    "inventory.quarantine": (P, None), "inventory.lots_json": (T, None),
    "inventory.quarantine_json": (T, None),
    "admin.users": (A, None), "admin.add_user": (A, None), "admin.change_user": (A, None),
    "admin.tokens": (A, None), "admin.create_token": (A, None),
    "admin.revoke_token": (A, None), "admin.audit": (A, None),
    "settings.index": (A, None), "settings.save": (A, None),
    "equipment.index": (A, None), "equipment.save": (A, None),
    "account.password": (SIGNED_IN, None),
    "queue.index": (T, None),
}
ROLES = {"tech": {T}, "rph": {P, T}, "admin": {A}}
VALUES = {"lot": "LOT-ACCESS", "number": "1", "username": "tech", "name": "nothing",
          "token": "not-the-setup-token", "filename": "app.css",
          "record_id": "LDN-CAPS-TAB-MCC", "version": "1"}


def routes(app):
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: VALUES[m.group(1)], rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, path


def test_the_table_names_every_route(app):
    assert {endpoint for endpoint, _, _ in routes(app)} == set(EXPECTED)


def _callers(app):
    """Name -> (client, headers, roles, scopes or None for a session)."""
    callers = {"nobody": (app.test_client(), {}, set(), None)}
    for username, roles in ROLES.items():
        client = app.test_client()
        login(client, username)
        callers[username] = (client, {}, roles, None)
    accounts = app.extensions["accounts"]
    for owner in ("rph", "tech"):
        for scope in ("plan", "records:read", "records:write", "labels:print"):
            if scope == "labels:print" and owner == "tech":
                continue  # refused when made: a technician's token cannot print
            text = accounts.create_token(f"{owner}-{scope.replace(':', '-')}", owner,
                                         [scope], consent=True)[1]
            callers[f"token {owner} {scope}"] = (app.test_client(),
                                                 {"Authorization": f"Bearer {text}"},
                                                 ROLES[owner], {scope})
    return callers


def _expected(endpoint: str, path: str, roles: set[str], scopes: set[str] | None) -> str:
    role, scope = EXPECTED[endpoint]
    if role == PUBLIC:
        return "allowed"
    api = path.startswith("/api/")
    if scopes is not None and not api:
        return "sign in"  # a token reaches the API only
    if not roles:
        return "401" if api else "sign in"
    if role == SIGNED_IN:
        return "allowed"
    if role not in roles or (scopes is not None and scope not in scopes):
        return "403"
    return "allowed"


def test_every_route_for_every_caller(app, client):
    from .test_records import ORDER

    client.post("/api/v1/worksheet", json={**ORDER, "lot_number": VALUES["lot"]})
    callers = _callers(app)
    checked = 0
    # signing out last: it ends the caller's session
    for endpoint, method, path in sorted(routes(app), key=lambda r: r[0] == "auth.logout"):
        for name, (browser, headers, roles, scopes) in callers.items():
            response = browser.open(path, method=method, headers=headers)
            expected = _expected(endpoint, path, roles, scopes)
            got = response.status_code
            where = f"{method} {path} as {name}: {got}"
            if expected == "allowed":
                assert got not in (401, 403), where
                assert not (got == 303 and "/login" in response.headers.get("Location", "")
                            and endpoint != "auth.logout"), where
            elif expected == "sign in":
                assert got == 303 and "/login" in response.headers["Location"], where
            else:
                assert got == int(expected), where
                if path.startswith("/api/"):
                    assert response.get_json()["errors"][0]["code"] == (
                        "UNAUTHENTICATED" if got == 401 else "FORBIDDEN"), where
            response.close()
            checked += 1
    assert checked >= 40 * len(callers)


@pytest.mark.parametrize("header", ["Bearer cw_000000000000_" + "x" * 43, "Bearer nonsense",
                                    "Basic dGVjaDpwYXNzd29yZA=="])
def test_a_wrong_token_is_401(app, header):
    response = app.test_client().get("/api/v1/records", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json()["errors"][0]["code"] == "UNAUTHENTICATED"


def test_a_revoked_token_or_disabled_owner_is_401(app):
    accounts = app.extensions["accounts"]
    text = accounts.create_token("pms", "tech", ["records:read"])[1]
    browser = app.test_client()
    bearer = {"Authorization": f"Bearer {text}"}
    assert browser.get("/api/v1/records", headers=bearer).status_code == 200
    accounts.revoke_token("pms")
    assert browser.get("/api/v1/records", headers=bearer).status_code == 401
    other = accounts.create_token("pms2", "tech", ["records:read"])[1]
    accounts.disable("tech")
    assert browser.get("/api/v1/records",
                       headers={"Authorization": f"Bearer {other}"}).status_code == 401


def test_a_pharmacist_without_the_technician_role_reads_what_it_signs(app):
    # 403 on the record, 200 on its approval: a signer could not read what it signed
    from .people import PASSWORD, login
    from .test_records import BENCH, ORDER, PROFILE, TECH

    app.extensions["accounts"].add("rphonly", "P. Only, PharmD", PASSWORD, ["pharmacist"],
                                   "RPH-30001", own=True)
    store = app.extensions["records"]
    lot = store.create(ORDER, PROFILE, TECH).lot_number
    store.enter_bench(lot, BENCH, TECH)
    browser = app.test_client()
    login(browser, "rphonly")
    assert browser.get(f"/records/{lot}").status_code == 200
    assert browser.get(f"/api/v1/records/{lot}").status_code == 200
    assert browser.get("/").status_code == 200
