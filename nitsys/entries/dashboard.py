"""The participant's home after login: upcoming meets, and each application's next step."""

from datetime import date, datetime

from flask import render_template
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from nitsys.entries import bp
from nitsys.extensions import db
from nitsys.formatting import TOKYO
from nitsys.models import Application, Meet
from nitsys.services import parking

RECENT_APPLICATIONS = 10


@bp.context_processor
def meet_calendar() -> dict:
    """Today in Japan, for the participant pages' "next step" of a meet that is over."""
    return {"today_jst": datetime.now(TOKYO).date()}


@bp.get("/")
@login_required
def dashboard():
    upcoming = db.session.scalars(
        select(Meet)
        .where(Meet.is_published, Meet.last_day >= date.today())
        .order_by(Meet.first_day)
        .limit(5)
    ).all()
    applications = db.session.scalars(
        select(Application)
        .where(Application.owned_by(current_user))
        .options(joinedload(Application.meet))
        .order_by(Application.id.desc())
        .limit(RECENT_APPLICATIONS)
    ).all()
    return render_template(
        "entries/dashboard.html",
        user=current_user,
        upcoming=upcoming,
        applications=applications,
        permits=parking.assigned_permits(current_user),
    )
