"""The package as a pharmacy's IT installs it: ``python -m build``, then the wheel in a clean venv.

The sdist is built first and the wheel from it (``python -m build``'s own order), so a file the
sdist forgets fails here. The venv has no access to this environment's packages: the wheel brings
its dependencies from the package index, as on a fresh server.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

from .days import shifted_clock
from .service import ROOT, await_health, free_port, request

pytestmark = pytest.mark.real_clock


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--no-isolation", "-o", str(out), str(ROOT)],
                   check=True, capture_output=True)
    return {"wheel": next(out.glob("*.whl")), "sdist": next(out.glob("*.tar.gz"))}


@pytest.fixture(scope="module")
def installed(built, tmp_path_factory) -> Path:
    """A clean venv with the service's locked dependencies (``requirements/service.lock``,
    hashes required, as the container image installs them) and the wheel; its ``bin`` folder.
    The wheel's own requirements must then be met by the lock: pip installs nothing more."""
    folder = tmp_path_factory.mktemp("venv")
    venv.create(folder, with_pip=True)
    bin_ = folder / "bin"
    pip = [str(bin_ / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "--require-hashes", "-r", str(ROOT / "requirements" / "service.lock")],
                   check=True, capture_output=True)
    before = _packages(bin_)
    subprocess.run([*pip, str(built["wheel"])], check=True, capture_output=True)
    assert set(_packages(bin_)) - set(before) == {"compounding-workbench"}
    return bin_


def _packages(bin_: Path) -> list[str]:
    listed = subprocess.run([str(bin_ / "python"), "-m", "pip", "list", "--format=json",
                             "--disable-pip-version-check"],
                            check=True, capture_output=True, text=True).stdout
    return [package["name"].lower() for package in json.loads(listed)]


def test_everything_installs_under_one_namespace(built):
    names = zipfile.ZipFile(built["wheel"]).namelist()
    top = {name.split("/")[0] for name in names}
    assert top == {"compounding", "compounding_workbench-0.1.0.dist-info"}
    for expected in ("compounding/web/__init__.py", "compounding/records/store.py",
                     "compounding/web/templates/form.html", "compounding/web/static/app.css",
                     "compounding/records/migrations/script.py.mako",
                     "compounding/data/medications.csv", "compounding/py.typed",
                     "compounding/__main__.py",
                     "compounding_workbench-0.1.0.dist-info/licenses/LICENSE"):
        assert expected in names
    metadata = zipfile.ZipFile(built["wheel"]).read(
        "compounding_workbench-0.1.0.dist-info/METADATA").decode()
    assert "License-Expression: MIT" in metadata


def test_the_sdist_carries_the_samples_and_the_deployment_kit(built):
    names = tarfile.open(built["sdist"]).getnames()
    root = "compounding_workbench-0.1.0"
    for expected in ("samples/usual-4.5mg.order.json", "samples/pharmacy.toml", "LICENSE",
                     "deploy/Dockerfile", "deploy/compose.yaml", "deploy/compounding.service",
                     "web/form.py", "records/store.py", "templates/form.html"):
        assert f"{root}/{expected}" in names


@shifted_clock
def test_the_installed_wheel_runs_and_serves(installed, tmp_path):
    version = subprocess.run([str(installed / "compounding"), "--version"], check=True,
                             capture_output=True, text=True, cwd=tmp_path)
    assert version.stdout.strip() == "compounding 0.1.0"
    module = subprocess.run([str(installed / "python"), "-m", "compounding", "--version"],
                            check=True, capture_output=True, text=True, cwd=tmp_path)
    assert module.stdout == version.stdout
    planned = subprocess.run([str(installed / "compounding"), "plan",
                              str(ROOT / "samples" / "usual-4.5mg.order.json")],
                             capture_output=True, text=True, cwd=tmp_path)
    assert planned.returncode == 0, planned.stderr
    assert json.loads(planned.stdout)["tablets"] == 3  # samples/usual-4.5mg.plan.json

    # the default data folder is the user's, never inside the venv
    home = tmp_path / "home"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPOUNDING_")}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / ".local" / "share"))
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen([str(installed / "compounding"), "serve", "--port", str(port)],
                              cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        await_health(port, server, (tmp_path / "serve.log").read_text, timeout=60)
        status, _, _ = request(port, "GET", "/login")
        assert status == 200
    finally:
        server.terminate()
        server.wait(10)
        log.close()
    data = home / ".local" / "share" / "compounding-workbench"
    # the records, their key, and the checkpoint of the formulary's drafts seeded at first start
    assert sorted(p.name for p in data.iterdir() if not p.name.endswith(("-wal", "-shm"))) \
        == ["chain.key", "checkpoints.log", "compounding.sqlite3"]
    assert not list(installed.parent.rglob("*.sqlite3"))
    assert "/setup/" in (tmp_path / "serve.log").read_text()
