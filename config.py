"""Configuration, read only from environment variables (SPEC §10).

In development a `.env` file in the project root is read first; real environment variables
always win. Production (DEBUG off, not testing) refuses to start with an unsafe setting and
says which one (see `production_problems`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent
DEFAULT_SQLITE_PATH = BASE_DIR / "instance" / "nitsys.sqlite3"
DEVELOPMENT_SECRET_KEY = "dev-insecure-secret-key-change-me"
MIN_SECRET_KEY_LENGTH = 50
WEAK_SECRET_KEYS = {DEVELOPMENT_SECRET_KEY, "changeme", "secret", "django-insecure", "test"}


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str) -> list[str]:
    return [part.strip() for part in os.environ.get(name, "").split(",") if part.strip()]


def normalise_database_url(url: str) -> str:
    """Accept Heroku/Render style `postgres://` URLs and pick the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


@dataclass(frozen=True)
class ConfigProblem:
    setting: str
    message: str


def production_problems(settings: dict, *, serving: bool = True) -> list[ConfigProblem]:
    """What makes a configuration unsafe to serve the public with; empty when it is fine.

    `serving=False` (a `flask` command such as `db upgrade`): which hosts to answer does not
    matter to a process that answers none, so ALLOWED_HOSTS is not asked for."""
    problems = []
    if settings.get("DEBUG"):
        problems.append(ConfigProblem("DEBUG", "本番環境では DEBUG=False にしてください。"))
    key = settings.get("SECRET_KEY") or ""
    if not key:
        problems.append(ConfigProblem("SECRET_KEY", "SECRET_KEY が設定されていません。"))
    elif key in WEAK_SECRET_KEYS or key.startswith("dev-"):
        problems.append(
            ConfigProblem(
                "SECRET_KEY",
                "SECRET_KEY が既定値のままです。`flask secret-key` で生成してください。",
            )
        )
    elif len(key) < MIN_SECRET_KEY_LENGTH:
        problems.append(
            ConfigProblem(
                "SECRET_KEY",
                f"SECRET_KEY が短すぎます（{len(key)}文字）。{MIN_SECRET_KEY_LENGTH}文字以上にしてください。",
            )
        )
    if serving and not settings.get("ALLOWED_HOSTS"):
        problems.append(
            ConfigProblem("ALLOWED_HOSTS", "ALLOWED_HOSTS に本番ドメインを設定してください。")
        )
    return problems


class ConfigurationError(RuntimeError):
    pass


def load_environment() -> None:
    """Read `.env` (development); variables already in the environment win."""
    load_dotenv(BASE_DIR / ".env", override=False)


def load_settings(overrides: dict | None = None) -> dict:
    """Build the Flask config mapping from the environment (plus explicit overrides)."""
    load_environment()
    debug = env_bool("DEBUG", False)
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}"
    allowed_hosts = env_list("ALLOWED_HOSTS")
    redis_url = os.environ.get("REDIS_URL", "")
    session_hours = int(os.environ.get("SESSION_ABSOLUTE_HOURS", "12"))
    settings = {
        "DEBUG": debug,
        "TESTING": False,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or (DEVELOPMENT_SECRET_KEY if debug else ""),
        "ALLOWED_HOSTS": allowed_hosts,
        "CSRF_TRUSTED_ORIGINS": env_list("CSRF_TRUSTED_ORIGINS"),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SENTRY_DSN": os.environ.get("SENTRY_DSN", ""),
        "SENTRY_ENVIRONMENT": os.environ.get(
            "SENTRY_ENVIRONMENT", "development" if debug else "production"
        ),
        "SENTRY_TRACES_SAMPLE_RATE": float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0.1")),
        "MAIL_SERVER": os.environ.get("EMAIL_HOST", "localhost"),
        "MAIL_PORT": int(os.environ.get("EMAIL_PORT", "587")),
        "MAIL_USE_TLS": env_bool("EMAIL_USE_TLS", True),
        "MAIL_USE_SSL": env_bool("EMAIL_USE_SSL", False),
        "MAIL_USERNAME": os.environ.get("EMAIL_HOST_USER") or None,
        "MAIL_PASSWORD": os.environ.get("EMAIL_HOST_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": os.environ.get("DEFAULT_FROM_EMAIL", "noreply@nitsys.jp"),
        # smtp | console | file — console/file never leave the machine (development, demos).
        "MAIL_TRANSPORT": os.environ.get("MAIL_TRANSPORT", "console" if debug else "smtp"),
        "MAIL_FILE_DIR": os.environ.get("MAIL_FILE_DIR", str(BASE_DIR / "instance" / "mail")),
        # Deliver queued mail at the end of each request (development convenience only).
        "OUTBOX_DELIVER_AFTER_REQUEST": env_bool("OUTBOX_DELIVER_AFTER_REQUEST", debug),
        "TRUSTED_PROXY_COUNT": int(os.environ.get("TRUSTED_PROXY_COUNT", "0")),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", redis_url or "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Several sites (or test runs) on one Redis keep their counters apart.
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", ""),
        # argon2id, or a Werkzeug method (tests use a cheap one); see nitsys/passwords.py.
        "PASSWORD_HASH_METHOD": os.environ.get("PASSWORD_HASH_METHOD", "argon2id"),
        "SESSION_IDLE_MINUTES": int(os.environ.get("SESSION_IDLE_MINUTES", "30")),
        "SESSION_ABSOLUTE_HOURS": session_hours,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=session_hours),
        "SESSION_COOKIE_SECURE": env_bool("SESSION_COOKIE_SECURE", not debug),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": 0,
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 12 * 1024 * 1024,
        "BACKUP_DIR": os.environ.get("BACKUP_DIR", str(BASE_DIR / "backups")),
        # Backups and generated files (nitsys/storage.py): empty = BACKUP_DIR on this disk,
        # s3://bucket/prefix = S3-compatible object storage every instance reads.
        "STORAGE_URL": os.environ.get("STORAGE_URL", ""),
        "S3_ENDPOINT_URL": os.environ.get("S3_ENDPOINT_URL", ""),
        "S3_REGION": os.environ.get("S3_REGION", ""),
        # Scheduled routines (nitsys/tasks.py): retention of backups, reminder lead time.
        "BACKUP_KEEP_DAILY": int(os.environ.get("BACKUP_KEEP_DAILY", "14")),
        "BACKUP_KEEP_WEEKLY": int(os.environ.get("BACKUP_KEEP_WEEKLY", "8")),
        "PAYMENT_REMINDER_DAYS": int(os.environ.get("PAYMENT_REMINDER_DAYS", "3")),
        "BENCH_QUERY_COUNT": env_bool("BENCH_QUERY_COUNT", False),
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", ""),
    }
    # Flask 3.1 refuses requests for any other Host header (400) when this is set.
    settings["TRUSTED_HOSTS"] = allowed_hosts or None
    if overrides:
        settings.update(overrides)
    return settings


def check_production(settings: dict, *, serving: bool = True) -> None:
    """Raise with every unsafe setting named; `wsgi.py` (what gunicorn serves) calls this."""
    problems = production_problems(settings, serving=serving)
    if problems:
        lines = "\n".join(f"  - {p.setting}: {p.message}" for p in problems)
        raise ConfigurationError(f"本番設定に問題があるため起動できません:\n{lines}")
