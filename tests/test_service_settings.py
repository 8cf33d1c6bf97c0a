"""The service settings (compounding.service_settings): one place, COMPOUNDING_* variables."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from compounding.cli import main
from compounding.errors import EXIT_INVALID
from compounding.service_settings import (
    ServiceSettings,
    SettingsError,
    load,
    markdown_table,
    variable,
)

from .people import KEY

ROOT = Path(__file__).resolve().parent.parent
SECRET = "s" * 32


@pytest.fixture(autouse=True)
def clean(monkeypatch, tmp_path):
    """No COMPOUNDING_* variable of the machine running the tests; a home of our own."""
    import os

    for name in list(os.environ):
        if name.startswith("COMPOUNDING_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home" / "data"))


def errors_of(**given) -> list[dict]:
    with pytest.raises(SettingsError) as caught:
        load(**given)
    assert caught.value.to_json()["status"] == 422
    return caught.value.to_json()["errors"]


def test_the_docs_list_every_setting():
    page = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    assert f"{markdown_table()}\n<!-- /settings -->" in page, \
        "regenerate the table: python docs/generate.py (see the comment above it)"
    for name in ServiceSettings.model_fields:
        assert f"`{variable(name)}`" in page


def test_defaults_keep_everything_on_this_machine_and_in_the_users_data_folder(tmp_path):
    settings = load()
    assert (settings.host, settings.port, settings.threads) == ("127.0.0.1", 8000, 8)
    assert settings.log_level == "INFO" and settings.secret_key is None
    assert settings.data_dir == tmp_path / "home" / "data" / "compounding-workbench"
    assert not str(settings.data_dir).startswith(sys.prefix)
    assert settings.records_url() == \
        f"sqlite:///{tmp_path / 'home' / 'data' / 'compounding-workbench' / 'compounding.sqlite3'}"
    assert oct(settings.data_dir.stat().st_mode & 0o777) == "0o700"


def test_variables_set_everything_and_flags_win(monkeypatch, tmp_path):
    monkeypatch.setenv("COMPOUNDING_PORT", "9000")
    monkeypatch.setenv("COMPOUNDING_THREADS", "16")
    monkeypatch.setenv("COMPOUNDING_LOG_LEVEL", "warning")
    monkeypatch.setenv("COMPOUNDING_TIME_ZONE", "Europe/London")
    monkeypatch.setenv("COMPOUNDING_DATA_DIR", str(tmp_path / "records"))
    monkeypatch.setenv("COMPOUNDING_TRUSTED_HOSTS", "ldn.pharmacy.example, 10.0.0.5")
    settings = load(port=8123, threads=None)
    assert (settings.port, settings.threads, settings.log_level) == (8123, 16, "WARNING")
    assert settings.time_zone == "Europe/London"
    assert settings.trusted_hosts == ["ldn.pharmacy.example", "10.0.0.5"]
    assert settings.records_url() == f"sqlite:///{tmp_path / 'records' / 'compounding.sqlite3'}"


@pytest.mark.parametrize(("name", "value", "field"), [
    ("COMPOUNDING_PORT", "80OO", "COMPOUNDING_PORT"),
    ("COMPOUNDING_PORT", "70000", "COMPOUNDING_PORT"),
    ("COMPOUNDING_THREADS", "0", "COMPOUNDING_THREADS"),
    ("COMPOUNDING_LOG_LEVEL", "loud", "COMPOUNDING_LOG_LEVEL"),
    ("COMPOUNDING_TIME_ZONE", "Mars/Olympus", "COMPOUNDING_TIME_ZONE"),
    ("COMPOUNDING_SECRET_KEY", "short", "COMPOUNDING_SECRET_KEY"),
])
def test_an_invalid_variable_is_named(monkeypatch, name, value, field):
    monkeypatch.setenv(name, value)
    errors = errors_of()
    assert [(e["code"], e["field"]) for e in errors] == [("SETTING_INVALID", field)]
    assert errors[0]["message"].startswith(f"{field}: ")


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "ldn.pharmacy.example"])
def test_a_secret_key_is_required_beyond_loopback(host):
    errors = errors_of(host=host)
    assert errors[0]["field"] == "COMPOUNDING_SECRET_KEY"
    assert host in errors[0]["message"]
    assert load(host=host, secret_key=SECRET).host == host


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_needs_no_secret_key(host):
    assert load(host=host).secret_key is None


def test_serve_beyond_loopback_without_a_key_refuses_to_start():
    out, err = io.StringIO(), io.StringIO()
    assert main(["serve", "--host", "0.0.0.0"], out=out, err=err) == EXIT_INVALID
    body = json.loads(err.getvalue())
    assert body["errors"][0]["field"] == "COMPOUNDING_SECRET_KEY" and out.getvalue() == ""


def test_serve_names_a_bad_flag_by_its_variable():
    err = io.StringIO()
    assert main(["serve", "--port", "0"], out=io.StringIO(), err=err) == EXIT_INVALID
    assert json.loads(err.getvalue())["errors"][0]["field"] == "COMPOUNDING_PORT"


def test_the_records_commands_use_the_data_directory(monkeypatch, tmp_path):
    monkeypatch.setenv("COMPOUNDING_DATA_DIR", str(tmp_path / "records"))
    out = io.StringIO()
    assert main(["db", "upgrade"], out=out, err=io.StringIO()) == 0
    assert (tmp_path / "records" / "compounding.sqlite3").exists()
    assert (tmp_path / "records" / "chain.key").exists()
    assert "compounding.sqlite3" in out.getvalue()


def test_the_services_time_zone_wins_over_the_profile_and_the_setup(monkeypatch, tmp_path):
    from compounding.profile import Pharmacy
    from compounding.web import create_app

    monkeypatch.setenv("COMPOUNDING_TIME_ZONE", "America/Chicago")
    config = {"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'r.sqlite3'}",
              "CHAIN_KEY": KEY}
    app = create_app(config)
    assert app.config["PROFILE"].pharmacy.time_zone == "America/Chicago"
    assert app.config["PROFILE"].settings.time_zone == "America/Chicago"
    app.extensions["records"].save_pharmacy(Pharmacy(name="LDN Pharmacy", address="1 Main St",
                                                     phone="555-0100", time_zone="Asia/Tokyo"))
    app.extensions["records"].engine.dispose()
    again = create_app(config)
    assert again.config["PROFILE"].pharmacy.name == "LDN Pharmacy"
    assert again.config["PROFILE"].pharmacy.time_zone == "America/Chicago"
    monkeypatch.delenv("COMPOUNDING_TIME_ZONE")
    assert create_app(config).config["PROFILE"].pharmacy.time_zone == "Asia/Tokyo"


def test_a_profile_that_is_not_a_file_is_named(monkeypatch, tmp_path):
    # a missing profile file stopped serve with INTERNAL_ERROR, naming nothing
    monkeypatch.setenv("COMPOUNDING_PROFILE", str(tmp_path / "pharmacy.toml"))
    err = io.StringIO()
    assert main(["serve"], out=io.StringIO(), err=err) == EXIT_INVALID
    assert json.loads(err.getvalue())["errors"][0]["field"] == "COMPOUNDING_PROFILE"
