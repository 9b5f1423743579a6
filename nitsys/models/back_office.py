"""Staff back office: internal notes about a team and the names a merged team was known by."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nitsys.extensions import db
from nitsys.models.accounts import Organization, User
from nitsys.models.base import UTCDateTime, utcnow


class TeamNote(db.Model):
    """A staff-only note on a team (phone calls, slips, agreements); never shown to the team."""

    __tablename__ = "team_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    by: Mapped[User | None] = relationship()


class OrganizationAlias(db.Model):
    """A name a team was also registered under (kept by a merge so search still finds it)."""

    __tablename__ = "organization_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100), index=True)
    name_kana: Mapped[str] = mapped_column(String(100), default="")
    merged_organization_id: Mapped[int | None]
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship()
