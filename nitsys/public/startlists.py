"""Public start lists (SPEC §6): published heats per race and a "find my heat" search.

Only what the programme prints is shown: name, kana, team, bib, heat, position, start time —
never birth dates or JAAF IDs.
"""

from flask import abort, make_response, render_template, request

from nitsys.errors import render_error
from nitsys.extensions import db
from nitsys.models import Meet, Race
from nitsys.public import bp
from nitsys.services import heats, pauses

MAX_SEARCH_LENGTH = 50


def published_meet(meet_id: int) -> Meet:
    """The published meet of every public start list and results page (404 otherwise; 503 with
    the staff's message while public start lists/results are paused)."""
    pause = pauses.paused("public_results")
    if pause is not None:
        abort(make_response(render_error(503, pause.message, title="ただいま公開を停止しています")))
    meet = db.session.get(Meet, meet_id)
    if meet is None or not meet.is_published:
        abort(404)
    return meet


@bp.get("/meets/<int:meet_id>/startlist")
def startlist(meet_id: int):
    meet = published_meet(meet_id)
    search = request.args.get("q", "").strip()[:MAX_SEARCH_LENGTH]
    found = heats.published_rows(meet.id, search=search) if search else None
    return render_template(
        "public/startlist.html",
        meet=meet,
        races=heats.published_races(meet.id),
        search=search,
        found=found,
    )


@bp.get("/meets/<int:meet_id>/startlist/<int:race_id>")
def startlist_race(meet_id: int, race_id: int):
    meet = published_meet(meet_id)
    race = db.session.get(Race, race_id)
    if race is None or race.meet_id != meet.id:
        abort(404)
    rows = heats.published_rows(meet.id, race_id=race.id)
    return render_template("public/startlist_race.html", meet=meet, race=race, rows=rows)
