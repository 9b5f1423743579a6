"""The roster (選手管理): search, inline add/edit, deactivate with undo, import, export.

Every HTMX action is also a plain form post that redirects, so the page works without JS.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from nitsys.domain import nationalities, prefectures
from nitsys.domain.athlete_rows import GENDERS, GRADES, LAYOUTS
from nitsys.domain.errors import NotFound, RuleViolation
from nitsys.domain.kana import suggest_romaji
from nitsys.entries import bp
from nitsys.entries.athlete_forms import AthleteForm, ImportConfirmForm, ImportUploadForm
from nitsys.extensions import db
from nitsys.htmx import is_htmx, render_page_or_fragment, trigger
from nitsys.reports import athlete_files
from nitsys.security import log_security
from nitsys.services import athletes

PAGE = "entries/athletes/roster.html"
FORM_PAGE = "entries/athletes/form.html"
NEW = "new"


@bp.context_processor
def athlete_labels():
    return {
        "GENDERS": GENDERS,
        "GRADES": GRADES,
        "pref_name": prefectures.short_name,
        "nationality_label": nationalities.label,
    }


def _filters() -> dict:
    args = request.args
    grade = args.get("grade")
    return {
        "query": args.get("q", "").strip()[:100],
        "gender": args.get("gender", ""),
        "grade": grade if grade in GRADES else None,
        "sort": args.get("sort", "kana") if args.get("sort") in athletes.SORTS else "kana",
        "active": args.get("view") != "inactive",
    }


def _athlete_or_404(athlete_id: int):
    try:
        return athletes.get_owned(current_user, athlete_id)
    except NotFound:
        log_security("ownership.denied", model="Athlete", id=athlete_id)
        abort(404)


def _new_form(**kwargs) -> AthleteForm:
    form = AthleteForm(prefix=NEW, **kwargs)
    if not form.nationality.data:
        form.nationality.data = "JPN"
    return form


def _warning_text(warnings) -> str | None:
    return " ".join(issue.message for issue in warnings) or None


@bp.get("/athletes")
@login_required
def athletes_roster():
    filters = _filters()
    rows = athletes.search_athletes(current_user, **filters)
    undo = request.args.get("undo", type=int)
    return render_page_or_fragment(
        PAGE,
        "entries/athletes/_results.html",
        athletes=rows,
        filters=filters,
        sorts=athletes.SORTS,
        undo=undo,
    )


@bp.get("/athletes/new")
@login_required
def athlete_new():
    form = _new_form(formdata=None)
    if is_htmx():
        return render_template("entries/athletes/_form_row.html", form=form, athlete=None)
    return render_template(FORM_PAGE, form=form, athlete=None)


@bp.get("/athletes/new/cancel")
@login_required
def athlete_new_cancel():
    return ""


def _saved(athlete, warnings, message: str, *, created: bool):
    toast = " ".join(filter(None, [message, _warning_text(warnings)]))
    level = "warning" if warnings else "success"
    if not is_htmx():
        flash(toast, level)
        return redirect(url_for("entries.athletes_roster"))
    html = render_template("entries/athletes/_row.html", athlete=athlete)
    if created:  # a fresh empty row on top, ready for the next athlete
        html = (
            render_template(
                "entries/athletes/_form_row.html", form=_new_form(formdata=None), athlete=None
            )
            + html
        )
    return html, trigger("athletes-changed", toast=toast, level=level)


def _invalid(form: AthleteForm, athlete, error: RuleViolation):
    db.session.rollback()
    field_errors = getattr(error, "errors", {})
    form.show_errors(field_errors)
    message = (
        f"入力内容を確認してください（{len(field_errors)}件）。" if field_errors else error.message
    )
    template = "entries/athletes/_form_row.html" if is_htmx() else FORM_PAGE
    return render_template(template, form=form, athlete=athlete, error=message), 422


@bp.post("/athletes")
@login_required
def athlete_create():
    form = _new_form()
    try:
        athlete, warnings = athletes.create_athlete(current_user, form.raw())
        db.session.commit()
    except RuleViolation as error:
        return _invalid(form, None, error)
    return _saved(athlete, warnings, f"{athlete.full_name} さんを登録しました。", created=True)


@bp.get("/athletes/<int:athlete_id>/edit")
@login_required
def athlete_edit(athlete_id: int):
    athlete = _athlete_or_404(athlete_id)
    form = AthleteForm.for_athlete(athlete, prefix=f"a{athlete.id}")
    template = "entries/athletes/_form_row.html" if is_htmx() else FORM_PAGE
    return render_template(template, form=form, athlete=athlete)


@bp.get("/athletes/<int:athlete_id>/row")
@login_required
def athlete_row(athlete_id: int):
    athlete = _athlete_or_404(athlete_id)
    if not is_htmx():
        return redirect(url_for("entries.athletes_roster"))
    return render_template("entries/athletes/_row.html", athlete=athlete)


@bp.post("/athletes/<int:athlete_id>")
@login_required
def athlete_update(athlete_id: int):
    athlete = _athlete_or_404(athlete_id)
    form = AthleteForm(prefix=f"a{athlete.id}")
    try:
        athlete, warnings = athletes.update_athlete(current_user, athlete.id, form.raw())
        db.session.commit()
    except RuleViolation as error:
        return _invalid(form, athlete, error)
    return _saved(
        athlete, warnings, f"{athlete.full_name} さんの登録内容を更新しました。", created=False
    )


@bp.get("/athletes/romaji")
@login_required
def athlete_romaji():
    """The romaji inputs, filled from the kana where they are still empty (HTMX helper)."""
    prefix = request.args.get("prefix", NEW)
    form = AthleteForm(formdata=request.args, prefix=prefix)
    last, first = suggest_romaji(form.last_name_kana.data or "", form.first_name_kana.data or "")
    form.last_name_en.data = form.last_name_en.data or last
    form.first_name_en.data = form.first_name_en.data or first
    return render_template("entries/athletes/_romaji.html", form=form)


@bp.post("/athletes/<int:athlete_id>/deactivate")
@login_required
def athlete_deactivate(athlete_id: int):
    athlete = athletes.deactivate_athlete(current_user, _athlete_or_404(athlete_id).id)
    db.session.commit()
    message = f"{athlete.full_name} さんを登録解除しました。"
    if not is_htmx():
        flash(message, "success")
        return redirect(url_for("entries.athletes_roster", undo=athlete.id))
    return (
        render_template("entries/athletes/_removed_row.html", athlete=athlete),
        trigger("athletes-changed"),
    )


@bp.post("/athletes/<int:athlete_id>/reactivate")
@login_required
def athlete_reactivate(athlete_id: int):
    athlete = _athlete_or_404(athlete_id)
    try:
        athletes.reactivate_athlete(current_user, athlete.id)
        db.session.commit()
    except RuleViolation as error:
        db.session.rollback()
        if not is_htmx():
            flash(error.message, "error")
            return redirect(url_for("entries.athletes_roster", view="inactive"))
        return "", 422, {**trigger(toast=error.message, level="error"), "HX-Reswap": "none"}
    message = f"{athlete.full_name} さんを選手一覧に戻しました。"
    if not is_htmx():
        flash(message, "success")
        return redirect(url_for("entries.athletes_roster"))
    return (
        render_template("entries/athletes/_row.html", athlete=athlete),
        trigger("athletes-changed", toast=message),
    )


# ---------------------------------------------------------------------------------- files


def _download(data: bytes, filename: str, mimetype: str):
    extension = filename.rsplit(".", 1)[-1]
    disposition = (
        f"attachment; filename=\"athletes.{extension}\"; filename*=UTF-8''{quote(filename)}"
    )
    headers = {"Content-Disposition": disposition}
    return data, 200, {"Content-Type": mimetype, **headers}


@bp.get("/athletes/template.xlsx")
@login_required
def athletes_template():
    return _download(
        athlete_files.template_xlsx(), "選手一括登録テンプレート.xlsx", athlete_files.XLSX_TYPE
    )


@bp.get("/athletes/export.<any(xlsx, csv):fmt>")
@login_required
def athletes_export(fmt: str):
    rows = athletes.search_athletes(current_user)
    if fmt == "csv":
        return _download(athlete_files.roster_csv(rows), "選手一覧.csv", "text/csv; charset=utf-8")
    return _download(athlete_files.roster_xlsx(rows), "選手一覧.xlsx", athlete_files.XLSX_TYPE)


@bp.route("/athletes/import", methods=["GET", "POST"])
@login_required
def athletes_import():
    form = ImportUploadForm()
    if request.method == "GET":
        return render_template("entries/athletes/import.html", form=form)
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise RuleViolation("ファイルを選択してください。")
        data = upload.read(athlete_files.MAX_UPLOAD_BYTES + 1)
        staged = athletes.preview_import(current_user, upload.filename, data)
        db.session.commit()
    except RuleViolation as error:
        db.session.rollback()
        form.file.errors = [error.message]
        return render_template("entries/athletes/import.html", form=form), 422
    return redirect(url_for("entries.athletes_import_preview", import_id=staged.id))


def _staged_or_redirect(import_id: int):
    try:
        return athletes.get_import(current_user, import_id), None
    except NotFound:
        abort(404)
    except RuleViolation as error:
        flash(error.message, "error")
        return None, redirect(url_for("entries.athletes_import"))


@bp.get("/athletes/import/<int:import_id>")
@login_required
def athletes_import_preview(import_id: int):
    staged, response = _staged_or_redirect(import_id)
    if response:
        return response
    rows = athletes.classify(current_user, staged)
    counts = {
        status: sum(row.status == status for row in rows) for status in ("new", "existing", "error")
    }
    return render_template(
        "entries/athletes/preview.html",
        staged=staged,
        rows=rows,
        counts=counts,
        layout=LAYOUTS[staged.layout],
        form=ImportConfirmForm(),
    )


@bp.post("/athletes/import/<int:import_id>/confirm")
@login_required
def athletes_import_confirm(import_id: int):
    staged, response = _staged_or_redirect(import_id)
    if response:
        return response
    update = ImportConfirmForm().mode.data == "update"
    try:
        counts = athletes.confirm_import(current_user, staged.id, update_existing=update)
        db.session.commit()
    except RuleViolation as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("entries.athletes_import_preview", import_id=import_id))
    parts = [f"{counts.created}名を登録しました。"]
    if counts.updated or update:
        parts.append(f"{counts.updated}名を更新しました（変更なし {counts.unchanged}名）。")
    if counts.skipped:
        parts.append(f"{counts.skipped}名は登録済みのためスキップしました。")
    if counts.errors:
        parts.append(f"エラーの{counts.errors}行は取り込んでいません。")
    flash(" ".join(parts), "success")
    return redirect(url_for("entries.athletes_roster"))
