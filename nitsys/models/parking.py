"""Parking (駐車場, SPEC §9): a meet's lots and settings, the teams' requests and allocations.

Request life cycle::

    requested (申請中) ─allocation import─▶ assigned (割当済)
    requested ─staff─▶ declined (不可)

Teams edit their request until the meet's `parking_deadline` and while it is not assigned.
`allocation_version` counts the changes an import made to a team's allocation; the team's mail
is queued once per version (outbox dedupe key), so re-importing the same file sends nothing.
"""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nitsys.extensions import db
from nitsys.models.accounts import Organization, User
from nitsys.models.base import StagedRowsMixin, TimestampMixin, UTCDateTime
from nitsys.models.enums import LabeledEnum, enum_column_type
from nitsys.models.meets import Meet

# (attribute suffix, label) of the vehicle types, in the order every page and file uses.
VEHICLE_TYPES = (
    ("large_bus", "大型バス"),
    ("medium_bus", "マイクロ・中型バス"),
    ("car", "乗用車"),
)
MAX_VEHICLES = 99


class ParkingStatus(LabeledEnum):
    REQUESTED = "requested", "申請中"
    ASSIGNED = "assigned", "割当済"
    DECLINED = "declined", "不可"


def _counts_check(prefix: str) -> list[CheckConstraint]:
    return [
        CheckConstraint(
            f"{prefix}{kind} >= 0 AND {prefix}{kind} <= {MAX_VEHICLES}",
            name=f"{prefix}{kind}_range",
        )
        for kind, _ in VEHICLE_TYPES
    ]


class ParkingSettings(TimestampMixin, db.Model):
    """Per meet: whether teams may ask for parking, the permit's times and rules text."""

    __tablename__ = "parking_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    meet_id: Mapped[int] = mapped_column(ForeignKey("meets.id", ondelete="CASCADE"), unique=True)
    enabled: Mapped[bool] = mapped_column(default=False)
    entry_time: Mapped[time | None] = mapped_column(Time)
    exit_time: Mapped[time | None] = mapped_column(Time)
    rules: Mapped[str] = mapped_column(Text, default="")

    meet: Mapped[Meet] = relationship()


class ParkingLot(TimestampMixin, db.Model):
    __tablename__ = "parking_lots"
    __table_args__ = (
        UniqueConstraint("meet_id", "name", name="uq_parking_lots_meet_name"),
        *_counts_check("capacity_"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meet_id: Mapped[int] = mapped_column(ForeignKey("meets.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(200), default="")
    map_url: Mapped[str] = mapped_column(String(500), default="")
    capacity_large_bus: Mapped[int] = mapped_column(default=0)
    capacity_medium_bus: Mapped[int] = mapped_column(default=0)
    capacity_car: Mapped[int] = mapped_column(default=0)

    def capacity(self, kind: str) -> int:
        return getattr(self, f"capacity_{kind}")


class ParkingRequest(TimestampMixin, db.Model):
    """One per organization and meet (individuals have no parking, SPEC §1)."""

    __tablename__ = "parking_requests"
    __table_args__ = (
        UniqueConstraint("meet_id", "organization_id", name="uq_parking_requests_meet_org"),
        UniqueConstraint("meet_id", "permit_number", name="uq_parking_requests_permit"),
        CheckConstraint(
            "status <> 'assigned' OR (lot_id IS NOT NULL AND permit_number IS NOT NULL)",
            name="assigned_has_lot",
        ),
        *_counts_check(""),
        *_counts_check("assigned_"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meet_id: Mapped[int] = mapped_column(ForeignKey("meets.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[ParkingStatus] = mapped_column(
        enum_column_type(ParkingStatus, "parking_status"), default=ParkingStatus.REQUESTED
    )
    large_bus: Mapped[int] = mapped_column(default=0)
    medium_bus: Mapped[int] = mapped_column(default=0)
    car: Mapped[int] = mapped_column(default=0)
    arrival_time: Mapped[time | None] = mapped_column(Time)
    departure_time: Mapped[time | None] = mapped_column(Time)
    driver_phone: Mapped[str] = mapped_column(String(20), default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    # The allocation (set by the import).
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("parking_lots.id", ondelete="RESTRICT"))
    permit_number: Mapped[str | None] = mapped_column(String(20))
    assigned_large_bus: Mapped[int] = mapped_column(default=0)
    assigned_medium_bus: Mapped[int] = mapped_column(default=0)
    assigned_car: Mapped[int] = mapped_column(default=0)
    allocation_version: Mapped[int] = mapped_column(default=0)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    meet: Mapped[Meet] = relationship()
    organization: Mapped[Organization] = relationship()
    lot: Mapped[ParkingLot | None] = relationship()
    updated_by: Mapped[User | None] = relationship()

    def requested(self, kind: str) -> int:
        return getattr(self, kind)

    def assigned(self, kind: str) -> int:
        return getattr(self, f"assigned_{kind}")

    @property
    def is_assigned(self) -> bool:
        return self.status is ParkingStatus.ASSIGNED

    @property
    def total_requested(self) -> int:
        return sum(self.requested(kind) for kind, _ in VEHICLE_TYPES)

    def __repr__(self) -> str:
        return f"<ParkingRequest {self.id} org={self.organization_id} {self.status.value}>"


class ParkingImport(StagedRowsMixin, db.Model):
    """Parsed rows of an uploaded allocation sheet, kept between preview and confirm."""

    __tablename__ = "parking_imports"
