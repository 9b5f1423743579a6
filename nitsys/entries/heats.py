"""Published heats for participants: a dashboard panel and a printable team sheet (SPEC §6).

`my_published_heats(user)` is a template global so the dashboard includes
`entries/_my_heats.html` without its view having to know about heats.
"""

from datetime import date, datetime

from flask import abort, render_template
from flask_login import current_user, login_required

from nitsys.entries import bp
from nitsys.extensions import db
from nitsys.formatting import TOKYO
from nitsys.models import Meet
from nitsys.services import heats, results


@bp.app_template_global()
def my_published_heats(user) -> list[heats.StartRow]:
    """The user's athletes in published heats of meets not over yet."""
    return heats.published_rows(owner=user, from_day=date.today())


@bp.get("/meets/<int:meet_id>/heats")
@login_required
def team_sheet(meet_id: int):
    meet = db.session.get(Meet, meet_id)
    if meet is None or not meet.is_published:
        abort(404)
    rows = heats.published_rows(meet.id, owner=current_user)
    over = meet.last_day < datetime.now(TOKYO).date()
    return render_template(
        "entries/team_sheet.html",
        meet=meet,
        rows=rows,
        user=current_user,
        # A meet that is over: each runner's 記録 and 順位 on the sheet.
        results=results.results_by_slot_place(meet.id, current_user) if over else None,
    )
