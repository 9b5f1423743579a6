"""`/healthz` (the process answers) and `/readyz` (database reachable, migrations current).

Both stay green during maintenance mode: the platform must not restart a healthy app that
staff have deliberately closed.
"""

from __future__ import annotations

import logging

from flask import Blueprint

from nitsys.extensions import limiter
from nitsys.services import health

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)

PLAIN = {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@bp.get("/healthz")
@limiter.exempt
def healthz():
    return "ok\n", 200, PLAIN


@bp.get("/readyz")
@limiter.exempt
def readyz():
    # Anyone may ask, so the answer is a fixed text; the detail (host, database) goes to the log.
    error = health.database_error()
    if error:
        log.warning("readyz: database unreachable: %s", error)
        return "database unreachable\n", 503, PLAIN
    state = health.migration_state()
    if not state.current:
        applied = ",".join(state.database) or "none"
        log.warning(
            "readyz: migrations pending: database=%s head=%s", applied, ",".join(state.head)
        )
        return "migrations pending\n", 503, PLAIN
    return "ready\n", 200, PLAIN
