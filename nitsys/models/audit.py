"""The audit trail: who changed what, when, with the state before and after (SPEC §11)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nitsys.extensions import db
from nitsys.models.accounts import User
from nitsys.models.base import UTCDateTime, utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    # Every filter of the audit log page ends in `id` so that its keyset page (newest first,
    # `id < last seen`) is an index range scan at millions of rows.
    __table_args__ = (
        Index("ix_audit_events_object_keyset", "object_type", "object_id", "id"),
        Index("ix_audit_events_actor_keyset", "actor_id", "id"),
        Index("ix_audit_events_action_keyset", "action", "id"),
        Index("ix_audit_events_meet_keyset", "meet_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None]
    meet_id: Mapped[int | None]
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    ip: Mapped[str] = mapped_column(String(45), default="")

    actor: Mapped[User | None] = relationship()
