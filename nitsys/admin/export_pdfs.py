"""The exports page's PDF cards (SPEC §8): roll call, programme, result sheets, emergency list.

Each card posts a target — the whole meet, "race:<id>" or "heat:<id>" — and gets the PDF back
through :func:`nitsys.admin.exports.send_export`, like the CSV and timing downloads; the whole
meet's programme and the emergency list are built on the task queue instead
(:func:`nitsys.admin.export_jobs.start_job`) and downloaded from the page when ready.
"""

from __future__ import annotations

from flask import abort, request
from flask_login import current_user

from nitsys.admin import bp
from nitsys.admin.export_jobs import start_job
from nitsys.admin.exports import send_export
from nitsys.models import Role
from nitsys.security import role_required
from nitsys.services import export_jobs, export_pdfs


@bp.context_processor
def pdf_heat_choices():
    """Called by the PDF cards only, so other admin pages never run the query."""
    return {"pdf_heat_choices": export_pdfs.heat_choices}


@bp.post("/meets/<int:meet_id>/exports/pdf/rollcall")
@role_required(Role.STAFF)
def export_roll_call_pdf(meet_id: int):
    return _heat_download(export_pdfs.export_roll_call, meet_id)


@bp.post("/meets/<int:meet_id>/exports/pdf/programme")
@role_required(Role.STAFF)
def export_programme_pdf(meet_id: int):
    race_id, heat_id = _target()
    if heat_id is not None:
        abort(400)
    if race_id is None:  # the whole meet: hundreds of pages, built on the queue
        return start_job(meet_id, export_jobs.PROGRAMME)
    return send_export(
        meet_id, lambda: export_pdfs.export_programme(meet_id, by=current_user, race_id=race_id)
    )


@bp.post("/meets/<int:meet_id>/exports/pdf/results-sheet")
@role_required(Role.STAFF)
def export_result_sheets_pdf(meet_id: int):
    return _heat_download(export_pdfs.export_result_sheets, meet_id)


@bp.post("/meets/<int:meet_id>/exports/pdf/emergency")
@role_required(Role.STAFF)
def export_emergency_pdf(meet_id: int):
    return start_job(meet_id, export_jobs.EMERGENCY)  # every runner of the meet: on the queue


def _heat_download(export, meet_id: int):
    """A document that may be asked for one heat (roll call, result sheets)."""
    race_id, heat_id = _target()
    return send_export(
        meet_id, lambda: export(meet_id, by=current_user, race_id=race_id, heat_id=heat_id)
    )


def _target() -> tuple[int | None, int | None]:
    """(race id, heat id) from the form's "target": "" is the whole meet."""
    kind, _, number = request.form.get("target", "").partition(":")
    if not kind:
        return None, None
    if kind not in ("race", "heat") or not number.isdigit():
        abort(400)
    return (int(number), None) if kind == "race" else (None, int(number))
