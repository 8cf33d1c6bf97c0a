"""Schema migrations (Alembic): ``compounding db upgrade``, and on every start."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from .db import writer

SCRIPTS = "compounding.records:migrations"


def upgrade(engine: Engine, chain_key: bytes, target: str = "head") -> None:
    """Bring the database to the newest schema (or ``target``); creates it on first use.
    ``chain_key`` chains the history kept before the chain existed (migration 0003)."""
    config = Config()
    config.set_main_option("script_location", SCRIPTS)
    with writer(engine).begin() as connection:
        config.attributes["connection"] = connection
        config.attributes["chain_key"] = chain_key
        command.upgrade(config, target)
