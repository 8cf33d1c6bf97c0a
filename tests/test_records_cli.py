"""``compounding db upgrade``, ``export`` and ``import``, as processes: SQLite to PostgreSQL."""

from __future__ import annotations

import json

from compounding.profile import DEFAULT_PROFILE
from records import Store

from .databases import fresh_postgres
from .helpers import assert_error_body
from .people import KEY, TECH
from .test_cli import run
from .test_records import BENCH, ORDER


def test_upgrade_export_import(tmp_path):
    source = f"sqlite:///{tmp_path / 'records.sqlite3'}"
    done = run("db", "upgrade", "--database", source)
    assert done.returncode == 0 and "0 batches" in done.stdout
    store = Store.open(source, KEY)
    lot = store.create(ORDER, DEFAULT_PROFILE, TECH).lot_number
    store.enter_bench(lot, BENCH, TECH)
    store.create(ORDER, DEFAULT_PROFILE, TECH)
    dump = tmp_path / "records.jsonl"
    assert run("export", "--database", source, "-o", str(dump)).returncode == 0
    lines = dump.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and json.loads(lines[0])["revisions"][1]["action"] == "bench"
    with fresh_postgres() as target:
        done = run("import", str(dump), "--database", target)
        assert done.returncode == 0 and "imported 2 records" in done.stdout
        again = run("export", "--database", target)
        assert again.stdout.splitlines() == lines
        refused = run("import", str(dump), "--database", target)
        assert refused.returncode == 2
        errors = assert_error_body(json.loads(refused.stderr), 409)
        assert errors[0]["code"] == "LOT_NUMBER_TAKEN" and errors[0]["field"] == "lines[0]"


def test_import_bad_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"lot_number": 1}\n', encoding="utf-8")
    done = run("import", str(bad), "--database", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert_error_body(json.loads(done.stderr), 422)
