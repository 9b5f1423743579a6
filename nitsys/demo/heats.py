"""The upcoming meet's programme (SPEC §6): NCG selection, heats and bibs for the entries
confirmed so far, with the NCG races locked and published (as the organisers do first, for
the evening), so the programme builder, the desks and the exports have data to show.
"""

from __future__ import annotations

import random

from nitsys.demo.context import DemoContext
from nitsys.services import heats


def build_programme(rng: random.Random, context: DemoContext) -> None:
    meet, official = context.meet, context.official
    if any(race.is_ncg for race in meet.races):
        heats.run_ncg_selection(meet.id, by=official)
    heats.generate_meet_heats(meet.id, by=official)
    heats.assign_bibs(meet.id, by=official)
    for race in meet.races:
        if race.is_ncg:
            for heat in heats.race_heats(race.id):
                heats.lock_heat(heat.id, by=official)
            heats.publish_race(race.id, by=official)
