"""News (お知らせ) and the meet's guideline PDF (要項) (SPEC §9).

A notice is visible from `publish_at` until `expires_at` (open-ended without one); a notice
without `publish_at` is a draft. What is visible at a given time is decided in one place,
`services.news.visible_at`, used by every list, banner, feed and page.

The guideline PDF is kept in the database, like transfer slips, so backups carry it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from nitsys.extensions import db
from nitsys.models.accounts import User
from nitsys.models.base import TimestampMixin, UTCDateTime, utcnow
from nitsys.models.enums import LabeledEnum, enum_column_type
from nitsys.models.meets import Meet

MAX_GUIDELINE_BYTES = 10 * 1024 * 1024


class NoticeCategory(LabeledEnum):
    NORMAL = "normal", "通常"
    IMPORTANT = "important", "重要"
    CORRECTION = "correction", "訂正"
    URGENT = "urgent", "緊急"

    @property
    def is_banner(self) -> bool:
        return self in (NoticeCategory.IMPORTANT, NoticeCategory.URGENT)


class BroadcastScope(LabeledEnum):
    NONE = "none", "送信しない"
    MEET = "meet", "この大会にエントリーしたチームの連絡先"
    ALL = "all", "有効なすべてのチーム・個人の連絡先"


class Notice(TimestampMixin, db.Model):
    __tablename__ = "notices"
    __table_args__ = (
        Index("ix_notices_publish_at", "publish_at"),
        CheckConstraint(
            "expires_at IS NULL OR publish_at IS NULL OR expires_at > publish_at",
            name="expiry_after_publish",
        ),
        CheckConstraint("title <> ''", name="title_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[NoticeCategory] = mapped_column(
        enum_column_type(NoticeCategory, "notice_category"), default=NoticeCategory.NORMAL
    )
    meet_id: Mapped[int | None] = mapped_column(
        ForeignKey("meets.id", ondelete="CASCADE"), index=True
    )
    # None = draft; in the future = scheduled.
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pinned: Mapped[bool] = mapped_column(default=False)
    # A correction (訂正) may point at the notice it corrects.
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id", ondelete="SET NULL"))
    broadcast_scope: Mapped[BroadcastScope] = mapped_column(
        enum_column_type(BroadcastScope, "broadcast_scope"), default=BroadcastScope.NONE
    )
    broadcast_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    meet: Mapped[Meet | None] = relationship()
    corrects: Mapped[Notice | None] = relationship(remote_side=[id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    def is_visible_at(self, when: datetime) -> bool:
        return (
            self.publish_at is not None
            and self.publish_at <= when
            and (self.expires_at is None or self.expires_at > when)
        )

    def __repr__(self) -> str:
        return f"<Notice {self.id} {self.title}>"


class MeetGuideline(TimestampMixin, db.Model):
    """The meet's 要項 PDF (one per meet; a new upload replaces it)."""

    __tablename__ = "meet_guidelines"
    __table_args__ = (
        CheckConstraint(f"size > 0 AND size <= {MAX_GUIDELINE_BYTES}", name="guideline_size"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meet_id: Mapped[int] = mapped_column(ForeignKey("meets.id", ondelete="CASCADE"), unique=True)
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    original_filename: Mapped[str] = mapped_column(String(200), default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meet: Mapped[Meet] = relationship()
