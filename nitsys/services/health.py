"""Is the database reachable, and is its schema at the newest migration? (`/readyz`, checks)."""

from __future__ import annotations

from dataclasses import dataclass

from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import inspect, text
from sqlalchemy.exc import SQLAlchemyError

from nitsys.extensions import db

VERSION_TABLE = "alembic_version"


@dataclass(frozen=True)
class MigrationState:
    database: tuple[str, ...]
    head: tuple[str, ...]

    @property
    def current(self) -> bool:
        return bool(self.head) and set(self.database) == set(self.head)


def database_error() -> str | None:
    """None when `SELECT 1` works, else the error (one line, no credentials)."""
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        return type(error.orig or error).__name__ + ": " + str(error.orig or error).splitlines()[0]
    return None


def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())


def migration_state() -> MigrationState:
    with db.engine.connect() as connection:
        applied = []
        if inspect(connection).has_table(VERSION_TABLE):
            applied = connection.scalars(text(f"SELECT version_num FROM {VERSION_TABLE}")).all()
    return MigrationState(database=tuple(applied), head=tuple(script_directory().get_heads()))
