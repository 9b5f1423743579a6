"""The team's parking request and permit (SPEC §9). Individuals have no parking.

The rules (deadline, read-only once allocated) live in `services/parking.py`; this view parses
the form, shows errors in place (HTMX fragment, 422) and serves the team's own permit only.
"""

from __future__ import annotations

import unicodedata
from datetime import time

from flask import abort, render_template, request
from flask_login import current_user, login_required

from nitsys.domain.errors import RuleViolation
from nitsys.entries import bp
from nitsys.entries.applications import visible_meet_or_404
from nitsys.extensions import db
from nitsys.htmx import render_page_or_fragment, trigger
from nitsys.models.parking import VEHICLE_TYPES
from nitsys.reports.download import download_response
from nitsys.reports.parking_permit import permit_filename, permits_pdf
from nitsys.services import parking
from nitsys.usecases import run_as_current_user

FAILED = 422
PAGE = "entries/parking/page.html"
FRAGMENT = "entries/parking/_request.html"


def read_count(form, name: str, label: str) -> int:
    raw = unicodedata.normalize("NFKC", form.get(name, "")).strip()
    if not raw:
        return 0
    if not raw.isdigit() or len(raw) > 4:
        raise RuleViolation(f"{label}は0以上の整数で入力してください。", field=name)
    return int(raw)


def read_clock(form, name: str, label: str) -> time | None:
    raw = unicodedata.normalize("NFKC", form.get(name, "")).strip()
    if not raw:
        return None
    try:
        return time.fromisoformat(raw if len(raw) > 4 else raw.zfill(5))
    except ValueError:
        raise RuleViolation(f"{label}は 8:30 のように入力してください。", field=name) from None


def _context(meet, *, form=None, error: RuleViolation | None = None, saved: bool = False):
    own = parking.request_of(meet, current_user.organization_id)
    return {
        "meet": meet,
        "own": own,
        "state": parking.request_state(meet, own),
        "settings": parking.settings_for(meet),
        "lots": parking.lots_of(meet),
        "vehicle_types": VEHICLE_TYPES,
        "form": form if form is not None else _form_of(own),
        "error": error,
        "saved": saved,
    }


def _form_of(own) -> dict:
    if own is None:
        return {}
    values = {kind: own.requested(kind) for kind, _ in VEHICLE_TYPES}
    for name in ("arrival_time", "departure_time"):
        value = getattr(own, name)
        values[name] = value.strftime("%H:%M") if value else ""
    return {**values, "driver_phone": own.driver_phone, "note": own.note}


def _team_meet_or_404(meet_id: int):
    meet = visible_meet_or_404(meet_id)
    if current_user.organization_id is None:
        abort(404)
    return meet


@bp.get("/meets/<int:meet_id>/parking")
@login_required
def parking_request(meet_id: int):
    meet = visible_meet_or_404(meet_id)
    if current_user.organization_id is None:
        return render_template(PAGE, meet=meet, individual=True), 200
    return render_page_or_fragment(PAGE, FRAGMENT, **_context(meet))


@bp.post("/meets/<int:meet_id>/parking")
@login_required
def parking_request_save(meet_id: int):
    meet = _team_meet_or_404(meet_id)
    form = request.form
    try:
        counts = {kind: read_count(form, kind, label) for kind, label in VEHICLE_TYPES}
        arrival = read_clock(form, "arrival_time", "到着予定")
        departure = read_clock(form, "departure_time", "出発予定")
    except RuleViolation as error:
        return render_page_or_fragment(
            PAGE, FRAGMENT, **_context(meet, form=form, error=error)
        ), FAILED
    _, error = run_as_current_user(
        parking.save_request,
        meet.id,
        counts=counts,
        arrival_time=arrival,
        departure_time=departure,
        driver_phone=form.get("driver_phone", "")[:40],
        note=form.get("note", "")[:2000],
    )
    if error:
        return render_page_or_fragment(
            PAGE, FRAGMENT, **_context(meet, form=form, error=error)
        ), FAILED
    body = render_page_or_fragment(PAGE, FRAGMENT, **_context(meet, saved=True))
    return body, 200, trigger(toast="駐車場の申請を保存しました。")


@bp.get("/meets/<int:meet_id>/parking/permit.pdf")
@login_required
def parking_permit(meet_id: int):
    meet = _team_meet_or_404(meet_id)
    own = parking.request_of(meet, current_user.organization_id)
    if own is None or not own.is_assigned:
        abort(404)
    data = permits_pdf(meet, parking.settings_for(meet), [own])
    db.session.rollback()
    return download_response(data, permit_filename(meet, own), "application/pdf")
