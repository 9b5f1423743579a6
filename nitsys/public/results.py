"""Public results (SPEC §7, §9): per race of a published meet, only heats whose results are in.

Only what a result list prints is shown: place, bib, name, kana, team, time or DNF/DNS/DQ —
never birth dates or JAAF IDs.
"""

from flask import abort, render_template

from nitsys.extensions import db
from nitsys.models import Race
from nitsys.public import bp
from nitsys.public.startlists import published_meet
from nitsys.services import results


@bp.get("/meets/<int:meet_id>/results")
def results_index(meet_id: int):
    meet = published_meet(meet_id)
    races = results.race_summaries(meet.id, imported_only=True)
    return render_template("public/results.html", meet=meet, races=races)


@bp.get("/meets/<int:meet_id>/results/<int:race_id>")
def results_race(meet_id: int, race_id: int):
    meet = published_meet(meet_id)
    race = db.session.get(Race, race_id)
    if race is None or race.meet_id != meet.id or not race.is_active:
        abort(404)
    race_results = results.race_results(race, imported_only=True)
    return render_template("public/results_race.html", meet=meet, race_results=race_results)
