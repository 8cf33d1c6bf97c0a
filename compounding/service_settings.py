"""The service's settings in one place: ``COMPOUNDING_*`` environment variables, or flags.

Read by ``compounding serve`` and the records commands (``db``, ``export``, ``import``, ``users``,
``tokens``, ``audit``). A flag given on the command line wins over its variable; a variable wins
over the default. The table "Service settings" of docs/deployment.md lists them; a test checks
that it lists exactly these fields.

The records default to a SQLite file in :attr:`ServiceSettings.data_dir`, a per-user data folder
(``~/.local/share/compounding-workbench`` on Linux, after the XDG base directory specification),
never inside the Python installation. Beyond the loopback interface a fixed secret key is
required: a key drawn at start would sign people out at every restart and differ between
processes (security.md, "Sessions").
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated, Any, Literal

from platformdirs import user_data_dir
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from compounding.errors import CompoundingError, ErrorDetail
from compounding.settings import TimeZoneName

APP_NAME = "compounding-workbench"
SQLITE_FILE = "compounding.sqlite3"
MIN_SECRET_KEY = 32  # [characters]; `python -c "import secrets; print(secrets.token_hex(32))"`
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1", "[::1]")


def default_data_dir() -> Path:
    """The per-user data folder [path] (platformdirs' ``user_data_dir``)."""
    return Path(user_data_dir(APP_NAME, appauthor=False))


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address) only listens on this machine."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class ServiceSettings(BaseSettings):
    """Where the service listens, where it keeps the records, and how it logs."""

    model_config = SettingsConfigDict(env_prefix="COMPOUNDING_", extra="ignore",
                                      validate_default=True)

    host: str = Field("127.0.0.1", min_length=1, max_length=255,
                      description="Address to listen on.")
    port: int = Field(8000, ge=1, le=65535, description="TCP port.")
    threads: int = Field(8, ge=1, le=64, description="Worker threads.")
    database_url: str | None = Field(
        None, max_length=2000,
        description="SQLAlchemy URL of the records, e.g. postgresql+psycopg://user@host/db; "
                    "default: a SQLite file in the data directory.")
    secret_key: SecretStr | None = Field(
        None, description=f"Signs the session cookies; at least {MIN_SECRET_KEY} characters. "
                          "Required when the host is not a loopback address.")
    chain_key: SecretStr | None = Field(
        None, description="Key of the records' tamper-evident chain; default: the file "
                          "chain.key in the data directory, made on first start.")
    time_zone: TimeZoneName | None = Field(
        None, description="IANA time zone of the pharmacy (America/Chicago); default: the "
                          "profile's pharmacy.time_zone.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="DEBUG, INFO, WARNING or ERROR.")
    data_dir: Path = Field(default_factory=default_data_dir,
                           description="Folder of the SQLite file and the chain key; default: "
                                       "the per-user data folder, ~/.local/share/"
                                       "compounding-workbench on Linux.")
    profile: Path | None = Field(None, description="The pharmacy profile (TOML).")
    trusted_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Host names the service answers to, comma-separated; default: the "
                    "loopback names and the listening address.")

    trusted_proxy: str | None = Field(
        None, max_length=255,
        description="Address of the reverse proxy whose X-Forwarded-For, -Proto and -Host "
                    "headers are believed (* for any, when only the proxy can reach the "
                    "service); default: none.")

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("trusted_hosts", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("profile")
    @classmethod
    def _readable(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"{value} is not a file this service can read")
        return value

    @field_validator("secret_key")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_SECRET_KEY:
            raise ValueError(f"must be at least {MIN_SECRET_KEY} characters")
        return value

    @model_validator(mode="after")
    def _key_beyond_loopback(self) -> ServiceSettings:
        if self.secret_key is None and not is_loopback(self.host):
            raise ValueError(f"COMPOUNDING_SECRET_KEY is required when the service listens on "
                             f"{self.host}, beyond this machine")
        return self

    def records_url(self) -> str:
        """The records database: :attr:`database_url`, else the SQLite file in :attr:`data_dir`
        (the folder made 0700 on first use)."""
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        return f"sqlite:///{self.data_dir / SQLITE_FILE}"


class SettingsError(CompoundingError, ValueError):
    """A service setting is invalid: the service does not start (command-line exit status 2)."""

    status = 422


def variable(field: str) -> str:
    """The environment variable of a setting: ``COMPOUNDING_DATA_DIR`` for ``data_dir``."""
    return f"COMPOUNDING_{field.upper()}"


def load(**given: Any) -> ServiceSettings:
    """The settings from the environment, with ``given`` (flags; ``None`` means not given)
    winning over it; :class:`SettingsError` names each invalid variable."""
    try:
        return ServiceSettings(**{k: v for k, v in given.items() if v is not None})
    except ValidationError as exc:
        details = []
        for problem in exc.errors(include_url=False):
            message = str(problem["msg"]).removeprefix("Value error, ")
            if problem["loc"]:
                field = variable(str(problem["loc"][0]))
                message = f"{field}: {message}"
            else:  # the secret key beyond loopback: the message names the variable
                field = variable("secret_key")
            details.append(ErrorDetail("SETTING_INVALID", field, message))
        raise SettingsError(details) from None


def markdown_table() -> str:
    """The settings as docs/deployment.md's Markdown table: variable, flag, default, meaning."""
    flags = {"host": "--host", "port": "--port", "threads": "--threads", "profile": "--profile",
             "database_url": "--database (records commands)"}
    lines = ["| variable | flag | default | meaning |", "|---|---|---|---|"]
    for name, field in ServiceSettings.model_fields.items():
        default = "—" if field.default is None or field.default_factory else f"`{field.default}`"
        lines.append(f"| `{variable(name)}` | {flags.get(name, '—')} | {default} | "
                     f"{field.description} |")
    return "\n".join(lines)
