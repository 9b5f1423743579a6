"""Sentry, structured request log lines and the recent-problems buffer of the system page."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import time
from collections import deque
from datetime import UTC, datetime
from functools import cache

from flask import Flask, current_app, g, request, session
from sentry_sdk.utils import AnnotatedValue

from config import BASE_DIR

request_log = logging.getLogger("nitsys.request")
STARTED_AT = datetime.now(UTC)
TEST_MESSAGE = "Test message from NIT-SYS"
FILTERED = "[Filtered]"
SENSITIVE_KEY = re.compile(
    r"pass|secret|token|csrf|auth|cookie|session|api_?key|dsn|credential", re.IGNORECASE
)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


@cache
def release() -> str:
    """The deployed git revision: RELEASE / RENDER_GIT_COMMIT, else `git rev-parse`."""
    for name in ("RELEASE", "RENDER_GIT_COMMIT"):
        if os.environ.get(name):
            return os.environ[name][:12]
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return result.stdout.strip() or "unknown"


def uptime_seconds() -> float:
    return (datetime.now(UTC) - STARTED_AT).total_seconds()


# --- Sentry -------------------------------------------------------------------------------


def scrub(value, key: str = ""):
    """Replace secrets (by key name) and e-mail addresses (anywhere) in a Sentry event."""
    if key and SENSITIVE_KEY.search(key):
        return FILTERED
    if isinstance(value, AnnotatedValue):  # e.g. a request body the SDK has already trimmed
        return AnnotatedValue(scrub(value.value, key), value.metadata)
    if isinstance(value, dict):
        return {k: scrub(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    if isinstance(value, str):
        return EMAIL.sub("[email]", value)
    return value


def before_send(event, _hint):
    event = scrub(event)
    event.pop("user", None)
    return event


def init_sentry(app: Flask) -> bool:
    dsn = app.config.get("SENTRY_DSN")
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration
    from sentry_sdk.integrations.sqlalchemy import SqlalchemyIntegration

    sentry_sdk.init(
        dsn=dsn,
        integrations=[FlaskIntegration(), SqlalchemyIntegration()],
        environment=app.config["SENTRY_ENVIRONMENT"],
        release=release(),
        traces_sample_rate=app.config["SENTRY_TRACES_SAMPLE_RATE"],
        # No personal data: send_default_pii stays at its default (False; the option itself is
        # deprecated in sentry-sdk 2.75) and before_send scrubs what integrations still attach.
        # Sampled performance traces carry the request too, and skip before_send.
        before_send=before_send,
        before_send_transaction=before_send,
        # Tests pass a Transport subclass here; production uses the default HTTP transport.
        transport=app.config.get("SENTRY_TRANSPORT"),
    )
    return True


# --- Request log --------------------------------------------------------------------------


def safe_path() -> str:
    """The path with tokens (password reset, invitations) replaced by the route pattern."""
    if request.url_rule is not None and "token" in (request.view_args or {}):
        return request.url_rule.rule
    return request.path


def _start_timer():
    g.request_started = time.perf_counter()


def _log_request(response):
    started = g.pop("request_started", None)
    if started is None:
        return response
    duration_ms = (time.perf_counter() - started) * 1000
    # From the session cookie: reading current_user here would reload the user after a commit.
    user = (session.get("_user_id") or "-").split(":")[0]
    request_log.info(
        "method=%s path=%s status=%s duration_ms=%.1f user=%s",
        request.method,
        safe_path(),
        response.status_code,
        duration_ms,
        user,
    )
    return response


# --- Recent problems (system page) --------------------------------------------------------


class RecentProblems(logging.Handler):
    """Keeps the last WARNING+ records of this process for the staff system page."""

    def __init__(self, size: int = 100):
        super().__init__(level=logging.WARNING)
        self.records: deque[dict] = deque(maxlen=size)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage().splitlines()[0][:300]
        except Exception:  # a broken log call must never break the request
            message = str(record.msg)[:300]
        self.records.append(
            {
                "at": datetime.fromtimestamp(record.created, UTC),
                "level": record.levelname,
                "logger": record.name,
                "message": message,
            }
        )


_recent = RecentProblems()


def recent_problems() -> list[dict]:
    return list(reversed(_recent.records))


def init(app: Flask) -> None:
    root = logging.getLogger()
    if _recent not in root.handlers:
        root.addHandler(_recent)
    app.extensions["nitsys_sentry"] = init_sentry(app)
    app.before_request(_start_timer)
    app.after_request(_log_request)


def sentry_enabled() -> bool:
    return bool(current_app.extensions.get("nitsys_sentry"))
