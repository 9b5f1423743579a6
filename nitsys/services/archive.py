"""The post-meet archive (記録保存用, SPEC §8 and §10): every export that is ready, in one zip.

Exports that are not ready (no locked heats, bibs missing) are listed in the archive's
README with the reason instead of failing the whole archive; the export issue's PDFs and
results join the list as they are built.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app

from nitsys.extensions import db
from nitsys.formatting import jst
from nitsys.models import Meet, User
from nitsys.models.base import utcnow
from nitsys.reports.csv_files import write_csv
from nitsys.services import audit, exports, payments
from nitsys.services.errors import NotFound, RuleViolation


@dataclass
class ArchiveResult:
    path: Path
    included: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "what: why"


def _parts(meet: Meet, by: User):
    """(name in the archive, how to build its bytes) for each export of the meet."""
    yield "startlist", lambda: exports.export_start_list(meet.id, by=by)
    yield "lynx", lambda: exports.export_lynx(meet.id, by=by)
    yield (
        f"payments_{meet.number or meet.id}.csv",
        lambda: write_csv(payments.export_payments(meet.id, by=by)),
    )


def archive_meet(meet_id: int, *, by: User) -> ArchiveResult:
    """Write `BACKUP_DIR/archives/meet-<number>-<JST time>.zip`; the caller commits the logs."""
    meet = db.session.get(Meet, meet_id)
    if meet is None:
        raise NotFound("大会が見つかりません。")
    now = utcnow()
    folder = Path(current_app.config["BACKUP_DIR"]) / "archives"
    folder.mkdir(parents=True, exist_ok=True)
    result = ArchiveResult(folder / f"meet-{meet.number or meet.id}-{jst(now, '%Y%m%d-%H%M')}.zip")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, build in _parts(meet, by):
            try:
                built = build()
            except RuleViolation as error:
                result.skipped.append(f"{name}: {error.message}")
                continue
            if isinstance(built, exports.ExportFile):
                name, built = built.filename, built.data
            archive.writestr(name, built)
            result.included.append(name)
        archive.writestr("README.txt", _readme(meet, now, result))
    result.path.write_bytes(buffer.getvalue())
    audit.record(
        by,
        "meet.archive",
        meet,
        meet_id=meet.id,
        after={"file": result.path.name, "included": result.included, "skipped": result.skipped},
    )
    return result


def _readme(meet: Meet, now, result: ArchiveResult) -> str:
    lines = [f"{meet.name} 記録保存用アーカイブ", f"作成日時: {jst(now)}（日本時間）", "", "収録:"]
    lines += [f"  - {name}" for name in result.included]
    if result.skipped:
        lines += ["", "未収録（理由）:"] + [f"  - {item}" for item in result.skipped]
    return "\r\n".join(lines) + "\r\n"
