"""Results (SPEC §7): what FinishLynx timed for each slot, the imports that brought it, and each
athlete's personal best per distance.

A result belongs to one heat slot (one runner in one heat), so importing the same `.lif` twice
updates the same rows. ``time`` is in hundredths (rounded up from Lynx's thousandths); only
finishers have a place and a time. Each import of a file is one :class:`ResultImport` row (who,
when, which file, what changed) — a re-import that changes nothing is still recorded.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nitsys.domain.lynx import ResultStatus
from nitsys.extensions import db
from nitsys.models.accounts import User
from nitsys.models.athletes import Athlete
from nitsys.models.base import TimestampMixin, UTCDateTime, utcnow
from nitsys.models.enums import enum_column_type
from nitsys.models.heats import Heat, HeatSlot


class ResultImport(db.Model):
    __tablename__ = "result_imports"
    __table_args__ = (Index("ix_result_imports_heat_at", "heat_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    meet_id: Mapped[int] = mapped_column(ForeignKey("meets.id", ondelete="CASCADE"), index=True)
    heat_id: Mapped[int] = mapped_column(ForeignKey("heats.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    wind: Mapped[str] = mapped_column(String(20), default="")
    result_count: Mapped[int] = mapped_column(default=0)
    changed_count: Mapped[int] = mapped_column(default=0)

    user: Mapped[User] = relationship()
    heat: Mapped[Heat] = relationship()


class HeatResult(TimestampMixin, db.Model):
    __tablename__ = "heat_results"
    __table_args__ = (
        CheckConstraint(
            "(status = 'finished') = (place IS NOT NULL AND time IS NOT NULL)",
            name="finisher_has_place_and_time",
        ),
        CheckConstraint("place IS NULL OR place > 0", name="place_positive"),
        CheckConstraint("time IS NULL OR time > 0", name="time_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(
        ForeignKey("heat_slots.id", ondelete="CASCADE"), unique=True
    )
    heat_id: Mapped[int] = mapped_column(ForeignKey("heats.id", ondelete="CASCADE"), index=True)
    status: Mapped[ResultStatus] = mapped_column(enum_column_type(ResultStatus, "result_status"))
    place: Mapped[int | None]
    time: Mapped[int | None]  # hundredths of a second
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("result_imports.id", ondelete="SET NULL")
    )

    slot: Mapped[HeatSlot] = relationship()
    heat: Mapped[Heat] = relationship()


class PersonalBest(TimestampMixin, db.Model):
    """The athlete's best finished time at a distance among the results we hold."""

    __tablename__ = "personal_bests"
    __table_args__ = (
        UniqueConstraint("athlete_id", "distance", name="uq_personal_bests_athlete_distance"),
        CheckConstraint("time > 0", name="time_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"))
    distance: Mapped[int]
    time: Mapped[int]  # hundredths of a second
    achieved_on: Mapped[date]
    result_id: Mapped[int | None] = mapped_column(
        ForeignKey("heat_results.id", ondelete="SET NULL")
    )

    athlete: Mapped[Athlete] = relationship()
