"""Excel entry import: template download, upload → preview → confirm (SPEC §4)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from nitsys.domain.errors import RuleViolation
from nitsys.entries import bp
from nitsys.entries.applications import active_races, visible_meet_or_404
from nitsys.entries.forms import EntryImportForm
from nitsys.extensions import db
from nitsys.models import Meet
from nitsys.reports.download import download_response
from nitsys.reports.entry_template import entry_template
from nitsys.services import entry_import
from nitsys.services.entries import check_window

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _upload_page(meet: Meet, form: EntryImportForm, error: str | None = None, status: int = 200):
    return render_template(
        "entries/meets/import.html", meet=meet, form=form, error=error, races=active_races(meet)
    ), status


@bp.get("/meets/<int:meet_id>/import")
@login_required
def import_upload(meet_id: int):
    return _upload_page(visible_meet_or_404(meet_id), EntryImportForm(formdata=None))


@bp.get("/meets/<int:meet_id>/import/template.xlsx")
@login_required
def import_template(meet_id: int):
    meet = visible_meet_or_404(meet_id)
    data = entry_template(meet, active_races(meet))
    return download_response(data, f"entry_template_{meet.number or meet.id}.xlsx", XLSX)


@bp.post("/meets/<int:meet_id>/import")
@login_required
def import_preview(meet_id: int):
    meet = visible_meet_or_404(meet_id)
    form = EntryImportForm()
    if not form.validate():
        return _upload_page(meet, form, "ファイルを選んでください。", 422)
    upload = form.file.data
    try:
        check_window(meet, current_user)
        rows = entry_import.read_workbook(upload.read())
        result = entry_import.apply_rows(current_user, meet, rows)
    except RuleViolation as error:
        db.session.rollback()
        return _upload_page(meet, form, error.message, 422)
    db.session.rollback()  # the preview writes nothing but the staged rows
    staged = entry_import.stage(current_user, meet, rows, upload.filename or "")
    db.session.commit()
    return render_template(
        "entries/meets/import_preview.html", meet=meet, result=result, token=staged.token
    )


@bp.post("/meets/<int:meet_id>/import/<token>/confirm")
@login_required
def import_confirm(meet_id: int, token: str):
    meet = visible_meet_or_404(meet_id)
    try:
        staged = entry_import.staged_import(current_user, meet, token)
        result = entry_import.confirm(current_user, meet, staged)
    except RuleViolation as error:
        db.session.rollback()
        return _upload_page(meet, EntryImportForm(formdata=None), error.message, 422)
    if result.errors:
        db.session.rollback()
        return render_template(
            "entries/meets/import_preview.html", meet=meet, result=result, token=token
        ), 422
    db.session.commit()
    flash(
        f"{len(result.rows)}件のエントリーを下書きに追加しました。内容を確認して提出してください。",
        "success",
    )
    return redirect(url_for("entries.entry_form", meet_id=meet.id))
