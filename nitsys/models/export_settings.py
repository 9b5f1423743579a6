"""Saved export settings and background export jobs (SPEC §8).

:class:`TimingProfileSetting` is a named Japanese timing-CSV profile of one meet (the settings
of :class:`nitsys.domain.timing_csv.TimingProfile` as JSON). :class:`ExportJob` is an export too
large to build inside a request (the post-meet archive): the page polls its progress until the
file is ready to download.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nitsys.extensions import db
from nitsys.models.accounts import User
from nitsys.models.base import TimestampMixin, UTCDateTime
from nitsys.models.enums import LabeledEnum, enum_column_type


class TimingProfileSetting(TimestampMixin, db.Model):
    __tablename__ = "timing_profiles"
    __table_args__ = (UniqueConstraint("meet_id", "name", name="uq_timing_profiles_meet_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meet_id: Mapped[int] = mapped_column(ForeignKey("meets.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(60))
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    updated_by: Mapped[User | None] = relationship()


class ExportJobStatus(LabeledEnum):
    QUEUED = "queued", "待機中"
    RUNNING = "running", "作成中"
    DONE = "done", "完了"
    FAILED = "failed", "失敗"


ACTIVE_JOB = text("status IN ('queued', 'running')")


class ExportJob(TimestampMixin, db.Model):
    __tablename__ = "export_jobs"
    __table_args__ = (
        # One archive at a time per meet: a second click finds the first job instead.
        Index(
            "uq_export_jobs_active",
            "meet_id",
            "kind",
            unique=True,
            sqlite_where=ACTIVE_JOB,
            postgresql_where=ACTIVE_JOB,
        ),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress_percent"),
        CheckConstraint("status <> 'done' OR filename <> ''", name="done_has_file"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    meet_id: Mapped[int] = mapped_column(ForeignKey("meets.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    status: Mapped[ExportJobStatus] = mapped_column(
        enum_column_type(ExportJobStatus, "export_job_status"), default=ExportJobStatus.QUEUED
    )
    progress: Mapped[int] = mapped_column(default=0)
    step: Mapped[str] = mapped_column(String(200), default="")
    filename: Mapped[str] = mapped_column(String(200), default="")
    error: Mapped[str] = mapped_column(String(500), default="")
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How many times a worker started it (a job whose worker died is queued again, 3 at most).
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")

    user: Mapped[User] = relationship()
