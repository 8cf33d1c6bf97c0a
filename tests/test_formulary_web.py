"""The formulary's pages: every record with its versions, one version with every item of the
record and its approvals, what changed between two versions, and a pharmacist's approval of a
draft, which is a signature (the password again; the revision read; refused in plain words when
wrong, stale or not a draft). Plans made by the app follow the pharmacy's approved formulary, so
that a plan and the batch record made from it name the same version."""

from __future__ import annotations

import re

import pytest

from .people import PASSWORD, RPH, csrf
from .test_records import ORDER

TAB = "LDN-CAPS-TAB-MCC"
IDS = ("LDN-CAPS-API-MCC", TAB, "LDN-CAPS-TAB-MCC-IJPC", "LDN-LIQ-01", "LDN-LIQ-1",
       "LDN-LIQ-API-01", "LDN-LIQ-API-1")


def formulary(app):
    return app.extensions["records"].formulary()


def shorter_bud(app, days: int = 90):
    """Version 2 of the tablet capsules, a draft: its BUD ``days`` instead of 180."""
    mfr = formulary(app).entry(TAB, 1).mfr
    changed = mfr.model_copy(update={"version": 2,
                                     "bud": mfr.bud.model_copy(update={"days": days})})
    return formulary(app).save_draft(changed, RPH)


def events(app, action: str):
    return [e for e in app.extensions["audit"].all() if e.action == action]


def page(response) -> str:
    return response.get_data(as_text=True)


def revision_of(html: str) -> str:
    return re.search(r'name="revision" value="(\d+)"', html).group(1)


def test_the_list_names_every_record_and_version(app, client):
    html = page(client.get("/formulary"))
    for mfr_id in IDS:
        assert mfr_id in html
    assert "Approved, in force" in html and "Version 1" in html
    assert '<a href="/formulary">Formulary</a>' in html  # in the top bar
    assert "No record is approved yet" not in html
    assert events(app, "read_formulary")


def test_a_version_shows_every_item_and_its_approval(app, client):
    html = page(client.get(f"/formulary/{TAB}"))
    for text in ("Naltrexone hydrochloride 50 mg tablets", "Microcrystalline cellulose",
                 "q.s. to the capsules&#39; fill weight", "Glass or porcelain mortar and pestle",
                 "<ol><li>Check the worksheet", "Capsules required N = n + e",
                 "Each capsule 90-110 % of the theoretical net fill weight",
                 "180 days from compounding", "USP &lt;795&gt; (2023) Table 4",
                 "May cause vivid dreams.", "Pharmaceutical Compounding - Nonsterile",
                 "Tight, light-resistant container"):
        assert text in html, text
    # the approval: signer, licence, meaning, time in the pharmacy's zone
    assert "R. Okafor, PharmD" in html and "RPH-10234" in html
    assert f"approved master formulation record {TAB} version 1" in html
    assert re.search(r"2026-11-2\d \d\d:\d\d CST", html)
    assert "Sign the approval" not in html  # approved: nothing to sign
    assert page(client.get(f"/formulary/{TAB}?version=1")) .count("Version 1") >= 1
    assert client.get(f"/formulary/{TAB}?version=7").status_code == 404
    assert client.get(f"/formulary/{TAB}?version=one").status_code == 422
    assert client.get("/formulary/NO-SUCH-RECORD").status_code == 404
    assert client.get("/formulary/not an id").status_code == 404
    read = events(app, "read_formulary")[-1]
    assert read.target is not None


def test_the_diff_says_in_words_what_changed(app, client):
    shorter_bud(app)
    html = page(client.get(f"/formulary/{TAB}/diff?from=1&to=2"))
    assert "1 change" in html
    assert "Beyond-use date, days: “180” changed to “90”" in html
    same = page(client.get(f"/formulary/{TAB}/diff?from=2&to=2"))
    assert "The two versions say the same." in same
    by_default = page(client.get(f"/formulary/{TAB}/diff"))
    assert "changed to “90”" in by_default
    assert client.get(f"/formulary/{TAB}/diff?from=1&to=5").status_code == 404
    listed = page(client.get(f"/formulary/{TAB}?version=2"))
    assert "DRAFT — NOT APPROVED" in listed and "From version 1" in listed
    assert "Sign the approval" not in listed  # a technician signs nothing


@pytest.mark.usefixtures("formulary_drafts")
def test_a_pharmacist_approves_a_draft_by_signature(app, pharmacist, client):
    listed = page(pharmacist.get("/formulary"))
    assert "No record is approved yet" in listed and "approve it with your password" in listed
    assert "Ask the pharmacist in charge" in page(client.get("/formulary"))
    # no approved record: the app plans nothing, so that no plan differs from its record
    refused = client.post("/api/v1/plan", json=ORDER)
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["code"] == "MFR_REQUIRED"
    # nor the order form's preview, whose plan would not be the record's
    from .test_web_form import post as form_post

    preview = page(form_post(client))
    assert "MFR_REQUIRED" in preview or "master formulation record" in preview
    assert 'id="preview"' not in preview
    html = page(pharmacist.get(f"/formulary/{TAB}"))
    assert "Approve this version" in html and "DRAFT — NOT APPROVED" in html
    revision = revision_of(html)
    url = f"/formulary/{TAB}/versions/1/approval"

    def post(browser, **fields):
        data = {"csrf_token": csrf(browser, f"/formulary/{TAB}"), "revision": revision,
                "password": PASSWORD, **fields}
        return browser.post(url, data=data)

    wrong = post(pharmacist, password="not the password at all")
    assert wrong.status_code == 403 and "The approval was not signed" in page(wrong)
    assert "the password is not right" in page(wrong) and 'aria-invalid="true"' in page(wrong)
    stale = post(pharmacist, revision=str(int(revision) + 1))
    assert stale.status_code == 409 and "Someone changed this draft" in page(stale)
    missing = post(pharmacist, revision="")
    assert missing.status_code == 428 and "did not say which revision" in page(missing)
    assert post(client).status_code == 403  # a technician does not approve
    expired = pharmacist.post(url, data={"csrf_token": "x", "revision": revision,
                                         "password": PASSWORD})
    assert expired.status_code == 400
    assert formulary(app).entry(TAB, 1).status == "draft"  # nothing signed so far

    done = post(pharmacist)
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/formulary/{TAB}")
    shown = page(pharmacist.get(done.headers["Location"]))
    assert f"Version 1 of {TAB} approved" in shown
    assert "Approved, in force" in shown and "Sign the approval" not in shown
    again = post(pharmacist)
    assert again.status_code == 409 and "never changes" in page(again)
    signed = events(app, "signature")[-1]
    assert signed.target == f"{TAB}@1" and signed.user_id == 2
    assert signed.detail["meaning"] == f"approved master formulation record {TAB} version 1"
    assert [e.action for e in events(app, "signature_failed")] == ["signature_failed"]

    # the batch made afterwards names the version it follows; the plan said the same
    planned = client.post("/api/v1/plan", json=ORDER).get_json()
    made = client.post("/api/v1/records", json=ORDER)
    assert made.status_code == 201, made.get_data(as_text=True)
    assert made.get_json()["plan"]["mfr"]["id"] == planned["mfr"]["id"] == TAB
    assert made.get_json()["plan"]["mfr"]["version"] == planned["mfr"]["version"] == 1


def test_a_new_version_once_approved_is_what_plans_follow(app, client, pharmacist):
    before = client.post("/api/v1/plan", json=ORDER).get_json()
    assert before["mfr"]["version"] == 1
    kept = shorter_bud(app)
    html = page(pharmacist.get(f"/formulary/{TAB}?version=2"))
    assert "the version in force now is superseded" in html
    done = pharmacist.post(f"/formulary/{TAB}/versions/2/approval", data={
        "csrf_token": csrf(pharmacist, f"/formulary/{TAB}"), "revision": kept.revision,
        "password": PASSWORD})
    assert done.status_code == 303
    after = client.post("/api/v1/plan", json=ORDER).get_json()
    assert after["mfr"]["version"] == 2
    assert before["beyond_use_date"] != after["beyond_use_date"]
    record = client.post("/api/v1/records", json=ORDER).get_json()
    assert record["plan"]["mfr"]["version"] == 2
    assert record["plan"]["beyond_use_date"] == after["beyond_use_date"]
    old = page(client.get(f"/formulary/{TAB}?version=1"))
    assert "Superseded by version 2" in old
