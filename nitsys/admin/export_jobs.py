"""The archive card of the exports page: start the post-meet archive, watch it, download it.

The start button queues the job for the worker (`nitsys.tasks`) and answers at once with the
job's status fragment, which polls itself every second with HTMX while the job runs and
becomes a download link when the zip is ready (served from the storage by any instance).
"""

from __future__ import annotations

import io

from flask import abort, render_template, send_file
from flask_login import current_user

from nitsys import tasks
from nitsys.admin import bp
from nitsys.domain.errors import NotFound, RuleViolation
from nitsys.extensions import db
from nitsys.models import Role
from nitsys.security import role_required
from nitsys.services import export_jobs


@bp.post("/meets/<int:meet_id>/exports/archive")
@role_required(Role.STAFF)
def start_archive(meet_id: int):
    try:
        job = export_jobs.start_archive(meet_id, by=current_user)
        db.session.commit()
    except NotFound:
        abort(404)
    except RuleViolation as error:
        db.session.rollback()
        return _status(export_jobs.latest_job(meet_id), meet_id, message=error.message), 409
    tasks.build_archive(job.id)  # in development and tests: built right here (immediate mode)
    db.session.refresh(job)
    return _status(job, meet_id), 202


@bp.get("/meets/<int:meet_id>/exports/archive/<int:job_id>")
@role_required(Role.STAFF)
def archive_status(meet_id: int, job_id: int):
    return _status(_job_or_404(meet_id, job_id), meet_id)


@bp.get("/meets/<int:meet_id>/exports/archive/<int:job_id>/download")
@role_required(Role.STAFF)
def archive_download(meet_id: int, job_id: int):
    job = _job_or_404(meet_id, job_id)
    try:
        data = export_jobs.archive_file(job)
    except RuleViolation:
        abort(404)
    response = send_file(
        io.BytesIO(data),
        mimetype="application/zip",
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


def _status(job, meet_id: int, message: str = "") -> str:
    return render_template(
        "admin/exports/_archive_status.html",
        job=job,
        meet_id=meet_id,
        message=message,
        failure=export_jobs.failure(job),
    )
