"""Public pages."""

from datetime import date

from flask import render_template
from sqlalchemy import select

from nitsys.extensions import db
from nitsys.models import Meet
from nitsys.public import bp


@bp.get("/")
def home():
    upcoming = db.session.scalars(
        select(Meet)
        .where(Meet.is_published, Meet.last_day >= date.today())
        .order_by(Meet.first_day)
        .limit(8)
    ).all()
    return render_template("public/home.html", upcoming=upcoming)
