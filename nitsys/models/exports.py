"""The export log (SPEC §8, §11): every file staff take out of the system, with who and what.

Start lists and timing files carry personal data, so each download is one row here (and an
audit event); the exports page lists them per meet.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nitsys.extensions import db
from nitsys.models.accounts import User
from nitsys.models.base import UTCDateTime, utcnow
from nitsys.models.meets import Race

EXPORT_KIND_LABELS = {
    "startlist_csv": "スタートリスト（CSV）",
    "lynx_zip": "FinishLynx（zip）",
    "rollcall_pdf": "点呼表（PDF）",
    "programme_pdf": "プログラム（PDF）",
    "result_sheet_pdf": "記録用紙（PDF）",
    "emergency_pdf": "緊急用全データ（PDF）",
    "results_csv": "結果（CSV）",
    "archive_zip": "記録保存用アーカイブ（zip）",
    "timing_csv": "タイミングCSV",
    "workbook_xlsx": "全データ（Excel）",
    "parking_permits_pdf": "駐車許可証（PDF）",
}


class ExportLog(db.Model):
    __tablename__ = "export_logs"
    __table_args__ = (Index("ix_export_logs_meet_at", "meet_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(30))
    meet_id: Mapped[int] = mapped_column(ForeignKey("meets.id", ondelete="CASCADE"))
    race_id: Mapped[int | None] = mapped_column(ForeignKey("races.id", ondelete="SET NULL"))
    parameters: Mapped[dict] = mapped_column(JSON, default=dict)
    filename: Mapped[str] = mapped_column(String(200))
    row_count: Mapped[int] = mapped_column(default=0)
    size_bytes: Mapped[int] = mapped_column(default=0)

    user: Mapped[User] = relationship()
    race: Mapped[Race | None] = relationship()

    @property
    def kind_label(self) -> str:
        return EXPORT_KIND_LABELS.get(self.kind, self.kind)

    def __repr__(self) -> str:
        return f"<ExportLog {self.id} {self.kind} meet={self.meet_id} {self.filename}>"
