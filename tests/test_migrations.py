"""The migrations build exactly the schema the models describe (on this run's database kind)."""

import logging

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect

from nitsys import create_app
from nitsys.extensions import db
from nitsys.observability import recent_problems
from tests import conftest


def test_upgrade_from_empty_matches_models_and_downgrades(database_url, tmp_path):
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
    else:
        url = database_url.replace("/nitsys_test_", "/nitsys_migrations_")
        _create_database(database_url, url)
    app = create_app(conftest.test_settings(url))
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()
    if not database_url.startswith("sqlite"):
        _drop_database(database_url, url)
    # Migrating in a running process keeps its logging: the system page still hears warnings.
    logging.getLogger("nitsys.test").warning("移行のあとの警告")
    assert recent_problems()[0]["message"] == "移行のあとの警告"


def _admin_engine(url: str):
    return create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")


def _create_database(existing_url: str, new_url: str) -> None:
    with _admin_engine(existing_url).connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{new_url.rsplit("/", 1)[1]}"')
        connection.exec_driver_sql(f'CREATE DATABASE "{new_url.rsplit("/", 1)[1]}"')


def _drop_database(existing_url: str, new_url: str) -> None:
    with _admin_engine(existing_url).connect() as connection:
        connection.exec_driver_sql(
            f'DROP DATABASE IF EXISTS "{new_url.rsplit("/", 1)[1]}" WITH (FORCE)'
        )
