"""Entries (エントリー) and applications (申込, the payment unit) — SPEC §4.

Application life cycle::

    draft ─submit─▶ awaiting_payment ─upload─▶ under_review ─approve─▶ paid
                          ▲                          │
                          └──────── reject ──────────┘        force-approve: any unpaid ─▶ paid

A rejection is *not* a state of its own: `reject` puts the application back to
`awaiting_payment` and records `rejection_reason` / `rejected_at`, so "upload again" is the
ordinary upload from `awaiting_payment` (the dashboard tells the two cases apart by the
reason). A new upload clears nothing: the reason stays as history until the next approval.

Submitting freezes `unit_fee`, `entry_count` and `total_amount`; they never change afterwards
(defect 16). Additions after submission go into a new draft: at most one draft per owner and
meet, guaranteed by partial unique indexes (defects 10 and 11).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nitsys.extensions import db
from nitsys.models.accounts import Organization, OwnedMixin, User, owner_check_constraint
from nitsys.models.athletes import Athlete
from nitsys.models.base import StagedRowsMixin, TimestampMixin, UTCDateTime
from nitsys.models.enums import LabeledEnum, enum_column_type
from nitsys.models.meets import Meet, Race

if TYPE_CHECKING:
    from nitsys.models.heats import HeatSlot


class ApplicationStatus(LabeledEnum):
    DRAFT = "draft", "下書き"
    AWAITING_PAYMENT = "awaiting_payment", "入金待ち"
    UNDER_REVIEW = "under_review", "確認中"
    PAID = "paid", "入金済み"


class EntryStatus(LabeledEnum):
    DRAFT = "draft", "下書き"
    SUBMITTED = "submitted", "申込済み"
    CONFIRMED = "confirmed", "確定"
    WITHDRAWN = "withdrawn", "欠場連絡済み"
    DNS = "dns", "欠場（DNS）"
    FINISHED = "finished", "出走済み"
    # Refused by an official's entry review (nitsys/models/entry_reviews.py holds the reason).
    REJECTED = "rejected", "却下"


# Entries that hold a start slot (capacity counts them).
CAPACITY_STATUSES = (EntryStatus.SUBMITTED, EntryStatus.CONFIRMED)
# Entries a participant may still withdraw.
WITHDRAWABLE_STATUSES = (EntryStatus.SUBMITTED, EntryStatus.CONFIRMED)

DRAFT_ONLY = text("status = 'draft'")
NOT_WITHDRAWN = text("status <> 'withdrawn'")


class Application(OwnedMixin, TimestampMixin, db.Model):
    __tablename__ = "applications"
    __table_args__ = (
        owner_check_constraint(),
        UniqueConstraint("meet_id", "seq", name="uq_applications_meet_seq"),
        Index(
            "uq_applications_org_draft",
            "organization_id",
            "meet_id",
            unique=True,
            sqlite_where=DRAFT_ONLY,
            postgresql_where=DRAFT_ONLY,
        ),
        Index(
            "uq_applications_user_draft",
            "owner_user_id",
            "meet_id",
            unique=True,
            sqlite_where=DRAFT_ONLY,
            postgresql_where=DRAFT_ONLY,
        ),
        CheckConstraint("status = 'draft' OR submitted_at IS NOT NULL", name="submitted_stamp"),
        CheckConstraint("total_amount = unit_fee * entry_count", name="total_is_snapshot"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meet_id: Mapped[int] = mapped_column(ForeignKey("meets.id", ondelete="RESTRICT"), index=True)
    # Per-meet serial; `number` (e.g. 325-0042) is the payment reference (申込番号).
    seq: Mapped[int]
    number: Mapped[str] = mapped_column(String(20), index=True)
    status: Mapped[ApplicationStatus] = mapped_column(
        enum_column_type(ApplicationStatus, "application_status"),
        default=ApplicationStatus.DRAFT,
    )
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # Snapshot frozen at submission (zero while draft).
    unit_fee: Mapped[int] = mapped_column(default=0)
    entry_count: Mapped[int] = mapped_column(default=0)
    total_amount: Mapped[int] = mapped_column(default=0)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # Set by the payments review when a slip is rejected (status returns to awaiting_payment).
    rejection_reason: Mapped[str] = mapped_column(Text, default="")
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    meet: Mapped[Meet] = relationship()
    organization: Mapped[Organization | None] = relationship()
    owner_user: Mapped[User | None] = relationship(foreign_keys="Application.owner_user_id")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    entries: Mapped[list[Entry]] = relationship(back_populates="application", order_by="Entry.id")

    @property
    def owner_label(self) -> str:
        return self.organization.name if self.organization else self.owner_user.full_name

    @property
    def is_draft(self) -> bool:
        return self.status is ApplicationStatus.DRAFT

    @property
    def amount_due(self) -> int:
        """The snapshot plus the officials' adjustments (`adjustment_total`, see payments.py)."""
        return self.total_amount + (self.adjustment_total or 0)

    @property
    def was_rejected(self) -> bool:
        return self.status is ApplicationStatus.AWAITING_PAYMENT and bool(self.rejection_reason)

    def __repr__(self) -> str:
        return f"<Application {self.id} {self.number} {self.status.value}>"


class Entry(TimestampMixin, db.Model):
    __tablename__ = "entries"
    __table_args__ = (
        # One live entry per athlete and race; a withdrawn one may be entered again.
        Index(
            "uq_entries_athlete_race_live",
            "athlete_id",
            "race_id",
            unique=True,
            sqlite_where=NOT_WITHDRAWN,
            postgresql_where=NOT_WITHDRAWN,
        ),
        Index("ix_entries_race_status", "race_id", "status"),
        CheckConstraint("declared_time > 0", name="declared_time_positive"),
        CheckConstraint(
            "personal_best IS NULL OR personal_best > 0", name="personal_best_positive"
        ),
        CheckConstraint(
            "status <> 'withdrawn' OR withdrawal_requested_at IS NOT NULL",
            name="withdrawal_stamped",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="RESTRICT"), index=True
    )
    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athletes.id", ondelete="RESTRICT"), index=True
    )
    race_id: Mapped[int] = mapped_column(ForeignKey("races.id", ondelete="RESTRICT"))
    # Hundredths of a second.
    declared_time: Mapped[int]
    personal_best: Mapped[int | None]
    status: Mapped[EntryStatus] = mapped_column(
        enum_column_type(EntryStatus, "entry_status"), default=EntryStatus.DRAFT
    )
    note: Mapped[str] = mapped_column(String(200), default="")
    # 欠場連絡 (withdrawal notice) sent by the participant after submission.
    withdrawal_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawal_requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT")
    )
    withdrawal_reason: Mapped[str] = mapped_column(String(200), default="")
    # The NCG race an entry was moved out of by the NCG selection (SPEC §6).
    original_race_id: Mapped[int | None] = mapped_column(
        ForeignKey("races.id", ondelete="RESTRICT")
    )

    application: Mapped[Application] = relationship(back_populates="entries")
    athlete: Mapped[Athlete] = relationship()
    race: Mapped[Race] = relationship(foreign_keys=[race_id])
    original_race: Mapped[Race | None] = relationship(foreign_keys=[original_race_id])
    withdrawal_requested_by: Mapped[User | None] = relationship(
        foreign_keys=[withdrawal_requested_by_id]
    )
    # Its place in a heat (bib, position) once heats are built; the heat owns the slot.
    slot: Mapped[HeatSlot | None] = relationship(viewonly=True)

    def __repr__(self) -> str:
        return f"<Entry {self.id} athlete={self.athlete_id} race={self.race_id}>"


class EntryImport(StagedRowsMixin, db.Model):
    """Parsed rows of an uploaded entry spreadsheet, kept between preview and confirm."""

    __tablename__ = "entry_imports"
