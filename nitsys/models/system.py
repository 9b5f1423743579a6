"""Operational settings every worker reads from the database (maintenance mode, contacts, …)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from nitsys.extensions import db
from nitsys.models.base import UTCDateTime, utcnow


class SystemSetting(db.Model):
    """One JSON value per key; shared by all processes because it lives in the database."""

    __tablename__ = "system_settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[dict | list] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
