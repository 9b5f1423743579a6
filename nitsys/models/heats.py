"""Heats (組) and their slots (SPEC §6): who runs in which heat, at which position, with which bib.

A heat belongs to one race; ``number`` is its running order. A slot puts one entry in one heat:
``position`` is the waist number (腰ナンバー, 1..k per heat) and ``bib`` the bib (ゼッケン, unique
per meet — ``meet_id`` is copied onto the slot so the database can enforce it). Locked (確定)
heats are never regenerated or edited; published heats are visible to teams and the public.
The check-in columns are filled by the day-of desk.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nitsys.extensions import db
from nitsys.models.accounts import User
from nitsys.models.base import TimestampMixin, UTCDateTime
from nitsys.models.entries import Entry
from nitsys.models.meets import Race


class Heat(TimestampMixin, db.Model):
    __tablename__ = "heats"
    __table_args__ = (
        UniqueConstraint("race_id", "number", name="uq_heats_race_number"),
        CheckConstraint("number > 0", name="number_positive"),
        CheckConstraint("NOT locked OR locked_at IS NOT NULL", name="locked_stamped"),
        CheckConstraint("published_at IS NULL OR locked", name="published_only_locked"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    race_id: Mapped[int] = mapped_column(ForeignKey("races.id", ondelete="CASCADE"))
    number: Mapped[int]
    # Per-heat start time; None means the race's formula time (first start + interval).
    start_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked: Mapped[bool] = mapped_column(default=False)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    race: Mapped[Race] = relationship()
    locked_by: Mapped[User | None] = relationship()
    slots: Mapped[list[HeatSlot]] = relationship(
        back_populates="heat", order_by="HeatSlot.position", cascade="all, delete-orphan"
    )

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def __repr__(self) -> str:
        return f"<Heat {self.id} race={self.race_id} #{self.number}>"


class HeatSlot(TimestampMixin, db.Model):
    __tablename__ = "heat_slots"
    __table_args__ = (
        UniqueConstraint("heat_id", "position", name="uq_heat_slots_heat_position"),
        UniqueConstraint("meet_id", "bib", name="uq_heat_slots_meet_bib"),
        CheckConstraint("bib IS NULL OR bib > 0", name="bib_positive"),
        Index("ix_heat_slots_meet", "meet_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    heat_id: Mapped[int] = mapped_column(ForeignKey("heats.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), unique=True)
    meet_id: Mapped[int] = mapped_column(ForeignKey("meets.id", ondelete="CASCADE"))
    # 腰ナンバー, 1..k in the heat (briefly negative while a heat is being renumbered).
    position: Mapped[int]
    bib: Mapped[int | None]
    checked_in: Mapped[bool] = mapped_column(default=False)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT")
    )
    dns: Mapped[bool] = mapped_column(default=False)

    heat: Mapped[Heat] = relationship(back_populates="slots")
    entry: Mapped[Entry] = relationship()

    def __repr__(self) -> str:
        return f"<HeatSlot {self.id} heat={self.heat_id} pos={self.position} bib={self.bib}>"
