"""Fixtures in the flaskr style: `app` (empty database per test), `client`, `login_as`.

The schema is created once per run; each test starts from empty tables. With
TEST_DATABASE_URL pointing at PostgreSQL, every run (and every xdist worker) gets its own
scratch database on that server, dropped at the end, so parallel runs never collide.
"""

from __future__ import annotations

import os
import uuid

import pytest
from flask import g
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from config import normalise_database_url

# Tasks run inside the call that queues them (nitsys/tasks.py), before nitsys is imported.
os.environ["TASK_QUEUE"] = "immediate"

from nitsys import create_app
from nitsys.extensions import db, limiter
from tests import factories

TEST_SECRET_KEY = "test-secret-key-" + "x" * 48


def _scratch_postgres(url: str):
    """Create a uniquely named database next to `url`; return (its url, drop function)."""
    base = make_url(normalise_database_url(url))
    name = f"nitsys_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    configured = os.environ.get("TEST_DATABASE_URL", "")
    if configured.startswith(("postgres://", "postgresql")):
        url, drop = _scratch_postgres(configured)
        yield url
        drop()
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def test_settings(database_url: str, **extra) -> dict:
    settings = {
        "TESTING": True,
        "DEBUG": False,
        "SECRET_KEY": TEST_SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "ALLOWED_HOSTS": ["localhost", "127.0.0.1"],
        "TRUSTED_HOSTS": ["localhost", "127.0.0.1"],
        "CSRF_TRUSTED_ORIGINS": [],
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "MAIL_TRANSPORT": "console",
        "MAIL_SUPPRESS_SEND": True,
        "OUTBOX_DELIVER_AFTER_REQUEST": False,
        "SERVER_NAME": None,
        "SESSION_COOKIE_SECURE": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }
    settings.update(extra)
    return settings


@pytest.fixture(scope="session")
def _app(database_url):
    app = create_app(test_settings(database_url))

    @app.teardown_request
    def forget_request_user(_exc=None):
        # Tests keep one app context pushed, so `g` would carry the logged-in user from one
        # request (or test client) to the next; real requests each get a fresh `g`.
        g.pop("_login_user", None)

    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def empty_all_tables() -> None:
    db.session.rollback()
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{table.name}"' for table in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            # Rows pointing at rows of the same table (a race's fallback race) go first.
            for key in table.foreign_keys:
                if key.column.table is table and key.parent.nullable:
                    db.session.execute(table.update().values({key.parent.name: None}))
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def app(_app):
    with _app.app_context():
        yield _app
        db.session.remove()
        empty_all_tables()
        limiter.reset()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def csrf_app(app):
    """The same app with CSRF protection switched on (for tests of CSRF itself)."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield app
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def login_as(client):
    """`login_as("staff")`, `login_as("official")`, `login_as("participant")` or a User."""

    def login(who="participant"):
        user = who if not isinstance(who, str) else factories.make_user(role=who)
        factories.log_in(client, user)
        return user

    return login
