"""Staff: the audit log on screen (filters, keyset pages, CSV) and each object's 履歴 panel."""

from __future__ import annotations

import re

from flask import abort, render_template, request
from flask_login import current_user

from nitsys.admin import bp
from nitsys.domain.errors import RuleViolation
from nitsys.extensions import db
from nitsys.models import Role
from nitsys.reports.download import download_response
from nitsys.security import role_required
from nitsys.services import accounts, audit_log, teams

PANEL_ID = re.compile(r"history-[a-z0-9-]{1,40}")


def _filters() -> tuple[audit_log.Filters, str]:
    """The filters of the query string; an actor may be typed as an email address."""
    args = request.args.to_dict()
    actor = args.get("actor", "").strip()[:254]
    if actor:  # a typed address wins over an actor chosen by a link
        user = accounts.find_user_by_email(actor)
        if user is None:
            raise RuleViolation(f"「{actor}」というユーザーは見つかりません。")
        args["actor_id"] = str(user.id)
    return audit_log.Filters.from_args(args), actor


@bp.get("/audit")
@role_required(Role.STAFF)
def audit_page():
    actor = request.args.get("actor", "")
    try:
        filters, actor = _filters()
        before = audit_log.read_int(request.args.get("before", ""), "ページ")
    except RuleViolation as error:
        return render_template(
            "admin/audit/list.html", error=error.message, filters=audit_log.Filters(),
            page=None, actor=actor, meets=_meets(), types=audit_log.OBJECT_TYPES,
        ), 422  # fmt: skip
    page = audit_log.page(filters, before=before)
    return render_template(
        "admin/audit/list.html", error="", filters=filters, page=page, actor=actor,
        meets=_meets(), types=audit_log.OBJECT_TYPES, changes=audit_log.changes,
    )  # fmt: skip


def _meets():
    return teams.meet_choices()


@bp.get("/audit.csv")
@role_required(Role.STAFF)
def audit_csv():
    try:
        filters, _actor = _filters()
    except RuleViolation:
        abort(400)
    data = audit_log.export_csv(filters, by=current_user)
    db.session.commit()
    return download_response(data, "監査ログ.csv", "text/csv; charset=utf-8")


@bp.app_template_global()
def can_read_history(object_type: str) -> bool:
    return audit_log.can_read_history(current_user, object_type)


@bp.get("/audit/history/<object_type>/<int:object_id>")
@role_required(Role.OFFICIAL)
def audit_history(object_type: str, object_id: int):
    if object_type not in audit_log.OBJECT_TYPES or object_id > audit_log.MAX_ID:
        abort(404)
    if not can_read_history(object_type):
        abort(403)
    panel = request.args.get("panel", "")
    events = audit_log.object_history(object_type, object_id)
    return render_template(
        "admin/audit/_history.html",
        history=events,
        object_type=object_type,
        object_id=object_id,
        changes=audit_log.changes,
        history_id=panel if PANEL_ID.fullmatch(panel) else "history",
    )
