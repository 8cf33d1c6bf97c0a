"""The ``compounding`` console script, run as a process, as a user runs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from . import pdf
from .helpers import assert_error_body, make_order
from .people import KEY

pytestmark = pytest.mark.real_clock

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def run(*args: str, stdin: str | None = None,
        on: str | None = None) -> subprocess.CompletedProcess[str]:
    """``compounding ARGS``; ``on`` (``YYYY-MM-DD HH:MM:SS``, UTC) runs it on that day
    (``tests/on-day``, faketime)."""
    exe = shutil.which("compounding")
    command = [exe] if exe else [sys.executable, "-m", "compounding.cli"]
    if on is not None:
        command = ["bash", str(SAMPLES.parent / "tests" / "on-day"), on, *command]
    env = {**os.environ, "COMPOUNDING_CHAIN_KEY": KEY.decode()}
    if on is not None:  # the day given, not one faked around it (a shifted CI run)
        env = {k: v for k, v in env.items() if not k.startswith(("FAKETIME", "LD_PRELOAD"))}
    return subprocess.run([*command, *args], input=stdin, capture_output=True, text=True,
                          timeout=60, check=False, env=env)


SAMPLES_DAY = "2026-11-22 16:00:00"
"""The day the golden files were made on (samples/rebuild): 10:00 in Springfield, IL."""


def test_plan_file():
    done = run("plan", str(SAMPLES / "usual-4.5mg.order.json"), on=SAMPLES_DAY)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == json.loads(
        (SAMPLES / "usual-4.5mg.plan.json").read_text(encoding="utf-8"))


def test_plan_stdin():
    done = run("plan", "-", stdin=json.dumps(make_order()))
    assert done.returncode == 0 and json.loads(done.stdout)["tablets"] == 3


@pytest.mark.parametrize(
    ("stdin", "status"), [("{", 400), (json.dumps(make_order(quantity=0)), 422)])
def test_invalid_order_exit_2(stdin, status):
    done = run("plan", "-", stdin=stdin)
    assert done.returncode == 2 and done.stdout == ""
    assert_error_body(json.loads(done.stderr), status)
    assert "Traceback" not in done.stderr


def test_missing_file():
    done = run("plan", "/nonexistent/order.json")
    assert done.returncode == 2
    errors = assert_error_body(json.loads(done.stderr), 400)
    assert "cannot read" in errors[0]["message"]
    assert (errors[0]["code"], errors[0]["field"]) == ("FILE_NOT_FOUND", "order")  # not JSON's


def test_no_command_prints_the_help():
    for command in ([], ["-m", "compounding"]):
        done = (run() if not command else subprocess.run(
            [sys.executable, *command], capture_output=True, text=True, timeout=60,
            check=False))
        assert done.returncode == 0 and "usage: compounding" in done.stdout, done.stderr
        assert "plan" in done.stdout and done.stderr == ""


def test_help_explains_every_command():
    done = run("--help")
    assert done.returncode == 0
    for command in ("plan", "worksheet", "label"):
        assert command in done.stdout
    assert run("plan", "--help").returncode == 0
    assert run("no-such-command").returncode == 2


def test_worksheet_and_label_files(tmp_path):
    order = SAMPLES / "opioid-percocet.order.json"
    for command in ("worksheet", "label"):
        target = tmp_path / f"{command}.pdf"
        done = run(command, str(order), "-o", str(target), "--profile",
                   str(SAMPLES / "pharmacy.toml"), on=SAMPLES_DAY)
        assert done.returncode == 0, done.stderr
        assert target.read_bytes() == (SAMPLES / f"opioid-percocet.{command}.pdf").read_bytes()


def test_label_refused_exit_3(tmp_path):
    # exit 2 meant an invalid order, a refused label and a bad file alike
    order = make_order(rx_number="1", directions="Take 1", patient={"name": "A"},
                       prescriber={"name": "Dr. B"}, concurrent_medications=["Percocet"])
    target = tmp_path / "label.pdf"
    done = run("label", "-", "-o", str(target), "--profile", str(SAMPLES / "pharmacy.toml"),
               stdin=json.dumps(order))
    assert done.returncode == 3 and not target.exists()
    assert_error_body(json.loads(done.stderr), 409)


def test_a_label_needs_the_pharmacy_name_address_and_phone(tmp_path):
    # the default profile printed "Address not set (pharmacy.toml)" on patient labels, and a
    # profile without a name printed "Compounding Pharmacy"
    order = make_order(rx_number="1", directions="Take 1", patient={"name": "A"},
                       prescriber={"name": "Dr. B"})
    target = tmp_path / "label.pdf"
    done = run("label", "-", "-o", str(target), stdin=json.dumps(order))
    assert done.returncode == 2 and not target.exists()
    errors = assert_error_body(json.loads(done.stderr), 422)
    assert [(e["code"], e["field"]) for e in errors] == [
        ("FIELD_REQUIRED", "pharmacy.name"), ("FIELD_REQUIRED", "pharmacy.address"),
        ("FIELD_REQUIRED", "pharmacy.phone")]
    assert "profile" in errors[0]["message"]


def test_a_label_from_an_order_is_a_proof(tmp_path):
    # a label printed from an order alone, for a batch that may never have been made
    target = tmp_path / "label.pdf"
    done = run("label", str(SAMPLES / "usual-4.5mg.order.json"), "-o", str(target),
               "--profile", str(SAMPLES / "pharmacy.toml"), on=SAMPLES_DAY)
    assert done.returncode == 0, done.stderr
    assert "PROOF — NOT FOR DISPENSING" in pdf.text(target.read_bytes())


def test_bad_profile_exit_2(tmp_path):
    profile = tmp_path / "bad.toml"
    profile.write_text("[pharmacy]\ncolour = 1\n", encoding="utf-8")
    done = run("plan", str(SAMPLES / "usual-4.5mg.order.json"), "--profile", str(profile))
    assert done.returncode == 2
    errors = assert_error_body(json.loads(done.stderr), 422)
    assert errors[0]["field"] == "profile.pharmacy.colour"


def test_unwritable_output():
    done = run("worksheet", str(SAMPLES / "usual-4.5mg.order.json"), "-o", "/nonexistent/x.pdf",
               on=SAMPLES_DAY)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert_error_body(json.loads(done.stderr), 400)


def test_version_and_python_m():
    # there was no --version and no python -m compounding
    from importlib.metadata import version

    done = subprocess.run([sys.executable, "-m", "compounding", "--version"],
                          capture_output=True, text=True, timeout=60)
    expected = f"compounding {version('compounding-workbench')}\n"
    assert (done.returncode, done.stdout) == (0, expected)
    done = subprocess.run([sys.executable, "-m", "compounding", "plan", "-"], input="{}",
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "FIELD_REQUIRED" in done.stderr


def test_serve_on_a_port_another_program_holds_says_so(tmp_path, monkeypatch):
    """Not an internal error asking for the order that caused it: the port, and what to do."""
    import io
    import socket

    from compounding.cli import main

    monkeypatch.setenv("COMPOUNDING_DATA_DIR", str(tmp_path))
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        out, err = io.StringIO(), io.StringIO()
        assert main(["serve", "--port", str(port)], out=out, err=err) == 2
    assert '"code": "PORT_UNAVAILABLE"' in err.getvalue() and "--port" in err.getvalue()
    assert "/setup/" not in out.getvalue()  # no setup link for a service that never started
