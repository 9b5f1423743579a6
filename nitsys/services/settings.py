"""Key/value operational settings stored in the database (seen by every worker)."""

from __future__ import annotations

from typing import Any

from nitsys.extensions import db
from nitsys.models import SystemSetting


def read(key: str, default: Any = None) -> Any:
    row = db.session.get(SystemSetting, key)
    return default if row is None else row.value


def write(key: str, value: Any) -> None:
    """Insert or replace `key` (the caller commits)."""
    row = db.session.get(SystemSetting, key)
    if row is None:
        db.session.add(SystemSetting(key=key, value=value))
    else:
        row.value = value
