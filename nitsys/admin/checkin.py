"""Day-of desks (受付・点呼, SPEC §7): search as you type, one-tap check-in, call room, progress.

Every tap answers with the runner's card as the server now holds it (never an optimistic
state); a refused tap answers 422 with the same card and the reason, so the desk sees it in
place and can send the runner to the trouble desk in one tap. Progress polling sends
`X-Nitsys-Poll`, so an unattended progress screen still times out.
"""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from nitsys.admin import bp
from nitsys.domain.errors import NotFound, RuleViolation
from nitsys.extensions import db
from nitsys.htmx import is_htmx, render_page_or_fragment, trigger
from nitsys.models import Heat, Meet, Role
from nitsys.security import role_required
from nitsys.services import checkin

FAILED = 422
CHANGED_EVENT = "checkin-changed"
# The tapped button names the target state, so two desks cannot flip each other.
ACTIONS = {
    "check_in": (checkin.set_checked_in, True, "{name}の点呼を完了しました。"),
    "undo": (checkin.set_checked_in, False, "{name}の点呼を取り消しました。"),
    "dns": (checkin.set_dns, True, "{name}を欠場（DNS）にしました。"),
    "undo_dns": (checkin.set_dns, False, "{name}の欠場（DNS）を取り消しました。"),
}


def _get_or_404(model, object_id: int):
    return db.session.get(model, object_id) or abort(404)


@bp.get("/checkin")
@role_required(Role.OFFICIAL)
def checkin_meets():
    meets = db.session.scalars(select(Meet).order_by(Meet.first_day.desc())).all()
    return render_template("admin/checkin/meets.html", meets=meets)


@bp.get("/meets/<int:meet_id>/checkin")
@role_required(Role.OFFICIAL)
def checkin_desk(meet_id: int):
    meet = _get_or_404(Meet, meet_id)
    query = request.args.get("q", "").strip()
    return render_page_or_fragment(
        "admin/checkin/desk.html",
        "admin/checkin/_results.html",
        meet=meet,
        q=query,
        cards=checkin.search(meet.id, query),
    )


@bp.post("/checkin/slots/<int:slot_id>")
@role_required(Role.OFFICIAL)
def checkin_tap(slot_id: int):
    action = ACTIONS.get(request.form.get("action", "")) or abort(400)
    change, target, message = action
    try:
        change(slot_id, target, by=current_user)
        db.session.commit()
    except NotFound:
        abort(404)
    except RuleViolation as error:
        db.session.rollback()
        return _card_response(slot_id, error=error.message), FAILED
    card = checkin.card(slot_id)
    headers = trigger(CHANGED_EVENT, toast=message.format(name=card.name))
    return _card_response(slot_id, card=card), 200, headers


def _card_response(slot_id: int, *, card=None, error: str = "") -> str:
    try:
        card = card or checkin.card(slot_id)
    except NotFound:
        # The heat is no longer (or not yet) on the desk, e.g. unlocked behind a stale page:
        # the message takes the card's place.
        return render_template("admin/checkin/_card_off_desk.html", slot_id=slot_id, error=error)
    return render_template("admin/checkin/_card.html", card=card, error=error)


@bp.get("/checkin/heats/<int:heat_id>")
@role_required(Role.OFFICIAL)
def checkin_heat(heat_id: int):
    heat = _get_or_404(Heat, heat_id)
    if not heat.locked:
        abort(404)
    previous, following = checkin.neighbour_heats(heat)
    return render_page_or_fragment(
        "admin/checkin/heat.html",
        "admin/checkin/_heat_counts.html",
        heat=heat,
        cards=checkin.heat_roster(heat.id),
        previous=previous,
        following=following,
    )


@bp.get("/meets/<int:meet_id>/checkin/progress")
@role_required(Role.OFFICIAL)
def checkin_progress(meet_id: int):
    # The polled fragment needs no meet row: the aggregate and the names are its only queries.
    races = checkin.progress(meet_id)
    if is_htmx():
        return render_template("admin/checkin/_progress.html", races=races)
    meet = _get_or_404(Meet, meet_id)
    return render_template("admin/checkin/progress.html", meet=meet, races=races)
