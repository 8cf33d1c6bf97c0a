"""A half-typed order survives the 15-minute sign-out: the server keeps the order form's fields
for the person typing them (never the browser's storage), and a page warns a minute before."""

from __future__ import annotations

import re
from datetime import timedelta

from .people import csrf, login
from .test_web_form import FORM, post


def _form_values(page: str) -> dict[str, str]:
    return dict(re.findall(r'id="([\w.]+)"[^>]*value="([^"]*)"', page))


def test_an_order_posted_after_the_sign_out_is_kept_for_after_sign_in(app, client,
                                                                        compounding_day):
    page = client.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    compounding_day.shift(timedelta(minutes=16))  # typing the order took 16 minutes
    sent = client.post("/", data={**FORM, "patient.name": "Ann Example", "strength": "3",
                                  "csrf_token": token})
    assert sent.status_code == 303 and "/login" in sent.headers["Location"]
    notice = client.get("/login").get_data(as_text=True)
    assert "The order you were typing was kept" in notice
    login(client, "tech")
    back = client.get("/").get_data(as_text=True)
    assert "was kept and is back in the form" in back
    values = _form_values(back)
    assert values["patient.name"] == "Ann Example" and values["strength"] == "3"
    assert values["rx_number"] == FORM["rx_number"]


def test_a_preview_keeps_the_draft_a_batch_or_discard_ends_it(app, client, pharmacist):
    post(client, **{"patient.name": "Bea Example"})
    assert "Bea Example" in client.get("/").get_data(as_text=True)
    assert "Bea Example" not in pharmacist.get("/").get_data(as_text=True)  # one's own only
    client.post("/drafts/discard", data={"csrf_token": csrf(client, "/")})
    page = client.get("/").get_data(as_text=True)
    assert "Bea Example" not in page and "was kept" not in page
    post(client, **{"patient.name": "Cy Example"})
    made = post(client, "/batch", **{"patient.name": "Cy Example"})
    assert made.status_code == 303 and "/records/" in made.headers["Location"]
    assert "Cy Example" not in client.get("/").get_data(as_text=True)


def test_a_forged_discard_discards_nothing(client):
    post(client, **{"patient.name": "Di Example"})
    client.post("/drafts/discard", data={"csrf_token": "forged"})
    assert "Di Example" in client.get("/").get_data(as_text=True)


def test_every_signed_in_page_warns_a_minute_before_the_sign_out(client, app):
    page = client.get("/queue").get_data(as_text=True)
    assert 'class="idle-warning"' in page and "signed out in a minute" in page
    served = app.test_client().get("/static/app.css")
    css = served.get_data(as_text=True)
    served.close()
    assert "animation: idle-warning 1ms linear 840s forwards" in css  # 14 of the 15 minutes
    assert 'class="idle-warning"' not in app.test_client().get("/login").get_data(as_text=True)
