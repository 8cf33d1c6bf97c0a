"""A kept batch is planned again on its own compounding date, however long ago: its label, a
reprint of its worksheet, its executed record and an import of it do not fall foul of the window
around today that checks orders as they arrive (COMPOUNDED_ON_OUT_OF_RANGE)."""

from __future__ import annotations

from datetime import timedelta

from .people import csrf, login
from .test_records import BENCH, ORDER, PROFILE, TECH, approve


def test_a_batch_prints_its_label_and_records_months_later(app, pharmacist, compounding_day):
    store = app.extensions["records"]
    lot = store.create(ORDER, PROFILE, TECH).lot_number
    store.enter_bench(lot, BENCH, TECH)
    approve(store, lot)
    compounding_day.shift(timedelta(days=60))  # a reprint two months after the bench work
    login(pharmacist, "rph")
    page = f"/records/{lot}"
    shown = pharmacist.get(page)
    assert shown.status_code == 200 and "COMPOUNDED_ON_OUT_OF_RANGE" not in shown.get_data(
        as_text=True)
    label = pharmacist.post(f"{page}/label.pdf", data={"csrf_token": csrf(pharmacist, page)})
    assert label.status_code == 200 and label.mimetype == "application/pdf"
    for path in (f"{page}/record.pdf", f"{page}/worksheet.pdf"):
        assert pharmacist.get(path).status_code == 200, path
    api = pharmacist.post(f"/api/v1/records/{lot}/label", json={})
    assert api.status_code == 200, api.get_data(as_text=True)[:300]


def test_an_export_imports_months_later(tmp_path, compounding_day):
    from compounding.records import Store

    from .people import KEY

    made = Store.open(f"sqlite:///{tmp_path / 'made.sqlite3'}", KEY)
    lot = made.create(ORDER, PROFILE, TECH).lot_number
    made.enter_bench(lot, BENCH, TECH)
    approve(made, lot)
    exported = list(made.export())
    compounding_day.shift(timedelta(days=90))
    kept = Store.open(f"sqlite:///{tmp_path / 'kept.sqlite3'}", KEY)
    assert kept.import_records(iter(exported)) == 1
    record = kept.get(lot)
    assert record.status == "verified" and not record.archived
    made.engine.dispose()
    kept.engine.dispose()
