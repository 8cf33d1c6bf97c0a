"""``compounding formulary list|show|approve|pdf|draft`` on a fresh database whose formulary is
the drafts as seeded: a pharmacist approves with her password on standard input; errors are the
API's error body on standard error, with the other commands' exit statuses. The commands run in
this process, through the command line's own entry point (``compounding.cli.main``), with
their own standard streams; one runs as a process of its own, as a shell starts it."""

from __future__ import annotations

import io
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from compounding.formulary import seeded

from . import pdf
from .helpers import assert_error_body
from .people import KEY
from .test_cli import run as run_process


def run(*args: str, stdin: str | None = None) -> SimpleNamespace:
    """``compounding ARGS`` through :func:`compounding.cli.main`: its exit status, standard
    output and standard error, as a process's."""
    from compounding.cli import main

    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COMPOUNDING_CHAIN_KEY", KEY.decode())
        try:
            code = main(list(args), out=out, err=err, stdin=io.StringIO(stdin or ""))
        except SystemExit as exc:  # argparse's own refusals
            code = exc.code if isinstance(exc.code, int) else 2
    return SimpleNamespace(returncode=code, stdout=out.getvalue(), stderr=err.getvalue())

pytestmark = [pytest.mark.real_clock, pytest.mark.usefixtures("formulary_drafts")]
TAB = "LDN-CAPS-TAB-MCC"
PAULA = "copper lantern over the weir"


@pytest.fixture
def database(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'records.sqlite3'}"
    added = run("users", "add", "paula", "--name", "P. Aula, PharmD", "--roles", "pharmacist",
                "--licence", "RPH-77001", "--password-stdin", "--database", url,
                stdin=PAULA + "\n")  # the first account: her own password
    assert added.returncode == 0, added.stderr
    added = run("users", "add", "tina", "--name", "T. Ina", "--password-stdin", "--database",
                url, stdin="temporary but long enough\n")
    assert added.returncode == 0, added.stderr
    return url


def formulary(*args: str, database: str, stdin: str | None = None):
    return run("formulary", *args, "--database", database, stdin=stdin)


def refused(done, status: int, exit_status: int) -> dict[str, str]:
    assert done.returncode == exit_status, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr
    return assert_error_body(json.loads(done.stderr), status)[0]


def test_the_command_runs_as_a_process(database):
    listed = run_process("formulary", "list", "--database", database)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[1].startswith(f"{TAB}\t1\tdraft")


def test_list_show_approve_and_print(database, tmp_path):
    listed = formulary("list", database=database)
    assert listed.returncode == 0, listed.stderr
    lines = [line.split("\t") for line in listed.stdout.splitlines()]
    assert [line[0] for line in lines] == [m.id for m in seeded()]
    assert {line[2] for line in lines} == {"draft"}
    assert [TAB, "1", "draft", "capsules", "tablets", "default"] == lines[1][:6]

    assert refused(formulary("approve", TAB, "--as", "paula", database=database,
                             stdin=PAULA + "\n"), 422, 2)["code"] == "MFR_REQUIRED"
    wrong = formulary("approve", f"{TAB}@1", "--as", "paula", database=database,
                      stdin="not her password at all\n")
    assert refused(wrong, 403, 2)["code"] == "SIGNATURE_FAILED"
    tina = formulary("approve", f"{TAB}@1", "--as", "tina", database=database,
                     stdin="temporary but long enough\n")
    assert refused(tina, 403, 2)["code"] in ("PASSWORD_CHANGE_REQUIRED", "SIGNATURE_FAILED")
    stale = formulary("approve", f"{TAB}@1", "--as", "paula", "--revision", "5",
                      database=database, stdin=PAULA + "\n")
    assert refused(stale, 409, 3)["code"] == "STALE_REVISION"

    done = formulary("approve", f"{TAB}@1", "--as", "paula", database=database,
                     stdin=PAULA + "\n")
    assert done.returncode == 0, done.stderr
    assert f"Version 1 of {TAB} approved by P. Aula, PharmD" in done.stdout
    again = formulary("approve", f"{TAB}@1", "--as", "paula", database=database,
                      stdin=PAULA + "\n")
    assert refused(again, 409, 3)["code"] == "MFR_NOT_DRAFT"

    shown = json.loads(formulary("show", TAB, database=database).stdout)
    assert shown["status"] == "approved" and shown["mfr"]["version"] == 1
    assert shown["approval"]["name"] == "P. Aula, PharmD"
    assert shown["approval"]["licence"] == "RPH-77001" and shown["revision"] == 2
    assert json.loads(formulary("show", f"{TAB}@1", database=database).stdout) == shown
    assert refused(formulary("show", "NO-SUCH", database=database), 404, 4)["code"] == (
        "NOT_FOUND")

    target = tmp_path / "mfr.pdf"
    printed = formulary("pdf", f"{TAB}@1", "-o", str(target), database=database)
    assert printed.returncode == 0, printed.stderr
    text = pdf.text(target.read_bytes())
    assert "P. Aula, PharmD" in text and "RPH-77001" in text and shown["digest"] in text
    draft = tmp_path / "draft.pdf"
    assert formulary("pdf", "LDN-LIQ-1", "-o", str(draft), database=database).returncode == 0
    assert "DRAFT — NOT APPROVED" in pdf.text(draft.read_bytes())
    assert refused(formulary("pdf", TAB, database=database), 422, 2)["field"] == "output"

    audit = run("audit", "--database", database).stdout.splitlines()
    actions = [json.loads(line)["action"] for line in audit]
    assert "signature_failed" in actions and "formulary_print" in actions
    signature = next(json.loads(line) for line in audit
                     if json.loads(line)["action"] == "signature")
    assert signature["target"] == f"{TAB}@1"
    assert signature["detail"]["meaning"] == f"approved master formulation record {TAB} " \
                                             f"version 1"


def test_draft_from_json_and_toml(database, tmp_path):
    assert formulary("approve", f"{TAB}@1", "--as", "paula", database=database,
                     stdin=PAULA + "\n").returncode == 0
    body = json.loads(formulary("show", TAB, database=database).stdout)["mfr"]
    changed = {**body, "version": 2, "bud": {**body["bud"], "days": 90}}
    source = tmp_path / "v2.json"
    source.write_text(json.dumps(changed), encoding="utf-8")
    made = formulary("draft", str(source), "--as", "tina", database=database)
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip() == f"{TAB}@2: draft at revision 1"
    shown = json.loads(formulary("show", f"{TAB}@2", database=database).stdout)
    assert shown["status"] == "draft" and shown["mfr"]["bud"]["days"] == 90
    assert refused(formulary("draft", str(source.with_name("v3.json")), "--as", "tina",
                             database=database), 400, 2)["code"] == "FILE_NOT_FOUND"
    third = tmp_path / "v3.json"
    third.write_text(json.dumps({**changed, "version": 3}), encoding="utf-8")
    assert refused(formulary("draft", str(third), "--as", "tina", database=database),
                   409, 3)["code"] == "MFR_DRAFT_OPEN"
    first = tmp_path / "v1.json"
    first.write_text(json.dumps(body | {"storage": "Keep cool"}), encoding="utf-8")
    assert refused(formulary("draft", str(first), "--as", "tina", database=database),
                   409, 3)["code"] == "MFR_VERSION_APPROVED"

    seed = Path(__file__).resolve().parent.parent / "compounding" / "formulary" / "seeds"
    toml = tmp_path / "LDN-LIQ-1.toml"  # the seed, its storage changed: the draft changed
    toml.write_text((seed / "LDN-LIQ-1.toml").read_text(encoding="utf-8").replace(
        '\nstorage = "', '\nstorage = "Checked again. ', 1), encoding="utf-8")
    kept = formulary("draft", str(toml), "--as", "paula", database=database)
    assert kept.returncode == 0, kept.stderr
    assert kept.stdout.strip() == "LDN-LIQ-1@1: draft at revision 2"

    bad = tmp_path / "bad.json"
    bad.write_text('{"id": "LDN-CAPS-TAB-MCC", "version": 2', encoding="utf-8")
    assert refused(formulary("draft", str(bad), "--as", "tina", database=database),
                   422, 2)["code"] == "INVALID_JSON"
    invalid = tmp_path / "invalid.json"
    invalid.write_text(json.dumps({**changed, "bud": {**changed["bud"], "days": 900}}),
                       encoding="utf-8")
    assert refused(formulary("draft", str(invalid), "--as", "tina", database=database),
                   422, 2)["field"].startswith("bud")
    assert refused(formulary("draft", str(source), "--as", "nobody", database=database),
                   403, 2)["field"] == "as"
    actions = [json.loads(line)["action"] for line in
               run("audit", "--database", database).stdout.splitlines()]
    assert actions.count("formulary_draft") == 2

