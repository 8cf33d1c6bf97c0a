"""The access log: one line per request with its request id and user, and no patient data."""

from __future__ import annotations

import logging
import re

from .test_records import ORDER


def lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "compounding.access"]


def test_one_line_per_request_without_patient_data(client, caplog):
    with caplog.at_level(logging.INFO, logger="compounding.access"):
        planned = client.post("/api/v1/plan", json=ORDER)  # Jane Q. Public in the body
        searched = client.get("/api/v1/records?rx_number=100234&lot_number=SECRET-1")
        missing = client.get("/api/v1/records/NO-SUCH")
    assert (planned.status_code, searched.status_code, missing.status_code) == (200, 200, 404)
    plan_line, search_line, missing_line = lines(caplog)[-3:]
    user = re.search(r"user=(\d+)", plan_line).group(1)
    assert re.fullmatch(rf"POST /api/v1/plan 200 [0-9.]+ms id={planned.headers['X-Request-Id']}"
                        rf" user={user}", plan_line)
    assert search_line.startswith("GET /api/v1/records 200 ")  # no query string
    assert missing_line.startswith("GET /api/v1/records/NO-SUCH 404 ")
    logged = "\n".join(lines(caplog))
    assert "Jane" not in logged and "SECRET" not in logged and "100234" not in logged


def test_the_request_id_comes_back(client, caplog):
    with caplog.at_level(logging.INFO, logger="compounding.access"):
        kept = client.get("/healthz", headers={"X-Request-Id": "proxy-7f3a"})
        replaced = client.get("/healthz", headers={"X-Request-Id": "has spaces " * 10})
    assert kept.headers["X-Request-Id"] == "proxy-7f3a"
    assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["X-Request-Id"])
    assert re.fullmatch(r"GET /healthz 200 [0-9.]+ms id=proxy-7f3a user=(\d+|-)", lines(caplog)[-2])


def test_the_setup_link_is_not_logged(app, caplog):
    # the one-time setup link was written to the access log: whoever reads the log could
    # make the first administrator
    with caplog.at_level(logging.INFO, logger="compounding.access"):
        app.test_client().get("/setup/Zx9-a-secret-token")
    [line] = [entry for entry in lines(caplog) if entry.startswith("GET /setup/")]
    assert "Zx9-a-secret-token" not in line and line.startswith("GET /setup/… ")
