"""An official's review of one entry (SPEC §5, entry review): verified, or rejected with a reason.

A rejected entry has `EntryStatus.REJECTED`, so it leaves capacity counts and the heat pool;
this row records who decided, when and why. Money never changes here: the application keeps
its snapshot total.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from nitsys.extensions import db
from nitsys.models.accounts import User
from nitsys.models.base import TimestampMixin, UTCDateTime
from nitsys.models.entries import Entry


class EntryReview(TimestampMixin, db.Model):
    __tablename__ = "entry_reviews"
    __table_args__ = (
        CheckConstraint(
            "rejected_at IS NULL OR rejection_reason <> ''", name="rejection_has_reason"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), unique=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    rejection_reason: Mapped[str] = mapped_column(Text, default="")

    entry: Mapped[Entry] = relationship(backref=backref("review", uselist=False))
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])
    rejected_by: Mapped[User | None] = relationship(foreign_keys=[rejected_by_id])
