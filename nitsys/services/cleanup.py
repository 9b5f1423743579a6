"""Post-meet cleanup: what is no longer needed, listed before anything is deleted.

Only tables that exist in this build are considered (looked up by name in the metadata), so
the cleanup grows with the system without importing other areas' modules. Audit events are
never removed. Sessions are signed cookies (nothing stored server-side to expire).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Table, delete, func, select
from sqlalchemy.sql.elements import ColumnElement

from nitsys.extensions import db
from nitsys.models.base import utcnow
from nitsys.services import audit, settings

SENT_MAIL_KEEP = timedelta(days=90)
LAST_RUN_KEY = "cleanup.last_run"


@dataclass(frozen=True)
class Target:
    label: str
    table: Table
    condition: ColumnElement

    def count(self) -> int:
        return db.session.scalar(select(func.count()).select_from(self.table).where(self.condition))

    def delete(self) -> int:
        return db.session.execute(delete(self.table).where(self.condition)).rowcount


def targets() -> list[Target]:
    now = utcnow()
    tables = db.metadata.tables
    found = []
    outbox = tables["outbox_messages"]
    found.append(
        Target(
            "送信済みメール（90日より前）",
            outbox,
            (outbox.c.status == "sent") & (outbox.c.sent_at < now - SENT_MAIL_KEEP),
        )
    )
    imports = tables.get("entry_imports")
    if imports is not None and "expires_at" in imports.c:
        found.append(Target("期限切れの一括取込データ", imports, imports.c.expires_at < now))
    parking_imports = tables.get("parking_imports")
    if parking_imports is not None:
        found.append(
            Target(
                "期限切れの駐車場割当の取込データ",
                parking_imports,
                parking_imports.c.expires_at < now,
            )
        )
    return found


def plan() -> list[tuple[Target, int]]:
    return [(target, target.count()) for target in targets()]


def run() -> dict[str, int]:
    """Delete everything in the plan (the caller commits); recorded in the audit trail."""
    removed = {target.label: target.delete() for target in targets()}
    settings.write(LAST_RUN_KEY, {"at": utcnow().isoformat(), "removed": removed})
    audit.record(None, "system.cleanup", object_type="system", after=removed)
    return removed


def last_run() -> dict | None:
    return settings.read(LAST_RUN_KEY)
