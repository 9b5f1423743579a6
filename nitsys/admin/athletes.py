"""Staff back office: athletes across every team (search, where entered) and corrections made
on a team's behalf (the roster form's service and rules, with a reason)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from nitsys.admin import bp
from nitsys.domain.errors import RuleViolation
from nitsys.entries.athlete_forms import AthleteForm
from nitsys.extensions import db
from nitsys.models import Athlete, Entry, Race, Role
from nitsys.security import role_required
from nitsys.services import athlete_search, athletes, audit_log, privacy, teams

MAX_QUERY_LENGTH = 100


@bp.get("/athletes")
@role_required(Role.OFFICIAL)
def athlete_search_page():
    query = request.args.get("q", "")[:MAX_QUERY_LENGTH]
    meet_id = request.args.get("meet", type=int)
    found = athlete_search.search(query, meet_id=meet_id) if query.strip() else None
    meets = teams.meet_choices()
    return render_template(
        "admin/athletes/search.html", query=query, meet_id=meet_id, found=found, meets=meets
    )


def _athlete(athlete_id: int) -> Athlete:
    return db.session.get(Athlete, athlete_id) or abort(404)


def _page(athlete: Athlete, form: AthleteForm, *, error: str = "", reason: str = ""):
    entries = db.session.scalars(
        select(Entry)
        .where(Entry.athlete_id == athlete.id)
        .options(
            joinedload(Entry.race).joinedload(Race.meet),
            joinedload(Entry.application),
            joinedload(Entry.slot),
        )
        .order_by(Entry.id.desc())
    ).all()
    history = audit_log.object_history("athletes", athlete.id)
    return render_template(
        "admin/athletes/page.html",
        athlete=athlete,
        entries=entries,
        form=form,
        error=error,
        reason=reason,
        history=history,
        changes=audit_log.changes,
        erased=privacy.is_erased(athlete),
    )


@bp.get("/athletes/<int:athlete_id>")
@role_required(Role.OFFICIAL)
def athlete_page(athlete_id: int):
    athlete = _athlete(athlete_id)
    return _page(athlete, AthleteForm.for_athlete(athlete, prefix="fix"))


@bp.post("/athletes/<int:athlete_id>/correct")
@role_required(Role.STAFF)
def athlete_correct(athlete_id: int):
    athlete = _athlete(athlete_id)
    form = AthleteForm(prefix="fix")
    reason = request.form.get("reason", "")
    try:
        athletes.correct_on_behalf(current_user, athlete.id, form.raw(), reason=reason)
        db.session.commit()
    except RuleViolation as error:
        db.session.rollback()
        if isinstance(error, athletes.AthleteInvalid):
            form.show_errors(error.errors)
        return _page(_athlete(athlete_id), form, error=error.message, reason=reason), 422
    flash(f"{athlete.full_name} さんの登録内容を修正し、所属先に通知しました。", "success")
    return redirect(url_for("admin.athlete_page", athlete_id=athlete.id))


@bp.get("/athletes/<int:athlete_id>/erase")
@role_required(Role.STAFF)
def athlete_erase_confirm(athlete_id: int):
    athlete = _athlete(athlete_id)
    return render_template(
        "admin/athletes/erase.html", athlete=athlete, removed=privacy.erasure_preview(athlete)
    )


@bp.post("/athletes/<int:athlete_id>/erase")
@role_required(Role.STAFF)
def athlete_erase(athlete_id: int):
    athlete = _athlete(athlete_id)
    if request.form.get("confirm") != "1":
        flash("削除する内容を確認のうえ、確認欄にチェックを入れてください。", "error")
        return redirect(url_for("admin.athlete_erase_confirm", athlete_id=athlete.id))
    privacy.erase_athlete(athlete.id, by=current_user)
    db.session.commit()
    flash(
        f"{athlete.full_name} さんの個人情報を削除しました。記録は氏名のみで残ります。", "success"
    )
    return redirect(url_for("admin.athlete_page", athlete_id=athlete.id))
