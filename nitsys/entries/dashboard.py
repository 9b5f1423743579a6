"""The participant's home after login."""

from datetime import date

from flask import render_template
from flask_login import current_user, login_required
from sqlalchemy import select

from nitsys.entries import bp
from nitsys.extensions import db
from nitsys.models import Meet


@bp.get("/")
@login_required
def dashboard():
    upcoming = db.session.scalars(
        select(Meet)
        .where(Meet.is_published, Meet.last_day >= date.today())
        .order_by(Meet.first_day)
        .limit(5)
    ).all()
    return render_template("entries/dashboard.html", user=current_user, upcoming=upcoming)
