"""Exports too large for a request (SPEC §8), built off the request by the task queue: the
post-meet archive, the whole meet's programme, the emergency all-data PDF and all parking permits
(the kinds of :data:`KINDS`; per-race PDFs stay in the request).

Staff start a job (one active job per meet and kind — a second click finds the first); the view
commits it and hands its id to the task queue (`nitsys.tasks.build_archive`), whose worker
writes the progress to the `export_jobs` row — between parts and, through
:mod:`nitsys.progress`, per page or sheet inside them — so the page can poll it, on whichever
instance. A job whose worker died (a deploy, a crash) stops updating; after :data:`STALE_AFTER`
the recovery task queues it again (:func:`requeue_stale`), up to :data:`MAX_ATTEMPTS` times,
then it is failed. The finished file goes to the storage (`archives/…`, `exports/…`), so any
instance can serve the download. Each file is logged by its export service as in a request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from nitsys import progress, storage
from nitsys.domain.errors import NotFound, RuleViolation
from nitsys.extensions import db
from nitsys.models import ExportJob, ExportJobStatus, User
from nitsys.models.base import utcnow
from nitsys.services import archive, audit, export_pdfs, exports, parking
from nitsys.services.conflicts import refused_on_conflict

ARCHIVE = "archive_zip"
PROGRAMME = "programme_pdf"
EMERGENCY = "emergency_pdf"
PERMITS = "parking_permits_pdf"
FILE_FOLDER = "exports"  # the PDFs' storage folder (archives keep theirs)
STALE_AFTER = timedelta(minutes=10)
MAX_ATTEMPTS = 3
ACTIVE = (ExportJobStatus.QUEUED, ExportJobStatus.RUNNING)
INTERRUPTED = "作成が中断されました（サーバーの再起動など）。もう一度作成してください。"
UNEXPECTED = "予期しないエラーで作成できませんでした。システム管理者に連絡してください。"


class JobAlreadyActive(RuleViolation):
    """A file of this kind is already being built for the meet."""


@dataclass(frozen=True)
class JobKind:
    name: str  # in messages: "アーカイブ", "全駐車許可証"
    content_type: str
    export: Callable[..., exports.ExportFile] | None  # `export(meet_id, by=…)`; None: archive


KINDS = {
    ARCHIVE: JobKind("アーカイブ", "application/zip", None),
    PROGRAMME: JobKind("プログラム（大会全体）", export_pdfs.PDF, export_pdfs.export_programme),
    EMERGENCY: JobKind("緊急用全データ", export_pdfs.PDF, export_pdfs.export_emergency),
    PERMITS: JobKind("全駐車許可証", export_pdfs.PDF, parking.export_permits_file),
}


def start_archive(meet_id: int, *, by: User) -> ExportJob:
    """Queue the archive of a meet; the caller commits and then queues the task."""
    return start(meet_id, ARCHIVE, by=by)


def start(meet_id: int, kind: str, *, by: User) -> ExportJob:
    """Queue a file of `kind` (:data:`KINDS`) for a meet; the caller commits, then queues the
    task (`nitsys.tasks.build_archive`)."""
    name = KINDS[kind].name
    meet, _ = exports.meet_and_race(meet_id, None)
    active = latest_job(meet.id, kind)
    if active is not None and is_interrupted(active):
        _finish(active, ExportJobStatus.FAILED, error=INTERRUPTED)
        db.session.flush()
    elif active is not None and active.status in ACTIVE:
        raise JobAlreadyActive(
            f"{name}を作成中です（{active.progress}%）。完成までお待ちください。"
        )
    job = ExportJob(kind=kind, meet_id=meet.id, user_id=by.id)
    started_elsewhere = JobAlreadyActive(
        f"{name}は別の操作で作成が始まっています。画面を更新してください。"
    )
    with refused_on_conflict(started_elsewhere):  # another staff member clicked just now
        db.session.add(job)
    action = "exports.archive_started" if kind == ARCHIVE else f"exports.{kind}_started"
    audit.record(by, action, job, meet_id=meet.id)
    return job


def latest_job(meet_id: int, kind: str = ARCHIVE) -> ExportJob | None:
    """The meet's newest job of `kind`, if any."""
    return db.session.scalars(
        select(ExportJob)
        .where(ExportJob.meet_id == meet_id, ExportJob.kind == kind)
        .order_by(ExportJob.id.desc())
        .limit(1)
    ).first()


def is_interrupted(job: ExportJob) -> bool:
    """An active job that has not reported progress for a long time: its worker is gone."""
    return job.status in ACTIVE and utcnow() - job.updated_at > STALE_AFTER


def failure(job: ExportJob | None) -> str:
    """Why the job produced no file ("" while it runs or once it is done)."""
    if job is None:
        return ""
    return INTERRUPTED if is_interrupted(job) else job.error


def job_of_meet(meet_id: int, job_id: int) -> ExportJob:
    job = db.session.get(ExportJob, job_id)
    if job is None or job.meet_id != meet_id or job.kind not in KINDS:
        raise NotFound("出力ジョブが見つかりません。")
    return job


def key_of(job: ExportJob) -> str:
    """Where the finished file of a job is stored."""
    if job.kind == ARCHIVE:
        return archive.key_of(job.filename)
    return f"{FILE_FOLDER}/{job.id}/{job.filename}"


def job_file(job: ExportJob) -> bytes:
    """The finished file of a done job (refused while building or when the file is gone)."""
    name = KINDS[job.kind].name
    if job.status is not ExportJobStatus.DONE:
        raise RuleViolation(f"{name}はまだ完成していません。")
    try:
        return storage.current().get(key_of(job))
    except NotFound as error:
        raise NotFound(
            f"{name}のファイルが見つかりません（削除された可能性があります）。"
        ) from error


archive_file = job_file  # its older name


def recent_jobs(limit: int = 20) -> list[ExportJob]:
    """The newest jobs of every kind, for the system page (queued, running, failed, done)."""
    return list(
        db.session.scalars(select(ExportJob).order_by(ExportJob.id.desc()).limit(limit)).all()
    )


def requeue_stale() -> list[int]:
    """Active jobs whose worker stopped reporting: queued again (committed), or failed after
    :data:`MAX_ATTEMPTS`. Returns the ids to hand to the queue."""
    stale = db.session.scalars(
        select(ExportJob)
        .where(
            ExportJob.status.in_(ACTIVE),
            ExportJob.updated_at < utcnow() - STALE_AFTER,
        )
        .with_for_update(skip_locked=True)
    ).all()
    again = []
    for job in stale:
        if job.attempts >= MAX_ATTEMPTS:
            _finish(job, ExportJobStatus.FAILED, error=INTERRUPTED)
            continue
        job.status = ExportJobStatus.QUEUED
        job.step = "再開待ち（作成が中断されたため）"
        again.append(job.id)
    db.session.commit()
    return again


def _claim(job_id: int) -> ExportJob | None:
    """Mark a queued job running, or None when another worker has it (or it is finished)."""
    job = db.session.scalars(
        select(ExportJob).where(ExportJob.id == job_id).with_for_update(skip_locked=True)
    ).first()
    if job is None or job.status is not ExportJobStatus.QUEUED:
        db.session.rollback()
        return None
    job.status = ExportJobStatus.RUNNING
    job.attempts += 1
    db.session.commit()
    return job


def run(job_id: int) -> None:
    """Build the job's file, committing progress as it goes; failures end up on the job.

    Idempotent: a job that is not queued (already running elsewhere, done, failed) is left
    alone, so a task delivered twice builds one file.
    """
    job = _claim(job_id)
    if job is None:
        return

    def report(done: int, total: int, part: str) -> None:
        job.progress = done * 100 // total
        job.step = part[:200]
        db.session.commit()

    try:
        if job.kind == ARCHIVE:
            result = archive.archive_meet(job.meet_id, by=job.user, on_progress=report)
            filename = result.filename
            step = f"{len(result.included)}件を収録" + (
                f"・{len(result.skipped)}件は未収録" if result.skipped else ""
            )
        else:
            filename, step = _build_file(job, report)
    except Exception as error:
        db.session.rollback()
        message = error.message if isinstance(error, RuleViolation) else UNEXPECTED
        if not isinstance(error, RuleViolation):
            current_app.logger.exception("export job %s failed", job_id)
        _finish(db.session.get(ExportJob, job_id), ExportJobStatus.FAILED, error=message)
        db.session.commit()
        return
    job.filename = filename
    job.step = step
    _finish(job, ExportJobStatus.DONE)
    db.session.commit()


def _build_file(job: ExportJob, report: Callable[[int, int, str], None]) -> tuple[str, str]:
    """One whole-meet file, built and logged by its export service, then stored."""
    throttle = progress.Throttle(archive.PROGRESS_EVERY)
    report(0, 100, "作成中")

    def within(what: str) -> None:  # pages of an unknown total: creep towards 90%
        if throttle.due():
            report(min(90, job.progress + 5), 100, f"作成中（{what}）")

    with progress.listening(within):
        file = KINDS[job.kind].export(job.meet_id, by=job.user)
    job.filename = file.filename[:200]
    storage.current().put(key_of(job), file.data)
    return job.filename, f"{len(file.data) // 1024 + 1} KB"


def _finish(job: ExportJob, status: ExportJobStatus, *, error: str = "") -> None:
    job.status = status
    job.error = error[:500]
    job.finished_at = utcnow()
    if status is ExportJobStatus.DONE:
        job.progress = 100
