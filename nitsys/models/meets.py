"""Meets (大会), their races (種目) and the bank accounts fees are paid into (SPEC §2)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nitsys.extensions import db
from nitsys.models.base import TimestampMixin, UTCDateTime
from nitsys.models.enums import AccountType, HeatOrder, RaceGender, enum_column_type

DISTANCES = (800, 1500, 3000, 5000, 10000)
DEFAULT_VENUE = "日本体育大学横浜・健志台キャンパス陸上競技場"


def default_bib_ranges() -> dict[str, list[int]]:
    """Bib categories (SPEC §6): key = "ncg_" or "general_" + race gender code."""
    return {
        "ncg_M": [1, 499],
        "ncg_F": [500, 999],
        "general_M": [1000, 1999],
        "general_F": [2000, 2999],
        "ncg_X": [3000, 3499],
        "general_X": [3500, 3999],
    }


class BankAccount(TimestampMixin, db.Model):
    __tablename__ = "bank_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_name: Mapped[str] = mapped_column(String(100))
    branch_name: Mapped[str] = mapped_column(String(100))
    account_type: Mapped[AccountType] = mapped_column(
        enum_column_type(AccountType, "account_type"), default=AccountType.ORDINARY
    )
    account_number: Mapped[str] = mapped_column(String(20))
    account_holder: Mapped[str] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return (
            f"{self.bank_name} {self.branch_name} {self.account_type.label} "
            f"{self.account_number} {self.account_holder}"
        )


class Meet(TimestampMixin, db.Model):
    __tablename__ = "meets"
    __table_args__ = (
        CheckConstraint("last_day >= first_day", name="days_in_order"),
        CheckConstraint("entry_closes_at > entry_opens_at", name="entry_window_in_order"),
        CheckConstraint("fee_per_entry >= 0", name="fee_not_negative"),
        CheckConstraint("default_heat_capacity > 0", name="heat_capacity_positive"),
        CheckConstraint("call_offset_minutes >= 0", name="call_offset_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int | None]
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    first_day: Mapped[date]
    last_day: Mapped[date]
    venue: Mapped[str] = mapped_column(String(200), default=DEFAULT_VENUE)
    entry_opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    entry_closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    payment_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    parking_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fee_per_entry: Mapped[int] = mapped_column(default=2000)
    is_published: Mapped[bool] = mapped_column(default=False)
    entry_open: Mapped[bool] = mapped_column(default=False)
    bank_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("bank_accounts.id", ondelete="RESTRICT")
    )
    default_heat_capacity: Mapped[int] = mapped_column(default=40)
    bib_ranges: Mapped[dict] = mapped_column(JSON, default=default_bib_ranges)
    call_offset_minutes: Mapped[int] = mapped_column(default=20)
    # Show times of an hour or more as 1:02:30.00 (else 62:30.00).
    hours_in_times: Mapped[bool] = mapped_column(default=False)
    receipt_issuer_name: Mapped[str] = mapped_column(String(100), default="日本体育大学陸上競技部")
    receipt_issuer_address: Mapped[str] = mapped_column(
        String(300),
        default="〒227-0033 神奈川県横浜市青葉区鴨志田町1221-1 日本体育大学 健志台キャンパス",
    )

    bank_account: Mapped[BankAccount | None] = relationship()
    races: Mapped[list[Race]] = relationship(
        back_populates="meet",
        order_by="(Race.display_order, Race.id)",
        foreign_keys="Race.meet_id",
    )

    def __repr__(self) -> str:
        return f"<Meet {self.id} {self.name}>"


class Race(TimestampMixin, db.Model):
    __tablename__ = "races"
    __table_args__ = (
        UniqueConstraint("meet_id", "name", name="uq_races_meet_name"),
        CheckConstraint(f"distance IN {DISTANCES}", name="distance_choice"),
        CheckConstraint("ncg_capacity > 0", name="ncg_capacity_positive"),
        CheckConstraint("heat_capacity > 0", name="heat_capacity_positive"),
        CheckConstraint("max_entries IS NULL OR max_entries > 0", name="max_entries_positive"),
        CheckConstraint("standard_time IS NULL OR standard_time > 0", name="standard_positive"),
        CheckConstraint("heat_interval_minutes >= 0", name="interval_not_negative"),
        CheckConstraint("fallback_race_id IS NULL OR is_ncg", name="fallback_only_for_ncg"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meet_id: Mapped[int] = mapped_column(ForeignKey("meets.id", ondelete="CASCADE"), index=True)
    distance: Mapped[int]
    gender: Mapped[RaceGender] = mapped_column(enum_column_type(RaceGender, "race_gender"))
    name: Mapped[str] = mapped_column(String(100))
    is_ncg: Mapped[bool] = mapped_column(default=False)
    ncg_capacity: Mapped[int] = mapped_column(default=35)
    fallback_race_id: Mapped[int | None] = mapped_column(
        ForeignKey("races.id", ondelete="RESTRICT")
    )
    # Hundredths of a second; declared times slower than this are refused.
    standard_time: Mapped[int | None]
    max_entries: Mapped[int | None]
    heat_capacity: Mapped[int] = mapped_column(default=40)
    heat_order: Mapped[HeatOrder] = mapped_column(
        enum_column_type(HeatOrder, "heat_order"), default=HeatOrder.SLOW_FIRST
    )
    first_start_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heat_interval_minutes: Mapped[int] = mapped_column(default=15)
    display_order: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)

    meet: Mapped[Meet] = relationship(back_populates="races", foreign_keys=[meet_id])
    fallback_race: Mapped[Race | None] = relationship(remote_side=[id])

    @staticmethod
    def default_name(gender: RaceGender, distance: int, is_ncg: bool = False) -> str:
        return f"{'NCG' if is_ncg else ''}{gender.label}{distance}m"

    @property
    def code(self) -> str:
        """The race code used in entry spreadsheets: M5000, F3000, NCG_M5000."""
        return f"{'NCG_' if self.is_ncg else ''}{self.gender.value}{self.distance}"

    def __repr__(self) -> str:
        return f"<Race {self.id} {self.name}>"
