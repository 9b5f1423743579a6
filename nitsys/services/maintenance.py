"""Maintenance mode (incident level 3): participants and the public get a 503 page.

The switch lives in the database so every worker and every server sees it; each process
re-reads it at most once per `MAINTENANCE_CACHE_SECONDS` (1 s), so a switch takes effect
everywhere within a second. Staff keep working (they are the ones repairing); officials are
stopped too, because a restore may overwrite what they enter meanwhile.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from nitsys.extensions import db
from nitsys.models import SystemSetting, User
from nitsys.models.base import utcnow
from nitsys.services import audit, settings

log = logging.getLogger(__name__)

KEY = "maintenance"
DEFAULT_MESSAGE = (
    "ただいまシステムのメンテナンスを行っています。しばらくしてから再度アクセスしてください。"
)
DEFAULT_RETRY_AFTER = 600


@dataclass(frozen=True)
class MaintenanceState:
    enabled: bool = False
    message: str = ""
    retry_after: int = DEFAULT_RETRY_AFTER
    since: str = ""
    by: str = ""

    @property
    def since_at(self) -> datetime | None:
        return datetime.fromisoformat(self.since) if self.since else None

    @property
    def expected_end(self) -> datetime | None:
        """When staff expect to be back: the start plus Retry-After (None if unknown/past)."""
        if not self.since_at:
            return None
        end = self.since_at + timedelta(seconds=self.retry_after)
        return end if end > utcnow() else None


def _from_value(value: dict | None) -> MaintenanceState:
    if not value:
        return MaintenanceState()
    fields = MaintenanceState.__dataclass_fields__
    return MaintenanceState(**{k: v for k, v in value.items() if k in fields})


def _read_fresh() -> MaintenanceState:
    # Own connection: never disturbs (or is disturbed by) the request's session transaction.
    try:
        with db.engine.connect() as connection:
            value = connection.scalar(select(SystemSetting.value).where(SystemSetting.key == KEY))
    except SQLAlchemyError:
        log.warning("maintenance state unreadable (database down or not migrated)")
        return MaintenanceState()
    return _from_value(value)


def current() -> MaintenanceState:
    """The state as this process sees it (at most MAINTENANCE_CACHE_SECONDS old)."""
    return settings.cached("nitsys_maintenance", _read_fresh)


def _forget_cached() -> None:
    current_app.extensions.get("nitsys_maintenance", {}).clear()


def turn_on(
    message: str = "", *, by: User | None, retry_after: int = DEFAULT_RETRY_AFTER
) -> MaintenanceState:
    state = MaintenanceState(
        enabled=True,
        message=message.strip() or DEFAULT_MESSAGE,
        retry_after=max(60, int(retry_after)),
        since=utcnow().isoformat(),
        by=by.full_name if by else "コマンド",
    )
    _save(state, by, "maintenance.on")
    return state


def turn_off(*, by: User | None) -> MaintenanceState:
    state = MaintenanceState()
    _save(state, by, "maintenance.off")
    return state


def _save(state: MaintenanceState, by: User | None, action: str) -> None:
    before = settings.read(KEY)
    settings.write(KEY, state.__dict__.copy())
    audit.record(by, action, object_type="system_settings", before=before, after=state.__dict__)
    _forget_cached()


def restore_state(state: MaintenanceState) -> None:
    """Put back a state read earlier (after a database restore replaced the settings table)."""
    settings.write(KEY, state.__dict__.copy())
    _forget_cached()
