"""Flask extensions, created once and bound in `create_app`."""

from flask import request
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, ORMExecuteState, Session

# Stable constraint names so Alembic migrations are identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def client_ip() -> str:
    """The client address; ProxyFix (TRUSTED_PROXY_COUNT) has already unwrapped proxies."""
    return request.remote_addr or "unknown"


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
mail = Mail()
limiter = Limiter(key_func=client_ip, default_limits=[])


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """SQLite (the embedded default): enforce foreign keys like PostgreSQL does, and use WAL so
    readers never wait for a writer and a commit costs one fsync per checkpoint, not per write."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


@event.listens_for(Session, "do_orm_execute")
def _locked_rows_are_read_fresh(state: ORMExecuteState) -> None:
    """A row read with SELECT … FOR UPDATE replaces what the session already held. Without this
    an object loaded earlier in the request (the page's own lookup) keeps its old attributes, and
    the second of two simultaneous submits of one draft would still see a draft."""
    if state.is_select and state.statement._for_update_arg is not None:
        state.update_execution_options(populate_existing=True)
