"""Fixtures shared by the operations tests (import them by name into a test module)."""

from __future__ import annotations

import pytest
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from nitsys.extensions import db
from nitsys.services import health


@pytest.fixture
def cli(app):
    """`cli("backup", "create")`: run a flask command, then read what it committed."""
    runner = app.test_cli_runner()

    def run(*args, input=None):
        result = runner.invoke(args=list(args), input=input)
        db.session.remove()
        return result

    return run


@pytest.fixture
def stamped(app):
    """The database marked as migrated to the newest revision (tests build it with create_all)."""
    script = health.script_directory()
    with db.engine.begin() as connection:
        MigrationContext.configure(connection).stamp(script, script.get_heads()[0])
    yield
    with db.engine.begin() as connection:
        connection.execute(text(f"DROP TABLE {health.VERSION_TABLE}"))


@pytest.fixture(autouse=True)
def forget_maintenance(app):
    """Tables are emptied after each test; the next one must not see a cached switch."""
    yield
    app.extensions.pop("nitsys_maintenance", None)
