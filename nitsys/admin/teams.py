"""Staff back office: teams (officials read them: they phone teams about slips), notes,
and the people of a team (invite, deactivate, sessions, reset links)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from nitsys.admin import bp
from nitsys.domain.errors import NotFound, RuleViolation
from nitsys.domain.prefectures import PREFECTURES
from nitsys.extensions import db
from nitsys.models import Meet, OrganizationType, Role, User
from nitsys.reports.athlete_files import XLSX_TYPE
from nitsys.reports.download import download_response
from nitsys.security import role_required
from nitsys.services import accounts, audit_log, privacy, teams
from nitsys.services import team_merge as team_merge_service

MAX_QUERY_LENGTH = 100


@bp.get("/teams")
@role_required(Role.OFFICIAL)
def team_list():
    query = request.args.get("q", "")[:MAX_QUERY_LENGTH]
    meet_id = request.args.get("meet", type=int)
    meet = db.session.get(Meet, meet_id) if meet_id else teams.focus_meet()  # .id, .name
    rows = teams.list_teams(
        query,
        org_type=request.args.get("type", ""),
        active=request.args.get("active", ""),
        prefecture=request.args.get("pref", ""),
        meet=meet,
    )
    return render_template(
        "admin/teams/list.html",
        rows=rows,
        query=query,
        meet=meet,
        types=list(OrganizationType),
        org_type=request.args.get("type", ""),
        active=request.args.get("active", ""),
        prefecture=request.args.get("pref", ""),
        prefectures=PREFECTURES,
        limit=teams.LIST_LIMIT,
    )


@bp.get("/teams/<int:team_id>")
@role_required(Role.OFFICIAL)
def team_page(team_id: int):
    try:
        page = teams.team_page(team_id)
    except NotFound:
        abort(404)
    history = audit_log.object_history("organizations", team_id)
    return render_template(
        "admin/teams/page.html",
        page=page,
        team=page.team,
        history=history,
        changes=audit_log.changes,
        prefecture_name=PREFECTURES.get(page.team.prefecture or "", ""),
    )


def _back(team_id: int, anchor: str):
    return redirect(url_for("admin.team_page", team_id=team_id, _anchor=anchor))


def _run(action, success: str) -> bool:
    try:
        action()
        db.session.commit()
    except RuleViolation as error:
        db.session.rollback()
        flash(error.message, "error")
        return False
    flash(success, "success")
    return True


@bp.post("/teams/<int:team_id>/notes")
@role_required(Role.STAFF)
def team_note(team_id: int):
    _run(
        lambda: teams.add_note(team_id, request.form.get("body", ""), by=current_user),
        "メモを追加しました。",
    )
    return _back(team_id, "notes")


@bp.post("/teams/<int:team_id>/invite")
@role_required(Role.STAFF)
def team_invite(team_id: int):
    try:
        team = teams.get_team(team_id)
    except NotFound:
        abort(404)
    email = request.form.get("email", "")
    _run(
        lambda: accounts.invite_to_team(current_user, team, email),
        f"{accounts.normalise_email(email)} に招待メールを送りました。",
    )
    return _back(team_id, "members")


def _member(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


def _after_member_action(user: User):
    if user.organization_id:
        return _back(user.organization_id, "members")
    return redirect(url_for("admin.users", q=user.email))


@bp.post("/users/<int:user_id>/active")
@role_required(Role.STAFF)
def user_active(user_id: int):
    user = _member(user_id)
    active = request.form.get("active") == "1"
    _run(
        lambda: accounts.set_active(
            current_user, user, active, reason=request.form.get("reason", "")
        ),
        f"{user.full_name} さんのアカウントを{'再開' if active else '停止'}しました。",
    )
    return _after_member_action(user)


@bp.post("/users/<int:user_id>/sessions/end")
@role_required(Role.STAFF)
def user_end_sessions(user_id: int):
    user = _member(user_id)
    _run(
        lambda: accounts.end_all_sessions(user, by=current_user),
        f"{user.full_name} さんをすべての端末からログアウトさせました。",
    )
    return _after_member_action(user)


@bp.post("/users/<int:user_id>/reset-link")
@role_required(Role.STAFF)
def user_reset_link(user_id: int):
    user = _member(user_id)
    _run(
        lambda: accounts.send_reset_link(user, by=current_user),
        f"{user.email} にパスワード再設定リンクを送りました（1時間有効）。",
    )
    return _after_member_action(user)


@bp.get("/teams/<int:team_id>/merge")
@role_required(Role.STAFF)
def team_merge_preview(team_id: int):
    """Choose the team to keep, then see exactly what the merge will do."""
    try:
        merged = teams.get_team(team_id)
    except NotFound:
        abort(404)
    query = request.args.get("q", "")[:MAX_QUERY_LENGTH]
    keep_id = request.args.get("keep", type=int)
    candidates = [
        row.team
        for row in teams.list_teams(query or merged.name[:4], active="1", limit=20)
        if row.team.id != merged.id
    ]
    preview, keep, error = None, None, ""
    if keep_id:
        try:
            preview = team_merge_service.plan(keep_id, merged.id)
            keep = teams.get_team(keep_id)
        except RuleViolation as refused:
            error = refused.message
    return render_template(
        "admin/teams/merge.html", merged=merged, keep=keep, preview=preview,
        candidates=candidates, query=query, error=error,
    ), (422 if error else 200)  # fmt: skip


@bp.post("/teams/<int:team_id>/merge")
@role_required(Role.STAFF)
def team_merge(team_id: int):
    keep_id = request.form.get("keep", type=int)
    if not keep_id:
        abort(400)
    try:
        done = team_merge_service.merge(
            keep_id, team_id, by=current_user, fingerprint=request.form.get("fingerprint", "")
        )
        db.session.commit()
    except NotFound:
        db.session.rollback()
        abort(404)
    except RuleViolation as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("admin.team_merge_preview", team_id=team_id, keep=keep_id))
    if done.empty:
        flash("この団体は既に統合済みです。変更はありません。", "warning")
    else:
        flash("団体を統合しました。統合元の名前は旧名として検索できます。", "success")
    return redirect(url_for("admin.team_page", team_id=keep_id))


@bp.get("/teams/<int:team_id>/export.xlsx")
@role_required(Role.STAFF)
def team_export(team_id: int):
    """Everything held about the team (個人情報保護法の開示請求), logged as an export."""
    try:
        data, filename = privacy.team_workbook(team_id, by=current_user)
    except NotFound:
        abort(404)
    db.session.commit()
    return download_response(data, filename, XLSX_TYPE)
