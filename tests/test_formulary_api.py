"""``/api/v1/formulary``: the records listed with their versions, one version with its ETag,
the inspector's PDF, a new draft version, and the approval, a signature like a batch's
verification (If-Match required; a stale revision or a version that is not a draft refused)."""

from __future__ import annotations

import pytest

from . import pdf
from .people import signature
from .test_formulary_web import IDS, TAB, events, formulary
from .test_web_api import check_error

BUD_90 = {"days": 90}


def version_two(app, **bud):
    """Version 1 of the tablet capsules as JSON, made version 2 with ``bud`` changed."""
    body = formulary(app).entry(TAB, 1).mfr.model_dump(mode="json")
    return {**body, "version": 2, "bud": {**body["bud"], **(bud or BUD_90)}}


def test_the_list_gives_every_record_with_its_versions(client):
    body = client.get("/api/v1/formulary").get_json()
    listed = {r["id"]: r for r in body["formulary"]}
    assert set(listed) == set(IDS)
    tab = listed[TAB]
    assert tab["form"] == "capsules" and tab["source_kind"] == "tablets" and tab["default"]
    assert tab["in_force"] == 1
    [version] = tab["versions"]
    assert version["status"] == "approved" and len(version["digest"]) == 64
    assert version["approval"]["name"] == "R. Okafor, PharmD"
    assert version["approval"]["licence"] == "RPH-10234"


def test_one_version_with_its_etag(app, client):
    response = client.get(f"/api/v1/formulary/{TAB}")
    body = response.get_json()
    assert response.status_code == 200 and response.headers["ETag"] == f'"{body["revision"]}"'
    assert body["mfr"]["id"] == TAB and body["mfr"]["version"] == 1
    assert body["status"] == "approved" and body["approval"]["meaning"].startswith("approved")
    assert client.get(f"/api/v1/formulary/{TAB.lower()}?version=1").get_json() == body
    check_error(client.get(f"/api/v1/formulary/{TAB}?version=2"), 404)
    check_error(client.get(f"/api/v1/formulary/{TAB}?version=0"), 422)
    check_error(client.get("/api/v1/formulary/NOPE"), 404)
    assert events(app, "read_formulary")[-1].target == f"{TAB}@1"


def test_the_pdf_is_the_inspectors_copy(app, client, tmp_path):
    response = client.get(f"/api/v1/formulary/{TAB}@1.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf.text(response.data)
    entry = formulary(app).entry(TAB, 1)
    for words in ("Master formulation record", entry.mfr.name, "Ingredients", "Method",
                  "1. Check the worksheet", "Quality control", "180 days from compounding",
                  "USP <795> (2023) Table 4", "Label cautions", "References", "Approval",
                  "R. Okafor, PharmD", "RPH-10234",
                  f"approved master formulation record {TAB} version 1", "CST",
                  "Version history", entry.digest, "Riverside"):
        assert words in text, words
    assert "DRAFT" not in text
    images = pdf.render(response.data, tmp_path)
    assert all(pdf.ink(image) > 0.01 for image in images)
    assert not pdf.overlaps(response.data)
    assert events(app, "formulary_print")[-1].target == f"{TAB}@1"
    check_error(client.get(f"/api/v1/formulary/{TAB}@9.pdf"), 404)


@pytest.mark.usefixtures("formulary_drafts")
def test_a_drafts_pdf_says_so_and_prints_what_was_typed(app, client):
    text = pdf.text(client.get(f"/api/v1/formulary/{TAB}@1.pdf").data)
    assert text.count("DRAFT — NOT APPROVED") >= 2 and "Not approved" in text
    body = formulary(app).entry(TAB, 1).mfr.model_dump(mode="json")
    odd = '<b>Bold</b> & "Co" <img src="http://x">'
    saved = client.post("/api/v1/formulary", json={**body, "name": odd},
                        headers={"If-Match": '"1"'})
    assert saved.status_code == 200, saved.get_json()
    assert odd in pdf.text(client.get(f"/api/v1/formulary/{TAB}@1.pdf").data)


def test_a_new_draft_version_and_its_changes(app, client):
    made = client.post("/api/v1/formulary", json=version_two(app))
    body = made.get_json()
    assert made.status_code == 201, body
    assert body["status"] == "draft" and body["mfr"]["version"] == 2
    assert body["mfr"]["bud"]["days"] == 90 and made.headers["ETag"] == '"1"'
    assert made.headers["Location"] == f"/api/v1/formulary/{TAB}?version=2"
    again = client.post("/api/v1/formulary", json=version_two(app))
    assert again.status_code == 200 and again.headers["ETag"] == '"1"'  # nothing changed
    changed = client.post("/api/v1/formulary", json=version_two(app, days=60),
                          headers={"If-Match": '"1"'})
    assert changed.status_code == 200 and changed.headers["ETag"] == '"2"'
    stale = check_error(client.post("/api/v1/formulary", json=version_two(app, days=30),
                                    headers={"If-Match": '"1"'}), 409)
    assert stale[0]["code"] == "STALE_REVISION"
    approved = {**version_two(app), "version": 1}
    assert check_error(client.post("/api/v1/formulary", json=approved),
                       409)[0]["code"] == "MFR_VERSION_APPROVED"
    third = {**version_two(app), "version": 3}
    assert check_error(client.post("/api/v1/formulary", json=third),
                       409)[0]["code"] == "MFR_DRAFT_OPEN"
    check_error(client.post("/api/v1/formulary", json={**version_two(app), "days": 3}), 422)
    check_error(client.post("/api/v1/formulary", data="{}", content_type="text/plain"), 415)
    assert events(app, "formulary_draft")[0].target == f"{TAB}@2"
    listing = {r["id"]: r for r in client.get("/api/v1/formulary").get_json()["formulary"]}
    assert [v["status"] for v in listing[TAB]["versions"]] == ["approved", "draft"]


def test_the_approval_is_a_signature(app, client, pharmacist):
    made = client.post("/api/v1/formulary", json=version_two(app))
    url = f"/api/v1/formulary/{TAB}/versions/2/approval"
    signed = {"signature": signature("rph")}
    etag = {"If-Match": made.headers["ETag"]}
    assert check_error(pharmacist.post(url, json=signed), 428)[0]["code"] == (
        "PRECONDITION_REQUIRED")
    wrong = {"signature": signature("rph", "not the password at all")}
    assert check_error(pharmacist.post(url, json=wrong, headers=etag),
                       403)[0]["code"] == "SIGNATURE_FAILED"
    assert check_error(client.post(url, json=signed, headers=etag),
                       403)[0]["code"] == "FORBIDDEN"  # a technician
    assert check_error(pharmacist.post(url, json=signed, headers={"If-Match": '"7"'}),
                       409)[0]["code"] == "STALE_REVISION"
    check_error(pharmacist.post(url, json={**signed, "note": "x"}, headers=etag), 422)
    done = pharmacist.post(url, json=signed, headers=etag)
    body = done.get_json()
    assert done.status_code == 200 and body["status"] == "approved"
    assert body["approval"]["name"] == "R. Okafor, PharmD"
    assert done.headers["ETag"] == f'"{body["revision"]}"'
    again = pharmacist.post(url, json=signed, headers={"If-Match": done.headers["ETag"]})
    assert check_error(again, 409)[0]["code"] == "MFR_NOT_DRAFT"
    old = client.get(f"/api/v1/formulary/{TAB}?version=1").get_json()
    assert old["status"] == "superseded"
    event = events(app, "signature")[-1]
    assert event.target == f"{TAB}@2" and event.detail["meaning"].endswith("version 2")
    # a batch made afterwards names the version it follows, and keeps its BUD
    record = client.post("/api/v1/records", json={**_order(), "lot_number": "MFR-V2"})
    assert record.get_json()["plan"]["mfr"]["version"] == 2


def _order():
    from .test_records import ORDER

    return ORDER


def test_tokens_read_and_write_as_their_scopes_allow(app):
    accounts = app.extensions["accounts"]
    browser = app.test_client()

    def bearer(owner: str, scope: str) -> dict[str, str]:
        text = accounts.create_token(f"{owner}-{scope.replace(':', '-')}", owner, [scope],
                                     consent=True)[1]
        return {"Authorization": f"Bearer {text}"}

    reader = bearer("tech", "records:read")
    assert browser.get("/api/v1/formulary", headers=reader).status_code == 200
    check_error(browser.post("/api/v1/formulary", json=version_two(app), headers=reader), 403)
    writer = bearer("tech", "records:write")
    made = browser.post("/api/v1/formulary", json=version_two(app), headers=writer)
    assert made.status_code == 201
    url = f"/api/v1/formulary/{TAB}/versions/2/approval"
    signed = {"signature": signature("rph")}
    etag = {"If-Match": made.headers["ETag"]}
    check_error(browser.post(url, json=signed, headers={**writer, **etag}), 403)
    pharmacy_system = bearer("rph", "records:write")
    check_error(browser.post(url, json={"signature": signature("tech")},
                             headers={**pharmacy_system, **etag}), 403)  # not a pharmacist
    done = browser.post(url, json=signed, headers={**pharmacy_system, **etag})
    assert done.status_code == 200 and done.get_json()["status"] == "approved"
