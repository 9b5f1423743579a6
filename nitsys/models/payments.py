"""Transfer slips (振込明細) and payment approvals (SPEC §5).

Every upload is kept (`PaymentSlip`), with its bytes in the database so that backups carry it
(defect: slips lost on redeploy) and a thumbnail made once at upload. An application is paid
exactly once: `PaymentApproval.application_id` is unique, so even a lock bypassed by mistake
cannot record a second approval. A forced approval (強制承認) is an approval row with
`forced` set and a required reason; it may have no slip at all.

Money changes only through an `ApplicationAdjustment` (SPEC §5): the submission snapshot
(`total_amount`) never changes, and the amount due is the snapshot plus the adjustments.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    func,
    select,
    text,
)
from sqlalchemy.orm import Mapped, backref, column_property, deferred, mapped_column, relationship

from nitsys.extensions import db
from nitsys.models.accounts import User
from nitsys.models.base import TimestampMixin, UTCDateTime, utcnow
from nitsys.models.entries import Application
from nitsys.models.enums import LabeledEnum, enum_column_type

MAX_SLIP_BYTES = 10 * 1024 * 1024
PENDING_ONLY = text("review = 'pending'")


class SlipReview(LabeledEnum):
    PENDING = "pending", "確認待ち"
    APPROVED = "approved", "承認"
    REJECTED = "rejected", "差し戻し"


class PaymentSlip(TimestampMixin, db.Model):
    __tablename__ = "payment_slips"
    __table_args__ = (
        # At most one slip waiting for review per application.
        Index(
            "uq_payment_slips_pending",
            "application_id",
            unique=True,
            sqlite_where=PENDING_ONLY,
            postgresql_where=PENDING_ONLY,
        ),
        CheckConstraint(f"size > 0 AND size <= {MAX_SLIP_BYTES}", name="slip_size"),
        CheckConstraint("review <> 'rejected' OR review_reason <> ''", name="rejection_has_reason"),
        CheckConstraint("declared_amount IS NULL OR declared_amount >= 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="RESTRICT"), index=True
    )
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The file itself; deferred so that lists never load it.
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    original_filename: Mapped[str] = mapped_column(String(200), default="")
    # A JPEG made once at upload (a generic icon for PDFs); never re-decoded per request.
    thumbnail: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    thumbnail_type: Mapped[str] = mapped_column(String(40), default="image/jpeg")
    # What the payer declares (振込日, 振込金額, 振込名義).
    transfer_date: Mapped[date | None]
    declared_amount: Mapped[int | None]
    payer_name: Mapped[str] = mapped_column(String(100), default="")
    # The review of this slip.
    review: Mapped[SlipReview] = mapped_column(
        enum_column_type(SlipReview, "slip_review"), default=SlipReview.PENDING
    )
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_reason: Mapped[str] = mapped_column(Text, default="")

    application: Mapped[Application] = relationship(
        backref=backref("slips", order_by="PaymentSlip.id", lazy="select")
    )
    uploaded_by: Mapped[User] = relationship(foreign_keys=[uploaded_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])

    @property
    def is_pdf(self) -> bool:
        return self.content_type == "application/pdf"

    @property
    def amount_mismatch(self) -> bool:
        return (
            self.declared_amount is not None and self.declared_amount != self.application.amount_due
        )

    def __repr__(self) -> str:
        return f"<PaymentSlip {self.id} app={self.application_id} {self.review.value}>"


class PaymentApproval(TimestampMixin, db.Model):
    """The one approval of an application (by review of a slip, or forced at the desk)."""

    __tablename__ = "payment_approvals"
    __table_args__ = (
        CheckConstraint("NOT forced OR reason <> ''", name="forced_has_reason"),
        CheckConstraint("forced OR slip_id IS NOT NULL", name="reviewed_has_slip"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="RESTRICT"), unique=True
    )
    slip_id: Mapped[int | None] = mapped_column(ForeignKey("payment_slips.id", ondelete="RESTRICT"))
    approved_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The snapshot total at approval time (the amount "approved today" adds up).
    amount: Mapped[int]
    forced: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(Text, default="")

    application: Mapped[Application] = relationship(
        backref=backref("approval", uselist=False, lazy="select")
    )
    slip: Mapped[PaymentSlip | None] = relationship()
    approved_by: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<PaymentApproval app={self.application_id} forced={self.forced}>"


class ApplicationAdjustment(TimestampMixin, db.Model):
    """An official's explicit change of what an application owes (yen; negative lowers it)."""

    __tablename__ = "application_adjustments"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="amount_nonzero"),
        CheckConstraint("reason <> ''", name="adjustment_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="RESTRICT"), index=True
    )
    amount: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship(
        backref=backref("adjustments", order_by="ApplicationAdjustment.id", lazy="select")
    )
    by: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<ApplicationAdjustment app={self.application_id} {self.amount:+d}>"


# Loaded with every application in the same SELECT (no extra query); `amount_due` adds it.
Application.adjustment_total = column_property(
    select(func.coalesce(func.sum(ApplicationAdjustment.amount), 0))
    .where(ApplicationAdjustment.application_id == Application.id)
    .correlate_except(ApplicationAdjustment)
    .scalar_subquery()
)
