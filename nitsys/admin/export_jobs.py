"""Files built by the task queue (the archive, whole-meet PDFs, all parking permits): start one,
watch it, download it.

A start button queues the job for the worker (`nitsys.tasks`). From HTMX (the archive card) it
answers at once with the job's status fragment; from a plain form (the programme and emergency
cards, the parking page) it goes back to the page, which shows the same fragment. The fragment
polls itself every second while the job runs and becomes a download link when the file is ready
(served from the storage by any instance).
"""

from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_login import current_user

from nitsys import tasks
from nitsys.admin import bp
from nitsys.domain.errors import NotFound, RuleViolation
from nitsys.extensions import db
from nitsys.htmx import is_htmx
from nitsys.models import Role
from nitsys.security import role_required
from nitsys.services import export_jobs

# The start URLs' names of the kinds built on the queue (the archive has its own URL).
SLUGS = {
    "programme": export_jobs.PROGRAMME,
    "emergency": export_jobs.EMERGENCY,
    "permits": export_jobs.PERMITS,
}


@bp.context_processor
def export_job_helpers():
    """For the status fragment inside pages: the newest job of a kind and why it failed."""
    return {"export_job": export_jobs.latest_job, "job_failure": export_jobs.failure}


@bp.post("/meets/<int:meet_id>/exports/archive")
@role_required(Role.STAFF)
def start_archive(meet_id: int):
    return start_job(meet_id, export_jobs.ARCHIVE)


@bp.post("/meets/<int:meet_id>/exports/jobs/<slug>")
@role_required(Role.STAFF)
def start_export_job(meet_id: int, slug: str):
    kind = SLUGS.get(slug) or abort(404)
    return start_job(meet_id, kind)


def start_job(meet_id: int, kind: str):
    """Queue a file of `kind`: the status fragment (HTMX) or back to its page with a message."""
    try:
        job = export_jobs.start(meet_id, kind, by=current_user)
        db.session.commit()
    except NotFound:
        abort(404)
    except RuleViolation as error:
        db.session.rollback()
        if not is_htmx():
            flash(error.message, "error")
            return _back(meet_id, kind)
        return _status(export_jobs.latest_job(meet_id, kind), meet_id, kind, error.message), 409
    tasks.build_archive(job.id)  # in development and tests: built right here (immediate mode)
    db.session.refresh(job)
    if not is_htmx():
        if job.error:
            flash(f"作成できませんでした: {job.error}", "error")
        else:
            flash(
                f"{export_jobs.KINDS[kind].name}の作成を始めました。完成するとダウンロードのリンクが出ます。",
                "success",
            )
        return _back(meet_id, kind)
    return _status(job, meet_id, kind), 202


@bp.get("/meets/<int:meet_id>/exports/jobs/<int:job_id>")
@role_required(Role.STAFF)
def archive_status(meet_id: int, job_id: int):
    job = _job_or_404(meet_id, job_id)
    return _status(job, meet_id, job.kind)


@bp.get("/meets/<int:meet_id>/exports/jobs/<int:job_id>/download")
@role_required(Role.STAFF)
def archive_download(meet_id: int, job_id: int):
    job = _job_or_404(meet_id, job_id)
    try:
        data = export_jobs.job_file(job)
    except RuleViolation:
        abort(404)
    response = send_file(
        io.BytesIO(data),
        mimetype=export_jobs.KINDS[job.kind].content_type,
        as_attachment=True,
        download_name=job.filename,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _job_or_404(meet_id: int, job_id: int):
    try:
        return export_jobs.job_of_meet(meet_id, job_id)
    except NotFound:
        abort(404)


def _back(meet_id: int, kind: str):
    page = "admin.parking_page" if kind == export_jobs.PERMITS else "admin.exports_page"
    return redirect(url_for(page, meet_id=meet_id), code=303)


def _status(job, meet_id: int, kind: str, message: str = "") -> str:
    return render_template(
        "admin/exports/_archive_status.html", job=job, kind=kind, meet_id=meet_id, message=message
    )
