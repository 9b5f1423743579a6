"""The optional demo step builds the upcoming meet's programme: NCG, heats, bibs, publication."""

import random
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from nitsys.demo.context import DemoContext
from nitsys.demo.heats import build_programme
from nitsys.extensions import db
from nitsys.models import Heat, HeatSlot
from nitsys.services import heats
from tests.factories import make_confirmed_entries, make_meet, make_race, make_user


def test_the_demo_step_builds_heats_with_bibs_and_publishes_the_ncg_heats(app):
    meet = make_meet()
    general = make_race(meet, heat_capacity=3)
    ncg = make_race(meet, is_ncg=True, ncg_capacity=2, fallback_race=general, display_order=1)
    make_confirmed_entries(general, [95000 + i for i in range(4)])
    make_confirmed_entries(ncg, [85000 + i for i in range(3)])
    context = DemoContext(
        seed=1, now=datetime.now(UTC), today=date.today(), password_hash="!",
        meet=meet, official=make_user("official"),
    )  # fmt: skip

    build_programme(random.Random(1), context)
    db.session.commit()

    assert db.session.scalar(select(func.count(HeatSlot.bib))) == 7
    assert [len(heat.slots) for heat in heats.race_heats(general.id)] == [2, 3]
    assert all(heat.is_published for heat in heats.race_heats(ncg.id))
    assert db.session.scalar(select(func.count(Heat.id)).where(Heat.published_at.is_(None))) == 2
