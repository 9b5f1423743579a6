"""Timing-CSV profiles (SPEC §8): staff save named column layouts per meet and download with one.

The profiles page lists the meet's profiles next to the editor; HTMX swaps the two together
(`_timing_profiles.html`), and without JavaScript the same forms post and redirect. The
exports page loads its timing-CSV card from :func:`timing_csv_card`, so the card always lists
the current profiles.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from nitsys.admin import bp
from nitsys.admin.exports import ENCODING_LABELS, send_export
from nitsys.domain.errors import NotFound
from nitsys.domain.startlist import COLUMNS
from nitsys.domain.timing_csv import VENDOR_IDS, HeaderStyle
from nitsys.extensions import db
from nitsys.htmx import is_htmx, render_page_or_fragment, trigger
from nitsys.models import Meet, Race, Role, TimingProfileSetting
from nitsys.reports.csv_files import CsvEncoding
from nitsys.security import role_required
from nitsys.services import timing_profiles
from nitsys.usecases import run_as_current_user

FAILED = 422
NEW_PROFILE = {"name": "", "columns": ["heat", "position", "bib", "name", "name_kana"]}


def _meet_or_404(meet_id: int) -> Meet:
    return db.session.get(Meet, meet_id) or abort(404)


def _profile_or_404(meet: Meet, profile_id: int | None) -> TimingProfileSetting:
    try:
        return timing_profiles.get_profile(meet.id, profile_id or 0)
    except NotFound:
        abort(404)


def _active_races(meet: Meet) -> list[Race]:
    return db.session.scalars(
        select(Race)
        .where(Race.meet_id == meet.id, Race.is_active)
        .order_by(Race.display_order, Race.id)
    ).all()


# --- the card on the exports page and the download -----------------------------------------


@bp.get("/meets/<int:meet_id>/exports/timing-card")
@role_required(Role.STAFF)
def timing_csv_card(meet_id: int):
    meet = _meet_or_404(meet_id)
    return render_template(
        "admin/exports/_timing_csv_download.html",
        meet=meet,
        races=_active_races(meet),
        profiles=timing_profiles.meet_profiles(meet.id),
    )


@bp.post("/meets/<int:meet_id>/exports/timing-csv")
@role_required(Role.STAFF)
def export_timing_csv(meet_id: int):
    meet = _meet_or_404(meet_id)
    profile = _profile_or_404(meet, request.form.get("profile_id", type=int))
    race_id = request.form.get("race_id", type=int)
    return send_export(
        meet.id,
        lambda: timing_profiles.export_timing_csv(
            meet.id, by=current_user, profile_id=profile.id, race_id=race_id
        ),
    )


# --- the profiles page ---------------------------------------------------------------------


@bp.get("/meets/<int:meet_id>/exports/timing-profiles")
@role_required(Role.STAFF)
def timing_profiles_page(meet_id: int):
    return _render(_meet_or_404(meet_id), None, NEW_PROFILE)


@bp.get("/meets/<int:meet_id>/exports/timing-profiles/<int:profile_id>")
@role_required(Role.STAFF)
def timing_profile_edit(meet_id: int, profile_id: int):
    meet = _meet_or_404(meet_id)
    profile = _profile_or_404(meet, profile_id)
    return _render(meet, profile, profile.settings)


@bp.post("/meets/<int:meet_id>/exports/timing-profiles")
@role_required(Role.STAFF)
def timing_profile_create(meet_id: int):
    return _save(_meet_or_404(meet_id), None)


@bp.post("/meets/<int:meet_id>/exports/timing-profiles/<int:profile_id>")
@role_required(Role.STAFF)
def timing_profile_update(meet_id: int, profile_id: int):
    meet = _meet_or_404(meet_id)
    return _save(meet, _profile_or_404(meet, profile_id))


@bp.post("/meets/<int:meet_id>/exports/timing-profiles/<int:profile_id>/delete")
@role_required(Role.STAFF)
def timing_profile_delete(meet_id: int, profile_id: int):
    meet = _meet_or_404(meet_id)
    profile = _profile_or_404(meet, profile_id)
    name, error = run_as_current_user(timing_profiles.delete_profile, meet.id, profile.id)
    if error is not None:  # deleted by someone else in the meantime
        abort(404)
    return _done(meet, None, f"設定「{name}」を削除しました。")


def _save(meet: Meet, profile: TimingProfileSetting | None):
    settings = settings_from_form(request.form)
    saved, error = run_as_current_user(
        timing_profiles.save_profile,
        meet.id,
        settings,
        profile_id=profile.id if profile else None,
    )
    if error is not None:
        return _render(meet, profile, settings, error=error.message, status=FAILED)
    return _done(meet, saved, f"設定「{saved.name}」を保存しました。")


def _done(meet: Meet, profile: TimingProfileSetting | None, message: str):
    """After a change: the page again (the saved profile open, or a new one), with a toast."""
    target = _page_url(meet, profile)
    if not is_htmx():
        flash(message, "success")
        return redirect(target, code=303)
    settings = profile.settings if profile else NEW_PROFILE
    html, _ = _render(meet, profile, settings)
    return html, {**trigger(toast=message), "HX-Push-Url": target}


def _page_url(meet: Meet, profile: TimingProfileSetting | None) -> str:
    if profile is None:
        return url_for("admin.timing_profiles_page", meet_id=meet.id)
    return url_for("admin.timing_profile_edit", meet_id=meet.id, profile_id=profile.id)


def _render(meet, profile, settings, *, error: str | None = None, status: int = 200):
    html = render_page_or_fragment(
        "admin/exports/timing_profiles.html",
        "admin/exports/_timing_profiles.html",
        meet=meet,
        races=_active_races(meet),
        profiles=timing_profiles.meet_profiles(meet.id),
        profile=profile,
        settings=settings,
        column_rows=column_rows(settings),
        column_labels={key: column.label for key, column in COLUMNS.items()},
        encoding_labels=ENCODING_LABELS,
        header_styles=list(HeaderStyle),
        encodings=list(CsvEncoding),
        action=_save_url(meet, profile),
        error=error,
    )
    return html, status


def _save_url(meet: Meet, profile: TimingProfileSetting | None) -> str:
    if profile is None:
        return url_for("admin.timing_profile_create", meet_id=meet.id)
    return url_for("admin.timing_profile_update", meet_id=meet.id, profile_id=profile.id)


# --- the editor's form ---------------------------------------------------------------------


def settings_from_form(form: MultiDict) -> dict:
    """The profile as typed: ticked columns sorted by their order numbers (blank ones last,
    ties in the catalogue's order) and the IDs typed for them."""
    ticked = set(form.getlist("columns"))
    chosen = [key for key in COLUMNS if key in ticked]
    columns = sorted(chosen, key=lambda key: _order_number(form.get(f"order-{key}", "")))
    typed_ids = {key: form.get(f"id-{key}", "").strip() for key in columns}
    return {
        "name": form.get("name", ""),
        "columns": columns,
        "header": form.get("header", HeaderStyle.IDS.value),
        "header_ids": {key: typed for key, typed in typed_ids.items() if typed},
        "encoding": form.get("encoding", CsvEncoding.CP932.value),
        "hours": form.get("hours") == "1",
    }


def _order_number(text: str) -> float:
    try:
        return int(text)
    except ValueError:
        return float("inf")


def column_rows(settings: dict) -> list[dict]:
    """Every column for the editor: the chosen ones first, numbered in their order."""
    chosen = [key for key in settings.get("columns", []) if key in COLUMNS]
    others = [key for key in COLUMNS if key not in chosen]
    ids = settings.get("header_ids", {})
    return [
        {
            "column": COLUMNS[key],
            "chosen": key in chosen,
            "order": chosen.index(key) + 1 if key in chosen else "",
            "header_id": ids.get(key) or VENDOR_IDS.get(key, ""),
        }
        for key in (*chosen, *others)
    ]
