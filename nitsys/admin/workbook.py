"""The all-data workbook download on the exports page (SPEC §8, 記録保存用)."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from nitsys.admin import bp
from nitsys.admin.exports import send_export
from nitsys.extensions import db
from nitsys.models import Meet, Role
from nitsys.security import role_required
from nitsys.services import workbook


@bp.post("/meets/<int:meet_id>/exports/workbook")
@role_required(Role.STAFF)
def export_workbook(meet_id: int):
    meet = db.session.get(Meet, meet_id) or abort(404)
    return send_export(meet.id, lambda: workbook.export_workbook(meet.id, by=current_user))
