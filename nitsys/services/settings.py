"""Key/value operational settings stored in the database (seen by every worker)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app

from nitsys.extensions import db
from nitsys.models import SystemSetting

T = TypeVar("T")


def cached(name: str, read_fresh: Callable[[], T]) -> T:
    """`read_fresh()`, re-run at most once per MAINTENANCE_CACHE_SECONDS (1 s) in this process
    (switches every worker must see quickly, read on every request)."""
    cache = current_app.extensions.setdefault(name, {})
    ttl = current_app.config.get("MAINTENANCE_CACHE_SECONDS", 1.0)
    now = time.monotonic()
    if "value" not in cache or now - cache["read_at"] >= ttl:
        cache["value"] = read_fresh()
        cache["read_at"] = now
    return cache["value"]


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
