"""Staff parking pages: settings and lots, the request list, the allocation import, permits.

The import is upload → preview → confirm (`services/parking.py`): the preview shows each row's
match, the rows that need the planner's choice, errors and warnings; nothing is written before
the confirm.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from nitsys.admin import bp
from nitsys.domain.errors import NotFound, RuleViolation
from nitsys.entries.parking import read_clock, read_count
from nitsys.extensions import db
from nitsys.htmx import render_page_or_fragment
from nitsys.models import Meet, Role
from nitsys.models.parking import VEHICLE_TYPES, ParkingStatus
from nitsys.reports.csv_files import CsvEncoding
from nitsys.reports.download import download_response
from nitsys.security import role_required
from nitsys.services import parking
from nitsys.usecases import run_as_current_user

FAILED = 422


def _meet_or_404(meet_id: int) -> Meet:
    return db.session.get(Meet, meet_id) or abort(404)


def _list_context(meet: Meet, **extra) -> dict:
    status = request.args.get("status", "")
    if status not in {s.value for s in ParkingStatus}:
        status = ""
    query = request.args.get("q", "")[:50]
    rows, totals, lots = parking.staff_list(meet, status=status, query=query)
    return {
        "meet": meet,
        "rows": rows,
        "totals": totals,
        "lots": lots,
        "settings": parking.settings_for(meet),
        "status": status,
        "q": query,
        "statuses": list(ParkingStatus),
        "vehicle_types": VEHICLE_TYPES,
        "encodings": list(CsvEncoding),
        "upload_error": "",
        **extra,
    }


@bp.get("/meets/<int:meet_id>/parking")
@role_required(Role.STAFF)
def parking_page(meet_id: int):
    meet = _meet_or_404(meet_id)
    return render_page_or_fragment(
        "admin/parking/page.html", "admin/parking/_requests.html", **_list_context(meet)
    )


@bp.post("/meets/<int:meet_id>/parking/decline")
@role_required(Role.STAFF)
def parking_decline(meet_id: int):
    """One form for the whole list: each row's button posts its request id."""
    meet = _meet_or_404(meet_id)
    request_id = request.form.get("request_id", "")
    if not request_id.isdigit() or len(request_id) > 12:
        abort(404)
    try:
        found = parking.request_of_id(meet, int(request_id))
    except NotFound:
        abort(404)
    _, error = run_as_current_user(parking.decline_request, found.id)
    flash(
        error.message if error else f"{found.organization.name} の申請を「不可」にしました。",
        "error" if error else "success",
    )
    return redirect(url_for("admin.parking_page", meet_id=meet.id))


# --- settings and lots ---------------------------------------------------------------------


def _settings_page(meet: Meet, *, error: RuleViolation | None = None, form=None, status=200):
    return render_template(
        "admin/parking/settings.html",
        meet=meet,
        settings=parking.settings_for(meet),
        lots=parking.lots_of(meet),
        vehicle_types=VEHICLE_TYPES,
        error=error,
        form=form or {},
    ), status


@bp.get("/meets/<int:meet_id>/parking/settings")
@role_required(Role.STAFF)
def parking_settings(meet_id: int):
    return _settings_page(_meet_or_404(meet_id))


@bp.post("/meets/<int:meet_id>/parking/settings")
@role_required(Role.STAFF)
def parking_settings_save(meet_id: int):
    meet = _meet_or_404(meet_id)
    form = request.form
    try:
        entry_time = read_clock(form, "entry_time", "入庫時刻")
        exit_time = read_clock(form, "exit_time", "出庫時刻")
    except RuleViolation as error:
        db.session.rollback()
        return _settings_page(meet, error=error, status=FAILED)
    _, error = run_as_current_user(
        parking.save_settings,
        meet.id,
        enabled=form.get("enabled") == "y",
        entry_time=entry_time,
        exit_time=exit_time,
        rules=form.get("rules", "")[:4000],
    )
    if error:
        return _settings_page(meet, error=error, status=FAILED)
    flash("駐車場の設定を保存しました。", "success")
    return redirect(url_for("admin.parking_settings", meet_id=meet.id))


@bp.post("/meets/<int:meet_id>/parking/lots")
@bp.post("/meets/<int:meet_id>/parking/lots/<int:lot_id>")
@role_required(Role.STAFF)
def parking_lot_save(meet_id: int, lot_id: int | None = None):
    meet = _meet_or_404(meet_id)
    form = request.form
    try:
        capacities = {
            kind: read_count(form, f"capacity_{kind}", f"{label}の収容台数")
            for kind, label in VEHICLE_TYPES
        }
    except RuleViolation as error:
        return _settings_page(meet, error=error, form=form, status=FAILED)
    _, error = run_as_current_user(
        parking.save_lot,
        meet.id,
        lot_id=lot_id,
        name=form.get("name", "")[:200],
        address=form.get("address", ""),
        map_url=form.get("map_url", "")[:600],
        capacities=capacities,
    )
    if error:
        return _settings_page(meet, error=error, form=form, status=FAILED)
    flash("駐車場を保存しました。", "success")
    return redirect(url_for("admin.parking_settings", meet_id=meet.id))


@bp.post("/meets/<int:meet_id>/parking/lots/<int:lot_id>/delete")
@role_required(Role.STAFF)
def parking_lot_delete(meet_id: int, lot_id: int):
    meet = _meet_or_404(meet_id)
    _, error = run_as_current_user(parking.delete_lot, meet.id, lot_id)
    if error:
        return _settings_page(meet, error=error, status=FAILED)
    flash("駐車場を削除しました。", "success")
    return redirect(url_for("admin.parking_settings", meet_id=meet.id))


# --- export, import, permits ----------------------------------------------------------------


@bp.get("/meets/<int:meet_id>/parking/requests.csv")
@role_required(Role.STAFF)
def parking_export(meet_id: int):
    meet = _meet_or_404(meet_id)
    try:
        encoding = CsvEncoding(request.args.get("encoding", CsvEncoding.UTF8_BOM.value))
    except ValueError:
        abort(400)
    try:
        data, filename = parking.export_requests(meet.id, by=current_user, encoding=encoding)
    except RuleViolation as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("admin.parking_page", meet_id=meet.id))
    db.session.commit()
    return download_response(data, filename, f"text/csv; charset={encoding.charset}")


@bp.post("/meets/<int:meet_id>/parking/import")
@role_required(Role.STAFF)
def parking_import(meet_id: int):
    meet = _meet_or_404(meet_id)
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise RuleViolation("割当表のファイル（.xlsx または .csv）を選んでください。")
        rows = parking.read_allocation(upload.filename, upload.read())
        result = parking.preview(meet, rows)
    except RuleViolation as error:
        db.session.rollback()
        context = _list_context(meet, upload_error=error.message)
        return render_template("admin/parking/page.html", **context), FAILED
    staged = parking.stage(current_user, meet, rows, upload.filename or "")
    db.session.commit()
    return _preview_page(meet, result, staged.token)


def _preview_page(meet: Meet, result, token: str, *, error: str = "", status: int = 200):
    return render_template(
        "admin/parking/preview.html",
        meet=meet,
        result=result,
        token=token,
        error=error,
        vehicle_types=VEHICLE_TYPES,
        skip=parking.SKIP,
    ), status


@bp.post("/meets/<int:meet_id>/parking/import/<token>/confirm")
@role_required(Role.STAFF)
def parking_import_confirm(meet_id: int, token: str):
    meet = _meet_or_404(meet_id)
    choices = parking.parse_choices(request.form)
    try:
        staged = parking.staged_import(current_user, meet, token)
        outcome = parking.confirm(
            current_user,
            meet,
            staged,
            choices,
            warnings_confirmed=request.form.get("warnings_confirmed") == "y",
        )
        db.session.commit()
    except RuleViolation as error:
        db.session.rollback()
        result = getattr(error, "preview", None)
        if result is None:
            flash(error.message, "error")
            return redirect(url_for("admin.parking_page", meet_id=meet.id))
        return _preview_page(meet, result, token, error=error.message, status=FAILED)
    if outcome.changed:
        flash(
            f"駐車場の割当を{outcome.changed}件取り込みました（各団体にメールでお知らせします）。",
            "success",
        )
    else:
        flash("割当に変更はありませんでした（同じ内容は取り込み済みです）。", "success")
    return redirect(url_for("admin.parking_page", meet_id=meet.id))


@bp.get("/parking")
@role_required(Role.STAFF)
def parking_index():
    """The nav entry: the parking page of the next meet (else the latest one)."""
    meet = parking.current_meet()
    if meet is None:
        flash("大会がまだありません。", "error")
        return redirect(url_for("admin.meet_list"))
    return redirect(url_for("admin.parking_page", meet_id=meet.id))
