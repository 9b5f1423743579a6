"""The exports page (SPEC §8): staff download start lists and FinishLynx files, and see the log.

Downloads are plain form posts answered with the file, so the browser saves it; a refusal (data
not ready, a name the chosen encoding cannot hold) comes back as a redirect to the page with
the message flashed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from nitsys.admin import bp
from nitsys.domain.errors import RuleViolation
from nitsys.domain.lynx import LynxEncoding
from nitsys.extensions import db
from nitsys.models import Meet, Race, Role
from nitsys.reports.csv_files import CsvEncoding
from nitsys.reports.download import download_response
from nitsys.security import role_required
from nitsys.services import exports

ENCODING_LABELS = {encoding.value: encoding.label for encoding in (*CsvEncoding, *LynxEncoding)}
# The exports page's script sends a random token with a download form and waits for the file's
# answer to carry it back in this cookie: the button shows 作成中… exactly until the file arrives.
DOWNLOAD_COOKIE = "nitsys_download"
DOWNLOAD_TOKEN = re.compile(r"[A-Za-z0-9]{8,40}")


@bp.after_request
def _tell_the_page_the_file_arrived(response):
    if not response.headers.get("Content-Disposition", "").startswith("attachment"):
        return response
    token = request.form.get("download_token", "") if request.method == "POST" else ""
    if DOWNLOAD_TOKEN.fullmatch(token):
        response.set_cookie(
            DOWNLOAD_COOKIE, token, max_age=120, samesite="Lax", secure=request.is_secure
        )
    return response


@bp.get("/meets/<int:meet_id>/exports")
@role_required(Role.STAFF)
def exports_page(meet_id: int):
    meet = db.session.get(Meet, meet_id) or abort(404)
    races = db.session.scalars(
        select(Race)
        .where(Race.meet_id == meet.id, Race.is_active)
        .order_by(Race.display_order, Race.id)
    ).all()
    return render_template(
        "admin/exports/page.html",
        meet=meet,
        races=races,
        problems=exports.readiness_problems(meet.id),
        log=exports.recent_exports(meet.id),
        csv_encodings=list(CsvEncoding),
        lynx_encodings=list(LynxEncoding),
        encoding_labels=ENCODING_LABELS,
        meet_days=exports.meet_days(meet),
    )


@bp.post("/meets/<int:meet_id>/exports/startlist")
@role_required(Role.STAFF)
def export_start_list(meet_id: int):
    return _download(exports.export_start_list, meet_id, CsvEncoding)


@bp.post("/meets/<int:meet_id>/exports/lynx")
@role_required(Role.STAFF)
def export_lynx(meet_id: int):
    try:
        day = date.fromisoformat(request.form["day"]) if request.form.get("day") else None
    except ValueError:
        abort(400)
    return _download(exports.export_lynx, meet_id, LynxEncoding, day=day)


def _download(export, meet_id: int, encodings, **options):
    race_id = request.form.get("race_id", type=int)
    encoding = request.form.get("encoding", "")
    if encoding not in {choice.value for choice in encodings}:
        abort(400)
    return send_export(
        meet_id,
        lambda: export(
            meet_id, by=current_user, race_id=race_id, encoding=encodings(encoding), **options
        ),
    )


def send_export(meet_id: int, build: Callable[[], exports.ExportFile]):
    """Run one export service call and answer with the file, or back to the page with why not.

    Every download route of the exports page (CSV, Lynx, PDFs, workbook) ends here.
    """
    try:
        file = build()
        db.session.commit()
    except RuleViolation as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("admin.exports_page", meet_id=meet_id), code=303)
    return download_response(file.data, file.filename, file.content_type)
