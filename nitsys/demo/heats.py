"""Optional step: the upcoming meet's programme (SPEC §6) — NCG selection, heats, bibs.

Not in `STEPS` by default (the demo shows the meet before the programme is built, and adding a
step changes nothing earlier). Append `heats.build_programme` to `STEPS` in
`nitsys/demo/__init__.py`, or call it after `seed_demo`, to get a meet with heats and bibs whose
NCG races are locked and published (as the organisers do first, for the evening).
"""

from __future__ import annotations

import random

from nitsys.demo.context import DemoContext
from nitsys.services import heats

# The demo meet has ~1,300 general men: the default 1000–1999 range would be refused.
DEMO_BIB_RANGES = {
    "ncg_M": [1, 499],
    "ncg_F": [500, 999],
    "general_M": [1000, 2999],
    "general_F": [3000, 3999],
    "ncg_X": [4000, 4499],
    "general_X": [4500, 4999],
}


def build_programme(rng: random.Random, context: DemoContext) -> None:
    meet, official = context.meet, context.official
    meet.bib_ranges = DEMO_BIB_RANGES
    if any(race.is_ncg for race in meet.races):
        heats.run_ncg_selection(meet.id, by=official)
    heats.generate_meet_heats(meet.id, by=official)
    heats.assign_bibs(meet.id, by=official)
    for race in meet.races:
        if race.is_ncg:
            for heat in heats.race_heats(race.id):
                heats.lock_heat(heat.id, by=official)
            heats.publish_race(race.id, by=official)
