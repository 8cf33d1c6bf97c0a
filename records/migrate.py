"""Schema migrations (Alembic): ``compounding db upgrade``, and on every start."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from .db import writer

SCRIPTS = "records:migrations"


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema; creates it on first use."""
    config = Config()
    config.set_main_option("script_location", SCRIPTS)
    with writer(engine).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
