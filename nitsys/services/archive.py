"""The post-meet archive (記録保存用, SPEC §8 and §10): every export that is ready, in one zip.

Exports that are not ready (no locked heats, bibs missing, no results yet) are listed in the
archive's README with the reason instead of failing the whole archive. Each part is logged as
its own export, and the archive as a whole once more.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

from nitsys import progress, storage
from nitsys.domain.errors import NotFound, RuleViolation
from nitsys.extensions import db
from nitsys.formatting import jst
from nitsys.models import Meet, User
from nitsys.models.base import utcnow
from nitsys.reports.csv_files import write_csv
from nitsys.services import export_pdfs, exports, parking, payments, results, workbook

ARCHIVE_FOLDER = "archives"
PROGRESS_EVERY = 0.5  # seconds between two progress reports from inside one part


@dataclass
class ArchiveResult:
    filename: str
    included: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "what: why"


def _parts(meet: Meet, by: User):
    """(name in the archive, how to build its bytes) for each export of the meet."""
    yield "startlist", lambda: exports.export_start_list(meet.id, by=by)
    yield "lynx", lambda: exports.export_lynx(meet.id, by=by)
    yield "programme", lambda: export_pdfs.export_programme(meet.id, by=by)
    yield "rollcall", lambda: export_pdfs.export_roll_call(meet.id, by=by)
    yield "resultsheet", lambda: export_pdfs.export_result_sheets(meet.id, by=by)
    yield "emergency", lambda: export_pdfs.export_emergency(meet.id, by=by)
    yield "results", lambda: results.export_results_csv(meet.id, by=by)
    yield "alldata", lambda: workbook.export_workbook(meet.id, by=by)
    yield (
        f"payments_{meet.number or meet.id}.csv",
        lambda: write_csv(payments.export_payments(meet.id, by=by)),
    )
    if parking.has_requests(meet):  # a meet without parking has nothing to list here
        yield "parking", lambda: parking.export_parking_file(meet.id, by=by)
        yield "parking_permits", lambda: parking.export_permits_file(meet.id, by=by)


def archive_meet(
    meet_id: int, *, by: User, on_progress: Callable[[int, int, str], None] | None = None
) -> ArchiveResult:
    """Store `archives/meet-<number>-<JST time>.zip` (see :func:`key_of`); the caller commits the logs.

    `on_progress(done, total, name)` is called before each part is built and, at most every
    :data:`PROGRESS_EVERY` seconds, from inside a part (per page or sheet, through
    :func:`nitsys.progress.tick`), so the exports page keeps moving during a long PDF.
    """
    meet = db.session.get(Meet, meet_id)
    if meet is None:
        raise NotFound("大会が見つかりません。")
    now = utcnow()
    result = ArchiveResult(f"meet-{meet.number or meet.id}-{jst(now, '%Y%m%d-%H%M')}.zip")
    parts = list(_parts(meet, by))
    buffer = io.BytesIO()
    throttle = progress.Throttle(PROGRESS_EVERY)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for done, (name, build) in enumerate(parts):
            if on_progress:
                on_progress(done, len(parts), name)

            def within(what: str, done=done, name=name) -> None:
                if on_progress and throttle.due():
                    on_progress(done, len(parts), f"{name} {what}")

            try:
                with progress.listening(within):
                    built = build()
            except RuleViolation as error:
                result.skipped.append(f"{name}: {error.message}")
                continue
            if isinstance(built, exports.ExportFile):
                name, built = built.filename, built.data
            archive.writestr(name, built)
            result.included.append(name)
        archive.writestr("README.txt", _readme(meet, now, result))
    data = buffer.getvalue()
    storage.current().put(key_of(result.filename), data)
    exports.log_export(
        by,
        "archive_zip",
        meet,
        None,
        {"included": result.included, "skipped": result.skipped},
        result.filename,
        len(result.included),
        data,
    )
    return result


def key_of(filename: str) -> str:
    """The storage key of an archive file."""
    return f"{ARCHIVE_FOLDER}/{filename}"


def _readme(meet: Meet, now, result: ArchiveResult) -> str:
    lines = [f"{meet.name} 記録保存用アーカイブ", f"作成日時: {jst(now)}（日本時間）", "", "収録:"]
    lines += [f"  - {name}" for name in result.included]
    if result.skipped:
        lines += ["", "未収録（理由）:"] + [f"  - {item}" for item in result.skipped]
    return "\r\n".join(lines) + "\r\n"
