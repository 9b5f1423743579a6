"""Results desk (SPEC §7): upload `.lif` files → preview per heat → confirm; results per race.

The preview answers with the files' bytes in hidden fields, and the confirm posts them back:
nothing is kept on the server between the two steps, and the confirm runs every check of the
preview again on exactly those bytes. A double-click on confirm is harmless — the import is
idempotent (the second changes no result) and htmx disables the button while it runs.
"""

from __future__ import annotations

import base64
import binascii

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from nitsys.admin import bp
from nitsys.admin.exports import send_export
from nitsys.domain.errors import RuleViolation
from nitsys.extensions import db
from nitsys.htmx import is_htmx
from nitsys.models import Meet, Race, Role
from nitsys.reports.csv_files import CsvEncoding
from nitsys.security import role_required
from nitsys.services import results

FAILED = 422
UNREADABLE_FORM = "アップロード内容を読み取れませんでした。もう一度ファイルを選んでください。"


def _meet_or_404(meet_id: int) -> Meet:
    return db.session.get(Meet, meet_id) or abort(404)


def _page(meet: Meet, **context) -> str:
    return render_template(
        "admin/results/page.html",
        meet=meet,
        races=results.race_summaries(meet.id),
        imports=results.recent_imports(meet.id),
        **context,
    )


def _preview_response(meet: Meet, status: int = 200, **context):
    if is_htmx():
        return render_template("admin/results/_preview.html", meet=meet, **context), status
    return _page(meet, **context), status


@bp.get("/meets/<int:meet_id>/results")
@role_required(Role.OFFICIAL)
def results_page(meet_id: int):
    return _page(_meet_or_404(meet_id))


@bp.post("/meets/<int:meet_id>/results/preview")
@role_required(Role.OFFICIAL)
def results_preview(meet_id: int):
    meet = _meet_or_404(meet_id)
    files = [
        (upload.filename or "", upload.read())
        for upload in request.files.getlist("files")
        if upload.filename
    ]
    try:
        preview = results.preview_result_files(meet.id, files)
    except RuleViolation as error:
        db.session.rollback()
        return _preview_response(meet, FAILED, error=error.message)
    encoded = [(file.filename, _encode(file.data)) for file in (h.file for h in preview.heats)]
    return _preview_response(meet, preview=preview, encoded=encoded)


@bp.post("/meets/<int:meet_id>/results/import")
@role_required(Role.OFFICIAL)
def results_import(meet_id: int):
    meet = _meet_or_404(meet_id)
    try:
        files = _decoded(request.form.getlist("name"), request.form.getlist("data"))
        summary = results.import_result_files(meet.id, files, by=current_user)
        db.session.commit()
    except RuleViolation as error:
        db.session.rollback()
        return _preview_response(meet, FAILED, error=error.message)
    flash(summary.message, "success")
    target = url_for("admin.results_page", meet_id=meet.id)
    if is_htmx():
        return "", 204, {"HX-Redirect": target}
    return redirect(target, code=303)


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii")


def _decoded(names: list[str], payloads: list[str]) -> list[tuple[str, bytes]]:
    if not names or len(names) != len(payloads):
        raise RuleViolation(UNREADABLE_FORM)
    try:
        return [
            (name, base64.urlsafe_b64decode(payload.encode("ascii")))
            for name, payload in zip(names, payloads, strict=True)
        ]
    except (binascii.Error, UnicodeEncodeError, ValueError) as error:
        raise RuleViolation(UNREADABLE_FORM) from error


@bp.get("/meets/<int:meet_id>/results/races/<int:race_id>")
@role_required(Role.OFFICIAL)
def results_race(meet_id: int, race_id: int):
    meet = _meet_or_404(meet_id)
    race = db.session.get(Race, race_id)
    if race is None or race.meet_id != meet.id:
        abort(404)
    return render_template(
        "admin/results/race.html",
        meet=meet,
        race_results=results.race_results(race),
        csv_encodings=list(CsvEncoding),
    )


@bp.post("/meets/<int:meet_id>/exports/results")
@role_required(Role.STAFF)
def export_results_csv(meet_id: int):
    race_id = request.form.get("race_id", type=int)
    encoding = request.form.get("encoding", CsvEncoding.UTF8_BOM.value)
    if encoding not in {choice.value for choice in CsvEncoding}:
        abort(400)
    return send_export(
        meet_id,
        lambda: results.export_results_csv(
            meet_id, by=current_user, race_id=race_id, encoding=CsvEncoding(encoding)
        ),
    )
