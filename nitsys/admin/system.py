"""Staff: the system page (health, backups, mail, maintenance, routines, contacts) and outbox."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from nitsys import storage, tasks
from nitsys.admin import bp
from nitsys.domain.errors import NotFound, RuleViolation
from nitsys.extensions import db
from nitsys.models import OutboxMessage, OutboxStatus, Role
from nitsys.models.exports import EXPORT_KIND_LABELS
from nitsys.security import role_required
from nitsys.services import export_jobs, maintenance, pauses, system

OUTBOX_PAGE_SIZE = 100


@bp.get("/system")
@role_required(Role.STAFF)
def system_page():
    return render_template(
        "admin/system/page.html",
        status=system.status(),
        routines=system.routines(),
        contacts=system.contacts(),
        jobs=export_jobs.recent_jobs(),
        job_labels=EXPORT_KIND_LABELS,
        queue_kind=tasks.queue_kind(),
        storage_name=storage.current().describe(),
        pauses=pauses.states(),
    )


@bp.post("/system/pauses/<feature>")
@role_required(Role.STAFF)
def toggle_pause(feature: str):
    if feature not in pauses.FEATURES:
        abort(404)
    label = pauses.FEATURES[feature][0]
    if request.form.get("paused") == "1":
        pauses.pause(feature, request.form.get("message", ""), by=current_user)
        flash(f"「{label}」を一時停止しました。", "warning")
    else:
        pauses.resume(feature, by=current_user)
        flash(f"「{label}」を再開しました。", "success")
    db.session.commit()
    return redirect(url_for("admin.system_page", _anchor="pauses"))


@bp.post("/system/maintenance")
@role_required(Role.STAFF)
def toggle_maintenance():
    if request.form.get("enabled") == "1":
        retry_minutes = request.form.get("retry_minutes", type=int) or 10
        maintenance.turn_on(
            request.form.get("message", ""), by=current_user, retry_after=retry_minutes * 60
        )
        flash(
            "メンテナンスモードを開始しました。管理者以外には 503 ページが表示されます。", "warning"
        )
    else:
        maintenance.turn_off(by=current_user)
        flash("メンテナンスモードを終了しました。", "success")
    db.session.commit()
    return redirect(url_for("admin.system_page"))


@bp.post("/system/routines/<routine>/<item>")
@role_required(Role.STAFF)
def tick_routine(routine: str, item: str):
    try:
        system.tick(routine, item, by=current_user)
        db.session.commit()
    except RuleViolation:
        db.session.rollback()
        abort(404)
    flash("実施を記録しました。", "success")
    return redirect(url_for("admin.system_page", _anchor="routines"))


@bp.post("/system/contacts")
@role_required(Role.STAFF)
def save_contacts():
    rows = [
        {name: request.form.get(f"{name}-{index}", "") for name in system.CONTACT_FIELDS}
        for index in range(len(system.CONTACT_ROLES))
    ]
    system.save_contacts(rows, by=current_user)
    db.session.commit()
    flash("連絡先を保存しました。", "success")
    return redirect(url_for("admin.system_page", _anchor="contacts"))


@bp.get("/outbox")
@role_required(Role.STAFF)
def outbox_list():
    status = request.args.get("status", "")
    statement = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(OUTBOX_PAGE_SIZE)
    if status in OutboxStatus._value2member_map_:
        statement = statement.where(OutboxMessage.status == OutboxStatus(status))
    return render_template(
        "admin/outbox/list.html",
        messages=db.session.scalars(statement).all(),
        counts=system.outbox_counts(),
        status=status,
        statuses=list(OutboxStatus),
    )


@bp.post("/outbox/<int:message_id>/retry")
@role_required(Role.STAFF)
def retry_outbox(message_id: int):
    try:
        message = system.retry_mail(message_id, by=current_user)
        db.session.commit()
    except NotFound:
        abort(404)
    except RuleViolation as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash(f"{message.to_address} 宛てのメールを送信待ちに戻しました。", "success")
    return redirect(url_for("admin.outbox_list", status=request.args.get("status", "")))


@bp.app_context_processor
def feature_pause_helper():
    """`feature_pause("slip_upload")` in any template: the pause (its message) or None, so a
    paused feature says so where it would be, before anyone tries it."""
    return {"feature_pause": pauses.paused}
