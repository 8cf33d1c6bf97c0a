"""``compounding db upgrade``, ``export`` and ``import``, ``users``, ``tokens`` and ``audit``, run
through the command line's entry point in this process: SQLite to PostgreSQL."""

from __future__ import annotations

import json

import pytest

from compounding.profile import DEFAULT_PROFILE
from compounding.records import Store

from .databases import fresh_postgres
from .helpers import assert_error_body
from .people import KEY, TECH
from .test_formulary_cli import run  # in this process, through compounding.cli.main
from .test_records import BENCH, ORDER

pytestmark = pytest.mark.real_clock


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
        assert refused.returncode == 3  # 409: refused, not an invalid input
        errors = assert_error_body(json.loads(refused.stderr), 409)
        assert errors[0]["code"] == "LOT_NUMBER_TAKEN" and errors[0]["field"] == "lines[0]"


def test_import_bad_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"lot_number": 1}\n', encoding="utf-8")
    done = run("import", str(bad), "--database", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert_error_body(json.loads(done.stderr), 422)


def test_users_tokens_and_audit_commands(tmp_path):
    url = f"sqlite:///{tmp_path / 'people.sqlite3'}"
    added = run("users", "add", "R.Okafor", "--name", "R. Okafor, PharmD", "--roles",
                "pharmacist,technician", "--licence", "RPH-10234", "--password-stdin",
                "--database", url, stdin="violet anchor drifting softly\n")
    assert added.returncode == 0, added.stderr
    weak = run("users", "add", "weak", "--password-stdin", "--database", url,
               stdin="password1234\n")
    assert weak.returncode == 2
    assert assert_error_body(json.loads(weak.stderr), 422)[0]["code"] == "WEAK_PASSWORD"
    listed = run("users", "list", "--database", url).stdout
    assert "r.okafor\tR. Okafor, PharmD\tpharmacist,technician\tRPH-10234\tactive" in listed
    made = run("tokens", "create", "pms", "--owner", "r.okafor", "--scopes",
               "plan,records:read", "--database", url)
    assert made.returncode == 0 and made.stdout.startswith("cw_")
    assert "shown once" in made.stderr
    assert "pms\tr.okafor\tplan,records:read\tlive" in run("tokens", "list", "--database",
                                                           url).stdout
    assert run("tokens", "revoke", "pms", "--database", url).returncode == 0
    assert run("users", "disable", "r.okafor", "--database", url).returncode == 0
    audit = run("audit", "--database", url)
    actions = [json.loads(line)["action"] for line in audit.stdout.splitlines()]
    assert actions == ["user_add", "token_create", "token_revoke", "user_disable"]


def test_serve_prints_the_setup_link_on_first_start(tmp_path):
    import os
    import shutil
    import subprocess
    import sys
    import time

    from .service import free_port

    port = free_port()
    exe = shutil.which("compounding")
    command = [exe] if exe else [sys.executable, "-m", "compounding.cli"]
    env = {**os.environ, "COMPOUNDING_DATABASE_URL": f"sqlite:///{tmp_path / 'new.sqlite3'}",
           "COMPOUNDING_CHAIN_KEY": KEY.decode()}
    server = subprocess.Popen([*command, "serve", "--port", str(port)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any("/setup/" in x for x in lines):
            lines.append(server.stdout.readline())
        link = next(x.strip() for x in lines if "/setup/" in x)
        assert link.startswith(f"http://127.0.0.1:{port}/setup/")
        from .service import request

        for _ in range(100):
            try:
                status, _, body = request(port, "GET", link.split(str(port), 1)[1])
                break
            except OSError:
                time.sleep(0.1)
        assert status == 200 and b"Set up the workbench" in body
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stdout.close()


def test_an_export_over_an_existing_file_is_private(tmp_path):
    # an export to an existing file kept that file's mode (0644): patient data for everyone
    source = f"sqlite:///{tmp_path / 'records.sqlite3'}"
    assert run("db", "upgrade", "--database", source).returncode == 0
    dump = tmp_path / "records.jsonl"
    dump.write_text("old\n", encoding="utf-8")
    dump.chmod(0o644)
    assert run("export", "--database", source, "-o", str(dump)).returncode == 0
    assert dump.stat().st_mode & 0o777 == 0o600 and dump.read_text(encoding="utf-8") == ""
